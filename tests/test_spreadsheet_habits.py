"""Spreadsheets as offices write them, on every engine: title rows, header and value aliases, dates such as
2023年7月1日 and Excel serials, full-width digits, ``--sheet``, ``--header-row``, ``--check``, and one audit
entry per imported member.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from communitycore import Community, InvalidValue, RejectedInput
from communitycore.domain.identity import check_character
from communitycore.domain.members import MEMBER_FIELDS, Category, Gender, Post, parse_bool
from communitycore.io.member_import import IGNORED_HEADERS, MEMBER_HEADERS, field_for_header, is_member_header

BRANCH_PATH = "城南街道党工委/幸福社区党委/第一党支部"


def make_id(seq: int, birth: str = "19800101", area: str = "110101") -> str:
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + check_character(first17)


def full_width(text: str) -> str:
    """Digits, letters and slashes as a Chinese input method types them."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.fixture
def tree(community: Community) -> dict[str, int]:
    street = community.org.add("城南街道党工委", "street-committee")
    comm = community.org.add("幸福社区党委", "community-committee", street.id)
    branch = community.org.add("第一党支部", "branch", comm.id)
    return {"street": street.id, "community": comm.id, "branch": branch.id}


def office_workbook(path: Path, *, title_rows: int = 1, sheet: str = "党员信息", extra_sheet: bool = False) -> Path:
    """A roster as a street office keeps it: a title row, 序号, aliases, Chinese dates, full-width digits."""
    workbook = openpyxl.Workbook()
    if extra_sheet:
        workbook.active.title = "说明"  # type: ignore[union-attr]
        workbook.active.append(["本表由社区填写"])  # type: ignore[union-attr]
        ws = workbook.create_sheet(sheet)
    else:
        ws = workbook.active
        ws.title = sheet  # type: ignore[union-attr]
    assert ws is not None
    for n in range(title_rows):
        ws.append(["幸福社区党员花名册" if n == 0 else "填报单位：幸福社区党委"])
    ws.append(["序号", "姓  名", "身份证号码", "性别", "入党时间", "转正时间", "政治面貌", "职务", "手机号",
               "所在支部", "备注"])
    ws.append([1, "张三", full_width(make_id(11)), "男性", "2003年7月1日", "2004年7月1日", "中共党员", "支部书记",
               full_width("13800001111"), full_width(BRANCH_PATH), "老党员"])
    ws.append([2, "李四", make_id(12), "女性", dt.date(2023, 7, 1), None, "中共预备党员", None, "13800001112",
               BRANCH_PATH, None])
    ws.append([3, "王五", make_id(13), "男", 45108, 45474, "中共党员", "组织委员", "0523-84812345", BRANCH_PATH, ""])
    workbook.save(path)
    return path


def check_office_members(community: Community) -> None:
    members = {m.name: m for m in community.members.list()}
    assert set(members) == {"张三", "李四", "王五"}
    zhang, li, wang = members["张三"], members["李四"], members["王五"]
    assert (zhang.id_number, zhang.gender, zhang.join_date, zhang.full_date) == (
        make_id(11), Gender.MALE, dt.date(2003, 7, 1), dt.date(2004, 7, 1))
    assert (zhang.post, zhang.phone, zhang.category) == (Post.SECRETARY, "13800001111", Category.FULL)
    assert (li.category, li.gender, li.join_date) == (Category.PROBATIONARY, Gender.FEMALE, dt.date(2023, 7, 1))
    assert (wang.join_date, wang.full_date, wang.post) == (dt.date(2023, 7, 1), dt.date(2024, 7, 1),
                                                           Post.ORGANIZATION)


@pytest.mark.parametrize("header_row", [None, 2])
def test_an_office_workbook_imports_with_or_without_header_row(community: Community, tree: dict[str, int],
                                                              tmp_path: Path, header_row: int | None) -> None:
    path = office_workbook(tmp_path / "花名册.xlsx")
    assert community.members.import_file(path, header_row=header_row) == 3
    check_office_members(community)


def test_two_title_rows_and_a_wrong_header_row(community: Community, tree: dict[str, int], tmp_path: Path) -> None:
    path = office_workbook(tmp_path / "花名册.xlsx", title_rows=2)
    with pytest.raises(RejectedInput) as info:
        community.members.import_file(path, header_row=2)
    assert info.value.problems[0].row == 2 and "unknown column" in info.value.problems[0].message
    assert community.members.count() == 0
    assert community.members.import_file(path) == 3
    check_office_members(community)


def test_the_sheet_by_name(community: Community, tree: dict[str, int], tmp_path: Path) -> None:
    path = office_workbook(tmp_path / "花名册.xlsx", sheet="在册党员", extra_sheet=True)
    with pytest.raises(InvalidValue, match=r"no sheet named '党员'.*说明, 在册党员"):
        community.members.import_file(path, sheet="党员")
    with pytest.raises(RejectedInput):  # the first sheet is the notes
        community.members.import_file(path)
    assert community.members.import_file(path, sheet="在册党员") == 3
    with pytest.raises(InvalidValue, match="CSV file, which has no sheets"):
        community.members.import_file(tmp_path / "x.csv", sheet="在册党员")


def test_formulas_saved_without_results_are_refused_and_with_them_read(community: Community, tree: dict[str, int],
                                                                       tmp_path: Path) -> None:
    # A program (openpyxl here) writes a formula without its result; every reader sees the cell empty.
    path = office_workbook(tmp_path / "花名册.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["党员信息"]["I5"] = '="0523-"&"84812345"'
    workbook.save(path)
    with pytest.raises(InvalidValue, match=r"formulas saved without their results \(I5\).*Excel or WPS"):
        community.members.import_file(path)
    assert community.members.count() == 0
    many = tmp_path / "many.xlsx"
    workbook["党员信息"].append(["=1+1"] * 8)
    workbook.save(many)
    with pytest.raises(InvalidValue, match=r"\(I5, A6, B6, C6, D6 and 4 more\)"):
        community.members.import_file(many)
    # Once calculated (as Excel or WPS saves it), the cell holds its result and the row reads whole.
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = parts[sheet].replace(b'<c r="I5">', b'<c r="I5" t="str">')
    parts[sheet] = xml.replace(b"</f><v />", b"</f><v>0523-84812345</v>")
    assert parts[sheet] != xml
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    assert community.members.import_file(path) == 3
    check_office_members(community)


def test_check_validates_and_writes_nothing(community: Community, tree: dict[str, int], tmp_path: Path) -> None:
    path = office_workbook(tmp_path / "花名册.xlsx")
    audit_before = len(community.audit.list(limit=None))
    assert community.members.import_file(path, check=True) == 3
    assert community.members.count() == 0
    assert len(community.audit.list(limit=None)) == audit_before
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["姓名", "所在党组织", "入党日期"], ["赵六", BRANCH_PATH, "2023年13月1日"]])
    with pytest.raises(RejectedInput, match="not a date"):
        community.members.import_file(bad, check=True)


def test_each_imported_member_has_its_own_audit_entry(community: Community, tree: dict[str, int],
                                                     tmp_path: Path) -> None:
    earlier = community.members.add("先来者", tree["branch"])
    path = office_workbook(tmp_path / "花名册.xlsx")
    community.members.import_file(path)
    adds = community.audit.list(action="member.add", limit=None)
    assert len(adds) == 1 + 3
    imported = {m.id: m for m in community.members.list() if m.id != earlier.id}
    by_id = {int(e.entity_id): e for e in adds}  # type: ignore[arg-type]
    for member_id, member in imported.items():
        entry = by_id[member_id]
        assert entry.after == {"name": member.name, "unit_id": member.unit_id}
        assert entry.note == "imported from 花名册.xlsx" and entry.actor == "tester"
        assert make_id(11) not in str(entry.after)  # no personal data in the trail
    assert [e.entity_id for e in community.audit.list(action="member.import")] == [None]


def test_csv_with_full_width_unit_ids_and_title_rows(community: Community, tree: dict[str, int],
                                                    tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["第一党支部党员名单", "", ""])
        writer.writerow(["", "", ""])
        writer.writerow(["姓名", "党组织", "出生年月"])
        writer.writerow(["甲", full_width(str(tree["branch"])), "1980.1.1"])
        writer.writerow(["乙", "٣", "1980/01/02"])
    with pytest.raises(RejectedInput) as info:
        community.members.import_file(path)
    assert [(p.row, p.field) for p in info.value.problems] == [(5, "党组织")]
    assert "digits 0-9" in info.value.problems[0].message
    path.write_text(path.read_text(encoding="utf-8-sig").replace("٣", "3"), encoding="utf-8-sig")
    assert community.members.import_file(path) == 2
    assert {m.unit_id for m in community.members.list()} == {tree["branch"], 3}


def test_every_header_alias_names_its_field() -> None:
    for field, headers in MEMBER_HEADERS.items():
        for header in headers:
            assert field_for_header(header) == field
            assert field_for_header(f" {header[0]} {header[1:]} ") == field  # spaces inside, as offices align
    for alias, field in {"入党时间": "join_date", "转正时间": "full_date", "联系方式": "phone", "手机号": "phone",
                         "职务": "post", "身份证号码": "id_number"}.items():
        assert field_for_header(alias) == field
    assert field_for_header("ＩＤ＿ＮＵＭＢＥＲ") == "id_number"
    assert set(IGNORED_HEADERS) == {"序号", "备注"}
    assert is_member_header(["序号", "姓名", "身份证号码"]) and not is_member_header(["幸福社区党员花名册"])


@pytest.mark.parametrize(("field", "spellings", "code"), [
    ("gender", ["男性", "男士", "M", "Ｍ"], "male"),
    ("gender", ["女性", "女士"], "female"),
    ("category", ["中共党员", "党员", "正式"], "full"),
    ("category", ["预备", "中共预备党员"], "probationary"),
    ("post", ["支部书记", "党支部书记", "党委书记"], "secretary"),
    ("post", ["支部副书记", "党委副书记"], "deputy-secretary"),
    ("post", ["支委", "支部委员"], "committee-member"),
    ("post", ["党小组组长", "小组长"], "group-leader"),
])
def test_value_aliases(field: str, spellings: list[str], code: str) -> None:
    for spelling in spellings:
        assert MEMBER_FIELDS[field](spelling).value == code


def test_in_service_words() -> None:
    assert [parse_bool(v) for v in ("是", "在职", "√", "Ｙ", "否", "退休", "离退休", "×")] == [True] * 4 + [False] * 4

