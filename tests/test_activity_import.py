"""``community activity``: the ledger import (CSV and XLSX, all or nothing), its template, and the commands."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from communitycore import Community, RejectedInput
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.clock import Clock
from communitycore.domain.identity import check_character
from communitycore.io import activity_import
from test_activity import open_ledger

ID_FIRST17 = "11010119850312123"
ID_NUMBER = ID_FIRST17 + check_character(ID_FIRST17)


@pytest.fixture
def book(db_url: str, clock: Clock) -> Iterator[Community]:
    c = open_ledger(db_url, clock)
    yield c
    c.close()


@pytest.fixture
def tree(book: Community) -> dict[str, int]:
    street = book.org.add("城南街道党工委", "street-committee")
    grid = book.org.add("第一网格党支部", "grid-branch", parent=book.org.add("幸福社区党委", "community-committee",
                                                                       parent=street))
    zhang = book.members.add("张三", grid, id_number=ID_NUMBER)
    li = book.members.add("李四", grid)
    return {"street": street.id, "grid": grid.id, "zhang": zhang.id, "li": li.id}


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


HEADER = ["对象类型", "对象编号", "事实", "日期", "数量", "来源", "备注"]


def test_chinese_headers_ids_and_id_numbers(book: Community, tree: dict[str, int], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [
        HEADER,
        ["党员", tree["zhang"], "volunteer-hours", "2026-03-01", "1.5", "meeting:12", "义诊"],
        ["member", ID_NUMBER, "volunteer-hours", "2026/03/02", "2", "", ""],
        ["党员", tree["li"], "meetings-attended", "20260303", "", "manual", ""],
        ["", "", "", "", "", "", ""],
        ["unit", tree["grid"], "bulletin-posts", "2026-03-04", "3", "", "宣传栏"],
        ["红色管家", 17, "steward-visits", "2026-03-05", "", "", ""],
    ])
    assert book.activity.import_file(path) == 5
    entries = book.activity.list()
    assert [(e.subject_kind, e.subject_id, e.fact, e.quantity) for e in entries] == [
        ("member", tree["zhang"], "volunteer-hours", Decimal("1.5")),
        ("member", tree["zhang"], "volunteer-hours", Decimal(2)),
        ("member", tree["li"], "meetings-attended", Decimal(1)),
        ("unit", tree["grid"], "bulletin-posts", Decimal(3)),
        ("steward", 17, "steward-visits", Decimal(1)),
    ]
    assert (entries[0].source_kind, entries[0].source_id, entries[0].note) == ("meeting", "12", "义诊")
    assert (entries[1].source_kind, entries[1].source_id) == ("import", "a.csv")
    assert [e.unit_id for e in entries] == [tree["grid"]] * 4 + [None]
    assert entries[1].occurred_on == dt.date(2026, 3, 2)
    audit = book.audit.list(action="activity.import")
    assert len(audit) == 1 and audit[0].after == {"file": "a.csv", "rows": 5}


def test_subject_ids_in_full_width_digits_are_read_and_other_digits_refused(book: Community, tree: dict[str, int],
                                                                             tmp_path: Path) -> None:
    wide = str(tree["zhang"]).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    arabic = str(tree["zhang"]).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    good = write_csv(tmp_path / "wide.csv", [HEADER, ["党员", wide, "volunteer-hours", "2026-03-01", "1", "", ""]])
    assert book.activity.import_file(good) == 1 and book.activity.list()[0].subject_id == tree["zhang"]
    bad = write_csv(tmp_path / "arabic.csv", [HEADER, ["党员", arabic, "volunteer-hours", "2026-03-01", "1", "", ""]])
    with pytest.raises(RejectedInput) as caught:
        book.activity.import_file(bad)
    assert [(p.row, p.field) for p in caught.value.problems] == [(2, "对象编号")]
    assert len(book.activity.list()) == 1


def test_english_headers_and_a_unit_column(book: Community, tree: dict[str, int], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "en.csv", [
        ["subject_kind", "subject_id", "fact", "date", "quantity", "unit"],
        ["steward", 3, "steward-visits", "2026-03-05", "2", "城南街道党工委/幸福社区党委/第一网格党支部"],
    ])
    assert book.activity.import_file(path) == 1
    assert book.activity.list()[0].unit_id == tree["grid"]


def test_every_bad_row_is_named_and_nothing_is_recorded(book: Community, tree: dict[str, int], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", [
        HEADER,
        ["党员", tree["zhang"], "volunteer-hours", "2026-03-01", "1", "", ""],          # 2: good
        ["干部", tree["zhang"], "volunteer-hours", "2026-03-01", "1", "", ""],          # 3: kind
        ["党员", 999, "volunteer-hours", "2026-03-01", "1", "", ""],                    # 4: no such member
        ["党员", tree["zhang"], "nope", "2026-03-01", "1", "", ""],                     # 5: fact
        ["党员", tree["zhang"], "bulletin-posts", "2026-03-01", "1", "", ""],           # 6: fact of units
        ["党员", tree["zhang"], "volunteer-hours", "2026-02-30", "1.234", "", ""],      # 7: date, quantity
        ["党员", "11010119850312124", "volunteer-hours", "2026-03-01", "1", "", ""],    # 8: check digit
        ["党员", tree["zhang"], "volunteer-hours", "", "1", "会议 12", ""],               # 9: date, source
        ["unit", ID_NUMBER, "bulletin-posts", "2026-03-01", "1", "", ""],               # 10: id number of a unit
    ])
    with pytest.raises(RejectedInput) as caught:
        book.activity.import_file(path)
    found = [(p.row, p.field) for p in caught.value.problems]
    assert found == [(3, "对象类型"), (4, "对象编号"), (5, "事实"), (6, "对象类型"), (7, "日期"), (7, "数量"),
                     (8, "对象编号"), (9, "日期"), (9, "来源"), (10, "对象编号")]
    assert "there is no member with id 999" in caught.value.problems[1].message
    assert book.activity.list() == []
    assert book.audit.list(action="activity.import") == []


def test_a_problem_in_a_later_batch_undoes_the_earlier_ones(book: Community, tree: dict[str, int], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(activity_import, "BATCH_ROWS", 3)
    rows: list[list[object]] = [HEADER] + [["党员", tree["li"], "volunteer-hours", "2026-03-01", "1", "", ""]] * 7
    rows.append(["党员", tree["li"], "volunteer-hours", "2026-13-01", "1", "", ""])
    with pytest.raises(RejectedInput) as caught:
        book.activity.import_file(write_csv(tmp_path / "late.csv", rows))
    assert [(p.row, p.field) for p in caught.value.problems] == [(9, "日期")]
    assert book.activity.list() == []
    assert book.activity.import_file(write_csv(tmp_path / "fine.csv", rows[:-1])) == 7


def test_headers_are_checked(book: Community, tmp_path: Path) -> None:
    with pytest.raises(RejectedInput) as caught:
        book.activity.import_file(write_csv(tmp_path / "h.csv", [["对象类型", "事实", "颜色", "事实代码"], ["x"] * 4]))
    assert [(p.row, p.field) for p in caught.value.problems] == [
        (1, "颜色"), (1, "事实代码"), (1, "对象编号"), (1, "日期")]
    with pytest.raises(RejectedInput, match="the file is empty"):
        book.activity.import_file(write_csv(tmp_path / "e.csv", []))
    with pytest.raises(RejectedInput, match="has a value but no header"):
        book.activity.import_file(write_csv(tmp_path / "n.csv", [[*HEADER, ""], ["党员", 1, "volunteer-hours",
                                                                                  "2026-03-01", "1", "", "", "x"]]))


def test_xlsx_with_real_cells(book: Community, tree: dict[str, int], tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["党员", tree["zhang"], "volunteer-hours", dt.datetime(2026, 3, 1), 1.5, None, None])
    sheet.append(["党员", ID_NUMBER, "volunteer-hours", "2026-03-02", 2, None, "文本身份证号"])
    sheet.append(["党员", int(ID_NUMBER[:17]) * 10, "volunteer-hours", "2026-03-02", 2, None, None])
    path = tmp_path / "a.xlsx"
    workbook.save(path)
    with pytest.raises(RejectedInput) as caught:
        book.activity.import_file(path)
    assert [(p.row, p.field) for p in caught.value.problems] == [(4, "对象编号")]
    assert "keeps only 15 digits" in caught.value.problems[0].message
    sheet.delete_rows(4)
    workbook.save(path)
    assert book.activity.import_file(path) == 2
    assert [e.quantity for e in book.activity.list()] == [Decimal("1.5"), Decimal(2)]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_template_imports_as_it_is(book: Community, tree: dict[str, int], tmp_path: Path, suffix: str,
                                       lang: str) -> None:
    written = book.activity.write_template(tmp_path / f"t{suffix}", lang=lang)
    assert book.activity.import_file(written) == 1  # its example: member 1, volunteer-hours, 1.5
    entry = book.activity.list()[0]
    assert (entry.subject_id, entry.fact, entry.quantity, entry.source_kind) == (
        tree["zhang"], "volunteer-hours", Decimal("1.5"), "manual")


# The commands ---------------------------------------------------------------------------------------------


def run(community: Community, *args: str) -> Result:
    state = AppState(community=community, pm=community.pm)
    return CliRunner().invoke(make_cli(state), list(args), obj=state, catch_exceptions=False)


def test_commands_record_reverse_list_and_values(book: Community, tree: dict[str, int]) -> None:
    zhang = str(tree["zhang"])
    first = json.loads(run(book, "--json", "activity", "record", "member", zhang, "volunteer-hours",
                           "--on", "2026-03-01", "--quantity", "2.5", "--source", "meeting:3").output)
    assert (first["kind"], first["quantity"], first["source_kind"], first["source_id"]) == ("activity", 2.5,
                                                                                           "meeting", "3")
    run(book, "activity", "record", "member", zhang, "volunteer-hours", "--on", "2026-03-02", "--quantity", "1")
    reversal = json.loads(run(book, "activity", "reverse", str(first["id"]), "--note", "记错了", "--json").output)
    assert (reversal["reverses"], reversal["quantity"], reversal["note"]) == (first["id"], -2.5, "记错了")
    listed = json.loads(run(book, "--json", "activity", "list", "--subject-kind", "member").output)
    assert [e["id"] for e in listed] == [1, 2, 3]
    found = json.loads(run(book, "--json", "activity", "values", "--fact", "volunteer-hours,meetings-attended",
                           "--period", "2026年第一季度", "--unit", str(tree["street"])).output)
    assert found == [{"subject_kind": "member", "subject_kind_label": "党员", "subject_id": tree["zhang"],
                      "fact": "volunteer-hours", "fact_label": "志愿服务时长", "value": 1}]
    text = run(book, "--lang", "en", "activity", "values", "--fact", "volunteer-hours", "--period", "2026Q1").output
    # The fact by its label: this one has no English label, so the Chinese one is shown.
    assert "Subject kind" in text and "志愿服务时长" in text and "volunteer-hours" not in text
    again = run(book, "activity", "reverse", str(first["id"]))
    assert again.exit_code == 1 and "第 1 条已被第 3 条冲销" in again.output


def test_commands_import_and_template(book: Community, tree: dict[str, int], tmp_path: Path) -> None:
    template = tmp_path / "t.csv"
    assert run(book, "activity", "template", str(template)).exit_code == 0
    done = json.loads(run(book, "--json", "activity", "import", str(template)).output)
    assert done["imported"] == 1
    bad = write_csv(tmp_path / "bad.csv", [HEADER, ["党员", 999, "volunteer-hours", "2026-03-01", "1", "", ""]])
    result = run(book, "activity", "import", str(bad))
    assert result.exit_code == 1
    assert "第 2 行，对象编号：没有编号为 999 的党员" in result.output  # the subject kind by its label
    assert "未导入任何数据" in result.output
    refused = run(book, "--json", "activity", "import", str(bad))
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["problems"] == [{"row": 2, "column": "对象编号",
                                                      "message": "没有编号为 999 的党员"}]


def test_a_row_dated_after_today_is_refused_and_nothing_imported(book: Community, tree: dict[str, int],
                                                                  tmp_path: Path) -> None:
    tomorrow = (book.clock.today() + dt.timedelta(days=1)).isoformat()
    path = write_csv(tmp_path / "a.csv", [
        HEADER,
        ["党员", tree["zhang"], "volunteer-hours", book.clock.today().isoformat(), "1", "", "今天的"],
        ["党员", tree["li"], "volunteer-hours", tomorrow, "1", "", "明天的"],
    ])
    with pytest.raises(RejectedInput) as refused:
        book.activity.import_file(path)
    [problem] = refused.value.problems
    assert (problem.row, problem.field) == (3, "日期") and tomorrow in problem.message  # the column as headed
    assert book.activity.list() == []
