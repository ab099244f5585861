"""``community report``: the dashboard of a subtree as one HTML page, and the same figures as a workbook.

Both commands print the file they wrote (``{"file": …}`` with ``--json``); the figures and the
rendering are :mod:`communitycore.reports`.
"""

from __future__ import annotations

from pathlib import Path

import click

from communitycore.cli.render import emit, output_options, state
from communitycore.i18n import N_

_UNIT = N_("The subtree to report on: a unit id or its full path.")
_PERIOD = N_("The period, e.g. 2025, 2025H1, 2025Q1 or 2025-03.")


@click.group("report")
def report() -> None:
    """Reports (报表): a dashboard page and a workbook of a subtree's figures.

    \b
    Sections: structure, meeting compliance, assessment grades,
    service metrics with a monthly trend, rosters by tier.
    """


@report.command("dashboard")
@click.option("--unit", metavar="UNIT", required=True, help=_UNIT)
@click.option("--period", metavar="PERIOD", required=True, help=_PERIOD)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help=N_("The .html file to write (self-contained: no script, no network)."))
@output_options
def dashboard(unit: str, period: str, out: Path) -> None:
    """Write the dashboard of UNIT's subtree over PERIOD: one HTML page with inline SVG charts."""
    from communitycore.reports import write_dashboard

    written = write_dashboard(state().community, unit, period, out)
    emit({"file": str(written)}, columns=("file",))


@report.command("workbook")
@click.option("--unit", metavar="UNIT", required=True, help=_UNIT)
@click.option("--period", metavar="PERIOD", required=True, help=_PERIOD)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help=N_("The .xlsx file to write (one sheet per capability)."))
@output_options
def workbook(unit: str, period: str, out: Path) -> None:
    """Write the dashboard's figures for UNIT's subtree over PERIOD to an Excel workbook."""
    from communitycore.reports import write_workbook

    written = write_workbook(state().community, unit, period, out)
    emit({"file": str(written)}, columns=("file",))
