"""``community demo``: build the sample community (once) and print its tree and a summary of its year."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from communitycore.cli.render import emit, heading, output_options, shown, state
from communitycore.errors import CommunityCoreError, Conflict
from communitycore.i18n import _, ngettext

if TYPE_CHECKING:
    from communitycore.sdk.community import Community


@click.command("demo")
@click.option("--seed", type=int, default=None, help="Random seed of the sample data (default: a fixed one).")
@click.option("--force", is_flag=True,
              help="Add the sample community even though the database already holds units of its own.")
@output_options
def demo(seed: int | None, force: bool) -> None:
    """Build the sample community into the database, then print its tree and a summary of its year.

    \b
    Modelled on the case studies: 靖城街道党工委 with 虹兴社区党委 (branches by trade, a
    党员义工服务队), 江华社区党总支, and 幸福社区党委, the "红色管家" community (网格党支部 →
    楼栋党小组 → 党员中心户, 红色管家联合党支部), with compounds, partners, members and residents,
    and a year of every capability: 三会一课, 民主评议 with an appeal, resident requests in every
    state, the three lists, volunteer hours, the 红色管家 roster, candidates and dues.
    It creates the database if needed. A database that already holds units is refused (exit
    code 1), so sample members never mix with real ones, unless --force is given.
    Running it again adds nothing: it prints what is there.
    Next: community org check   community member due-confirmation   community org settings UNIT
    """
    from communitycore.demo import DEFAULT_SEED, DEMO_AUDITOR, build_demo, find_demo
    from communitycore.demo_year import summary

    app = state()
    app.create = True  # with init, the one command that may make a new database
    community = app.community
    root = find_demo(community)
    created = root is None
    if root is None:
        units = community.org.count()
        if units and not force:
            raise Conflict(ngettext(
                "this database already holds {count} unit; the sample community would mix with it. Use an "
                "empty database (community --db demo.db demo), or pass --force",
                "this database already holds {count} units; the sample community would mix with them. Use an "
                "empty database (community --db demo.db demo), or pass --force", units).format(count=units),
                entity="database", key=units)
        if not app.as_json:
            click.echo(_("building the sample community ..."), err=True)
        root = build_demo(community, seed=DEFAULT_SEED if seed is None else seed)
    lines = community.org.tree(root.id)
    stats = community.org.stats_all()
    rollup = shown(stats[root.id], paths={}, name=root.name, path=root.name)
    year = summary(community, root, auditor=DEMO_AUDITOR)
    dashboard = _write_dashboard(community, root.id)
    if app.as_json:
        tree = [shown(line.unit, paths={}, path=line.path, depth=line.depth, members=stats.members(line.unit.id))
                for line in lines]
        emit({"id": root.id, "name": root.name, "kind": root.kind, "created": created, "tree": tree,
              "stats": rollup, "summary": year, "dashboard": dashboard})
        return
    ctx = click.get_current_context()
    from communitycore.cli.org import tree as tree_command

    ctx.invoke(tree_command, unit=str(root.id), depth=None)
    heading(_("The sample's year {period}").format(period=year["period"]))
    states = {s.code: (s.label_en or s.label) if app.lang == "en" else s.label
              for s in community.workflows.definition("resident-request").states}
    for line in summary_lines(rollup, year, states, app.lang):
        click.echo(line)
    if dashboard is not None:
        click.echo(_("dashboard of the year: {file} (open it in a browser)").format(file=dashboard))
    click.echo()
    click.echo(_("try next: community org check, community member due-confirmation, community org settings "
                 "{unit}").format(unit=f"{root.name}/幸福社区党委"))


#: Where the demo writes the sample's dashboard: the working directory.
DASHBOARD_FILE = "demo-dashboard.html"


def _write_dashboard(community: Community, root_id: int) -> str | None:
    """The sample's dashboard of its year, written to the working directory; None when the folder
    refuses it (the sample is built all the same, and the refusal is said on stderr)."""
    from communitycore.demo_year import dashboard_period
    from communitycore.reports import write_dashboard

    try:
        return str(write_dashboard(community, root_id, dashboard_period(community), DASHBOARD_FILE))
    except CommunityCoreError as exc:
        if exc.code != "cannot-write":
            raise
        click.echo(_("the dashboard was not written: {reason}").format(reason=exc), err=True)
        return None


def summary_lines(rollup: dict[str, Any], year: dict[str, Any], states: dict[str, str], lang: str) -> list[str]:
    """The summary's lines, one a capability: the counts of :func:`communitycore.demo_year.summary`."""
    meetings, assessed, services = year["meetings"], year["assessments"], year["services"]
    roster, dues = year["rosters"], year["dues"]
    by_state = ("，" if lang == "zh" else ", ").join(
        f"{states.get(code, code)} {count}" for code, count in services["requests"].items())
    return [
        _("Organization: {units} units, {members} members ({full} full, {probationary} probationary)").format(
            units=rollup["units"], members=rollup["members"], full=rollup["full"],
            probationary=rollup["probationary"]),
        _("Meetings: {held} held, {missed} missed; absences: {absences}, absent for months: {months}").format(
            held=meetings["held"], missed=meetings["missed"], absences=meetings["absences"],
            months=meetings["absent_for_months"]),
        _("Assessments: runs {runs}; appeals {appeals}, decided {decided}").format(
            runs=assessed["runs"], appeals=assessed["appeals"], decided=assessed["decided"]),
        _("Requests: {total} ({states}); evaluations: {evaluations}").format(
            total=sum(services["requests"].values()), states=by_state, evaluations=services["evaluations"]),
        _("Lists: needs {demands}, resources {resources}, projects {projects} (claimed {claimed}); "
          "volunteer hours: {hours}").format(
            demands=services["demands"], resources=services["resources"], projects=services["projects"],
            claimed=services["claimed"], hours=format(services["volunteer_hours"].normalize(), "f")),
        _("Red stewards: serving {serving}, on public notice {notice}; reviews {reviews}").format(
            serving=roster["serving"], notice=roster["on_notice"], reviews=roster["reviews"]),
        _("Recruitment: candidates {candidates}; dues {month}: paid {paid} of {due}").format(
            candidates=year["recruitment"]["candidates"], month=dues["month"], paid=dues["paid"], due=dues["due"]),
    ]
