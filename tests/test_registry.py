"""The registry: provenance, conflicts, ``replaces``, order independence and typed accessors."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communitycore import (
    Fact,
    MeetingType,
    PluginError,
    RosterProgram,
    ScoringScheme,
    ServiceCategory,
    ServiceProgram,
    UnitKind,
    hookimpl,
)
from communitycore.errors import InvalidValue, NotFound
from communitycore.plugins.manager import PluginCallWarning, PluginLoadWarning, make_plugin_manager
from communitycore.plugins.registry import Registry
from communitycore.records import FAMILIES


class Town:
    """A plugin made of records: one registration hook per family, each returning its list."""

    def __init__(self, name: str, **families: Any) -> None:
        self.name = name
        self.families = families

    @hookimpl
    def communitycore_register_unit_kinds(self) -> Any:
        return self.families.get("unit_kinds", [])

    @hookimpl
    def communitycore_register_meeting_types(self) -> Any:
        return self.families.get("meeting_types", [])

    @hookimpl
    def communitycore_register_service_categories(self) -> Any:
        return self.families.get("service_categories", [])

    @hookimpl
    def communitycore_register_service_programs(self) -> Any:
        return self.families.get("service_programs", [])

    @hookimpl
    def communitycore_register_scoring_schemes(self) -> Any:
        return self.families.get("scoring_schemes", [])

    @hookimpl
    def communitycore_register_roster_programs(self) -> Any:
        return self.families.get("roster_programs", [])

    @hookimpl
    def communitycore_register_facts(self) -> Any:
        return self.families.get("facts", [])


def registry(*plugins: object, extra: Any = ()) -> Registry:
    return Registry(make_plugin_manager(*plugins, autoload=False, strict=False), extra)


MARKET = UnitKind(code="market-branch", label="专业市场党支部", parents=("community-committee",))


def test_every_record_carries_its_provider() -> None:
    reg = registry(Town("jj", unit_kinds=[MARKET], service_programs=[
        ServiceProgram(code="red-ribbon", label="红飘带", category="care")]))
    assert reg.provider("unit_kinds", "market-branch") == "jj"
    assert reg.provider("unit_kinds", "branch") == "national-org"
    assert reg.provider("service_categories", "care") == "national-services"
    assert [(c.family, c.record.code) for c in reg.contributions("jj")] == [
        ("unit_kinds", "market-branch"), ("service_programs", "red-ribbon")]
    assert not reg.problems


def test_a_duplicate_code_is_a_problem_naming_both_plugins() -> None:
    with pytest.warns(PluginLoadWarning, match="registered by both a-town and b-town"):
        reg = registry(Town("b-town", unit_kinds=[MARKET]), Town("a-town", unit_kinds=[MARKET]))
    assert len(reg.problems) == 1
    assert reg.problems[0].provider == "b-town"
    assert "replaces='market-branch'" in reg.problems[0].message
    assert reg.provider("unit_kinds", "market-branch") == "a-town"


def test_a_duplicate_of_a_builtin_keeps_the_builtin() -> None:
    rogue = UnitKind(code="branch", label="支部", parents=("community-committee",))
    with pytest.warns(PluginLoadWarning, match="registered by both national-org and rogue"):
        reg = registry(Town("rogue", unit_kinds=[rogue]))
    assert reg.provider("unit_kinds", "branch") == "national-org"
    assert reg.unit_kinds["branch"].label == "党支部"


def test_strict_turns_problems_into_an_error() -> None:
    pm = make_plugin_manager(Town("a", unit_kinds=[MARKET]), Town("b", unit_kinds=[MARKET]), autoload=False,
                             strict=True)
    with pytest.raises(PluginError, match="registered by both a and b"):
        Registry(pm)


LOCAL_BRANCH = UnitKind(code="branch", label="小区党支部", parents=("community-committee",), min_full_members=5,
                        replaces="branch")


@pytest.mark.parametrize("first", [True, False])
def test_replaces_wins_whatever_the_load_order(first: bool) -> None:
    plugins = [Town("strict-town", unit_kinds=[LOCAL_BRANCH]), Town("other", facts=[])]
    reg = registry(*(plugins if first else reversed(plugins)))
    assert reg.unit_kinds["branch"].min_full_members == 5
    assert reg.provider("unit_kinds", "branch") == "strict-town"
    assert not reg.problems


def test_replacing_under_a_new_code_removes_the_old_one() -> None:
    renamed = UnitKind(code="hub-family", label="党员中心户", parents=("party-group",), replaces="hub-household")
    reg = registry(Town("t", unit_kinds=[renamed]))
    assert "hub-household" not in reg.unit_kinds
    assert reg.provider("unit_kinds", "hub-family") == "t"


def test_replacing_nothing_is_a_problem() -> None:
    ghost = UnitKind(code="ghost", label="幽灵", replaces="no-such-kind")
    with pytest.warns(PluginLoadWarning, match="replaces 'no-such-kind', which no plugin registered"):
        registry(Town("t", unit_kinds=[ghost]))


def test_wrong_types_and_non_lists_are_problems_and_the_rest_stays() -> None:
    class Sloppy:
        name = "sloppy"

        @hookimpl
        def communitycore_register_unit_kinds(self) -> Any:
            return [MARKET, ServiceCategory(code="x", label="X")]

        @hookimpl
        def communitycore_register_facts(self) -> Any:
            return Fact(code="f", label="F", subject="member")

    with pytest.warns(PluginLoadWarning) as caught:
        reg = registry(Sloppy())
    messages = [str(w.message) for w in caught]
    assert any("gave a ServiceCategory to unit_kinds; expected UnitKind" in m for m in messages)
    assert any("returned Fact from the facts hook, not a list" in m for m in messages)
    assert "market-branch" in reg.unit_kinds


def test_a_failing_registration_hook_is_reported_and_others_still_register() -> None:
    class Broken:
        name = "broken"

        @hookimpl
        def communitycore_register_unit_kinds(self) -> Any:
            raise RuntimeError("no kinds today")

    with pytest.warns(PluginCallWarning, match="'broken' failed in communitycore_register_unit_kinds.*no kinds today"):
        reg = registry(Broken(), Town("fine", unit_kinds=[MARKET]))
    assert "market-branch" in reg.unit_kinds
    assert "branch" in reg.unit_kinds  # the builtins' records stand
    assert [(e.plugin, e.hook) for e in reg.pm.load_errors] == [("broken", "communitycore_register_unit_kinds")]


def test_dangling_references_are_problems() -> None:
    orphan = UnitKind(code="orphan", label="孤儿", parents=("nowhere",))
    lost = ServiceProgram(code="lost", label="迷路", category="no-category")
    odd = MeetingType(code="odd", label="怪会", cadence="monthly", applies_to=("no-kind",))
    with pytest.warns(PluginLoadWarning) as caught:
        reg = registry(Town("t", unit_kinds=[orphan], service_programs=[lost], meeting_types=[odd]))
    text = "\n".join(str(w.message) for w in caught)
    assert "names unknown parent kinds ['nowhere']" in text
    assert "names unknown category 'no-category'; it is left out" in text
    assert "applies to unknown unit kinds ['no-kind']" in text
    assert "lost" not in reg.service_programs


def test_extra_records_carry_their_pack_provenance() -> None:
    reg = registry(extra=[("pack:jj", ServiceProgram(code="red-ribbon", label="红飘带", category="care"))])
    assert reg.provider("service_programs", "red-ribbon") == "pack:jj"


def test_typed_accessors() -> None:
    scheme = ScoringScheme(code="points", label="积分", subject="member", period="yearly")
    roster = RosterProgram(code="steward", label="红色管家")
    reg = registry(Town("t", scoring_schemes=[scheme], roster_programs=[roster]))
    expected_types = {family: record_type for family, (_hook, record_type) in FAMILIES.items()}
    for family, record_type in expected_types.items():
        records = getattr(reg, family)
        assert dict(records) == dict(reg.family(family))
        assert list(records) == sorted(records), family
        assert all(type(r) is record_type for r in records.values())
    assert reg.scoring_schemes["points"] is scheme
    assert reg.roster_programs["steward"] is roster
    assert reg.unit_kind("branch").label == "党支部"
    assert isinstance(reg.meeting_types["theme-day"], MeetingType)
    with pytest.raises(InvalidValue, match="unknown unit kind 'nope'; known: branch") as unknown:
        reg.unit_kind("nope")
    assert (unknown.value.code, unknown.value.entity, unknown.value.key) == ("invalid-value", "kind", "nope")
    assert not isinstance(unknown.value, NotFound)  # a kind is a value given, not a record looked up
    with pytest.raises(KeyError, match="unknown record family"):
        reg.family("nope")


# Order independence ------------------------------------------------------------------------------

CONTENDERS = [
    Town("alpha", unit_kinds=[MARKET], facts=[Fact(code="hours", label="时长", subject="member")]),
    Town("beta", unit_kinds=[UnitKind(code="market-branch", label="市场支部", parents=("general-branch",))]),
    Town("gamma", unit_kinds=[LOCAL_BRANCH]),
    Town("delta", unit_kinds=[UnitKind(code="branch", label="另一个支部", replaces="branch")],
         service_programs=[ServiceProgram(code="red-ribbon", label="红飘带", category="care")]),
    Town("epsilon", service_programs=[ServiceProgram(code="red-ribbon", label="红丝带", category="care")],
         facts=[Fact(code="hours", label="小时", subject="volunteer")]),
]


def snapshot(reg: Registry) -> list[tuple[str, str, str, Any]]:
    return [(c.family, c.record.code, c.provider, c.record) for c in reg.contributions()]


def quiet_registry(*plugins: object) -> Registry:
    # Conflicts among the contenders are intended here: only their outcome matters.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginLoadWarning)
        return registry(*plugins, extra=[("pack:p", Fact(code="hours", label="包", subject="member"))])


@settings(max_examples=40, deadline=None)
@given(st.permutations(CONTENDERS))
def test_any_registration_order_gives_the_same_registry(order: list[Town]) -> None:
    baseline = quiet_registry(*CONTENDERS)
    shuffled = quiet_registry(*order)
    assert snapshot(shuffled) == snapshot(baseline)
    assert sorted(p.message for p in shuffled.problems) == sorted(p.message for p in baseline.problems)
    assert shuffled.provider("unit_kinds", "market-branch") == "alpha"
    assert shuffled.provider("facts", "hours") == "alpha"
    assert shuffled.provider("service_programs", "red-ribbon") == "delta"
    for family in FAMILIES:
        codes = list(shuffled.family(family))
        assert codes == sorted(codes)
