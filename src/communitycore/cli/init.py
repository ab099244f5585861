"""``community init``: create the database schema, or bring an older one up to date."""

from __future__ import annotations

import contextlib
from typing import Any

import click

from communitycore.cli.render import emit, output_options, state
from communitycore.i18n import _, ngettext


def _where(url: Any) -> str:
    """Where the database is: an absolute file path for SQLite, the URL without password otherwise."""
    from pathlib import Path

    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return str(Path(url.database).resolve())
    return str(url.render_as_string(hide_password=True))


@click.command("init")
@output_options
def init() -> None:
    """Create the database schema (or upgrade an older one) and say where the database is.

    \b
    The database is --db, else COMMUNITYCORE_DB, else the config file's db, else ./community.db.
    A SQLite file that does not exist is created (the other commands refuse it unless --create).
    Running it again is harmless: an up-to-date database is left as it is.
    """
    from communitycore.sdk import database as migrate

    app = state()
    injected = app._community  # a community handed in by a host or a test: initialise its database
    with contextlib.ExitStack() as stack:
        engine = injected.engine if injected is not None else stack.enter_context(
            migrate.engine_for(app.db, app.config_path, create=True))
        before = migrate.status(engine)
        after = before if before.up_to_date else migrate.upgrade(engine)
        units = migrate.unit_count(engine)
    emit({
        "id": _where(engine.url),
        "name": engine.url.get_backend_name(),
        "kind": "database",
        "db": _where(engine.url),
        "revision": after.current,
        "head": after.head,
        "up_to_date": after.up_to_date,
        "created": before.current is None,
        "units": units,
    }, columns=("db", "revision", "up_to_date", "created"),
        title=_("Database ready") if after.up_to_date else None)
    if app.as_json:
        return
    if units == 0:  # the sample community is offered only where it cannot mix with real data
        click.echo(_("next: community demo (a sample community), or community org add NAME --kind KIND"))
    else:
        click.echo(ngettext("next: community org tree (the unit already here)",
                            "next: community org tree (the {count} units already here)", units).format(count=units))
