"""The lifecycle commands, the roster, the imports and ``community resident``, through CliRunner, on every engine.

Each new command has a test with good input (the JSON shape, masking) and one with bad input: a clear
error, a non-zero exit code and nothing written. (Every command's ``--help`` is tested in test_cli.)
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

from communitycore import Community
from communitycore.cli import make_cli
from communitycore.cli.render import progress_bar
from communitycore.cli.state import AppState
from communitycore.domain.identity import check_character, mask_id_number


def run(community: Community, *args: str, input: str | None = None) -> Result:  # noqa: A002 - click's name
    state = AppState(community=community, pm=community.pm)
    # In English: these tests read the messages; tests/test_i18n.py checks the Chinese ones.
    return CliRunner().invoke(make_cli(state), ["--lang", "en", *args], obj=state, input=input,
                              catch_exceptions=False)


def ok(community: Community, *args: str) -> Result:
    result = run(community, *args)
    assert result.exit_code == 0, result.output
    return result


def as_json(community: Community, *args: str) -> Any:
    return json.loads(ok(community, "--json", *args).stdout)


def refused(community: Community, *args: str, code: int = 1) -> str:
    """Run, insist on a clean refusal (exit ``code``, an ``Error:`` line, no traceback) and return the output."""
    result = run(community, *args)
    assert result.exit_code == code, result.output
    assert "Error" in result.output and "Traceback" not in result.output
    return result.output


def make_id(birth: str, seq: int, area: str = "321281") -> str:
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + check_character(first17)


def audit_size(community: Community) -> int:
    return len(community.audit.list(limit=None))


@pytest.fixture
def town(community: Community) -> dict[str, Any]:
    org = community.org
    street = org.add("城南街道党工委", "street-committee")
    committee = org.add("幸福社区党委", "community-committee", street.id)
    grid = org.add("第一网格党支部", "grid-branch", committee.id)
    add = community.members.add
    members = [add(f"党员{i}", grid.id, id_number=make_id("19800101", 11 + i), phone=f"1381234{i:04d}",
                   join_date="2005-07-01", full_date="2006-07-01") for i in range(7)]
    probationary = add("预备党员甲", grid.id, category="预备", join_date="2026-03-01")
    compound = org.add_compound("幸福里", "老旧", committee.id)
    return {"street": street, "committee": committee, "grid": grid, "members": members,
            "probationary": probationary, "compound": compound}


# The must-show lines ------------------------------------------------------------------------------------


def test_remove_7_transferred_out(community: Community, town: dict[str, Any]) -> None:
    seventh = town["members"][6]
    assert seventh.id == 7
    removed = as_json(community, "member", "remove", "7", "--reason", "转出", "--to", "某某单位党委")
    assert (removed["status"], removed["removal_reason"], removed["removed_to"]) == (
        "removed", "transferred-out", "某某单位党委")
    assert 7 not in [m["id"] for m in as_json(community, "member", "list")]
    assert [m["id"] for m in as_json(community, "member", "list", "--status", "removed")] == [7]
    shown = as_json(community, "member", "show", "7")
    assert (shown["status"], shown["removal_reason"], shown["removed_to"]) == (
        "removed", "transferred-out", "某某单位党委")
    text = ok(community, "member", "show", "7").output
    assert "transferred out" in text and "某某单位党委" in text and "removed" in text
    entries = as_json(community, "audit", "list", "--entity", "member", "--entity-id", "7")
    assert [e["action"] for e in entries] == ["member.remove", "member.add"]
    assert as_json(community, "member", "restore", "7")["status"] == "active"


def test_org_add_of_an_orphan_branch_names_the_root_kinds(community: Community) -> None:
    output = refused(community, "org", "add", "孤立支部", "--kind", "branch")
    assert "the root kinds are: street working committee (street-committee)" in output
    in_chinese = run(community, "--lang", "zh", "org", "add", "孤立支部", "--kind", "branch")
    assert in_chinese.exit_code == 1
    assert "党支部（branch）须有上级党组织" in in_chinese.output
    assert "最上级类别有：街道党工委（street-committee）" in in_chinese.output
    assert community.org.count() == 0


def test_org_add_of_a_name_with_esc_is_refused(community: Community) -> None:
    output = refused(community, "org", "add", "城南\x1b[2J街道", "--kind", "street-committee")
    assert "U+001B" in output and "\x1b" not in output
    assert community.org.count() == 0


def test_confirm_before_the_end_of_probation_names_the_earliest_date(community: Community,
                                                                      town: dict[str, Any]) -> None:
    member = town["probationary"]
    assert "2027-03-01" in refused(community, "member", "confirm", str(member.id))
    assert "2027-03-01" in refused(community, "member", "confirm", str(member.id), "--on", "2026-11-01")
    shown = as_json(community, "member", "show", str(member.id))
    assert (shown["category"], shown["probation_end"]) == ("probationary", "2027-03-01")


def test_a_refused_change_names_its_fields_by_label_and_says_nothing_was_saved(community: Community,
                                                                             town: dict[str, Any]) -> None:
    """One command's refused input is no import: its fields read as its options' labels (转正日期, not
    full_date) and the message says nothing was saved; JSON keeps the field codes."""
    member = town["probationary"]
    args = ("member", "confirm", str(member.id), "--on", "2026-11-01")
    state = AppState(community=community, pm=community.pm)
    zh = CliRunner().invoke(make_cli(state), ["--lang", "zh", *args], obj=state)
    assert zh.exit_code == 1, zh.output
    assert "转正日期：" in zh.output and "full_date" not in zh.output, zh.output
    assert "未保存任何内容" in zh.output and "导入" not in zh.output and "党员 " in zh.output, zh.output
    assert "Full-member date: " in refused(community, *args) and "nothing was saved" in refused(community, *args)
    data = json.loads(CliRunner().invoke(make_cli(state), ["--json", *args], obj=state).output)
    assert [p["field"] for p in data["error"]["problems"]] == ["full_date"], data


def test_member_add_with_a_join_date_before_the_birth_date_is_refused(community: Community,
                                                                      town: dict[str, Any]) -> None:
    before = community.members.count()
    output = refused(community, "member", "add", "张三", "--unit", str(town["grid"].id), "--birth-date", "1990-01-01",
                     "--join-date", "1989-05-01")
    assert "before the birth date" in output
    assert community.members.count() == before


@pytest.mark.parametrize("header_row", [[], ["--header-row", "2"]])
def test_an_xlsx_with_a_title_row_chinese_dates_and_full_width_digits(community: Community, town: dict[str, Any],
                                                                    tmp_path: Path, header_row: list[str]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["幸福社区党员花名册"])
    sheet.append(["姓名", "公民身份号码", "入党时间", "手机号", "所在党组织"])
    sheet.append(["新党员", "".join(chr(ord(c) + 0xFEE0) for c in make_id("19900101", 91)), "2023年7月1日",
                  "１３９００００１１１１", "城南街道党工委/幸福社区党委/第一网格党支部"])
    path = tmp_path / "花名册.xlsx"
    workbook.save(path)
    done = as_json(community, "member", "import", str(path), *header_row)
    assert done["imported"] == 1
    found = as_json(community, "member", "search", "新党员")[0]
    assert found["join_date"] == "2023-07-01" and found["phone"] == "139******11"


# Every new command with bad input: a clear error and nothing written -------------------------------------------


def test_member_update(community: Community, town: dict[str, Any]) -> None:
    member = town["members"][0]
    updated = as_json(community, "member", "update", str(member.id), "--phone", "", "--education", "本科")
    assert (updated["phone"], updated["education"]) == (None, "bachelor")
    before = audit_size(community)
    assert "future" in refused(community, "member", "update", str(member.id), "--join-date", "2030-01-01")
    assert "Usage" in run(community, "member", "update", str(member.id)).output
    assert "digits 0-9" in refused(community, "member", "update", "٣", "--name", "某", code=2)
    moved = refused(community, "member", "update", str(member.id), "--unit", "3", code=2)
    assert f"community member transfer {member.id} --to 3" in moved  # the way a unit changes, not an unknown option
    assert community.members.get(member.id).unit_id == member.unit_id
    assert audit_size(community) == before


def test_member_remove(community: Community, town: dict[str, Any]) -> None:
    member = town["members"][1]
    before = audit_size(community)
    assert "mistaken-entry" in refused(community, "member", "remove", str(member.id), "--reason", "退休")
    assert "receiving organization" in refused(community, "member", "remove", str(member.id), "--reason", "转出")
    assert "错误录入" in refused(community, "member", "remove", str(member.id), "--reason", "死亡", "--purge", "-y")
    assert audit_size(community) == before and not community.members.get(member.id).removed
    gone = as_json(community, "member", "remove", str(member.id), "--reason", "错误录入", "--purge", "--yes")
    assert gone["deleted"] is True
    assert "no member" in refused(community, "member", "show", str(member.id))


def test_member_restore(community: Community, town: dict[str, Any]) -> None:
    before = audit_size(community)
    assert "on the roll" in refused(community, "member", "restore", str(town["members"][2].id))
    assert "no member" in refused(community, "member", "restore", "999")
    assert audit_size(community) == before


def test_member_extend_probation(community: Community, town: dict[str, Any]) -> None:
    member = town["probationary"]
    before = audit_size(community)
    assert "6 to 12" in refused(community, "member", "extend-probation", str(member.id), "--months", "3")
    assert "预备党员" in refused(community, "member", "extend-probation", str(town["members"][0].id), "--months", "6")
    assert audit_size(community) == before
    extended = as_json(community, "member", "extend-probation", str(member.id), "--months", "12")
    assert (extended["probation_extension_months"], extended["probation_end"]) == (12, "2028-03-01")
    assert "only once" in refused(community, "member", "extend-probation", str(member.id), "--months", "6")


def test_member_search(community: Community, town: dict[str, Any]) -> None:
    first = town["members"][0]
    found = as_json(community, "member", "search", first.id_number)
    assert [m["id"] for m in found] == [first.id]
    assert found[0]["id_number"] == mask_id_number(first.id_number)
    text = ok(community, "member", "search", "党员").output
    assert first.id_number not in text and first.phone not in text
    assert as_json(community, "member", "search", "无此人") == []
    assert "may not be stored" in refused(community, "member", "search", "党\x1b员")


def test_member_export(community: Community, town: dict[str, Any], tmp_path: Path) -> None:
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    target = tmp_path / "花名册.csv"
    done = as_json(community, "member", "export", str(target), "--unit", str(town["grid"].id))
    assert (done["rows"], done["revealed"]) == (8, False)
    text = target.read_text(encoding="utf-8-sig")
    assert text.startswith("姓名,性别,民族,出生日期,公民身份号码") and town["members"][0].id_number not in text
    before = audit_size(community)
    assert "reason" in refused(community, "member", "export", str(tmp_path / "r.csv"), "--reveal")
    assert ".xlsx or .csv" in refused(community, "member", "export", str(tmp_path / "r.pdf"))
    assert "no unit" in refused(community, "member", "export", str(tmp_path / "r.xlsx"), "--unit", "999")
    assert audit_size(community) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["花名册.csv"]  # no partial files left behind
    revealed = as_json(community, "member", "export", str(tmp_path / "r.xlsx"), "--reveal", "--reason", "移交")
    assert revealed["revealed"] is True


def test_member_import_check_and_a_bad_file(community: Community, town: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["姓名", "所在党组织", "入党时间"], ["甲", str(town["grid"].id), "2023年7月1日"]])
    before = community.members.count()
    checked = as_json(community, "member", "import", str(path), "--check")
    assert (checked["rows"], checked["imported"], checked["checked"]) == (1, 0, True)
    assert community.members.count() == before
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["姓名", "所在党组织", "入党时间"], ["甲", str(town["grid"].id), "2099年7月1日"]])
    output = refused(community, "member", "import", str(path))
    assert "row 2" in output and "future" in output
    assert "no sheets" in refused(community, "member", "import", str(path), "--sheet", "x")
    assert community.members.count() == before


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_import_shows_progress_on_a_terminal_only(community: Community, town: dict[str, Any], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["姓名", "所在党组织"], *(["甲", str(town["grid"].id)] for _ in range(3))])
    piped = ok(community, "member", "import", str(path))
    assert "rows read" not in piped.output and "3" in piped.stdout  # a log or a pipe gets the result alone
    assert progress_bar(3, "rows read") is None  # the test's stderr is no terminal either
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bar(3, "rows read") as bar:
        bar.update(3)
    assert "rows read" in terminal.getvalue() and "3/3" in terminal.getvalue()


def test_org_import(community: Community, tmp_path: Path) -> None:
    path = tmp_path / "tree.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["路径", "类别"], ["城南街道党工委", "街道党工委"],
                                  ["城南街道党工委/幸福社区党委", "社区党委"]])
    assert as_json(community, "org", "import", str(path), "--check")["added"] == 2
    assert community.org.count() == 0
    assert as_json(community, "org", "import", str(path))["added"] == 2
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["路径", "类别"], ["孤立支部", "党支部"]])
    output = refused(community, "org", "import", str(path))
    assert "row 2" in output and "root kinds" in output
    assert community.org.count() == 2


# community resident ---------------------------------------------------------------------------------------------


def test_resident_commands(community: Community, town: dict[str, Any], tmp_path: Path) -> None:
    compound = town["compound"]
    added = as_json(community, "resident", "add", "刘奶奶", "--compound", str(compound.id), "--building", "3栋",
                    "--room", "201", "--phone", "13812345678", "--flag", "独居老人", "--flag", "残疾")
    assert added["kind"] == "resident" and added["phone"] == "138******78"
    assert added["flags"] == ["disabled", "living-alone-elderly"]
    other = as_json(community, "resident", "add", "小明", "--flag", "留守儿童")
    assert [r["id"] for r in as_json(community, "resident", "list", "--flag", "独居老人")] == [added["id"]]
    assert [r["id"] for r in as_json(community, "resident", "list", "--compound", str(compound.id))] == [added["id"]]
    assert len(as_json(community, "resident", "list")) == 2
    shown = as_json(community, "resident", "show", str(added["id"]))
    assert shown["household"]["room"] == "201" and shown["phone"] == "138******78"
    assert "reason" in refused(community, "resident", "show", str(added["id"]), "--reveal")
    revealed = as_json(community, "resident", "show", str(added["id"]), "--reveal", "--reason", "上门走访")
    assert revealed["phone"] == "13812345678"
    updated = as_json(community, "resident", "update", str(added["id"]), "--no-flags", "--name", "刘秀英")
    assert (updated["name"], updated["flags"]) == ("刘秀英", [])
    households = as_json(community, "resident", "households", "--compound", str(compound.id))
    assert [h["room"] for h in households] == ["201"]
    removed = as_json(community, "resident", "remove", str(other["id"]), "--yes", "--note", "搬走")
    assert removed["id"] == other["id"]
    assert [r["id"] for r in as_json(community, "resident", "list")] == [added["id"]]


def test_resident_commands_with_bad_input(community: Community, town: dict[str, Any], tmp_path: Path) -> None:
    before = audit_size(community)
    assert "is not one of" in refused(community, "resident", "add", "某", "--flag", "富人")
    assert "may not be stored" in refused(community, "resident", "add", "某\x1b")
    assert "no compound" in refused(community, "resident", "add", "某", "--compound", "999", "--room", "1")
    assert "not both" in refused(community, "resident", "add", "某", "--household", "1", "--room", "1")
    assert "no resident" in refused(community, "resident", "show", "999")
    assert "is not one of" in refused(community, "resident", "list", "--flag", "富人")
    assert "Usage" in run(community, "resident", "update", "1").output
    assert "no resident" in refused(community, "resident", "remove", "999", "--yes")
    assert "digits 0-9" in refused(community, "resident", "show", "０１", code=2)
    assert "digits 0-9" in refused(community, "resident", "households", "--compound", "٣", code=2)
    path = tmp_path / "r.csv"
    path.write_text("姓名,标签\n甲,富人\n", encoding="utf-8")
    assert "row 2" in refused(community, "resident", "import", str(path))
    assert community.residents.list() == [] and community.residents.households() == []
    assert audit_size(community) == before
    path.write_text("姓名,标签\n甲,独居老人\n", encoding="utf-8")
    assert as_json(community, "resident", "import", str(path))["imported"] == 1


def test_a_bad_unit_field_is_named_by_its_label(community: Community, town: dict[str, Any]) -> None:
    committee = str(town["committee"].id)
    output = refused(community, "org", "add", "新支部", "--kind", "branch", "--parent", committee,
                     "--term-start", "9999-12-01")
    assert "Term start: 9999-12-01 lies outside the years 1900 to 2099" in output
    in_chinese = run(community, "--lang", "zh", "org", "add", "新支部", "--kind", "branch", "--parent", committee,
                     "--code", "x" * 100)
    assert in_chinese.exit_code == 1 and "组织代码：" in in_chinese.output and "code:" not in in_chinese.output
    assert [u.name for u in community.org.children(town["committee"].id)] == ["第一网格党支部"]


def test_a_probationary_member_is_not_made_full_by_a_correction(community: Community,
                                                                 town: dict[str, Any]) -> None:
    member = town["probationary"]
    output = refused(community, "member", "update", str(member.id), "--category", "full")
    assert "is a probationary member (预备党员) until 2027-03-01" in output
    assert community.members.get(member.id).category.value == "probationary"
