"""``community assess`` and ``community activity add``, as a new user tries them (messages in English)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import communitycore
from communitycore import Community
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.clock import Clock
from test_assessments import PACK


def run(community: Community, *args: str) -> Result:
    state = AppState(community=community, pm=community.pm)
    return CliRunner().invoke(make_cli(state), ["--lang", "en", *args], obj=state, catch_exceptions=False)


def ok(community: Community, *args: str) -> Result:
    result = run(community, *args)
    assert result.exit_code == 0, result.output
    return result


def as_json(community: Community, *args: str) -> Any:
    return json.loads(ok(community, "--json", *args).stdout)


@pytest.fixture
def c(db_url: str, clock: Clock, tmp_path: Path) -> Iterator[Community]:
    pack = tmp_path / "acc.toml"
    pack.write_text(PACK, encoding="utf-8")
    community = communitycore.open(db_url, actor="组织委员", clock=clock, autoload=False, packs=[pack])
    yield community
    community.close()


def test_the_must_show_flow(c: Community) -> None:
    unit = c.org.add("城南街道党工委", "street-committee")
    ids = [c.members.add(f"党员{i}", unit).id for i in range(5)]
    plan = {ids[0]: (5, 12), ids[1]: (2, 3), ids[2]: (0, 4), ids[3]: (3, 6), ids[4]: (4, 1)}
    for member, (lessons, hours) in plan.items():
        for day in range(lessons):
            ok(c, "activity", "add", "--member", str(member), "--fact", "acc-lesson",
               "--date", f"2026-02-{day + 1:02d}", "--note", "党课")
        if hours:
            entry = as_json(c, "activity", "add", "--subject", f"member:{member}", "--fact", "acc-hours",
                            "--quantity", str(hours), "--date", "2026-03-01", "--note", "志愿服务",
                            "--evidence", "签到表")
            assert entry["id"] and entry["source_id"] == "签到表"
    ok(c, "activity", "add", "--member", str(ids[4]), "--fact", "acc-violation", "--date", "2026-03-05",
       "--note", "违纪通报")
    done = as_json(c, "assess", "run", "--scheme", "acc-points", "--period", "2026Q1", "--unit", str(unit.id))
    assert set(done) >= {"run_id", "revision", "scheme", "scheme_version", "period", "results"}
    assert (done["revision"], done["scheme"], done["scheme_version"], done["period"]) == (1, "acc-points", 1, "2026Q1")
    totals = {r["subject_id"]: r["total"] for r in done["results"]}
    assert totals == {ids[0]: 92, ids[1]: 72, ids[2]: 68, ids[3]: 81, ids[4]: 0}
    for r in done["results"]:
        assert set(r) >= {"subject_id", "name", "total", "grade", "rank", "vetoed"}
    run_id = str(done["run_id"])
    vetoed = as_json(c, "assess", "explain", str(ids[4]), "--run", run_id)
    assert vetoed["vetoed"] and [x["fact"] for x in vetoed["lines"] if x["veto"]] == ["acc-violation"]
    for line in vetoed["lines"]:
        assert set(line) >= {"item", "fact", "quantity", "points", "capped", "veto"}
    text = ok(c, "assess", "explain", str(ids[4]), "--run", run_id).stdout
    assert "Veto: acc-violation = 1, so the total is 0" in text
    text = ok(c, "assess", "explain", str(ids[0]), "--run", run_id).stdout
    assert "Base: 60 points" in text and "5 of acc-lesson × 3 = 15 points, limited to 12" in text
    # An accepted appeal gives revision 2; revision 1 stays as it was.
    appeal = as_json(c, "assess", "appeal", run_id, str(ids[1]), "--item", "acc-lesson", "--reason", "漏记两次党课")
    assert appeal["state"] == "filed" and appeal["id"]
    decided = as_json(c, "assess", "decide", str(appeal["id"]), "--accept", "--quantity", "4", "--reason", "核实")
    assert (decided["state"], decided["result_revision"]) == ("upheld", 2)
    latest = as_json(c, "assess", "show", run_id)
    old = as_json(c, "assess", "show", run_id, "--revision", "1")
    assert latest["revision"] == 2 and old["revision"] == 1
    assert {r["subject_id"]: r["total"] for r in latest["results"]}[ids[1]] == 78
    assert {r["subject_id"]: r["total"] for r in old["results"]} == totals
    rejected = as_json(c, "assess", "appeal", run_id, str(ids[2]), "--item", "acc-hours", "--reason", "x")
    assert as_json(c, "assess", "decide", str(rejected["id"]), "--reject", "--reason", "无据")["state"] == "rejected"
    appeals = as_json(c, "assess", "appeals", "--run", run_id)
    assert [(a["state"], a["item"], a["item_label"]) for a in appeals] == [
        ("upheld", "acc-lesson", "参加党课次数"), ("rejected", "acc-hours", "志愿服务时长")]
    runs = as_json(c, "assess", "list")
    assert [(r["id"], r["scheme_label"], r["name"]) for r in runs] == [(done["run_id"], "党员积分", "党员积分 2026Q1")]
    # The tables name schemes and items in words, not by their codes.
    table = ok(c, "assess", "list").stdout + ok(c, "assess", "appeals").stdout
    assert "党员积分" in table and "参加党课次数" in table
    assert "acc-points" not in table and "acc-lesson" not in table


def test_schemes_results_and_files(c: Community, tmp_path: Path) -> None:
    schemes = {s["id"]: s for s in as_json(c, "assess", "schemes")}
    assert schemes["democratic-appraisal"]["bands"][0] == {
        "grade": "excellent", "min_score": 90, "quota": "1/3", "label": "优秀", "label_en": "excellent",
        "outcome": "promote"}
    assert schemes["democratic-appraisal"]["exempt"] == ["probationary"]
    unit = c.org.add("城南街道党工委", "street-committee")
    member = c.members.add("张三", unit).id
    ok(c, "activity", "add", "--member", str(member), "--fact", "acc-lesson", "--date", "2026-01-05")
    done = as_json(c, "assess", "run", "--scheme", "acc-points", "--period", "2026Q1")
    out = tmp_path / "results.xlsx"
    rows = as_json(c, "assess", "results", str(done["run_id"]), "--out", str(out))
    assert out.exists() and rows[0]["total"] == 63 and rows[0]["rank"] == 1
    text = ok(c, "assess", "results", str(done["run_id"])).stdout
    assert "张三" in text
    ok(c, "assess", "results", str(done["run_id"]), "--xlsx", str(tmp_path / "again.xlsx"))
    assert (tmp_path / "again.xlsx").exists()
    assert run(c, "assess", "results", str(done["run_id"]), "--xlsx", str(tmp_path / "x.csv")).exit_code == 2
    shown = as_json(c, "assess", "show", str(done["run_id"]), "--explain")
    assert shown["results"][0]["lines"][0]["item"] == "base" and "Total: 63" in shown["results"][0]["decisions"]
    assert "Base: 60 points" in ok(c, "assess", "show", str(done["run_id"]), "--explain").stdout


def test_bad_input_is_one_line_and_exit_1(c: Community) -> None:
    result = run(c, "assess", "run", "--scheme", "acc-points", "--period", "2026")
    quarter = communitycore.Period.containing(c.clock.today(), "quarterly")  # named as an example of the cadence
    assert result.exit_code == 1 and f"such as {quarter}" in result.output and "Traceback" not in result.output
    result = run(c, "assess", "run", "--scheme", "nope", "--period", "2026Q1")
    assert result.exit_code == 1 and "no scoring scheme 'nope'" in result.output
    result = run(c, "assess", "show", "42")
    assert result.exit_code == 1 and "no assessment run with id 42" in result.output
    result = run(c, "activity", "add", "--fact", "acc-lesson")
    assert result.exit_code == 2 and "--member ID or --subject KIND:ID" in result.output
    for subject, words in (("member:", "KIND:ID, e.g. member:12"), ("member", "KIND:ID, e.g. member:12"),
                           ("member:٣", "is not written with the digits 0-9"),
                           ("member:99999999999999999999", "out of range"), ("member:x", "got 'x'")):
        result = run(c, "activity", "add", "--subject", subject, "--fact", "acc-lesson")
        assert result.exit_code == 2 and "--subject" in result.output and words in result.output, result.output


def test_in_a_subprocess_in_english(tmp_path: Path) -> None:
    pack = tmp_path / "acc.toml"
    pack.write_text(PACK, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'c.db'}"
    env = {**os.environ, "COMMUNITYCORE_LANG": "en", "COMMUNITYCORE_DISABLE_PLUGIN_AUTOLOAD": "1",
           "COMMUNITYCORE_ACTOR": "x"}  # the administrator: the actor who created the database below

    def community(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "communitycore", "--db", db, "--pack", str(pack), *args],
                              capture_output=True, text=True, env=env, timeout=120, check=False)

    with communitycore.open(db, actor="x", autoload=False, packs=[pack], create=True) as c:
        unit = c.org.add("城南街道党工委", "street-committee")
        member = c.members.add("张三", unit).id
    assert community("activity", "add", "--member", str(member), "--fact", "acc-hours", "--quantity", "3",
                     "--date", "2026-02-01").returncode == 0
    done = community("--json", "assess", "run", "--scheme", "acc-points", "--period", "2026Q1")
    assert done.returncode == 0, done.stderr
    run_id = json.loads(done.stdout)["run_id"]
    shown = community("assess", "explain", str(member), "--run", str(run_id))
    assert shown.returncode == 0 and "Total: 66" in shown.stdout
    bad = community("assess", "decide", "99", "--reject", "--reason", "x")
    assert bad.returncode == 1 and "there is no appeal with id 99" in bad.stderr
