"""Schema migrations through Alembic, driven from code (``community db upgrade|status``).

The version table is ``cc_alembic_version`` so that a host's own Alembic history is untouched.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import Connection, Engine, inspect

from communitycore.errors import SchemaOutdated
from communitycore.i18n import _

VERSION_TABLE = "cc_alembic_version"
SCRIPT_LOCATION = "communitycore.store:migrations"


def _alembic_config(conn: Connection | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    """The newest revision this library ships.

    Read from the migration files' ``revision`` and ``down_revision`` lines rather than through
    Alembic, whose import costs a third of a second: every command checks the schema on start.
    """
    revisions: dict[str, str | None] = {}
    for source in sorted((Path(__file__).parent / "migrations" / "versions").glob("*.py")):
        text = source.read_text(encoding="utf-8")
        found = _REVISION.search(text)
        if found is not None:
            down = _DOWN_REVISION.search(text)
            revisions[found.group(1)] = down.group(1) if down else None
    heads = sorted(set(revisions) - set(revisions.values()))
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads ({', '.join(heads)}), not one")
    return heads[0]


_REVISION = re.compile(r'^revision = "([^"]+)"', re.M)
_DOWN_REVISION = re.compile(r'^down_revision = "([^"]+)"', re.M)


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at, or ``None`` if it has none (a plain read of the version table)."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    found = [str(v) for v in conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalars()]
    if len(found) > 1:
        raise SchemaOutdated(_("the version table {table} names {count} revisions ({found})").format(
            table=VERSION_TABLE, count=len(found), found=", ".join(found)))
    return found[0] if found else None


@attrs.frozen
class SchemaStatus:
    """Where a database stands against the library's migrations."""

    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        """True when no migration is pending."""
        return self.current == self.head


def _run(bind: Engine | Connection, fn: Any) -> Any:
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            return fn(conn)
    if bind.in_transaction():
        return fn(bind)
    with bind.begin():
        return fn(bind)


def status(bind: Engine | Connection) -> SchemaStatus:
    """The current and head revisions."""
    return SchemaStatus(_run(bind, current_revision), head_revision())


def upgrade(bind: Engine | Connection, revision: str = "head") -> SchemaStatus:
    """Apply every pending migration (each in the caller's transaction where the engine allows)."""
    from alembic import command

    def _do(conn: Connection) -> None:
        command.upgrade(_alembic_config(conn), revision)

    _run(bind, _do)
    return status(bind)


def ensure_schema(bind: Engine | Connection, *, create: bool = True) -> None:
    """Create the schema in an empty database; refuse one that is behind (or ahead of) the library."""
    state = status(bind)
    if state.up_to_date:
        return
    if state.current is None:
        tables = _run(bind, lambda c: inspect(c).get_table_names())
        # An empty version table (left by a downgrade to base) does not make the database ours.
        existing = [t for t in tables if t.startswith("cc_") and t != VERSION_TABLE]
        if create and not existing:
            upgrade(bind)
            return
        if not existing:
            raise SchemaOutdated(_("the database has no communitycore schema: run `community init`"))
    raise SchemaOutdated(
        _("the database schema is at revision {current}, this version of communitycore needs {head}: run "
          "`community db upgrade` (back up first with `community db backup FILE`)").format(
            current=state.current, head=state.head), key=state.current)
