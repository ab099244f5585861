"""Click's own messages in the run's language: parsing errors and a help page's ``[default: …; required]``.

Click makes these texts inside its modules with the standard library's gettext (``_`` and
``ngettext`` bound in each module). Installing a translation in that domain would change every
click program in the process, so :func:`install` puts a lookup of its own in those modules
instead (when this module is imported), which gives the original text unless a ``community`` run
is going on in the current context (:func:`translating`, entered by the top-level group): another click program, even in
another thread of the same process, keeps click's English. During a run, click's texts are looked
up in communitycore's catalog; one it lacks stays as click wrote it.
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext
import importlib
from collections.abc import Iterator

from communitycore.i18n import N_, _

#: Click's messages a user of the command line can meet, in click's words (click 8.2 and later).
#: A message with a plural form is listed in both forms, each looked up as a message of its own.
CLICK_MESSAGES = (
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Aborted!"),
    N_("Missing command."),
    N_("No such command {name!r}."),
    N_("No such option {name!r}."),
    N_("Did you mean {possibility}?"),
    N_("(Did you mean one of: {possibilities}?)"),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing parameter: {param_name}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"),
    N_("Got unexpected extra argument ({args})"),
    N_("Got unexpected extra arguments ({args})"),
    N_("Option {name!r} does not take a value."),
    N_("Option {name!r} requires an argument."),
    N_("Option {name!r} requires {nargs} arguments."),
    N_("Argument {name!r} takes {nargs} values."),
    N_("Takes {nargs} values but 1 was given."),
    N_("Takes {nargs} values but {len} were given."),
    N_("Choose from:\n\t{choices}"),
    N_("{value!r} is not {choice}."),
    N_("{value!r} is not one of {choices}."),
    N_("{value!r} does not match the format {format}."),
    N_("{value!r} does not match the formats {formats}."),
    N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("{value!r} is not a valid UUID."),
    N_("file"),
    N_("directory"),
    N_("path"),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("{name} {filename!r} is not executable."),
    N_("Could not open file {filename!r}: {message}"),
    N_("default: {default}"),
    N_("env var: {var}"),
    N_("required"),
    N_("(dynamic)"),
    N_("Do you want to continue?"),
    N_("Repeat for confirmation"),
    N_("Error: The two entered values do not match."),
    N_("Error: invalid input"),
)

#: Click's modules that make messages with gettext.
CLICK_MODULES = ("click.core", "click.exceptions", "click.types", "click.parser", "click.decorators",
                 "click.termui", "click.formatting")

#: Texts click keeps once made (the help option a command makes on first use, with its help text):
#: they stay in English, and the help formatter translates them each time a help page is drawn
#: (:mod:`communitycore.cli.helptext`), or the first run's language would stick to the command.
_KEPT_BY_CLICK = frozenset({"Show this message and exit.", "Show the version and exit."})

#: Nouns a ``click.Path`` keeps from its making (at import) and capitalizes in its messages.
_NOUNS = frozenset({"file", "directory", "path"})

_active: contextvars.ContextVar[bool] = contextvars.ContextVar("communitycore_click_messages", default=False)
_installed = False


class _Noun(str):
    """A noun of :data:`_NOUNS`: capitalized (``title()``, as click does in "File 'x' does not exist.")
    in the language of the message that names it, whenever the parameter type was made."""

    __slots__ = ()

    def title(self) -> str:
        if _active.get():
            return _(str(self)).title()  # i18n: skip (click's texts, listed in CLICK_MESSAGES)
        return str.title(self)


def _click_gettext(message: str) -> str:
    if message in _NOUNS:
        return _Noun(gettext.gettext(message))
    if _active.get() and message not in _KEPT_BY_CLICK:
        return _(message)  # i18n: skip (click's texts, listed in CLICK_MESSAGES)
    return gettext.gettext(message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    # Both languages of the interface choose the form as English does (Chinese has one form), so
    # each form is a message of its own: no plural entries for texts written in click's source.
    if _active.get():
        return _(singular if n == 1 else plural)  # i18n: skip (click's texts, listed in CLICK_MESSAGES)
    return gettext.ngettext(singular, plural, n)


def install() -> None:
    """Give click's modules the lookup of this module (once; it changes nothing outside a run)."""
    global _installed
    if _installed:
        return
    for name in CLICK_MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = _click_gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _click_ngettext  # type: ignore[attr-defined]
    _installed = True


@contextlib.contextmanager
def translating() -> Iterator[None]:
    """Click's messages in the current language inside the ``with`` block (in this context only)."""
    install()
    token = _active.set(True)
    try:
        yield
    finally:
        _active.reset(token)


# Installed with the command line's first module, before any command module makes its parameter
# types: a ``click.Path`` made at import keeps a noun of ours (:class:`_Noun`).
install()

__all__ = ["CLICK_MESSAGES", "CLICK_MODULES", "install", "translating"]
