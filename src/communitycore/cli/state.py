"""What travels in ``ctx.obj``: the global options and the lazily opened community."""

from __future__ import annotations

import errno
import gc
import json
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

import click

from communitycore import capabilities
from communitycore.cli import clickmessages
from communitycore.cli.terminal import terminal_text
from communitycore.config import load_config
from communitycore.errors import CommunityCoreError, InvalidValue, NotFound, Problem, RejectedInput, os_reason
from communitycore.i18n import LANGUAGES, _, get_language, language, listing, normalize, set_language
from communitycore.plugins.manager import PluginWarning

if TYPE_CHECKING:
    from communitycore.plugins.manager import CommunityPluginManager
    from communitycore.sdk.community import Community


LANG_ENV = "COMMUNITYCORE_LANG"


def resolve_language(args: Sequence[str], *, report: bool = True) -> str:
    """The language of a run: ``--lang`` (global or a command's), else ``COMMUNITYCORE_LANG``, else the config's.

    Read from the raw arguments, before click parses them, because click prints ``--help`` while
    it parses. An unknown ``--lang`` is left to click, which refuses it with the choices; an unknown
    ``COMMUNITYCORE_LANG`` is ignored, with a warning unless ``report`` is false.
    """
    config_path = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        value = None
        if arg in ("--lang", "--config") and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith(("--lang=", "--config=")):
            value = arg.split("=", 1)[1]
        if value is None:
            continue
        if arg.startswith("--config"):
            config_path = value
            continue
        try:
            return normalize(value)
        except ValueError:
            pass
    from_env = os.environ.get(LANG_ENV)
    if from_env:
        try:
            return normalize(from_env)
        except ValueError:
            if report:
                click.echo(_("warning: {variable}={value!r} is not a language of the interface ({choices}); "
                             "ignored").format(variable=LANG_ENV, value=from_env, choices=listing(LANGUAGES)),
                           err=True)
    return _config_lang(config_path)


def _config_lang(config_path: str | None) -> str:
    try:
        return load_config(config_path).lang
    except CommunityCoreError:
        return LANGUAGES[0]  # a bad config file is reported when the community opens


class CommunityCoreClickError(click.ClickException):
    """A :class:`CommunityCoreError` as click shows errors, headed "Error:" in the current language.

    With ``--json`` (``data`` set), it is one JSON object on standard error instead:
    ``{"error": {"code", "type", "message", "entity", "key", "problems", "exit_code"}}``.
    """

    data: dict[str, Any] | None = None

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the error to ``file`` (standard error by default)."""
        if self.data is not None:
            click.echo(json.dumps({"error": self.data}, ensure_ascii=False, default=str), file=file,
                       err=file is None)
            return
        click.echo(_("Error: {message}").format(message=self.format_message()), file=file, err=file is None,
                   color=getattr(self, "show_color", None))


class DatabaseProblem(CommunityCoreClickError):
    """A bad environment (a database that cannot be used, a file that cannot be written): exit code 2."""

    exit_code = 2


#: Errors of the environment rather than of the input: exit code 2 (input errors: 1).
ENVIRONMENT_CODES = frozenset({"database-unavailable", "missing-database", "cannot-write", "os-error",
                               "schema-outdated"})


def command_labels() -> dict[str, tuple[str, str]]:
    """The field labels of the capability whose command is running (``community services …``: the
    services' own), which win over the shared ones in its output; none outside a capability's command."""
    from communitycore.cli import command_name

    ctx = click.get_current_context(silent=True)
    # The command under the root (the capability's group), also while the root turns an error into
    # its message, when the command's own context has ended.
    name = None if ctx is None else ctx.find_root().invoked_subcommand
    if name is None:
        return {}
    for cap in capabilities.declared():
        if any(command_name(path) == name for path in cap.commands):
            return dict(cap.labels)
    return {}


def error_message(exc: CommunityCoreError) -> str:
    """What the command line prints for ``exc``: its message, with command-line advice where the SDK's differs."""
    if exc.code == "missing-database":
        return _("there is no database at {path}\nrun `community init` to create it, or pass --create").format(
            path=exc.key)
    if isinstance(exc, RejectedInput) and not exc.imported:
        # What one command was given: its fields by their labels (转正日期), the command's own first.
        from communitycore.labels import label

        lang = get_language()
        own = command_labels()
        return exc.message_naming(lambda field: label(field, lang, own))
    if isinstance(exc, InvalidValue | NotFound) and len(exc.problems) == 1 and exc.problems[0].row is None:
        from communitycore.labels import label  # one bad field: named by its label (任期开始)

        problem: Problem = exc.problems[0]
        return problem.worded(label(problem.field, get_language(), command_labels()))
    return str(exc)


def click_error(exc: CommunityCoreError) -> CommunityCoreClickError:
    """``exc`` as click shows it: exit code 2 for a bad environment, 1 otherwise; with ``--json``, as JSON."""
    cls = DatabaseProblem if exc.code in ENVIRONMENT_CODES else CommunityCoreClickError
    error = cls(terminal_text(error_message(exc)))
    ctx = click.get_current_context(silent=True)
    app = ctx.find_object(AppState) if ctx is not None else None
    if app is not None and app.as_json:
        error.data = {**exc.to_dict(), "message": error_message(exc), "exit_code": cls.exit_code}
    return error


class CommunityGroup(click.Group):
    """The ``community`` group: one language per run, and every :class:`CommunityCoreError` as a clean error.

    The language (``resolve_language``) holds for the whole run, help pages and click's own
    messages included (:mod:`communitycore.cli.clickmessages`), and the caller's language is back
    when the run ends, so tests and hosts that run the command line in-process keep their own. An
    error becomes one paragraph and exit code 1. A plugin's warning during a command (an answer
    refused, a plugin disabled after it raised) is printed as one ``warning: ...`` line on stderr,
    like the warnings given while loading.
    """

    def main(self, args: Sequence[str] | None = None, *rest: Any, **options: Any) -> Any:
        """Run the command line in the language the arguments, the environment or the config choose."""
        argv = list(sys.argv[1:] if args is None else args)
        shown = warnings.showwarning

        def show(message: Warning | str, category: type[Warning], *more: Any, **extra: Any) -> None:
            if issubclass(category, PluginWarning):
                click.echo(terminal_text(_("warning: {message}").format(message=message)), err=True)
            else:
                shown(message, category, *more, **extra)

        with language(resolve_language(argv)), clickmessages.translating(), warnings.catch_warnings():
            warnings.simplefilter("always", PluginWarning)
            warnings.showwarning = show
            return super().main(args, *rest, **options)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CommunityCoreError as exc:
            raise click_error(exc) from exc
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # a closed pipe (``| head``): click ends quietly
            # The operating system refused a file or folder (a read-only folder, a missing one, a full
            # disk) somewhere no library error names it: still a bad environment, never a traceback.
            reason = os_reason(exc)
            message = _("{file}: {reason}").format(file=exc.filename, reason=reason) if exc.filename else reason
            raise click_error(CommunityCoreError(message, code="os-error", entity="file",
                                                 key=None if exc.filename is None else str(exc.filename))) from exc


class AppState:
    """Global options and the community they open (created on first use, closed at exit)."""

    def __init__(self, community: Community | None = None, *, pm: CommunityPluginManager | None = None) -> None:
        self._community = community
        self.pm = pm
        self.db: str | None = None
        self.create = False  # --create: a SQLite file that does not exist may be created
        self.config_path: str | None = None
        self.as_json = False
        self.no_plugins = False
        self.disabled: tuple[str, ...] = ()
        self.packs: tuple[str, ...] = ()
        self.actor: str | None = None
        self.owns_process = False
        """Set by the console command (:func:`communitycore.cli.main`): the process is the command's, and
        what its start made is frozen once the community is open (see :meth:`community`)."""

    @classmethod
    def from_argv(cls, args: Sequence[str]) -> AppState:
        """Read the plugin switches before click parses, since plugin commands must exist by then."""
        state = cls()
        state.no_plugins = "--no-plugins" in args
        disabled = []
        for i, arg in enumerate(args):
            if arg == "--disable-plugin" and i + 1 < len(args):
                disabled.append(args[i + 1])
            elif arg.startswith("--disable-plugin="):
                disabled.append(arg.split("=", 1)[1])
            elif arg == "--config" and i + 1 < len(args):
                state.config_path = args[i + 1]  # its [plugins] table decides what loads
            elif arg.startswith("--config="):
                state.config_path = arg.split("=", 1)[1]
        state.disabled = tuple(disabled)
        return state

    @property
    def lang(self) -> str:
        """The language of messages and labels now (``zh`` or ``en``), that of ``communitycore.i18n.get_language()``."""
        return get_language()

    @lang.setter
    def lang(self, value: str) -> None:
        set_language(value)

    def configure(self, **options: Any) -> None:
        """Take the parsed global options (without ``--lang``, the run's language stays as resolved)."""
        for key, value in options.items():
            if key == "lang" and not value:
                continue
            setattr(self, key, value)

    def plugin_manager(self) -> CommunityPluginManager:
        """The plugin manager for this run (built once, honouring the switches and config)."""
        if self.pm is None:
            from communitycore.config import load_config
            from communitycore.plugins.manager import make_plugin_manager

            config = load_config(self.config_path)
            autoload = False if (self.no_plugins or not config.plugins.autoload) else None
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                self.pm = make_plugin_manager(autoload=autoload, blocked=[*config.plugins.disable, *self.disabled],
                                              strict=config.plugins.strict or None)
            for w in caught:
                click.echo(terminal_text(_("warning: {message}").format(message=w.message)), err=True)
        return self.pm

    def adds_commands(self) -> bool:
        """Whether a plugin implements ``communitycore_register_commands`` (a broken setup: yes, so
        that :meth:`add_plugin_commands` reports it as before)."""
        try:
            pm = self.plugin_manager()
        except CommunityCoreError:
            return True
        return bool(pm.hook.communitycore_register_commands.get_hookimpls())

    def add_plugin_commands(self, cli: click.Group) -> None:
        """Let every plugin add its commands; a failing plugin is reported and skipped.

        Each plugin is called on its own (wrappers included), so a command that would replace
        one already there, builtin or another plugin's, at any depth, is put back and the
        plugin named in a warning. New commands, also inside builtin groups, are welcome.
        """
        try:
            pm = self.plugin_manager()
        except CommunityCoreError:  # a bad config: the command reports it, once, when it reads it
            return
        owners: dict[tuple[str, ...], str | None] = dict.fromkeys(command_tree(cli))  # None: builtin
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                before = command_tree(cli)
                for answer in pm.call_each("communitycore_register_commands", cli=cli):
                    _keep_commands(pm, cli, before, owners, answer.plugin)
                    before = command_tree(cli)
                    owners.update((path, answer.plugin) for path in before if path not in owners)
            except CommunityCoreError as exc:  # strict mode: a plugin's failure is an error
                click.echo(terminal_text(_("Error: {message}").format(message=exc)), err=True)
        for w in caught:
            click.echo(terminal_text(_("warning: {message}").format(message=w.message)), err=True)

    @property
    def community(self) -> Community:
        """The open community (opened on first use)."""
        if self._community is None:
            with _collection_paused(), warnings.catch_warnings(record=True) as caught:
                from communitycore.sdk.community import open as open_community

                warnings.simplefilter("always")
                self._community = open_community(
                    self.db, config=self.config_path, actor=self.actor, pm=self.plugin_manager(),
                    packs=self.packs, create=True if self.create else None,
                )
                if self.owns_process:
                    # What the start made (modules, classes, the tables) lives as long as the process:
                    # out of the collector's sight, so that no later collection walks it again.
                    gc.freeze()
            for w in caught:
                click.echo(terminal_text(_("warning: {message}").format(message=w.message)), err=True)
            ctx = click.get_current_context(silent=True)
            if ctx is not None:
                ctx.call_on_close(self._community.close)
        return self._community


@contextmanager
def _collection_paused() -> Iterator[None]:
    """No garbage collection while the community opens.

    Opening imports the SDK, SQLAlchemy and the tables (on first use, here): some 28,000 objects
    that live as long as the process. Collecting while they are made frees next to nothing (a few
    dozen objects) and took ~28 ms of a one-page listing's CPU (a full collection and a dozen of
    the middle generation). Collection resumes as it was once the community is open; the console
    command then freezes what its start made (:attr:`AppState.owns_process`), or the first
    collections after the pause, and those of the interpreter's exit, would walk it all the same.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def command_tree(group: click.Group, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], click.Command]:
    """Every command under ``group`` by its path (``("member", "add")``), groups included."""
    tree: dict[tuple[str, ...], click.Command] = {}
    for name, command in group.commands.items():
        tree[(*prefix, name)] = command
        if isinstance(command, click.Group):
            tree.update(command_tree(command, (*prefix, name)))
    return tree


def _keep_commands(pm: CommunityPluginManager, cli: click.Group, before: dict[tuple[str, ...], click.Command],
                   owners: dict[tuple[str, ...], str | None], plugin: str) -> None:
    """Put back every command ``plugin`` replaced or removed, and name the plugin for each."""
    restored: list[tuple[str, ...]] = []
    for path, command in sorted(before.items(), key=lambda item: len(item[0])):
        if any(path[: len(done)] == done for done in restored):
            continue  # its group was put back whole
        parent = cli
        for name in path[:-1]:
            parent = parent.commands[name]  # type: ignore[assignment]
        if parent.commands.get(path[-1]) is command:
            continue
        parent.add_command(command, path[-1])
        restored.append(path)
        owner = owners.get(path)
        shown = " ".join(("community", *path))
        if owner is None:
            message = _("tried to replace the builtin command {command!r}; the builtin stays and the "
                        "plugin's command is left out").format(command=shown)
        else:
            message = _("tried to replace the command {command!r} of plugin {owner!r}; that one stays and "
                        "this plugin's command is left out").format(command=shown, owner=owner)
        pm.refuse(plugin, message)
