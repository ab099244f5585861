"""Services: programmes, resident requests as a workflow, 接诉即办 metrics, the three lists and volunteer hours."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import communitycore
from communitycore import Community, ServiceProgram, hookimpl
from communitycore.clock import Clock
from communitycore.domain.services import HANDLED_FACTS, REQUEST_WORKFLOW, median_seconds, star_level
from communitycore.domain.workflows import IllegalTransition
from communitycore.errors import Conflict, InvalidValue, PermissionDenied, PluginError, RejectedInput
from racing import at_once, record_or_removal

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 4, 10, 12, 0, tzinfo=TZ)

PACK = """
[pack]
name = "jj"

[[service_programs]]
code = "red-ribbon"
label = "红飘带"
category = "care"
eligible_flags = ["living-alone-elderly", "disabled"]
default_urgency = "utility"
channels = ["signal", "hotline"]
owner_kinds = ["community-committee"]

[[scoring_schemes]]
code = "service-points"
label = "服务积分"
subject = "member"
period = "quarterly"
base = 0

[[scoring_schemes.items]]
fact = "volunteer-hours"
label = "志愿服务"
points = 2
cap = 20
"""


@pytest.fixture
def svc(db_url: str, tmp_path: Path) -> Iterator[Community]:
    pack = tmp_path / "jj.toml"
    pack.write_text(PACK, encoding="utf-8")
    c = communitycore.open(db_url, actor="网格员", clock=Clock("Asia/Shanghai", fixed=NOW), autoload=False,
                           packs=[pack])
    yield c
    c.close()


@pytest.fixture
def tree(svc: Community) -> dict[str, int]:
    street = svc.org.add("城南街道党工委", "street-committee")
    community = svc.org.add("虹兴社区党委", "community-committee", street)
    other = svc.org.add("江华社区党委", "community-committee", street)
    return {"street": street.id, "community": community.id, "other": other.id}


def _chain(c: Community, request_id: int) -> None:
    c.services.accept(request_id)
    c.services.assign(request_id)
    c.services.start(request_id)
    c.services.resolve(request_id)


# Programmes ---------------------------------------------------------------------------------

def test_a_pack_gives_a_programme_its_eligibility_urgency_channels_and_owners(svc: Community) -> None:
    program = {p.code: p for p in svc.services.programs()}["red-ribbon"]
    assert program.eligible_flags == ("living-alone-elderly", "disabled")
    assert program.default_urgency is not None and program.default_urgency.value == "utility"
    assert program.channels == ("signal", "hotline")
    assert program.owner_kinds == ("community-committee",)
    assert [c.code for c in svc.services.categories()][:2] == ["care", "consulting"]


def test_a_bad_programme_field_is_named(tmp_path: Path) -> None:
    pack = tmp_path / "bad.toml"
    pack.write_text(PACK.replace('"signal", "hotline"', '"pigeon"'), encoding="utf-8")
    with pytest.raises(PluginError) as caught:
        communitycore.open("sqlite://", autoload=False, packs=[pack])
    assert "channels" in str(caught.value) and "pigeon" in str(caught.value)


def test_a_programme_checks_channel_owner_kind_and_eligibility(svc: Community, tree: dict[str, int]) -> None:
    with pytest.raises(RejectedInput) as caught:
        svc.services.add_request(tree["street"], category="care", program="red-ribbon", channel="online",
                                 text="买药")
    fields = {p.field for p in caught.value.problems}
    assert fields == {"channel", "unit"}
    household = svc.residents.add_household(None, address="怡馨苑3栋")
    plain = svc.residents.add("王大爷", household_id=household.id)
    with pytest.raises(RejectedInput, match="not eligible"):
        svc.services.add_request(tree["community"], category="care", program="red-ribbon", channel="signal",
                                 text="买药", resident=plain.id)
    alone = svc.residents.add("李奶奶", household_id=household.id, flags=["独居老人"])
    done = svc.services.add_request(tree["community"], category="care", program="red-ribbon", channel="signal",
                                    text="买药", resident=alone.id)
    assert done.urgency == "utility"  # the programme's default
    assert done.resolution_due - done.created_at == dt.timedelta(hours=24)
    assert done.response_due - done.created_at == dt.timedelta(hours=24)


def test_bad_request_input_names_every_field(svc: Community, tree: dict[str, int]) -> None:
    with pytest.raises(RejectedInput) as caught:
        svc.services.add_request(tree["community"], category="nope", channel="fax", urgency="soon", text=" ",
                                 at="yesterday")
    assert {p.field for p in caught.value.problems} == {"category", "channel", "urgency", "text", "at"}
    assert svc.services.list() == []


# The workflow -------------------------------------------------------------------------------

def test_a_request_goes_through_the_chain_reopens_and_closes(svc: Community, tree: dict[str, int]) -> None:
    r = svc.services.add_request(tree["community"], category="maintenance", channel="hotline", urgency="general",
                                 text="楼道灯不亮", at="2025-04-01T08:00")
    _chain(svc, r.id)
    reopened = svc.services.evaluate(r.id, solved=False, satisfaction="不满意", comment="灯还是不亮")
    assert reopened.state == "accepted"
    svc.services.assign(r.id, to=f"unit:{tree['community']}")
    svc.services.start(r.id)
    svc.services.resolve(r.id, note="换了灯泡")
    closed = svc.services.evaluate(r.id, solved=True, satisfaction="满意")
    assert closed.state == "closed" and closed.evaluations == 2 and closed.satisfaction == "satisfied"
    steps = [(h.source, h.target, h.actor) for h in svc.services.history(r.id)]
    assert steps == [(None, "collected", "网格员"), ("collected", "accepted", "网格员"),
                     ("accepted", "assigned", "网格员"), ("assigned", "in-progress", "网格员"),
                     ("in-progress", "resolved", "网格员"), ("resolved", "evaluated", "网格员"),
                     ("evaluated", "accepted", "网格员"), ("accepted", "assigned", "网格员"),
                     ("assigned", "in-progress", "网格员"), ("in-progress", "resolved", "网格员"),
                     ("resolved", "evaluated", "网格员"), ("evaluated", "closed", "网格员")]
    assert [e.satisfaction for e in svc.services.evaluations(r.id)] == ["dissatisfied", "satisfied"]
    assert svc.services.history(r.id)[0].at == dt.datetime(2025, 4, 1, 8, 0, tzinfo=TZ)


def test_evaluating_a_request_never_resolved_names_the_allowed_moves(svc: Community, tree: dict[str, int]) -> None:
    r = svc.services.add_request(tree["community"], category="care", channel="walk-in", text="轮椅坏了")
    svc.services.accept(r.id)
    with pytest.raises(IllegalTransition) as caught:
        svc.services.evaluate(r.id, solved=True, satisfaction="满意")
    assert caught.value.current == "accepted"
    assert set(caught.value.allowed) == {"assigned", "cancelled"}
    assert "assigned" in str(caught.value)
    assert svc.services.get(r.id).evaluations == 0


def test_routing_defaults_to_the_residents_compound_unit(svc: Community, tree: dict[str, int]) -> None:
    compound = svc.org.add_compound("怡馨苑", "old", tree["other"])
    household = svc.residents.add_household(compound.id, building="3栋", room="201")
    resident = svc.residents.add("李奶奶", household_id=household.id)
    r = svc.services.add_request(tree["community"], category="care", channel="grid", text="买药",
                                 resident=resident.id)
    svc.services.accept(r.id)
    assert svc.services.assign(r.id).assignee == f"unit:{tree['other']}"
    lone = svc.services.add_request(tree["community"], category="care", channel="grid", text="买菜")
    svc.services.accept(lone.id)
    assert svc.services.assign(lone.id).assignee == f"unit:{tree['community']}"


def test_a_past_time_must_not_be_in_the_future_or_before_creation(svc: Community, tree: dict[str, int]) -> None:
    r = svc.services.add_request(tree["community"], category="care", channel="grid", text="买药",
                                 at="2025-04-02T08:00")
    with pytest.raises(RejectedInput, match="before the request was created"):
        svc.services.accept(r.id, at="2025-04-01T08:00")
    with pytest.raises(RejectedInput, match="in the future"):
        svc.services.accept(r.id, at="2026-01-01T08:00")
    assert svc.services.accept(r.id, at="2025-04-02T09:30").response_seconds == 5400


def test_a_moment_or_period_outside_the_years_is_refused(svc: Community, tree: dict[str, int]) -> None:
    # A request is recorded soon after it was made: year 1 (no UTC to move through), 1900 (the
    # timezone's local mean time, +08:05:43) and 9999 are slips of the keyboard.
    for at in ("0001-01-01T00:00", "1900-01-01T00:00", "1969-12-31T23:59", "9999-12-31T23:59-12:00"):
        with pytest.raises(RejectedInput, match="outside the years 1970 to 2099"):
            svc.services.add_request(tree["community"], category="care", channel="grid", text="买药", at=at)
    assert svc.services.list() == []
    r = svc.services.add_request(tree["community"], category="care", channel="grid", text="买药",
                                 at="1970-01-01T00:00")
    assert r.created_at.utcoffset() == dt.timedelta(hours=8)
    with pytest.raises(RejectedInput, match="outside the years 1970 to 2099"):
        svc.services.accept(r.id, at="0001-01-01T00:00")
    for period in ("0001", "9999-12", "2100Q1"):
        with pytest.raises(InvalidValue, match="outside 1900-2099"):
            svc.services.metrics(period, unit=tree["street"])


ACTIONS = ("accept", "assign", "start", "resolve", "close", "cancel", "good", "bad")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(ACTIONS), max_size=14))
def test_random_moves_never_reach_an_illegal_state_and_the_history_replays(
        sqlite_community: Community, actions: list[str]) -> None:
    c = sqlite_community
    units = c.org.children(None)
    unit = units[0] if units else c.org.add("街道", "street-committee")
    flow = c.registry.workflow(REQUEST_WORKFLOW)
    r = c.services.add_request(unit.id, category="care", channel="grid", text="诉求")
    for action in actions:
        before = c.services.get(r.id).state
        try:
            if action in ("good", "bad"):
                verdict = "满意" if action == "good" else "不满意"
                c.services.evaluate(r.id, solved=action == "good", satisfaction=verdict)
            else:
                getattr(c.services, action)(r.id)
        except IllegalTransition as exc:
            assert exc.current == before
            assert c.services.get(r.id).state == before
    state = c.services.get(r.id).state
    assert state in {s.code for s in flow.states}
    history = c.services.history(r.id)
    replayed = history[0].target
    for step in history[1:]:
        assert step.source == replayed
        flow.transition(step.source, step.target)
        replayed = step.target
    assert replayed == state


def test_two_actors_accepting_one_request_at_once_exactly_one_wins(db_url: str) -> None:
    clock = Clock("Asia/Shanghai", fixed=NOW)
    setup = communitycore.open(db_url, actor="setup", clock=clock, autoload=False)
    unit = setup.org.add("城南街道党工委", "street-committee")
    r = setup.services.add_request(unit.id, category="care", channel="hotline", text="漏水")
    for i in range(2):  # two coordinators of the street
        setup.grants.add(f"actor-{i}", "service-coordinator", unit.id)
    setup.close()
    actors = [communitycore.open(db_url, actor=f"actor-{i}", clock=clock, autoload=False) for i in range(2)]

    def accept(c: Community) -> str:
        try:
            c.services.accept(r.id, note=c.actor)
            return "won"
        except IllegalTransition:
            return "refused"

    try:
        assert at_once(*(partial(accept, c) for c in actors)) == ["refused", "won"]
        steps = actors[0].services.history(r.id)
        assert [(s.source, s.target) for s in steps] == [(None, "collected"), ("collected", "accepted")]
        assert steps[1].actor == steps[1].note
    finally:
        for c in actors:
            c.close()


# Metrics ------------------------------------------------------------------------------------

def _fixture_requests(c: Community, tree: dict[str, int]) -> list[dict[str, Any]]:
    """20 requests in 2025Q1 with known times and evaluations, and their expected facts."""
    plan = []
    for i in range(20):
        unit = tree["community"] if i % 3 else tree["other"]
        urgency = ("emergency", "utility", "general", "complex")[i % 4]
        created = dt.datetime(2025, 1, 5, 8, 0, tzinfo=TZ) + dt.timedelta(days=i * 4)
        accept_after = dt.timedelta(minutes=(20, 40, 600, 2000)[i % 4])
        resolve_after = None if i % 5 == 4 else dt.timedelta(hours=(1, 30, 100, 400)[(i // 2) % 4])
        verdict = None if resolve_after is None or i % 7 == 6 else (("yes", "满意"), ("yes", "基本满意"),
                                                                     ("no", "不满意"), ("yes", "不满意"))[i % 4]
        r = c.services.add_request(unit, category="care" if i % 2 else "maintenance", channel="hotline",
                                   urgency=urgency, text=f"诉求{i}", at=created.isoformat())
        c.services.accept(r.id, at=(created + accept_after).isoformat())
        if resolve_after is not None:
            c.services.assign(r.id, at=(created + accept_after).isoformat())
            c.services.start(r.id, at=(created + accept_after).isoformat())
            c.services.resolve(r.id, at=(created + resolve_after).isoformat())
            if verdict is not None:
                c.services.evaluate(r.id, solved=verdict[0] == "yes", satisfaction=verdict[1],
                                    at=(created + resolve_after).isoformat())
        plan.append({"unit": unit, "urgency": urgency, "created": created, "accept": accept_after,
                     "resolve": resolve_after, "verdict": verdict})
    cancelled = c.services.add_request(tree["community"], category="care", channel="hotline", text="重复",
                                       at="2025-02-01T08:00")
    c.services.cancel(cancelled.id)
    return plan


def _naive(plan: list[dict[str, Any]], now: dt.datetime) -> dict[str, Any]:
    response_limit = {"emergency": dt.timedelta(minutes=30)}
    resolution_limit = {"emergency": 2, "utility": 24, "general": 168, "complex": 360}
    received = len(plan)
    responded = sum(1 for p in plan if p["accept"] <= response_limit.get(p["urgency"], dt.timedelta(hours=24)))
    evaluated = [p for p in plan if p["verdict"] is not None]
    solved = sum(1 for p in evaluated if p["verdict"][0] == "yes")
    satisfied = sum(1 for p in evaluated if p["verdict"][1] == "满意")
    basic = sum(1 for p in evaluated if p["verdict"][1] == "基本满意")
    overdue = 0
    for p in plan:
        due = p["created"] + dt.timedelta(hours=resolution_limit[p["urgency"]])
        done = None if p["resolve"] is None else p["created"] + p["resolve"]
        overdue += (done is None and due < now) or (done is not None and done > due)
    response, resolution = responded / received, solved / len(evaluated)
    satisfaction = (satisfied + 0.9 * basic) / len(evaluated)
    return {
        "received": received, "evaluated": len(evaluated), "response_rate": round(response, 6),
        "resolution_rate": round(resolution, 6), "satisfaction_rate": round(satisfaction, 6),
        "composite": round(0.1 * response + 0.5 * resolution + 0.4 * satisfaction, 6),
        "median_response_hours": round(statistics.median(p["accept"].total_seconds() for p in plan) / 3600, 4),
        "median_resolution_hours": round(statistics.median(
            p["resolve"].total_seconds() for p in plan if p["resolve"] is not None) / 3600, 4),
        "overdue": overdue,
    }


def test_metrics_equal_a_naive_computation(svc: Community, tree: dict[str, int]) -> None:
    plan = _fixture_requests(svc, tree)
    [found] = svc.services.metrics("2025Q1", unit=tree["street"])
    expected = _naive(plan, NOW)
    got = {k: getattr(found, k) for k in expected}
    assert got == pytest.approx(expected)
    [only] = svc.services.metrics("2025Q1", unit=tree["other"])
    assert only.received == sum(1 for p in plan if p["unit"] == tree["other"])
    groups = {m.group: m for m in svc.services.metrics("2025Q1", unit=tree["street"], by="unit")}
    assert set(groups) == {str(tree["community"]), str(tree["other"])}
    assert sum(m.received for m in groups.values()) == 20
    [empty] = svc.services.metrics("2025Q2", unit=tree["street"])
    assert (empty.received, empty.response_rate, empty.composite) == (0, None, None)


def test_metrics_by_compound_follow_the_residents_households(svc: Community, tree: dict[str, int]) -> None:
    east = svc.org.add_compound("东苑小区", "old", tree["community"])
    west = svc.org.add_compound("西苑小区", "new", tree["community"])
    at_east = svc.residents.add("王大爷", compound_id=east.id, building="1栋", room="101")
    at_west = svc.residents.add("李阿姨", compound_id=west.id, building="2栋", room="202")
    nowhere = svc.residents.add("赵先生")
    verdicts = [(at_east.id, True, "满意"), (at_east.id, False, "不满意"), (at_west.id, True, "基本满意"),
                (nowhere.id, True, "满意"), (None, True, "满意")]
    for resident, solved, satisfaction in verdicts:
        r = svc.services.add_request(tree["community"], category="maintenance", channel="hotline", text="路灯不亮",
                                     resident=resident, at="2025-01-10T09:00")
        _chain(svc, r.id)
        svc.services.evaluate(r.id, solved=solved, satisfaction=satisfaction)
    groups = {m.group: m for m in svc.services.metrics("2025", unit=tree["street"], by="compound")}
    assert set(groups) == {str(east.id), str(west.id), None}
    assert (groups[str(east.id)].received, groups[str(east.id)].resolution_rate) == (2, 0.5)
    assert groups[str(east.id)].satisfaction_rate == 0.5
    assert (groups[str(west.id)].received, groups[str(west.id)].satisfaction_rate) == (1, 0.9)
    assert groups[None].received == 2  # no household, and no resident at all
    [whole] = svc.services.metrics("2025", unit=tree["street"])
    assert whole.received == sum(m.received for m in groups.values())
    gone = str(west.id + 100)  # a compound no longer known keeps its id
    assert svc.services.group_labels("compound", [*groups, gone]) == {
        str(east.id): "东苑小区", str(west.id): "西苑小区", gone: gone}


# The three lists, hours, stars --------------------------------------------------------------------

def test_a_partner_claims_a_project_raised_from_a_request_and_the_trace_runs_both_ways(
        svc: Community, tree: dict[str, int]) -> None:
    partner = svc.org.add_partner("co-building-unit", "市供电公司", tree["community"])
    r = svc.services.add_request(tree["community"], category="maintenance", channel="grid", text="路灯坏了")
    demand = svc.services.add_demand(tree["community"], name="小区照明改造", from_requests=[r.id])
    project = svc.services.add_project(tree["community"], name="亮化工程", demand=demand.id)
    assert svc.services.claim_project(project.id, partner=partner.id).state == "claimed"
    with pytest.raises(IllegalTransition):
        svc.services.claim_project(project.id, partner=partner.id)
    svc.services.add_milestone(project.id, on="2025-04-05", note="换灯20盏")
    member = svc.members.add("张三", unit=tree["community"], category="full")
    entry = svc.services.record_hours(member=member.id, on="2025-04-06", hours="2.5", activity="安装路灯",
                                      project=project.id)
    assert (entry.fact, entry.source_kind, entry.source_id) == ("volunteer-hours", "project", str(project.id))
    from_request = svc.services.trace("request", r.id)
    assert from_request["projects"] == [project.id] and [e.id for e in from_request["entries"]] == [entry.id]
    back = svc.services.trace("project", project.id)
    assert back["requests"] == [r.id] and back["demands"] == [demand.id]
    assert svc.services.deliver_project(project.id).state == "delivered"
    assert svc.services.evaluate_project(project.id, satisfaction="满意").satisfaction == "satisfied"
    values = svc.activity.values("projects-delivered", "2025", subject_kind="partner")
    assert [(v.subject_id, v.value) for v in values] == [(partner.id, Decimal("1"))]


def test_the_trace_follows_the_hours_to_the_points_they_earned(svc: Community, tree: dict[str, int]) -> None:
    r = svc.services.add_request(tree["community"], category="maintenance", channel="grid", text="楼道灯坏了")
    demand = svc.services.add_demand(tree["community"], name="楼道照明", from_requests=[r.id])
    project = svc.services.add_project(tree["community"], name="楼道亮灯", demand=demand.id)
    member = svc.members.add("赵六", unit=tree["community"], category="full")
    other = svc.members.add("钱七", unit=tree["community"], category="full")
    svc.services.record_hours(member=member.id, on="2025-02-06", hours="3", activity="换灯", project=project.id)
    svc.services.record_hours(member=other.id, on="2025-02-07", hours="4", activity="巡逻")  # not on the project
    assert svc.services.trace("request", r.id)["points"] == []  # no run yet
    run = svc.assessments.run("service-points", "2025Q1", unit=tree["street"])
    svc.assessments.run("service-points", "2025Q2", unit=tree["street"])  # its period holds no traced hours
    found = svc.services.trace("request", r.id)["points"]
    assert [(p["run_id"], p["subject_id"], p["fact"], p["points"]) for p in found] == [
        (run.id, member.id, "volunteer-hours", 6)]
    assert svc.services.trace("project", project.id)["points"] == found


@pytest.mark.parametrize("kind", ["partner", "unit"])
def test_an_evaluation_goes_to_the_ledger_of_whoever_handled_the_request(
        svc: Community, tree: dict[str, int], kind: str) -> None:
    handler = (svc.org.add_partner("co-building-unit", "物业公司", tree["community"]).id if kind == "partner"
               else tree["other"])
    handled, satisfaction = HANDLED_FACTS[kind]
    for verdict, solved in (("不满意", True), ("满意", True)):
        r = svc.services.add_request(tree["community"], category="care", channel="grid", text=f"诉求{verdict}")
        svc.services.accept(r.id)
        svc.services.assign(r.id, to=f"{kind}:{handler}")
        svc.services.start(r.id)
        svc.services.resolve(r.id)
        svc.services.evaluate(r.id, solved=solved, satisfaction=verdict)
    found = {(v.subject_id, v.fact): v.value for v in svc.activity.values([handled, satisfaction], "2025",
                                                                          subject_kind=kind)}
    # The mean of 0 and 100; one request closed (the reopened one is still open).
    assert found == {(handler, satisfaction): Decimal("50"), (handler, handled): Decimal("1")}
    assert svc.activity.values(["satisfaction", "requests-handled"], "2025") == []


def test_messages_name_workflow_states_by_their_labels(svc: Community, tree: dict[str, int]) -> None:
    project = svc.services.add_project(tree["community"], name="亮化工程")
    with pytest.raises(InvalidValue) as caught:
        svc.services.add_milestone(project.id, on="2025-04-05", note="换灯")
    label = svc.registry.workflow("service-project").state("claimed")
    assert f"({label.code})" in str(caught.value) and label.label_en is not None
    assert label.label_en in str(caught.value) or label.label in str(caught.value)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**7), max_size=40), st.integers(min_value=0, max_value=6000),
       st.integers(min_value=0, max_value=3))
def test_the_median_of_durations_is_statistics_median(small: list[int], extra: int, spread: int) -> None:
    """Short lists are sorted whole; long ones (past MEDIAN_SAMPLE) take the bracketing path,
    with few distinct values (``spread`` 0: all equal) as well as many."""
    rng = random.Random(extra)
    values = small + [rng.randrange(10 ** spread * 7 + 1) for _ in range(extra)]
    assert median_seconds(values) == (statistics.median(values) if values else None)
    assert median_seconds(iter(values)) == median_seconds(values)


def test_hours_bad_input_names_the_fields(svc: Community, tree: dict[str, int]) -> None:
    with pytest.raises(RejectedInput) as caught:
        svc.services.record_hours(on="2025-13-01", hours="30", activity="")
    assert {p.field for p in caught.value.problems} == {"member", "date", "hours", "activity"}


def test_a_persons_day_holds_24_hours_in_all(svc: Community, tree: dict[str, int]) -> None:
    member = svc.members.add("李四", unit=tree["community"], category="full")
    svc.services.record_hours(member=member.id, on="2025-03-05", hours=20, activity="巡逻")
    with pytest.raises(RejectedInput, match="2025-03-05 already holds 20 of volunteer hours for this member: 20 "
                                            "more would make 40, and one day holds at most 24") as caught:
        svc.services.record_hours(member=member.id, on="2025-03-05", hours=20, activity="巡逻")
    assert [(p.row, p.field) for p in caught.value.problems] == [(None, "hours")]
    # The ledger holds the day to 24 whichever way the hours come in: recorded as an entry, too.
    with pytest.raises(RejectedInput, match="would make 25"):
        svc.activity.record("member", member.id, "volunteer-hours", on="2025-03-05", quantity=5)
    svc.services.record_hours(member=member.id, on="2025-03-05", hours=4, activity="值守")
    svc.services.record_hours(member=member.id, on="2025-03-06", hours=20, activity="巡逻")  # another day
    resident = svc.residents.add("王大爷")
    svc.services.record_hours(resident=resident.id, on="2025-03-05", hours=24, activity="扫雪")
    with pytest.raises(RejectedInput, match="one day holds at most 24"):
        svc.services.record_hours(resident=resident.id, on="2025-03-05", hours="0.5", activity="扫雪")


def test_two_writers_of_one_persons_day_cannot_pass_24_hours(db_url: str) -> None:
    # Each locks the person before it reads the day: the second reads the first's hours.
    clock = Clock("Asia/Shanghai", fixed=NOW)
    setup = communitycore.open(db_url, actor="setup", clock=clock, autoload=False)
    unit = setup.org.add("城南街道党工委", "street-committee")
    member = setup.members.add("李四", unit=unit.id, category="full").id
    setup.close()
    writers = [communitycore.open(db_url, actor="setup", clock=clock, autoload=False) for _ in range(4)]

    def record(c: Community) -> str:
        try:
            c.services.record_hours(member=member, on="2025-03-05", hours=10, activity="巡逻")
            return "kept"
        except RejectedInput:
            return "refused"

    try:
        assert at_once(*(partial(record, c) for c in writers)) == ["kept", "kept", "refused", "refused"]
        entries = writers[0].activity.list(subject_kind="member", subject_id=member, fact="volunteer-hours")
        assert sum(e.quantity for e in entries) == Decimal(20)
    finally:
        for c in writers:
            c.close()


def test_a_request_naming_a_resident_and_the_residents_removal_never_both_pass(db_url: str) -> None:
    # The removal locks the resident before it counts what names it; the request takes it in share mode.
    clock = Clock("Asia/Shanghai", fixed=NOW)
    setup = communitycore.open(db_url, actor="setup", clock=clock, autoload=False)
    unit = setup.org.add("城南街道党工委", "street-committee").id
    residents = [setup.residents.add(f"居民{i}").id for i in range(4)]
    setup.close()
    writers = [communitycore.open(db_url, actor="setup", clock=clock, autoload=False) for _ in range(2)]
    try:
        record_or_removal(residents, writers,
                          lambda c, resident: c.services.add_request(unit, category="care", channel="hotline",
                                                                     text="买药", resident=resident),
                          RejectedInput,
                          lambda resident: sum(r.resident_id == resident
                                               for r in writers[0].services.list(limit=None)))
    finally:
        for c in writers:
            c.close()


def test_stars_follow_the_thresholds_setting(svc: Community, tree: dict[str, int]) -> None:
    member = svc.members.add("李四", unit=tree["community"], category="full")
    for day in range(1, 13):
        svc.services.record_hours(member=member.id, on=f"2025-03-{day:02d}", hours=10, activity="巡逻")
    [star] = svc.services.stars(unit=tree["street"])
    assert (star.hours, star.stars) == (Decimal("120.00"), 1)
    svc.org.set_setting(tree["street"], "volunteer-star-hours", "50,100,200,300,400")
    assert svc.services.stars(unit=tree["street"])[0].stars == 2
    assert star_level(Decimal("1500"), (100, 300, 600, 1000, 1500)) == 5


def test_an_evaluation_of_a_members_work_goes_to_the_ledger(svc: Community, tree: dict[str, int]) -> None:
    member = svc.members.add("王五", unit=tree["community"], category="full")
    r = svc.services.add_request(tree["community"], category="care", channel="grid", text="买药")
    svc.services.accept(r.id)
    svc.services.assign(r.id, to=f"member:{member.id}")
    svc.services.start(r.id)
    svc.services.resolve(r.id)
    svc.services.evaluate(r.id, solved=True, satisfaction="基本满意")
    found = {v.fact: v.value for v in svc.activity.values(["satisfaction", "requests-handled"], "2025")}
    assert found == {"satisfaction": Decimal("90"), "requests-handled": Decimal("1")}


def test_assignments_and_evaluations_are_audited_and_announced(svc: Community, tree: dict[str, int]) -> None:
    r = svc.services.add_request(tree["community"], category="care", channel="grid", text="买药")
    svc.services.accept(r.id)
    svc.services.assign(r.id)
    actions = [e.action for e in svc.audit.list(entity="service-request")]
    assert "service-request.add" in actions and "service-request.assign" in actions


# CLI ----------------------------------------------------------------------------------------

def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COMMUNITYCORE_LANG": "en", "COMMUNITYCORE_ACTOR": "grid-worker",
           "COMMUNITYCORE_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run([sys.executable, "-m", "communitycore", "--db", f"sqlite:///{db}", "--create", *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def test_the_cli_runs_a_request_through_and_shows_its_history(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    assert _cli(db, "org", "add", "城南街道党工委", "--kind", "street-committee").returncode == 0
    added = _cli(db, "service", "request", "add", "--unit", "1", "--category", "care", "--channel", "signal",
                 "--text", "买药", "--at", "2025-03-01T08:00", "--json")
    assert added.returncode == 0, added.stderr
    request_id = json.loads(added.stdout)["id"]
    for verb in ("accept", "assign", "start", "resolve"):
        assert _cli(db, "service", "request", verb, str(request_id)).returncode == 0
    refused = _cli(db, "service", "request", "start", str(request_id))
    assert refused.returncode == 1 and "can go to" in refused.stderr and "evaluated" in refused.stderr
    assert _cli(db, "service", "request", "evaluate", str(request_id), "--solved", "yes", "--satisfaction",
                "满意").returncode == 0
    shown = json.loads(_cli(db, "service", "request", "show", str(request_id), "--json").stdout)
    assert shown["state"] == "closed"
    assert [(h["from"], h["to"]) for h in shown["history"]][-2:] == [("resolved", "evaluated"),
                                                                     ("evaluated", "closed")]
    assert {h["actor"] for h in shown["history"]} == {"grid-worker"}
    metrics = json.loads(_cli(db, "service", "metrics", "--period", "2025Q1", "--json").stdout)
    assert metrics["received"] == 1 and metrics["satisfaction_rate"] == 1.0
    listed = json.loads(_cli(db, "service", "request", "list", "--json").stdout)
    assert [r["id"] for r in listed] == [request_id]
    bad = _cli(db, "service", "request", "add", "--unit", "1", "--category", "care", "--channel", "fax",
               "--text", "x")
    assert bad.returncode == 1 and "Channel: " in bad.stderr and "Traceback" not in bad.stderr


def test_every_service_command_has_help() -> None:
    from click.testing import CliRunner

    from communitycore.cli import make_cli
    from communitycore.cli.state import AppState

    runner = CliRunner()
    for path in (["service"], ["service", "request"], ["service", "request", "evaluate"], ["service", "metrics"],
                 ["service", "project", "claim"], ["service", "hours", "add"], ["service", "trace"]):
        app = AppState()
        result = runner.invoke(make_cli(app), ["--lang", "en", *path, "--help"], obj=app)
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output


def test_overdue_requests_are_listed_and_announced_once(svc: Community, tree: dict[str, int]) -> None:
    late = svc.services.add_request(tree["community"], category="care", channel="hotline", urgency="emergency",
                                    text="燃气泄漏", at="2025-04-10T08:00")
    svc.services.add_request(tree["community"], category="care", channel="hotline", text="一般诉求")
    assert [r.id for r in svc.services.overdue(unit=tree["street"])] == [late.id]
    assert svc.services.flag_overdue() == [late.id]
    assert svc.services.flag_overdue() == []
    events = [e.action for e in svc.audit.list(entity="service-request")]
    assert events.count("service-request.overdue") == 1


def test_requests_survive_an_export_and_import(svc: Community, tree: dict[str, int], tmp_path: Path) -> None:
    r = svc.services.add_request(tree["community"], category="care", channel="hotline", text="买药",
                                 at="2025-04-01T08:00")
    _chain(svc, r.id)
    svc.services.evaluate(r.id, solved=True, satisfaction="基本满意")
    svc.services.add_resource(tree["community"], name="法律咨询")
    svc.export_to(tmp_path / "out.json")
    with communitycore.open(f"sqlite:///{tmp_path / 'copy.db'}", actor="copy", autoload=False, create=True,
                            clock=Clock("Asia/Shanghai", fixed=NOW), packs=[]) as copy:
        counts = copy.import_from(tmp_path / "out.json")
        assert counts["service_requests"] == 1 and counts["service_evaluations"] == 1
        assert copy.services.get(r.id) == svc.services.get(r.id)
        assert [x.name for x in copy.services.resources()] == ["法律咨询"]


def test_a_certificate_lists_the_hours_of_its_year_only(svc: Community, tree: dict[str, int], tmp_path: Path) -> None:
    member = svc.members.add("袁秀英", unit=tree["community"], category="full", id_number="360426199101010071")
    svc.services.record_hours(member=member.id, on="2024-12-30", hours=3, activity="旧年服务")
    svc.services.record_hours(member=member.id, on="2025-03-03", hours="1.5", activity="代买药品")
    svc.services.record_hours(member=member.id, on="2025-03-05", hours=2, activity="<b>陪诊</b>")
    from communitycore.io.certificate import write_certificate

    data = svc.services.certificate(f"member:{member.id}", 2025)
    assert data["total"] == Decimal("3.5") and [e[1] for e in data["entries"]] == ["代买药品", "<b>陪诊</b>"]
    page = write_certificate(tmp_path / "cert.html", data).read_text(encoding="utf-8")
    assert "旧年服务" not in page and "&lt;b&gt;陪诊" in page
    assert "360426199101010071" not in page and "1991" in page  # masked, the birth year only
    assert "虹兴社区党委" in page


def test_employer_feedback_gives_each_in_service_members_quarter(svc: Community, tree: dict[str, int],
                                                                 tmp_path: Path) -> None:
    member = svc.members.add("赵六", unit=tree["community"], category="full", employer="市供电公司",
                             in_service=True)
    svc.services.record_hours(member=member.id, on="2025-02-01", hours=4, activity="巡逻")
    svc.services.record_hours(member=member.id, on="2025-04-05", hours=9, activity="下季度")
    [row] = svc.services.employer_feedback("2025Q1")
    assert (row["employer"], row["member_id"], row["hours"], row["projects"]) == ("市供电公司", member.id,
                                                                                  Decimal("4.00"), 0)
    from communitycore.io.table_files import write_table

    out = write_table(tmp_path / "fb.csv", ["employer", "hours"], [["=cmd()", 4]])
    assert out.read_text(encoding="utf-8-sig").splitlines()[1].startswith("'=cmd()")


def test_the_cli_writes_the_metrics_a_certificate_and_the_feedback(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    assert _cli(db, "org", "add", "城南街道党工委", "--kind", "street-committee").returncode == 0
    assert _cli(db, "member", "add", "袁秀英", "--unit", "1", "--category", "full", "--employer", "市供电公司",
                "--in-service").returncode == 0
    hours = _cli(db, "service", "hours", "add", "--member", "1", "--date", "2025-03-03", "--hours", "1.5",
                 "--activity", "代买药品", "--json")
    assert hours.returncode == 0, hours.stderr
    assert json.loads(hours.stdout)["fact"] == "volunteer-hours"
    cert = _cli(db, "service", "certificate", "member:1", "--year", "2025", "--out", str(tmp_path / "c.html"),
                "--json")
    assert cert.returncode == 0, cert.stderr
    assert json.loads(cert.stdout)["hours"] == 1.5 and "代买药品" in (tmp_path / "c.html").read_text("utf-8")
    feedback = _cli(db, "service", "employer-feedback", "--period", "2025Q1", "--out", str(tmp_path / "f.xlsx"))
    assert feedback.returncode == 0, feedback.stderr
    assert (tmp_path / "f.xlsx").stat().st_size > 0
    out = _cli(db, "service", "metrics", "--period", "2025", "--out", str(tmp_path / "m.csv"))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "m.csv").read_text("utf-8-sig").startswith("Received,Evaluated,Response rate")
    stars = json.loads(_cli(db, "service", "stars", "--json").stdout)
    assert [(s["subject_id"], s["stars"]) for s in stars] == [(1, 0)]


def test_a_unit_with_requests_is_removed_only_with_a_cascade(svc: Community, tree: dict[str, int]) -> None:
    r = svc.services.add_request(tree["other"], category="care", channel="hotline", text="买药")
    _chain(svc, r.id)
    svc.services.evaluate(r.id, solved=True, satisfaction="满意")
    svc.services.add_demand(tree["other"], name="需求", from_requests=[r.id])
    with pytest.raises(Conflict, match="service request"):
        svc.org.remove(tree["other"])
    svc.org.remove(tree["other"], cascade=True)
    assert svc.services.list() == []


class LowIncome:
    """A plugin check: only residents on its register are eligible for programmes that name it."""

    name = "low-income"

    @hookimpl
    def communitycore_check_service_eligibility(self, check: str, program: Any, resident_ids: Any) -> list[int]:
        return [] if check != "jj.low-income" else [r for r in resident_ids if r != 1]

    @hookimpl
    def communitycore_register_service_programs(self) -> list[ServiceProgram]:
        return [ServiceProgram(code="jj.aid", label="救助", category="care", eligibility_check="jj.low-income")]


def test_hook_communitycore_check_service_eligibility(db_url: str) -> None:
    """A plugin check decides eligibility beyond the resident flags."""
    with communitycore.open(db_url, actor="t", autoload=False, plugins=[LowIncome()],
                            clock=Clock("Asia/Shanghai", fixed=NOW)) as c:
        unit = c.org.add("街道", "street-committee")
        first = c.residents.add("甲")
        second = c.residents.add("乙")
        assert first.id == 1
        assert c.services.add_request(unit.id, category="care", program="jj.aid", channel="walk-in", text="救助",
                                      resident=first.id).program == "jj.aid"
        with pytest.raises(RejectedInput, match=r"jj\.low-income"):
            c.services.add_request(unit.id, category="care", program="jj.aid", channel="walk-in", text="救助",
                                   resident=second.id)


def test_a_coordinator_of_one_unit_lists_that_unit_s_requests_only(db_url: str) -> None:
    # A grant on one unit scopes the listings to its subtree; it is not refused for want of a grant on
    # the whole database, and a unit outside it is refused when named.
    clock = Clock("Asia/Shanghai", fixed=NOW)
    with communitycore.open(db_url, actor="setup", clock=clock, autoload=False) as setup:
        street = setup.org.add("城南街道党工委", "street-committee")
        east = setup.org.add("东社区党委", "community-committee", street.id)
        west = setup.org.add("西社区党委", "community-committee", street.id)
        mine = setup.services.add_request(east.id, category="care", channel="hotline", text="漏水")
        setup.services.add_request(west.id, category="care", channel="hotline", text="停电")
        setup.grants.add("东协调员", "service-coordinator", east.id)
    with communitycore.open(db_url, actor="东协调员", clock=clock, autoload=False) as coordinator:
        assert [r.id for r in coordinator.services.list()] == [mine.id]
        assert [r.id for r in coordinator.services.list(unit=east.id)] == [mine.id]
        assert coordinator.services.categories()  # the registry is readable from a unit's grant
        with pytest.raises(PermissionDenied):
            coordinator.services.list(unit=west.id)
