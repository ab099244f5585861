"""``community recruit`` and ``community dues``: the JSON shapes, refusals with exit code 1, in English."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import communitycore
from communitycore import Community
from communitycore.cli import make_cli
from communitycore.cli.state import AppState

ID = "110105199003071239"


def run(community: Community, *args: str) -> Result:
    state = AppState(community=community, pm=community.pm)
    return CliRunner().invoke(make_cli(state), ["--lang", "en", *args], obj=state, catch_exceptions=False)


def as_json(community: Community, *args: str) -> Any:
    result = run(community, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def branch(sqlite_community: Community) -> dict[str, Any]:
    c = sqlite_community
    street = c.org.add("城南街道党工委", "street-committee")
    unit = c.org.add("第一党支部", "branch", street.id)
    members = [c.members.add(f"党员{i}", unit.id, join_date="2000-07-01", full_date="2001-07-01").id
               for i in range(3)]
    return {"unit": unit, "members": members}


@pytest.mark.parametrize("path", [("recruit",), ("recruit", "apply"), ("recruit", "step"), ("recruit", "vote"),
                                  ("recruit", "list"), ("recruit", "show"), ("recruit", "due"), ("recruit", "steps"),
                                  ("dues",), ("dues", "set-base"), ("dues", "amount"), ("dues", "pay"),
                                  ("dues", "arrears"), ("dues", "ledger"), ("dues", "import"),
                                  ("dues", "categories")])
def test_help(sqlite_community: Community, path: tuple[str, ...]) -> None:
    result = run(sqlite_community, *path, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_recruit_apply_list_show_and_a_refused_step(sqlite_community: Community, branch: dict[str, Any]) -> None:
    c = sqlite_community
    applied = as_json(c, "recruit", "apply", "--name", "李明", "--id-number", ID, "--unit", str(branch["unit"].id),
                      "--date", "2026-11-01")
    assert applied["kind"] == "candidate" and applied["stage"] == "applicant"
    assert applied["id_number"] == "******1990********" and not applied["revealed"]
    cid = str(applied["id"])
    listed = as_json(c, "recruit", "list", "--stage", "applicant")
    assert [x["id"] for x in listed] == [applied["id"]]
    refused = run(c, "recruit", "step", cid, "--step", "activist", "--date", "2026-11-05")
    assert refused.exit_code == 1 and "needs the steps before it first: talk" in refused.output
    as_json(c, "recruit", "step", cid, "--step", "talk", "--date", "2026-11-20", "--by", "王委员", "--note", "谈话")
    shown = as_json(c, "recruit", "show", cid)
    assert [(h["step"], h["done_on"], h["responsible"]) for h in shown["history"]] == [
        ("application", "2026-11-01", None), ("talk", "2026-11-20", "王委员")]
    assert as_json(c, "recruit", "due", "--days", "400") == []  # the next step (activist) has no time rule
    text = run(c, "recruit", "list")
    assert text.exit_code == 0 and "李明" in text.output and ID not in text.output
    revealed = as_json(c, "recruit", "show", cid, "--reveal", "--reason", "政审")
    assert revealed["id_number"] == ID and revealed["revealed"]
    entry = c.audit.list(action="recruitment.reveal")[0]
    assert entry.entity_id == cid and entry.note == "政审"
    assert run(c, "recruit", "show", cid, "--reveal").exit_code != 0  # a reason is required
    c.grants.add("李审计", "auditor", branch["unit"].id)
    auditor = c.as_actor("李审计")
    assert as_json(auditor, "recruit", "show", cid)["id_number"] != ID
    denied = run(auditor, "recruit", "show", cid, "--reveal", "--reason", "查看")
    assert denied.exit_code != 0 and "recruitment.reveal" in denied.output


def test_org_stats_count_the_pipeline_by_stage(sqlite_community: Community, branch: dict[str, Any]) -> None:
    c = sqlite_community
    first = c.recruitment.apply("李明", branch["unit"].id, on="2026-11-01", id_number=ID)
    c.recruitment.apply("王芳", branch["unit"].id, on="2026-11-02")
    c.recruitment.record(first.id, "talk", on="2026-11-10")
    c.recruitment.record(first.id, "activist", on="2026-11-20")
    stats = as_json(c, "org", "stats", str(branch["unit"].id))
    assert stats["pipeline"]["applicant"] == 1 and stats["pipeline"]["activist"] == 1
    assert sum(stats["pipeline"].values()) == 2
    roots = as_json(c, "org", "stats")
    assert roots[0]["pipeline"]["applicant"] == 1
    assert "applicant 1, activist 1, development candidate 0" in run(c, "org", "stats", str(branch["unit"].id)).output
    in_chinese = run(c, "--lang", "zh", "org", "stats", str(branch["unit"].id)).output
    assert "入党申请人 1，入党积极分子 1，发展对象 0" in in_chinese and "applicant" not in in_chinese


def test_recruit_vote_refused_without_a_majority(sqlite_community: Community, branch: dict[str, Any]) -> None:
    c = sqlite_community
    cand = c.recruitment.apply("李明", branch["unit"].id, on="2024-01-02", id_number=ID)
    for code, on in (("talk", "2024-01-10"), ("activist", "2024-01-20"), ("activist-filing", "2024-01-21"),
                     ("contact-persons", "2024-01-21"), ("activist-training", "2024-01-22"),
                     ("development-candidate", "2025-01-20"), ("candidate-filing", "2025-01-21")):
        c.recruitment.record(cand.id, code, on=on)
    c.recruitment.record(cand.id, "introducers", on="2025-01-22", introducers=branch["members"][:2])
    for code in ("political-review", "intensive-training", "committee-review", "pre-review", "application-form"):
        c.recruitment.record(cand.id, code, on="2025-02-01")
    refused = run(c, "recruit", "vote", str(cand.id), "--date", "2025-02-10", "--due", "10", "--present", "6",
                  "--for", "5", "--against", "1")
    assert refused.exit_code == 1 and "5 for of 10" in refused.output
    done = as_json(c, "recruit", "vote", str(cand.id), "--date", "2025-02-10", "--due", "10", "--present", "6",
                   "--for", "6")
    assert done["last_step"] == "branch-vote"


def test_dues_amount_pay_arrears_json(sqlite_community: Community, branch: dict[str, Any], tmp_path: Path) -> None:
    c = sqlite_community
    a, b, _ = (str(m) for m in branch["members"])
    as_json(c, "dues", "set-base", a, "--category", "在职", "--base", "3000", "--from", "2026-05")
    as_json(c, "dues", "set-base", b, "--category", "retired", "--base", "5000.01", "--from", "2026-05")
    assert as_json(c, "dues", "amount", a, "--month", "2026-06") == {
        "member_id": int(a), "month": "2026-06", "category": "employed", "category_label": "employed",
        "base": "3000.00", "rate": "0.5", "amount": "15.00", "rule": "中组发〔2008〕3号 §1–2", "paid": "0.00",
        "base_kind": None, "base_kind_label": None}
    assert as_json(c, "dues", "amount", b, "--month", "2026-06")["amount"] == "50.00"
    paid = as_json(c, "dues", "pay", b, "--month", "2026-05", "--months", "6", "--amount", "300", "--on", "2026-05-20")
    assert [p["amount"] for p in paid] == ["50.00"] * 6
    found = as_json(c, "dues", "arrears", "--through", "2026-10")
    assert found == [{"member_id": int(a), "name": "党员0", "unit_id": branch["unit"].id,
                      "unit": "城南街道党工委/第一党支部",
                      "unpaid_months": ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"],
                      "longest_run": 6, "lapse_flag": True}]
    bad = run(c, "dues", "pay", a, "--month", "2026-13", "--amount", "15")
    assert bad.exit_code == 1 and "2026-13" in bad.output
    out = tmp_path / "ledger.xlsx"
    written = run(c, "dues", "ledger", "--unit", str(branch["unit"].id), "--period", "2026", "--out", str(out))
    assert written.exit_code == 0 and out.exists()


def test_the_installed_commands_in_english(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMMUNITYCORE_", "PYTEST_"))}
    env["PYTHONPATH"] = str(Path(communitycore.__file__).parents[1])
    env["COMMUNITYCORE_LANG"] = "en"
    db = tmp_path / "c.db"

    def community(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "communitycore", "--db", str(db), *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, check=False)

    made = community("--create", "org", "add", "城南街道党工委", "--kind", "street-committee", "--json")
    assert made.returncode == 0, made.stderr
    street = json.loads(made.stdout)["id"]
    made = community("--json", "org", "add", "第一党支部", "--kind", "branch", "--parent", str(street))
    unit = json.loads(made.stdout)["id"]
    young = community("recruit", "apply", "--name", "少年", "--id-number", "110105201003071239", "--unit",
                      str(unit), "--date", "2026-01-01")
    assert young.returncode == 1
    assert "must be 18 or older" in young.stderr and "2028-03-07" in young.stderr
