"""``communitycore.io.backup``: consistent copies while the database is in use, on every engine."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

import communitycore
from communitycore import Community, Conflict
from communitycore.clock import Clock
from communitycore.io.backup import backup
from communitycore.io.exchange import import_community


def _populate(c: Community) -> None:
    street = c.org.add("城南街道党工委", "street-committee")
    branch = c.org.add("第一党支部", "branch", c.org.add("幸福社区党委", "community-committee", street.id).id)
    c.members.add("张三", branch.id)
    c.members.add("李四", branch.id)


def _restored(path: Path, dialect: str, clock: Clock) -> Community:
    """The backup opened as a community: the file itself (SQLite), else the snapshot imported into SQLite."""
    if dialect == "sqlite":
        return communitycore.open(f"sqlite:///{path}", actor="tester", clock=clock, autoload=False, create=False)
    restored = communitycore.open(f"sqlite:///{path}.restored.db", actor="tester", clock=clock,
                                  autoload=False, create=True)
    import_community(restored, path)
    return restored


def test_backup_while_another_connection_writes(community: Community, db_url: str, tmp_path: Path,
                                                clock: Clock) -> None:
    _populate(community)
    other = sa.create_engine(db_url)
    out = tmp_path / "out"
    out.mkdir()
    try:
        with other.connect() as conn:
            tx = conn.begin()
            # An open write transaction: inserted, not committed.
            conn.exec_driver_sql("INSERT INTO cc_units (kind, name) VALUES ('street-committee', '未提交街道')")
            conn.exec_driver_sql("UPDATE cc_members SET name = '未提交' WHERE name = '张三'")
            if community.dialect != "sqlite":
                target = backup(community, out / "backup.db")
            else:
                # The copy is taken at once; its audit entry then waits for SQLite's write lock,
                # which the other writer holds until it ends.
                done: list[Path] = []
                worker = threading.Thread(target=lambda: done.append(backup(community, out / "backup.db")))
                worker.start()
                deadline = time.monotonic() + 20
                while not any(out.iterdir()) and time.monotonic() < deadline:  # the copy, staged
                    time.sleep(0.01)
                time.sleep(0.2)
            tx.rollback()
            if community.dialect == "sqlite":
                worker.join(60)
                target = done[0]
    finally:
        other.dispose()
    assert len(community.audit.list(action="community.backup")) == 1
    with _restored(target, community.dialect, clock) as copy:
        assert copy.org.count() == 3
        assert sorted(m.name for m in copy.members.list()) == ["张三", "李四"]
        assert copy.org.stats()[0].members == 2


def test_backup_sees_later_commits_only_in_later_backups(community: Community, tmp_path: Path,
                                                         clock: Clock) -> None:
    _populate(community)
    first = backup(community, tmp_path / "one.bak")
    community.members.add("王五", "城南街道党工委/幸福社区党委/第一党支部")
    second = backup(community.engine, tmp_path / "two.bak")  # a bare engine works too
    with _restored(first, community.dialect, clock) as copy:
        assert copy.members.count() == 2
    with _restored(second, community.dialect, clock) as copy:
        assert copy.members.count() == 3


def test_existing_target_is_refused(community: Community, tmp_path: Path) -> None:
    target = tmp_path / "backup.db"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(Conflict, match="already exists"):
        backup(community, target)
    assert target.read_text(encoding="utf-8") == "keep me"
    backup(community, target, overwrite=True)
    assert target.stat().st_size > len("keep me")


def test_every_backup_is_audited(community: Community, tmp_path: Path) -> None:
    """A copy of the whole database holds personal data: a SQLite file and a server's JSON snapshot
    each leave a ``community.backup`` entry, and neither is an export."""
    backup(community, tmp_path / "backup.db")
    entries = community.audit.list(action="community.backup")
    assert len(entries) == 1 and entries[0].after is not None and entries[0].after["file"] == "backup.db"
    if community.dialect == "sqlite":
        assert entries[0].after["kind"] == "sqlite"
    else:
        assert entries[0].note == "backup" and entries[0].after["counts"]["units"] >= 0
    assert community.audit.list(action="community.export") == []
    assert community.audit.verify().ok


def test_a_backup_whose_entry_fails_leaves_no_file(sqlite_community: Community, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from communitycore.io import backup as backup_module

    def refused(_community: Community, _target: Path) -> None:
        raise RuntimeError("the audit trail refused the entry")

    monkeypatch.setattr(backup_module, "_audit", refused)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RuntimeError):
        backup(sqlite_community, out / "copy.db")
    assert list(out.iterdir()) == []


def test_sqlite_backup_is_a_self_contained_file(sqlite_community: Community, tmp_path: Path) -> None:
    _populate(sqlite_community)
    target = backup(sqlite_community, tmp_path / "copy.db")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == ["copy.db"]
    with sa.create_engine(f"sqlite:///{target}").connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
        assert conn.exec_driver_sql("SELECT count(*) FROM cc_members").scalar() == 2
