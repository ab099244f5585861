"""``community jingjiang …``: the city's service brands and the cadre statistics."""

from __future__ import annotations

from typing import Any

import click

from communitycore.cli.render import dumps, output_options, state
from communitycore.i18n import _, ngettext
from communitycore.records import ServiceProgram


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.1f}%"


def _cadre_lines(stats: dict[str, Any]) -> list[str]:
    """The figures as the case study words them, in the command's language."""
    sec, cad = stats["secretaries"], stats["cadres"]
    age = "-" if cad["average_age"] is None else f"{cad['average_age']:.1f}"
    lines = [
        ngettext("{unit} ({on}): {count} community organization", "{unit} ({on}): {count} community organizations",
                 stats["communities"]).format(unit=stats["unit"], on=stats["on"].isoformat(),
                                              count=stats["communities"]),
        ngettext("{count} secretary, {college} with 大专 or above: {share}",
                 "{count} secretaries, {college} with 大专 or above: {share}", sec["count"]).format(
            count=sec["count"], college=sec["college"], share=_percent(sec["college_share"])),
        ngettext("{count} community cadre, {college} with 大专 or above, average age {age}",
                 "{count} community cadres, {college} with 大专 or above, average age {age}", cad["count"]).format(
            count=cad["count"], college=cad["college"], age=age),
    ]
    unknown = sec["education_unknown"] + cad["education_unknown"] + cad["age_unknown"]
    if unknown:
        lines.append(_("not recorded: education of {secretaries} secretaries and {cadres} cadres, birth date of "
                       "{births} cadres").format(secretaries=sec["education_unknown"],
                                                 cadres=cad["education_unknown"], births=cad["age_unknown"]))
    if stats["communities_without_secretary"]:
        lines.append(_("community organizations without a secretary on record: {count}").format(
            count=stats["communities_without_secretary"]))
    return lines


def register(cli: click.Group) -> None:
    """Add the ``jingjiang`` group to the host's command line."""

    @cli.group("jingjiang")
    def jingjiang() -> None:
        """靖江: the city's service brands and practices."""

    @jingjiang.command("programmes")
    def programmes() -> None:
        """List the 靖江 service brands with their categories."""
        from communitycore_jingjiang import _of

        registry = state().community.registry
        categories = registry.service_categories
        ours = _of(ServiceProgram)
        for code, program in registry.service_programs.items():
            if program in ours:  # the brands' own names, in Chinese whatever the language
                click.echo(f"{code}\t{program.label}\t{categories[program.category].label}")

    @jingjiang.command("cadres")
    @click.option("--unit", "unit", required=True, metavar="UNIT",
                  help="The street (or one community): its community organizations are counted.")
    @output_options
    def cadres(unit: str) -> None:
        """Cadre statistics: secretaries with 大专 or above, community cadres' average age."""
        from communitycore_jingjiang.cadres import cadre_statistics

        app = state()
        stats = cadre_statistics(app.community, unit)
        if app.as_json:
            click.echo(dumps(stats))
            return
        for line in _cadre_lines(stats):
            click.echo(line)
