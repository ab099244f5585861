"""communitycore plugin for 湖滨街道 (Lakeside street): records from a pack, and one rule of its own.

The records (a weekly Party class, a service programme, a fact and a points scheme) live in
``lakeside.toml``; the registration hooks below hand them to the host. The one piece of logic a
record cannot say is a structure rule: a grid branch of more than :data:`GROUP_THRESHOLD`
members should have party groups (党小组) under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from communitycore import Fact, Finding, MeetingType, Record, ScoringScheme, ServiceProgram, UnitSnapshot, hookimpl
from communitycore.plugins.packs import pack_records

#: The pack shipped inside this package (``package-data`` in pyproject.toml).
PACK = Path(__file__).with_name("lakeside.toml")
#: Members above which a grid branch should be divided into party groups (湖滨街道's own rule).
GROUP_THRESHOLD = 10
RULE = "lakeside.grid-needs-groups"


def _of(record_type: type[Record]) -> list[Record]:
    return pack_records(PACK, record_type)


@hookimpl
def communitycore_register_meeting_types() -> list[Record]:
    """网格每周党课."""
    return _of(MeetingType)


@hookimpl
def communitycore_register_service_programs() -> list[Record]:
    """爱心理发."""
    return _of(ServiceProgram)


@hookimpl
def communitycore_register_facts() -> list[Record]:
    """志愿服务时长, counted by the points scheme."""
    return _of(Fact)


@hookimpl
def communitycore_register_scoring_schemes() -> list[Record]:
    """志愿服务积分."""
    return _of(ScoringScheme)


@hookimpl
def communitycore_check_units(units: Sequence[UnitSnapshot]) -> list[Finding]:
    """A grid branch of more than GROUP_THRESHOLD members with no party group under it.

    Called once for the whole batch of units being checked: loop here, never query per unit.
    """
    return [
        Finding(unit_id=unit.id, unit=unit.path, rule=RULE, severity="warning",
                message=f"{unit.name} has {unit.members} members and no party group (党小组)",
                suggestion="set up a party group per building (楼栋党小组)")
        for unit in units
        if unit.kind == "grid-branch" and unit.members > GROUP_THRESHOLD and unit.children == 0
    ]
