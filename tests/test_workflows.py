"""Workflows as data: the records, the validation of a definition, composition across providers, and
the engine's answers, with properties (hypothesis) over randomly generated workflows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import pickle
from collections import deque
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communitycore.domain.workflows import (
    IllegalTransition,
    InvalidWorkflow,
    TransitionRecord,
    Workflow,
    WorkflowProblemKind,
    WorkflowState,
    WorkflowTransition,
    merge_states,
)
from communitycore.errors import Conflict, InvalidValue
from communitycore.i18n import language

PURE = settings(max_examples=150, deadline=None)
AT = dt.datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
Kind = WorkflowProblemKind

# The resident-request workflow (居民诉求), the example of the docs ---------------------------------

RR = "resident-request"
CHAIN = ["collected", "accepted", "assigned", "in-progress", "resolved", "evaluated", "closed"]
ACTIONS = {"accepted": "accept", "assigned": "assign", "in-progress": "start", "resolved": "resolve",
           "evaluated": "evaluate", "closed": "close"}


def resident_request() -> tuple[list[WorkflowState], list[WorkflowTransition]]:
    """collected → accepted → assigned → in-progress → resolved → evaluated → closed; resolved may
    close without an evaluation, and every non-terminal state may be cancelled."""
    states = [
        WorkflowState(RR, "collected", "已收集", "Collected", initial=True),
        WorkflowState(RR, "accepted", "已受理", "Accepted"),
        WorkflowState(RR, "assigned", "已派单", "Assigned"),
        WorkflowState(RR, "in-progress", "办理中", "In progress"),
        WorkflowState(RR, "resolved", "已解决", "Resolved"),
        WorkflowState(RR, "evaluated", "已评价", "Evaluated"),
        WorkflowState(RR, "closed", "已关闭", "Closed", terminal=True),
        WorkflowState(RR, "cancelled", "已取消", "Cancelled", terminal=True),
    ]
    transitions = [WorkflowTransition(RR, a, b, ACTIONS[b]) for a, b in itertools.pairwise(CHAIN)]
    transitions.append(WorkflowTransition(RR, "resolved", "closed", "close", label="直接办结"))
    transitions += [WorkflowTransition(RR, s, "cancelled", "cancel", label="撤销") for s in CHAIN[:-1]]
    return states, transitions


@pytest.fixture
def rr() -> Workflow:
    states, transitions = resident_request()
    return Workflow.build(RR, states, transitions, label="请求", label_en="The request")


def test_resident_request_queries(rr: Workflow) -> None:
    assert rr.initial.code == "collected"
    # Initial first, then breadth-first along transitions sorted by target code.
    assert rr.codes == ("collected", "accepted", "cancelled", "assigned", "in-progress", "resolved", "closed",
                        "evaluated")
    assert [t.target for t in rr.allowed("resolved")] == ["cancelled", "closed", "evaluated"]
    assert rr.allowed("closed") == ()
    assert rr.is_terminal("cancelled") and not rr.is_terminal("resolved")
    assert rr.state("in-progress").label == "办理中"
    assert "in-progress" in rr and "nowhere" not in rr
    assign = rr.transition("accepted", "assigned")
    assert (assign.action, assign.source, assign.target) == ("assign", "accepted", "assigned")
    assert rr.transition("in-progress", "cancelled").action == "cancel"
    # Transitions are sorted by source (in state order), then target.
    assert rr.transitions[:2] == (rr.transition("collected", "accepted"), rr.transition("collected", "cancelled"))


def test_illegal_transition_names_the_allowed_states(rr: Workflow) -> None:
    with language("zh"), pytest.raises(IllegalTransition) as caught:
        rr.transition("resolved", "accepted")
    error = caught.value
    assert isinstance(error, Conflict)
    assert str(error) == (
        "请求不能从“已解决”（resolved）转到“已受理”（accepted）；"
        "可以转到：已取消（cancelled）、已关闭（closed）、已评价（evaluated）"
    )
    assert (error.workflow, error.current, error.target) == (RR, "resolved", "accepted")
    assert error.allowed == ("cancelled", "closed", "evaluated")
    with language("en"), pytest.raises(IllegalTransition) as caught:
        rr.transition("resolved", "accepted")
    assert str(caught.value) == (
        "The request cannot go from 'Resolved' (resolved) to 'Accepted' (accepted); "
        "it can go to: Cancelled (cancelled), Closed (closed), Evaluated (evaluated)"
    )


def test_illegal_transition_from_a_terminal_state_says_so(rr: Workflow) -> None:
    with language("zh"), pytest.raises(IllegalTransition) as caught:
        rr.transition("closed", "accepted")
    assert str(caught.value) == (
        "请求不能从“已关闭”（closed）转到“已受理”（accepted）：“已关闭”（closed）是终止状态，不能再转到其他状态"
    )
    assert caught.value.allowed == ()
    with language("en"), pytest.raises(IllegalTransition) as caught:
        rr.transition("closed", "accepted")
    assert "'Closed' (closed) is a terminal state" in str(caught.value)


def test_unknown_states_list_the_known_ones(rr: Workflow) -> None:
    with language("zh"), pytest.raises(InvalidValue) as caught:
        rr.transition("accepted", "archived")
    assert not isinstance(caught.value, IllegalTransition)
    message = str(caught.value)
    assert "'archived'" in message
    assert all(f"{s.label}（{s.code}）" in message for s in rr.states)
    for query in (rr.state, rr.allowed, rr.is_terminal):
        with pytest.raises(InvalidValue, match="archived"):
            query("archived")
    with pytest.raises(InvalidValue, match="archived"):
        rr.transition("archived", "accepted")


def test_errors_pickle_with_their_attributes(rr: Workflow) -> None:
    with pytest.raises(IllegalTransition) as caught:
        rr.transition("collected", "resolved")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.workflow, copy.current, copy.target, copy.allowed) == (RR, "collected", "resolved",
                                                                        ("accepted", "cancelled"))
    assert str(copy) == str(caught.value)
    states, transitions = resident_request()
    with pytest.raises(InvalidWorkflow) as invalid:
        Workflow.build(RR, states[1:], transitions)
    again = pickle.loads(pickle.dumps(invalid.value))
    assert again.problems == invalid.value.problems and str(again) == str(invalid.value)


def test_a_workflow_without_a_label_names_its_code() -> None:
    states, transitions = resident_request()
    plain = Workflow.build(RR, states, transitions)
    with language("zh"), pytest.raises(IllegalTransition, match=r"^流程 resident-request 不能从“已解决”"):
        plain.transition("resolved", "accepted")
    with language("en"), pytest.raises(IllegalTransition, match=r"^workflow resident-request cannot go from"):
        plain.transition("resolved", "accepted")


def test_workflows_are_values(rr: Workflow) -> None:
    states, transitions = resident_request()
    same = Workflow.build(RR, reversed(states), reversed(transitions), label="请求", label_en="The request")
    assert same == rr and hash(same) == hash(rr)
    assert Workflow(RR, rr.states, rr.transitions, label="请求", label_en="The request") == rr


def test_self_loops_are_allowed() -> None:
    states, transitions = resident_request()
    transitions.append(WorkflowTransition(RR, "assigned", "assigned", "reassign", label="改派"))
    wf = Workflow.build(RR, states, transitions)
    assert wf.transition("assigned", "assigned").action == "reassign"


# Records --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["In-Progress", "in_progress", "in progress", "-in", "in-", "in--progress", "", "办理中"]
)
def test_state_codes_are_slugs(code: str) -> None:
    with pytest.raises(ValueError, match=r"code must be a lower-case slug such as 'in-progress'"):
        WorkflowState(RR, code, "办理中")


def test_record_validation_messages() -> None:
    with pytest.raises(ValueError, match="label must be a non-empty string"):
        WorkflowState(RR, "accepted", "  ")
    with pytest.raises(ValueError, match="both initial and terminal"):
        WorkflowState(RR, "only", "唯一", initial=True, terminal=True)
    with pytest.raises(ValueError, match="terminal must be true or false"):
        WorkflowState(RR, "closed", "已关闭", terminal="true")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="replaces must be a lower-case slug"):
        WorkflowState(RR, "closed", "已关闭", replaces="Closed")
    with pytest.raises(ValueError, match="workflow must be a lower-case slug"):
        WorkflowTransition("Resident Request", "a", "b")
    with pytest.raises(ValueError, match="action must be a lower-case slug"):
        WorkflowTransition(RR, "a", "b", action="")
    with pytest.raises(ValueError, match="label must be a non-empty string"):
        WorkflowTransition(RR, "a", "b", label="")


def test_records_are_frozen_slotted_and_hashable() -> None:
    state = WorkflowState(RR, "accepted", "已受理")
    transition = WorkflowTransition(RR, "collected", "accepted")
    for record in (state, transition):
        assert not hasattr(record, "__dict__")
        assert hash(record) == hash(attrs.evolve(record))
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            record.workflow = "other"  # type: ignore[misc]
    assert transition.action == "accepted"  # the target code, when no verb is given
    assert WorkflowTransition(RR, "collected", "accepted", "accept").action == "accept"
    assert WorkflowTransition(RR, "collected", "accepted", None) == transition


def test_transition_record() -> None:
    row = TransitionRecord(workflow=RR, entity_kind="request", entity_id=42, source="accepted", target="assigned",
                           actor="网格员", at=AT, note="派给3号网格")
    assert row.entity_id == "42"
    assert hash(row) == hash(attrs.evolve(row))
    created = TransitionRecord(workflow=RR, entity_kind="request", entity_id="r-1", source=None, target="collected",
                               actor="居民", at=AT)
    assert created.source is None and created.note is None
    with pytest.raises(ValueError, match="timezone-aware"):
        attrs.evolve(row, at=dt.datetime(2026, 11, 28, 10, 0))
    with pytest.raises(ValueError, match="entity_id must be a non-empty string"):
        attrs.evolve(row, entity_id="")
    with pytest.raises(TypeError):
        TransitionRecord(RR, "request", "1", "a", "b", "x", AT)  # type: ignore[call-arg]


# Composition and invalid definitions ----------------------------------------------------------


def test_a_pack_renames_a_label_and_keeps_every_transition(rr: Workflow) -> None:
    states, transitions = resident_request()
    renamed = WorkflowState(RR, "in-progress", "处理中", "Handling", replaces="in-progress")
    # Given first: replacements are applied after plain declarations, whoever was called first.
    wf = Workflow.build(RR, [renamed, *states], transitions, label="请求")
    assert wf.state("in-progress").label == "处理中"
    assert wf.codes == rr.codes and wf.transitions == rr.transitions


def test_a_pack_adds_a_state_and_transitions(rr: Workflow) -> None:
    states, transitions = resident_request()
    visit = WorkflowState(RR, "jj.revisit", "回访中")
    extra = [WorkflowTransition(RR, "resolved", "jj.revisit", "revisit"),
             WorkflowTransition(RR, "jj.revisit", "closed", "close"),
             WorkflowTransition(RR, "jj.revisit", "cancelled", "cancel")]
    wf = Workflow.build(RR, [*states, visit], [*transitions, *extra], label="请求")
    assert set(rr.transitions) < set(wf.transitions)
    assert [t.target for t in wf.allowed("resolved")] == ["cancelled", "closed", "evaluated", "jj.revisit"]


def test_replacing_under_a_new_code_drops_the_old_code() -> None:
    states, transitions = resident_request()
    handling = WorkflowState(RR, "jj.handling", "处理中", replaces="in-progress")
    with pytest.raises(InvalidWorkflow) as caught:
        Workflow.build(RR, [*states, handling], transitions)
    assert caught.value.kinds == {Kind.UNKNOWN_STATE}
    assert all("in-progress" in p.codes for p in caught.value.problems)


def test_merge_states() -> None:
    states, _ = resident_request()
    merged = merge_states(RR, [*states, WorkflowState(RR, "closed", "已办结", terminal=True, replaces="closed")])
    assert len(merged) == len(states)
    assert {s.code: s.label for s in merged}["closed"] == "已办结"
    # Two replacements of one code: the later one wins.
    twice = merge_states(RR, [WorkflowState(RR, "a", "甲", initial=True),
                              WorkflowState(RR, "a", "乙", initial=True, replaces="a"),
                              WorkflowState(RR, "a", "丙", initial=True, replaces="a")])
    assert [s.label for s in twice] == ["丙"]


@pytest.mark.parametrize(
    ("extra_states", "extra_transitions", "kind", "codes"),
    [
        ([WorkflowState(RR, "accepted", "又受理")], [], Kind.DUPLICATE_STATE, ("accepted",)),
        ([WorkflowState(RR, "jj.x", "新", replaces="archived")], [], Kind.REPLACES_UNKNOWN, ("jj.x", "archived")),
        ([WorkflowState("appeal", "filed", "已申诉")], [], Kind.FOREIGN_RECORD, ("filed",)),
        ([], [WorkflowTransition("appeal", "collected", "accepted")], Kind.FOREIGN_RECORD, ("collected", "accepted")),
        ([], [WorkflowTransition(RR, "collected", "archived")], Kind.UNKNOWN_STATE, ("archived",)),
        ([], [WorkflowTransition(RR, "closed", "accepted")], Kind.FROM_TERMINAL, ("closed",)),
        ([], [WorkflowTransition(RR, "collected", "accepted", "again")], Kind.DUPLICATE_TRANSITION,
         ("collected", "accepted")),
        ([], [WorkflowTransition(RR, "collected", "assigned", "accept")], Kind.DUPLICATE_ACTION,
         ("collected", "accepted", "assigned")),
        ([WorkflowState(RR, "jj.start", "另起", initial=True)], [WorkflowTransition(RR, "jj.start", "closed")],
         Kind.SEVERAL_INITIAL, ("collected", "jj.start")),
        ([WorkflowState(RR, "jj.orphan", "无人问")], [WorkflowTransition(RR, "jj.orphan", "closed")],
         Kind.UNREACHABLE, ("jj.orphan",)),
        ([WorkflowState(RR, "jj.limbo", "搁置")], [WorkflowTransition(RR, "assigned", "jj.limbo", "shelve"),
                                                 WorkflowTransition(RR, "jj.limbo", "jj.limbo", "wait")],
         Kind.STUCK, ("jj.limbo",)),
    ],
)
def test_invalid_definitions_are_refused(
    extra_states: list[WorkflowState], extra_transitions: list[WorkflowTransition], kind: Kind, codes: tuple[str, ...]
) -> None:
    states, transitions = resident_request()
    with pytest.raises(InvalidWorkflow) as caught:
        Workflow.build(RR, [*states, *extra_states], [*transitions, *extra_transitions])
    error = caught.value
    assert isinstance(error, InvalidValue) and isinstance(error, ValueError)
    assert error.workflow == RR and str(error).startswith(f"workflow {RR!r} is not valid:")
    assert [(p.kind, p.codes) for p in error.problems] == [(kind, codes)]
    assert all(repr(code) in str(error) for code in codes)


def test_every_problem_is_reported_at_once() -> None:
    states, transitions = resident_request()
    with pytest.raises(InvalidWorkflow) as caught:
        Workflow.build(RR, states, [*transitions, WorkflowTransition(RR, "closed", "accepted"),
                                    WorkflowTransition(RR, "collected", "archived")])
    assert caught.value.kinds == {Kind.FROM_TERMINAL, Kind.UNKNOWN_STATE}


def test_missing_initial_and_terminal_states() -> None:
    states, transitions = resident_request()
    relabelled = WorkflowState(RR, "collected", "已登记", replaces="collected")  # forgot initial=True
    with pytest.raises(InvalidWorkflow, match="does not inherit initial=True") as caught:
        Workflow.build(RR, [*states, relabelled], transitions)
    assert caught.value.kinds == {Kind.NO_INITIAL}
    loop = [WorkflowState("loop", "a", "甲", initial=True), WorkflowState("loop", "b", "乙")]
    with pytest.raises(InvalidWorkflow, match="no terminal state at all") as caught:
        Workflow.build("loop", loop, [WorkflowTransition("loop", "a", "b"), WorkflowTransition("loop", "b", "a")])
    assert caught.value.problems[0].codes == ("a", "b")
    with pytest.raises(InvalidWorkflow, match="no initial state"):
        Workflow.build("empty", [], [])


def test_the_constructor_validates_too() -> None:
    states, transitions = resident_request()
    renamed = WorkflowState(RR, "accepted", "已接收", replaces="accepted")
    # Without build there is no merging, so a replacement beside its original is a duplicate.
    with pytest.raises(InvalidWorkflow) as caught:
        Workflow(RR, [*states, renamed], transitions)
    assert caught.value.kinds == {Kind.DUPLICATE_STATE}


# Properties -----------------------------------------------------------------------------------

SLUGS = st.from_regex(r"[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,4})?", fullmatch=True)  # never a '.': see EXTRA codes
WF = "wf"


@st.composite
def definitions(draw: st.DrawFn) -> tuple[list[WorkflowState], list[WorkflowTransition]]:
    """A random valid workflow: states 0..k-1 are non-terminal, k..n-1 terminal, 0 is initial.

    Each state j > 0 gets an edge from an earlier non-terminal state (so all are reachable) and
    each non-terminal state i an edge to a later state (so, by induction from the last non-terminal
    one, every non-terminal state reaches a terminal one). Random extra edges add branches, cycles
    and self-loops; codes are random so that no order follows from the construction.
    """
    n = draw(st.integers(2, 9))
    k = draw(st.integers(1, n - 1))
    codes = draw(st.lists(SLUGS, min_size=n, max_size=n, unique=True))
    edges = {(draw(st.integers(0, min(j, k) - 1)), j) for j in range(1, n)}
    edges |= {(i, draw(st.integers(i + 1, n - 1))) for i in range(k)}
    edges |= set(draw(st.lists(st.tuples(st.integers(0, k - 1), st.integers(0, n - 1)), max_size=2 * n)))
    states = [WorkflowState(WF, c, f"状态{i}", initial=i == 0, terminal=i >= k) for i, c in enumerate(codes)]
    transitions = [WorkflowTransition(WF, codes[a], codes[b]) for a, b in sorted(edges)]
    return draw(st.permutations(states)), draw(st.permutations(transitions))


def build(definition: tuple[list[WorkflowState], list[WorkflowTransition]]) -> Workflow:
    return Workflow.build(WF, *definition)


@PURE
@given(definitions(), st.data())
def test_attempts_either_follow_a_transition_or_say_what_is_allowed(
    definition: tuple[list[WorkflowState], list[WorkflowTransition]], data: st.DataObject
) -> None:
    wf = build(definition)
    current = wf.initial.code
    for _ in range(data.draw(st.integers(1, 30), label="attempts")):
        target = data.draw(st.sampled_from(wf.codes), label="target")
        allowed = tuple(t.target for t in wf.allowed(current))
        assert list(allowed) == sorted(allowed)
        if target in allowed:
            step = wf.transition(current, target)
            assert (step.source, step.target) == (current, target) and step in wf.transitions
            current = target
        else:
            with language("zh"), pytest.raises(IllegalTransition) as caught:
                wf.transition(current, target)
            error = caught.value
            assert (error.workflow, error.current, error.target, error.allowed) == (WF, current, target, allowed)
            assert all(f"（{code}）" in str(error) for code in allowed)
            assert ("终止状态" in str(error)) == wf.is_terminal(current)
            assert (allowed == ()) == wf.is_terminal(current)


@PURE
@given(definitions(), st.data())
def test_replaying_a_random_walk_stays_within_the_states(
    definition: tuple[list[WorkflowState], list[WorkflowTransition]], data: st.DataObject
) -> None:
    wf = build(definition)
    history = [TransitionRecord(workflow=WF, entity_kind="thing", entity_id=1, source=None, target=wf.initial.code,
                                actor="tester", at=AT)]
    current = wf.initial.code
    for minute in range(data.draw(st.integers(0, 40), label="steps")):
        options = wf.allowed(current)
        if not options:
            assert wf.is_terminal(current)
            break
        step = data.draw(st.sampled_from(options), label="step")
        history.append(TransitionRecord(workflow=WF, entity_kind="thing", entity_id=1, source=current,
                                        target=step.target, actor="tester", at=AT + dt.timedelta(minutes=minute)))
        current = step.target
    replayed = history[0].target
    assert replayed == wf.initial.code
    for row in history[1:]:
        assert row.source == replayed
        replayed = wf.transition(replayed, row.target).target
        assert replayed in wf
    assert replayed == current


@PURE
@given(definitions(), st.permutations(range(3)))
def test_order_of_providers_does_not_matter(
    definition: tuple[list[WorkflowState], list[WorkflowTransition]], rotation: list[int]
) -> None:
    wf = build(definition)
    states, transitions = definition
    shuffled = Workflow.build(WF, states[rotation[0]:] + states[:rotation[0]],
                              transitions[rotation[1]:] + transitions[:rotation[1]])
    assert shuffled == wf and shuffled.states == wf.states and shuffled.transitions == wf.transitions
    assert wf.states[0] == wf.initial
    assert {s.code for s in wf.states} == {s.code for s in states} and len(wf.states) == len(states)
    # Breadth-first order: every later state is entered from some state listed before it.
    for i, state in enumerate(wf.states[1:], start=1):
        assert any(t.target == state.code and t.source in wf.codes[:i] for t in wf.transitions)


@PURE
@given(definitions(), st.data())
def test_a_second_provider_adds_without_losing_anything(
    definition: tuple[list[WorkflowState], list[WorkflowTransition]], data: st.DataObject
) -> None:
    wf = build(definition)
    states, transitions = definition
    open_states = [s.code for s in wf.states if not s.terminal]
    source = data.draw(st.sampled_from(open_states), label="source")
    finish = data.draw(st.sampled_from([s.code for s in wf.states if s.terminal]), label="finish")
    added = WorkflowState(WF, "pack.extra", "新增状态", terminal=data.draw(st.booleans(), label="terminal"))
    extra = [WorkflowTransition(WF, source, added.code, "pack.go")]
    if not added.terminal:
        extra.append(WorkflowTransition(WF, added.code, finish))
    relabel = data.draw(st.sampled_from(states), label="relabel")
    renamed = attrs.evolve(relabel, label="改名", replaces=relabel.code)
    bigger = Workflow.build(WF, [*states, added, renamed], [*transitions, *extra])
    for old in wf.transitions:
        assert bigger.transition(old.source, old.target) == old
    assert set(wf.transitions) | set(extra) == set(bigger.transitions)
    assert bigger.initial.code == wf.initial.code and added.code in bigger
    assert bigger.state(relabel.code).label == "改名"
    for code in wf.codes:
        before = {t.target for t in wf.allowed(code)}
        assert before == {t.target for t in bigger.allowed(code)} - {added.code}


MUTATIONS = ["unreachable", "stuck", "two-initial", "from-terminal", "duplicate-state"]


@PURE
@given(definitions(), st.sampled_from(MUTATIONS), st.data())
def test_invalid_definitions_are_always_refused(
    definition: tuple[list[WorkflowState], list[WorkflowTransition]], mutation: str, data: st.DataObject
) -> None:
    wf = build(definition)
    states, transitions = list(definition[0]), list(definition[1])
    terminal = data.draw(st.sampled_from([s.code for s in wf.states if s.terminal]), label="terminal")
    opened = data.draw(st.sampled_from([s.code for s in wf.states if not s.terminal]), label="open")
    expected: tuple[Kind, tuple[str, ...]]
    if mutation == "unreachable":
        states.append(WorkflowState(WF, "x.orphan", "孤立"))
        transitions.append(WorkflowTransition(WF, "x.orphan", terminal))
        expected = (Kind.UNREACHABLE, ("x.orphan",))
    elif mutation == "stuck":
        states.append(WorkflowState(WF, "x.limbo", "搁置"))
        transitions.append(WorkflowTransition(WF, opened, "x.limbo", "x.shelve"))
        if data.draw(st.booleans(), label="self-loop"):
            transitions.append(WorkflowTransition(WF, "x.limbo", "x.limbo"))
        expected = (Kind.STUCK, ("x.limbo",))
    elif mutation == "two-initial":
        states.append(WorkflowState(WF, "x.start", "另起", initial=True))
        transitions.append(WorkflowTransition(WF, "x.start", terminal))
        expected = (Kind.SEVERAL_INITIAL, tuple(sorted([wf.initial.code, "x.start"])))
    elif mutation == "from-terminal":
        transitions.append(WorkflowTransition(WF, terminal, opened, "x.reopen"))
        expected = (Kind.FROM_TERMINAL, (terminal,))
    else:
        states.append(attrs.evolve(wf.state(opened), label="重复"))
        expected = (Kind.DUPLICATE_STATE, (opened,))
    with pytest.raises(InvalidWorkflow) as caught:
        Workflow.build(WF, states, transitions)
    assert [(p.kind, p.codes) for p in caught.value.problems] == [expected]
    assert caught.value.workflow == WF


def _naive_reach(start: str, edges: set[tuple[str, str]]) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        here = queue.popleft()
        for a, b in edges:
            if a == here and b not in seen:
                seen.add(b)
                queue.append(b)
    return seen


@PURE
@given(st.integers(2, 7), st.data())
def test_validation_agrees_with_brute_force(n: int, data: st.DataObject) -> None:
    """Any random graph: accepted exactly when a naive check finds nothing wrong with it."""
    codes = [f"s{i}" for i in range(n)]
    terminal = data.draw(st.sets(st.sampled_from(codes[1:])), label="terminal")
    pairs = data.draw(st.sets(st.tuples(st.sampled_from(codes), st.sampled_from(codes))), label="edges")
    states = [WorkflowState(WF, c, c, initial=c == "s0", terminal=c in terminal) for c in codes]
    transitions = [WorkflowTransition(WF, a, b) for a, b in sorted(pairs)]
    from_terminal = {a for a, _ in pairs if a in terminal}
    reach = _naive_reach("s0", pairs)
    unreachable = tuple(sorted(set(codes) - reach))
    stuck = tuple(sorted(c for c in codes if c not in terminal and not _naive_reach(c, pairs) & terminal))
    if from_terminal:
        with pytest.raises(InvalidWorkflow) as caught:
            Workflow.build(WF, states, transitions)
        assert caught.value.kinds == {Kind.FROM_TERMINAL}
    elif unreachable or stuck:
        with pytest.raises(InvalidWorkflow) as caught:
            Workflow.build(WF, states, transitions)
        found = {p.kind: p.codes for p in caught.value.problems}
        assert found.get(Kind.UNREACHABLE, ()) == unreachable
        assert found.get(Kind.STUCK, ()) == stuck
    else:
        wf = Workflow.build(WF, states, transitions)
        assert {(t.source, t.target) for t in wf.transitions} == pairs
