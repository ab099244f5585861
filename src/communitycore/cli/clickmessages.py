"""Click's own messages in the run's language: parsing errors and a help page's ``[default: …; required]``.

Click makes these texts inside its modules with the standard library's gettext (``_`` and
``ngettext`` bound in each module). Installing a translation in that domain would change every
click program in the process, so :func:`install` puts a lookup of its own in those modules
instead (when this module is imported), which gives the original text unless a ``community`` run
is going on in the current context (:func:`translating`, entered by the top-level group): another click program, even in
another thread of the same process, keeps click's English. During a run, click's texts are looked
up in communitycore's catalog; one it lacks stays as click wrote it.

Some of click's messages are put together from pieces outside gettext's reach: the sentence
"Missing argument 'ID'." ends with a period written in code, a suggestion follows the sentence
before it after a space ("No such option '--limt'. Did you mean '--limit'?"), lists of choices
are joined with commas, a help page's bracket with semicolons, and "'x' is not a valid integer."
names the parameter type by click's English name for it. :func:`install` also gives the few
click methods that put these together (:data:`COMPOSED`) a version of ours, used during a run
only: the pieces come from the catalog, and so do the ways they are joined (the sentences of a
message, a list, the bracket's items), so the Chinese reads ``缺少参数 'ID'。`` and
``'abc' 不是有效的整数。``. In English the result is click's own text, word for word.

What is left as click writes it, in every language: the placeholders a help page shows for
values (``INTEGER``, ``TEXT``, ``FILE``, ``[OPTIONS]``, and the project's own ``ID``, ``UNIT``,
``PERIOD``), which the help texts name as they are, and a value or name quoted as Python writes
it (``'abc'``, ``'--limit'``), which shows exactly what was typed, control characters escaped.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
import importlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from communitycore.i18n import N_, _, listing, pgettext

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

#: Click's names of its number types, as "{value!r} is not a valid {number_type}." names them
#: (``'x' is not a valid integer.``): translated there, from the catalog. A help page shows a type's
#: name as the placeholder of the value (``INTEGER``), and placeholders stay as written.
CLICK_TYPE_NAMES = (
    N_("integer"),
    # TRANSLATORS: in "'x' is not a valid integer range.", said of a value that is no number at all.
    N_("integer range"),
    N_("float"),
    # TRANSLATORS: in "'x' is not a valid float range.", said of a value that is no number at all.
    N_("float range"),
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

#: The message that names a number type (:data:`CLICK_TYPE_NAMES`).
_NUMBER_MESSAGE = "{value!r} is not a valid {number_type}."

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


class _NamingTheType(str):
    """The translation of :data:`_NUMBER_MESSAGE`, which puts the type's name in the same language."""

    __slots__ = ()

    def format(self, *args: Any, **kwargs: Any) -> str:
        name = kwargs.get("number_type")
        if isinstance(name, str):
            kwargs["number_type"] = _(name)  # i18n: skip (click's names, listed in CLICK_TYPE_NAMES)
        return str.format(self, *args, **kwargs)


def _click_gettext(message: str) -> str:
    if message in _NOUNS:
        return _Noun(gettext.gettext(message))
    if _active.get() and message not in _KEPT_BY_CLICK:
        text = _(message)  # i18n: skip (click's texts, listed in CLICK_MESSAGES)
        return _NamingTheType(text) if message == _NUMBER_MESSAGE else text
    return gettext.gettext(message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    # Both languages of the interface choose the form as English does (Chinese has one form), so
    # each form is a message of its own: no plural entries for texts written in click's source.
    if _active.get():
        return _(singular if n == 1 else plural)  # i18n: skip (click's texts, listed in CLICK_MESSAGES)
    return gettext.ngettext(singular, plural, n)


# Click's messages put together in the run's language (see the module docstring). Each function
# gives, in English, the text click's own method gives.


def _sentences(*sentences: str) -> str:
    """Sentences one after the other: with a space between them in English, none in Chinese."""
    text = ""
    for sentence in sentences:
        # TRANSLATORS: two sentences of one message, the first ending with its own punctuation.
        text = pgettext("two sentences", "{first} {second}").format(first=text, second=sentence) if text else sentence
    return text


def _possibilities(possibilities: Sequence[str]) -> str:
    names = listing(repr(p) for p in sorted(possibilities))
    if len(possibilities) == 1:
        return _("Did you mean {possibility}?").format(possibility=names)
    return _("(Did you mean one of: {possibilities}?)").format(possibilities=names)


def _suggesting_message(click_method: Callable[[Any], str], self: Any) -> str:
    """``NoSuchOption`` and ``NoSuchCommand``: the message, then the names meant perhaps."""
    if not self.possibilities:
        return str(self.message)
    return _sentences(self.message, _possibilities(self.possibilities))


#: Click's words for a parameter not given, by the parameter's kind.
_MISSING = {"argument": N_("Missing argument"), "option": N_("Missing option"), "parameter": N_("Missing parameter")}


def _missing_message(click_method: Callable[[Any], str], self: Any) -> str:
    """``MissingParameter``: "Missing option '--kind'." and what the type adds (the choices)."""
    hint = self.param_hint
    if hint is None and self.param is not None:
        hint = self.param.get_error_hint(self.ctx)
    if hint is not None and not isinstance(hint, str):
        hint = " / ".join(repr(h) for h in hint)
    kind = self.param_type
    if kind is None and self.param is not None:
        kind = self.param.param_type_name
    if kind not in _MISSING:
        return click_method(self)  # a kind of parameter of its own: as click words it
    missing = _(_MISSING[kind])  # i18n: skip (click's texts, listed in CLICK_MESSAGES)
    if hint:
        head = _("{missing} {name}.").format(missing=missing, name=hint)
    else:
        head = _("{missing}.").format(missing=missing)
    extra = self.param.type.get_missing_message(param=self.param, ctx=self.ctx) if self.param is not None else None
    message = self.message
    if message and extra:
        message = _("{message}.").format(message=message)
    return _sentences(*(part for part in (head, message, extra) if part))


def _choices(choice: Any, ctx: Any) -> list[str]:
    """The choices as a value is matched against them (as click lists them)."""
    return [choice.normalize_choice(c, ctx) for c in choice.choices]


def _invalid_choice_message(click_method: Callable[..., str], self: Any, value: Any, ctx: Any) -> str:
    """``Choice``: "'x' is not one of 'a', 'b'.", the choices listed as the language lists."""
    names = listing(repr(c) for c in _choices(self, ctx))
    if len(self.choices) == 1:
        return _("{value!r} is not {choice}.").format(value=value, choice=names)
    return _("{value!r} is not one of {choices}.").format(value=value, choices=names)


def _choose_from_message(click_method: Callable[..., str], self: Any, param: Any, ctx: Any) -> str:
    """``Choice``: the choices a missing value may take, one a line."""
    choices = _choices(self, ctx)
    # TRANSLATORS: a choice of "Choose from:", one a line, followed by another (Chinese lines need no comma).
    followed = pgettext("one choice a line", "{choice},")
    lines = [followed.format(choice=choice) for choice in choices[:-1]] + choices[-1:]
    return _("Choose from:\n\t{choices}").format(choices="\n\t".join(lines))


def _help_record(click_method: Callable[..., Any], self: Any, ctx: Any) -> Any:
    """``Option``: its help text's bracket (``[default: 50; required]``), its items separated as the language writes."""
    record = click_method(self, ctx)
    if record is None:
        return record
    names, text = record
    extra = self.get_help_extra(ctx)
    items = []
    if "envvars" in extra:
        items.append(_("env var: {var}").format(var=", ".join(extra["envvars"])))
    if "default" in extra:
        items.append(_("default: {default}").format(default=extra["default"]))
    if "range" in extra:
        items.append(extra["range"])
    if "required" in extra:
        items.append(_(extra["required"]))  # i18n: skip (click's text "required", in CLICK_MESSAGES)
    made = f"[{'; '.join(items)}]"
    if len(items) > 1 and text.endswith(made):  # the bracket as click made it, nothing else
        # TRANSLATORS: between the items of the bracket after an option's help: [default: 50; required]
        separator = pgettext("help bracket", "; ")
        text = text[: -len(made)] + "[" + separator.join(items) + "]"
    return names, text


#: Click's methods that put a message together, as (module, class, method, ours, what ours uses of
#: the class besides), ours used during a run. A version of click that lacks any of it keeps its own.
COMPOSED: tuple[tuple[str, str, str, Callable[..., Any], tuple[str, ...]], ...] = (
    ("click.exceptions", "MissingParameter", "format_message", _missing_message, ()),
    ("click.exceptions", "NoSuchOption", "format_message", _suggesting_message, ()),
    ("click.exceptions", "NoSuchCommand", "format_message", _suggesting_message, ()),
    ("click.types", "Choice", "get_invalid_choice_message", _invalid_choice_message, ("normalize_choice",)),
    ("click.types", "Choice", "get_missing_message", _choose_from_message, ("normalize_choice",)),
    ("click.core", "Option", "get_help_record", _help_record, ("get_help_extra",)),
)


def _during_a_run(click_method: Callable[..., Any], ours: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(click_method)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _active.get():
            return ours(click_method, self, *args, **kwargs)
        return click_method(self, *args, **kwargs)

    return method


def install() -> None:
    """Give click's modules the lookup of this module, and the methods of :data:`COMPOSED` ours
    (once; it changes nothing outside a run)."""
    global _installed
    if _installed:
        return
    for name in CLICK_MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = _click_gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _click_ngettext  # type: ignore[attr-defined]
    for module_name, class_name, method_name, ours, uses in COMPOSED:
        cls = getattr(importlib.import_module(module_name), class_name)
        click_method = cls.__dict__.get(method_name)
        if click_method is not None and all(hasattr(cls, name) for name in uses):
            setattr(cls, method_name, _during_a_run(click_method, ours))
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

__all__ = ["CLICK_MESSAGES", "CLICK_MODULES", "CLICK_TYPE_NAMES", "COMPOSED", "install", "translating"]
