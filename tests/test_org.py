"""The organization tree through the SDK, on every engine: add, rename, move, remove, paths, checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from communitycore import Community, Conflict, InvalidValue, NotFound, Severity
from communitycore.domain.identity import check_character
from communitycore.domain.org import PartnerKind, PropertyTier
from communitycore.store.tables import audit as audit_tables
from communitycore.store.tables import org as org_tables


def make_id(birth: str, seq: int, area: str = "110101") -> str:
    """A valid 公民身份号码 for a YYYYMMDD birth date and a 3-digit sequence (odd = male)."""
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + check_character(first17)


def tree_state(community: Community) -> list[tuple[int, int | None, str, str]]:
    """Every unit as (id, parent, name, kind): what a refused operation must leave alone."""
    return sorted((line.unit.id, line.unit.parent_id, line.unit.name, line.unit.kind) for line in community.org.tree())


def audit_count(community: Community) -> int:
    with community.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(audit_tables.audit)) or 0)


@pytest.fixture
def town(community: Community) -> dict[str, Any]:
    """街道 → 社区党委 → two grid branches (one with a 党小组 and a 中心户), and a 党总支."""
    org = community.org
    street = org.add("城南街道党工委", "street-committee")
    committee = org.add("幸福社区党委", "community-committee", street.id)
    grid1 = org.add("第一网格党支部", "grid-branch", committee.id)
    grid2 = org.add("第二网格党支部", "grid-branch", committee.id)
    group = org.add("1号楼党小组", "party-group", grid1.id)
    hub = org.add("张家中心户", "hub-household", group.id)
    general = org.add("和平社区党总支", "general-branch", street.id)
    return {"street": street, "committee": committee, "grid1": grid1, "grid2": grid2, "group": group, "hub": hub,
            "general": general}


# Adding --------------------------------------------------------------------------------------------


def test_add_returns_the_stored_unit(community: Community) -> None:
    street = community.org.add("  城南街道党工委 ", "street-committee", code="CN-01", approved_by="区委组织部",
                               approved_on="2020-03-01")
    assert street.name == "城南街道党工委"
    assert street.parent_id is None
    assert street.approved_on == dt.date(2020, 3, 1)
    assert community.org.get(street.id) == street
    assert community.org.count() == 1


def test_add_unknown_kind_names_the_known_ones(community: Community) -> None:
    with pytest.raises(InvalidValue, match=r"unknown unit kind 'village'.*street-committee") as unknown:
        community.org.add("某村", "village")
    assert unknown.value.code == "invalid-value" and unknown.value.key == "village"
    assert community.org.count() == 0


@pytest.mark.parametrize("name", ["", "   ", "a/b"])
def test_add_refuses_bad_names(community: Community, name: str) -> None:
    with pytest.raises(InvalidValue):
        community.org.add(name, "street-committee")


def test_add_refuses_unknown_fields(community: Community) -> None:
    # Explicit keyword parameters: a misspelt field is a TypeError at the call (and a mypy error).
    with pytest.raises(TypeError, match="colour"):
        community.org.add("街道", "street-committee", colour="red")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("kind", "parent", "allowed"),
    [
        ("community-committee", "grid1", "street working committee (street-committee)"),
        ("hub-household", "street", "party group (party-group)"),
        ("grid-branch", "street", "community committee (community-committee)"),
        ("street-committee", "committee", None),
    ],
)
def test_placement_rules(community: Community, town: dict[str, Any], kind: str, parent: str,
                         allowed: str | None) -> None:
    before = tree_state(community)
    with pytest.raises(Conflict, match="cannot sit under") as info:
        community.org.add("新单位", kind, town[parent].id)
    message = str(info.value)
    assert town[parent].name in message
    if allowed:
        assert allowed in message
    else:
        assert "can only be a root" in message
    assert tree_state(community) == before


def test_every_builtin_kind_fits_under_its_declared_parents(community: Community) -> None:
    kinds = community.registry.unit_kinds
    # One unit of every kind, each under the first parent kind it may have (roots at the top).
    made: dict[str, Any] = {}
    while len(made) < len(kinds):
        for code, kind in kinds.items():
            if code in made:
                continue
            if not kind.parents:
                made[code] = community.org.add(f"根-{code}", code)
            elif any(p in made for p in kind.parents):
                parent = next(p for p in kind.parents if p in made)
                made[code] = community.org.add(f"{code}-于-{parent}", code, made[parent].id)
    for code, kind in kinds.items():
        for parent in kind.parents:
            unit = community.org.add(f"{code}-下", code, made[parent].id)
            assert unit.parent_id == made[parent].id


def test_sibling_names_are_unique(community: Community, town: dict[str, Any]) -> None:
    with pytest.raises(Conflict, match="already has a unit named '第一网格党支部'"):
        community.org.add("第一网格党支部", "grid-branch", town["committee"].id)
    with pytest.raises(Conflict, match="the top level already has"):
        community.org.add("城南街道党工委", "street-committee")
    # The same name under another parent is fine.
    other = community.org.add("第一网格党支部", "branch", town["general"].id)
    assert community.org.path_of(other.id) == "城南街道党工委/和平社区党总支/第一网格党支部"


# Term ends --------------------------------------------------------------------------------------


def test_term_end_from_term_years(community: Community, town: dict[str, Any]) -> None:
    kinds = community.registry.unit_kinds
    branch = community.org.add("支部", "branch", town["committee"].id, term_start="2025-06-30")
    assert branch.term_end == dt.date(2025 + kinds["branch"].term_years, 6, 30)  # type: ignore[operator]
    committee = community.org.add("新社区党委", "community-committee", town["street"].id,
                                  term_start=dt.date(2024, 2, 29))
    assert committee.term_end == dt.date(2024 + kinds["community-committee"].term_years, 2, 28)  # type: ignore[operator]
    assert community.org.get(committee.id).term_end == committee.term_end


def test_explicit_term_end_wins_and_unelected_kinds_get_none(community: Community, town: dict[str, Any]) -> None:
    branch = community.org.add("支部", "branch", town["committee"].id, term_start="2025-01-01", term_end="2026-12-31")
    assert branch.term_end == dt.date(2026, 12, 31)
    street = community.org.add("城北街道党工委", "street-committee", term_start="2025-01-01")
    assert street.term_end is None
    with pytest.raises(InvalidValue, match="term_end must be after term_start"):
        community.org.add("支部2", "branch", town["committee"].id, term_start="2025-01-01", term_end="2024-01-01")


def test_update_changes_fields(community: Community, town: dict[str, Any]) -> None:
    changed = community.org.update(town["grid1"].id, code="G1", covered_units="3", approved_on="2021-07-01")
    assert changed.code == "G1"
    assert changed.covered_units == 3
    assert community.org.get(town["grid1"].id) == changed
    with pytest.raises(TypeError):
        community.org.update(town["grid1"].id, parent_id=3)  # type: ignore[call-arg]
    with pytest.raises(InvalidValue, match="nothing to change"):
        community.org.update(town["grid1"].id)
    cleared = community.org.update(town["grid1"].id, code=None)
    assert (cleared.code, cleared.covered_units) == (None, 3)


# Renaming ----------------------------------------------------------------------------------------


def test_rename(community: Community, town: dict[str, Any]) -> None:
    renamed = community.org.rename(town["grid1"].id, "东区网格党支部")
    assert renamed.name == "东区网格党支部"
    assert community.org.path_of(town["hub"].id) == "城南街道党工委/幸福社区党委/东区网格党支部/1号楼党小组/张家中心户"
    assert community.org.rename(renamed.id, "东区网格党支部") == renamed  # same name: nothing to do


def test_rename_to_a_siblings_name_is_refused(community: Community, town: dict[str, Any]) -> None:
    before = tree_state(community)
    with pytest.raises(Conflict, match="already has a unit named"):
        community.org.rename(town["grid1"].id, "第二网格党支部")
    with pytest.raises(InvalidValue):
        community.org.rename(town["grid1"].id, "a/b")
    assert tree_state(community) == before


# Moving ----------------------------------------------------------------------------------------------


def test_move_takes_the_subtree_along(community: Community, town: dict[str, Any]) -> None:
    moved = community.org.move(town["group"].id, town["grid2"].id)
    assert moved.parent_id == town["grid2"].id
    assert community.org.path_of(town["hub"].id) == "城南街道党工委/幸福社区党委/第二网格党支部/1号楼党小组/张家中心户"
    assert [u.id for u in community.org.subtree(town["grid1"].id)] == [town["grid1"].id]


def test_move_under_itself_is_refused_and_nothing_changes(community: Community, town: dict[str, Any]) -> None:
    before, entries = tree_state(community), audit_count(community)
    with pytest.raises(Conflict) as info:
        community.org.move(town["grid1"].id, town["grid1"].id)
    message = str(info.value)
    assert "cannot move 城南街道党工委/幸福社区党委/第一网格党支部 under itself" in message
    assert "Nothing was changed" in message
    assert tree_state(community) == before
    assert audit_count(community) == entries


@pytest.mark.parametrize("descendant", ["grid1", "group", "hub"])
def test_move_under_a_descendant_is_refused_and_nothing_changes(
    community: Community, town: dict[str, Any], descendant: str
) -> None:
    before, entries = tree_state(community), audit_count(community)
    with pytest.raises(Conflict) as info:
        community.org.move(town["committee"].id, town[descendant].id)
    message = str(info.value)
    assert message.startswith("cannot move 城南街道党工委/幸福社区党委 under ")
    assert community.org.path_of(town[descendant].id) in message
    assert "one of its own descendants" in message and "cycle" in message
    assert "Nothing was changed" in message
    assert tree_state(community) == before
    assert audit_count(community) == entries


def test_move_respects_placement_and_sibling_names(community: Community, town: dict[str, Any]) -> None:
    before = tree_state(community)
    with pytest.raises(Conflict, match="cannot sit under"):
        community.org.move(town["grid2"].id, town["group"].id)
    clash = community.org.add("1号楼党小组", "party-group", town["grid2"].id)
    with pytest.raises(Conflict, match="already has a unit named '1号楼党小组'"):
        community.org.move(clash.id, town["grid1"].id)
    assert tree_state(community) == [*before, (clash.id, town["grid2"].id, "1号楼党小组", "party-group")]


def test_move_to_the_current_parent_changes_nothing(community: Community, town: dict[str, Any]) -> None:
    before = tree_state(community)
    unit = community.org.move(town["grid1"].id, town["committee"].id)
    assert unit.parent_id == town["committee"].id
    assert tree_state(community) == before


def test_move_to_the_top_level(community: Community, town: dict[str, Any]) -> None:
    # Only a unit of a root kind stands at the top: a 党总支 is refused, naming the root kinds.
    with pytest.raises(InvalidValue, match=r"root kinds are: street working committee \(street-committee\)"):
        community.org.move(town["general"].id, None)
    assert community.org.get(town["general"].id).parent_id == town["street"].id
    assert community.org.move(town["street"].id, None).parent_id is None  # a root kind: already there
    assert {u.name for u in community.org.children()} == {"城南街道党工委"}


def test_move_accepts_paths(community: Community, town: dict[str, Any]) -> None:
    community.org.move("城南街道党工委/幸福社区党委/第一网格党支部/1号楼党小组", "城南街道党工委/和平社区党总支")
    assert community.org.get("城南街道党工委/和平社区党总支/1号楼党小组").id == town["group"].id


# Removing ------------------------------------------------------------------------------------------


def test_remove_a_leaf(community: Community, town: dict[str, Any]) -> None:
    assert community.org.remove(town["hub"].id) == [town["hub"].id]
    with pytest.raises(NotFound):
        community.org.get(town["hub"].id)


def test_remove_with_children_is_refused_without_cascade(community: Community, town: dict[str, Any]) -> None:
    before = tree_state(community)
    with pytest.raises(Conflict, match=r"still has 2 sub-unit\(s\): .*cascade"):
        community.org.remove(town["grid1"].id)
    assert tree_state(community) == before


def test_remove_with_members_is_refused_without_cascade(community: Community, town: dict[str, Any]) -> None:
    community.members.add("李四", town["grid2"].id)
    before = tree_state(community)
    with pytest.raises(Conflict, match=r"still has 1 member\(s\): "):
        community.org.remove(town["grid2"].id)
    assert tree_state(community) == before
    assert community.members.count() == 1


def test_cascade_removes_subtree_and_members(community: Community, town: dict[str, Any]) -> None:
    inside = community.members.add("王五", town["group"].id, id_number=make_id("19850304", 12), in_service=True)
    moved_in = community.members.add("赵六", town["grid2"].id)
    community.members.transfer(moved_in.id, town["hub"].id, on="2026-01-01")
    outside = community.members.add("钱七", town["general"].id, in_service=True)
    community.members.register_community(inside.id, town["grid2"].id)
    community.members.register_community(outside.id, town["grid1"].id)
    compound = community.org.add_compound("阳光小区", "老旧", town["grid1"].id)
    community.org.set_setting(town["group"].id, "volunteer-star-hours", [50, 100])

    removed = community.org.remove(town["grid1"].id, cascade=True)

    assert set(removed) == {town["grid1"].id, town["group"].id, town["hub"].id}
    assert [m.id for m in community.members.list()] == [outside.id]
    assert community.members.registrations() == []
    assert community.org.compounds()[0].id == compound.id
    assert community.org.compounds()[0].unit_id is None
    assert {line.unit.id for line in community.org.tree()} == {
        town["street"].id, town["committee"].id, town["grid2"].id, town["general"].id}
    assert community.org.stats(town["committee"].id)[0].members == 0
    with community.engine.connect() as conn:
        left = conn.scalar(select(func.count()).select_from(org_tables.unit_settings)
                           .where(org_tables.unit_settings.c.unit_id.in_(removed)))
    assert left == 0
    entry = community.audit.list(action="unit.remove", limit=1)[0]
    assert entry.entity_id == str(town["grid1"].id)


# Paths and queries -----------------------------------------------------------------------------------


def test_resolution_by_id_and_path(community: Community, town: dict[str, Any]) -> None:
    hub = town["hub"]
    full = "城南街道党工委/幸福社区党委/第一网格党支部/1号楼党小组/张家中心户"
    assert community.org.get(hub.id) == hub
    assert community.org.get(str(hub.id)) == hub
    assert community.org.get(full) == hub
    assert community.org.get(f"/{full}/") == hub
    assert community.org.get(" 城南街道党工委 / 幸福社区党委 / 第一网格党支部 / 1号楼党小组 / 张家中心户 ") == hub
    assert community.org.get(hub) == hub
    assert community.org.path_of(hub.id) == full
    assert [u.name for u in community.org.path(full)] == full.split("/")


@pytest.mark.parametrize("ref", ["幸福社区党委", "城南街道党工委/没有这个社区", "9999", 9999])
def test_unknown_references_say_what_to_give(community: Community, town: dict[str, Any], ref: Any) -> None:
    with pytest.raises(NotFound, match="there is no unit"):
        community.org.get(ref)


def test_children_subtree_and_tree(community: Community, town: dict[str, Any]) -> None:
    assert [u.name for u in community.org.children(town["committee"].id)] == ["第一网格党支部", "第二网格党支部"]
    assert [u.name for u in community.org.children()] == ["城南街道党工委"]
    subtree = community.org.subtree(town["committee"].id)
    ids = [u.id for u in subtree]
    assert set(ids) == {town[k].id for k in ("committee", "grid1", "grid2", "group", "hub")}
    position = {unit_id: i for i, unit_id in enumerate(ids)}
    assert all(position[u.parent_id] < position[u.id] for u in subtree[1:] if u.parent_id is not None)
    lines = community.org.tree()
    assert [(line.depth, line.unit.name) for line in lines] == [
        (0, "城南街道党工委"), (1, "和平社区党总支"), (1, "幸福社区党委"), (2, "第一网格党支部"),
        (3, "1号楼党小组"), (4, "张家中心户"), (2, "第二网格党支部"),
    ]
    shallow = community.org.tree(town["committee"].id, depth=1)
    assert [(line.depth, line.unit.name) for line in shallow] == [
        (0, "幸福社区党委"), (1, "第一网格党支部"), (1, "第二网格党支部")]
    assert shallow[1].path == "城南街道党工委/幸福社区党委/第一网格党支部"


# Compounds and partners ------------------------------------------------------------------------------


def test_compounds_with_tiers(community: Community, town: dict[str, Any]) -> None:
    old = community.org.add_compound("幸福里", "老旧小区", town["grid1"].id, address="幸福路1号")
    new = community.org.add_compound("新城", PropertyTier.NEW, town["grid2"].id)
    elsewhere = community.org.add_compound("和平苑", "resettlement", town["general"].id)
    assert old.tier is PropertyTier.OLD
    assert elsewhere.tier is PropertyTier.RESETTLEMENT
    assert [c.id for c in community.org.compounds(town["committee"].id)] == [old.id, new.id]
    assert len(community.org.compounds()) == 3
    with pytest.raises(InvalidValue, match="is not one of"):
        community.org.add_compound("某小区", "豪华")


def test_partners(community: Community, town: dict[str, Any]) -> None:
    company = community.org.add_partner("物业", "安居物业公司", town["grid1"].id, contact="0523-84812345")
    board = community.org.add_partner("owners-committee", "幸福里业委会", town["committee"].id)
    community.org.add_partner("驻区单位", "第一小学", town["general"].id)
    assert company.kind is PartnerKind.PROPERTY_COMPANY
    assert [p.id for p in community.org.partners(town["committee"].id)] == [company.id, board.id]
    assert len(community.org.partners()) == 3


# Structure findings (the national rules) -----------------------------------------------------------


def _add_members(community: Community, unit: int, count: int, *, probationary: int = 0,
                 posts: tuple[str, ...] = (), start: int = 0) -> None:
    for i in range(count):
        fields: dict[str, Any] = {"category": "probationary" if i < probationary else "full"}
        if i < len(posts):
            fields["post"] = posts[i]
        if fields["category"] == "probationary":
            fields["join_date"] = "2026-06-01"
        community.members.add(f"党员{start + i}", unit, **fields)


def findings_for(community: Community, unit_id: int) -> dict[str, Any]:
    return {f.rule: f for f in community.org.check() if f.unit_id == unit_id}


def test_two_full_members_is_an_error_suggesting_a_joint_branch(community: Community, town: dict[str, Any]) -> None:
    _add_members(community, town["grid2"].id, 3, probationary=1)
    found = findings_for(community, town["grid2"].id)
    finding = found["min-full-members"]
    assert finding.severity is Severity.ERROR
    assert "2 full members" in finding.message and "at least 3" in finding.message
    assert "joint branch" in finding.suggestion
    assert finding.unit == "城南街道党工委/幸福社区党委/第二网格党支部"


def test_three_full_members_are_enough(community: Community, town: dict[str, Any]) -> None:
    _add_members(community, town["grid2"].id, 3)
    assert "min-full-members" not in findings_for(community, town["grid2"].id)


def test_sixty_three_members_eligible_for_general_branch(community: Community, town: dict[str, Any]) -> None:
    branch = community.org.add("大支部", "branch", town["committee"].id)
    _add_members(community, branch.id, 63, posts=("书记", "组织委员", "宣传委员"))
    found = findings_for(community, branch.id)
    finding = found["max-members"]
    assert finding.severity is Severity.WARNING
    assert "63 members" in finding.message
    assert "general branch" in finding.message and "general branch" in finding.suggestion
    assert "社区党委" not in finding.message  # 100 are needed for that
    assert "committee-required" not in found
    assert "min-full-members" not in found


def test_fifty_members_are_within_the_branch_limit(community: Community, town: dict[str, Any]) -> None:
    branch = community.org.add("满员支部", "branch", town["committee"].id)
    _add_members(community, branch.id, 50, posts=("书记", "组织委员", "宣传委员"))
    assert "max-members" not in findings_for(community, branch.id)


def test_committee_required_from_seven_full_members(community: Community, town: dict[str, Any]) -> None:
    _add_members(community, town["grid2"].id, 7, posts=("书记", "组织委员"))
    finding = findings_for(community, town["grid2"].id)["committee-required"]
    assert finding.severity is Severity.WARNING
    assert "7 full members" in finding.message
    # A third committee post puts the committee on record.
    community.members.add("宣传委员甲", town["grid2"].id, post="宣传委员")
    assert "committee-required" not in findings_for(community, town["grid2"].id)


def test_six_full_members_need_no_committee(community: Community, town: dict[str, Any]) -> None:
    _add_members(community, town["grid2"].id, 7, probationary=1)
    assert "committee-required" not in findings_for(community, town["grid2"].id)


def test_joint_branch_covering_more_than_five_units(community: Community, town: dict[str, Any]) -> None:
    joint = community.org.add("商户联合党支部", "joint-branch", town["committee"].id, covered_units=6)
    ok = community.org.add("楼宇联合党支部", "joint-branch", town["committee"].id, covered_units=5)
    finding = findings_for(community, joint.id)["max-covered-units"]
    assert finding.severity is Severity.ERROR
    assert "covers 6 units" in finding.message and "5" in finding.message
    assert "max-covered-units" not in findings_for(community, ok.id)


def test_term_ended_means_re_election_is_due(community: Community, town: dict[str, Any]) -> None:
    today = community.clock.today()
    ended = community.org.add("届满支部", "branch", town["committee"].id, term_start="2023-01-01",
                              term_end=today - dt.timedelta(days=1))
    ending = community.org.add("将届满支部", "branch", town["committee"].id, term_start="2024-01-01",
                               term_end=today + dt.timedelta(days=30))
    fresh = community.org.add("新支部", "branch", town["committee"].id, term_start=today)
    finding = findings_for(community, ended.id)["term-ended"]
    assert finding.severity is Severity.WARNING
    assert "re-election is due" in finding.message
    assert findings_for(community, ending.id)["term-ending"].severity is Severity.INFO
    assert not {"term-ended", "term-ending"} & set(findings_for(community, fresh.id))


def test_check_of_a_subtree_and_snapshots(community: Community, town: dict[str, Any]) -> None:
    _add_members(community, town["grid1"].id, 2)
    _add_members(community, town["grid2"].id, 1, start=10)
    only = community.org.check(town["grid1"].id)
    assert {f.unit_id for f in only} <= {town[k].id for k in ("grid1", "group", "hub")}
    assert any(f.rule == "min-full-members" for f in only)
    assert community.check_units() == community.org.check()
    snapshots = {s.id: s for s in community.org.snapshots()}
    assert snapshots[town["grid1"].id].members == 2
    # Thresholds count the whole subtree; own_members is what sits on the unit itself.
    assert snapshots[town["committee"].id].members == 3
    assert snapshots[town["committee"].id].own_members == 0
    assert snapshots[town["committee"].id].children == 2
    order = {"error": 0, "warning": 1, "info": 2}
    keys = [(f.unit, order[f.severity.value], f.rule) for f in community.org.check()]
    assert keys == sorted(keys)
