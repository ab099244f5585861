"""Property-tier goals (物业提升目标) per compound, and the figures that show how each compound is doing.

实现了老旧小区物业定向提升、回迁小区物业规范提升、标准小区物业精准提升、新建小区智慧提升: the goal
follows from the property tier the platform already keeps on every compound (``org compound add
--tier``), so it is recorded once, where the compound is, and changes when the compound is
reclassified. The figures are the services capability's, grouped by compound.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from communitycore import Community
    from communitycore.domain.org import Compound


@attrs.frozen
class Goal:
    """A property-tier goal: its code and its names."""

    code: str
    label: str
    label_en: str


#: The goal of each property tier (老旧 → 定向, 回迁 → 规范, 标准 → 精准, 新建 → 智慧).
GOALS: dict[str, Goal] = {
    "old": Goal("targeted", "定向提升", "targeted upgrade"),
    "resettlement": Goal("standardized", "规范提升", "standardized upgrade"),
    "standard": Goal("precise", "精准提升", "precise upgrade"),
    "new": Goal("smart", "智慧提升", "smart upgrade"),
}


def goal_of(compound: Compound) -> Goal:
    """The goal of ``compound``, from its property tier."""
    return GOALS[compound.tier]


@attrs.frozen(kw_only=True)
class CompoundReport:
    """One compound's goal and its service figures over a period (rates 0-1, None when undefined)."""

    compound: Compound
    goal: Goal
    received: int
    evaluated: int
    resolution_rate: float | None
    satisfaction_rate: float | None


def report(community: Community, unit: str | int, period: str) -> list[CompoundReport]:
    """Every compound of ``unit``'s subtree with its goal and the requests of its residents in ``period``.

    Two reads: the compounds, and one grouped metrics query (``services.metrics(by="compound")``).
    A compound whose residents made no request shows 0 received and no rates.
    """
    compounds = community.org.compounds(unit)
    figures = {m.group: m for m in community.services.metrics(period, unit=unit, by="compound")}
    out = []
    for compound in compounds:
        found = figures.get(str(compound.id))
        out.append(CompoundReport(
            compound=compound, goal=goal_of(compound),
            received=found.received if found else 0, evaluated=found.evaluated if found else 0,
            resolution_rate=found.resolution_rate if found else None,
            satisfaction_rate=found.satisfaction_rate if found else None))
    return out
