"""Workflows from plugins and packs, and transitions of stored entities, on every engine.

A test table (``cc_test_tickets``, in its own metadata so the library's schema never sees it)
holds entities of a test workflow; the capability-side function ``communitycore.sdk.workflows.
transition`` moves them: locked, checked, stored with actor, time and note, audited.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import communitycore
from communitycore import Community, hookimpl
from communitycore.clock import Clock
from communitycore.domain.workflows import IllegalTransition, TransitionRecord
from communitycore.errors import Conflict, NotFound
from communitycore.i18n import language
from communitycore.plugins.manager import PluginLoadWarning, make_plugin_manager
from communitycore.plugins.registry import Registry
from communitycore.records import WorkflowState, WorkflowTransition
from communitycore.sdk.workflows import enter, transition

TICKET = "ticket"

metadata = sa.MetaData()
tickets = sa.Table(
    "cc_test_tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(100), nullable=False),
    sa.Column("state", sa.String(64)),
)


class Tickets:
    """A plugin that declares the ticket workflow: open → accepted → done, and cancelled from either."""

    name = "tickets"

    @hookimpl
    def communitycore_register_workflow_states(self) -> list[WorkflowState]:
        return [
            WorkflowState(TICKET, "open", "待受理", "Open", initial=True),
            WorkflowState(TICKET, "accepted", "已受理", "Accepted"),
            WorkflowState(TICKET, "done", "已办结", "Done", terminal=True),
            WorkflowState(TICKET, "cancelled", "已取消", "Cancelled", terminal=True),
        ]

    @hookimpl
    def communitycore_register_workflow_transitions(self) -> list[WorkflowTransition]:
        return [
            WorkflowTransition(TICKET, "open", "accepted", "accept"),
            WorkflowTransition(TICKET, "accepted", "done", "finish"),
            WorkflowTransition(TICKET, "open", "cancelled", "cancel"),
            WorkflowTransition(TICKET, "accepted", "cancelled", "cancel"),
        ]


PACK = """
[pack]
name = "revisit"

[[workflow_states]]
workflow = "ticket"
code = "revisit"
label = "回访中"
label_en = "Revisiting"

[[workflow_transitions]]
workflow = "ticket"
source = "accepted"
target = "revisit"
action = "revisit"

[[workflow_transitions]]
workflow = "ticket"
source = "revisit"
target = "done"
action = "finish"
"""


def _open(db_url: str, clock: Clock, **kwargs: Any) -> Community:
    return communitycore.open(db_url, actor="tester", clock=clock, autoload=False, plugins=[Tickets()], **kwargs)


@pytest.fixture
def flows(db_url: str, clock: Clock) -> Iterator[Community]:
    c = _open(db_url, clock)
    metadata.create_all(c.engine)
    with c.engine.begin() as conn:
        conn.execute(tickets.delete())
    yield c
    metadata.drop_all(c.engine)  # the server databases outlive the test; the schema tests look at them
    c.close()


def _new_ticket(c: Community, title: str = "楼道灯不亮") -> int:
    with c.transaction() as tx:
        ticket_id = int(tx.conn.execute(sa.insert(tickets).values(title=title)).inserted_primary_key[0])  # type: ignore[index]
        enter(tx, TICKET, tickets, ticket_id, entity_kind="ticket", note="收到")
    return ticket_id


def _state(c: Community, ticket_id: int) -> str | None:
    with c.reading() as conn:
        return conn.scalar(sa.select(tickets.c.state).where(tickets.c.id == ticket_id))


# The hooks and the registry ------------------------------------------------------------------------


def test_hook_communitycore_register_workflow_states() -> None:
    registry = Registry(make_plugin_manager(Tickets(), autoload=False))
    flow = registry.workflow(TICKET)
    assert flow.initial.code == "open"
    assert flow.codes == ("open", "accepted", "cancelled", "done")
    assert registry.workflows[TICKET] == flow
    # The builtins' own workflows sit beside it.
    assert set(registry.workflows) == {TICKET, "assessment-appeal", "resident-request", "roster-membership",
                                      "service-project"}


def test_hook_communitycore_register_workflow_transitions() -> None:
    flow = Registry(make_plugin_manager(Tickets(), autoload=False)).workflow(TICKET)
    assert [t.target for t in flow.allowed("accepted")] == ["cancelled", "done"]
    assert flow.transition("open", "accepted").action == "accept"


def test_a_pack_adds_a_state_and_transitions(tmp_path: Path, clock: Clock) -> None:
    pack = tmp_path / "revisit.toml"
    pack.write_text(PACK, encoding="utf-8")
    with communitycore.open(tmp_path / "c.db", autoload=False, plugins=[Tickets()], packs=[pack], clock=clock,
                            create=True) as c:
        flow = c.workflows.definition(TICKET)
        assert "revisit" in flow and flow.state("revisit").label == "回访中"
        assert [t.target for t in flow.allowed("accepted")] == ["cancelled", "done", "revisit"]
        assert flow.transition("revisit", "done").action == "finish"
        assert c.workflows.codes() == sorted([TICKET, "assessment-appeal", "resident-request", "roster-membership",
                                             "service-project"])
        # An entity goes through the pack's state like through any other.
        metadata.create_all(c.engine)
        ticket = _new_ticket(c)
        for target in ("accepted", "revisit", "done"):
            with c.transaction() as tx:
                transition(tx, TICKET, tickets, ticket, target, entity_kind="ticket")
        assert [h.target for h in c.workflows.history("ticket", ticket)] == ["open", "accepted", "revisit", "done"]
        assert _state(c, ticket) == "done"


def test_a_pack_renames_a_state(tmp_path: Path) -> None:
    pack = tmp_path / "rename.toml"
    pack.write_text('[[workflow_states]]\nworkflow = "ticket"\ncode = "accepted"\nreplaces = "accepted"\n'
                    'label = "办理中"\n', encoding="utf-8")
    with communitycore.open(tmp_path / "c.db", autoload=False, plugins=[Tickets()], packs=[pack], create=True) as c:
        assert c.workflows.definition(TICKET).state("accepted").label == "办理中"


def test_a_duplicate_state_names_both_providers(tmp_path: Path) -> None:
    pack = tmp_path / "dup.toml"
    pack.write_text('[[workflow_states]]\nworkflow = "ticket"\ncode = "accepted"\nlabel = "又一个"\n', encoding="utf-8")
    with pytest.warns(PluginLoadWarning, match=r"state code 'accepted' is registered by both tickets and pack:dup"):
        c = communitycore.open(tmp_path / "c.db", autoload=False, plugins=[Tickets()], packs=[pack], create=True)
    with c:
        assert c.workflows.definition(TICKET).state("accepted").label == "已受理"  # the plugin's is kept


def test_a_duplicate_transition_names_both_providers(tmp_path: Path) -> None:
    pack = tmp_path / "dup.toml"
    pack.write_text('[[workflow_transitions]]\nworkflow = "ticket"\nsource = "open"\ntarget = "accepted"\n',
                    encoding="utf-8")
    with pytest.warns(PluginLoadWarning, match=r"transition 'open' -> 'accepted' is registered by both tickets "
                                               r"and pack:dup"):
        communitycore.open(tmp_path / "c.db", autoload=False, plugins=[Tickets()], packs=[pack], create=True).close()


def test_an_invalid_workflow_is_left_out_and_says_why(tmp_path: Path) -> None:
    pack = tmp_path / "limbo.toml"
    pack.write_text('[[workflow_states]]\nworkflow = "ticket"\ncode = "limbo"\nlabel = "悬而未决"\n\n'
                    '[[workflow_transitions]]\nworkflow = "ticket"\nsource = "open"\ntarget = "limbo"\n',
                    encoding="utf-8")
    with pytest.warns(PluginLoadWarning, match=r"'limbo' cannot reach any terminal state.*from pack:limbo, tickets"):
        c = communitycore.open(tmp_path / "c.db", autoload=False, plugins=[Tickets()], packs=[pack], create=True)
    with c, pytest.raises(NotFound, match=r"(?s)workflow 'ticket' is not available: .*limbo"):
        c.workflows.definition(TICKET)


def test_an_unknown_workflow_lists_the_known_ones(tmp_path: Path) -> None:
    with communitycore.open(tmp_path / "c.db", autoload=False, plugins=[Tickets()], create=True) as c, \
            pytest.raises(NotFound, match=r"no workflow 'appeal' is registered; known: assessment-appeal, "
                                          r"resident-request, roster-membership, service-project, ticket"):
        c.workflows.definition("appeal")


def test_a_bad_workflow_record_in_a_pack_is_one_line(tmp_path: Path) -> None:
    from communitycore.errors import PluginError
    from communitycore.plugins.packs import load_pack

    pack = tmp_path / "bad.toml"
    pack.write_text('[[workflow_states]]\nworkflow = "ticket"\ncode = "Bad Code"\nlabel = "x"\n\n'
                    '[[workflow_states]]\nworkflow = "ticket"\ncode = "ok"\nlabel = "x"\nterminal = "yes"\n',
                    encoding="utf-8")
    with pytest.raises(PluginError) as caught:
        load_pack(pack)
    lines = str(caught.value).splitlines()[1:]
    assert len(lines) == 2
    assert "code must be a lower-case slug such as 'in-progress'" in lines[0] and "$.workflow_states[0]" in lines[0]
    assert "expected bool, got 'yes' @ $.workflow_states[1].terminal" in lines[1]


# Transitions of stored entities, on every engine ---------------------------------------------------


def test_a_legal_transition_is_stored_with_actor_time_and_note(flows: Community, clock: Clock) -> None:
    ticket = _new_ticket(flows)
    with flows.transaction() as tx:
        done = transition(tx, TICKET, tickets, ticket, "accepted", entity_kind="ticket", note="已派给王师傅")
    assert _state(flows, ticket) == "accepted"
    assert done == TransitionRecord(workflow=TICKET, entity_kind="ticket", entity_id=str(ticket), source="open",
                                    target="accepted", actor="tester", at=clock.now(), note="已派给王师傅",
                                    id=done.id)
    history = flows.workflows.history("ticket", ticket)
    assert [(h.source, h.target, h.note) for h in history] == [
        (None, "open", "收到"), ("open", "accepted", "已派给王师傅")]
    assert history[1] == done and history[1].at == clock.now() and history[1].at.tzinfo is not None
    entry = flows.audit.list(action="ticket.transition")[0]
    assert (entry.entity_id, entry.before, entry.after, entry.note) == (
        str(ticket), {"state": "open"}, {"state": "accepted", "action": "accept"}, "已派给王师傅")


def test_an_illegal_transition_names_the_allowed_ones_and_changes_nothing(flows: Community) -> None:
    ticket = _new_ticket(flows)
    before = flows.workflows.history("ticket", ticket)
    audits = len(flows.audit.list(limit=None))
    with pytest.raises(IllegalTransition) as caught, flows.transaction() as tx:
        transition(tx, TICKET, tickets, ticket, "done", entity_kind="ticket")
    assert caught.value.allowed == ("accepted", "cancelled")
    assert "it can go to: Accepted (accepted), Cancelled (cancelled)" in str(caught.value)
    with language("zh"), pytest.raises(IllegalTransition) as in_chinese, flows.transaction() as tx:
        transition(tx, TICKET, tickets, ticket, "done", entity_kind="ticket")
    assert "已受理（accepted）、已取消（cancelled）" in str(in_chinese.value)
    assert isinstance(caught.value, Conflict)
    assert _state(flows, ticket) == "open"
    assert flows.workflows.history("ticket", ticket) == before
    assert len(flows.audit.list(limit=None)) == audits


def test_from_a_terminal_state_nothing_is_allowed(flows: Community) -> None:
    ticket = _new_ticket(flows)
    with flows.transaction() as tx:
        transition(tx, TICKET, tickets, ticket, "cancelled", entity_kind="ticket")
    with pytest.raises(IllegalTransition, match="is a terminal state") as caught, flows.transaction() as tx:
        transition(tx, TICKET, tickets, ticket, "accepted", entity_kind="ticket")
    assert caught.value.allowed == ()


def test_a_missing_entity_or_one_outside_the_workflow(flows: Community) -> None:
    with pytest.raises(NotFound, match="no test_tickets row with id 999"), flows.transaction() as tx:
        transition(tx, TICKET, tickets, 999, "accepted", entity_kind="ticket")
    with flows.transaction() as tx:
        bare = int(tx.conn.execute(sa.insert(tickets).values(title="无状态")).inserted_primary_key[0])  # type: ignore[index]
    with pytest.raises(Conflict, match="has not entered the workflow 'ticket'"), flows.transaction() as tx:
        transition(tx, TICKET, tickets, bare, "accepted", entity_kind="ticket")
    ticket = _new_ticket(flows)
    with flows.transaction() as tx:
        transition(tx, TICKET, tickets, ticket, "accepted", entity_kind="ticket")
    with pytest.raises(Conflict, match="already in the workflow"), flows.transaction() as tx:
        enter(tx, TICKET, tickets, ticket, entity_kind="ticket")


def test_a_failure_later_in_the_transaction_undoes_the_transition(flows: Community) -> None:
    ticket = _new_ticket(flows)
    with pytest.raises(RuntimeError), flows.transaction() as tx:
        transition(tx, TICKET, tickets, ticket, "accepted", entity_kind="ticket")
        raise RuntimeError("the capability's own write failed")
    assert _state(flows, ticket) == "open"
    assert len(flows.workflows.history("ticket", ticket)) == 1


def test_history_is_exported_and_imported(flows: Community, tmp_path: Path, clock: Clock) -> None:
    ticket = _new_ticket(flows)
    with flows.transaction() as tx:
        transition(tx, TICKET, tickets, ticket, "accepted", entity_kind="ticket", note="派单")
    counts = flows.export_to(tmp_path / "export.json")
    assert counts["workflow_history"] == 2
    with _open(f"sqlite:///{tmp_path / 'copy.db'}", clock, create=True) as copy:
        copy.import_from(tmp_path / "export.json")
        assert copy.workflows.history("ticket", ticket) == flows.workflows.history("ticket", ticket)


def test_two_concurrent_conflicting_transitions_exactly_one_wins(flows: Community, db_url: str, clock: Clock) -> None:
    """The first holds its lock a while; the second, started meanwhile, waits and then finds the new state."""
    ticket = _new_ticket(flows)
    locked = threading.Event()
    outcome: dict[str, Any] = {}

    def first() -> None:
        with _open(db_url, clock) as c, c.transaction() as tx:
            transition(tx, TICKET, tickets, ticket, "accepted", entity_kind="ticket", note="first")
            locked.set()
            time.sleep(0.5)  # the second transition runs into the lock meanwhile
        outcome["first_done"] = time.monotonic()

    def second() -> None:
        locked.wait(10)
        with _open(db_url, clock) as c:
            try:
                with c.transaction() as tx:
                    transition(tx, TICKET, tickets, ticket, "accepted", entity_kind="ticket", note="second")
            except IllegalTransition as exc:
                outcome["second"] = exc
                outcome["second_done"] = time.monotonic()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert isinstance(outcome.get("second"), IllegalTransition), outcome
    assert outcome["second"].current == "accepted"  # it read the state the first one left
    assert outcome["second_done"] >= outcome["first_done"] - 0.05  # it waited for the first to commit
    history = flows.workflows.history("ticket", ticket)
    assert [(h.source, h.target, h.note) for h in history[1:]] == [("open", "accepted", "first")]


def test_racing_transitions_of_one_entity_never_both_win(flows: Community, db_url: str, clock: Clock) -> None:
    """Several threads start together, each trying open → accepted: one move is recorded, the rest refused."""
    ticket = _new_ticket(flows)
    workers = 4
    barrier = threading.Barrier(workers)
    results: list[str] = []
    communities = [_open(db_url, clock) for _ in range(workers)]

    def run(c: Community, index: int) -> None:
        barrier.wait(10)
        try:
            with c.transaction() as tx:
                transition(tx, TICKET, tickets, ticket, "accepted", entity_kind="ticket", note=f"worker {index}")
            results.append("won")
        except IllegalTransition:
            results.append("refused")

    threads = [threading.Thread(target=run, args=(c, i)) for i, c in enumerate(communities)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for c in communities:
        c.close()
    assert sorted(results) == ["refused"] * (workers - 1) + ["won"]
    assert [h.target for h in flows.workflows.history("ticket", ticket)] == ["open", "accepted"]


# Round trip through the history (property) ---------------------------------------------------------


@pytest.fixture(scope="module")
def walker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Community]:
    path = tmp_path_factory.mktemp("walk") / "walk.db"
    c = communitycore.open(f"sqlite:///{path}", actor="walker", autoload=False, plugins=[Tickets()],
                           clock=Clock("Asia/Shanghai", fixed=dt.datetime(2026, 11, 28, 10, 0)), create=True)
    metadata.create_all(c.engine)
    yield c
    c.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choices=st.lists(st.integers(min_value=0, max_value=3), max_size=6))
def test_transitions_round_trip_through_the_history(walker: Community, choices: list[int]) -> None:
    """Any walk of legal and illegal moves: replaying the history gives the stored state."""
    flow = walker.workflows.definition(TICKET)
    ticket = _new_ticket(walker)
    expected = ["open"]
    for choice in choices:
        target = flow.codes[choice]
        try:
            with walker.transaction() as tx:
                transition(tx, TICKET, tickets, ticket, target, entity_kind="ticket")
            expected.append(target)
        except IllegalTransition:
            assert target not in [t.target for t in flow.allowed(expected[-1])]
    history = walker.workflows.history("ticket", ticket)
    assert [h.target for h in history] == expected
    state = history[0].target
    for step in history[1:]:
        assert step.source == state
        state = flow.transition(state, step.target).target
    assert state == _state(walker, ticket)


def test_the_testing_kit_checks_workflow_records() -> None:
    from communitycore.testing import check_plugin, plugin_problems

    check_plugin(Tickets())

    class Broken(Tickets):
        name = "broken-tickets"

        @hookimpl
        def communitycore_register_workflow_states(self) -> list[WorkflowState]:
            return [WorkflowState(TICKET, "open", "待受理", initial=True)]  # no way to a terminal state

    assert any("ticket" in p for p in plugin_problems(Broken()))
