"""Output shared by every command: JSON with ``--json``, else aligned tables and key/value blocks.

Commands ask the one converter (:mod:`communitycore.serialize`) for the documented shape of what
they print (:func:`shown`: ``serialize.shape`` with the command's language, unit paths and the
registry's labels) and hand it to :func:`emit`. A shape holds enums and dates: JSON output is the converter's
(codes and ISO dates, ``docs/json.md``), text output shows labels in the chosen language. So one
shape serves both, and the JSON shape is the same whatever the language. Text output escapes
control characters (``communitycore.cli.terminal.terminal_text``), so stored data cannot drive
the terminal.

Nothing here imports SQLAlchemy: this module is loaded for ``community --help``.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import click

from communitycore import serialize
from communitycore.cli.state import AppState, command_labels
from communitycore.cli.terminal import terminal_text
from communitycore.domain.codes import Coded
from communitycore.domain.fields import MAX_ID
from communitycore.i18n import _
from communitycore.labels import label, word

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

# ------------------------------------------------------------------------------------------------
# State and the per-command output options
# ------------------------------------------------------------------------------------------------


def state() -> AppState:
    """The :class:`AppState` of the running command (global options and the community)."""
    return click.get_current_context().ensure_object(AppState)


def _json_flag(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.ensure_object(AppState).as_json = True
    return value


def _set_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value:
        ctx.ensure_object(AppState).lang = value
    return value


def output_options(command: F) -> F:
    """Add ``--json`` and ``--lang`` to a command, so they work after the command name as well."""
    command = click.option("--lang", type=click.Choice(["zh", "en"]), expose_value=False, callback=_set_lang,
                           help="Language of messages and labels: zh or en (same as the global --lang).")(command)
    command = click.option("--json", "as_json", is_flag=True, expose_value=False, callback=_json_flag,
                           help="Print JSON (same as the global --json).")(command)
    return command


# ------------------------------------------------------------------------------------------------
# JSON
# ------------------------------------------------------------------------------------------------


def dumps(data: Any) -> str:
    """The JSON text of ``data`` (shapes of records) through the converter: UTF-8 Chinese as is, indented."""
    return serialize.dumps(data)


def shown(record: Any, *, reveal: bool = False, paths: Mapping[int, str] | None = None, **extra: Any) -> Any:
    """The documented shape of ``record`` (or of a list of them) for this command's output.

    Labels are in the command's language and come from the community's registry
    (:func:`~communitycore.serialize.view_of`); unit paths come from ``paths`` (one read of the
    tree for a listing) or else are looked up one by one.
    """
    app = state()
    view = serialize.view_of(app.community, reveal=reveal, lang=app.lang, paths=paths)
    return serialize.shape(record, view, **extra)


# ------------------------------------------------------------------------------------------------
# Text
# ------------------------------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    return text + " " * max(0, width - display_width(text))


#: A moment as a shape holds it once stored records went through the converter: ISO text with its offset.
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?")


def _plain_number(value: Decimal | float) -> str:
    """A quantity as it was written: 1.5, not 1.50; 9999999999.99, not 1e+10 (no exponent, every digit kept)."""
    number = value if isinstance(value, Decimal) else Decimal(repr(value))  # repr: the float's shortest digits
    return f"{number.normalize():f}" if number.is_finite() else str(value)


def format_value(value: Any, lang: str = "zh", field: str = "") -> str:
    """One value as text: labels for codes, ISO dates, moments as the community's clock reads them
    (``2025-08-09 09:16:00``, the offset left to the JSON), 是/否, percentages for ``*_share`` and ``*_rate``
    fields, average ages with their one decimal."""
    if value is None or value == "":
        return "-"
    if value.__class__ is str and _ISO_MOMENT.fullmatch(value):
        return f"{value[:10]} {value[11:19]}"
    if isinstance(value, bool):
        return word("yes" if value else "no", lang)
    if isinstance(value, Coded):
        return value.label(lang)
    if isinstance(value, enum.Enum):
        return word(str(value.value), lang)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (Decimal, float)):
        if field.endswith(("_share", "_rate")):
            return f"{float(value):.1%}"
        if field.endswith("average_age"):
            return f"{float(value):.1f}"  # ages as published: 48.0
        return _plain_number(value)
    if isinstance(value, Mapping):
        sep = "，" if lang == "zh" else ", "
        return sep.join(f"{format_value(k, lang)} {format_value(v, lang)}" for k, v in value.items()) or "-"
    if isinstance(value, (list, tuple, set, frozenset)):
        sep = "、" if lang == "zh" else ", "
        return sep.join(format_value(v, lang) for v in value) or "-"
    return str(value)


def cell(row: Mapping[str, Any], column: str, lang: str = "zh") -> str:
    """The text of one field, controls escaped; a ``<field>_label`` next to it (``kind_label``) is shown instead."""
    labelled = row.get(f"{column}_label")
    if labelled is not None:
        return terminal_text(format_value(labelled, lang, column), one_line=True)
    return terminal_text(format_value(row.get(column), lang, column), one_line=True)


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], lang: str = "zh",
          own: Mapping[str, tuple[str, str]] | None = None) -> str:
    """An aligned table with a header row of field labels (``own``: see :func:`~communitycore.labels.label`)."""
    header = [label(c, lang, own) for c in columns]
    body = [[cell(row, c, lang) for c in columns] for row in rows]
    widths = [max(display_width(text) for text in column) for column in zip(header, *body, strict=True)]

    def line(texts: Sequence[str]) -> str:
        # Trailing spaces of the padded last column are dropped.
        return "  ".join(pad(t, w) for t, w in zip(texts, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in body)])


def block(obj: Mapping[str, Any], columns: Sequence[str], lang: str = "zh",
          own: Mapping[str, tuple[str, str]] | None = None) -> str:
    """Aligned ``label  value`` lines, one per field (``own``: see :func:`~communitycore.labels.label`)."""
    labels = [label(c, lang, own) for c in columns]
    width = max((display_width(t) for t in labels), default=0)
    return "\n".join(f"{pad(t, width)}  {cell(obj, c, lang)}" for t, c in zip(labels, columns, strict=True))


def _default_columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        for key, value in row.items():
            nested = isinstance(value, (list, tuple)) and value and isinstance(value[0], Mapping)
            if key not in columns and not key.endswith("_label") and not nested:
                columns.append(key)
    return columns


def emit(data: Any, *, columns: Sequence[str] | None = None, title: str | None = None) -> None:
    """Print ``data``: JSON with ``--json``; else a table (a list) or a key/value block (a dict).

    :param columns: the fields text output shows, in order (JSON always has every field).
    :param title: a heading printed above the text output.
    """
    app = state()
    if app.as_json:
        click.echo(dumps(data))
        return
    if title:
        click.echo(click.style(terminal_text(title), bold=True))
    own = command_labels()
    if isinstance(data, Mapping):
        click.echo(block(data, list(columns or _default_columns([data])), app.lang, own))
    elif not data:
        click.echo(word("none_found", app.lang))
    else:
        click.echo(table(data, list(columns or _default_columns(data)), app.lang, own))


def heading(text: str) -> None:
    """A bold heading, printed only in text mode (with a blank line before it)."""
    if not state().as_json:
        click.echo()
        click.echo(click.style(terminal_text(text), bold=True))


def progress_bar(length: int, label: str, **options: Any) -> Any:
    """A progress bar on stderr for long work, or None when stderr is not a terminal: a script's log
    or a pipe gets no bare label line (click prints the label alone there), only the command's output."""
    if not sys.stderr.isatty():
        return None
    return click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True, **options)


# ------------------------------------------------------------------------------------------------
# Pages of a listing (the options are communitycore.cli.params.page_options)
# ------------------------------------------------------------------------------------------------


def fetch_page(fetch: Callable[[int | None], Sequence[T]], limit: int) -> tuple[list[T], bool]:
    """One page of a listing and whether more rows follow it: ``fetch`` is asked for one row more
    than ``limit`` (``--limit``; 0: all, so ``None``), and the page is the first ``limit`` rows. No
    more than ``MAX_ID`` are asked for, the most a listing takes (and more rows than any table holds)."""
    rows = list(fetch(min(limit, MAX_ID - 1) + 1 if limit else None))
    more = bool(limit) and len(rows) > limit
    return (rows[:limit] if more else rows), more


def more_follow(more: bool, message: str, **values: Any) -> None:
    """Say on standard error that a listing's page is full and more rows follow: ``message`` (marked
    with ``N_``) names the option that shows the next page, filled with ``values``. Only text output
    says it: JSON keeps its shape, and a script knows a full page by its length."""
    if more and not state().as_json:
        click.echo(_(message).format(**values), err=True)


# ------------------------------------------------------------------------------------------------
# Columns text output shows (JSON always has every field)
# ------------------------------------------------------------------------------------------------

UNIT_COLUMNS = ("id", "name", "kind", "parent_id", "path", "code", "approved_by", "approved_on", "term_start",
                "term_end", "covered_units")
MEMBER_COLUMNS = ("id", "name", "gender", "birth_date", "id_number", "phone", "education", "join_date",
                  "category", "post", "unit")
ROLLUP_COLUMNS = ("path", "units", "members", "full", "probationary", "by_gender", "by_education", "average_age",
                  "cadres", "cadres_associate_or_above_share", "cadre_average_age", "secretaries",
                  "secretaries_associate_or_above_share")
AUDIT_COLUMNS = ("id", "at", "actor", "action", "entity", "entity_id", "note")


__all__ = [
    "AUDIT_COLUMNS",
    "MEMBER_COLUMNS",
    "ROLLUP_COLUMNS",
    "UNIT_COLUMNS",
    "block",
    "cell",
    "display_width",
    "dumps",
    "emit",
    "fetch_page",
    "format_value",
    "heading",
    "more_follow",
    "output_options",
    "pad",
    "shown",
    "state",
    "table",
]

