"""The transactional outbox: events exist exactly when their change does, and are delivered at least once."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import communitycore
from communitycore import Community, hookimpl
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.clock import Clock
from communitycore.plugins.manager import PluginCallWarning
from communitycore.records import Event


class Flaky:
    """Fails its first ``failures`` deliveries, then takes every event."""

    name = "flaky"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[Event] = []

    @hookimpl
    def communitycore_on_event(self, event: Event) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError(f"gateway down ({self.failures} more)")
        self.received.append(event)


def test_without_listeners_events_are_done_in_their_transaction(community: Community) -> None:
    community.org.add("城南街道党工委", "street-committee")
    [ev, first_admin] = community.events.list()  # newest first; then the first administrator's grant
    assert first_admin.action == "grant.add"
    assert ev.status == "delivered" and ev.action == "unit.add" and len(ev.id) == 36
    assert community.events.dispatch(now=True).delivered == 0


def test_a_listener_failing_twice_gets_the_event_once(community: Community) -> None:
    flaky = Flaky(failures=2)
    community.pm.register(flaky, name="flaky")
    with pytest.warns(PluginCallWarning, match="'flaky' failed in communitycore_on_event .event unit.add.*pending"):
        community.org.add("城南街道党工委", "street-committee")  # the attempt at commit fails
    [ev, _first_admin] = community.events.list()
    assert (ev.status, ev.attempts) == ("pending", 1)
    assert community.events.dispatch().delivered == 0  # its backoff has not passed
    with pytest.warns(PluginCallWarning):
        assert community.events.dispatch(now=True).failed == 1
    assert community.events.dispatch(now=True).delivered == 1
    assert [e.id for e in flaky.received] == [ev.id]
    assert community.events.dispatch(now=True).delivered == 0
    [done, _first_admin] = community.events.list()
    assert done.status == "delivered" and done.attempts == 3
    assert [error.split(" (/")[0] for _at, error in done.failures] == [
        "flaky: RuntimeError: gateway down (1 more)", "flaky: RuntimeError: gateway down (0 more)"]
    state = AppState(community=community)
    result = CliRunner().invoke(make_cli(state), ["--json", "events", "list"], obj=state, catch_exceptions=False)
    listed = json.loads(result.output)
    assert listed[0]["id"] == ev.id and len(listed[0]["failures"]) == 2


def test_an_events_times_are_those_of_its_change(community: Community, clock: Clock) -> None:
    # The times are stored in UTC, as the audit trail's: on SQLite and MySQL a local time would
    # come back as many hours off as the community is from UTC (8 in Asia/Shanghai).
    def second(at: dt.datetime | None) -> dt.datetime | None:
        return None if at is None else at.replace(microsecond=0)  # MariaDB keeps whole seconds

    now = second(clock.now())
    community.org.add("城南街道党工委", "street-committee")
    [done, _first_admin] = community.events.list()
    [entry] = community.audit.list(limit=1)
    assert second(done.at) == second(entry.at) == second(done.delivered_at) == now
    community.pm.register(Flaky(failures=1), name="flaky")
    with pytest.warns(PluginCallWarning):
        community.org.add("和平社区党委", "community-committee", 1)
    [failed, *_] = community.events.list()
    assert second(failed.at) == second(failed.failures[0][0]) == now
    assert second(failed.next_attempt_at) == now + dt.timedelta(seconds=10)
    assert community.events.dispatch().delivered == 0  # 10 s of backoff from now, not 8 h before


def test_retry_sends_a_delivered_event_again(community: Community) -> None:
    flaky = Flaky(failures=0)
    community.pm.register(flaky, name="flaky")
    community.org.add("城南街道党工委", "street-committee")
    [ev, _first_admin] = community.events.list()
    community.events.retry(ev.id)
    assert community.events.dispatch().delivered == 1
    assert [e.id for e in flaky.received] == [ev.id, ev.id]  # at least once: the same id twice
    with pytest.raises(communitycore.NotFound):
        community.events.retry("no-such-event")


def test_a_rolled_back_host_transaction_leaves_no_event(db_url: str, clock: Clock) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        tx = conn.begin()
        community = communitycore.open(conn, actor="host", clock=clock, autoload=False)
        community.org.add("城南街道党工委", "street-committee")
        tx.rollback()
    check = communitycore.open(engine, actor="checker", clock=clock, autoload=False)
    # The host's first-administrator grant went with its transaction: the checker is the first now.
    assert [(e.action, e.actor) for e in check.events.list()] == [("grant.add", "checker")]
    assert check.org.count() == 0
    engine.dispose()


def test_a_process_killed_after_its_commit_loses_no_event(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "c.db"
    communitycore.open(f"sqlite:///{path}", autoload=False, create=True).close()
    script = textwrap.dedent(f"""
        import os, signal
        import communitycore
        from communitycore import hookimpl

        class Killer:
            @hookimpl
            def communitycore_on_event(self, event):
                os.kill(os.getpid(), signal.SIGKILL)  # dies after the commit, before any delivery

        c = communitycore.open("sqlite:///{path}", autoload=False, plugins=[Killer()], create=True)
        c.org.add("城南街道党工委", "street-committee")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == -9, done.stderr
    flaky = Flaky(failures=0)
    community = communitycore.open(f"sqlite:///{path}", clock=clock, autoload=False, plugins=[flaky], create=True)
    try:
        assert community.org.count() == 1
        [pending] = community.events.list(status="pending")
        assert community.events.dispatch().delivered == 1
        assert [e.id for e in flaky.received] == [pending.id]
    finally:
        community.close()
