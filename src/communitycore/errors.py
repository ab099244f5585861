"""The error hierarchy: every error the library raises on purpose is a :class:`CommunityCoreError`.

Messages are written for the person who has to act on them: they name the thing, what is wrong
and, where it helps, what to do instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from communitycore.i18n import _, ngettext


class CommunityCoreError(Exception):
    """Base class of all communitycore errors."""


class InvalidValue(CommunityCoreError, ValueError):
    """A single value is not acceptable (an ID number, a date, a code ...)."""


class NotFound(CommunityCoreError, LookupError):
    """A unit, member or record does not exist."""


class Conflict(CommunityCoreError):
    """The operation contradicts the current state (a cycle, a duplicate, a non-empty unit ...)."""


class Busy(CommunityCoreError):
    """The database stayed busy through every retry: other writers held the rows (or SQLite's
    write lock) this call needed, or a deadlock or cluster conflict kept recurring. Nothing was
    changed; the same call may simply be made again.

    ``attempts`` is how many times the call ran; ``in_host_transaction`` is True when the call ran
    inside a transaction of the host's own, which the library cannot run again: the host rolls
    back and retries its whole transaction.
    """

    def __init__(self, *, attempts: int = 1, in_host_transaction: bool = False) -> None:
        self.attempts = attempts
        self.in_host_transaction = in_host_transaction
        if in_host_transaction:
            message = _("the database is busy with other changes, and this call ran inside your own transaction: "
                        "roll that transaction back and run it again")
        else:
            message = _("the database is busy with other changes (tried {attempts} times); nothing was changed: "
                        "try again in a moment").format(attempts=attempts)
        super().__init__(message)


class DatabaseUnavailable(CommunityCoreError):
    """The database cannot be used: a bad URL, a missing driver, a refused connection, a file that cannot be opened."""


class PluginError(CommunityCoreError):
    """A plugin or pack could not be loaded, or contributed something invalid."""


class SchemaOutdated(CommunityCoreError):
    """The database schema is older than this version of the library."""


@attrs.frozen
class Problem:
    """One bad field of one input row (``row`` is 1-based as a spreadsheet user counts, header = 1)."""

    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return _("{field}: {message}").format(field=self.field, message=self.message)
        return _("row {row}, {field}: {message}").format(row=self.row, field=self.field, message=self.message)


class RejectedInput(CommunityCoreError):
    """Input with one or more bad rows or fields; nothing of it was stored."""

    def __init__(self, problems: Sequence[Problem], *, source: str = "input", limit: int = 50):
        self.problems = list(problems)
        self.source = source
        shown = "\n".join(f"  {p}" for p in self.problems[:limit])
        more = len(self.problems) - limit
        tail = "\n  " + ngettext("... and {count} more problem", "... and {count} more problems", more).format(
            count=more) if more > 0 else ""
        count = len(self.problems)
        head = ngettext("{source}: {count} problem, nothing was imported:",
                        "{source}: {count} problems, nothing was imported:", count).format(
            source=_("input") if source == "input" else source, count=count)
        super().__init__(f"{head}\n{shown}{tail}")


class PermissionDenied(CommunityCoreError):
    """The actor may not do this action on this unit: no grant covers it, or a plugin's rule denied it.

    ``actor``, ``action`` and ``unit`` (a unit's path or id; None: the database as a whole) name the
    refused call; the refusal is written to the audit trail (``access.deny``).
    """

    code = "permission-denied"

    def __init__(self, actor: str, action: str, unit: object = None, *, unit_id: int | None = None,
                 reason: str | None = None) -> None:
        self.actor = actor
        self.action = action
        self.unit = unit
        self.unit_id = unit_id
        self.reason = reason
        self.recorded = False
        """Whether the refusal is in the audit trail already (it is written once)."""
        where = _("the whole database") if unit is None else _("unit {unit}").format(unit=unit)
        message = _("{actor} may not do {action} on {where}").format(actor=actor, action=action, where=where)
        if reason:
            message = f"{message}: {reason}"
        super().__init__(message)
