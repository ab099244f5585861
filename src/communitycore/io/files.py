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
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from communitycore.errors import CommunityCoreError, os_reason
from communitycore.i18n import _

__all__ = ["PARTIAL_SUFFIX", "CannotWrite", "Interrupted", "cleanup_on_signals", "staged_file"]

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
    a full disk raise :class:`CannotWrite` naming the target.
    """
    final = Path(target)
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
