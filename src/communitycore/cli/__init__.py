"""The ``community`` command line: thin commands that parse, call the facade and render.

Nothing here imports SQLAlchemy at module level, so ``community --help`` stays instant; the
community is opened on first use. Tests inject one through ``obj=AppState(community=...)``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from communitycore.cli.state import AppState, CommunityGroup

#: Modules that contribute command groups: (module, attribute), added in this order.
COMMAND_MODULES: tuple[tuple[str, str], ...] = (
    ("communitycore.cli.init", "init"),
    ("communitycore.cli.org", "org"),
    ("communitycore.cli.member", "member"),
    ("communitycore.cli.resident", "resident"),
    ("communitycore.cli.audit", "audit"),
    ("communitycore.cli.db", "db"),
    ("communitycore.cli.exchange", "export_"),
    ("communitycore.cli.exchange", "import_"),
    ("communitycore.cli.demo", "demo"),
    ("communitycore.cli.plugins", "plugins"),
)


def make_cli(state: AppState | None = None) -> click.Group:
    """A fresh top-level group with the builtin commands and every plugin's commands."""
    import importlib

    @click.group(cls=CommunityGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.option("--db", metavar="URL",
                  help="Database URL or SQLite file (default: COMMUNITYCORE_DB, the config's db, ./community.db).")
    @click.option("--config", "config_path", type=click.Path(dir_okay=False),
                  help="Config file (default: ./community.toml).")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON (the stable scripting interface).")
    @click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Label language (default zh).")
    @click.option("--no-plugins", is_flag=True, help="Do not load installed plugins (builtins still load).")
    @click.option("--disable-plugin", "disabled", multiple=True, metavar="NAME",
                  help="Leave out a plugin by name (repeatable).")
    @click.option("--pack", "packs", multiple=True, type=click.Path(dir_okay=False),
                  help="Load a TOML pack (repeatable).")
    @click.option("--actor", help="Who is acting, for the audit trail (default: COMMUNITYCORE_ACTOR or the OS user).")
    @click.version_option(package_name="communitycore", prog_name="community")
    @click.pass_context
    def cli(ctx: click.Context, db: str | None, config_path: str | None, as_json: bool, lang: str | None,
            no_plugins: bool, disabled: tuple[str, ...], packs: tuple[str, ...], actor: str | None) -> None:
        """社区党建 communitycore: organization tree, members, meetings, services.

        \b
        Start with:  community demo        (a sample community)
                     community org tree    (the organization tree)
        """
        app = ctx.ensure_object(AppState)
        app.configure(db=db, config_path=config_path, as_json=as_json, lang=lang, no_plugins=no_plugins,
                      disabled=disabled, packs=packs, actor=actor)

    for module_name, attribute in COMMAND_MODULES:
        try:
            command = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError):  # a command group not built yet must not break the rest
            continue
        cli.add_command(command)
    app = state or AppState()
    app.add_plugin_commands(cli)
    return cli


def main(argv: Sequence[str] | None = None) -> Any:
    """Console-script entry point."""
    args = list(sys.argv[1:] if argv is None else argv)
    state = AppState.from_argv(args)
    cli = make_cli(state)
    return cli.main(args=args, prog_name="community", obj=state)
