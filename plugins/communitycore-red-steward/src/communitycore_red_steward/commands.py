"""``community red-steward``: the commands this plugin adds to the host's CLI.

They reach the library through the facade the host opened (``AppState.community``) and print
through the host's own output helpers, so ``--json`` and ``--lang`` behave as everywhere else.
"""

from __future__ import annotations

from typing import Any

import click

from communitycore.cli.render import cell, display_width, emit, output_options, pad, shown, state
from communitycore.domain.periods import Period
from communitycore_red_steward.property_tiers import report

#: Columns of the text table, with their headers (中文, English).
COLUMNS = {
    "id": ("编号", "ID"),
    "name": ("小区", "Compound"),
    "tier": ("小区类型", "Property tier"),
    "goal": ("提升目标", "Goal"),
    "received": ("诉求数", "Requests"),
    "resolution_rate": ("解决率", "Resolution rate"),
    "satisfaction_rate": ("满意率", "Satisfaction rate"),
}


@click.group("red-steward")
def red_steward() -> None:
    """红色管家: property-tier goals per compound (定向/规范/精准/智慧提升)."""


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


@red_steward.command("property-tiers")
@click.option("--unit", metavar="UNIT", required=True, help="The unit whose compounds are listed (id or path).")
@click.option("--period", metavar="PERIOD",
              help="The period of the requests counted, e.g. 2026 or 2026Q3 (default: this year).")
@output_options
def property_tiers(unit: str, period: str | None) -> None:
    """Each compound of UNIT with its goal tier and its residents' requests, resolution and satisfaction."""
    app = state()
    community = app.community
    span = str(Period.parse(period) if period else Period.containing(community.clock.now().date(), "yearly"))
    # The JSON shape is the same in every language: both labels, as records carry label and label_en.
    rows = [shown(r.compound, goal=r.goal.code, goal_label=r.goal.label, goal_label_en=r.goal.label_en,
                  period=span, received=r.received, evaluated=r.evaluated, resolution_rate=r.resolution_rate,
                  satisfaction_rate=r.satisfaction_rate)
            for r in report(community, unit, span)]
    if app.as_json or not rows:
        emit(rows)
        return
    click.echo(_table(rows, app.lang))


def _table(rows: list[dict[str, Any]], lang: str) -> str:
    """The rows as an aligned table, rates as percentages."""
    header = [pair[1] if lang == "en" else pair[0] for pair in COLUMNS.values()]
    body = [[_text(row, c, lang) for c in COLUMNS] for row in rows]
    widths = [max(display_width(text) for text in column) for column in zip(header, *body, strict=True)]
    lines = ["  ".join(pad(t, w) for t, w in zip(texts, widths, strict=True)).rstrip() for texts in (header, *body)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _text(row: dict[str, Any], column: str, lang: str) -> str:
    if column.endswith("_rate"):
        return _rate(row[column])
    if column == "goal":
        return str(row["goal_label_en"] if lang == "en" else row["goal_label"])  # i18n: skip (a record's labels)
    return cell(row, column, lang)
