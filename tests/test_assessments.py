"""Assessment runs on every engine: a pack scheme, hand-computed totals, vetoes, quotas, 民主评议, appeals."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import sqlalchemy as sa

import communitycore
from communitycore import Community, Conflict, NotFound, ScoreLine, hookimpl
from communitycore.clock import Clock
from communitycore.domain.activity import NewEntry
from communitycore.domain.workflows import IllegalTransition
from communitycore.errors import InvalidValue
from communitycore.store.tables import assessments as tables

PACK = """
[pack]
name = "acc"

[[facts]]
code = "acc-lesson"
label = "参加党课次数"
subject = "member"
aggregate = "count"

[[facts]]
code = "acc-hours"
label = "志愿服务时长"
subject = "member"
unit = "hours"

[[facts]]
code = "acc-violation"
label = "违纪"
subject = "member"

[[scoring_schemes]]
code = "acc-points"
label = "党员积分"
subject = "member"
period = "quarterly"
base = 60
vetoes = ["acc-violation"]

[[scoring_schemes.items]]
fact = "acc-lesson"
label = "党课"
points = 3
cap = 12

[[scoring_schemes.items]]
fact = "acc-hours"
label = "志愿服务"
points = 2
cap = 20

[[scoring_schemes.bands]]
grade = "excellent"
label = "优秀"
min_score = 90
quota = "1/3"
outcome = "promote"

[[scoring_schemes.bands]]
grade = "qualified"
label = "合格"
min_score = 60
outcome = "keep"
"""


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    path = tmp_path / "acc.toml"
    path.write_text(PACK, encoding="utf-8")
    return path


@pytest.fixture
def c(db_url: str, clock: Clock, pack: Path) -> Iterator[Community]:
    community = communitycore.open(db_url, actor="组织委员", clock=clock, autoload=False, packs=[pack])
    yield community
    community.close()


@pytest.fixture
def tree(c: Community) -> dict[str, int]:
    street = c.org.add("城南街道党工委", "street-committee")
    committee = c.org.add("幸福社区党委", "community-committee", parent=street)
    grid1 = c.org.add("第一网格党支部", "grid-branch", parent=committee)
    grid2 = c.org.add("第二网格党支部", "grid-branch", parent=committee)
    return {"street": street.id, "committee": committee.id, "grid1": grid1.id, "grid2": grid2.id}


def members(c: Community, unit: int, n: int, prefix: str = "党员") -> list[int]:
    return [c.members.add(f"{prefix}{i}", unit).id for i in range(n)]


def entries(c: Community, rows: list[tuple[int, str, int]], on: str = "2026-02-10") -> None:
    c.activity.record_many([NewEntry(subject_kind="member", subject_id=s, fact=f, on=on, quantity=q)
                            for s, f, q in rows])


def test_a_pack_scheme_gives_the_hand_computed_totals(c: Community, tree: dict[str, int]) -> None:
    a, b, d, e, f = members(c, tree["grid1"], 5)
    for subject, lessons in ((a, 5), (b, 2), (d, 0), (e, 3), (f, 4)):
        for _ in range(lessons):
            entries(c, [(subject, "acc-lesson", 1)])
    entries(c, [(a, "acc-hours", 12), (b, "acc-hours", 3), (d, "acc-hours", 4), (e, "acc-hours", 6),
                (f, "acc-hours", 1)])
    entries(c, [(f, "acc-violation", 1)])
    entries(c, [(a, "acc-lesson", 1)], on="2026-04-01")  # the next quarter: not counted
    run = c.assessments.run("acc-points", "2026Q1", tree["street"])
    totals = {r.subject_id: (r.total, r.vetoed) for r in c.assessments.results(run.id)}
    # a: 60 + min(15, 12) + min(24, 20) = 92; b: 60 + 6 + 6 = 72; d: 60 + 0 + 8 = 68;
    # e: 60 + 9 + 12 = 81; f: vetoed, 0.
    assert totals == {a: (Decimal(92), False), b: (Decimal(72), False), d: (Decimal(68), False),
                      e: (Decimal(81), False), f: (Decimal(0), True)}
    assert run.revision == 1 and run.subjects == 5 and run.scheme_version == 1
    assert run.rules["items"][0] == {"item": "acc-lesson", "fact": "acc-lesson", "points": 3, "cap": 12,
                                     "floor": None, "label": "党课"}
    vetoed = c.assessments.explain(run.id, f)
    assert [line["fact"] for line in vetoed.lines if line["veto"]] == ["acc-violation"]
    lesson = next(line for line in c.assessments.explain(run.id, a).lines if line["item"] == "acc-lesson")
    assert (lesson["quantity"], lesson["points"], lesson["uncapped"], lesson["capped"]) == (5, 12, 15, True)


def test_a_third_of_ten_is_exactly_three_and_two_runs_agree(c: Community, tree: dict[str, int]) -> None:
    ids = members(c, tree["grid1"], 6) + members(c, tree["grid2"], 4, "成员")
    rows = []
    for position, subject in enumerate(ids[:5]):  # five reach 优秀: 60 + 12 + 2 × (9 + position)
        rows += [(subject, "acc-lesson", 1)] * 4 + [(subject, "acc-hours", 9 + position)]
    entries(c, rows)
    first = c.assessments.run("acc-points", "2026Q1", tree["street"])
    second = c.assessments.run("acc-points", "2026Q1", tree["street"])
    assert second.id != first.id

    def excellent(run_id: int) -> list[int]:
        return sorted(r.subject_id for r in c.assessments.results(run_id) if r.grade == "excellent")

    assert len(excellent(first.id)) == 3
    assert excellent(first.id) == excellent(second.id)
    reached = [r for r in c.assessments.results(first.id) if r.reached == "excellent"]
    assert len(reached) == 5
    assert all(r.held == ("excellent",) and r.grade == "qualified" for r in reached if r.grade != "excellent")
    # Rankings within a subtree: the second grid's members ranked among themselves.
    local = c.assessments.results(first.id, unit=tree["grid2"])
    assert sorted(r.subject_id for r in local) == sorted(ids[6:])
    assert {r.rank for r in local} == {1}


def test_the_run_reads_only_the_subtree_and_checks_the_period(c: Community, tree: dict[str, int]) -> None:
    (mine,) = members(c, tree["grid1"], 1)
    (other,) = members(c, tree["grid2"], 1)
    entries(c, [(mine, "acc-lesson", 1), (other, "acc-lesson", 1)])
    run = c.assessments.run("acc-points", "2026Q1", tree["grid1"])
    assert [r.subject_id for r in c.assessments.results(run.id)] == [mine]
    # A year for a quarterly scheme: the message shows a quarter (the current one) as an example.
    with pytest.raises(InvalidValue, match=f"{communitycore.Period.containing(c.clock.today(), 'quarterly')}.*2026"):
        c.assessments.run("acc-points", "2026", tree["grid1"])
    with pytest.raises(NotFound, match="no scoring scheme 'nope'"):
        c.assessments.run("nope", "2026Q1")
    # A run scores what happened: a period still to come is refused, the running one is scored so far.
    with pytest.raises(InvalidValue, match=r"2027Q1 has not begun \(it starts on 2027-01-01; today is 2026-11-28\)"):
        c.assessments.run("acc-points", "2027Q1", tree["grid1"])
    assert c.assessments.run("acc-points", "2026Q4", tree["grid1"]).period == "2026Q4"


def test_democratic_appraisal_leaves_probationary_members_ungraded(c: Community, tree: dict[str, int]) -> None:
    full = members(c, tree["grid1"], 3)
    probationary = c.members.add("预备党员", tree["grid1"], category="probationary", join_date="2026-06-01").id
    votes = {full[0]: (8, 2, 0, 0), full[1]: (1, 8, 1, 0), full[2]: (0, 2, 3, 5), probationary: (9, 1, 0, 0)}
    codes = ("appraisal-excellent", "appraisal-qualified", "appraisal-basically-qualified", "appraisal-unqualified")
    entries(c, [(s, code, n) for s, tally in votes.items() for code, n in zip(codes, tally, strict=True) if n],
            on="2026-11-20")
    run = c.assessments.run("democratic-appraisal", "2026", tree["committee"])
    got = {r.subject_id: r for r in c.assessments.results(run.id)}
    assert got[probationary].exempt and got[probationary].grade is None and got[probationary].rank is None
    # 8 × 100 + 2 × 80 over 10 votes = 96: 优秀, the one place a third of 3 graded members allows.
    assert (got[full[0]].total, got[full[0]].grade) == (Decimal(96), "excellent")
    assert (got[full[1]].total, got[full[1]].grade) == (Decimal(80), "qualified")
    assert (got[full[2]].total, got[full[2]].grade) == (Decimal(34), "unqualified")
    # The branch's final decision overrides a grade, with a reason: a new revision, audited.
    after = c.assessments.override(run.id, full[1], "basically-qualified", reason="支部党员大会决定")
    assert after.revision == 2
    revised = c.assessments.explain(run.id, full[1])
    assert (revised.grade, revised.override) == ("basically-qualified", "支部党员大会决定")
    assert c.assessments.explain(run.id, full[1], revision=1).grade == "qualified"
    with pytest.raises(Conflict, match="without a grade"):
        c.assessments.override(run.id, probationary, "excellent", reason="x")
    with pytest.raises(InvalidValue, match="not a grade"):
        c.assessments.override(run.id, full[1], "gold", reason="x")
    assert any(e.action == "assessment.override" for e in c.audit.list())


def test_an_accepted_appeal_makes_revision_two_and_leaves_one_unchanged(c: Community, tree: dict[str, int]) -> None:
    (a,) = members(c, tree["grid1"], 1)
    entries(c, [(a, "acc-lesson", 1), (a, "acc-hours", 3)])
    run = c.assessments.run("acc-points", "2026Q1", tree["grid1"])
    assert c.assessments.explain(run.id, a).total == Decimal(69)
    appeal = c.assessments.appeal(run.id, a, "acc-lesson", reason="三次党课只记了一次")
    assert appeal.state == "filed" and appeal.revision == 1
    reviewed = c.assessments.review(appeal.id)
    assert reviewed.state == "under-review"
    decided = c.assessments.decide(appeal.id, accept=True, quantity=3, reason="签到表核实")
    assert (decided.state, decided.result_revision, decided.quantity) == ("upheld", 2, Decimal(3))
    assert c.assessments.get(run.id).revision == 2
    assert c.assessments.explain(run.id, a).total == Decimal(75)
    old = c.assessments.explain(run.id, a, revision=1)
    assert old.total == Decimal(69) and old.revision == 1
    history = [(s.source, s.target) for s in c.workflows.history("assessment-appeal", appeal.id)]
    assert history == [(None, "filed"), ("filed", "under-review"), ("under-review", "upheld")]
    with pytest.raises(IllegalTransition):
        c.assessments.decide(appeal.id, accept=False, reason="再议")
    # A rejected appeal changes nothing.
    second = c.assessments.appeal(run.id, a, "acc-hours", reason="还有2小时")
    rejected = c.assessments.decide(second.id, accept=False, reason="无记录")
    assert rejected.state == "rejected" and rejected.result_revision is None
    assert c.assessments.get(run.id).revision == 2
    with pytest.raises(InvalidValue, match="not an item"):
        c.assessments.appeal(run.id, a, "base", reason="x")
    with pytest.raises(InvalidValue, match="corrected quantity"):
        c.assessments.decide(second.id, accept=True, reason="x")
    assert [x.id for x in c.assessments.appeals(run_id=run.id)] == [appeal.id, second.id]
    # The corrected value is one the fact can have over a period: a count is never below 0.
    third = c.assessments.appeal(run.id, a, "acc-lesson", reason="再核")
    with pytest.raises(InvalidValue, match="-3 is not a quantity of fact 'acc-lesson': it takes at least 0"):
        c.assessments.decide(third.id, accept=True, quantity=-3, reason="r")
    assert c.assessments.get_appeal(third.id).state == "filed"
    assert c.assessments.get(run.id).revision == 2


def test_an_appeal_against_a_veto_can_lift_it(c: Community, tree: dict[str, int]) -> None:
    (a,) = members(c, tree["grid1"], 1)
    entries(c, [(a, "acc-lesson", 2), (a, "acc-violation", 1)])
    run = c.assessments.run("acc-points", "2026Q1")
    assert c.assessments.explain(run.id, a).vetoed
    appeal = c.assessments.appeal(run.id, a, "veto:acc-violation", reason="通报已撤销")
    c.assessments.decide(appeal.id, accept=True, quantity=0, reason="撤销文件")
    lifted = c.assessments.explain(run.id, a)
    assert not lifted.vetoed and lifted.total == Decimal(63)  # one lesson (a count), 60 + 3


def test_runs_are_immutable_rows_and_audited(c: Community, tree: dict[str, int]) -> None:
    members(c, tree["grid1"], 2)
    run = c.assessments.run("acc-points", "2026Q1")
    assert [r.id for r in c.assessments.runs()] == [run.id]
    assert [e.action for e in c.audit.list() if e.entity == "assessment"] == ["assessment.run"]
    with c.reading() as conn:
        count = conn.scalar(sa.select(sa.func.count()).select_from(tables.assessment_results))
    assert count == 2
    with pytest.raises(NotFound):
        c.assessments.explain(run.id, 1, revision=2)
    with pytest.raises(NotFound):
        c.assessments.get(999)


def test_results_export_to_csv_and_xlsx(c: Community, tree: dict[str, int], tmp_path: Path) -> None:
    (a,) = members(c, tree["grid1"], 1, "=HYPERLINK")
    entries(c, [(a, "acc-lesson", 1)])
    run = c.assessments.run("acc-points", "2026Q1")
    csv_file = c.assessments.export(run.id, tmp_path / "r.csv")
    text = csv_file.read_text(encoding="utf-8-sig").splitlines()
    assert text[0] == "Rank,Subject ID,Name,Total,Grade,Vetoed,Not graded,Final decision"
    assert text[1] == f"1,{a},'=HYPERLINK0,63,qualified,no,no,"
    xlsx = c.assessments.export(run.id, tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(xlsx).active
    # The name as it is, in a text cell Excel does not run (its quote prefix), not a formula.
    assert [cell.value for cell in sheet[2]][:4] == [1, a, "=HYPERLINK0", 63]
    assert (sheet[2][2].data_type, sheet[2][2].quotePrefix) == ("s", True)
    with pytest.raises(InvalidValue, match=r"\.csv or \.xlsx"):
        c.assessments.export(run.id, tmp_path / "r.txt")


class Satisfaction:
    """A plugin's item the records cannot express, called once per batch."""

    name = "satisfaction"

    def __init__(self) -> None:
        self.calls: list[int] = []

    @hookimpl
    def communitycore_score(self, scheme, period, subjects, facts):  # type: ignore[no-untyped-def]
        self.calls.append(len(subjects))
        return [ScoreLine(subject_id=s, item="satisfaction", points=1.5, note="群众满意度") for s in subjects
                if facts[s].get("acc-hours")]


def test_plugin_lines_are_added_once_per_batch_and_kept_by_revisions(db_url: str, clock: Clock, pack: Path) -> None:
    plugin = Satisfaction()
    with communitycore.open(db_url, actor="x", clock=clock, autoload=False, packs=[pack], plugins=[plugin]) as c:
        unit = c.org.add("城南街道党工委", "street-committee")
        a, _b = members(c, unit.id, 2)
        entries(c, [(a, "acc-hours", 2)])
        run = c.assessments.run("acc-points", "2026Q1")
        assert plugin.calls == [2]
        line = next(x for x in c.assessments.explain(run.id, a).lines if x["item"] == "satisfaction")
        assert line["source"] == "satisfaction" and line["points"] == 1.5
        assert c.assessments.explain(run.id, a).total == Decimal("65.5")
        appeal = c.assessments.appeal(run.id, a, "acc-hours", reason="x")
        c.assessments.decide(appeal.id, accept=True, quantity=4, reason="y")
        assert c.assessments.explain(run.id, a).total == Decimal("69.5")
        assert plugin.calls == [2]  # a revision re-scores from what the run kept


def test_two_appeals_decided_at_once_make_two_revisions(c: Community, tree: dict[str, int], db_url: str,
                                                         clock: Clock, pack: Path) -> None:
    a, b = members(c, tree["grid1"], 2)
    entries(c, [(a, "acc-lesson", 1), (b, "acc-lesson", 1)])
    run = c.assessments.run("acc-points", "2026Q1")
    first = c.assessments.appeal(run.id, a, "acc-lesson", reason="x")
    second = c.assessments.appeal(run.id, b, "acc-lesson", reason="y")
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def decide(appeal_id: int) -> None:
        try:
            with communitycore.open(db_url, actor=c.actor, clock=clock, autoload=False, packs=[pack]) as other:
                barrier.wait()
                other.assessments.decide(appeal_id, accept=True, quantity=2, reason="核实")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=decide, args=(i,)) for i in (first.id, second.id)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert c.assessments.get(run.id).revision == 3
    latest = {r.subject_id: r.total for r in c.assessments.results(run.id)}
    assert latest == {a: Decimal(66), b: Decimal(66)}  # both corrections, neither lost
    assert sorted(x.result_revision for x in c.assessments.appeals()) == [2, 3]


def test_the_export_round_trips_runs_and_appeals(c: Community, tree: dict[str, int], tmp_path: Path,
                                                 pack: Path) -> None:
    (a,) = members(c, tree["grid1"], 1)
    entries(c, [(a, "acc-lesson", 1)])
    run = c.assessments.run("acc-points", "2026Q1")
    appeal = c.assessments.appeal(run.id, a, "acc-lesson", reason="x")
    c.assessments.decide(appeal.id, accept=True, quantity=2, reason="y")
    out = tmp_path / "export.json"
    c.export_to(out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["assessment_runs"]) == 1 and len(data["assessment_results"]) == 2
    assert data["assessment_appeals"][0]["state"] == "upheld"
    with communitycore.open(tmp_path / "copy.db", actor="x", clock=c.clock, autoload=False, create=True,
                            packs=[tmp_path / "acc.toml"]) as copy:
        copy.import_from(out)
        assert copy.assessments.get(run.id).revision == 2
        assert copy.assessments.results(run.id, revision=1) == c.assessments.results(run.id, revision=1)
        assert copy.assessments.get_appeal(appeal.id) == c.assessments.get_appeal(appeal.id)


EXAMPLES = Path(__file__).parent.parent / "examples" / "packs"


def test_the_star_branch_pack_rates_branches_above_100(db_url: str) -> None:
    packs = [EXAMPLES / "star-branches.toml", EXAMPLES / "five-star-merchants.toml"]
    after_the_year = Clock("Asia/Shanghai", fixed=dt.datetime(2027, 1, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    with communitycore.open(db_url, actor="x", clock=after_the_year, autoload=False, packs=packs) as c:
        assert {"star-branches", "five-star-merchants"} <= {s.code for s in c.assessments.schemes()}
        street = c.org.add("城南街道党工委", "street-committee")
        good = c.org.add("第一党支部", "branch", parent=street)
        weak = c.org.add("第二党支部", "branch", parent=street)
        c.activity.record_many(
            [NewEntry(subject_kind="unit", subject_id=good.id, fact="sb.theme-days", on=f"2026-{m:02d}-08")
             for m in range(1, 13)]
            + [NewEntry(subject_kind="unit", subject_id=good.id, fact="sb.honours", on="2026-07-01")] * 3
            + [NewEntry(subject_kind="unit", subject_id=weak.id, fact="sb.missed-meetings", on="2026-05-01")] * 6)
        run = c.assessments.run("star-branches", "2026", street)
        got = {r.subject_id: r for r in c.assessments.results(run.id)}
        # 100 + 12 + 15 = 127 reaches five stars, but a fifth of 2 graded branches is 0 places.
        assert (got[good.id].total, got[good.id].reached, got[good.id].grade) == (Decimal(127), "five-star",
                                                                                  "four-star")
        assert got[good.id].held == ("five-star",)
        assert (got[weak.id].total, got[weak.id].grade) == (Decimal(82), "one-star")  # 100 - 18
        assert got[street.id].exempt and got[street.id].grade is None


# Where members are assessed, computed facts, the scores fact -----------------------------------


def test_a_transferred_members_entries_follow_them_to_the_unit_they_belong_to_at_the_period_end(
        c: Community, tree: dict[str, int]) -> None:
    mover, stayer = members(c, tree["grid1"], 2)
    entries(c, [(mover, "acc-lesson", 1), (mover, "acc-hours", 3), (stayer, "acc-lesson", 1)], on="2026-01-15")
    c.members.transfer(mover, tree["grid2"], on="2026-03-01")
    entries(c, [(mover, "acc-lesson", 1)], on="2026-03-10")  # recorded for grid2 now
    old, new = (c.assessments.run("acc-points", "2026Q1", tree[g]) for g in ("grid1", "grid2"))
    assert [r.subject_id for r in c.assessments.results(old.id)] == [stayer]
    (moved,) = c.assessments.results(new.id)
    # Both lessons and the hours of the quarter, whichever unit each entry was recorded for: 60 + 6 + 6.
    assert (moved.subject_id, moved.unit_id, moved.total) == (mover, tree["grid2"], Decimal(72))
    assert moved.facts == {"acc-lesson": 2, "acc-hours": 3}


def test_a_transfer_after_the_period_leaves_the_period_where_it_was(c: Community, tree: dict[str, int]) -> None:
    (mover,) = members(c, tree["grid1"], 1)
    entries(c, [(mover, "acc-hours", 5)])
    c.members.transfer(mover, tree["grid2"], on="2026-05-01")
    c.members.transfer(mover, tree["committee"], on="2026-06-01")
    q1_old, q1_new = (c.assessments.run("acc-points", "2026Q1", tree[g]) for g in ("grid1", "grid2"))
    (kept,) = c.assessments.results(q1_old.id)
    assert (kept.subject_id, kept.unit_id, kept.total) == (mover, tree["grid1"], Decimal(70))
    assert c.assessments.results(q1_new.id) == []
    # The second quarter ends after both moves: the member is the committee's, in no grid.
    assert [r.unit_id for r in c.assessments.results(c.assessments.run("acc-points", "2026Q2").id)] == [
        tree["committee"]]
    assert c.assessments.results(c.assessments.run("acc-points", "2026Q2", tree["grid2"]).id) == []


def test_a_run_over_many_subjects_agrees_with_one_over_a_few(c: Community, tree: dict[str, int],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    ids = members(c, tree["grid1"], 4) + members(c, tree["grid2"], 2, "成员")
    entries(c, [(s, "acc-hours", n + 1) for n, s in enumerate(ids)])
    few = c.assessments.run("acc-points", "2026Q1", tree["committee"])
    from communitycore.sdk import assessments as sdk_assessments
    monkeypatch.setattr(sdk_assessments, "FEW", 0)  # read over the whole period, narrowed by the unit paths
    many = c.assessments.run("acc-points", "2026Q1", tree["committee"])

    def totals(run_id: int) -> list[tuple[int, Decimal]]:
        return [(r.subject_id, r.total) for r in c.assessments.results(run_id)]

    assert totals(few.id) == totals(many.id)
    assert len(totals(few.id)) == 6


class Survey:
    """Computes ``acc-survey`` for every subject of a run in one call, and counts the calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, list[int]]] = []

    @hookimpl
    def communitycore_register_facts(self) -> list[communitycore.Fact]:
        return [communitycore.Fact(code="acc-survey", label="满意度测评", subject="member", unit="percent")]

    @hookimpl
    def communitycore_register_scoring_schemes(self) -> list[communitycore.ScoringScheme]:
        return [communitycore.ScoringScheme(
            code="acc-survey-points", label="测评积分", subject="member", period="quarterly", base=50,
            items=(communitycore.ScoreItem(fact="acc-survey", points=0.5, cap=40),
                   communitycore.ScoreItem(fact="acc-hours", points=1)))]

    @hookimpl
    def communitycore_compute_facts(self, facts: list[communitycore.Fact], subject_kind: str, period: str,
                                    subjects: list[int]) -> dict[str, dict[int, float]] | None:
        if "acc-survey" not in {f.code for f in facts}:
            return None
        self.calls.append((subject_kind, period, list(subjects)))
        return {"acc-survey": {s: 90.5 for s in subjects[::2]}}


def test_hook_communitycore_compute_facts(
        db_url: str, clock: Clock, pack: Path) -> None:
    """Called once per run with every subject; its values are kept, explained and appealed like the ledger's."""
    from communitycore.testing import make_plugin_manager

    survey = Survey()
    with communitycore.open(db_url, actor="x", clock=clock, autoload=False, packs=[pack],
                            pm=make_plugin_manager(survey)) as c:
        unit = c.org.add("城南街道党工委", "street-committee")
        ids = members(c, unit.id, 5)
        entries(c, [(ids[1], "acc-hours", 2)])
        run = c.assessments.run("acc-survey-points", "2026Q1")
        assert survey.calls == [("member", "2026Q1", ids)]
        got = {r.subject_id: r for r in c.assessments.results(run.id)}
        # 90.5 × 0.5 = 45.25, capped at 40, for every other subject; the ledger's hours beside it.
        assert [got[s].total for s in ids] == [Decimal(90), Decimal(52), Decimal(90), Decimal(50), Decimal(90)]
        line = next(x for x in c.assessments.explain(run.id, ids[0]).lines if x["item"] == "acc-survey")
        assert (line["quantity"], line["points"], line["capped"]) == (90.5, 40, True)
        # A scheme that does not name the fact is not the plugin's: it answers None and is asked, once.
        c.assessments.run("acc-points", "2026Q1")
        assert len(survey.calls) == 1
        # A revision re-scores from the kept values, without asking again.
        appeal = c.assessments.appeal(run.id, ids[1], "acc-survey", reason="漏填")
        c.assessments.decide(appeal.id, accept=True, quantity=60, reason="补录")
        assert c.assessments.explain(run.id, ids[1]).total == Decimal(82)
        assert len(survey.calls) == 1


class Stray:
    """Answers for a fact nobody asked for, a subject outside the run and a value that is not a number."""

    @hookimpl
    def communitycore_compute_facts(self, subjects: list[int]) -> dict[str, Any]:
        return {"nope": {subjects[0]: 1}, "acc-hours": {999999: 3, subjects[0]: "many", subjects[-1]: 4}}


def test_computed_facts_outside_the_run_are_dropped_with_a_warning(db_url: str, clock: Clock, pack: Path) -> None:
    from communitycore.plugins.manager import PluginCallWarning

    with communitycore.open(db_url, actor="x", clock=clock, autoload=False, packs=[pack], plugins=[Stray()]) as c:
        unit = c.org.add("城南街道党工委", "street-committee")
        first, last = members(c, unit.id, 2)
        with pytest.warns(PluginCallWarning) as caught:
            run = c.assessments.run("acc-points", "2026Q1")
        text = " ".join(str(w.message) for w in caught)
        assert "'nope'" in text and "999999" in text and "'many'" in text
        got = {r.subject_id: r.total for r in c.assessments.results(run.id)}
        assert got == {first: Decimal(60), last: Decimal(68)}


YEARLY = """
[pack]
name = "acc-year"

[[scoring_schemes]]
code = "acc-year"
label = "年度评定"
subject = "member"
period = "yearly"

[[scoring_schemes.items]]
fact = "scores"
points = 1
"""


def test_the_scores_fact_is_the_latest_earlier_result_of_the_period(db_url: str, clock: Clock, pack: Path,
                                                                     tmp_path: Path) -> None:
    yearly = tmp_path / "yearly.toml"
    yearly.write_text(YEARLY, encoding="utf-8")
    with communitycore.open(db_url, actor="x", clock=clock, autoload=False, packs=[pack, yearly]) as c:
        unit = c.org.add("城南街道党工委", "street-committee")
        a, b = members(c, unit.id, 2)
        entries(c, [(a, "acc-hours", 3)])
        c.assessments.run("acc-points", "2026Q1")  # a: 66
        entries(c, [(a, "acc-hours", 2)], on="2026-05-05")
        latest = c.assessments.run("acc-points", "2026Q2")  # the latest: a 64, b 60
        c.assessments.run("acc-points", "2025Q4")  # outside the year: never counted
        appeal = c.assessments.appeal(latest.id, b, "acc-hours", reason="漏登")
        c.assessments.decide(appeal.id, accept=True, quantity=1, reason="补录")  # revision 2: b 62
        year = c.assessments.run("acc-year", "2026")
        assert {r.subject_id: r.total for r in c.assessments.results(year.id)} == {a: Decimal(64), b: Decimal(62)}
        assert c.assessments.explain(year.id, a).facts == {"scores": 64}
        # The scheme's own earlier runs are not its input.
        again = c.assessments.run("acc-year", "2026")
        assert {r.subject_id: r.total for r in c.assessments.results(again.id)} == {a: Decimal(64), b: Decimal(62)}


RESIDENTS = """
[pack]
name = "acc-residents"

[[facts]]
code = "acc-volunteering"
label = "居民志愿服务"
subject = "resident"
unit = "hours"

[[scoring_schemes]]
code = "acc-residents"
label = "文明家庭积分"
subject = "resident"
period = "quarterly"
base = 10

[[scoring_schemes.items]]
fact = "acc-volunteering"
points = 2
"""


def test_residents_are_scored_in_the_unit_that_keeps_their_compound(db_url: str, clock: Clock,
                                                                     tmp_path: Path) -> None:
    pack = tmp_path / "residents.toml"
    pack.write_text(RESIDENTS, encoding="utf-8")
    with communitycore.open(db_url, actor="x", clock=clock, autoload=False, packs=[pack]) as c:
        street = c.org.add("城南街道党工委", "street-committee")
        east, west = (c.org.add(name, "community-committee", parent=street) for name in ("东社区党委", "西社区党委"))
        here, there = (c.residents.add_household(c.org.add_compound(n, "新建", u.id).id, building="1栋", room="101")
                       for n, u in (("东苑", east), ("西苑", west)))
        mine = c.residents.add("张阿姨", household_id=here.id).id
        other = c.residents.add("李大爷", household_id=there.id).id
        c.activity.record("resident", mine, "acc-volunteering", on="2026-02-01", quantity=3)
        c.activity.record("resident", other, "acc-volunteering", on="2026-02-01", quantity=5)
        run = c.assessments.run("acc-residents", "2026Q1", east.id)
        assert [(r.subject_id, r.unit_id, r.total) for r in c.assessments.results(run.id)] == [
            (mine, east.id, Decimal(16))]
        everyone = c.assessments.run("acc-residents", "2026Q1")
        assert {r.subject_id: r.total for r in c.assessments.results(everyone.id)} == {mine: Decimal(16),
                                                                                     other: Decimal(20)}


def test_a_scheme_of_volunteers_is_refused_naming_the_subjects_a_run_lists(c: Community) -> None:
    scheme = communitycore.ScoringScheme(code="acc-volunteers", label="志愿者", subject="volunteer",
                                         period="quarterly", base=1)
    with pytest.raises(InvalidValue, match=r"volunteer, which a run cannot list.*resident.*steward"):
        c.assessments.run(scheme, "2026Q1")
