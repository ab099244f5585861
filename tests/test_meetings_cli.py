"""``community meeting``: the JSON shapes, refusals with exit code 1, attendance files, the 台账 file, in English."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

import communitycore
from communitycore import Community
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.domain.identity import check_character


def run(community: Community, *args: str) -> Result:
    state = AppState(community=community, pm=community.pm)
    return CliRunner().invoke(make_cli(state), ["--lang", "en", *args], obj=state, catch_exceptions=False)


def as_json(community: Community, *args: str) -> Any:
    result = run(community, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def make_id(birth: str, seq: int) -> str:
    first17 = f"321281{birth}{seq:03d}"
    return first17 + check_character(first17)


@pytest.fixture
def branch(community: Community) -> dict[str, Any]:
    street = community.org.add("城南街道党工委", "street-committee")
    unit = community.org.add("第一党支部", "branch", street.id)
    members = [community.members.add(f"党员{i}", unit.id, education="本科", join_date="2000-07-01",
                                     full_date="2001-07-01", id_number=make_id("19800101", 11 + 2 * i)).id
               for i in range(10)]
    return {"street": street, "unit": unit, "members": members}


def ids(values: list[int]) -> str:
    return ",".join(map(str, values))


def test_types_json(community: Community) -> None:
    found = {t["code"]: t for t in as_json(community, "meeting", "types")}
    assert found["branch-general-meeting"]["quorum"] == "at-least-half"
    assert found["branch-general-meeting"]["votes"] is True
    assert found["theme-day"]["times_per_period"] == 1 and found["theme-day"]["provider"] == "national-meetings"


def test_record_resolution_and_show(community: Community, branch: dict[str, Any]) -> None:
    m = branch["members"]
    recorded = as_json(community, "meeting", "record", "--unit", str(branch["unit"].id), "--type",
                       "branch-general-meeting", "--date", "2025-02-10", "--topic", "讨论", "--host", "张",
                       "--recorder", "王", "--minutes", "记录", "--present", ids(m[:4]),
                       "--absent", f"{m[4]}:出差,{m[5]}", "--leave", str(m[6]))
    assert recorded == {"id": 1, "unit_id": branch["unit"].id, "type": "branch-general-meeting",
                        "type_label": "branch general meeting", "date": "2025-02-10", "present": 4, "absent": 5,
                        "leave": 1, "quorum_met": False}
    refused = run(community, "meeting", "resolution", "1", "--title", "接收预备党员", "--for", "4")
    assert refused.exit_code == 1
    assert "4 present of 10 voting members; at-least-half requires 5" in refused.output
    corrected = as_json(community, "meeting", "correct", "1", "--present", str(m[4]))
    assert corrected["present"] == 5 and corrected["quorum_met"] is True
    too_many = run(community, "meeting", "resolution", "1", "--title", "接收预备党员", "--for", "6")
    assert too_many.exit_code == 1 and "more than the 5 members present" in too_many.output
    passed = as_json(community, "meeting", "resolution", "1", "--title", "接收预备党员", "--for", "5", "--against", "0")
    assert passed["passed"] is False and passed["due"] == 10  # more than half of the 10 due takes 6
    shown = as_json(community, "meeting", "show", "1")
    assert {a["member_id"]: a["presence"] for a in shown["attendance"]}[m[4]] == "present"
    assert {a["member_id"]: a["reason"] for a in shown["attendance"]}[m[5]] is None
    assert [r["title"] for r in shown["resolutions"]] == ["接收预备党员"]


def test_too_many_votes_and_bad_input_exit_1_naming_the_field(community: Community, branch: dict[str, Any]) -> None:
    unit = str(branch["unit"].id)
    bad_date = run(community, "meeting", "record", "--unit", unit, "--type", "theme-day", "--date", "2025-02-30",
                   "--topic", "x")
    assert bad_date.exit_code == 1 and "Date: " in bad_date.output and "Traceback" not in bad_date.output
    unknown = run(community, "meeting", "record", "--unit", unit, "--type", "no-such", "--date", "2025-02-01")
    assert unknown.exit_code == 1 and "unknown meeting type 'no-such'" in unknown.output
    bad_id = run(community, "meeting", "record", "--unit", unit, "--type", "theme-day", "--date", "2025-02-01",
                 "--topic", "x", "--present", "1,x")
    assert bad_id.exit_code == 2 and "--present" in bad_id.output
    # Ids are written with the digits 0-9 and within range, as PLAIN_ID reads them: "٣" is not member 3.
    for option, value in (("--present", "٣"), ("--leave", "０３"), ("--present", "99999999999999999999"),
                          ("--absent", "٣:sick"), ("--partner", ""), ("--partner", "\t"), ("--partner", "1,2"),
                          ("--partner", ":某代表")):
        refused = run(community, "meeting", "record", "--unit", unit, "--type", "theme-day", "--date", "2025-02-01",
                      "--topic", "x", option, value)
        assert refused.exit_code == 2 and option in refused.output, (option, value, refused.output)
        assert ("member id" if option != "--partner" else "partner id") in refused.output, refused.output
    for absent in (":sick", " :sick", ",:sick", f"{branch['members'][0]}:sick,：away"):
        no_one = run(community, "meeting", "record", "--unit", unit, "--type", "theme-day", "--date", "2025-02-01",
                     "--topic", "x", "--absent", absent)
        assert no_one.exit_code == 2 and "no member id before its reason" in no_one.output, absent
    assert as_json(community, "meeting", "list") == []
    meeting = as_json(community, "meeting", "record", "--unit", unit, "--type", "theme-day", "--date", "2025-02-01",
                      "--topic", "x")
    corrected = run(community, "meeting", "correct", str(meeting["id"]), "--absent", ":sick", "--note", "n")
    assert corrected.exit_code == 2 and "no member id before its reason" in corrected.output


def test_attendance_from_a_file(community: Community, branch: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "attendance.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["姓名", "公民身份号码", "出席情况", "缺席原因"])
        writer.writerow(["党员0", make_id("19800101", 11), "出席", ""])
        writer.writerow(["党员1", make_id("19800101", 13), "缺席", "生病"])
        writer.writerow(["党员2", make_id("19800101", 15), "请假", ""])
    recorded = as_json(community, "meeting", "record", "--unit", str(branch["unit"].id), "--type", "theme-day",
                       "--date", "2025-03-05", "--topic", "主题党日", "--attendance", str(path))
    assert (recorded["present"], recorded["absent"], recorded["leave"]) == (1, 8, 1)
    shown = as_json(community, "meeting", "show", str(recorded["id"]))
    assert {a["member_id"]: a["reason"] for a in shown["attendance"]}[branch["members"][1]] == "生病"
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名,公民身份号码,出席情况\n某人,110101199001011234,迟到\n", encoding="utf-8")
    refused = run(community, "meeting", "record", "--unit", str(branch["unit"].id), "--type", "theme-day",
                  "--date", "2025-03-06", "--topic", "x", "--attendance", str(bad))
    assert refused.exit_code == 1 and "公民身份号码" in refused.output and "出席情况" in refused.output


def test_compliance_json_and_the_xlsx_ledger(community: Community, branch: dict[str, Any], tmp_path: Path) -> None:
    unit = str(branch["unit"].id)
    for day in ("2025-01-08", "2025-03-12"):
        as_json(community, "meeting", "record", "--unit", unit, "--type", "theme-day", "--date", day, "--topic", "t",
                "--present", ids(branch["members"][:3]))
    out = tmp_path / "ledger.xlsx"
    found = as_json(community, "meeting", "compliance", "--unit", str(branch["street"].id), "--period", "2025Q1",
                    "--out", str(out))
    row = next(r for r in found["rows"] if r["type"] == "theme-day")
    assert (row["unit_id"], row["unit"], row["required"], row["held"]) == (branch["unit"].id, "第一党支部", 3, 2)
    assert row["rate"] == pytest.approx(2 / 3) and row["missing"] == [{"from": "2025-02-01", "to": "2025-02-28"}]
    assert found["absences"] == []
    sheet = openpyxl.load_workbook(out)["Meetings"]
    assert sheet.max_row == 3  # the header and one row per meeting
    ledger = as_json(community, "meeting", "ledger", "--period", "2025Q1", "--xlsx", str(tmp_path / "all.xlsx"))
    assert ledger["rows"] == found["rows"] and ledger["unit_id"] is None
    text = run(community, "meeting", "compliance", "--unit", str(branch["street"].id), "--period", "2025Q1")
    assert text.exit_code == 0 and "Compliance ledger 2025Q1" in text.output and "2025-02-01~2025-02-28" in text.output


def test_list_update_cancel(community: Community, branch: dict[str, Any]) -> None:
    unit = str(branch["unit"].id)
    first = as_json(community, "meeting", "add", "--unit", unit, "--type", "theme-day", "--date", "2025-01-08",
                    "--topic", "t")
    updated = as_json(community, "meeting", "update", str(first["id"]), "--topic", "新主题", "--date", "2025-01-09")
    assert updated["topic"] == "新主题" and updated["date"] == "2025-01-09"
    cancelled = as_json(community, "meeting", "cancel", str(first["id"]), "--note", "误录")
    assert cancelled["status"] == "cancelled"
    again = run(community, "meeting", "cancel", str(first["id"]))
    assert again.exit_code == 1 and "cancelled" in again.output
    listed = as_json(community, "meeting", "list", "--status", "cancelled")
    assert [m["id"] for m in listed] == [first["id"]]


def test_every_meeting_command_has_help(community: Community) -> None:
    for command in ("types", "record", "add", "correct", "update", "cancel", "resolution", "list", "show",
                    "compliance", "ledger"):
        result = run(community, "meeting", command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output


def test_the_installed_command_in_english(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMMUNITYCORE_", "PYTEST_"))}
    env["PYTHONPATH"] = str(Path(communitycore.__file__).parents[1])
    env["COMMUNITYCORE_LANG"] = "en"
    db = tmp_path / "c.db"

    def community(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "communitycore", "--db", str(db), *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, check=False)

    with communitycore.open(db, autoload=False, create=True) as c:
        unit = c.org.add("第一党支部", "branch", c.org.add("城南街道党工委", "street-committee").id)
        members = [c.members.add(f"党员{i}", unit.id, education="本科", join_date="2000-07-01",
                                 full_date="2001-07-01").id for i in range(4)]
    done = community("--json", "meeting", "record", "--unit", str(unit.id), "--type", "branch-general-meeting",
                     "--date", "2025-01-10", "--topic", "t", "--host", "h", "--recorder", "r", "--minutes", "m",
                     "--present", str(members[0]))
    assert done.returncode == 0, done.stderr
    refused = community("meeting", "resolution", str(json.loads(done.stdout)["id"]), "--title", "x", "--for", "1")
    assert refused.returncode == 1
    assert "no quorum for a resolution: 1 present of 4 voting members; at-least-half requires 2" in refused.stderr


def test_plan_and_due(community: Community, branch: dict[str, Any]) -> None:
    unit = str(branch["unit"].id)
    planned = as_json(community, "meeting", "plan", "--unit", unit, "--period", "2025Q1")
    theme = next(p for p in planned if p["type"] == "theme-day")
    assert [w["from"] for w in theme["windows"]] == ["2025-01-01", "2025-02-01", "2025-03-01"]
    # The clock stands at 2026-11-28: October's 主题党日 is overdue, November's due within 14 days.
    found = as_json(community, "meeting", "due", "--unit", unit, "--announce")
    theme_days = [(d["from"], d["status"]) for d in found if d["type"] == "theme-day"]
    assert theme_days == [("2026-10-01", "overdue"), ("2026-11-01", "due")]
    announced = community.audit.list(action="meeting.overdue", limit=None)
    assert len(announced) == sum(1 for d in found if d["status"] == "overdue")
    for command in ("plan", "due"):
        assert run(community, "meeting", command, "--help").exit_code == 0
