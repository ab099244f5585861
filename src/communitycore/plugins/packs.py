"""Packs: a locality's records as a TOML file, loaded through the same converter as everything.

A pack has one array of tables per record family, named like the registry's accessors::

    [pack]
    name = "jingjiang"

    [[service_programs]]
    code = "red-ribbon"
    label = "红飘带"
    category = "care"

Workflow states and transitions come in ``[[workflow_states]]`` and ``[[workflow_transitions]]``
(see :data:`~communitycore.records.WORKFLOW_FAMILIES`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import TypeVar

import attrs

from communitycore.errors import PluginError
from communitycore.i18n import _
from communitycore.records import FAMILIES, WORKFLOW_FAMILIES, Record, WorkflowState, WorkflowTransition
from communitycore.serialize import explain, structure


@attrs.frozen(kw_only=True)
class PackInfo:
    """The optional ``[pack]`` table."""

    name: str | None = None
    version: str | None = None
    description: str = ""


#: What a pack may contribute: every record family, then the workflow records, by section name.
PackRecord = Record | WorkflowState | WorkflowTransition
_SECTIONS: dict[str, type[PackRecord]] = {
    **{key: record_type for key, (_hook, record_type) in FAMILIES.items()},
    **{key: record_type for key, (_hook, record_type) in WORKFLOW_FAMILIES.items()},
}


def load_pack(path: str | PathLike[str]) -> tuple[str, list[PackRecord]]:
    """Read one pack; returns its provider name (``pack:<name>``) and its records.

    Every bad field is reported, one line each with the file and key path, in one
    :class:`~communitycore.errors.PluginError`; so is a file the input limits refuse (missing,
    not a regular file, not UTF-8, too large or nested too deep) or that is not valid TOML.
    """
    # Imported here: a command whose plugins hold no pack never loads the io layer's readers.
    from communitycore.io.limits import InvalidSyntax, UnsafeInput, load_toml_limited

    file = Path(path)
    try:
        # A regular file, UTF-8, within the size and depth limits (a GBK pack is told as such).
        data = load_toml_limited(file)
    except (UnsafeInput, InvalidSyntax) as exc:
        raise PluginError(_("pack {file}: {problem}").format(file=file, problem=exc)) from None
    problems: list[str] = []
    info = PackInfo()
    if "pack" in data:
        try:
            info = structure(data.pop("pack"), PackInfo)
        except Exception as exc:
            problems.extend(explain(exc, "$.pack"))
    records: list[PackRecord] = []
    for key, value in data.items():
        if key not in _SECTIONS:
            problems.append(_("$.{key}: unknown section; expected one of pack, {known}").format(
                key=key, known=", ".join(_SECTIONS)))
            continue
        record_type = _SECTIONS[key]
        if not isinstance(value, list):
            problems.append(_("$.{key}: must be an array of tables ([[{key}]])").format(key=key))
            continue
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                problems.append(_("$.{key}[{index}]: must be a table of fields (a [[{key}]] entry), not {value!r}")
                                .format(key=key, index=index, value=item))
                continue
            try:
                records.append(structure(item, record_type))
            except Exception as exc:
                problems.extend(explain(exc, f"$.{key}[{index}]"))
    if problems:
        lines = "\n".join(f"  {file}: {p}" for p in problems)
        raise PluginError(_("bad pack {file}:").format(file=file) + "\n" + lines, entity="pack", key=str(file))
    return f"pack:{info.name or file.stem}", records


_R = TypeVar("_R", bound=PackRecord)


@functools.cache
def _pack_file(path: Path) -> tuple[PackRecord, ...]:
    return tuple(load_pack(path)[1])


def pack_records(path: str | PathLike[str], record_type: type[_R]) -> list[_R]:
    """The records of one family in the pack a plugin ships (read once per process: records are
    frozen, so every registry may share them), for its registration hooks to return."""
    # Exactly the type: a subclass record belongs to its own family.
    return [r for r in _pack_file(Path(path).resolve()) if isinstance(r, record_type) and type(r) is record_type]


def load_packs(paths: Iterable[str | PathLike[str]]) -> list[tuple[str, PackRecord]]:
    """Read several packs; records paired with their provider, ready for the registry."""
    out: list[tuple[str, PackRecord]] = []
    for path in paths:
        provider, records = load_pack(path)
        out.extend((provider, record) for record in records)
    return out
