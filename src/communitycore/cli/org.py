"""``community org``: the organization tree, its checks and settings, compounds and partners.

Every ``UNIT`` argument takes a unit id or its full path from the root, joined with ``/``
(``靖城街道党工委/虹兴社区党委/社区支部``). Compounds (小区) and partners (物业, 业委会, 共建单位,
驻区单位) are managed under ``org compound`` and ``org partner``, since each hangs off a unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from communitycore.cli.params import COUNT, POSITIVE, UNIT_KIND, page_options
from communitycore.cli.problems import print_rejected
from communitycore.cli.render import (
    ROLLUP_COLUMNS,
    UNIT_COLUMNS,
    emit,
    fetch_page,
    heading,
    more_follow,
    output_options,
    shown,
    state,
)
from communitycore.cli.terminal import terminal_text
from communitycore.errors import PermissionDenied, RejectedInput
from communitycore.i18n import N_, _, listing, ngettext
from communitycore.labels import label, word

if TYPE_CHECKING:
    from communitycore.domain.org import OrgUnit
    from communitycore.sdk.community import Community

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def unit_paths(community: Community, unit_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Full paths by unit id, for listings that name many units: of ``unit_ids`` only (two
    queries), or of every unit (one read of the tree)."""
    if unit_ids is not None:
        return community.org.paths_of(unit_ids)
    return {line.unit.id: line.path for line in community.org.tree()}


def _unit_out(community: Community, unit: OrgUnit, **extra: Any) -> dict[str, Any]:
    return shown(unit, **extra)  # type: ignore[no-any-return]


def _unit_fields(**options: Any) -> dict[str, Any]:
    return {key: value for key, value in options.items() if value is not None}


@click.group("org")
def org() -> None:
    """The organization tree (党组织): add, move, rename, remove, show, tree, stats, check, settings.

    \b
    UNIT is a unit id or its full path from the root joined with "/",
    e.g. 靖城街道党工委/虹兴社区党委/社区支部.
    Compounds (小区) and partners (物业、业委会、共建单位、驻区单位): org compound, org partner.
    """


# Tree ----------------------------------------------------------------------------------------------


def _unit_field_options(command: Any) -> Any:
    options = [
        click.option("--code", help="Organization code (unique)."),
        click.option("--approved-by", help="The approving body (上级批准机关)."),
        click.option("--approved-on", metavar="DATE", help="Approval date, YYYY-MM-DD."),
        click.option("--term-start", metavar="DATE", help="Start of the elected committee's term."),
        click.option("--term-end", metavar="DATE",
                     help="End of the term (default: start plus the kind's term length)."),
        click.option("--covered-units", type=COUNT,
                     help="Units a joint branch covers (联合党支部)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@org.command("add")
@click.argument("name")
@click.option("--kind", "kind", required=True, type=UNIT_KIND,
              help="Unit kind: a code (branch) or label (党支部); see `org kinds`.")
@click.option("--parent", metavar="UNIT", help="The unit to add it under (default: a new root).")
@_unit_field_options
@output_options
def add(name: str, kind: str, parent: str | None, **fields: Any) -> None:
    """Add a unit NAME of kind KIND under --parent."""
    community = state().community
    unit = community.org.add(name, kind, parent, **_unit_fields(**fields))
    emit(_unit_out(community, unit), columns=UNIT_COLUMNS)


@org.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", metavar="NAME", help=N_("The workbook's sheet to read (default: the first)."))
@click.option("--header-row", type=POSITIVE, metavar="N",
              help=N_("The row holding the headers (default: found, skipping title rows above it)."))
@click.option("--check", is_flag=True, help=N_("Check every row and report problems; change nothing."))
@output_options
def import_(file: Path, sheet: str | None, header_row: int | None, check: bool) -> None:
    """Build or extend the tree from FILE (.csv or .xlsx), one row per unit: every row, or none.

    \b
    Headers: 路径 (the full path, e.g. 城南街道党工委/幸福社区党委/第一网格党支部; required),
    类别 (kind code or label; required for a new unit), 组织代码, 批准机关, 批准日期,
    任期开始, 任期届满, 覆盖单位数. Parents may come after their children in the file.
    A row naming a unit already on record corrects its fields.
    """
    community = state().community
    try:
        counts = community.org.import_file(file, sheet=sheet, header_row=header_row, check=check)
    except RejectedInput as exc:
        print_rejected(file, exc)
    emit({"id": str(file), "name": file.name, "kind": "import", "file": str(file), **counts, "checked": check},
         columns=("file", "added", "updated", "checked"))


@org.command("update")
@click.argument("unit")
@_unit_field_options
@output_options
def update(unit: str, **fields: Any) -> None:
    """Change a unit's code, approval, term or covered units (e.g. after 换届)."""
    community = state().community
    changed = community.org.update(unit, **_unit_fields(**fields))
    emit(_unit_out(community, changed), columns=UNIT_COLUMNS)


@org.command("move")
@click.argument("unit")
@click.argument("new_parent", metavar="NEW_PARENT", required=False)
@click.option("--to-root", is_flag=True, help="Make the unit a root (no parent).")
@output_options
def move(unit: str, new_parent: str | None, to_root: bool) -> None:
    """Move UNIT (with everything under it) under NEW_PARENT.

    A move under the unit itself or one of its descendants is refused, and nothing changes.
    """
    if (new_parent is None) == (not to_root):
        raise click.UsageError(_("give NEW_PARENT, or --to-root (not both)"))
    community = state().community
    moved = community.org.move(unit, None if to_root else new_parent)
    emit(_unit_out(community, moved), columns=UNIT_COLUMNS)


@org.command("rename")
@click.argument("unit")
@click.argument("new_name")
@output_options
def rename(unit: str, new_name: str) -> None:
    """Rename UNIT to NEW_NAME (unique among its siblings)."""
    community = state().community
    emit(_unit_out(community, community.org.rename(unit, new_name)), columns=UNIT_COLUMNS)


@org.command("remove")
@click.argument("unit")
@click.option("--cascade", is_flag=True, help="Also remove every sub-unit and member under it.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@output_options
def remove(unit: str, cascade: bool, yes: bool) -> None:
    """Remove UNIT. Refused while it has sub-units or members, unless --cascade (asks first)."""
    app = state()
    community = app.community
    target = community.org.get(unit)
    path = community.org.path_of(target.id)
    if cascade and not yes:
        stats = community.org.stats(target.id)[0]
        question = _("Remove {path} with {units} sub-unit(s) and {members} member(s)?").format(
            path=path, units=stats.units - 1, members=stats.members)
        click.confirm(question, abort=True, err=True)
    removed = community.org.remove(target.id, cascade=cascade)
    emit({"id": target.id, "name": target.name, "kind": target.kind, "path": path, "removed_unit_ids": removed},
         columns=("id", "path", "removed_unit_ids"))


@org.command("show")
@click.argument("unit")
@output_options
def show(unit: str) -> None:
    """Show UNIT: its fields, path, number of sub-units and the statistics of its subtree."""
    app = state()
    community = app.community
    found = community.org.get(unit)
    path = community.org.path_of(found.id)
    rollup = community.org.stats(found.id)[0]
    data = _unit_out(community, found, children=len(community.org.children(found.id)),
                     stats=shown(rollup, paths={}, name=found.name, path=path))
    emit(data, columns=(*UNIT_COLUMNS, "children"))
    if not app.as_json:
        heading(_("Statistics"))
        emit(data["stats"], columns=ROLLUP_COLUMNS[1:])


def _tree_prefixes(depths: Sequence[int]) -> list[str]:
    """Box-drawing prefixes (├─ └─ │) for lines in display order with these depths."""
    last = [False] * len(depths)
    following: dict[int, bool] = {}
    for i in range(len(depths) - 1, -1, -1):  # backwards: is another sibling still to come?
        d = depths[i]
        last[i] = not following.get(d, False)
        following[d] = True
        for deeper in [k for k in following if k > d]:
            del following[deeper]
    prefixes = []
    open_levels: list[bool] = []  # per depth: does that ancestor have siblings below it?
    for d, is_last in zip(depths, last, strict=True):
        del open_levels[d:]
        if d == 0:
            prefixes.append("")
        else:
            prefixes.append("".join("│  " if more else "   " for more in open_levels[1:d]) +
                            ("└─ " if is_last else "├─ "))
        open_levels.append(not is_last)
    return prefixes


@org.command("tree")
@click.argument("unit", required=False)
@click.option("--depth", type=COUNT, help="Show only this many levels below the top.")
@output_options
def tree(unit: str | None, depth: int | None) -> None:
    """The tree (or UNIT's subtree) with kind labels and member counts of each subtree."""
    app = state()
    community = app.community
    lines = community.org.tree(unit, depth=depth)
    stats = community.org.stats_all()
    rows = []
    for line in lines:
        members, full = (stats.members(line.unit.id), stats.full(line.unit.id)) if line.unit.id in stats else (0, 0)
        rows.append(shown(line.unit, paths={}, path=line.path, depth=line.depth, members=members, full=full,
                          probationary=members - full))
    if app.as_json:
        emit(rows)
        return
    if not rows:
        click.echo(_("(no units yet: community org add, or community demo)"))
        return
    for prefix, row in zip(_tree_prefixes([r["depth"] for r in rows]), rows, strict=True):
        n = row["members"]
        count = ngettext("{count} member", "{count} members", n).format(count=n)
        click.echo(f"{prefix}{terminal_text(row['name'], one_line=True)}  "
                   + click.style(f"[{terminal_text(row['kind_label'], one_line=True)}]", dim=True) + f"  {count}")


@org.command("stats")
@click.argument("unit", required=False)
@click.option("--on", "on", metavar="DATE",
              help="The reporting date the ages are counted at, in 周岁 (default today); the head counts are "
                   "the roll as it stands.")
@output_options
def stats(unit: str | None, on: str | None) -> None:
    """Roll-up statistics of UNIT's subtree (of each root without UNIT).

    Members, 正式/预备, by gender, by education, average age in 周岁, cadres (委员) and
    secretaries (书记) with the share holding 大专 or above, the cadres' average age, and the
    candidates of the recruitment pipeline by stage.
    """
    app = state()
    community = app.community
    if unit is not None:
        found = community.org.get(unit)
        path = community.org.path_of(found.id)
        rollup = community.org.stats(found.id, on=on)[0]
        item = _with_pipeline(community, shown(rollup, paths={}, name=found.name, path=path), found.id)
        emit(item, columns=_STATS_COLUMNS, title=path)
        return
    roots = community.org.children(None)
    results = community.org.stats(on=on)
    by_id = {r.unit_id: r for r in results}
    data = [_with_pipeline(community, shown(by_id[u.id], paths={}, name=u.name, path=u.name), u.id)
            for u in roots if u.id in by_id]
    if app.as_json:
        emit(data)
        return
    for i, item in enumerate(data):
        if i:
            click.echo()
        emit(item, columns=_STATS_COLUMNS[1:], title=item["path"])
    if not data:
        emit([])


#: The roll-up's figures, then the recruitment pipeline by stage (发展党员).
_STATS_COLUMNS = (*ROLLUP_COLUMNS, "pipeline")


def _with_pipeline(community: Community, item: dict[str, Any], unit_id: int) -> dict[str, Any]:
    from communitycore.domain.recruitment import Stage  # only here: a listing imports no capability's domain

    # An actor who may read the units but not the candidates sees the figures without the pipeline.
    try:
        # By the stages themselves, so the text shows their labels and the JSON their codes.
        item["pipeline"] = {Stage(code): n for code, n in community.recruitment.counts(unit=unit_id).items()}
    except PermissionDenied:
        item["pipeline"] = None
    return item


@org.command("check")
@click.argument("unit", required=False)
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]),
              help="Exit with status 1 if there is a finding this serious or worse (default: always 0).")
@output_options
def check(unit: str | None, fail_on: str | None) -> None:
    """Check the structure rules on UNIT's subtree (the whole tree without UNIT).

    Each finding names the unit, the rule, its severity (error, warning, info), what is wrong and
    a suggestion. The rules come from plugins: the national ones (≥3 正式党员 per branch,
    ≤50 members, committees from 7 正式党员, joint branches ≤5 units, terms) and any local ones.
    """
    app = state()
    findings = shown(app.community.org.check(unit), paths={})
    if app.as_json:
        emit(findings)
    else:
        _print_findings(findings, app.lang)
    if fail_on is not None and any(
            _SEVERITY_ORDER[f["severity"].value] <= _SEVERITY_ORDER[fail_on] for f in findings):
        raise click.exceptions.Exit(1)


def _print_findings(findings: Sequence[dict[str, Any]], lang: str) -> None:
    colours = {"error": "red", "warning": "yellow", "info": "blue"}
    for f in findings:
        severity = f["severity"].value
        tag = click.style(f"[{word(severity, lang)}]", fg=colours[severity], bold=True)
        click.echo(f"{tag} {terminal_text(f['unit'], one_line=True)}  ({f['rule']})")  # the tag's colours stay
        click.echo(terminal_text(f"  {f['message']}"))
        if f["suggestion"]:
            click.echo(terminal_text("  " + _("{field}: {message}").format(field=label("suggestion", lang),
                                                                            message=f["suggestion"])))
    counts = {s: sum(1 for f in findings if f["severity"].value == s) for s in _SEVERITY_ORDER}
    detail = listing(f"{word(s, lang)} {n}" for s, n in counts.items())
    if findings:
        click.echo()
    click.echo(ngettext("{count} finding ({detail})", "{count} findings ({detail})", len(findings)).format(
        count=len(findings), detail=detail))


@org.command("kinds")
@output_options
def kinds() -> None:
    """The unit kinds plugins registered, with the kinds each may sit under."""
    app = state()
    registry = app.community.registry
    rows = [shown(kind, paths={}, provider=registry.provider("unit_kinds", code))
            for code, kind in registry.unit_kinds.items()]
    emit(rows, columns=("code", "name", "parents", "provider"))


# Settings along the tree ---------------------------------------------------------------------------


class _SettingsGroup(click.Group):
    """``org settings UNIT`` means ``org settings show UNIT``; ``set`` and ``unset`` change values."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["show", *args]
        return super().parse_args(ctx, args)


@org.group("settings", cls=_SettingsGroup)
def settings() -> None:
    """Settings along the tree: `org settings UNIT` shows each effective value and where it came from.

    \b
    A unit inherits every setting of its ancestors unless it sets its own.
      community org settings UNIT                 (same as: org settings show UNIT)
      community org settings set UNIT KEY VALUE   e.g. meeting-cadence.party-lecture weekly
      community org settings unset UNIT KEY       inherit again
    """


_DEFAULT_FROM = re.compile(r"^default \((?P<provider>.+)\)$")


def _source_labels(rows: Any) -> Any:
    """Rows (or one row) of settings with ``source_label``, the source as text shows it: a unit's
    path, or "default" (with the plugin that supplied it) in the current language. JSON keeps
    ``source`` as the code (``default``, ``default (national-meetings)``)."""
    if state().as_json:
        return rows
    for row in rows if isinstance(rows, list) else [rows]:
        source = row.get("source")
        by_plugin = _DEFAULT_FROM.match(source or "")
        if source == "default":
            row["source_label"] = _("default")
        elif by_plugin is not None:
            row["source_label"] = _("default ({provider})").format(provider=by_plugin["provider"])
    return rows


@settings.command("show")
@click.argument("unit")
@output_options
def settings_show(unit: str) -> None:
    """Every effective setting at UNIT, with the unit (or default) it came from."""
    community = state().community
    rows = shown(list(community.org.settings(unit).values()), paths={})
    emit(_source_labels(rows), columns=("key", "value", "source"))


@settings.command("set")
@click.argument("unit")
@click.argument("key")
@click.argument("value")
@output_options
def settings_set(unit: str, key: str, value: str) -> None:
    """Set KEY to VALUE on UNIT (lists are comma-separated); its subtree inherits it."""
    community = state().community
    emit(_source_labels(shown(community.org.set_setting(unit, key, value), paths={})),
         columns=("key", "value", "source"))


@settings.command("unset")
@click.argument("unit")
@click.argument("key")
@output_options
def settings_unset(unit: str, key: str) -> None:
    """Remove UNIT's own value of KEY, so it inherits again."""
    app = state()
    removed = app.community.org.unset_setting(unit, key)
    effective = app.community.org.settings(unit).get(key)
    data = {"id": key, "name": key, "kind": "setting", "key": key, "removed": removed,
            "value": None if effective is None else effective.value,
            "source": None if effective is None else effective.source}
    emit(_source_labels(data), columns=("key", "value", "source"))


# Compounds and partners ----------------------------------------------------------------------------


@org.group("compound")
def compound() -> None:
    """Residential compounds (小区) and their property tier (老旧/回迁/标准/新建)."""


@compound.command("add")
@click.argument("name")
@click.option("--tier", required=True, help="old / resettlement / standard / new (or 老旧、回迁、标准、新建).")
@click.option("--unit", metavar="UNIT", help="The unit that looks after it.")
@click.option("--address", help="Address.")
@output_options
def compound_add(name: str, tier: str, unit: str | None, address: str | None) -> None:
    """Add compound NAME with its property tier."""
    community = state().community
    added = community.org.add_compound(name, tier, unit, address=address)
    emit(shown(added), columns=("id", "name", "tier", "unit", "address"))


@compound.command("list")
@click.option("--unit", metavar="UNIT", help="Only compounds of this unit's subtree.")
@page_options()
@output_options
def compound_list(unit: str | None, limit: int, after: int | None) -> None:
    """Compounds by id, with tier and unit."""
    community = state().community
    found, more = fetch_page(lambda n: community.org.compounds(unit, limit=n, after=after), limit)
    paths = unit_paths(community, {c.unit_id for c in found if c.unit_id is not None})
    rows = shown(found, paths=paths)
    emit(rows, columns=("id", "name", "tier", "unit", "address"))
    more_follow(more, N_("(more compounds follow: the next page is --after {id}; --limit 0 shows all)"),
                id=found[-1].id if found else None)


@org.group("partner")
def partner() -> None:
    """Partner bodies linked to units: 物业服务企业, 业委会, 共建单位, 驻区单位."""


@partner.command("add")
@click.argument("name")
@click.option("--kind", "kind", required=True,
              help="property-company / owners-committee / co-building-unit / resident-unit (or 物业、业委会 ...).")
@click.option("--unit", metavar="UNIT", help="The unit it works with.")
@click.option("--contact", help="Contact person or phone.")
@output_options
def partner_add(name: str, kind: str, unit: str | None, contact: str | None) -> None:
    """Link partner NAME of KIND to a unit."""
    app = state()
    community = app.community
    added = community.org.add_partner(kind, name, unit, contact=contact)
    emit(shown(added), columns=("id", "name", "kind", "unit", "contact"))


@partner.command("list")
@click.option("--unit", metavar="UNIT", help="Only partners linked within this unit's subtree.")
@page_options()
@output_options
def partner_list(unit: str | None, limit: int, after: int | None) -> None:
    """Partner bodies by id, with kind and unit."""
    community = state().community
    found, more = fetch_page(lambda n: community.org.partners(unit, limit=n, after=after), limit)
    paths = unit_paths(community, {p.unit_id for p in found if p.unit_id is not None})
    rows = shown(found, paths=paths)
    emit(rows, columns=("id", "name", "kind", "unit", "contact"))
    more_follow(more, N_("(more partners follow: the next page is --after {id}; --limit 0 shows all)"),
                id=found[-1].id if found else None)
