"""Roles and grants as pure rules: which actions a role's patterns allow, and which grants cover a unit.

An action is ``<capability>.<verb>`` (``member.read``); a role allows it when one of its patterns
matches: the action itself, ``member.*`` (every action of a capability), ``*.read`` (one verb of
every capability) or ``*``. A grant on a unit covers that unit's subtree; a grant on no unit
(``unit_id`` None) covers the whole database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase

import attrs

#: The role the actor who creates a database receives, on the whole database.
ADMIN = "admin"


@attrs.frozen(kw_only=True)
class Grant:
    """An actor holds a role on a unit's subtree (``unit_id`` None: on the whole database)."""

    id: int
    actor: str
    role: str
    unit_id: int | None
    granted_at: dt.datetime
    granted_by: str
    unit: str | None = None
    """The unit's path, when the listing filled it in."""
    subject: str | None = None
    """Who the actor is on this grant (``steward:ENTRY``, ``member:ID``), for a role whose actions reach only
    what is assigned to them (:attr:`communitycore.records.Role.own`)."""


def allows(patterns: Iterable[str], action: str) -> bool:
    """Whether one of a role's action patterns matches ``action``."""
    return any(fnmatchcase(action, pattern) for pattern in patterns)


def roles_allowing(roles: Mapping[str, Sequence[str]], action: str) -> frozenset[str]:
    """The codes of the roles (code -> patterns) that allow ``action``."""
    return frozenset(code for code, patterns in roles.items() if allows(patterns, action))


def covering(grants: Iterable[Grant], roles: frozenset[str], ancestors: Iterable[int | None]) -> list[Grant]:
    """The grants of one of ``roles`` on ``ancestors`` (a unit and the units above it, and None)."""
    above = set(ancestors)
    return [g for g in grants if g.role in roles and g.unit_id in above]


def matrix(roles: Mapping[str, Sequence[str]], actions: Sequence[str]) -> list[tuple[str, list[bool]]]:
    """For each action, whether each role (in ``roles``' order) allows it."""
    return [(action, [allows(patterns, action) for patterns in roles.values()]) for action in actions]


def matrix_markdown(roles: Mapping[str, Sequence[str]], actions: Sequence[str]) -> str:
    """The roles × actions table as Markdown (docs/security.md holds it; a test keeps the two equal)."""
    lines = ["| action | " + " | ".join(f"`{code}`" for code in roles) + " |",
             "|---|" + "---|" * len(roles)]
    for action, row in matrix(roles, actions):
        lines.append(f"| `{action}` | " + " | ".join("✓" if ok else "" for ok in row) + " |")
    return "\n".join(lines)
