"""``community db``: schema migrations and backups.

``upgrade`` and ``status`` work on a database whose schema is behind the library (that is what
they are for), so they use the engine directly instead of opening the community, which would
refuse an outdated schema. ``backup`` copies an outdated database as it is, too (a JSON snapshot
of an outdated PostgreSQL or MySQL schema may fail: use ``pg_dump`` / ``mysqldump`` there).

``status --json`` prints ``{"current": "0001", "head": "0001", "up_to_date": true}``;
``upgrade --json`` the same after upgrading; ``backup --json`` ``{"file": ..., "kind": "sqlite"|"json"}``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from communitycore.cli.state import AppState
from communitycore.i18n import _

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine


def _state() -> AppState:
    return click.get_current_context().ensure_object(AppState)


@contextlib.contextmanager
def _bind(state: AppState) -> Iterator[Engine | Connection]:
    """The engine of the database the global options name (or of an injected community)."""
    injected = getattr(state, "_community", None)  # tests and hosts hand in a ready community
    if injected is not None:
        yield injected.bind
        return
    from communitycore.sdk.database import engine_for

    with engine_for(state.db, state.config_path, create=state.create) as engine:
        yield engine


def _emit(state: AppState, data: dict[str, Any], text: str) -> None:
    click.echo(json.dumps(data, ensure_ascii=False) if state.as_json else text)


def _status_data(status: Any) -> dict[str, Any]:
    return {"current": status.current, "head": status.head, "up_to_date": status.up_to_date}


@click.group("db")
def db() -> None:
    """Database schema (migrations) and backups."""


@db.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(as_json: bool) -> None:
    """Show the schema revision of the database and the newest one this version ships."""
    from communitycore.sdk import database as migrate

    state = _state()
    state.as_json = state.as_json or as_json
    with _bind(state) as bind:
        result = migrate.status(bind)
    if result.up_to_date:
        text = _("schema at revision {current} (up to date)").format(current=result.current)
    elif result.current is None:
        text = _("no communitycore schema yet; `community db upgrade` creates it (revision {head})").format(
            head=result.head)
    else:
        text = _("schema at revision {current}; {head} is available: run `community db upgrade`").format(
            current=result.current, head=result.head)
    _emit(state, _status_data(result), text)


@db.command("upgrade")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def upgrade(as_json: bool) -> None:
    """Apply every pending schema migration (back up first with `community db backup FILE`)."""
    from communitycore.sdk import database as migrate

    state = _state()
    state.as_json = state.as_json or as_json
    with _bind(state) as bind:
        before = migrate.status(bind)
        after = before if before.up_to_date else migrate.upgrade(bind)
    if before.up_to_date:
        text = _("already at revision {current}; nothing to do").format(current=after.current)
    elif before.current is None:
        text = _("upgraded an empty database to revision {current}").format(current=after.current)
    else:
        text = _("upgraded from {before} to revision {current}").format(before=before.current, current=after.current)
    _emit(state, _status_data(after), text)


@db.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def backup(file: str, force: bool, as_json: bool) -> None:
    """Write a consistent copy of the database to FILE while it stays in use.

    \b
    SQLite: a copy of the database file (open it with --db FILE).
    PostgreSQL, MySQL: a JSON snapshot of the community (restore it with
    `community import FILE` into an empty database); for whole-server backups
    use pg_dump or mysqldump.
    """
    from communitycore.sdk import database as migrate
    from communitycore.sdk.database import backup as take_backup

    state = _state()
    state.as_json = state.as_json or as_json
    with _bind(state) as bind:
        kind = bind.dialect.name
        current = migrate.status(bind).up_to_date
        if not current:
            # Before an upgrade is exactly when a backup is wanted: copy the database as it is,
            # without opening the community (which would refuse it, or create a missing schema).
            written = take_backup(bind, file, overwrite=force)
    if current:
        # Through the community, so that a JSON snapshot (personal data) is audited.
        written = take_backup(state.community, file, overwrite=force)
    form = "sqlite" if kind == "sqlite" else "json"
    _emit(state, {"file": str(written), "kind": form},
          _("backup written to {file}").format(file=written) if form == "sqlite"
          else _("backup written to {file} (a JSON snapshot of the community)").format(file=written))
