"""Rosters (红色管家): programmes, admission with public notice and objections, training, reviews, re-admission."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import communitycore
from communitycore import Community, RosterProgram, hookimpl
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.clock import Clock
from communitycore.domain.rosters import (
    ACTIVE,
    EXITED,
    MEMBERSHIP_WORKFLOW,
    REFUSED,
    WARNED,
    apply_outcome,
    notice_end,
)
from communitycore.errors import CommunityCoreError, Conflict, InvalidValue, NotFound, PermissionDenied, RejectedInput
from communitycore.i18n import language
from communitycore.plugins.packs import load_pack
from communitycore.records import Outcome
from racing import record_or_removal

TZ = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2025, 1, 1, 9, 0, tzinfo=TZ)

PACK = """
[pack]
name = "jj"

[[roster_programs]]
code = "building-heads"
label = "楼门长"
candidate_kinds = ["member"]
member_categories = ["full"]
veto_facts = ["discipline-breach"]
notice_days = 5
training_sessions = 2
training_period = "quarterly"
tiers = ["senior", "regular"]
max_term_years = 2
readmit_after_days = 30
candidate_check = "jj.no-arrears"

[[facts]]
code = "discipline-breach"
label = "违纪"
subject = "member"
"""

ARREARS: set[int] = set()


class Arrears:
    """Refuses the candidates on the arrears list, for programmes that ask for ``jj.no-arrears``."""

    @hookimpl
    def communitycore_check_roster_candidate(self, check: str, program: RosterProgram, kind: str,
                                             candidate_ids: list[int]) -> list[int]:
        if check != "jj.no-arrears":
            return []
        return [i for i in candidate_ids if i in ARREARS]


def _at(c: Community, when: dt.datetime) -> None:
    c.clock = Clock("Asia/Shanghai", fixed=when)


@pytest.fixture
def rc(db_url: str, tmp_path: Path) -> Iterator[Community]:
    pack = tmp_path / "jj.toml"
    pack.write_text(PACK, encoding="utf-8")
    c = communitycore.open(db_url, actor="书记", clock=Clock("Asia/Shanghai", fixed=START), autoload=False,
                           packs=[pack], plugins=[Arrears()])
    yield c
    c.close()


@pytest.fixture
def branch(rc: Community) -> int:
    street = rc.org.add("城南街道党工委", "street-committee")
    return rc.org.add("红色管家联合党支部", "branch", street.id).id


def _member(c: Community, branch: int, name: str, **extra: Any) -> int:
    fields = {"education": "本科", "join_date": "2000-07-01", "full_date": "2001-07-01", **extra}
    return c.members.add(name, branch, **fields).id


def _admitted(c: Community, member: int, program: str = "red-steward") -> int:
    entry = c.rosters.apply(program, member=member)
    c.rosters.qualify(entry.id, passed=True, note="资格审查通过")
    today = c.clock.now().date()
    c.rosters.notice(entry.id, start=today - dt.timedelta(days=30))
    return c.rosters.admit(entry.id).id


# Programmes --------------------------------------------------------------------------------------


def test_a_pack_gives_a_programme_its_candidates_checks_notice_training_tiers_term_and_readmission(
        rc: Community, tmp_path: Path) -> None:
    program = rc.rosters.program("building-heads")
    assert program.candidate_kinds == ("member",)
    assert program.member_categories == ("full",) and program.veto_facts == ("discipline-breach",)
    assert (program.notice_days, program.training_sessions, program.training_period.value) == (5, 2, "quarterly")
    assert (program.tiers, program.max_term_years, program.readmit_after_days) == (("senior", "regular"), 2, 30)
    builtin = rc.rosters.program("red-steward")
    assert builtin.tiers == ("gold", "silver", "regular") and builtin.scoring_scheme == "red-steward"
    assert rc.assessments.scheme("red-steward").period.value == "quarterly"


@pytest.mark.parametrize(("field", "value"), [
    ("candidate_kinds", ["member", "alien"]), ("candidate_kinds", []), ("tiers", []), ("tiers", ["a", "a"]),
    ("notice_days", 0), ("notice_days", True), ("training_hours", -1), ("max_term_years", 0),
    ("readmit_after_days", -1),
])
def test_a_programme_with_a_bad_field_is_refused_naming_it(field: str, value: Any) -> None:
    with pytest.raises(ValueError, match=field):
        RosterProgram(code="x", label="队", **{field: value})


def test_a_pack_with_a_bad_programme_is_refused_naming_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[pack]\nname = "bad"\n\n[[roster_programs]]\ncode = "x"\nlabel = "队"\ntiers = []\n',
                   encoding="utf-8")
    with pytest.raises(CommunityCoreError, match="tiers"):
        load_pack(bad)


def test_notice_end_counts_both_days() -> None:
    assert notice_end(dt.date(2025, 3, 1), 7) == dt.date(2025, 3, 7)
    assert notice_end(dt.date(2025, 3, 1), 1) == dt.date(2025, 3, 1)
    with pytest.raises(InvalidValue, match="from 1 to 366 days"):
        notice_end(dt.date(2026, 12, 25), 36600)


def test_a_notice_of_a_hundred_years_is_refused(rc: Community, branch: int) -> None:
    entry = rc.rosters.apply("red-steward", member=_member(rc, branch, "张三"))
    rc.rosters.qualify(entry.id, passed=True, note="正式党员，无违纪")
    for days in (0, 367, 36600, 10**30):
        with pytest.raises(RejectedInput, match="days: a notice lasts a whole number of days from 1 to 366"):
            rc.rosters.notice(entry.id, start="2026-12-25", days=days)
    assert rc.rosters.get(entry.id).state == "qualified"
    assert rc.rosters.notice(entry.id, start="2025-03-01", days=366).notice_end == dt.date(2026, 3, 1)


# Admission ---------------------------------------------------------------------------------------


def test_admission_waits_for_the_end_of_the_notice_and_names_it(rc: Community, branch: int) -> None:
    entry = rc.rosters.apply("red-steward", member=_member(rc, branch, "张三"))
    rc.rosters.qualify(entry.id, passed=True, note="正式党员，无违纪")
    noticed = rc.rosters.notice(entry.id, start="2025-03-01")
    assert (noticed.notice_start, noticed.notice_end) == (dt.date(2025, 3, 1), dt.date(2025, 3, 7))
    _at(rc, dt.datetime(2025, 3, 7, 18, 0, tzinfo=TZ))
    with pytest.raises(Conflict, match="2025-03-07") as refused:
        rc.rosters.admit(entry.id)
    assert refused.value.code == "notice-running" and "2025-03-08" in str(refused.value)
    assert rc.rosters.get(entry.id).state == "on-notice"
    _at(rc, dt.datetime(2025, 3, 8, 9, 0, tzinfo=TZ))
    admitted = rc.rosters.admit(entry.id)
    assert (admitted.state, admitted.tier, admitted.admitted_on) == ("admitted", "regular", dt.date(2025, 3, 8))
    assert admitted.term_end == dt.date(2028, 3, 7)


def test_an_open_objection_holds_admission_until_dismissed(rc: Community, branch: int) -> None:
    entry = rc.rosters.apply("red-steward", member=_member(rc, branch, "张三"))
    rc.rosters.qualify(entry.id, passed=True, note="通过")
    rc.rosters.notice(entry.id, start="2025-03-01")
    objection = rc.rosters.object(entry.id, by="居民李四", reason="曾拖欠物业费", on="2025-03-03")
    assert rc.rosters.get(entry.id).state == "objected"
    _at(rc, dt.datetime(2025, 3, 9, 9, 0, tzinfo=TZ))
    with pytest.raises(Conflict, match=f"objection {objection.id} is unresolved") as refused:
        rc.rosters.admit(entry.id)
    assert refused.value.code == "objection-unresolved"
    dismissed = rc.rosters.resolve_objection(objection.id, uphold=False, note="经核实已缴清")
    assert dismissed.state == "dismissed" and dismissed.resolved_by == "书记"
    assert rc.rosters.admit(entry.id).state == "admitted"
    assert [h.target for h in rc.rosters.history(entry.id)] == [
        "applied", "qualified", "on-notice", "objected", "on-notice", "admitted"]


def test_an_upheld_objection_refuses_the_application(rc: Community, branch: int) -> None:
    entry = rc.rosters.apply("red-steward", member=_member(rc, branch, "张三"))
    rc.rosters.qualify(entry.id, passed=True, note="通过")
    rc.rosters.notice(entry.id, start="2025-01-01")
    objection = rc.rosters.object(entry.id, by="业委会", reason="不实", on="2025-01-02")
    rc.rosters.resolve_objection(objection.id, uphold=True, note="属实")
    assert rc.rosters.get(entry.id).state == REFUSED
    with pytest.raises(Conflict):
        rc.rosters.admit(entry.id)


def test_an_objection_outside_the_notice_is_refused(rc: Community, branch: int) -> None:
    entry = rc.rosters.apply("red-steward", member=_member(rc, branch, "张三"))
    with pytest.raises(Conflict, match="not on public notice"):
        rc.rosters.object(entry.id, by="居民", reason="x")
    rc.rosters.qualify(entry.id, passed=True, note="通过")
    rc.rosters.notice(entry.id, start="2025-01-01")
    with pytest.raises(RejectedInput, match="outside the notice"):
        rc.rosters.object(entry.id, by="居民", reason="x", on="2025-01-09")


def test_every_move_is_audited(rc: Community, branch: int) -> None:
    entry_id = _admitted(rc, _member(rc, branch, "张三"))
    actions = [e.action for e in rc.audit.list(entity="roster-entry", entity_id=str(entry_id))]
    assert actions.count("roster-entry.transition") == 3 and "roster-entry.add" in actions


def test_the_declared_checks_and_the_hook_refuse_a_pass(rc: Community, branch: int) -> None:
    probationary = _member(rc, branch, "预备", full_date=None, category="probationary")
    entry = rc.rosters.apply("building-heads", member=probationary)
    with pytest.raises(Conflict, match="member category must be full"):
        rc.rosters.qualify(entry.id, passed=True, note="x")
    breached = _member(rc, branch, "违纪者")
    rc.activity.record("member", breached, "discipline-breach", on="2024-10-01")
    entry = rc.rosters.apply("building-heads", member=breached)
    with pytest.raises(Conflict, match="discipline-breach"):
        rc.rosters.qualify(entry.id, passed=True, note="x")
    in_arrears = _member(rc, branch, "欠费者")
    ARREARS.add(in_arrears)
    try:
        entry = rc.rosters.apply("building-heads", member=in_arrears)
        with pytest.raises(Conflict, match=r"jj\.no-arrears"):
            rc.rosters.qualify(entry.id, passed=True, note="x")
        assert rc.rosters.qualify(entry.id, passed=False, note="欠费").state == REFUSED
    finally:
        ARREARS.discard(in_arrears)
    fine = rc.rosters.apply("building-heads", member=_member(rc, branch, "合格者"))
    assert rc.rosters.qualify(fine.id, passed=True, note="通过").qualified is True


def test_hook_communitycore_check_roster_candidate(rc: Community, branch: int) -> None:
    member = _member(rc, branch, "欠费者")
    ARREARS.add(member)
    try:
        answers = rc.pm.hook.communitycore_check_roster_candidate(
            check="jj.no-arrears", program=rc.rosters.program("building-heads"), kind="member",
            candidate_ids=[member, member + 1])
        assert [member] in answers
    finally:
        ARREARS.discard(member)


def test_a_programme_refuses_kinds_it_does_not_take_and_a_second_open_entry(rc: Community, branch: int) -> None:
    resident = rc.residents.add("居民王五").id
    with pytest.raises(RejectedInput, match="takes member, not resident"):
        rc.rosters.apply("building-heads", resident=resident, unit=branch)
    with pytest.raises(RejectedInput, match="which unit"):
        rc.rosters.apply("red-steward", resident=resident)
    assert rc.rosters.apply("red-steward", resident=resident, unit=branch).candidate_kind == "resident"
    with pytest.raises(Conflict, match="already has entry"):
        rc.rosters.apply("red-steward", resident=resident, unit=branch)


def test_an_application_of_a_resident_and_the_residents_removal_never_both_pass(rc: Community, branch: int,
                                                                               db_url: str, tmp_path: Path) -> None:
    # The removal locks the resident before it counts the roster entries naming it; the application
    # takes it in share mode.
    residents = [rc.residents.add(f"居民{i}").id for i in range(4)]
    writers = [communitycore.open(db_url, actor="书记", clock=Clock("Asia/Shanghai", fixed=START), autoload=False,
                                  packs=[tmp_path / "jj.toml"], plugins=[Arrears()]) for _ in range(2)]

    try:
        record_or_removal(residents, writers,
                          lambda c, resident: c.rosters.apply("red-steward", resident=resident, unit=branch),
                          NotFound,
                          lambda resident: sum(e.candidate_kind == "resident" and e.candidate_id == resident
                                               for e in rc.rosters.list(program="red-steward")))
    finally:
        for c in writers:
            c.close()


def test_an_eliminated_person_waits_for_readmission(rc: Community, branch: int) -> None:
    member = _member(rc, branch, "张三")
    entry_id = _admitted(rc, member)
    _at(rc, dt.datetime(2025, 4, 1, 9, 0, tzinfo=TZ))
    rc.rosters.exit(entry_id, reason="eliminated", note="考核较差")
    with pytest.raises(Conflict, match="re-admits from 2026-04-01") as refused:
        rc.rosters.apply("red-steward", member=member)
    assert refused.value.code == "readmission-wait"
    _at(rc, dt.datetime(2026, 4, 1, 9, 0, tzinfo=TZ))
    assert rc.rosters.apply("red-steward", member=member).state == "applied"


def test_a_resignation_does_not_wait(rc: Community, branch: int) -> None:
    member = _member(rc, branch, "张三")
    entry_id = _admitted(rc, member)
    rc.rosters.exit(entry_id, reason="resigned")
    assert rc.rosters.apply("red-steward", member=member).state == "applied"
    with pytest.raises(RejectedInput, match="unknown exit reason"):
        rc.rosters.exit(entry_id, reason="bored")


# Training ----------------------------------------------------------------------------------------


def test_training_counts_sessions_and_meetings_that_count_as_training(rc: Community, branch: int) -> None:
    member = _member(rc, branch, "张三")
    other = _member(rc, branch, "李四")
    _at(rc, dt.datetime(2025, 1, 10, 9, 0, tzinfo=TZ))
    first = _admitted(rc, member, "building-heads")
    second = _admitted(rc, other, "building-heads")
    _at(rc, dt.datetime(2025, 3, 1, 9, 0, tzinfo=TZ))  # the training and the lecture have taken place
    rc.rosters.add_training(first, on="2025-02-01", hours="1.5", topic="消防安全")
    rc.meetings.record(branch, "party-lecture", on="2025-02-10", topic="党课", host="书记", present=[member])
    found = {t.entry_id: t for t in rc.rosters.training("building-heads", "2025Q1")}
    assert (found[first].hours, found[first].sessions, found[first].short) == (Decimal("1.5"), 2, False)
    assert (found[second].sessions, found[second].short) == (0, True)
    with pytest.raises(RejectedInput, match="hours"):
        rc.rosters.add_training(first, on="2025-02-01", hours="0", topic="x")
    with pytest.raises(RejectedInput, match=r"on: 2025-03-02 is in the future \(today is 2025-03-01\)"):
        rc.rosters.add_training(first, on="2025-03-02", hours="1", topic="还没上的课")
    # One session lasts a day at most: the training fact's maximum.
    with pytest.raises(RejectedInput, match=r"100000 is not a quantity of fact 'steward-training-hours': it takes "
                                            r"0\.01 to 24"):
        rc.rosters.add_training(first, on="2025-02-01", hours="100000", topic="t")
    assert rc.rosters.add_training(first, on="2025-02-02", hours="24", topic="通宵值守培训")


# Reviews -----------------------------------------------------------------------------------------

#: (activities, effect points, satisfaction) per steward: 100, 79, 75, 63, 79 and 19 points.
SCORES = [(10, 30, 100), (8, 20, 90), (7, 20, 90), (6, 15, 80), (8, 20, 90), (1, 0, 50)]


def _stewards(c: Community, branch: int) -> list[int]:
    _at(c, dt.datetime(2025, 1, 10, 9, 0, tzinfo=TZ))
    ids = [_admitted(c, _member(c, branch, f"管家{i}")) for i in range(len(SCORES))]
    _at(c, dt.datetime(2025, 3, 5, 9, 0, tzinfo=TZ))  # the quarter's work is done, then recorded
    for entry_id, (activities, effect, satisfaction) in zip(ids, SCORES, strict=True):
        for day in range(activities):
            c.activity.record("steward", entry_id, "steward-participation", on=dt.date(2025, 2, 1 + day),
                              unit=branch)
        if effect:
            c.activity.record("steward", entry_id, "steward-effect", on="2025-02-20", quantity=effect, unit=branch)
        c.activity.record("steward", entry_id, "steward-satisfaction", on="2025-03-01", quantity=satisfaction,
                          unit=branch)
    _at(c, dt.datetime(2025, 4, 2, 9, 0, tzinfo=TZ))
    return ids


def _naive(tiers: tuple[str, ...], tier: str, outcome: str) -> tuple[str, str]:
    at = tiers.index(tier)
    if outcome == "promote":
        return tiers[max(at - 1, 0)], ACTIVE
    if outcome == "keep":
        return tier, ACTIVE
    if outcome == "warn":
        return tier, WARNED
    if outcome == "remove":
        return tier, EXITED
    return (tiers[at + 1], ACTIVE) if at + 1 < len(tiers) else (tier, WARNED)


def test_a_quarterly_review_proposes_the_bands_outcomes_and_applies_them(rc: Community, branch: int) -> None:
    ids = _stewards(rc, branch)
    before = [(e.id, e.state, e.tier) for e in rc.rosters.list(program="red-steward")]
    proposals = rc.rosters.review("red-steward", "2025Q1")
    assert [(e.id, e.state, e.tier) for e in rc.rosters.list(program="red-steward")] == before  # nothing changed
    outcomes = {p.entry_id: p.outcome for p in proposals}
    assert [outcomes[i] for i in ids] == ["promote", "keep", "keep", "warn", "keep", "remove"]
    top = next(p for p in proposals if p.entry_id == ids[0])
    assert (top.grade, top.total, top.tier_from, top.tier_to) == ("excellent", Decimal(100), "regular", "silver")
    assert "excellent" in top.reason and "Promote" in top.reason  # the outcome in words, not its code
    with language("zh"):
        (zh,) = [p for p in rc.rosters.review("red-steward", "2025Q1") if p.entry_id == ids[0]]
    assert "优秀" in zh.reason and "excellent" not in zh.reason and "promote" not in zh.reason.lower()
    state = AppState(community=rc, pm=rc.pm)
    shown = CliRunner().invoke(make_cli(state), ["--lang", "zh", "roster", "review", "--program", "red-steward",
                                                 "--period", "2025Q1"], obj=state, catch_exceptions=False).stdout
    top_line = next(line for line in shown.splitlines() if line.split()[:1] == [str(ids[0])])
    assert top_line.split()[2] == "优秀" and "excellent" not in shown  # the grade as the scheme's band names it

    applied = rc.rosters.review("red-steward", "2025Q1", apply=True)
    assert applied == proposals  # the same run, the same proposals
    now = {e.id: e for e in rc.rosters.list(program="red-steward")}
    scheme = rc.assessments.scheme("red-steward")
    bands = {b.grade: b.outcome.value for b in scheme.bands if b.outcome is not None}
    results = {r.subject_id: r for r in rc.assessments.results(proposals[0].run_id)}
    for entry_id in ids:
        tier, state = _naive(("gold", "silver", "regular"), "regular", bands[str(results[entry_id].grade)])
        assert (now[entry_id].tier, now[entry_id].state) == (tier, state)
    assert now[ids[5]].exit_reason == "eliminated"
    changes = rc.rosters.tier_changes(ids[0])
    assert [(c["run_id"], c["result_id"], c["outcome"]) for c in changes] == [
        (top.run_id, top.result_id, "promote")]
    reviewed = [e for e in rc.audit.list(action="roster-entry.review")]
    assert len(reviewed) == len(ids)


@settings(max_examples=200, deadline=None)
@given(tiers=st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True),
       data=st.data())
def test_apply_outcome_agrees_with_a_naive_application(tiers: list[str], data: st.DataObject) -> None:
    tier = data.draw(st.sampled_from(tiers))
    outcome = data.draw(st.sampled_from(list(Outcome)))
    state = data.draw(st.sampled_from(["admitted", "active", "warned"]))
    moved = apply_outcome(tuple(tiers), tier, state, outcome)
    naive_tier, naive_state = _naive(tuple(tiers), tier, outcome.value)
    if outcome is Outcome.DEMOTE and state == WARNED and naive_state == ACTIVE:
        naive_state = WARNED  # a demotion keeps a standing warning
    assert (moved.tier_to, moved.state_to) == (naive_tier, naive_state)
    assert moved.exits == (outcome is Outcome.REMOVE)


# The workflow under random moves ------------------------------------------------------------------

_NUMBERS = itertools.count(1)
MOVES = ["review", "pass", "fail", "notice", "object", "dismiss", "uphold", "admit", "activate", "warn", "clear",
         "exit"]


def _do(c: Community, entry_id: int, move: str) -> None:
    r = c.rosters
    today = c.clock.now().date()
    if move == "review":
        r.start_review(entry_id)
    elif move in ("pass", "fail"):
        r.qualify(entry_id, passed=move == "pass", note="审查")
    elif move == "notice":
        r.notice(entry_id, start=today - dt.timedelta(days=20))
    elif move == "object":
        entry = r.get(entry_id)
        r.object(entry_id, by="居民", reason="异议", on=entry.notice_start or today)
    elif move in ("dismiss", "uphold"):
        open_ones = [o for o in r.objections(entry_id) if o.state == "open"]
        target = open_ones[0].id if open_ones else 10**6
        r.resolve_objection(target, uphold=move == "uphold", note="处理")
    elif move == "admit":
        r.admit(entry_id)
    elif move in ("activate", "clear"):
        r.activate(entry_id)
    elif move == "warn":
        r.warn(entry_id, note="警示")
    else:
        r.exit(entry_id, reason="resigned")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.sampled_from(MOVES), max_size=12))
def test_random_moves_never_reach_an_illegal_state_and_the_history_replays(
        sqlite_community: Community, moves: list[str]) -> None:
    c = sqlite_community
    flow = c.workflows.definition(MEMBERSHIP_WORKFLOW)
    unit = c.org.add(f"街道{next(_NUMBERS)}", "street-committee").id
    entry_id = c.rosters.apply("red-steward", member=c.members.add("某人", unit, education="本科").id).id
    for move in moves:
        before = c.rosters.get(entry_id).state
        try:
            _do(c, entry_id, move)
        except CommunityCoreError:
            assert c.rosters.get(entry_id).state == before  # a refused move changes nothing
        state = c.rosters.get(entry_id).state
        assert state in flow
    history = c.rosters.history(entry_id)
    assert history[0].source is None and history[0].target == flow.initial.code
    for earlier, later in itertools.pairwise(history):
        assert later.source == earlier.target
        flow.transition(later.source, later.target)  # every recorded move is a move of the workflow
    assert history[-1].target == c.rosters.get(entry_id).state


def test_only_serving_stewards_take_requests(rc: Community, branch: int) -> None:
    entry_id = _admitted(rc, _member(rc, branch, "张三"))
    request = rc.services.add_request(branch, category="maintenance", text="楼道灯不亮", channel="walk-in")
    rc.services.accept(request.id)
    assert rc.services.assign(request.id, to=f"steward:{entry_id}").assignee == f"steward:{entry_id}"
    rc.services.start(request.id)
    rc.services.resolve(request.id)
    rc.services.evaluate(request.id, solved=True, satisfaction="基本满意")
    # The request counts in the review: an activity joined, and the resident's satisfaction.
    handled = {v.fact: v.value for v in rc.activity.values(["steward-participation", "steward-satisfaction"],
                                                            "2025", subject_kind="steward") if v.subject_id == entry_id}
    assert handled == {"steward-participation": 1, "steward-satisfaction": 90}
    rc.rosters.exit(entry_id, reason="moved-away")
    other = rc.services.add_request(branch, category="maintenance", text="水管漏水", channel="walk-in")
    rc.services.accept(other.id)
    with pytest.raises(Conflict, match="not serving") as caught:
        rc.services.assign(other.id, to=f"steward:{entry_id}")
    now = rc.registry.workflow(MEMBERSHIP_WORKFLOW).state(rc.rosters.get(entry_id).state)
    assert f"'{now.label_en}' ({now.code})" in str(caught.value)  # the state's label, not its bare code
    with pytest.raises(CommunityCoreError, match="no roster entry with id 999"):
        rc.services.assign(other.id, to="steward:999")


def test_a_review_scores_entries_without_ledger_rows_and_rows_without_a_unit(rc: Community, branch: int) -> None:
    _at(rc, dt.datetime(2025, 1, 10, 9, 0, tzinfo=TZ))
    idle, busy = (_admitted(rc, _member(rc, branch, name)) for name in ("无记录", "无单位"))
    _at(rc, dt.datetime(2025, 3, 5, 9, 0, tzinfo=TZ))
    for day in range(10):  # recorded without a unit: the entry's unit is where they count
        rc.activity.record("steward", busy, "steward-participation", on=dt.date(2025, 2, 1 + day))
    rc.activity.record("steward", busy, "steward-effect", on="2025-02-20", quantity=30)
    rc.activity.record("steward", busy, "steward-satisfaction", on="2025-03-01", quantity=100)
    _at(rc, dt.datetime(2025, 4, 2, 9, 0, tzinfo=TZ))
    # A run over the branch's subtree lists both, each in its entry's unit.
    local = rc.assessments.run("red-steward", "2025Q1", branch)
    got = {r.subject_id: r for r in rc.assessments.results(local.id)}
    assert {s: (r.unit_id, r.total) for s, r in got.items()} == {idle: (branch, Decimal(0)),
                                                               busy: (branch, Decimal(100))}
    assert got[idle].facts == {}
    proposals = {p.entry_id: p for p in rc.rosters.review("red-steward", "2025Q1")}
    # No rows: zero facts, the base of 0, the band 较差 and its outcome; 100 points: 优秀, promoted.
    assert (proposals[idle].grade, proposals[idle].total, proposals[idle].outcome) == ("poor", Decimal(0), "remove")
    assert (proposals[busy].grade, proposals[busy].outcome) == ("excellent", "promote")


def test_a_steward_run_scores_only_the_entries_that_served_in_the_period(rc: Community, branch: int) -> None:
    _at(rc, dt.datetime(2025, 1, 10, 9, 0, tzinfo=TZ))
    served = _admitted(rc, _member(rc, branch, "在岗"))
    pending = rc.rosters.apply("red-steward", member=_member(rc, branch, "待审")).id
    _at(rc, dt.datetime(2025, 4, 20, 9, 0, tzinfo=TZ))
    later = _admitted(rc, _member(rc, branch, "四月入选"))  # admitted after the first quarter
    run = rc.assessments.run("red-steward", "2025Q1")
    assert [r.subject_id for r in rc.assessments.results(run.id)] == [served]
    assert pending not in {r.subject_id for r in rc.assessments.results(run.id)}
    rc.rosters.exit(served, reason="resigned")  # leaves in April: still served in the second quarter
    second = rc.assessments.run("red-steward", "2025Q2")
    assert [r.subject_id for r in rc.assessments.results(second.id)] == [served, later]


def test_a_steward_sees_and_moves_only_their_own_requests(rc: Community, branch: int) -> None:
    mine = _admitted(rc, _member(rc, branch, "张三"))
    other = _admitted(rc, _member(rc, branch, "李四"))
    rc.grants.add("张管家", "steward", branch, subject=f"steward:{mine}")
    with pytest.raises(NotFound):
        rc.grants.add("无名", "steward", branch, subject="steward:99999")
    with pytest.raises(InvalidValue):
        rc.grants.add("无名", "steward", branch, subject="partner:1")
    requests = []
    for to in (mine, other):
        request = rc.services.add_request(branch, category="maintenance", text="楼道灯不亮", channel="walk-in")
        rc.services.accept(request.id)
        requests.append(rc.services.assign(request.id, to=f"steward:{to}"))
    unassigned = rc.services.add_request(branch, category="care", text="需要陪护", channel="hotline")
    steward = rc.as_actor("张管家")
    assert [r.id for r in steward.services.list()] == [requests[0].id]
    assert steward.services.get(requests[0].id).assignee == f"steward:{mine}"
    assert steward.services.start(requests[0].id).state == "in-progress"
    for refused in (lambda: steward.services.get(requests[1].id), lambda: steward.services.start(requests[1].id),
                    lambda: steward.services.history(unassigned.id)):
        with pytest.raises(PermissionDenied) as denied:
            refused()
        assert "not assigned to them" in str(denied.value)
    assert rc.audit.list(action="access.deny", limit=None)[-1].actor == "张管家"
    assert rc.grants.list(actor="张管家")[0].subject == f"steward:{mine}"
    # A role reaching the whole subtree lifts the limit.
    rc.grants.add("张管家", "service-coordinator", branch)
    assert [r.id for r in steward.services.list()] == [requests[0].id, requests[1].id, unassigned.id]
