"""The error hierarchy: every error the library raises on purpose is a :class:`CommunityCoreError`.

Messages are written for the person who has to act on them: they name the thing, what is wrong
and, where it helps, what to do instead.
"""

from __future__ import annotations

import enum
import errno
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from communitycore.i18n import _, ngettext


def os_reason(exc: OSError) -> str:
    """Why the operating system refused a file, in the interface's words (its own words, in
    English, only for a refusal too rare to have ours)."""
    reasons = {
        errno.EACCES: _("permission denied"),
        errno.EPERM: _("permission denied"),
        errno.EROFS: _("the file system is read-only"),
        errno.ENOENT: _("no such file or folder"),
        errno.ENOTDIR: _("a part of the path is not a folder"),
        errno.EISDIR: _("it is a folder"),
        errno.EEXIST: _("it already exists"),
        errno.ENOSPC: _("the disk is full"),
        errno.EDQUOT: _("the disk quota is used up"),
        errno.ENAMETOOLONG: _("the name is too long"),
        errno.ELOOP: _("too many symbolic links"),
        errno.EMFILE: _("too many files are open"),
        errno.EIO: _("the disk could not be read or written"),
        errno.EBUSY: _("it is in use"),
    }
    if exc.errno in reasons:
        return reasons[exc.errno]
    return exc.strerror or type(exc).__name__


class CommunityCoreError(Exception):
    """Base class of all communitycore errors.

    Besides its message (``str(error)``, in the language of the interface), every error carries
    structured attributes a program can act on without reading the words:

    * ``code``: a stable English code (:data:`CODES`), ``not-found``, ``invalid-value``,
      ``conflict``, ``busy`` …; each class has its own default, a raise site may be more precise;
    * ``entity``: what kind of thing it concerns (``unit``, ``member``, ``resident``, ``kind`` …)
      or None;
    * ``key``: which one (an id, a code, a path, the field of a bad value …) or None; never
      personal data (an ID number is named by its field, not its value);
    * ``problems``: the bad rows and fields (:class:`Problem`), empty when there are none.

    All of them are keyword-only and optional, so ``SomeError("message")`` still works.
    """

    #: The code of this class of error; instances may carry a more precise one.
    code: str = "error"

    def __init__(self, *args: object, code: str | None = None, entity: str | None = None,
                 key: object = None, problems: Sequence[Problem] = ()) -> None:
        super().__init__(*args)
        if code is not None:
            self.code = code
        # A subclass may have set them before calling this constructor: keep what it set.
        if entity is not None or not hasattr(self, "entity"):
            self.entity = entity
        if key is not None or not hasattr(self, "key"):
            self.key = key
        if problems or not hasattr(self, "problems"):
            self.problems: Sequence[Any] = list(problems)

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON-ready data: ``code``, ``type``, ``message``, ``entity``, ``key``, ``problems``."""
        return {
            "code": self.code,
            "type": type(self).__name__,
            "message": str(self),
            "entity": self.entity,
            "key": None if self.key is None else self.key if isinstance(self.key, (int, str)) else str(self.key),
            "problems": [_problem_data(p) for p in self.problems],
        }


def _problem_data(problem: Any) -> dict[str, Any]:
    """One problem as JSON-ready data: its attrs fields (enums as their values), else its text."""
    if not attrs.has(type(problem)):
        return {"message": str(problem)}
    data = attrs.asdict(problem, recurse=False)
    return {k: v.value if isinstance(v, enum.Enum) else v for k, v in data.items()}


class InvalidValue(CommunityCoreError, ValueError):
    """A single value is not acceptable (an ID number, a date, a code ...)."""

    code = "invalid-value"


class NotFound(CommunityCoreError, LookupError):
    """A unit, member or record does not exist."""

    code = "not-found"


class Conflict(CommunityCoreError):
    """The operation contradicts the current state (a cycle, a duplicate, a non-empty unit ...)."""

    code = "conflict"


class Busy(CommunityCoreError):
    """The database stayed busy through every retry: other writers held the rows (or SQLite's
    write lock) this call needed, or a deadlock or cluster conflict kept recurring. Nothing was
    changed; the same call may simply be made again.

    ``attempts`` is how many times the call ran; ``in_host_transaction`` is True when the call ran
    inside a transaction of the host's own, which the library cannot run again: the host rolls
    back and retries its whole transaction.
    """

    code = "busy"

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

    def __reduce__(self) -> Any:  # picklable across processes despite the keyword-only arguments
        return (_rebuild_busy, (self.attempts, self.in_host_transaction))


def _rebuild_busy(attempts: int, in_host_transaction: bool) -> Busy:
    return Busy(attempts=attempts, in_host_transaction=in_host_transaction)


class DatabaseUnavailable(CommunityCoreError):
    """The database cannot be used: a bad URL, a missing driver, a refused connection, a file that cannot be opened.

    A SQLite file that does not exist has the code ``missing-database`` and its path as ``key``.
    """

    code = "database-unavailable"


class PluginError(CommunityCoreError):
    """A plugin or pack could not be loaded, or contributed something invalid."""

    code = "plugin-error"


class SchemaOutdated(CommunityCoreError):
    """The database schema is older than this version of the library."""

    code = "schema-outdated"


#: The field of a problem with the header row as a whole (an empty file), not with one column of it.
HEADER_FIELD = "(header)"
#: The field of a problem with the file itself from a row on (it stops decoding, its sheet is damaged).
FILE_FIELD = "(file)"
#: The field of the last problem of a long list, which counts the problems not listed (of no one row).
MORE_FIELD = "(more)"


@attrs.frozen
class Problem:
    """One bad field of one input row (``row`` is 1-based as a spreadsheet user counts, header = 1)."""

    row: int | None
    """The row, counted as a spreadsheet counts (header = 1); ``None`` for a problem of no one row."""
    field: str
    """The field or column at fault."""
    message: str
    """What is wrong with it."""

    def __str__(self) -> str:
        return self.worded(self.field)

    def worded(self, field: str) -> str:
        """The problem as a line, naming its field as ``field`` (a label in place of the code, say)."""
        if self.field == MORE_FIELD:
            return self.message
        if self.row is None:
            return _("{field}: {message}").format(field=field, message=self.message)
        if self.field == HEADER_FIELD:
            return _("row {row} (the header): {message}").format(row=self.row, message=self.message)
        if self.field == FILE_FIELD:
            return _("row {row} (the file): {message}").format(row=self.row, message=self.message)
        return _("row {row}, {field}: {message}").format(row=self.row, field=field, message=self.message)


class RejectedInput(CommunityCoreError):
    """Input with one or more bad rows or fields; nothing of it was stored.

    ``imported``: the input is a file an import read (its message says nothing was imported);
    otherwise it is what one call was given (``members.add``: nothing was saved).
    """

    code = "rejected-input"

    def __init__(self, problems: Sequence[Problem], *, source: str = "input", limit: int = 50,
                 imported: bool = False):
        self.source = source
        self.imported = imported
        self.limit = limit
        problems = list(problems)
        super().__init__(self.message_naming(str, problems), problems=problems)

    def message_naming(self, field_name: Callable[[str], str], problems: Sequence[Problem] | None = None) -> str:
        """The message, each problem's field named by ``field_name`` (the command line: its label)."""
        problems = list(self.problems if problems is None else problems)
        limit = self.limit
        shown = "\n".join(f"  {p.worded(field_name(p.field))}" for p in problems[:limit])
        more = len(problems) - limit
        tail = "\n  " + ngettext("... and {count} more problem", "... and {count} more problems", more).format(
            count=more) if more > 0 else ""
        count = len(problems)
        source = _("input") if self.source == "input" else self.source
        if self.imported:
            head = ngettext("{source}: {count} problem, nothing was imported:",
                            "{source}: {count} problems, nothing was imported:", count)
        else:
            head = ngettext("{source}: {count} problem, nothing was saved:",
                            "{source}: {count} problems, nothing was saved:", count)
        return f"{head.format(source=source, count=count)}\n{shown}{tail}"

    def __reduce__(self) -> Any:  # picklable: the message is made from the problems again
        return (_rebuild_rejected, (type(self), list(self.problems), self.source, self.limit, self.imported),
                self.__dict__)


def _rebuild_rejected(cls: type[RejectedInput], problems: list[Problem], source: str, limit: int,
                      imported: bool) -> RejectedInput:
    return cls(problems, source=source, limit=limit, imported=imported)


def bad_field(field: str, message: str, *, entity: str | None = None, key: object = None, code: str | None = None,
              cls: type[InvalidValue] | type[NotFound] = InvalidValue) -> InvalidValue | NotFound:
    """The error of one bad field (an :class:`InvalidValue`, or ``cls``): ``field: message`` as its
    text, and the problem that names the field, so the command line names it by its label (月份：…)
    and a program by its code. ``key`` defaults to the field."""
    problem = Problem(None, field, message)
    return cls(str(problem), code=code, entity=entity, key=field if key is None else key, problems=[problem])


def problem_message(exc: CommunityCoreError) -> str:
    """What is wrong, without the field an error of one field names (:func:`bad_field`): for a
    caller that names the field itself (an import's column)."""
    problems = [p for p in exc.problems if isinstance(p, Problem)]
    if len(problems) == 1 and len(exc.problems) == 1 and problems[0].row is None:
        return problems[0].message
    return str(exc)


#: The stable codes of the library's errors (``CommunityCoreError.code``), with what each means.
CODES: dict[str, str] = {
    "error": "an error of the library with no more precise code",
    "invalid-value": "a value is not acceptable (a date, a code, an unknown kind …)",
    "not-found": "the unit, member, resident or record named does not exist",
    "conflict": "the change contradicts the current state (a duplicate, a cycle, a unit that is not empty …)",
    "permission-denied": "the actor may not do this",
    "busy": "the database stayed busy; nothing was changed, try again",
    "rejected-input": "input with bad rows or fields (see problems); nothing was stored",
    "unsafe-input": "a file refused because reading it could hurt the process (see reason_code)",
    "database-unavailable": "the database cannot be opened or reached",
    "missing-database": "the SQLite file named does not exist (run community init, or pass --create)",
    "schema-outdated": "the database schema is not the one this version needs",
    "plugin-error": "a plugin or pack could not be loaded or contributed something invalid",
    "cannot-write": "the operating system refused to write a file (no such folder, no permission, disk full)",
    "os-error": "the operating system refused a file or folder (the command line's exit code 2)",
    "interrupted": "a signal stopped the writing of a file; nothing was written",
}


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
