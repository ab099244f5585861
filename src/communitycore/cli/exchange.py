"""``community export FILE.json`` and ``community import FILE.json``: the whole community as JSON.

Both print the number of records per section; with ``--json``, an object such as
``{"file": "c.json", "counts": {"units": 3, "members": 10, ...}}``.
"""

from __future__ import annotations

import json

import click

from communitycore.cli.state import AppState
from communitycore.cli.terminal import terminal_text
from communitycore.i18n import _


def _state() -> AppState:
    return click.get_current_context().ensure_object(AppState)


def _emit(state: AppState, heading: str, file: str, counts: dict[str, int]) -> None:
    if state.as_json:
        click.echo(json.dumps({"file": file, "counts": counts}, ensure_ascii=False))
        return
    click.echo(terminal_text(heading))
    for section, count in counts.items():
        click.echo(f"  {section}: {count}")


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def export_(file: str, force: bool, as_json: bool) -> None:
    """Export the whole community (without the audit trail) to FILE.json.

    The file holds personal data unmasked; the export is recorded in the audit trail.
    """
    from communitycore.errors import Conflict
    from communitycore.sdk.database import check_target, refusing

    state = _state()
    state.as_json = state.as_json or as_json
    community = state.community  # opened first, so that its own file is known
    # The database's own file or an empty path first: "pass --force" would be the wrong advice.
    if check_target(file).exists() and not force:
        raise Conflict(_("{file} already exists; choose another name or pass --force").format(file=file),
                       entity="file", key=file)
    with refusing(community.engine.url):  # the snapshot reads outside the SDK's calls: a damaged file, in words
        counts = community.export_to(file)
    _emit(state, _("exported to {file}:").format(file=file), file, counts)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def import_(file: str, as_json: bool) -> None:
    """Import a community exported with `community export` into an empty database.

    All or nothing: every problem is listed with its place in the file ($.members[12].unit_id),
    and nothing is stored unless the whole file is good.
    """
    state = _state()
    state.as_json = state.as_json or as_json
    counts = state.community.import_from(file)
    _emit(state, _("imported from {file}:").format(file=file), file, counts)
