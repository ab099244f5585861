"""The Babel extraction method of ``babel.cfg``: the messages Babel finds, plus click's help texts.

Babel's Python extractor finds the texts given to the keywords (``_``, ``N_``, ``ngettext``,
``pgettext``). Click's help texts are not written through a keyword: a command's help is its
function's docstring, and an option's is its ``help=``. This method adds them, so that no command
has to be rewritten for the catalogs:

* the docstring of every function decorated with ``@….command(…)`` or ``@….group(…)`` (bare or
  called), and the ``help=``, ``short_help=`` and ``epilog=`` given to those decorators;
* the ``help=`` text of every ``click.option``/``click.argument`` call (and ``….option`` and
  ``….argument`` calls, wherever they are: in a decorator, a list of options or a helper).

Each is keyed by :func:`communitycore.i18n.help_msgid`, the key
:func:`communitycore.i18n.translate_help` looks up when a help page is shown. Importing this
module needs Babel (the ``test`` and ``docs`` extras); the library itself never imports it.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from typing import IO, Any

from babel.messages.extract import extract_python

from communitycore.i18n import help_msgid

#: Decorator names that make a click command or group of a function.
_COMMAND_DECORATORS = frozenset({"command", "group"})
#: Calls whose ``help=`` is a parameter's help text.
_PARAMETER_CALLS = frozenset({"option", "argument", "version_option", "help_option", "confirmation_option",
                              "password_option"})
#: Keywords of the command decorators that hold help texts.
_COMMAND_TEXT_KEYWORDS = ("help", "short_help", "epilog")
#: What every message found here is flagged as, for translators.
_HELP_COMMENT = "click help text"


def _called_name(node: ast.expr) -> str | None:
    """``command`` for ``click.command``, ``org.command(...)`` or ``command``; None for anything else."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _constant_text(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip():
        return node.value
    return None


def help_texts(source: str | bytes) -> Iterator[tuple[int, str]]:
    """``(line, msgid)`` of every click help text in a module's source, in source order."""
    tree = ast.parse(source)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorators = [d for d in node.decorator_list if _called_name(d) in _COMMAND_DECORATORS]
            if not decorators:
                continue
            docstring = ast.get_docstring(node, clean=False)
            if docstring and docstring.strip():
                found.append((node.body[0].lineno, help_msgid(docstring)))
            for decorator in decorators:
                if isinstance(decorator, ast.Call):
                    for keyword in decorator.keywords:
                        text = _constant_text(keyword.value) if keyword.arg in _COMMAND_TEXT_KEYWORDS else None
                        if text is not None:
                            found.append((keyword.value.lineno, help_msgid(text)))
        elif isinstance(node, ast.Call) and _called_name(node) in _PARAMETER_CALLS:
            for keyword in node.keywords:
                text = _constant_text(keyword.value) if keyword.arg == "help" else None
                if text is not None:
                    found.append((keyword.value.lineno, help_msgid(text)))
    yield from sorted(found)


def extract(
    fileobj: IO[bytes], keywords: Any, comment_tags: Collection[str], options: Any
) -> Iterator[Any]:
    """Babel's Python messages of ``fileobj``, then its click help texts (see the module docstring).

    The signature is Babel's for an extraction method: ``keywords`` are the keyword names,
    ``options`` the mapping's options; each message is ``(line, keyword, text, comments)``.
    """
    yield from extract_python(fileobj, keywords, comment_tags, options)
    fileobj.seek(0)
    source = fileobj.read()
    for lineno, msgid in help_texts(source):
        yield lineno, None, msgid, [_HELP_COMMENT]


__all__ = ["extract", "help_texts"]
