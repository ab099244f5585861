"""``community demo``: build the sample community (once) and print its tree and statistics."""

from __future__ import annotations

import click

from communitycore.cli.render import ROLLUP_COLUMNS, emit, heading, output_options, shown, state
from communitycore.errors import Conflict
from communitycore.i18n import _, ngettext


@click.command("demo")
@click.option("--seed", type=int, default=None, help="Random seed of the sample data (default: a fixed one).")
@click.option("--force", is_flag=True,
              help="Add the sample community even though the database already holds units of its own.")
@output_options
def demo(seed: int | None, force: bool) -> None:
    """Build the sample community into the database, then print its tree and statistics.

    \b
    Modelled on the case studies: 靖城街道党工委 with 虹兴社区党委 (branches by trade, a
    党员义工服务队), 江华社区党总支, and 幸福社区党委, the "红色管家" community (网格党支部 →
    楼栋党小组 → 党员中心户, 红色管家联合党支部), with compounds, partners, members and residents.
    It creates the database if needed. A database that already holds units is refused (exit
    code 1), so sample members never mix with real ones, unless --force is given.
    Running it again adds nothing: it prints what is there.
    Next: community org check   community member due-confirmation   community org settings UNIT
    """
    from communitycore.demo import DEFAULT_SEED, build_demo, find_demo

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
    if app.as_json:
        tree = [shown(line.unit, paths={}, path=line.path, depth=line.depth, members=stats[line.unit.id].members)
                for line in lines]
        emit({"id": root.id, "name": root.name, "kind": root.kind, "created": created, "tree": tree,
              "stats": rollup})
        return
    ctx = click.get_current_context()
    from communitycore.cli.org import tree as tree_command

    ctx.invoke(tree_command, unit=str(root.id), depth=None)
    heading(_("Statistics"))
    emit(rollup, columns=ROLLUP_COLUMNS[1:])
    click.echo()
    click.echo(_("try next: community org check, community member due-confirmation, community org settings "
                 "{unit}").format(unit=f"{root.name}/幸福社区党委"))
