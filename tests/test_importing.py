"""Member import from CSV and XLSX, and the template, on every engine.

All or nothing: a file with bad rows stores nothing and reports every bad row with its
spreadsheet row number (header = row 1), the column header as written and the reason.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from communitycore import Community, InvalidValue, RejectedInput, i18n
from communitycore.domain.identity import check_character
from communitycore.domain.members import Category, Gender, Standing
from communitycore.io import member_import as importing_module
from communitycore.io import sheets as sheets_module
from communitycore.io.limits import UnsafeInput
from communitycore.io.member_import import MEMBER_HEADERS, field_for_header, import_members
from communitycore.io.templates import write_template

STREET, COMMUNITY, BRANCH = "城南街道党工委", "幸福社区党委", "第一党支部"
BRANCH_PATH = f"{STREET}/{COMMUNITY}/{BRANCH}"

HEADER = ["姓名", "性别", "出生日期", "公民身份号码", "学历", "入党日期", "转正日期", "党员类别", "所在党组织",
          "联系电话"]


def make_id(seq: int, birth: str = "19800101", area: str = "110101") -> str:
    """A valid 公民身份号码: odd sequence numbers are men, even ones women."""
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + check_character(first17)


def broken_id(seq: int) -> str:
    """A 公民身份号码 with a wrong check character."""
    good = make_id(seq)
    return good[:-1] + ("1" if good[-1] != "1" else "2")


@pytest.fixture
def tree(community: Community) -> dict[str, int]:
    street = community.org.add(STREET, "street-committee")
    comm = community.org.add(COMMUNITY, "community-committee", street.id)
    branch = community.org.add(BRANCH, "branch", comm.id)
    second = community.org.add("第二党支部", "branch", comm.id)
    return {"street": street.id, "community": comm.id, "branch": branch.id, "second": second.id}


def row(seq: int, unit: Any = BRANCH_PATH, **changes: Any) -> list[Any]:
    """One data row under :data:`HEADER`."""
    values = {
        "姓名": f"党员{seq}", "性别": "男" if seq % 2 else "女", "出生日期": "1980-01-01", "公民身份号码": make_id(seq),
        "学历": "本科", "入党日期": "2005-07-01", "转正日期": "2006-07-01", "党员类别": "正式党员",
        "所在党组织": unit, "联系电话": f"1380000{seq:04d}",
    }
    values.update(changes)
    return [values[h] for h in HEADER]


def write_csv(path: Path, rows: list[list[Any]], header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def problems_of(exc: pytest.ExceptionInfo[RejectedInput]) -> list[tuple[int | None, str]]:
    return [(p.row, p.field) for p in exc.value.problems]


# Good files -------------------------------------------------------------------------------------

def test_chinese_headers_with_units_by_path_and_by_id(community: Community, tree: dict[str, int],
                                                      tmp_path: Path) -> None:
    rows = [row(i, BRANCH_PATH if i % 2 else str(tree["second"])) for i in range(1, 7)]
    seen: list[int] = []
    count = import_members(community, write_csv(tmp_path / "m.csv", rows), progress=seen.append)
    assert count == 6
    assert seen == [6]
    assert community.members.count(tree["branch"]) == 3
    assert community.members.count(tree["second"]) == 3
    first = community.members.list(limit=1)[0]
    assert first.name == "党员1" and first.gender is Gender.MALE and first.id_number == make_id(1)
    assert first.birth_date == dt.date(1980, 1, 1) and first.full_date == dt.date(2006, 7, 1)
    assert first.phone == "13800000001" and first.category is Category.FULL and first.standing is Standing.NORMAL
    # The per-unit counters are current, as after any other change.
    assert community.org.stats(tree["street"])[0].members == 6
    entries = community.audit.list(action="member.import")
    assert len(entries) == 1 and entries[0].after == {"file": "m.csv", "rows": 6}


def test_the_counters_after_an_import_equal_a_fresh_count(community: Community, tree: dict[str, int],
                                                         tmp_path: Path) -> None:
    """The counters an import leaves (members, categories, genders, educations, cadres) agree
    with a count from the members table afterwards, with members already there."""
    from sqlalchemy import select

    from communitycore.store import rollup
    from communitycore.store.tables import members as member_tables

    community.members.add("先来的", BRANCH_PATH, id_number=make_id(900), post="书记", education="研究生")
    header = [*HEADER, "党内职务"]
    educations, posts = ["研究生", "本科", "大专", "高中", "", "初中"], ["书记", "副书记", "委员", "", "", "组织委员"]
    rows = [[*row(i, BRANCH_PATH if i % 3 else str(tree["second"]), 学历=educations[i % 6],
                  性别="" if i % 4 == 0 else ("男" if i % 2 else "女"),
                  党员类别="预备党员" if i % 5 == 0 else "正式党员", 转正日期="" if i % 5 == 0 else "2006-07-01"),
             posts[i % 6]] for i in range(1, 61)]
    assert import_members(community, write_csv(tmp_path / "mixed.csv", rows, header)) == 60
    with community.engine.connect() as conn:
        stored = {k: [int(x) for x in v] for k, v in rollup.counters(conn).items() if any(v)}
        fresh = rollup.shares(conn, conn.scalars(select(member_tables.members.c.id)).all())
    assert stored == fresh
    assert stored[tree["branch"]][0] == 41 and stored[tree["second"]][0] == 20


def test_english_headers_and_defaults_from_the_id_number(community: Community, tree: dict[str, int],
                                                         tmp_path: Path) -> None:
    header = ["name", "id_number", "unit", "category", "in_service", "phone"]
    rows = [["Li", make_id(2), str(tree["branch"]), "probationary", "yes", "+86 138 1234 5678"],
            ["Wang", make_id(3), BRANCH_PATH, "", "否", ""]]
    assert import_members(community, write_csv(tmp_path / "en.csv", rows, header)) == 2
    li, wang = community.members.list()
    # Birth date and gender are taken from the 公民身份号码 when left out, as members.add does.
    assert li.gender is Gender.FEMALE and li.birth_date == dt.date(1980, 1, 1)
    assert li.category is Category.PROBATIONARY and li.in_service is True and li.phone == "13812345678"
    assert wang.gender is Gender.MALE and wang.category is Category.FULL and wang.in_service is False


def test_same_values_as_members_add(community: Community, tree: dict[str, int], tmp_path: Path) -> None:
    import_members(community, write_csv(tmp_path / "a.csv", [row(5, 学历="大学本科", 党员类别="正式")]))
    imported = community.members.list()[0]
    added = community.members.add("党员6", BRANCH_PATH, gender="女", birth_date="1980-01-01", id_number=make_id(6),
                                  education="大学本科", join_date="2005-07-01", full_date="2006-07-01",
                                  category="正式", phone="13800000006")
    assert (imported.education, imported.category) == (added.education, added.category)


def test_utf8_bom_and_gb18030(community: Community, tree: dict[str, int], tmp_path: Path) -> None:
    assert import_members(community, write_csv(tmp_path / "bom.csv", [row(1)], encoding="utf-8-sig")) == 1
    # Excel on Chinese Windows saves CSV in GBK, which GB18030 contains.
    assert import_members(community, write_csv(tmp_path / "gbk.csv", [row(2)], encoding="gb18030")) == 1
    assert [m.name for m in community.members.list()] == ["党员1", "党员2"]


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(community: Community, tree: dict[str, int],
                                                            tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerow(row(1))
        writer.writerow([])
        writer.writerow([""] * len(HEADER))
        writer.writerow(row(2, 公民身份号码=broken_id(2)))
    with pytest.raises(RejectedInput) as exc:
        import_members(community, path)
    assert problems_of(exc) == [(5, "公民身份号码")]


def test_short_rows_are_padded(community: Community, tree: dict[str, int], tmp_path: Path) -> None:
    header = ["姓名", "所在党组织", "公民身份号码"]
    assert import_members(community, write_csv(tmp_path / "short.csv", [["张三", BRANCH_PATH]], header)) == 1


@pytest.fixture(params=["calamine", "openpyxl"])
def xlsx_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Small workbooks are read with calamine; large ones are streamed with openpyxl."""
    if request.param == "openpyxl":
        monkeypatch.setattr(sheets_module, "XLSX_IN_MEMORY_LIMIT", 0)
    return str(request.param)


def test_xlsx(community: Community, tree: dict[str, int], tmp_path: Path, xlsx_reader: str) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["姓名", "身份证号", "出生日期", "所在党组织", "手机号", "是否在职党员"])
    # Real date cells, phones and unit ids stored as numbers, booleans: as Excel users make them.
    sheet.append(["张三", make_id(1), dt.datetime(1980, 1, 1), BRANCH_PATH, 13800138000, True])
    sheet.append(["李四", make_id(2), "1980/01/01", tree["second"], "13800138001", "否"])
    path = tmp_path / "m.xlsx"
    workbook.save(path)
    assert import_members(community, path) == 2
    zhang, li = community.members.list()
    assert zhang.phone == "13800138000" and zhang.in_service is True and zhang.unit_id == tree["branch"]
    assert li.unit_id == tree["second"] and li.birth_date == dt.date(1980, 1, 1)


def test_xlsx_id_number_stored_as_a_number(community: Community, tree: dict[str, int], tmp_path: Path,
                                           xlsx_reader: str) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([])  # a blank first row: the header is row 2, the data row 3, as Excel numbers them
    sheet.append(["姓名", "公民身份号码", "所在党组织"])
    sheet.append(["张三", int(make_id(1)), BRANCH_PATH])
    path = tmp_path / "numbers.xlsx"
    workbook.save(path)
    with pytest.raises(RejectedInput) as exc:
        import_members(community, path)
    assert problems_of(exc) == [(3, "公民身份号码")]
    assert "format the column as text" in exc.value.problems[0].message
    with i18n.language("zh"), pytest.raises(RejectedInput) as in_chinese:
        import_members(community, path)
    assert "设为文本格式" in in_chinese.value.problems[0].message, in_chinese.value.problems[0].message


# Bad files: nothing is stored ------------------------------------------------------------------

def test_row_7_with_an_invalid_id_number(community: Community, tree: dict[str, int], tmp_path: Path) -> None:
    community.members.add("老党员", tree["branch"])
    rows = [row(i) for i in range(1, 9)]
    rows[5] = row(6, 公民身份号码=broken_id(6))  # the sixth data row is spreadsheet row 7
    with pytest.raises(RejectedInput) as exc:
        import_members(community, write_csv(tmp_path / "row7.csv", rows))
    assert problems_of(exc) == [(7, "公民身份号码")]
    assert "check character" in exc.value.problems[0].message
    assert "row 7, 公民身份号码" in str(exc.value)
    assert exc.value.source == "row7.csv"
    assert community.members.count() == 1
    assert community.audit.list(action="member.import") == []


def test_every_bad_row_is_reported(community: Community, tree: dict[str, int], tmp_path: Path) -> None:
    rows = [
        row(1),
        row(2, 出生日期="1980-02-30"),                                 # row 3: no such day
        row(3, 所在党组织=f"{STREET}/没有这个社区"),                    # row 4: unknown unit
        row(4, 姓名=""),                                              # row 5: required
        row(5, 性别="未知"),                                           # row 6: not a gender
        row(6, 公民身份号码=broken_id(6)),                              # row 7
        row(7, 出生日期="1981-01-01"),                                 # row 8: disagrees with the ID number
        row(8, 党员类别="预备党员"),                                    # row 9: a 预备党员 has no full date
        row(9, 所在党组织="999999"),                                   # row 10: unknown unit id
        row(10, 联系电话="12345"),                                     # row 11
    ]
    with pytest.raises(RejectedInput) as exc:
        import_members(community, write_csv(tmp_path / "bad.csv", rows))
    assert problems_of(exc) == [
        (3, "出生日期"), (4, "所在党组织"), (5, "姓名"), (6, "性别"), (7, "公民身份号码"), (8, "出生日期"),
        (9, "转正日期"), (10, "所在党组织"), (11, "联系电话"),
    ]
    assert community.members.count() == 0


def test_every_member_imported_has_its_entry_in_the_chain(community: Community, tree: dict[str, int],
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One member.add entry per member, batch after batch, each naming its member, name and unit, and
    the trail still verifies (on SQLite the entries go in by INSERT … SELECT, elsewhere read back)."""
    monkeypatch.setattr(importing_module, "BATCH_ROWS", 3)
    rows = [row(i, BRANCH_PATH if i % 2 else str(tree["second"])) for i in range(1, 9)]
    rows[4] = row(5, 姓名='王"五\\')  # quotes and a backslash in the JSON the entry holds
    assert import_members(community, write_csv(tmp_path / "m.csv", rows)) == 8
    added = sorted(community.audit.list(action="member.add", limit=None), key=lambda e: e.id)
    members = community.members.list(limit=None)
    assert len(members) == 8 and [e.entity_id for e in added] == [str(m.id) for m in members]
    assert [e.after for e in added] == [{"name": m.name, "unit_id": m.unit_id} for m in members]
    assert members[4].name == '王"五\\'
    assert len({e.note for e in added}) == 1 and "m.csv" in str(added[0].note)
    assert [e.id for e in added] == list(range(added[0].id, added[0].id + 8))
    assert community.audit.verify().ok


def test_problems_in_a_later_batch_undo_earlier_batches(community: Community, tree: dict[str, int],
                                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing_module, "BATCH_ROWS", 3)
    rows = [row(i) for i in range(1, 11)]
    rows[8] = row(9, 入党日期="someday")
    seen: list[int] = []
    with pytest.raises(RejectedInput) as exc:
        import_members(community, write_csv(tmp_path / "late.csv", rows), progress=seen.append)
    assert problems_of(exc) == [(10, "入党日期")]
    assert seen == [3, 6, 9, 10]
    assert community.members.count() == 0
    with community.reading() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM cc_unit_stats").scalar() == 0


def test_duplicate_id_numbers_within_the_file(community: Community, tree: dict[str, int], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing_module, "BATCH_ROWS", 4)  # the repeats fall in other batches too
    rows = [row(i) for i in range(1, 10)]
    rows[4] = row(1)  # row 6 repeats row 2 (another batch)
    rows[8] = row(8)  # row 10 repeats row 9 (the same batch)
    with pytest.raises(RejectedInput) as exc:
        import_members(community, write_csv(tmp_path / "dup.csv", rows))
    assert [(p.row, p.field, p.message) for p in exc.value.problems] == [
        (6, "公民身份号码", "the same 公民身份号码 as row 2"),
        (10, "公民身份号码", "the same 公民身份号码 as row 9"),
    ]
    assert community.members.count() == 0


def test_duplicate_id_numbers_against_the_database(community: Community, tree: dict[str, int],
                                                   tmp_path: Path) -> None:
    existing = community.members.add("已有党员", tree["branch"], id_number=make_id(3))
    with pytest.raises(RejectedInput) as exc:
        import_members(community, write_csv(tmp_path / "again.csv", [row(1), row(2), row(3)]))
    assert problems_of(exc) == [(4, "公民身份号码")]
    assert f"member id {existing.id}" in exc.value.problems[0].message
    assert community.members.count() == 1


def test_unknown_and_missing_columns(community: Community, tree: dict[str, int], tmp_path: Path) -> None:
    with pytest.raises(RejectedInput) as exc:
        import_members(community, write_csv(tmp_path / "h.csv", [["张三", "江苏"]], ["姓名", "籍贯"]))
    assert problems_of(exc) == [(1, "籍贯"), (1, "所在党组织")]
    assert "unknown column" in exc.value.problems[0].message
    with pytest.raises(RejectedInput) as exc:
        import_members(community, write_csv(tmp_path / "twice.csv", [], ["姓名", "身份证号", "公民身份号码"]))
    assert (1, "公民身份号码") in problems_of(exc)


def test_values_without_a_header(community: Community, tree: dict[str, int], tmp_path: Path) -> None:
    header = ["姓名", "所在党组织", ""]
    with pytest.raises(RejectedInput) as exc:
        import_members(community, write_csv(tmp_path / "x.csv", [["张三", BRANCH_PATH, "?"],
                                                                 ["李四", BRANCH_PATH, "", "extra"]], header))
    assert problems_of(exc) == [(2, "column 3"), (3, "column 4")]


def test_not_a_spreadsheet(community: Community, tmp_path: Path) -> None:
    with pytest.raises(InvalidValue, match=r"\.csv, \.txt or \.xlsx"):
        import_members(community, tmp_path / "members.xls")
    with pytest.raises(UnsafeInput, match="does not exist"):
        import_members(community, tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(RejectedInput, match="empty"):
        import_members(community, empty)


def test_import_file_through_the_members_api(community: Community, tree: dict[str, int], tmp_path: Path) -> None:
    assert community.members.import_file(write_csv(tmp_path / "m.csv", [row(1)])) == 1


# Template ---------------------------------------------------------------------------------------

def test_headers() -> None:
    assert field_for_header("身份证号") == "id_number" == field_for_header(" ID_Number ")
    assert field_for_header("\ufeff姓名") == "name"
    assert field_for_header("unit") == "unit" and field_for_header("籍贯") is None
    assert [h[0] for h in MEMBER_HEADERS.values()][:5] == ["姓名", "性别", "民族", "出生日期", "公民身份号码"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_csv_template_filled_in_and_imported(community: Community, tree: dict[str, int], tmp_path: Path,
                                            lang: str) -> None:
    path = write_template(tmp_path / f"template-{lang}.csv", lang=lang)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header, example = list(csv.reader(fh))
    assert header[0] == ("name" if lang == "en" else "姓名")
    example[header.index("unit" if lang == "en" else "所在党组织")] = BRANCH_PATH
    write_csv(path, [example], header, encoding="utf-8-sig")
    assert import_members(community, path) == 1
    assert community.members.list()[0].birth_date == dt.date(1985, 3, 12)


def test_xlsx_template_filled_in_and_imported(community: Community, tree: dict[str, int], tmp_path: Path) -> None:
    path = write_template(tmp_path / "template.xlsx")
    workbook = openpyxl.load_workbook(path)
    data, notes = workbook.worksheets
    header = [c.value for c in data[1]]
    assert header == [h[0] for h in MEMBER_HEADERS.values()]
    data.cell(row=2, column=header.index("所在党组织") + 1, value=BRANCH_PATH)
    data.append(["王五", "女", None, None, make_id(2), None, None, None, "预备党员", None, BRANCH_PATH])
    workbook.save(path)
    # The second sheet lists the allowed codes with their Chinese labels.
    listed = {tuple(c.value for c in r[1:3]) for r in notes.iter_rows()}
    assert ("probationary", "预备党员") in listed and ("secretary", "书记") in listed
    assert import_members(community, path) == 2
    assert community.members.list()[1].category is Category.PROBATIONARY


def test_template_refuses_other_formats(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue):
        write_template(tmp_path / "t.ods")
    with pytest.raises(InvalidValue):
        write_template(tmp_path / "t.csv", lang="fr")


def test_columns_without_repeats_drop_their_memo(community: Community, tree: dict[str, int], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing_module, "BATCH_ROWS", 3)
    monkeypatch.setattr(importing_module, "_MEMO_TRIAL_ROWS", 6)
    rows = [row(i) for i in range(1, 13)]
    rows[9] = row(1)  # row 11 repeats row 2
    rows[10] = row(11, 公民身份号码=broken_id(11), 出生日期="1980-02-30")  # row 12, after the memo is gone
    with pytest.raises(RejectedInput) as exc:
        import_members(community, write_csv(tmp_path / "late.csv", rows))
    assert problems_of(exc) == [(11, "公民身份号码"), (12, "出生日期"), (12, "公民身份号码")]
    assert community.members.count() == 0
    del rows[10]
    del rows[9]
    assert import_members(community, write_csv(tmp_path / "good.csv", rows)) == 10
