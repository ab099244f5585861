"""Running an SDK call again, whole, when the database was busy.

Every public method of a sub-API (:class:`~communitycore.sdk.base.SubAPI`) is wrapped in
:func:`retrying`, so each capability gets the same policy without repeating it: the numbers are
in :mod:`communitycore.store.locks`.
"""

from __future__ import annotations

import contextvars
import functools
import time
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

from communitycore.errors import Busy, Conflict
from communitycore.i18n import _
from communitycore.store import locks

#: True while a :func:`retrying` call runs in this thread (or task): calls it makes run once, and
#: the outermost one runs again whole.
_RETRYING: contextvars.ContextVar[bool] = contextvars.ContextVar("communitycore_retrying", default=False)

P = ParamSpec("P")
R = TypeVar("R")


class Collision(Conflict):
    """A unique key taken by a concurrent transaction after this one's own check found it free."""


def retrying(method: Callable[P, R]) -> Callable[P, R]:
    """Run a call again, whole, when the database was busy.

    A deadlock, a serialization failure, a lock wait timeout, a Galera certification conflict or
    SQLite's "database is locked" rolls the call's transaction back
    (:class:`~communitycore.errors.Busy`); the call then runs again from the start, at most
    :data:`~communitycore.store.locks.RETRY_ATTEMPTS` times within
    :data:`~communitycore.store.locks.RETRY_BUDGET` seconds, with a jittered pause in between
    (:func:`~communitycore.store.locks.backoff`), before ``Busy`` reaches the caller. Events are
    announced only after the commit that succeeded, so listeners never hear of a change twice.
    A unique key that a concurrent writer stored after the call's own check found it free runs
    the call once more, so that the check itself refuses it with its usual message.

    Calls made inside a retrying call run once: the outermost call is the one that runs again.
    Nothing is run again inside a host's own transaction (the host rolls back and retries it),
    nor when an argument is a one-shot iterator, which a second run would find empty.
    """

    @functools.wraps(method)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if _RETRYING.get():
            return method(*args, **kwargs)
        token = _RETRYING.set(True)
        try:
            once = any(isinstance(a, Iterator) for a in (*args, *kwargs.values()))
            return _with_retries(lambda: method(*args, **kwargs), once=once)
        finally:
            _RETRYING.reset(token)

    return run


def _with_retries(call: Callable[[], R], *, once: bool) -> R:
    began = time.monotonic()
    collided = False
    attempt = 0
    while True:
        attempt += 1
        try:
            return call()
        except Busy as exc:
            if exc.in_host_transaction or once:
                raise
            pause = locks.backoff(attempt)
            if attempt >= locks.RETRY_ATTEMPTS or time.monotonic() - began + pause > locks.RETRY_BUDGET:
                raise Busy(attempts=attempt) from None
        except Collision:
            if collided or once:
                raise Conflict(_("a value that must be unique (an ID number, a unit code, a name among "
                                 "siblings) is already taken; nothing was changed")) from None
            collided, pause = True, 0.0
        time.sleep(pause)
