"""Calls started at the same moment from threads of their own: the races of the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from functools import partial

from communitycore import Community, Conflict


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


def record_or_removal(residents: Iterable[int], writers: Sequence[Community],
                      record: Callable[[Community, int], object], refused: type[BaseException],
                      named: Callable[[int], int]) -> None:
    """Race, for each resident, a record naming it (``record`` on the first writer) against its removal
    (on the second): exactly one of the two passes, never both, and the record stands only if it passed.

    The removal locks the resident before it counts what names it; the record takes the resident in
    share mode. ``refused`` is how the record says the resident is gone; ``named`` counts the
    records naming a resident once the race is over.
    """

    def write(resident: int) -> str:
        try:
            record(writers[0], resident)
            return "recorded"
        except refused:
            return "no resident"

    def remove(resident: int) -> str:
        try:
            writers[1].residents.remove(resident)
            return "removed"
        except Conflict:
            return "kept"

    for resident in residents:
        outcome = at_once(partial(write, resident), partial(remove, resident))
        assert outcome in (["kept", "recorded"], ["no resident", "removed"]), outcome
        assert named(resident) == (1 if "recorded" in outcome else 0)
