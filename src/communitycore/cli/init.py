"""``community init``: create the database schema, or bring an older one up to date."""

from __future__ import annotations

from typing import Any

import click

from communitycore.cli.render import emit, output_options, state


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
    Running it again is harmless: an up-to-date database is left as it is.
    """
    from communitycore.sdk import database as migrate

    app = state()
    injected = app._community  # a community handed in by a host or a test: initialise its database
    if injected is not None:
        engine, owned = injected.engine, False
    else:
        from communitycore.config import database_url, load_config
        from communitycore.sdk.database import make_engine

        engine, owned = make_engine(database_url(app.db, load_config(app.config_path))), True
    try:
        before = migrate.status(engine)
        after = before if before.up_to_date else migrate.upgrade(engine)
    finally:
        if owned:
            engine.dispose()
    lang = app.lang
    emit({
        "id": _where(engine.url),
        "name": engine.url.get_backend_name(),
        "kind": "database",
        "db": _where(engine.url),
        "revision": after.current,
        "head": after.head,
        "up_to_date": after.up_to_date,
        "created": before.current is None,
    }, columns=("db", "revision", "up_to_date", "created"),
        title=("数据库已就绪" if lang == "zh" else "Database ready") if after.up_to_date else None)
    if not app.as_json and before.current is None:
        click.echo("下一步：community demo（示例社区）" if lang == "zh"
                   else "next: community demo (a sample community)")
