"""The ``community`` command line: thin commands that parse, call the facade and render.

Nothing here imports SQLAlchemy at module level, so ``community --help`` stays instant; the
community is opened on first use. Tests inject one through ``obj=AppState(community=...)``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from communitycore import __version__, capabilities
from communitycore.cli.helptext import translate_commands
from communitycore.cli.state import AppState, CommunityGroup, resolve_language
from communitycore.i18n import _, language

#: Commands of the platform itself (``module:attribute``); each capability adds its own groups
#: (``Capability.commands``, see :mod:`communitycore.capabilities`).
PLATFORM_COMMANDS: tuple[str, ...] = (
    "communitycore.cli.init:init",
    "communitycore.cli.db:db",
    "communitycore.cli.exchange:export_",
    "communitycore.cli.exchange:import_",
    "communitycore.cli.demo:demo",
    "communitycore.cli.plugins:plugins",
)


def builtin_command_paths() -> list[str]:
    """``module:attribute`` of the platform's commands and every declared capability's, in that order."""
    return [*PLATFORM_COMMANDS, *(path for cap in capabilities.declared() for path in cap.commands)]


def builtin_commands() -> list[click.Command]:
    """The platform's commands and every declared capability's, in that order."""
    return [capabilities.load(path) for path in builtin_command_paths()]


def command_name(path: str) -> str:
    """The name a builtin command path gives its command: the attribute, without a trailing ``_``
    (``communitycore.cli.exchange:export_`` is ``export``), underscores as dashes."""
    return path.rpartition(":")[2].rstrip("_").replace("_", "-")


class _LazyGroup(CommunityGroup):
    """The top-level group of the console command: a builtin command's module is imported when the
    command is asked for, so ``community member list`` does not import the modules of meetings,
    services or assessments. Listing the commands (``--help``) loads them all."""

    lazy: dict[str, str]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        path = self.lazy.pop(cmd_name, None)
        if path is not None:
            command = capabilities.load(path)
            translate_commands(command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_all()
        return super().list_commands(ctx)

    def load_all(self) -> None:
        """Import every builtin command not imported yet, in the declared order."""
        while self.lazy:
            name, path = next(iter(self.lazy.items()))
            del self.lazy[name]
            command = capabilities.load(path)
            translate_commands(command)
            self.add_command(command, name)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    # Click's own --version words its line when the module is imported, before the run's language is known.
    if value and not ctx.resilient_parsing:
        click.echo(_("{program}, version {version}").format(program="community", version=__version__))
        ctx.exit()


def make_cli(state: AppState | None = None, *, lazy: bool = False) -> click.Group:
    """A fresh top-level group with the builtin commands and every plugin's commands.

    With ``lazy`` (the console command), a builtin command is imported when it is invoked, unless
    a plugin adds commands: then every builtin is loaded first, so that a plugin cannot take a
    builtin's name unnoticed.
    """
    @click.group(cls=_LazyGroup if lazy else CommunityGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.option("--db", metavar="URL",
                  help="Database URL or SQLite file (default: COMMUNITYCORE_DB, the config's db, ./community.db).")
    @click.option("--create", is_flag=True,
                  help="Create the SQLite file if it does not exist (otherwise only init and demo create one).")
    @click.option("--config", "config_path", type=click.Path(dir_okay=False),
                  help="Config file (default: ./community.toml).")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON (the stable scripting interface).")
    @click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
                  help="Language of messages, labels and help: zh (default) or en; also COMMUNITYCORE_LANG or "
                       "the config's lang.")
    @click.option("--no-plugins", is_flag=True, help="Do not load installed plugins (builtins still load).")
    @click.option("--disable-plugin", "disabled", multiple=True, metavar="NAME",
                  help="Leave out a plugin by name (repeatable).")
    @click.option("--pack", "packs", multiple=True, type=click.Path(dir_okay=False),
                  help="Load a TOML pack (repeatable).")
    @click.option("--actor", help="Who is acting, for the audit trail (default: COMMUNITYCORE_ACTOR or the OS user).")
    @click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
                  help="Show the version and exit.")
    @click.pass_context
    def cli(ctx: click.Context, db: str | None, create: bool, config_path: str | None, as_json: bool,
            lang: str | None, no_plugins: bool, disabled: tuple[str, ...], packs: tuple[str, ...],
            actor: str | None) -> None:
        """社区党建 communitycore: organization tree, members, meetings, services.

        \b
        Start with:  community demo        (a sample community)
                     community org tree    (the organization tree)
        """
        app = ctx.ensure_object(AppState)
        app.configure(db=db, create=create, config_path=config_path, as_json=as_json, lang=lang, no_plugins=no_plugins,
                      disabled=disabled, packs=packs, actor=actor)

    app = state or AppState()
    if isinstance(cli, _LazyGroup):
        cli.lazy = {command_name(path): path for path in builtin_command_paths()}
        if app.adds_commands():
            cli.load_all()
    else:
        for command in builtin_commands():
            cli.add_command(command)
    app.add_plugin_commands(cli)
    translate_commands(cli)  # help pages in the run's language, plugins' commands included
    return cli


def main(argv: Sequence[str] | None = None) -> Any:
    """Console-script entry point."""
    args = list(sys.argv[1:] if argv is None else argv)
    state = AppState.from_argv(args)
    state.owns_process = True
    with language(resolve_language(args, report=False)):  # plugins load in it too; the group warns once
        cli = make_cli(state, lazy=True)
        return cli.main(args=args, prog_name="community", obj=state)
