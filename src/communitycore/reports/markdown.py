"""Markdown counterparts of :mod:`communitycore.reports.html`'s parts, for boards posted as text.

Cells are escaped so stored text cannot break a table or inject markup: pipes, line breaks,
angle brackets and the characters that start emphasis or links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

_SPECIAL = re.compile(r"([\\`*_\[\]|#<>])")


def escape(value: Any) -> str:
    """``value`` as one line of literal Markdown text."""
    text = "-" if value is None else " ".join(str(value).split())
    return _SPECIAL.sub(r"\\\1", text)


def heading(text: str, level: int = 2) -> str:
    """A heading of ``level`` (1-6)."""
    return f"{'#' * level} {escape(text)}"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A pipe table."""
    lines = ["| " + " | ".join(escape(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(escape(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def paragraph(text: str) -> str:
    """A paragraph of literal text."""
    return escape(text)


def no_data(text: str) -> str:
    """The line shown instead of a table when there is nothing to show."""
    return f"*{escape(text)}*"


__all__ = ["escape", "heading", "no_data", "paragraph", "table"]
