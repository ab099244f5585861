"""Roll-up statistics per subtree: head counts, gender, education, age, cadres.

The store computes one row of counters per unit in a single GROUP BY; :func:`roll_up` then adds
each unit's counters into its parent, children first, so every subtree total costs one pass over
the parent map instead of one query per unit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import add

import attrs

from communitycore.domain.members import Education
from communitycore.domain.org import parents_first
from communitycore.records import FrozenDict, freeze

EDUCATIONS = tuple(e.value for e in Education)
#: Counter names, in the order the store's query returns them after ``unit_id``.
COUNTERS = (
    "members", "full", "male", "female", *(f"edu:{e}" for e in EDUCATIONS),
    "cadres", "cadres_associate_plus", "secretaries", "secretaries_associate_plus",
)
#: Per-unit sums for the average ages on a reporting date, in the order the store returns them:
#: the ages in 周岁 summed and how many were counted, of all members and of the cadres.
AGE_SUMS = ("ages", "with_birth", "cadre_ages", "cadres_with_birth")


@attrs.frozen(kw_only=True)
class RollUp:
    """Statistics of one unit's whole subtree (the unit and everything below it)."""

    unit_id: int
    units: int
    members: int
    full: int
    probationary: int
    by_gender: FrozenDict = attrs.field(converter=freeze, hash=False)
    by_education: FrozenDict = attrs.field(converter=freeze, hash=False)
    """Members by education code; members with no education on record are not counted here."""
    average_age: float | None
    """The mean of the members' ages in 周岁 (completed years) on the reporting date, as official
    statistics count them; members without a birth date on record are left out."""
    cadres: int
    """Members holding a committee post (书记, 副书记, 委员 ...)."""
    cadres_associate_or_above: int
    cadre_average_age: float | None
    """The same mean of the cadres' ages."""
    secretaries: int
    secretaries_associate_or_above: int

    @property
    def secretaries_associate_or_above_share(self) -> float | None:
        """Share of secretaries with 大专 or above (the 靖江 case study's figure)."""
        return self.secretaries_associate_or_above / self.secretaries if self.secretaries else None

    @property
    def cadres_associate_or_above_share(self) -> float | None:
        """Share of cadres with 大专 or above."""
        return self.cadres_associate_or_above / self.cadres if self.cadres else None


def _mean(total: float, count: float) -> float | None:
    return round(total / count, 1) if count else None


def _subtree_sums(per_unit: Mapping[int, Sequence[float]], parent_of: Mapping[int, int | None],
                 width: int) -> dict[int, list[float]]:
    """Each unit's row of ``width`` sums over its whole subtree, from per-unit rows: one pass,
    children before parents."""
    zero = [0] * width
    totals: dict[int, list[float]] = {u: list(per_unit.get(u, zero)) for u in parent_of}
    for node in reversed(parents_first(parent_of)):
        parent = parent_of[node]
        if parent is not None:
            totals[parent] = list(map(add, totals[parent], totals[node]))
    return totals


def roll_up(
    per_unit: Mapping[int, Sequence[float]],
    parent_of: Mapping[int, int | None],
    ages: Mapping[int, Sequence[float]] | Callable[[], Mapping[int, Sequence[float]]],
    wanted: Iterable[int] | None = None,
) -> RollUps:
    """Subtree totals for every unit (or the ``wanted`` ones) from per-unit counters and per-unit
    :data:`AGE_SUMS`; ``ages`` may be a function giving them, called when the first record is built."""
    zero = [0] * len(COUNTERS)
    # Each row gets a last column of 1, so one pass sums the counters and counts the units.
    rows = {u: [*per_unit.get(u, zero), 1] for u in parent_of}
    keys = list(parent_of) if wanted is None else list(wanted)
    return RollUps(keys, _subtree_sums(rows, parent_of, len(COUNTERS) + 1), ages, parent_of)


class RollUps(Mapping[int, RollUp]):
    """Unit id to its subtree's :class:`RollUp`.

    The totals are all computed; each record is built when first read, since a listing of a
    city's 20,000 units usually reads a few of their figures, not 20,000 records. The ages are
    summed over the subtrees only then too: :meth:`members` and :meth:`full` read a listing's
    figures without them.
    """

    def __init__(self, keys: list[int], totals: Mapping[int, Sequence[float]],
                 ages: Mapping[int, Sequence[float]] | Callable[[], Mapping[int, Sequence[float]]],
                 parent_of: Mapping[int, int | None]) -> None:
        self._keys = keys
        self._wanted = set(keys)
        self._totals = totals  # the COUNTERS, then the number of units
        self._ages = ages
        self._parent_of = parent_of
        self._age_totals: dict[int, list[float]] | None = None
        self._built: dict[int, RollUp] = {}

    def __getitem__(self, unit_id: int) -> RollUp:
        built = self._built.get(unit_id)
        if built is None:
            if unit_id not in self._wanted:
                raise KeyError(unit_id)
            if self._age_totals is None:
                per_unit = self._ages() if callable(self._ages) else self._ages
                self._age_totals = _subtree_sums(per_unit, self._parent_of, len(AGE_SUMS))
            built = _make(unit_id, self._totals[unit_id], self._age_totals[unit_id])
            self._built[unit_id] = built
        return built

    def __contains__(self, unit_id: object) -> bool:  # Mapping's own would build the record
        return unit_id in self._wanted

    def __iter__(self) -> Iterator[int]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def members(self, unit_id: int) -> int:
        """The subtree's head count, without building its record."""
        return int(self._totals[unit_id][0])

    def full(self, unit_id: int) -> int:
        """The subtree's full members (正式党员), without building its record."""
        return int(self._totals[unit_id][1])


def _make(unit_id: int, t: Sequence[float], a: Sequence[float]) -> RollUp:
    (members, full, male, female, *rest) = t
    education = rest[: len(EDUCATIONS)]
    (cadres, cadres_plus, secretaries, secretaries_plus, units) = rest[len(EDUCATIONS):]
    (ages, with_birth, cadre_ages, cadres_with_birth) = a
    return RollUp(
        unit_id=unit_id,
        units=int(units),
        members=int(members),
        full=int(full),
        probationary=int(members - full),
        by_gender={"male": int(male), "female": int(female)},
        by_education=dict(zip(EDUCATIONS, map(int, education), strict=True)),
        average_age=_mean(ages, with_birth),
        cadres=int(cadres),
        cadres_associate_or_above=int(cadres_plus),
        cadre_average_age=_mean(cadre_ages, cadres_with_birth),
        secretaries=int(secretaries),
        secretaries_associate_or_above=int(secretaries_plus),
    )
