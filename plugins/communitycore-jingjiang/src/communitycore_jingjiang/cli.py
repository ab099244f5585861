"""``community jingjiang …``: the city's service brands and the cadre statistics."""

from __future__ import annotations

from typing import Any

import click

from communitycore.cli.render import dumps, output_options, state
from communitycore.i18n import localized
from communitycore.records import ServiceProgram


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.1f}%"


def _cadre_lines(stats: dict[str, Any]) -> list[str]:
    """The figures as the case study words them, in the command's language."""
    sec, cad = stats["secretaries"], stats["cadres"]
    age = "-" if cad["average_age"] is None else f"{cad['average_age']:.1f}"
    lines = [
        localized(f"{stats['unit']}（{stats['on'].isoformat()}）：社区党组织{stats['communities']}个",
                  f"{stats['unit']} ({stats['on'].isoformat()}): {stats['communities']} community organizations"),
        localized(f"社区党组织书记{sec['count']}名，大专以上文化的{sec['college']}人，占{_percent(sec['college_share'])}",
                  f"{sec['count']} secretaries, {sec['college']} with 大专 or above: {_percent(sec['college_share'])}"),
        localized(f"社区干部{cad['count']}名，大专以上学历的{cad['college']}人，平均年龄{age}岁",
                  f"{cad['count']} community cadres, {cad['college']} with 大专 or above, average age {age}"),
    ]
    unknown = sec["education_unknown"] + cad["education_unknown"] + cad["age_unknown"]
    if unknown:
        lines.append(localized(
            f"未登记：书记学历{sec['education_unknown']}名，干部学历{cad['education_unknown']}名，"
            f"干部出生日期{cad['age_unknown']}名",
            f"not recorded: education of {sec['education_unknown']} secretaries and {cad['education_unknown']} "
            f"cadres, birth date of {cad['age_unknown']} cadres"))
    if stats["communities_without_secretary"]:
        lines.append(localized(f"没有书记记录的社区党组织：{stats['communities_without_secretary']}个",
                               f"community organizations without a secretary on record: "
                               f"{stats['communities_without_secretary']}"))
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
