"""Build-time checks that the hand-written reference tables still match the code.

``glossary.md`` and ``plugins/packs.md`` are written by hand, so that they read well; the code
moves on. At every build this extension imports the code and emits a Sphinx warning (an error
under ``-W``) for:

* **glossary.md**: every code of the records the builtin plugins register (every family, and
  the states of their workflows), of every :class:`~communitycore.domain.codes.Coded` enum in
  ``communitycore.domain`` and of the plain enums in :mod:`communitycore.records` (cadences,
  subjects, severities, urgencies, channels, outcomes, aggregates) and of the audited actions and
  entities the capabilities declare must appear in a table row as
  ```code```; where the code has a Chinese label, the same row must carry it, so the pairing
  itself is checked, not just the code.
* **plugins/packs.md**: every field of every record family (and of the nested score items and
  grade bands) must be named as ```field``` in a table row of that family's section.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


# Glossary ------------------------------------------------------------------------------------


def glossary_entries() -> Iterator[tuple[str, str, str | None, str | None]]:
    """(what, code, Chinese label, English label) for every code the glossary must pair.

    The labels are ``None`` where the code has none (the plain enums of the records).
    """
    from communitycore import records
    from communitycore.domain.codes import Coded
    from communitycore.plugins.manager import make_plugin_manager
    from communitycore.plugins.registry import Registry

    # Every record the builtin plugins register, of every family, and every state of their
    # workflows: what a user of a fresh install sees named on screen.
    registry = Registry(make_plugin_manager(autoload=False))
    for family in records.FAMILIES:
        what = family.removesuffix("s").replace("_", " ")
        for code, record in registry.family(family).items():
            yield what, code, record.label, record.label_en
    for workflow in registry.workflows.values():
        for state in workflow.states:
            yield f"state of the workflow {workflow.code}", state.code, state.label, state.label_en

    import communitycore.domain as domain

    seen: set[type] = set()
    for info in pkgutil.iter_modules(domain.__path__, "communitycore.domain."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Coded) and value is not Coded
                    and value not in seen):
                seen.add(value)
                for member in value:
                    yield value.__name__, member.value, member.zh, member.en

    from communitycore import capabilities

    for code, (zh, en) in capabilities.audit_words(capabilities.declared()).items():
        yield "audited action or entity", code, zh, en

    for plain in (records.Cadence, records.Subject, records.Severity, records.Urgency, records.Channel,
                  records.Outcome, records.Aggregate):
        for code in plain:
            yield plain.__name__, code.value, None, None


def _table_rows(text: str) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.lstrip().startswith("|")]


def glossary_problems(text: str, entries: Iterable[tuple[str, str, str | None, str | None]]) -> list[str]:
    """One message per code missing from the tables, or with no row that also gives its labels."""
    rows = _table_rows(text)
    problems = []
    for what, code, zh, en in entries:
        marked = f"`{code}`"
        with_code = [line for _n, line in rows if marked in line]
        if not with_code:
            problems.append(f"glossary.md has no table row for the {what} code {marked}"
                            + (f" ({zh})" if zh else ""))
            continue
        labels = [label for label in (zh, en) if label]
        if labels and not any(all(label in line for label in labels) for line in with_code):
            problems.append(f"glossary.md has no row pairing the {what} code {marked} with "
                            + " and ".join(repr(label) for label in labels))
    return problems


# Pack format -----------------------------------------------------------------------------------


def pack_fields() -> Iterator[tuple[str, str]]:
    """(section, field) for every field a pack may set, by family (``[[unit_kinds]]`` ...)."""
    import attrs

    from communitycore.plugins.packs import PackInfo
    from communitycore.records import FAMILIES, GradeBand, ScoreItem

    for field in attrs.fields(PackInfo):
        yield "pack", field.name
    for family, (_hook, record_type) in FAMILIES.items():
        for field in attrs.fields(record_type):
            yield family, field.name
    for nested, nested_type in (("items", ScoreItem), ("bands", GradeBand)):
        for field in attrs.fields(nested_type):
            yield f"scoring_schemes.{nested}", field.name


_HEADING = re.compile(r"^(#{2,4})\s+(.*)$")


def _sections(text: str) -> dict[str, str]:
    """Section text by the first ```name``` in its heading (``### `unit_kinds```)."""
    out: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            named = re.search(r"`([^`]+)`", heading.group(2))
            current = named.group(1).strip("[]") if named else None
            if current is not None:
                out.setdefault(current, [])
            continue
        if current is not None:
            out[current].append(line)
    return {name: "\n".join(lines) for name, lines in out.items()}


def pack_problems(text: str, fields: Iterable[tuple[str, str]]) -> list[str]:
    """One message per record field the pack reference does not describe."""
    sections = _sections(text)
    problems = []
    for section, field in fields:
        body = sections.get(section)
        if body is None:
            problems.append(f"plugins/packs.md has no section headed `{section}`")
            continue
        if not any(f"`{field}`" in line for _n, line in _table_rows(body)):
            problems.append(f"plugins/packs.md section `{section}` does not describe the field `{field}`")
    return list(dict.fromkeys(problems))


# Sphinx ------------------------------------------------------------------------------------------


def _check(app: Sphinx) -> None:
    src = Path(app.srcdir)
    checks: list[tuple[str, Any, Any]] = [
        ("glossary", glossary_problems, glossary_entries),
        ("plugins/packs", pack_problems, pack_fields),
    ]
    for docname, problems_of, expected in checks:
        path = src / f"{docname}.md"
        if not path.exists():
            logger.warning("%s.md is missing; it is checked against the code", docname,
                           type="glossary_check", subtype="missing")
            continue
        for problem in problems_of(path.read_text(encoding="utf-8"), list(expected())):
            logger.warning(problem, location=docname, type="glossary_check", subtype="code")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", _check)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


__all__ = ["glossary_entries", "glossary_problems", "pack_fields", "pack_problems", "setup"]

