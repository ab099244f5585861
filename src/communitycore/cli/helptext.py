"""Help pages in the user's language: commands' and options' help texts, and click's own headings.

Help texts stay as they are written (English docstrings and ``help=``); the catalogs hold them,
extracted by :mod:`communitycore.i18n_extract`, and they are translated when a help page is
shown. :func:`translate_commands` gives every command of the tree that behaviour: it mixes
:class:`TranslatedHelp` into each command's own class, so no command module has to name a class
(``cls=``) and a plugin's commands are covered too.

Click's own words on a help page ("Usage:", "Options", "Commands", the help option's "Show this
message and exit.") come from click's gettext domain. Installing a translation there would
change every click program in the process, so they are translated here instead, in the help
formatter of our commands' contexts (:class:`TranslatingHelpFormatter`), from our own catalog.
Click's parsing errors ("No such option", "Missing argument") are made inside click with its own
gettext; :mod:`communitycore.cli.clickmessages` translates them during a run.

Chinese text has no spaces to wrap at, so the formatter wraps it by display width (a CJK
character takes two columns) wherever a line may break; English text is wrapped by click as usual.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from functools import cache
from typing import Any, TypeVar

import click
from click.formatting import iter_rows, measure_table
from click.formatting import wrap_text as click_wrap_text

from communitycore.cli.render import display_width
from communitycore.i18n import N_, _, translate_help

#: Click's own texts on a help page, translated from our catalog (see the module docstring).
CLICK_TEXTS = (
    N_("Usage: "),
    N_("Options"),
    N_("Commands"),
    N_("Positional arguments"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
)

_WIDE_CLASS = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
#: Opening punctuation stays with what follows it, so a line never ends with one; closing punctuation
#: stays with what precedes it, so a line never starts with one.
_OPENERS = "（《「『【〔“‘"
_CLOSERS = "，。、；：？！）》」』】〕…”’"
#: A token to wrap: a run of spaces, or one wide character or a run of anything else (a word), with
#: the punctuation that must not be parted from it.
_TOKEN = (rf"\s+|[{_OPENERS}]*(?:[{_WIDE_CLASS}]|[^\s{_WIDE_CLASS}{_CLOSERS}]+)[{_CLOSERS}]*"
          rf"|[{_CLOSERS}]+")


# The patterns are compiled when a help page is first drawn, not when the module is imported:
# a command that prints none does not pay for them (~3 ms, the token pattern's classes are large).
@cache
def _wide() -> re.Pattern[str]:
    return re.compile(f"[{_WIDE_CLASS}]")


@cache
def _token() -> re.Pattern[str]:
    return re.compile(_TOKEN)

C = TypeVar("C", bound=click.Command)


def _join_lines(lines: Iterable[str]) -> str:
    """Lines of one paragraph as one line: no space is put between two wide characters."""
    out = ""
    for line in (line.strip() for line in lines):
        if not line:
            continue
        if out and not (_wide().match(out[-1]) and _wide().match(line[0])):
            out += " "
        out += line
    return out


def fill(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """One paragraph wrapped to ``width`` terminal columns, breaking between words and wide characters."""
    lines: list[str] = []
    line, used, space = initial_indent, display_width(initial_indent), False
    has_text = False
    for token in _token().findall(text):
        if token.isspace():
            space = has_text
            continue
        size = display_width(token) + (1 if space else 0)
        if has_text and used + size > width:
            lines.append(line.rstrip())
            line, used, space = subsequent_indent, display_width(subsequent_indent), False
            size = display_width(token)
        if space:
            line += " "
        line += token
        used += size
        has_text, space = True, False
    lines.append(line.rstrip())
    return "\n".join(lines)


def wrap_text(text: str, width: int = 78, initial_indent: str = "", subsequent_indent: str = "",
              preserve_paragraphs: bool = False) -> str:
    """:func:`click.formatting.wrap_text`, by display width for text with wide (CJK) characters."""
    if not _wide().search(text):
        return click_wrap_text(text, width, initial_indent, subsequent_indent, preserve_paragraphs)
    if not preserve_paragraphs:
        return fill(_join_lines(text.splitlines()), width, initial_indent, subsequent_indent)
    out = []
    # Paragraphs as click reads them: blank lines between; one starting with \b is kept as written.
    for block in re.split(r"\n\s*\n", text.expandtabs()):
        block_lines = block.splitlines()
        if not block_lines:
            continue
        first = block_lines[0]
        indent = " " * (len(first) - len(first.lstrip()))
        if first.strip() == "\b":
            out.append("\n".join(initial_indent + indent + line for line in block_lines[1:]))
        else:
            out.append(fill(_join_lines(block_lines), width, initial_indent + indent, subsequent_indent + indent))
    return "\n\n".join(out)


class TranslatingHelpFormatter(click.HelpFormatter):
    """Click's help formatter with click's own words from our catalog and wide text wrapped by width."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """The usage line, headed by "Usage:" in the current language."""
        super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        """A section heading ("Options", "Commands") in the current language."""
        text = _("{heading}:").format(heading=_(heading))
        self.write(f"{'':>{self.current_indent}}{text}\n")

    def write_text(self, text: str) -> None:
        """A help text, rewrapped to the width with its paragraphs kept."""
        indent = " " * self.current_indent
        self.write(wrap_text(text, self.width, initial_indent=indent, subsequent_indent=indent,
                             preserve_paragraphs=True))
        self.write("\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        """A definition list (options, commands), as click writes it, with wide text wrapped by width."""
        rows = list(rows)
        widths = measure_table(rows)
        if len(widths) != 2:
            raise TypeError("Expected two columns for definition list")
        first_col = min(widths[0], col_max) + col_spacing
        for first, second in iter_rows(rows, len(widths)):
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n")
                self.write(" " * (first_col + self.current_indent))
            text_width = max(self.width - first_col - 2, 10)
            lines = wrap_text(second, text_width, preserve_paragraphs=True).splitlines()
            if not lines:
                self.write("\n")
                continue
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class TranslatingContext(click.Context):
    """A context whose help pages use :class:`TranslatingHelpFormatter`."""

    formatter_class = TranslatingHelpFormatter


def _translated_parameter(param: click.Parameter) -> click.Parameter:
    """A copy of ``param`` whose help text is in the current language (the original is left alone)."""
    text = getattr(param, "help", None)
    if not text:
        return param
    view = copy.copy(param)
    view.help = translate_help(text)
    return view


def short_help(text: str, limit: int) -> str:
    """The first sentence of a help text that has wide characters, cut to ``limit`` columns."""
    paragraph = re.split(r"\n\s*\n", text.strip())[0]
    lines = paragraph.splitlines()
    if lines and lines[0].strip() == "\b":
        lines = lines[1:]
    sentence = _join_lines(lines)
    sentence = re.split(r"[。；：]|\. ", sentence, maxsplit=1)[0]
    if display_width(sentence) <= limit:
        return sentence
    cut = ""
    for char in sentence:
        if display_width(cut + char) > limit - 1:
            break
        cut += char
    return cut.rstrip() + "…"


class TranslatedHelp(click.Command):
    """Mixed into every command's class: help texts are shown in the current language.

    Nothing is changed on the command itself: each help page is drawn from a shallow copy whose
    texts are translated, so two languages can be served one after the other.
    """

    _help_view = False

    def _translated_view(self: C) -> C:
        view = copy.copy(self)
        view.help = translate_help(self.help)
        view.short_help = translate_help(self.short_help)
        view.epilog = translate_help(self.epilog)
        view.params = [_translated_parameter(p) for p in self.params]
        view._help_view = True  # type: ignore[attr-defined]
        return view

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """Click's help option; on a help page, with its help text translated."""
        option = super().get_help_option(ctx)
        if option is not None and self._help_view:
            return _translated_parameter(option)  # type: ignore[return-value]
        return option

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The help page, from a copy of the command with its texts translated."""
        super(TranslatedHelp, self._translated_view()).format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        """The line a group's help shows for this command, in the current language."""
        text = translate_help(self.short_help) or translate_help(self.help) or ""
        if not _wide().search(re.split(r"\n\s*\n", text.strip())[0]):
            view = copy.copy(self)
            view.help, view.short_help = translate_help(self.help), translate_help(self.short_help)
            return super(TranslatedHelp, view).get_short_help_str(limit)
        return short_help(text, limit)


_CLASSES: dict[type[click.Command], type[click.Command]] = {}


def translating_class(cls: type[C]) -> type[C]:
    """``cls`` with :class:`TranslatedHelp` mixed in (one class per ``cls``, made on first use)."""
    if issubclass(cls, TranslatedHelp):
        return cls
    made = _CLASSES.get(cls)
    if made is None:
        namespace: dict[str, Any] = {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                                     "__doc__": cls.__doc__}
        if cls.context_class is click.Context:  # a command with a context class of its own keeps it
            namespace["context_class"] = TranslatingContext
        made = type(cls.__name__, (TranslatedHelp, cls), namespace)
        _CLASSES[cls] = made
    return made  # type: ignore[return-value]


def translate_commands(command: click.Command) -> None:
    """Give ``command`` and every command under it help pages in the current language."""
    command.__class__ = translating_class(type(command))
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            translate_commands(sub)


__all__ = [
    "CLICK_TEXTS",
    "TranslatedHelp",
    "TranslatingContext",
    "TranslatingHelpFormatter",
    "fill",
    "short_help",
    "translate_commands",
    "translating_class",
    "wrap_text",
]
