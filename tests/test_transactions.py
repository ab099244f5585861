"""Transactions, on every engine: whole rollback, events after commit, host engines and connections."""

from __future__ import annotations

import datetime as dt
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

import communitycore
from communitycore import Community, Conflict, Event, hookimpl
from communitycore.clock import Clock
from communitycore.domain.identity import check_character
from communitycore.errors import Busy
from communitycore.plugins.manager import PluginCallWarning
from communitycore.sdk.community import Tx
from communitycore.store import locks, tables
from communitycore.store.tables import audit as audit_tables
from communitycore.store.tables import members as member_tables
from communitycore.store.tables import org as org_tables


def make_id(birth: str, seq: int) -> str:
    first17 = f"110101{birth}{seq:03d}"
    return first17 + check_character(first17)


def dump(engine: sa.Engine) -> dict[str, list[str]]:
    """Every row of every communitycore table, in a comparable form."""
    with engine.connect() as conn:
        return {table.name: sorted(repr(tuple(row)) for row in conn.execute(sa.select(table)))
                for table in tables.metadata.sorted_tables}


class Listener:
    """A plugin that records the events it is told about, and what the database showed at that moment."""

    name = "listener"

    def __init__(self, probe: Callable[[], Any] | None = None) -> None:
        self.events: list[Event] = []
        self.seen: list[Any] = []
        self.probe = probe

    @hookimpl
    def communitycore_on_event(self, event: Event) -> None:
        self.events.append(event)
        if self.probe is not None:
            self.seen.append(self.probe())

    @property
    def actions(self) -> list[str]:
        return [e.action for e in self.events]


class Broken:
    name = "broken-listener"

    @hookimpl
    def communitycore_on_event(self, event: Event) -> None:
        raise RuntimeError("mail server down")


def created(bind: Any, clock: Clock, actor: str = "tester", *others: str) -> None:
    """The database as its creator leaves it: ``actor`` its administrator, ``others`` administrators too.

    Opened before a listener is attached, so the listener hears of the test's changes only.
    """
    with communitycore.open(bind, actor=actor, clock=clock, autoload=False) as c:
        for other in others:
            c.grants.add(other, "admin")


@pytest.fixture
def listener() -> Listener:
    return Listener()


@pytest.fixture
def listened(db_url: str, clock: Clock, listener: Listener) -> Iterator[Community]:
    created(db_url, clock, "tester", "other")
    c = communitycore.open(db_url, actor="tester", clock=clock, autoload=False, plugins=[listener])
    yield c
    c.close()


@pytest.fixture
def host_engine(db_url: str) -> Iterator[sa.Engine]:
    """The host platform's own engine: plain SQLAlchemy, none of communitycore's set-up."""
    engine = sa.create_engine(db_url)
    yield engine
    engine.dispose()


def seed(c: Community) -> dict[str, int]:
    street = c.org.add("城南街道党工委", "street-committee")
    committee = c.org.add("幸福社区党委", "community-committee", street.id)
    grid1 = c.org.add("第一网格党支部", "grid-branch", committee.id)
    grid2 = c.org.add("第二网格党支部", "grid-branch", committee.id)
    group = c.org.add("1号楼党小组", "party-group", grid1.id)
    member = c.members.add("张三", grid1.id, id_number=make_id("19800101", 11), education="大专")
    probationary = c.members.add("李四", grid1.id, category="预备", join_date="2025-01-01")
    return {"street": street.id, "committee": committee.id, "grid1": grid1.id, "grid2": grid2.id, "group": group.id,
            "member": member.id, "probationary": probationary.id}


# A failing operation rolls back whole -------------------------------------------------------------


OPERATIONS: dict[str, Callable[[Community, dict[str, int]], Any]] = {
    "add unit": lambda c, s: c.org.add("新支部", "branch", s["committee"]),
    "add member": lambda c, s: c.members.add("王五", s["grid2"], id_number=make_id("19900101", 21)),
    "update member": lambda c, s: c.members.update(s["member"], education="本科"),
    "transfer": lambda c, s: c.members.transfer(s["member"], s["grid2"]),
    "confirm": lambda c, s: c.members.confirm(s["probationary"]),
    "rename": lambda c, s: c.org.rename(s["grid2"], "东区"),
    "move": lambda c, s: c.org.move(s["group"], s["grid2"]),
    "cascade remove": lambda c, s: c.org.remove(s["committee"], cascade=True),
    "setting": lambda c, s: c.org.set_setting(s["grid1"], "volunteer-star-hours", [1, 2]),
    "refresh stats": lambda c, s: c.org.refresh_stats(),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_a_failing_audit_write_rolls_back_everything(
    listened: Community, listener: Listener, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    ids = seed(listened)
    before = dump(listened.engine)
    listener.events.clear()

    def failing_record(self: Tx, *args: Any, **kwargs: Any) -> None:
        raise OSError("audit store unavailable")

    monkeypatch.setattr(Tx, "record", failing_record)
    with pytest.raises(OSError, match="audit store unavailable"):
        OPERATIONS[operation](listened, ids)
    assert dump(listened.engine) == before
    assert listener.events == []
    monkeypatch.undo()
    OPERATIONS[operation](listened, ids)  # the same call goes through once the audit works
    assert dump(listened.engine) != before


def test_a_failure_after_the_audit_entry_rolls_that_back_too(
    listened: Community, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed(listened)
    before = dump(listened.engine)
    original = Tx.record

    def record_then_fail(self: Tx, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        raise RuntimeError("crash after the audit insert")

    monkeypatch.setattr(Tx, "record", record_then_fail)
    with pytest.raises(RuntimeError):
        listened.members.transfer(ids["member"], ids["grid2"])
    assert dump(listened.engine) == before


def test_a_refused_operation_is_not_half_done(listened: Community, listener: Listener) -> None:
    ids = seed(listened)
    before = dump(listened.engine)
    listener.events.clear()
    with pytest.raises(Conflict):
        listened.members.add("重号", ids["grid2"], id_number=make_id("19800101", 11))
    with pytest.raises(Conflict):
        listened.org.move(ids["street"], ids["grid1"])
    assert dump(listened.engine) == before
    assert listener.events == []


# Events after commit ------------------------------------------------------------------------------


def test_events_are_delivered_after_commit(db_url: str, clock: Clock) -> None:
    box: dict[str, Community] = {}
    listener = Listener(probe=lambda: box["c"].org.count())  # reads through a connection of its own
    created(db_url, clock)
    with communitycore.open(db_url, actor="tester", clock=clock, autoload=False, plugins=[listener]) as c:
        box["c"] = c
        street = c.org.add("城南街道党工委", "street-committee")
        c.org.add("幸福社区党委", "community-committee", street.id)
        assert listener.seen == [1, 2]  # each event saw its change already committed
        event = listener.events[0]
        assert (event.action, event.entity, event.entity_id, event.actor) == (
            "unit.add", "unit", str(street.id), "tester")
        assert event.at == clock.now()


def test_event_data(listened: Community, listener: Listener) -> None:
    ids = seed(listened)
    listened.members.transfer(ids["member"], ids["grid2"])
    assert listener.events[-1].data == {"from_unit_id": ids["grid1"], "to_unit_id": ids["grid2"]}
    listened.org.remove(ids["committee"], cascade=True)
    assert listener.events[-1].action == "unit.remove"
    data = listener.events[-1].data
    assert (data["removed_units"], data["removed_members"]) == (4, 2)
    assert not any(v for k, v in data.items() if k not in ("removed_units", "removed_members"))
    assert listener.actions[:5] == ["unit.add"] * 5


def test_a_failing_listener_warns_and_the_change_stays(db_url: str, clock: Clock) -> None:
    listener = Listener()
    created(db_url, clock, "t")
    with communitycore.open(db_url, actor="t", clock=clock, autoload=False, plugins=[Broken(), listener]) as c:
        with pytest.warns(PluginCallWarning, match="broken-listener.*unit.add.*mail server down"):
            c.org.add("城南街道党工委", "street-committee")
        assert c.org.count() == 1
        assert listener.actions == ["unit.add"]  # the others still hear about it


# A host's own engine --------------------------------------------------------------------------------


def test_a_host_engine(host_engine: sa.Engine, clock: Clock) -> None:
    host = sa.MetaData()
    accounts = sa.Table("host_accounts", host, sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("login", sa.String(50)))
    host.create_all(host_engine)
    try:
        with host_engine.begin() as conn:
            conn.execute(accounts.insert().values(login="admin"))
        created(host_engine, clock, "platform:admin")
        c = communitycore.open(host_engine, actor="platform:admin", clock=clock, autoload=False)
        assert c.engine is host_engine
        street = c.org.add("城南街道党工委", "street-committee")
        c.close()  # the host's engine stays the host's
        with host_engine.connect() as conn:
            assert conn.scalar(sa.select(sa.func.count()).select_from(accounts)) == 1
            u = org_tables.units
            assert conn.scalar(sa.select(u.c.name).where(u.c.id == street.id)) == "城南街道党工委"
        assert communitycore.open(host_engine, actor="platform:admin", autoload=False).org.count() == 1
    finally:
        host.drop_all(host_engine)


# A host's own connection, inside the host's transaction -------------------------------------------------


def units_seen_by(engine: sa.Engine) -> int:
    """The unit count through a connection of its own: only what has been committed."""
    with engine.begin() as conn:
        conn.execute(sa.update(org_tables.units).where(org_tables.units.c.id == -1).values(name="x"))  # a write, too
        return int(conn.scalar(sa.select(sa.func.count()).select_from(org_tables.units)) or 0)


def test_host_transaction_commit_delivers_events(host_engine: sa.Engine, clock: Clock) -> None:
    listener = Listener(probe=lambda: units_seen_by(host_engine))
    created(host_engine, clock, "platform:alice", "platform:bob")
    with host_engine.connect() as conn:
        trans = conn.begin()
        c = communitycore.open(conn, actor="platform:alice", clock=clock, autoload=False, plugins=[listener])
        street = c.org.add("城南街道党工委", "street-committee")
        c.as_actor("platform:bob").org.add("幸福社区党委", "community-committee", street.id)
        assert c.org.count() == 2  # visible inside the host's transaction
        assert listener.events == []  # nothing is announced before the host commits
        with host_engine.connect() as other:  # and nothing is visible outside it
            assert other.scalar(sa.select(sa.func.count()).select_from(org_tables.units)) == 0
        trans.commit()
        assert listener.actions == ["unit.add", "unit.add"]
        assert listener.seen == [2, 2]  # delivered after the database commit: visible, and not locked
        assert [e.actor for e in listener.events] == ["platform:alice", "platform:bob"]
        # Later commits of the same connection do not repeat them.
        with conn.begin():
            conn.execute(sa.select(1))
        assert len(listener.events) == 2
    with host_engine.connect() as other:
        assert other.scalar(sa.select(sa.func.count()).select_from(org_tables.units)) == 2


def test_host_rollback_undoes_the_calls_and_drops_their_events(host_engine: sa.Engine, clock: Clock) -> None:
    listener = Listener()
    created(host_engine, clock, "platform")
    with host_engine.connect() as conn:
        trans = conn.begin()
        c = communitycore.open(conn, actor="platform", clock=clock, autoload=False, plugins=[listener])
        street = c.org.add("城南街道党工委", "street-committee")
        c.members.add("张三", street.id, id_number=make_id("19800101", 11))
        trans.rollback()
        assert listener.events == []
        assert c.org.count() == 0  # this call commits a transaction of its own ...
        assert listener.events == []  # ... which must not announce the rolled-back changes
        c.org.add("城北街道党工委", "street-committee")  # outside a host transaction: commits at once
        assert listener.actions == ["unit.add"]
    with host_engine.connect() as other:
        assert other.scalar(sa.select(sa.func.count()).select_from(member_tables.members)) == 0
        assert list(other.scalars(sa.select(org_tables.units.c.name))) == ["城北街道党工委"]
        assert other.scalar(sa.select(sa.func.count()).select_from(audit_tables.audit)) == 2  # and the grant


def test_a_failing_call_rolls_back_only_its_savepoint(host_engine: sa.Engine, clock: Clock,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    listener = Listener()
    created(host_engine, clock, "platform")
    with host_engine.connect() as conn:
        trans = conn.begin()
        c = communitycore.open(conn, actor="platform", clock=clock, autoload=False, plugins=[listener])
        street = c.org.add("城南街道党工委", "street-committee")
        with pytest.raises(Conflict):
            c.org.add("城南街道党工委", "street-committee")
        original = Tx.record

        def record_then_fail(self: Tx, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            raise RuntimeError("boom")

        monkeypatch.setattr(Tx, "record", record_then_fail)
        with pytest.raises(RuntimeError):
            c.members.add("张三", street.id)
        monkeypatch.undo()
        c.members.add("李四", street.id)
        trans.commit()
    assert listener.actions == ["unit.add", "member.add"]
    with host_engine.connect() as other:
        assert list(other.scalars(sa.select(member_tables.members.c.name))) == ["李四"]
        assert list(other.scalars(sa.select(audit_tables.audit.c.action).order_by(audit_tables.audit.c.id))) == [
            "grant.add", "unit.add", "member.add"]
        assert other.scalar(sa.select(org_tables.unit_stats.c.members)) == 1


def test_host_writes_and_communitycore_writes_are_one_transaction(host_engine: sa.Engine, clock: Clock) -> None:
    host = sa.MetaData()
    log = sa.Table("host_log", host, sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.String(50)))
    host.create_all(host_engine)
    try:
        with host_engine.connect() as conn:
            c = communitycore.open(conn, actor="platform", clock=clock, autoload=False)
            conn.execute(log.insert().values(text="create street"))  # autobegins the host's transaction
            c.org.add("城南街道党工委", "street-committee")
            conn.rollback()
            conn.execute(log.insert().values(text="second try"))
            c.org.add("城北街道党工委", "street-committee")
            conn.commit()
        with host_engine.connect() as other:
            assert list(other.scalars(sa.select(log.c.text))) == ["second try"]
            assert list(other.scalars(sa.select(org_tables.units.c.name))) == ["城北街道党工委"]
    finally:
        host.drop_all(host_engine)


def test_a_connection_outside_a_transaction_commits_each_call(host_engine: sa.Engine, clock: Clock) -> None:
    listener = Listener()
    created(host_engine, clock, "platform")
    with host_engine.connect() as conn:
        c = communitycore.open(conn, actor="platform", clock=clock, autoload=False, plugins=[listener])
        c.org.add("城南街道党工委", "street-committee")
        assert listener.actions == ["unit.add"]
        assert not conn.in_transaction()
    with host_engine.connect() as other:
        assert other.scalar(sa.select(sa.func.count()).select_from(org_tables.units)) == 1


def test_the_clock_is_the_transactions(listened: Community) -> None:
    listened.org.add("城南街道党工委", "street-committee")
    entry = listened.audit.list()[0]
    assert entry.at == dt.datetime(2026, 11, 28, 10, 0, tzinfo=listened.clock.tz)


# Reads see one snapshot; a busy database is retried, then reported without personal data ----------------


def test_one_reading_sees_one_snapshot(listened: Community, db_url: str, clock: Clock) -> None:
    listened.org.add("城南街道党工委", "street-committee")
    u = org_tables.units
    with communitycore.open(db_url, actor="other", clock=clock, autoload=False) as other:
        with listened.reading() as conn:
            first = conn.scalar(sa.select(sa.func.count()).select_from(u))
            other.org.add("城北街道党工委", "street-committee")  # commits while the reading is open
            second = conn.scalar(sa.select(sa.func.count()).select_from(u))
        assert (first, second) == (1, 1)
        assert listened.org.count() == 2


ID_NUMBER = make_id("19800101", 11)
PHONE = "13812345678"


def _driver_busy_error(dialect: str) -> Exception:
    """The exception each driver raises for a deadlock or a locked database."""
    if dialect == "postgresql":
        import psycopg

        return psycopg.errors.DeadlockDetected("deadlock detected")
    if dialect == "mysql":
        import pymysql

        return pymysql.err.OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")
    import sqlite3

    exc = sqlite3.OperationalError("database is locked")
    exc.sqlite_errorcode = 5  # type: ignore[attr-defined]
    return exc


def fail_member_inserts(engine: sa.Engine, times: int) -> list[int]:
    """Make the driver fail the next ``times`` member INSERTs as busy; returns a list counting the failures."""
    failed: list[int] = []
    error = _driver_busy_error(engine.dialect.name)

    @sa.event.listens_for(engine, "do_execute")
    def _busy(cursor: Any, statement: str, parameters: Any, context: Any) -> None:
        if statement.startswith(f"INSERT INTO {member_tables.members.name}") and len(failed) < times:
            failed.append(1)
            raise error

    return failed


def test_a_busy_call_runs_again_whole_and_is_announced_once(host_engine: sa.Engine, clock: Clock) -> None:
    listener = Listener()
    created(host_engine, clock)
    c = communitycore.open(host_engine, actor="tester", clock=clock, autoload=False, plugins=[listener])
    street = c.org.add("城南街道党工委", "street-committee")
    failed = fail_member_inserts(host_engine, times=2)
    member = c.members.add("张三", street.id, id_number=ID_NUMBER, phone=PHONE)
    assert len(failed) == 2  # two runs rolled back, the third committed
    assert listener.actions == ["unit.add", "member.add"]
    assert [e.action for e in c.audit.list()].count("member.add") == 1
    assert c.members.count() == 1 and c.org.stats(street.id)[0].members == 1
    assert member.id_number == ID_NUMBER


def test_a_database_busy_through_every_retry_is_a_clear_error_without_personal_data(
    host_engine: sa.Engine, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locks, "RETRY_BASE_DELAY", 0.001)
    listener = Listener()
    created(host_engine, clock)
    c = communitycore.open(host_engine, actor="tester", clock=clock, autoload=False, plugins=[listener])
    street = c.org.add("城南街道党工委", "street-committee")
    failed = fail_member_inserts(host_engine, times=100)
    with pytest.raises(Busy, match="busy") as caught:
        c.members.add("张三", street.id, id_number=ID_NUMBER, phone=PHONE)
    assert len(failed) == locks.RETRY_ATTEMPTS == caught.value.attempts
    shown = "".join(traceback.format_exception(caught.value))
    chained = [caught.value]
    while chained[-1].__context__ is not None or chained[-1].__cause__ is not None:
        chained.append(chained[-1].__cause__ or chained[-1].__context__)  # type: ignore[arg-type]
    for text in (shown, *map(str, chained)):
        assert ID_NUMBER not in text
        assert PHONE not in text
    assert "INSERT" not in shown  # the chain is not shown: only the Busy error
    assert any("parameters hidden" in str(e) for e in chained)
    assert c.members.count() == 0 and listener.actions == ["unit.add"]  # nothing half done, nothing announced


def _hold_and_wait(db_url: str) -> tuple[Callable[[], None], dict[str, Any]]:
    """Another connection holding the lock a write needs, and engine options that give up waiting soon."""
    backend = sa.make_url(db_url).get_backend_name()
    if backend == "sqlite":
        import sqlite3

        raw = sqlite3.connect(sa.make_url(db_url).database, isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")
        return raw.close, {"connect_args": {"timeout": 0.05}}
    holder = sa.create_engine(db_url)
    conn = holder.connect()
    conn.begin()
    conn.execute(sa.select(org_tables.units).with_for_update()).all()

    def release() -> None:
        conn.close()
        holder.dispose()

    if backend == "postgresql":
        return release, {"connect_args": {"options": "-c lock_timeout=50"}}
    return release, {"connect_args": {"init_command": "SET SESSION innodb_lock_wait_timeout = 1"}}


def test_a_real_lock_held_elsewhere_ends_in_busy_then_the_call_goes_through(
    db_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locks, "RETRY_ATTEMPTS", 2)
    with communitycore.open(db_url, actor="tester", clock=clock, autoload=False) as setup:
        street = setup.org.add("城南街道党工委", "street-committee")
    release, options = _hold_and_wait(db_url)
    engine = sa.create_engine(db_url, **options)
    try:
        c = communitycore.open(engine, actor="tester", clock=clock, autoload=False)
        with pytest.raises(Busy) as caught:
            c.members.add("张三", street.id, id_number=ID_NUMBER, phone=PHONE)
        assert caught.value.attempts == 2 and not caught.value.in_host_transaction
        release()
        assert c.members.add("张三", street.id, id_number=ID_NUMBER, phone=PHONE).id_number == ID_NUMBER
    finally:
        release()
        engine.dispose()


def test_busy_inside_the_hosts_transaction_asks_the_host_to_retry(host_engine: sa.Engine, clock: Clock) -> None:
    failed = fail_member_inserts(host_engine, times=100)
    with host_engine.connect() as conn:
        trans = conn.begin()
        c = communitycore.open(conn, actor="platform", clock=clock, autoload=False)
        street = c.org.add("城南街道党工委", "street-committee")
        with pytest.raises(Busy, match="your own transaction") as caught:
            c.members.add("张三", street.id)
        assert caught.value.in_host_transaction and len(failed) == 1  # not run again: the host decides
        trans.rollback()


def test_a_unique_key_taken_meanwhile_is_refused_by_the_usual_check(
    community: Community, monkeypatch: pytest.MonkeyPatch
) -> None:
    from communitycore.sdk.members import MembersAPI

    street = community.org.add("城南街道党工委", "street-committee")
    community.members.add("张三", street.id, id_number=ID_NUMBER)
    original = MembersAPI._check_unique_id_number
    skipped: list[int] = []

    def late_check(conn: sa.Connection, id_number: str | None) -> None:
        if not skipped:  # as if the other member were stored just after this check
            skipped.append(1)
            return
        original(conn, id_number)

    monkeypatch.setattr(MembersAPI, "_check_unique_id_number", staticmethod(late_check))
    with pytest.raises(Conflict, match="same 公民身份号码") as caught:
        community.members.add("李四", street.id, id_number=ID_NUMBER)
    assert ID_NUMBER not in "".join(traceback.format_exception(caught.value))
    assert community.members.count() == 1


def test_deadlocks_and_locked_databases_are_recognised(db_url: str) -> None:
    """A real deadlock (servers) or a real "database is locked" (SQLite) is what the retries catch."""
    backend = sa.make_url(db_url).get_backend_name()
    engine = sa.create_engine(db_url, connect_args={"timeout": 0} if backend == "sqlite" else {})
    u = org_tables.units
    with engine.begin() as conn:
        conn.execute(sa.insert(u), [{"id": 1, "kind": "x", "name": "a"}, {"id": 2, "kind": "x", "name": "b"}])
    first, second = engine.connect(), engine.connect()
    errors: list[sa.exc.DBAPIError] = []
    try:
        if backend == "sqlite":
            first.exec_driver_sql("BEGIN IMMEDIATE")
            with pytest.raises(sa.exc.OperationalError) as caught:
                second.exec_driver_sql("BEGIN IMMEDIATE")
            errors.append(caught.value)
        else:
            first.execute(sa.update(u).where(u.c.id == 1).values(name="a1"))
            second.execute(sa.update(u).where(u.c.id == 2).values(name="b1"))

            def cross(conn: sa.Connection, row: int) -> None:
                try:
                    conn.execute(sa.update(u).where(u.c.id == row).values(name="x"))
                except sa.exc.DBAPIError as exc:
                    errors.append(exc)
                    conn.rollback()  # the victim lets the other one through

            threads = [threading.Thread(target=cross, args=(c, row)) for c, row in ((first, 2), (second, 1))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
        assert len(errors) == 1  # one victim
        assert locks.is_busy(errors[0])
        assert not locks.is_unique_violation(errors[0])
    finally:
        first.close()
        second.close()
        engine.dispose()


def test_engines_made_by_the_library_hide_sql_parameters() -> None:
    from communitycore.store.engine import make_engine

    engine = make_engine("sqlite://")
    try:
        with engine.connect() as conn, pytest.raises(sa.exc.OperationalError) as caught:
            conn.exec_driver_sql("SELECT * FROM no_such_table WHERE id_number = ?", (ID_NUMBER,))
        assert ID_NUMBER not in str(caught.value)
    finally:
        engine.dispose()
