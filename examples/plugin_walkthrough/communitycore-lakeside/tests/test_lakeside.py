"""Tests of the lakeside plugin, written with communitycore's testing kit."""

from __future__ import annotations

import communitycore_lakeside as plugin
import pytest

from communitycore import Community, RejectedInput
from communitycore.testing import check_plugin
from communitycore.testing.pytest_plugin import CliRunner


@pytest.fixture
def communitycore_plugins() -> list[object]:
    """Register this plugin beside the national builtins in the ``community`` fixture."""
    return [plugin]


def test_conformance() -> None:
    check_plugin(plugin)


def test_the_packs_records_are_registered(community: Community) -> None:
    registry = community.registry
    assert registry.meeting_types["lakeside-weekly-class"].cadence == "weekly"
    assert registry.service_programs["lakeside-haircut"].category == "care"
    assert registry.scoring_schemes["lakeside-volunteer-points"].period == "quarterly"
    # Registered by the kit under the module's name; installed, under the entry point's ("lakeside").
    assert registry.provider("meeting_types", "lakeside-weekly-class") == plugin.__name__


def grid_with_members(community: Community, count: int) -> int:
    street = community.org.add("湖滨街道党工委", "street-committee")
    committee = community.org.add("湖滨社区党委", "community-committee", street)
    grid = community.org.add("第一网格党支部", "grid-branch", committee)
    for n in range(count):
        community.members.add(f"党员{n + 1}", grid, birth_date="1980-01-01", gender="男")
    return grid.id


def rules_of(community: Community, unit: int) -> set[str]:
    return {finding.rule for finding in community.org.check(unit) if finding.unit_id == unit}


def test_a_large_grid_without_party_groups_is_found(community: Community) -> None:
    grid = grid_with_members(community, plugin.GROUP_THRESHOLD + 1)
    assert plugin.RULE in rules_of(community, grid)
    community.org.add("1号楼党小组", "party-group", grid)
    assert plugin.RULE not in rules_of(community, grid)


def test_a_small_grid_is_fine(community: Community) -> None:
    grid = grid_with_members(community, plugin.GROUP_THRESHOLD)
    assert plugin.RULE not in rules_of(community, grid)


def test_the_weekly_class_is_owed_by_grid_branches(community: Community) -> None:
    grid = grid_with_members(community, 3)
    compliance = community.meetings.compliance(grid, "2026-11")
    owed = {row.type: row.required for row in compliance.rows}
    assert owed["lakeside-weekly-class"] >= 4


def test_volunteer_points_are_capped(community: Community) -> None:
    grid = grid_with_members(community, 2)
    first, second = (m.id for m in community.members.list(grid))
    for day in ("2026-10-10", "2026-10-11"):  # a day holds 24 hours at most
        community.activity.record("member", first, "lakeside-volunteer-hours", on=day, quantity=15)
    community.activity.record("member", second, "lakeside-volunteer-hours", on="2026-10-11", quantity=5)
    run = community.assessments.run("lakeside-volunteer-points", "2026Q4", grid)
    totals = {r.subject_id: r.total for r in community.assessments.results(run.id)}
    assert totals == {first: 100, second: 70}  # 60 + min(2 × 30, 40); 60 + 2 × 5


def test_a_persons_day_holds_24_volunteer_hours(community: Community) -> None:
    grid = grid_with_members(community, 1)
    member = community.members.list(grid)[0].id
    community.activity.record("member", member, "lakeside-volunteer-hours", on="2026-10-10", quantity=20)
    with pytest.raises(RejectedInput, match="一天最多 24"):
        community.activity.record("member", member, "lakeside-volunteer-hours", on="2026-10-10", quantity=5)


def test_the_host_lists_the_records(cli_runner: CliRunner) -> None:
    codes = {t["code"] for t in cli_runner.json("meeting", "types")}
    assert "lakeside-weekly-class" in codes
