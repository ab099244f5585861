"""``community plugins``: what is loaded and from where, conformance checks, and scaffolding.

``community plugins`` lists the builtin plugins (marked ``builtin``), the installed ones and
those that failed to load, each with its distribution and version, the hooks it implements, the
records it contributed and its errors. ``--all`` adds TOML packs, blocked plugins and installed
plugins that were not loaded (``--no-plugins`` or autoload off). ``--json`` (here or before the
command) prints a list of objects with the keys ``name``, ``kind`` (``builtin``, ``installed``,
``local``, ``pack``), ``status`` (``loaded``, ``failed``, ``blocked``, ``not-loaded``),
``distribution``, ``version``, ``hooks``, ``records`` (``family``, ``code``, ``label``) and
``errors``; ``id`` repeats ``name``, as every JSON object of the command line has an ``id``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from communitycore.cli.state import AppState
from communitycore.errors import CommunityCoreError
from communitycore.i18n import _, get_language, listing, localized, ngettext
from communitycore.labels import word

if TYPE_CHECKING:
    from communitycore.sdk.community import Community


def _state() -> AppState:
    return click.get_current_context().ensure_object(AppState)


def _print_plain(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group("plugins", invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True,
              help="Also list packs, blocked plugins and installed plugins not loaded.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def plugins(ctx: click.Context, show_all: bool, as_json: bool) -> None:
    """List plugins: name, distribution, version, hooks, records and load errors.

    \b
    Builtins (the national rules) are listed too, marked "builtin".
    Subcommands: check (conformance test), new (scaffold a plugin package).
    """
    if ctx.invoked_subcommand is not None:
        return
    state = _state()
    entries = plugin_entries(state, _listing_community(state), show_all=show_all)
    if as_json or state.as_json:
        _print_plain(entries)
        return
    for entry in entries:
        _render(entry)


def _listing_community(state: AppState) -> Community:
    """The community whose plugins are listed; before there is a database, one in memory.

    What is installed does not depend on the database, so ``community plugins`` works before
    ``community init``, and creates no file.
    """
    try:
        return state.community
    except CommunityCoreError as exc:
        if exc.code != "missing-database":
            raise
    state.db = "sqlite://"
    return state.community


def plugin_entries(state: AppState, community: Community, *, show_all: bool = False) -> list[dict[str, Any]]:
    """The listing's data: one dict per plugin (and per pack, blocked or unloaded plugin with ``show_all``)."""
    from communitycore import __version__
    from communitycore.plugins.manager import BUILTINS, ENTRY_POINT_GROUP, hooks_of

    pm = community.pm
    registry = community.registry
    problems: dict[str, list[str]] = {}
    for problem in registry.problems:
        problems.setdefault(problem.provider, []).append(problem.message)
    for error in pm.load_errors:
        problems.setdefault(error.plugin, []).append(error.error)

    def records(provider: str) -> list[dict[str, str | None]]:
        return [{"family": c.family, "code": c.record.code, "label": c.record.label,
                 "label_en": c.record.label_en} for c in registry.contributions(provider)]

    entries: list[dict[str, Any]] = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:  # pluggy lists a blocked name with no plugin
            continue
        info = pm.info.get(name)
        if info is not None and info.builtin:
            entries.append(_entry(name, "builtin", "loaded", "communitycore", __version__,
                                  hooks_of(pm, name), records(name), problems.get(name, [])))
        else:
            entries.append(_entry(name, "installed" if info and info.distribution else "local", "loaded",
                                  info.distribution if info else None, info.version if info else None,
                                  hooks_of(pm, name), records(name), problems.get(name, [])))
    listed = {entry["name"] for entry in entries}
    for error in pm.load_errors:
        if error.plugin not in listed:
            listed.add(error.plugin)
            entries.append(_entry(error.plugin, "installed" if error.distribution else "local", "failed",
                                  error.distribution, _version_of(error.distribution),
                                  errors=problems.get(error.plugin, [])))
    if show_all:
        import importlib.metadata as md

        for provider in sorted({c.provider for c in registry.contributions() if c.provider.startswith("pack:")}):
            entries.append(_entry(provider, "pack", "loaded", records=records(provider),
                                  errors=problems.get(provider, [])))
        blocked = set(_blocked_names(state))
        for ep in md.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name not in listed:
                listed.add(ep.name)
                entries.append(_entry(ep.name, "installed", "blocked" if ep.name in blocked else "not-loaded",
                                      ep.dist.name if ep.dist else None, ep.dist.version if ep.dist else None))
        for name in sorted(blocked - listed):
            if name in BUILTINS:
                entries.append(_entry(name, "builtin", "blocked", "communitycore", __version__))
            else:
                entries.append(_entry(name, "installed", "blocked"))
    order = {name: i for i, name in enumerate(BUILTINS)}
    kinds = {"builtin": 0, "installed": 1, "local": 1, "pack": 2}
    return sorted(entries, key=lambda e: (kinds[e["kind"]], order.get(e["name"], 0), e["name"]))


def _entry(name: str, kind: str, status: str, distribution: str | None = None, version: str | None = None,
           hooks: Sequence[str] = (), records: Sequence[dict[str, str | None]] = (),
           errors: Sequence[str] = ()) -> dict[str, Any]:
    # "id" repeats the name: every JSON object of the command line has an id.
    return {"id": name, "name": name, "kind": kind, "status": status, "distribution": distribution,
            "version": version, "hooks": list(hooks), "records": list(records), "errors": list(errors)}


def _blocked_names(state: AppState) -> list[str]:
    from communitycore.config import load_config

    return [*load_config(state.config_path).plugins.disable, *state.disabled]


def _version_of(distribution: str | None) -> str | None:
    import importlib.metadata as md

    if not distribution:
        return None
    try:
        return md.version(distribution)
    except md.PackageNotFoundError:
        return None


def _render(entry: dict[str, Any]) -> None:
    lang = get_language()
    origin = " ".join(p for p in (entry["distribution"], entry["version"]) if p)
    marks = [] if entry["kind"] in ("installed", "local") else [word(entry["kind"], lang)]
    if entry["status"] != "loaded":
        marks.append(word(entry["status"], lang))
    head = entry["name"] + (f"  [{listing(marks)}]" if marks else "") + (f"  {origin}" if origin else "")
    click.echo(click.style(head, bold=True) if entry["status"] == "loaded" else head)
    if entry["hooks"]:
        click.echo("  " + _("hooks:   {hooks}").format(
            hooks=", ".join(h.removeprefix("communitycore_") for h in entry["hooks"])))
    by_family: dict[str, list[str]] = {}
    for record in entry["records"]:
        # The code a pack or a script names, with what a listing calls it: branch（党支部）.
        code, named = record["code"], localized(record["label"], record.get("label_en"))
        plain = named.casefold() in (code.casefold(), code.replace("-", " ").casefold())  # says what the code does
        by_family.setdefault(record["family"], []).append(
            code if plain else localized(f"{code}（{named}）", f"{code} ({named})"))
    for family, codes in by_family.items():
        click.echo("  " + _("{family}: {codes}").format(family=word(family, lang), codes=listing(codes)))
    for error in entry["errors"]:
        click.echo("  " + _("error:   {error}").format(error=error))


@plugins.command("check")
@click.argument("target", metavar="NAME_OR_PATH")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def check(target: str, as_json: bool) -> None:
    """Run the conformance check on a plugin: an installed or builtin name, a .py file or a module.

    Checks hook names and signatures, records (types, validators, references, round trip through
    the converter), conflicts with the builtins, and that the batch hooks accept an empty batch.
    Exits with status 1 if there are problems.
    """
    from communitycore.testing import load_plugin, plugin_problems

    name, plugin = load_plugin(target)
    problems = plugin_problems(plugin, name=name)
    if as_json or _state().as_json:
        _print_plain({"plugin": name, "ok": not problems, "problems": problems})
    elif problems:
        click.echo(ngettext("{name}: {count} problem", "{name}: {count} problems", len(problems)).format(
            name=name, count=len(problems)))
        for problem in problems:
            click.echo(f"  - {problem}")
    else:
        click.echo(_("{name}: ok").format(name=name))
    if problems:
        raise click.exceptions.Exit(1)


@plugins.command("new")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder to create the package in.")
def new(name: str, directory: str) -> None:
    """Create a plugin package communitycore-NAME: pyproject, example hooks, tests, README."""
    from communitycore.scaffold import new_plugin

    root = new_plugin(name, directory)
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    if _state().as_json:
        _print_plain({"path": str(root), "files": files})
        return
    click.echo(_("created {path}").format(path=root))
    for file in files:
        click.echo(f"  {file}")
    click.echo(_("next: {commands}").format(commands=f'cd {root} && pip install -e ".[test]" && pytest'))
