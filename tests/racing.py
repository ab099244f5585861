"""Calls started at the same moment from threads of their own: the races of the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable


def at_once(*calls: Callable[[], str], timeout: float = 60) -> list[str]:
    """Run ``calls`` together (a barrier lets them go at once) and return their outcomes, sorted.

    Each call says how it ended (``"won"``, ``"refused"``); an exception it does not turn into an
    outcome fails the race, as does a call still running after ``timeout`` seconds.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], str]) -> None:
        barrier.wait(10)
        try:
            outcomes.append(call())
        except BaseException as exc:  # reported by the caller's thread, not lost in this one
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a racer did not finish"
    assert not errors, errors
    return sorted(outcomes)
