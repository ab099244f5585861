"""How a refused import is reported: every problem with its row and column, then a one-line summary."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click

from communitycore.cli.render import emit, state
from communitycore.cli.terminal import terminal_text
from communitycore.errors import Problem, RejectedInput


def problem_line(problem: Problem, lang: str) -> str:
    """One problem as a line: ``第 6 行，公民身份号码：…`` (row and column as the file names them)."""
    if problem.row is None:
        return f"{problem.field}: {problem.message}"
    if lang == "zh":
        return f"第 {problem.row} 行，{problem.field}：{problem.message}"
    return f"row {problem.row}, column {problem.field}: {problem.message}"


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
            click.echo(terminal_text(problem_line(problem, app.lang)), err=True)
    summary = (f"{file.name}：{len(exc.problems)} 个问题，未导入任何数据" if app.lang == "zh"
               else f"{file.name}: {len(exc.problems)} problem(s), nothing was imported")
    if app.as_json:
        click.echo(f"Error: {summary}", err=True)
        raise click.exceptions.Exit(1) from exc
    raise click.ClickException(summary) from exc


__all__ = ["print_rejected", "problem_line"]
