"""Text that cannot hurt the terminal it is printed on: control characters are shown, never obeyed.

A name stored with an escape sequence (``\\x1b[2J`` clears the screen, ``\\x1b]0;…\\x07`` sets the
window title), a NUL, a carriage return (which overwrites what was printed) or a bidirectional
override (U+202E turns ``gpj.exe`` into ``exe.jpg``) is printed as a visible escape such as
``\\x1b`` or ``\\u202e``. Every text the command line writes that may hold data (tables, key/value
blocks, error messages, warnings, the tree) passes :func:`terminal_text`; JSON output is left to
the JSON encoder, which escapes controls in its own way.

Nothing here imports anything heavy: the module is loaded for ``community --help``.
"""

from __future__ import annotations

import re

__all__ = ["terminal_text"]

# C0 controls, DEL, C1 controls, the bidirectional embeddings/overrides (U+202A-U+202E) and
# isolates (U+2066-U+2069). Newline and tab are kept where text may span lines.
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_IN_LINES = re.compile(f"[{_UNSAFE}]")
_IN_ONE_LINE = re.compile(f"[\n\t{_UNSAFE}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal_text(text: str, *, one_line: bool = False) -> str:
    """``text`` with every control character written as a visible escape (``\\x1b``, ``\\u202e``).

    Newlines and tabs are kept, unless ``one_line`` (a table cell, a value in a block), where
    they would break the layout and are escaped too. Text without such characters is returned
    as it is, at the cost of one regex search.
    """
    pattern = _IN_ONE_LINE if one_line else _IN_LINES
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape, text)
