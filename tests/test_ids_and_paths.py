"""Ids never reused, subtree reads through the units' paths, keyset pages of members, on every engine."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from communitycore import Community, Conflict, NotFound
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.domain.org import children_map, subtree
from communitycore.io import member_import
from communitycore.io.exchange import export_community, import_community
from communitycore.store import audit_chain, migrate, tables
from communitycore.store.tables import audit as audit_tables
from communitycore.store.tables import org as org_tables
from communitycore.store.units import ID_WIDTH

# Helpers --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def statements(community: Community) -> Iterator[list[str]]:
    """The SQL statements the community runs inside the block, whitespace folded."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    sa.event.listen(community.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(community.engine, "before_cursor_execute", before)


def stored_paths(community: Community) -> dict[int, str]:
    p = org_tables.unit_paths
    with community.engine.connect() as conn:
        return {row[0]: row[1] for row in conn.execute(sa.select(p.c.unit_id, p.c.path))}


def expected_paths(community: Community) -> dict[int, str]:
    """Every unit's path computed from the parent links alone."""
    u = org_tables.units
    with community.engine.connect() as conn:
        parent_of = {row[0]: row[1] for row in conn.execute(sa.select(u.c.id, u.c.parent_id))}
    out = {}
    for unit_id in parent_of:
        chain, current = [], unit_id
        while current is not None:
            chain.append(current)
            current = parent_of[current]
        out[unit_id] = "".join(f"{i:0{ID_WIDTH}d}" for i in reversed(chain))
    return out


def town(community: Community, streets: int = 2, communities: int = 3, branches: int = 3) -> dict[str, list[int]]:
    made: dict[str, list[int]] = {"streets": [], "communities": [], "branches": []}
    for s in range(streets):
        street = community.org.add(f"街道{s}", "street-committee")
        made["streets"].append(street.id)
        for c in range(communities):
            committee = community.org.add(f"社区{s}-{c}", "community-committee", street.id)
            made["communities"].append(committee.id)
            for b in range(branches):
                made["branches"].append(community.org.add(f"支部{s}-{c}-{b}", "branch", committee.id).id)
    return made


# Ids ------------------------------------------------------------------------------------------------


def test_a_removed_unit_s_id_is_never_given_again(community: Community) -> None:
    street = community.org.add("街道", "street-committee")
    last = community.org.add("最后的社区", "community-committee", street.id)
    community.org.remove(last.id)
    fresh = community.org.add("新社区", "community-committee", street.id)
    assert fresh.id > last.id
    assert [e.action for e in community.audit.list(entity="unit", entity_id=last.id)] == ["unit.remove", "unit.add"]


def test_a_purged_member_s_id_is_never_given_again(community: Community) -> None:
    street = community.org.add("街道", "street-committee")
    member = community.members.add("误录", street.id)
    community.members.remove(member.id, reason="mistaken-entry", purge=True)
    with pytest.raises(NotFound):
        community.members.get(member.id)
    again = community.members.add("张三", street.id)
    assert again.id > member.id
    assert {e.action for e in community.audit.list(entity="member", entity_id=again.id)} == {"member.add"}


#: Tables whose integer ids the library assigns itself rather than the database: the audit trail's
#: entries are numbered by the hash chain under its head's lock, and the trail is never deleted from.
ASSIGNED_BY_THE_LIBRARY = {"cc_audit", "cc_audit_head"}


def _entity_tables() -> list[sa.Table]:
    """The tables of the metadata with a single integer primary key named ``id``."""
    out = []
    for table in tables.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) == 1 and key[0].name == "id" and isinstance(key[0].type, sa.Integer):
            out.append(table)
    return out


def test_library_assigned_ids_are_only_the_audit_trail_s() -> None:
    # Any other table that opts out of the database's numbering must say why here.
    assigned = {t.name for t in _entity_tables() if t.c.id.autoincrement is False}
    assert assigned == ASSIGNED_BY_THE_LIBRARY


@pytest.mark.parametrize("how", ["migrated", "created from the metadata"])
def test_every_entity_table_is_autoincrement_on_sqlite(tmp_path: Path, how: str) -> None:
    # Without AUTOINCREMENT, SQLite gives the newest removed row's id again, and the audit trail's
    # entity_id would then name two entities (decision 0013).
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        if how == "migrated":
            migrate.upgrade(engine)
        else:
            tables.metadata.create_all(engine)
        wanted = sorted(t.name for t in _entity_tables() if t.name not in ASSIGNED_BY_THE_LIBRARY)
        assert {"cc_meetings", "cc_meeting_resolutions", "cc_service_requests", "cc_service_projects",
                "cc_assessment_runs", "cc_assessment_appeals", "cc_grants", "cc_units"} <= set(wanted)
        with engine.connect() as conn:
            created = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all())
        plain = [name for name in wanted if "AUTOINCREMENT" not in created[name].upper()]
        assert plain == [], f"ids of {plain} would be given again after the newest row is removed"
    finally:
        engine.dispose()


def test_a_removed_meeting_s_and_request_s_ids_are_never_given_again(community: Community) -> None:
    street = community.org.add("街道", "street-committee")
    committee = community.org.add("社区", "community-committee", street.id)
    meeting = community.meetings.record(committee.id, "theme-day", on="2025-01-05", topic="学习")
    request = community.services.add_request(committee.id, category="care", text="路灯坏了", channel="hotline")
    community.org.remove(committee.id, cascade=True)  # the newest meeting and request go with their unit
    other = community.org.add("新社区", "community-committee", street.id)
    again = community.meetings.record(other.id, "theme-day", on="2025-01-06", topic="学习")
    asked = community.services.add_request(other.id, category="care", text="楼道灯坏了", channel="hotline")
    assert again.id > meeting.id
    assert asked.id > request.id
    assert [e.action for e in community.audit.list(entity="meeting", entity_id=again.id)] == ["meeting.add"]
    assert {e.action for e in community.audit.list(entity="service-request", entity_id=asked.id)} == {
        "service-request.add", "service-request.enter"}


def test_0005_upgrades_a_0004_database_with_its_data(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            command.downgrade(migrate._alembic_config(conn), "0004_member_lifecycle")
            assert "cc_unit_paths" not in sa.inspect(conn).get_table_names()
            conn.execute(sa.text("INSERT INTO cc_units (id, kind, name, parent_id) VALUES "
                                 "(1, 'street-committee', '街道', NULL), (2, 'community-committee', '社区', 1), "
                                 "(3, 'branch', '支部', 2)"))
            conn.execute(sa.text("INSERT INTO cc_members (id, name, category, standing, unit_id, in_service, status) "
                                 "VALUES (7, '张三', 'full', 'normal', 3, :f, 'active')"), {"f": False})
        with engine.begin() as conn:
            command.upgrade(migrate._alembic_config(conn), "head")
        with engine.begin() as conn:
            command.upgrade(migrate._alembic_config(conn), "head")  # nothing left to do is fine
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT name, unit_id FROM cc_members")).all() == [("张三", 3)]
            paths = dict(conn.execute(sa.text("SELECT unit_id, path FROM cc_unit_paths")).all())
            assert paths == {1: "0000000001", 2: "00000000010000000002", 3: "000000000100000000020000000003"}
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("cc_audit")}
            assert "ix_cc_audit_entity_entity_id_id" in indexes
            if engine.dialect.name == "sqlite":
                for table in ("cc_units", "cc_members", "cc_residents", "cc_activity"):
                    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).scalar()
                    assert "AUTOINCREMENT" in sql.upper(), table
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                # The member's unit is still its foreign key: removing the unit is refused.
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                with pytest.raises(sa.exc.IntegrityError):
                    conn.exec_driver_sql("DELETE FROM cc_units WHERE id = 3")
                conn.rollback()
                # ids are not reused: after the highest member goes, the next one gets a new id.
                conn.exec_driver_sql("DELETE FROM cc_members WHERE id = 7")
                conn.exec_driver_sql("INSERT INTO cc_members (name, category, standing, unit_id, in_service, status) "
                                     "VALUES ('李四', 'full', 'normal', 3, 0, 'active')")
                assert conn.exec_driver_sql("SELECT max(id) FROM cc_members").scalar() == 8
                conn.rollback()
    finally:
        with engine.begin() as conn:
            command.upgrade(migrate._alembic_config(conn), "head")
        engine.dispose()


# Paths ----------------------------------------------------------------------------------------------


def test_paths_stay_right_through_adds_moves_and_removals(community: Community) -> None:
    made = town(community)
    rng = random.Random(7)
    for _ in range(12):
        branch = rng.choice(made["branches"])
        community.org.move(branch, rng.choice(made["communities"]))
        committee = rng.choice(made["communities"])
        community.org.move(committee, rng.choice(made["streets"]))
        assert stored_paths(community) == expected_paths(community)
    community.org.remove(made["communities"][0], cascade=True)
    extra = community.org.add("新支部", "branch", made["communities"][1])
    assert stored_paths(community) == expected_paths(community)
    u = org_tables.units
    with community.engine.connect() as conn:
        parent_of = {row[0]: row[1] for row in conn.execute(sa.select(u.c.id, u.c.parent_id))}
    for root in made["streets"]:
        assert sorted(x.id for x in community.org.subtree(root)) == sorted(subtree(children_map(parent_of), root))
    assert extra.id in {x.id for x in community.org.subtree(made["communities"][1])}


def test_a_move_rewrites_the_subtree_s_paths_in_one_statement(community: Community) -> None:
    made = town(community)
    with statements(community) as seen:
        community.org.move(made["communities"][0], made["streets"][1])
    updates = [s for s in seen if s.startswith("UPDATE cc_unit_paths")]
    assert len(updates) == 1
    assert stored_paths(community) == expected_paths(community)


def test_a_cycle_is_still_refused_and_the_paths_are_untouched(community: Community) -> None:
    made = town(community, streets=1)
    before = stored_paths(community)
    with pytest.raises(Conflict, match=r"descendants|itself"):
        community.org.move(made["streets"][0], made["branches"][0])
    assert stored_paths(community) == before


def test_single_unit_reads_touch_only_the_subtree(community: Community) -> None:
    made = town(community, streets=3)
    branch = made["branches"][0]
    community.members.add("张三", branch)
    all_stats = community.org.stats_all()
    reads = {}
    for name, call in {"stats": lambda: community.org.stats(branch),
                       "tree": lambda: community.org.tree(made["communities"][0]),
                       "check": lambda: community.org.check(made["communities"][0]),
                       "subtree": lambda: community.org.subtree(made["streets"][0]),
                       "members": lambda: community.members.list(made["streets"][0])}.items():
        with statements(community) as seen:
            call()
        reads[name] = seen
        for statement in seen:
            for table in ("cc_units", "cc_unit_stats", "cc_unit_paths"):
                if f"FROM {table}" in statement:
                    assert "WHERE" in statement, (name, statement)  # never the whole table
    assert community.org.stats(branch) == [all_stats[branch]]
    for unit_id in made["communities"] + made["streets"]:
        assert community.org.stats(unit_id) == [all_stats[unit_id]]
    lines = community.org.tree(made["communities"][0])
    assert [line.depth for line in lines] == [0, 1, 1, 1]
    assert lines[0].path == "街道0/社区0-0" and lines[1].path == "街道0/社区0-0/支部0-0-0"
    assert {s.id for s in community.org.snapshots(made["communities"][0])} == {line.unit.id for line in lines}


def test_an_all_digit_name_given_as_a_path_is_not_an_id(community: Community) -> None:
    street = community.org.add("街道", "street-committee")
    year = community.org.add("2024", "community-committee", street.id)
    top = community.org.add(str(year.id), "street-committee")  # a top-level unit named like another's id
    assert community.org.get("街道/2024") == year
    assert community.org.get(f"{year.id}/") == top
    assert community.org.get(f"/{year.id}") == top
    assert community.org.get(str(year.id)) == year  # plain digits: the id
    assert community.org.get(f"{top.id}") == top
    with pytest.raises(NotFound):
        community.org.get("2024/")  # there is no top-level unit called 2024


def test_imports_keep_the_paths(community: Community, sqlite_community: Community, tmp_path: Path) -> None:
    made = town(community, streets=2)
    community.org.move(made["communities"][4], made["streets"][0])
    sheet = tmp_path / "units.csv"
    sheet.write_text("路径,类型\n街道0/社区1-1/新支部,branch\n新街道,street-committee\n新街道/新社区,community-committee\n",
                     encoding="utf-8")
    assert community.org.import_file(sheet)["added"] == 3
    assert stored_paths(community) == expected_paths(community)
    export_community(community, tmp_path / "out.json")
    assert "path" not in json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["units"][0]  # derived
    import_community(sqlite_community, tmp_path / "out.json")
    assert stored_paths(sqlite_community) == expected_paths(sqlite_community) == stored_paths(community)
    assert sqlite_community.org.stats(made["streets"][0]) == community.org.stats(made["streets"][0])


# Pages of members -------------------------------------------------------------------------------------


def test_member_pages_follow_the_cursor_to_the_end(community: Community) -> None:
    made = town(community, streets=2, communities=1, branches=2)
    ids = [community.members.add(f"党员{i}", made["branches"][i % 4]).id for i in range(11)]
    first = community.members.list(limit=4)
    assert [m.id for m in first] == ids[:4] and first.next_after == ids[3]
    seen, after = [], None
    while True:
        page = community.members.list(limit=4, after=after)
        seen += [m.id for m in page]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == ids
    in_street = community.members.list(made["streets"][0], limit=3)
    assert [m.id for m in in_street] == [i for n, i in enumerate(ids) if n % 4 in (0, 1)][:3]
    assert community.members.list(made["streets"][0], limit=None, after=in_street.next_after)[-1].id == ids[9]
    assert community.members.list(limit=len(ids)).next_after is None
    assert len(community.members.list()) == len(ids)  # the default page holds them all


def test_member_list_on_the_command_line_pages_with_after(community: Community) -> None:
    street = community.org.add("街道", "street-committee")
    ids = [community.members.add(f"党员{i}", street.id).id for i in range(5)]
    state = AppState(community=community, pm=community.pm)
    result = CliRunner().invoke(make_cli(state), ["--lang", "en", "member", "list", "--limit", "2"], obj=state,
                                catch_exceptions=False)
    assert result.exit_code == 0 and f"--after {ids[1]}" in result.stderr
    state = AppState(community=community, pm=community.pm)
    result = CliRunner().invoke(make_cli(state), ["--json", "member", "list", "--limit", "2", "--after", str(ids[3])],
                                obj=state, catch_exceptions=False)
    assert [m["id"] for m in json.loads(result.stdout)] == [ids[4]]
    assert "--after" not in result.stderr  # the last page says nothing more


def test_reveal_many_is_one_query_and_one_audit_entry_with_the_count(community: Community) -> None:
    unit = community.org.add("街道", "street-committee")
    first = community.members.add("甲", unit.id, id_number="360426199101010071")
    second = community.members.add("乙", unit.id, id_number="120103198806018241")
    with statements(community) as seen:
        shown = community.members.reveal_many([second.id, first.id], reason="核对")
    assert [m.id for m in shown] == [second.id, first.id]
    assert shown[1].id_number == "360426199101010071"
    assert len([s for s in seen if s.startswith("SELECT") and "FROM cc_members" in s]) == 1
    [entry] = community.audit.list(action="member.reveal")
    assert (entry.entity, entry.entity_id, entry.note) == ("member", None, "核对")
    assert entry.after == {"count": 2, "ids": tuple(sorted([first.id, second.id]))}
    community.members.reveal(first.id, reason="再核对")
    assert community.audit.list(action="member.reveal", entity_id=first.id)[0].note == "再核对"


# The audit chain's set-based append --------------------------------------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_scalar = st.none() | st.booleans() | st.integers(-10**6, 10**6) | _text
_json = _scalar | st.lists(_scalar, max_size=3) | st.dictionaries(_text, _scalar, max_size=3)


@pytest.fixture(scope="module")
def chain_engine() -> Iterator[sa.Engine]:
    """One SQLite database for every example: each appends to the same chain."""
    engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "actor": _text.filter(bool), "action": _text.filter(bool), "entity": _text.filter(bool),
    "entity_id": st.none() | st.integers(1, 10**9).map(str) | _text,
    "before": st.none() | st.dictionaries(_text, _json, max_size=3),
    "after": st.none() | st.dictionaries(_text, _json, max_size=3),
    "note": st.none() | _text,
}), min_size=1, max_size=6))
def test_a_bulk_append_hashes_each_entry_as_entry_hash_does(chain_engine: sa.Engine, entries: list[dict]) -> None:
    at = dt.datetime(2026, 11, 28, 2, 0, 30, 123456, tzinfo=dt.UTC)
    a = audit_tables.audit
    with chain_engine.begin() as conn:
        ids = audit_chain.append(conn, [{**e, "at": at} for e in entries])
    with chain_engine.connect() as conn:
        assert audit_chain.verify(conn).ok
        rows = conn.execute(sa.select(a).where(a.c.id.in_(ids)).order_by(a.c.id)).mappings().all()
    assert [(r["entity_id"], r["before"], r["after"], r["note"]) for r in rows] == [
        (e["entity_id"], e["before"], e["after"], e["note"]) for e in entries]
    for row, entry in zip(rows, entries, strict=True):
        assert row["hash"] == audit_chain.entry_hash(row["id"], row["prev_hash"], {**entry, "at": at})


def test_an_import_audits_every_member_in_slices(community: Community, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(member_import, "AUDIT_BATCH", 2)
    street = community.org.add("街道", "street-committee")
    sheet = tmp_path / "members.csv"
    sheet.write_text("姓名,所在党组织\n" + "".join(f"党员{i},街道\n" for i in range(5)), encoding="utf-8")
    assert community.members.import_file(sheet) == 5
    added = community.audit.list(action="member.add", limit=None)
    assert sorted(int(e.entity_id) for e in added) == sorted(m.id for m in community.members.list())
    assert {e.after["unit_id"] for e in added} == {street.id}
    with community.engine.connect() as conn:
        assert audit_chain.verify(conn).ok
