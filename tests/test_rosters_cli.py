"""``community roster``, as a new user tries it (messages in English)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

import communitycore
from communitycore import Community
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.clock import Clock
from test_rosters import SCORES

TZ = ZoneInfo("Asia/Shanghai")


def run(community: Community, *args: str) -> Result:
    state = AppState(community=community, pm=community.pm)
    return CliRunner().invoke(make_cli(state), ["--lang", "en", *args], obj=state, catch_exceptions=False)


def ok(community: Community, *args: str) -> Result:
    result = run(community, *args)
    assert result.exit_code == 0, result.output
    return result


def as_json(community: Community, *args: str) -> Any:
    return json.loads(ok(community, "--json", *args).stdout)


def _at(c: Community, *when: int) -> None:
    c.clock = Clock("Asia/Shanghai", fixed=dt.datetime(*when, 9, 0, tzinfo=TZ))  # type: ignore[misc]


@pytest.fixture
def c(db_url: str) -> Iterator[Community]:
    community = communitycore.open(db_url, actor="书记", clock=Clock("Asia/Shanghai", fixed=dt.datetime(
        2025, 1, 1, 9, 0, tzinfo=TZ)), autoload=False)
    yield community
    community.close()


@pytest.fixture
def branch(c: Community) -> int:
    street = c.org.add("城南街道党工委", "street-committee")
    return c.org.add("红色管家联合党支部", "branch", street.id).id


def _member(c: Community, branch: int, name: str) -> int:
    return c.members.add(name, branch, education="本科", join_date="2000-07-01", full_date="2001-07-01").id


def test_an_objection_holds_admission_until_dismissed_and_an_early_admit_names_the_end(
        c: Community, branch: int) -> None:
    entry = as_json(c, "roster", "apply", "--program", "red-steward", "--member", str(_member(c, branch, "张三")))
    assert entry["id"] and entry["state"] == "applied" and entry["kind"] == "roster-entry"
    entry_id = str(entry["id"])
    ok(c, "roster", "qualify", entry_id, "--pass", "--note", "正式党员")
    noticed = as_json(c, "roster", "notice", entry_id, "--start", "2025-03-01")
    assert noticed["notice_end"] == "2025-03-07"
    _at(c, 2025, 3, 5)
    early = run(c, "roster", "admit", entry_id)
    assert early.exit_code == 1 and "the notice ends on 2025-03-07" in early.output
    objection = as_json(c, "roster", "object", entry_id, "--by", "居民李四", "--reason", "不实", "--on", "2025-03-05")
    assert objection["id"] and objection["state"] == "open"
    _at(c, 2025, 3, 9)
    held = run(c, "roster", "admit", entry_id)
    assert held.exit_code == 1 and f"objection {objection['id']} is unresolved" in held.output
    ok(c, "roster", "resolve-objection", str(objection["id"]), "--dismiss", "--note", "查无实据")
    assert as_json(c, "roster", "admit", entry_id)["state"] == "admitted"
    shown = as_json(c, "roster", "show", entry_id)
    assert [h["to"] for h in shown["history"]][-1] == "admitted"
    assert [o["state"] for o in shown["objections"]] == ["dismissed"]
    text = ok(c, "roster", "show", entry_id).output
    assert "History" in text and "Objections" in text


def test_an_upheld_objection_refuses_the_application(c: Community, branch: int) -> None:
    entry_id = str(as_json(c, "roster", "apply", "--program", "red-steward", "--member",
                           str(_member(c, branch, "张三")))["id"])
    ok(c, "roster", "qualify", entry_id, "--pass", "--note", "通过")
    ok(c, "roster", "notice", entry_id)
    objection = as_json(c, "roster", "object", entry_id, "--by", "业委会", "--reason", "属实")
    ok(c, "roster", "resolve-objection", str(objection["id"]), "--uphold", "--note", "经查属实")
    assert as_json(c, "roster", "show", entry_id)["state"] == "refused"
    assert [e["id"] for e in as_json(c, "roster", "list", "--state", "refused")] == [int(entry_id)]


def test_a_quarterly_review_of_six_stewards_promotes_one_warns_one_and_eliminates_one(
        c: Community, branch: int) -> None:
    _at(c, 2025, 1, 10)
    ids = []
    for i in range(len(SCORES)):
        entry_id = str(as_json(c, "roster", "apply", "--program", "red-steward", "--member",
                               str(_member(c, branch, f"管家{i}")))["id"])
        ok(c, "roster", "qualify", entry_id, "--pass", "--note", "通过")
        ok(c, "roster", "notice", entry_id, "--start", "2024-12-20")
        ok(c, "roster", "admit", entry_id)
        ids.append(int(entry_id))
    _at(c, 2025, 3, 5)  # the quarter's work is done, then recorded
    for entry_id, (activities, effect, satisfaction) in zip(ids, SCORES, strict=True):
        for day in range(activities):
            ok(c, "activity", "add", "--subject", f"steward:{entry_id}", "--fact", "steward-participation",
               "--date", f"2025-02-{day + 1:02d}", "--note", "活动")
        if effect:
            ok(c, "activity", "add", "--subject", f"steward:{entry_id}", "--fact", "steward-effect", "--quantity",
               str(effect), "--date", "2025-02-20", "--note", "效果")
        ok(c, "activity", "add", "--subject", f"steward:{entry_id}", "--fact", "steward-satisfaction",
           "--quantity", str(satisfaction), "--date", "2025-03-01", "--note", "测评")
    _at(c, 2025, 4, 2)
    before = as_json(c, "roster", "list", "--program", "red-steward")
    proposed = as_json(c, "roster", "review", "--program", "red-steward", "--period", "2025Q1")
    assert proposed["applied"] is False and proposed["run_id"]
    rows = proposed["proposals"]
    for p in rows:
        assert set(p) >= {"entry_id", "name", "grade", "total", "tier_from", "tier_to", "outcome", "reason"}
    outcomes = sorted(p["outcome"] for p in rows)
    assert outcomes == ["keep", "keep", "keep", "promote", "remove", "warn"]
    assert as_json(c, "roster", "list", "--program", "red-steward") == before
    ok(c, "roster", "review", "--program", "red-steward", "--period", "2025Q1", "--apply")
    after = {e["id"]: e for e in as_json(c, "roster", "list", "--program", "red-steward")}
    assert (after[ids[0]]["tier"], after[ids[0]]["state"]) == ("silver", "active")
    assert after[ids[3]]["state"] == "warned"
    assert (after[ids[5]]["state"], after[ids[5]]["exit_reason"]) == ("exited", "eliminated")
    text = ok(c, "roster", "review", "--program", "red-steward", "--period", "2025Q1").output
    assert "Proposed (nothing changed)" in text


def test_training_is_recorded_and_flagged_when_short(c: Community, branch: int) -> None:
    entry_id = str(as_json(c, "roster", "apply", "--program", "red-steward", "--member",
                           str(_member(c, branch, "张三")))["id"])
    ok(c, "roster", "qualify", entry_id, "--pass", "--note", "通过")
    ok(c, "roster", "notice", entry_id, "--start", "2024-12-01")
    ok(c, "roster", "admit", entry_id)
    added = as_json(c, "roster", "training", "add", entry_id, "--date", "2025-01-01", "--hours", "3",
                    "--topic", "应急处置")
    assert added["id"]
    status = as_json(c, "roster", "training", "status", "--program", "red-steward", "--period", "2025")
    assert [(s["entry_id"], s["hours"], s["short"]) for s in status] == [(int(entry_id), 3, True)]


def test_bad_input_exits_1_with_a_message_and_no_traceback(c: Community, branch: int) -> None:
    result = run(c, "roster", "apply", "--program", "no-such", "--member", "1")
    assert result.exit_code == 1 and "no roster programme 'no-such'" in result.output
    result = run(c, "roster", "show", "99")
    assert result.exit_code == 1 and "there is no roster entry with id 99" in result.output
    assert "Traceback" not in result.output


def test_the_roster_group_runs_as_a_subprocess_in_english(tmp_path: Path) -> None:
    env = {**os.environ, "COMMUNITYCORE_LANG": "en"}
    db = str(tmp_path / "c.db")
    done = subprocess.run([sys.executable, "-m", "communitycore", "--db", db, "--create", "--json", "roster",
                           "programs"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    programs = json.loads(done.stdout)
    assert programs[0]["id"] == "red-steward" and programs[0]["notice_days"] == 7
    listed = subprocess.run([sys.executable, "-m", "communitycore", "--db", db, "--json", "roster", "list"],
                            capture_output=True, text=True, env=env, check=False)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    refused = subprocess.run([sys.executable, "-m", "communitycore", "--db", db, "roster", "admit", "5"],
                             capture_output=True, text=True, env=env, check=False)
    assert refused.returncode == 1 and "there is no roster entry with id 5" in refused.stderr + refused.stdout
