"""The audit trail is a hash chain: a change, a removal or an insertion made behind the library's back is found."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import communitycore
from communitycore import Community
from communitycore.cli import make_cli
from communitycore.clock import Clock
from communitycore.store import audit_chain
from communitycore.store.tables import audit as audit_tables


def _some_changes(community: Community, n: int = 5) -> None:
    street = community.org.add("城南街道党工委", "street-committee")
    for i in range(n):
        community.org.add(f"第{i}社区党委", "community-committee", parent=street)


def test_an_untouched_trail_verifies(community: Community) -> None:
    setup = community.audit.verify().entries  # the first administrator's grant
    _some_changes(community)
    result = community.audit.verify()
    assert result.ok and result.entries == setup + 6
    anchor = community.audit.anchor()
    assert anchor.entry_id == setup + 6 and anchor.hash == community.audit.list(limit=1)[0].hash


@pytest.mark.parametrize("kind", ["changed", "removed", "inserted", "cut-off"])
def test_tampering_is_found_and_named(community: Community, kind: str) -> None:
    _some_changes(community)
    a = audit_tables.audit
    with community.engine.begin() as conn:
        if kind == "changed":
            conn.execute(sa.update(a).where(a.c.id == 3).values(actor="someone else"))
        elif kind == "removed":
            conn.execute(sa.delete(a).where(a.c.id == 3))
        elif kind == "inserted":
            row = dict(conn.execute(sa.select(a).where(a.c.id == 3)).mappings().one())
            conn.execute(sa.delete(a).where(a.c.id == 3))
            row["note"] = "forged"
            row["hash"] = audit_chain.entry_hash(3, "f" * 64, row)
            row["prev_hash"] = "f" * 64
            conn.execute(sa.insert(a).values(**row))
        else:
            conn.execute(sa.delete(a).where(a.c.id == 6))
    result = community.audit.verify()
    assert not result.ok and result.problem is not None
    expected = {"changed": (3, "changed"), "removed": (3, "removed"), "inserted": (3, "inserted"),
                "cut-off": (6, "removed")}[kind]
    assert (result.problem.entry_id, result.problem.kind) == expected


def test_verify_from_the_command_line(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.db"
    community = communitycore.open(f"sqlite:///{path}", actor="tester", clock=clock, autoload=False, create=True)
    _some_changes(community)
    community.close()
    monkeypatch.setenv("COMMUNITYCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("COMMUNITYCORE_ACTOR", "tester")  # the administrator who created it
    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(make_cli(), ["--db", str(path), *args])

    ok = run("audit", "verify")
    assert ok.exit_code == 0, ok.output
    # As an intruder with sqlite3 would: change one row's payload.
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE cc_audit SET note = 'nothing happened' WHERE id = 4")
    broken = run("audit", "verify")
    assert broken.exit_code == 1
    assert "4" in broken.output
    as_json = run("--json", "audit", "verify")
    assert as_json.exit_code == 1 and '"kind": "changed"' in as_json.output and '"entry_id": 4' in as_json.output
    anchor = run("audit", "anchor")
    assert anchor.exit_code == 0 and anchor.output.split()[0] == "7"  # the first grant and six units


def test_concurrent_writers_keep_one_chain(db_url: str, clock: Clock) -> None:
    community = communitycore.open(db_url, actor="tester", clock=clock, autoload=False)
    street = community.org.add("城南街道党工委", "street-committee")
    for n in range(4):
        community.grants.add(f"writer{n}", "secretary", street.id)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        mine = communitycore.open(db_url, actor=f"writer{n}", clock=clock, autoload=False)
        try:
            for i in range(15):
                for _attempt in range(20):  # bounded retries of our own until the library retries itself
                    try:
                        mine.org.add(f"w{n}-{i}", "community-committee", parent=street.id)
                        break
                    except sa.exc.OperationalError:
                        continue
        except BaseException as exc:
            errors.append(exc)
        finally:
            mine.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    result = community.audit.verify()
    assert result.ok, result.problem
    assert result.entries == 1 + 1 + 4 + 4 * 15  # the first administrator, the street, four grants, the units
    community.close()


# NUL is left out: PostgreSQL keeps no NUL in text, whatever writes it.
_NAMES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.tuples(st.one_of(st.integers(1, 10**9).map(str), _NAMES), _NAMES,
                                  st.integers(1, 10**6)), min_size=1, max_size=6),
       note=st.one_of(st.none(), _NAMES))
def test_entries_appended_alike_hash_as_entry_hash_says(community: Community, entries: list[tuple[str, str, int]],
                                                         note: str | None) -> None:
    """The bulk path renders the canonical text itself: every entry it writes verifies, and its hash is
    the one ``entry_hash`` gives its content (names with quotes, backslashes, control characters and
    any script included)."""
    at = community.clock.now()
    with community.engine.begin() as conn:
        first = audit_chain.head(conn).entry_id + 1
        count = audit_chain.append_alike(
            conn, at=at, actor="录入员", action="member.add", entity="member", note=note,
            items=[(key, f'{{"name":{audit_chain.canonical_json(name)},"unit_id":{unit}}}')
                   for key, name, unit in entries])
    assert count == len(entries)
    a = audit_tables.audit
    with community.engine.connect() as conn:
        rows = conn.execute(sa.select(a).where(a.c.id >= first).order_by(a.c.id)).mappings().all()
    assert [(r["entity_id"], r["after"]) for r in rows] == [
        (key, {"name": name, "unit_id": unit}) for key, name, unit in entries]
    for row in rows:
        assert row["hash"] == audit_chain.entry_hash(row["id"], row["prev_hash"], dict(row))
        assert row["before"] is None and row["note"] == note
    assert community.audit.verify().ok


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.tuples(_NAMES, st.integers(1, 10**6)), min_size=1, max_size=6),
       note=st.one_of(st.none(), _NAMES))
def test_entries_appended_from_a_query_verify(tmp_path_factory: pytest.TempPathFactory, clock: Clock,
                                              entries: list[tuple[str, int]], note: str | None) -> None:
    """SQLite's INSERT … SELECT path: the JSON that ``json_object`` writes is the canonical JSON the
    hash covers (quotes, backslashes, control characters and any script included), each entry's id
    follows the one before, and the trail verifies."""
    path = tmp_path_factory.mktemp("selected") / "cc.db"
    community = communitycore.open(f"sqlite:///{path}", actor="tester", clock=clock, autoload=False, create=True)
    try:
        with community.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE picked_rows (n INTEGER PRIMARY KEY, name TEXT, unit_id INTEGER)")
            conn.exec_driver_sql("INSERT INTO picked_rows (name, unit_id) VALUES (?, ?)", entries)
            first = audit_chain.head(conn).entry_id + 1
            count = audit_chain.append_selected(
                conn, at=clock.now(), actor="录入员", action="member.add", entity="member", note=note,
                rows="SELECT CAST(n AS TEXT), json_object('name', name, 'unit_id', unit_id) FROM picked_rows "
                     "WHERE n >= ? ORDER BY n", params=(1,))
        assert count == len(entries)
        a = audit_tables.audit
        with community.engine.connect() as conn:
            rows = conn.execute(sa.select(a).where(a.c.id >= first).order_by(a.c.id)).mappings().all()
        assert [r["id"] for r in rows] == list(range(first, first + len(entries)))
        assert [(r["entity_id"], r["after"]) for r in rows] == [
            (str(n), {"name": name, "unit_id": unit}) for n, (name, unit) in enumerate(entries, start=1)]
        for row in rows:
            assert row["hash"] == audit_chain.entry_hash(row["id"], row["prev_hash"], dict(row))
        verification = community.audit.verify()
        assert verification.ok and verification.head.entry_id == first + len(entries) - 1
    finally:
        community.close()


def test_entries_from_a_query_are_for_sqlite_only(community: Community) -> None:
    """Elsewhere the bulk path is append_alike; asking for this one there is a programming error."""
    with community.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            assert audit_chain.append_selected(conn, at=community.clock.now(), actor="a", action="x", entity="y",
                                               note=None, rows="SELECT '1', '{}' WHERE 0") == 0
        else:
            with pytest.raises(ValueError, match="append_alike"):
                audit_chain.append_selected(conn, at=community.clock.now(), actor="a", action="x", entity="y",
                                            note=None, rows="SELECT '1', '{}'")
