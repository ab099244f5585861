"""Files written so that a crash, a kill or a full disk leaves either the whole file or nothing.

Exports and backups hold personal data unmasked. :func:`staged_file` writes them under a
temporary name in the target's own folder (so the final rename stays on one file system and is
atomic), created with ``O_CREAT | O_EXCL`` and mode ``0600`` (readable by its owner only, whatever
the umask), and renamed over the target only when the writer is done. On any failure the
temporary file is removed, including SIGTERM and SIGINT: for the duration, in the main thread,
those signals raise :class:`Interrupted` so that the cleanup runs; then the previous handlers
are put back and the signal is delivered to them, so a host's own handling (or the default
"terminate") still happens. Only ``SIGKILL`` (or a power cut) can leave a temporary file, whose
name starts with a dot and ends in ``.partial``.

No staged file may replace a database this process has open (:func:`hold`), nor its ``-wal``,
``-shm`` or ``-journal``: the rename would destroy it under the open connections, ``--force`` or
not. The target is checked before anything is written (:func:`check_target`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from communitycore.errors import CommunityCoreError, Conflict, InvalidValue, os_reason
from communitycore.i18n import _

__all__ = ["PARTIAL_SUFFIX", "CannotWrite", "DatabaseInUse", "Interrupted", "check_target", "cleanup_on_signals",
           "hold", "release", "staged_file"]

#: The suffix of a file still being written.
PARTIAL_SUFFIX = ".partial"
#: The signals turned into :class:`Interrupted` while a file is written.
_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGINT", None)) if s is not None)


class Interrupted(CommunityCoreError):
    """A signal (SIGTERM, SIGINT) stopped the writing of a file; the file was not written."""

    code = "interrupted"

    def __init__(self, signum: int) -> None:
        super().__init__(_("stopped by {signal}; nothing was written").format(signal=signal.Signals(signum).name))
        self.signum = signum


class CannotWrite(CommunityCoreError):
    """The operating system refused to write a file (no such folder, no permission, disk full)."""

    code = "cannot-write"

    def __init__(self, path: Path, exc: OSError) -> None:
        super().__init__(_("cannot write {file}: {reason}").format(file=path, reason=os_reason(exc)),
                         entity="file", key=str(path))
        self.path = path
        self.errno = exc.errno


class DatabaseInUse(Conflict):
    """The target of a file to write is a database this process has open (or one of its companion files)."""

    def __init__(self, path: Path) -> None:
        super().__init__(_("{file} is a file of the database in use: writing over it would destroy the "
                           "database. Choose another file name (nothing was written)").format(file=path),
                         entity="file", key=str(path))
        self.path = path


#: The SQLite files open in this process, by their owner (an engine): while it lives, or until
#: :func:`release`, no staged file may replace them.
_HELD: weakref.WeakKeyDictionary[object, frozenset[Path]] = weakref.WeakKeyDictionary()
_HELD_LOCK = threading.Lock()
#: The files SQLite keeps beside a database, which belong to it as much as the file itself.
_COMPANIONS = ("", "-wal", "-shm", "-journal")


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: compared as it is written
        return path.absolute()


def hold(owner: object, database: str | os.PathLike[str]) -> None:
    """Keep staged files off ``database`` and its ``-wal``, ``-shm`` and ``-journal`` while ``owner`` lives."""
    file = _resolved(Path(database))
    files = frozenset(file.with_name(file.name + suffix) for suffix in _COMPANIONS)
    with _HELD_LOCK:
        _HELD[owner] = _HELD.get(owner, frozenset()) | files


def release(owner: object) -> None:
    """Let staged files replace the databases ``owner`` held (it has closed them)."""
    with _HELD_LOCK:
        _HELD.pop(owner, None)


def _held(target: Path) -> bool:
    with _HELD_LOCK:
        held = frozenset().union(*_HELD.values())
    if _resolved(target) in held:
        return True
    # A hard link names the same file under another path.
    with contextlib.suppress(OSError):
        if target.exists():
            return any(os.path.samefile(target, file) for file in held if file.exists())
    return False


def check_target(target: str | os.PathLike[str]) -> Path:
    """``target`` as a path, if a file may be written there: not empty, not a file of a database in use.

    :raises InvalidValue: the path is empty (``Path("")`` would be the current folder).
    :raises DatabaseInUse: it is a database this process has open, or its ``-wal``, ``-shm`` or
        ``-journal`` (see :func:`hold`).
    """
    if not os.fspath(target):
        raise InvalidValue(_("the file name is empty; give the path of a file"), entity="file", key="")
    final = Path(target)
    if _held(final):
        raise DatabaseInUse(final)
    return final


@contextlib.contextmanager
def cleanup_on_signals() -> Iterator[None]:
    """Inside the block, SIGTERM and SIGINT raise :class:`Interrupted` (main thread only).

    On the way out the previous handlers are restored; a signal that arrived is then delivered
    to them again, so the process still ends (or the host's handler still runs) after the
    caller's cleanup. In another thread, where handlers cannot be set, it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def handler(signum: int, _frame: FrameType | None) -> None:
        if not received:  # a second signal during the cleanup must not interrupt it
            received.append(signum)
            raise Interrupted(signum)

    previous: dict[int, Any] = {}
    try:
        for signum in _SIGNALS:
            previous[signum] = signal.signal(signum, handler)
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        if received:
            # Hand the signal to whoever had it before: the default ends the process, a host's
            # handler does what it does; if that returns, the Interrupted raised above goes on.
            signal.raise_signal(received[0])


@contextlib.contextmanager
def staged_file(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A new, empty, owner-only temporary file beside ``target``, renamed over it when the block ends well.

    Yields the temporary path for the writer to fill (by name: ``open(path, "w")``,
    ``sqlite3.connect(path)`` ...). If the block raises, or SIGTERM/SIGINT arrive, the file is
    removed and nothing appears under ``target``. A folder that does not exist, a permission or
    a full disk raise :class:`CannotWrite` naming the target; an empty path and a file of the
    database in use are refused before anything is written (:func:`check_target`).
    """
    final = check_target(target)
    with cleanup_on_signals():
        try:
            fd, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=PARTIAL_SUFFIX)
        except OSError as exc:
            raise CannotWrite(final, exc) from None
        os.close(fd)  # mkstemp made it with O_EXCL and mode 0600; writers reopen it by name
        temp = Path(name)
        try:
            try:
                yield temp
                os.replace(temp, final)
            except OSError as exc:
                raise CannotWrite(final, exc) from exc
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
