"""Roll-up statistics per subtree: head counts, gender, education, age, cadres.

The store computes one row of counters per unit in a single GROUP BY; :func:`roll_up` then adds
each unit's counters into its parent, children first, so every subtree total costs one pass over
the parent map instead of one query per unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import attrs

from .members import Education
from .org import children_map

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
    by_gender: dict[str, int] = attrs.field(hash=False)
    by_education: dict[str, int] = attrs.field(hash=False)
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


def _age(birth_days: float, count: int, today: dt.date) -> float | None:
    if not count:
        return None
    mean_birth = birth_days / count
    return round(((today - _EPOCH).days - mean_birth) / _DAYS_PER_YEAR, 1)


def roll_up(
    per_unit: Mapping[int, Sequence[float]],
    parent_of: Mapping[int, int | None],
    today: dt.date,
    wanted: Iterable[int] | None = None,
) -> dict[int, RollUp]:
    """Subtree totals for every unit (or the ``wanted`` ones) from per-unit counters."""
    width = len(COUNTERS)
    totals: dict[int, list[float]] = {u: list(per_unit.get(u, [0] * width)) for u in parent_of}
    unit_counts = dict.fromkeys(parent_of, 1)
    children = children_map(parent_of)
    # Children before parents: reverse of a parents-first walk from the roots.
    order: list[int] = []
    stack = list(children.get(None, []))
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(children.get(node, ()))
    for node in reversed(order):
        parent = parent_of[node]
        if parent is not None:
            acc = totals[parent]
            for i, value in enumerate(totals[node]):
                acc[i] += value
            unit_counts[parent] += unit_counts[node]
    index = {name: i for i, name in enumerate(COUNTERS)}
    out: dict[int, RollUp] = {}
    for unit_id in parent_of if wanted is None else wanted:
        t = totals[unit_id]
        members, full = int(t[index["members"]]), int(t[index["full"]])
        out[unit_id] = RollUp(
            unit_id=unit_id,
            units=unit_counts[unit_id],
            members=members,
            full=full,
            probationary=members - full,
            by_gender={"male": int(t[index["male"]]), "female": int(t[index["female"]])},
            by_education={e: int(t[index[f"edu:{e}"]]) for e in EDUCATIONS},
            average_age=_age(t[index["birth_days"]], int(t[index["with_birth"]]), today),
            cadres=int(t[index["cadres"]]),
            cadres_associate_or_above=int(t[index["cadres_associate_plus"]]),
            cadre_average_age=_age(t[index["cadre_birth_days"]], int(t[index["cadres_with_birth"]]), today),
            secretaries=int(t[index["secretaries"]]),
            secretaries_associate_or_above=int(t[index["secretaries_associate_plus"]]),
        )
    return out
