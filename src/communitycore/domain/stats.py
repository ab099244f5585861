"""Roll-up statistics per subtree: head counts, gender, education, age, cadres.

The store computes one row of counters per unit in a single GROUP BY; :func:`roll_up` then adds
each unit's counters into its parent, children first, so every subtree total costs one pass over
the parent map instead of one query per unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from operator import add

import attrs

from communitycore.domain.members import Education
from communitycore.domain.org import parents_first
from communitycore.records import FrozenDict, freeze

EDUCATIONS = tuple(e.value for e in Education)
#: Counter names, in the order the store's query returns them after ``unit_id``.
COUNTERS = (
    "members", "full", "male", "female", *(f"edu:{e}" for e in EDUCATIONS),
    "birth_days", "with_birth",
    "cadres", "cadres_associate_plus", "cadre_birth_days", "cadres_with_birth",
    "secretaries", "secretaries_associate_plus",
)
_DAYS_PER_YEAR = 365.2425
_EPOCH = dt.date(1970, 1, 1)


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
    cadres: int
    """Members holding a committee post (书记, 副书记, 委员 ...)."""
    cadres_associate_or_above: int
    cadre_average_age: float | None
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


def _age(birth_days: float, count: float, today_days: int) -> float | None:
    if not count:
        return None
    return round((today_days - birth_days / count) / _DAYS_PER_YEAR, 1)


def roll_up(
    per_unit: Mapping[int, Sequence[float]],
    parent_of: Mapping[int, int | None],
    today: dt.date,
    wanted: Iterable[int] | None = None,
) -> RollUps:
    """Subtree totals for every unit (or the ``wanted`` ones) from per-unit counters."""
    zero = [0] * len(COUNTERS)
    totals: dict[int, list[float]] = {u: list(per_unit.get(u, zero)) for u in parent_of}
    unit_counts = dict.fromkeys(parent_of, 1)
    for node in reversed(parents_first(parent_of)):  # children before parents
        parent = parent_of[node]
        if parent is not None:
            totals[parent] = list(map(add, totals[parent], totals[node]))
            unit_counts[parent] += unit_counts[node]
    keys = list(parent_of) if wanted is None else list(wanted)
    return RollUps(keys, totals, unit_counts, (today - _EPOCH).days)


class RollUps(Mapping[int, RollUp]):
    """Unit id to its subtree's :class:`RollUp`.

    The totals are all computed; each record is built when first read, since a listing of a
    city's 20,000 units usually reads a few of their figures, not 20,000 records.
    """

    def __init__(self, keys: list[int], totals: Mapping[int, Sequence[float]], units: Mapping[int, int],
                 today_days: int) -> None:
        self._keys = keys
        self._wanted = set(keys)
        self._totals = totals
        self._units = units
        self._today_days = today_days
        self._built: dict[int, RollUp] = {}

    def __getitem__(self, unit_id: int) -> RollUp:
        built = self._built.get(unit_id)
        if built is None:
            if unit_id not in self._wanted:
                raise KeyError(unit_id)
            built = _make(unit_id, self._units[unit_id], self._totals[unit_id], self._today_days)
            self._built[unit_id] = built
        return built

    def __iter__(self) -> Iterator[int]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def members(self, unit_id: int) -> int:
        """The subtree's head count, without building its record."""
        return int(self._totals[unit_id][0])


def _make(unit_id: int, units: int, t: Sequence[float], today_days: int) -> RollUp:
    (members, full, male, female, *rest) = t
    education = rest[: len(EDUCATIONS)]
    (birth_days, with_birth, cadres, cadres_plus, cadre_birth_days, cadres_with_birth, secretaries,
     secretaries_plus) = rest[len(EDUCATIONS):]
    return RollUp(
        unit_id=unit_id,
        units=units,
        members=int(members),
        full=int(full),
        probationary=int(members - full),
        by_gender={"male": int(male), "female": int(female)},
        by_education=dict(zip(EDUCATIONS, map(int, education), strict=True)),
        average_age=_age(birth_days, with_birth, today_days),
        cadres=int(cadres),
        cadres_associate_or_above=int(cadres_plus),
        cadre_average_age=_age(cadre_birth_days, cadres_with_birth, today_days),
        secretaries=int(secretaries),
        secretaries_associate_or_above=int(secretaries_plus),
    )
