"""How a refused import is reported: every problem with its row and column, then a one-line summary."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click

from communitycore.cli.render import emit, state
from communitycore.cli.state import CommunityCoreClickError
from communitycore.cli.terminal import terminal_text
from communitycore.errors import FILE_FIELD, HEADER_FIELD, MORE_FIELD, Problem, RejectedInput
from communitycore.i18n import _, ngettext


def problem_line(problem: Problem) -> str:
    """One problem as a line: ``第 6 行，公民身份号码：…`` (row and column as the file names them;
    ``第 1 行（表头）：…`` for the header row as a whole, ``第 9 行（文件）：…`` for the file from a row on)."""
    if problem.field == MORE_FIELD:  # how many more there are: a line of its own
        return problem.message
    if problem.row is None:
        return _("{field}: {message}").format(field=problem.field, message=problem.message)
    if problem.field == HEADER_FIELD:
        return _("row {row} (the header): {message}").format(row=problem.row, message=problem.message)
    if problem.field == FILE_FIELD:  # the file as a whole, from this row on: no column of it
        return _("row {row} (the file): {message}").format(row=problem.row, message=problem.message)
    return _("row {row}, column {field}: {message}").format(row=problem.row, field=problem.field,
                                                           message=problem.message)


def print_rejected(file: Path, exc: RejectedInput) -> NoReturn:
    """Report a refused import (every problem with its row and column) and exit with status 1.

    With ``--json``: the import object with ``imported: 0`` and its ``problems``.
    """
    app = state()
    if app.as_json:
        emit({"id": str(file), "name": file.name, "kind": "import", "file": str(file), "imported": 0,
              "problems": [{"row": p.row, "column": p.field, "message": p.message} for p in exc.problems]})
    else:
        for problem in exc.problems:
            click.echo(terminal_text(problem_line(problem)), err=True)
    count = len(exc.problems)
    summary = ngettext("{file}: {count} problem, nothing was imported",
                       "{file}: {count} problems, nothing was imported", count).format(file=file.name, count=count)
    raise CommunityCoreClickError(terminal_text(summary)) from exc


__all__ = ["print_rejected", "problem_line"]
