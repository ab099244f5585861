"""``community db upgrade|status|backup``, ``community export`` and ``community import`` through CliRunner."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import communitycore
from communitycore import Community
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.clock import Clock
from communitycore.store.migrate import head_revision


def run(community: Community | None, *args: str) -> Result:
    """``community --lang en ARGS`` (the messages these tests read), with ``community`` injected (or
    none: the global options decide)."""
    state = AppState(community=community, pm=community.pm if community else None)
    return CliRunner().invoke(make_cli(state), ["--lang", "en", *args], obj=state, catch_exceptions=False)


def ok(community: Community | None, *args: str) -> Result:
    result = run(community, *args)
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("command", [["db"], ["db", "status"], ["db", "upgrade"], ["db", "backup"], ["export"],
                                     ["import"]])
def test_help(command: list[str]) -> None:
    result = CliRunner().invoke(make_cli(AppState()), [*command, "--help"], obj=AppState())
    assert result.exit_code == 0 and "用法：" in result.output


def test_status(community: Community) -> None:
    data = json.loads(ok(community, "--json", "db", "status").stdout)
    assert data == {"current": head_revision(), "head": head_revision(), "up_to_date": True}
    assert "up to date" in ok(community, "db", "status").stdout
    assert json.loads(ok(community, "db", "status", "--json").stdout)["up_to_date"] is True


def test_upgrade_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    refused = run(None, "--db", url, "--no-plugins", "db", "status")
    assert refused.exit_code == 2 and "--create" in refused.output
    assert list(tmp_path.iterdir()) == []  # a missing file is not made by asking for its status
    before = json.loads(ok(None, "--db", url, "--create", "--no-plugins", "--json", "db", "status").stdout)
    assert before["current"] is None and before["up_to_date"] is False
    assert "upgraded" in ok(None, "--db", url, "--no-plugins", "db", "upgrade").stdout
    after = json.loads(ok(None, "--db", url, "--no-plugins", "db", "upgrade", "--json").stdout)
    assert after == {"current": head_revision(), "head": head_revision(), "up_to_date": True}
    communitycore.open(url, autoload=False, create=False).close()


def test_backup(community: Community, tmp_path: Path, clock: Clock) -> None:
    community.org.add("城南街道党工委", "street-committee")
    target = tmp_path / "backup.db"
    data = json.loads(ok(community, "--json", "db", "backup", str(target)).stdout)
    assert data == {"file": str(target), "kind": "sqlite" if community.dialect == "sqlite" else "json"}
    refused = run(community, "db", "backup", str(target))
    assert refused.exit_code == 1 and "already exists" in refused.output
    ok(community, "db", "backup", "--force", str(target))
    if community.dialect == "sqlite":
        with communitycore.open(f"sqlite:///{target}", autoload=False, create=False, clock=clock,
                                actor=community.actor) as copy:
            assert copy.org.count() == 1


def test_backup_of_a_database_without_the_current_schema(tmp_path: Path) -> None:
    # Copied as it is: a backup neither refuses an outdated database nor creates a missing schema.
    # an empty SQLite database, its header and no tables (a zero-byte file is refused as no database)
    sqlite3.connect(tmp_path / "old.db").execute("VACUUM").connection.close()
    url = f"sqlite:///{tmp_path / 'old.db'}"
    result = ok(None, "--db", url, "--no-plugins", "db", "backup", str(tmp_path / "old-backup.db"))
    assert "backup written" in result.stdout
    status = json.loads(ok(None, "--db", url, "--no-plugins", "--json", "db", "status").stdout)
    assert status["current"] is None


def test_export_then_import(community: Community, sqlite_community: Community, tmp_path: Path) -> None:
    street = sqlite_community.org.add("城南街道党工委", "street-committee")
    sqlite_community.members.add("张三", street.id)
    file = tmp_path / "community.json"
    exported = json.loads(ok(sqlite_community, "--json", "export", str(file)).stdout)
    assert exported["counts"]["members"] == 1
    assert run(sqlite_community, "export", str(file)).exit_code == 1  # exists: refused without --force
    assert "members: 1" in ok(community, "import", str(file)).stdout
    assert community.members.list()[0].name == "张三"
    again = run(community, "import", str(file))
    assert again.exit_code == 1 and "empty database" in again.output


def test_import_reports_problems(community: Community, tmp_path: Path) -> None:
    file = tmp_path / "bad.json"
    file.write_text('{"format": "communitycore-export", "version": 1, "units": [{"id": "x"}]}', encoding="utf-8")
    result = run(community, "import", str(file))
    assert result.exit_code == 1
    assert "$.units[0]" in result.output and "nothing was imported" in result.output
