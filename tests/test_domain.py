"""The pure rules in ``communitycore.domain`` and the national structure checks: no database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from communitycore import Conflict, InvalidValue, Severity, UnitSnapshot, capabilities
from communitycore.builtin import national_org
from communitycore.domain.codes import Coded
from communitycore.domain.identity import check_character, mask_id_number, mask_phone
from communitycore.domain.members import (
    ASSOCIATE_OR_ABOVE,
    COMMITTEE_POSTS,
    Category,
    Education,
    Gender,
    Post,
    check_member,
    id_birth_date,
    id_gender,
    parse_bool,
    parse_date,
    parse_member,
    probation_end,
)
from communitycore.domain.org import (
    PartnerKind,
    PropertyTier,
    ancestors,
    check_name,
    children_map,
    subtree,
)
from communitycore.domain.settings import Effective, resolve
from communitycore.domain.settings import parse_setting as _parse_setting
from communitycore.domain.stats import COUNTERS, roll_up
from communitycore.i18n import language

TODAY = dt.date(2026, 11, 28)
# 1 → 2 → 3 → 4, and 1 → 5; 6 is a second root.
PARENTS: dict[int, int | None] = {1: None, 2: 1, 3: 2, 4: 3, 5: 1, 6: None}


def make_id(birth: str, seq: int) -> str:
    first17 = f"110101{birth}{seq:03d}"
    return first17 + check_character(first17)


# The tree ---------------------------------------------------------------------------------------


def test_ancestors_root_first() -> None:
    assert ancestors(PARENTS, 4) == [1, 2, 3, 4]
    assert ancestors(PARENTS, 6) == [6]


def test_ancestors_stop_on_a_corrupt_cycle() -> None:
    with pytest.raises(Conflict, match="cycle through unit"):
        ancestors({1: 2, 2: 1}, 1)


def test_children_and_subtree() -> None:
    children = children_map(PARENTS)
    assert children[None] == [1, 6]
    assert sorted(children[1]) == [2, 5]
    assert subtree(children, 2) == [2, 3, 4]
    full = subtree(children, 1)
    assert sorted(full) == [1, 2, 3, 4, 5]
    assert all(full.index(PARENTS[u]) < full.index(u) for u in full[1:])  # type: ignore[arg-type]
    assert subtree(children, 6) == [6]


@pytest.mark.parametrize(("raw", "clean"), [(" 党支部 ", "党支部"), ("A", "A")])
def test_check_name(raw: str, clean: str) -> None:
    assert check_name(raw) == clean


@pytest.mark.parametrize("raw", ["", " ", "甲/乙"])
def test_check_name_refuses(raw: str) -> None:
    with pytest.raises(InvalidValue):
        check_name(raw)


# Members ------------------------------------------------------------------------------------------


def test_parse_member_derives_birth_date_and_gender() -> None:
    values, problems = parse_member({"name": " 张三 ", "unit": 1, "id_number": make_id("19800229", 11)}, row=4,
                                    today=TODAY)
    assert problems == []
    assert values["name"] == "张三"
    assert values["birth_date"] == dt.date(1980, 2, 29)
    assert values["gender"] is Gender.MALE


def test_parse_member_reports_problems_with_their_row() -> None:
    _values, problems = parse_member(
        {"name": "", "unit": 1, "gender": "?", "id_number": "123", "shoe_size": 42}, row=7, today=TODAY)
    assert {(p.row, p.field) for p in problems} == {(7, "name"), (7, "gender"), (7, "id_number"), (7, "shoe_size")}
    assert str(next(p for p in problems if p.field == "name")) == "row 7, name: is required"


def test_parse_member_skips_blanks() -> None:
    values, problems = parse_member({"name": "李四", "unit": "街道/社区", "phone": "  ", "education": None},
                                    today=TODAY)
    assert problems == []
    assert values == {"name": "李四", "unit": "街道/社区"}


def test_check_member_rules() -> None:
    number = make_id("19800101", 12)  # even: female
    problems = check_member({"id_number": number, "birth_date": dt.date(1980, 1, 2), "gender": Gender.MALE,
                             "join_date": dt.date(2000, 1, 1), "full_date": dt.date(1999, 1, 1)}, row=3, today=TODAY)
    assert [p.field for p in problems] == ["birth_date", "gender", "full_date"]
    assert "女" in problems[1].message
    assert check_member({"category": Category.PROBATIONARY, "full_date": TODAY}, today=TODAY)[0].field == "full_date"
    young = {"birth_date": dt.date(1990, 1, 1), "join_date": dt.date(1980, 1, 1)}
    assert check_member(young, today=TODAY)[0].field == "join_date"
    agreeing = {"id_number": number, "birth_date": dt.date(1980, 1, 1), "gender": Gender.FEMALE}
    assert check_member(agreeing, today=TODAY) == []


def test_id_number_fields() -> None:
    assert id_birth_date("34052419800101001X") == dt.date(1980, 1, 1)
    assert id_gender("34052419800101001X") is Gender.MALE
    assert id_gender("120103198806018241") is Gender.FEMALE
    assert mask_id_number("34052419800101001X") == "******1980********"
    assert mask_phone("13812345678") == "138******78"


@pytest.mark.parametrize(
    ("joined", "ends"),
    [(dt.date(2025, 11, 28), dt.date(2026, 11, 28)), (dt.date(2024, 2, 29), dt.date(2025, 2, 28)),
     (dt.date(2027, 2, 28), dt.date(2028, 2, 28)), (dt.date(2025, 12, 31), dt.date(2026, 12, 31))],
)
def test_probation_end(joined: dt.date, ends: dt.date) -> None:
    assert probation_end(joined) == ends


@pytest.mark.parametrize(
    "raw", ["2026-11-28", "2026/11/28", "2026.11.28", "20261128", " 2026-11-28 ", dt.date(2026, 11, 28),
            dt.datetime(2026, 11, 28, 23, 59)],
)
def test_parse_date(raw: Any) -> None:
    assert parse_date(raw) == TODAY


@pytest.mark.parametrize("raw", ["2026-02-30", "yesterday", "2026-13", "", "28/11/2026x"])
def test_parse_date_refuses(raw: str) -> None:
    with pytest.raises(InvalidValue):
        parse_date(raw)


@pytest.mark.parametrize(("raw", "value"), [("是", True), ("否", False), ("Yes", True), ("0", False), (True, True),
                                            ("在职", True), ("", False)])
def test_parse_bool(raw: Any, value: bool) -> None:
    assert parse_bool(raw) is value


def test_parse_bool_refuses() -> None:
    with pytest.raises(InvalidValue, match="yes/no"):
        parse_bool("也许")


# Coded enums ----------------------------------------------------------------------------------------


def test_coded_parse_accepts_code_labels_and_aliases() -> None:
    assert Education.parse("大学本科") is Education.BACHELOR
    assert Education.parse("  BACHELOR ") is Education.BACHELOR
    assert Category.parse("2") is Category.PROBATIONARY
    assert PropertyTier.parse("回迁") is PropertyTier.RESETTLEMENT
    assert PartnerKind.parse("业主委员会") is PartnerKind.OWNERS_COMMITTEE
    assert Post.parse(Post.SECRETARY) is Post.SECRETARY


def test_coded_parse_lists_the_choices() -> None:
    with pytest.raises(InvalidValue) as info:
        Gender.parse("other")
    assert str(info.value) == "'other' is not one of: male (男), female (女)"


def test_coded_labels() -> None:
    assert Education.ASSOCIATE.label() == "大专"
    assert Education.ASSOCIATE.label("en") == "associate degree"
    assert str(Education.ASSOCIATE) == "associate"
    assert Education.ASSOCIATE == "associate"  # a str: SQL parameters and JSON take it as is


def test_education_order_and_derived_sets() -> None:
    assert [e.rank for e in Education] == list(range(len(Education)))
    assert sorted(ASSOCIATE_OR_ABOVE) == ["associate", "bachelor", "postgraduate"]
    assert Post.GROUP_LEADER.value not in COMMITTEE_POSTS
    assert Post.SECRETARY.value in COMMITTEE_POSTS


def test_coded_subclass() -> None:
    class Colour(Coded):
        RED = ("red", "红", "red", "赤")

    assert Colour.parse("赤") is Colour.RED
    assert Colour.lookup() == {"red": Colour.RED, "红": Colour.RED, "赤": Colour.RED}


# Settings -------------------------------------------------------------------------------------------------


def parse_setting(key: str, value: Any) -> tuple[str, Any]:
    return _parse_setting(key, value, capabilities.setting_specs(capabilities.declared()))


def test_parse_setting_normalizes() -> None:
    assert parse_setting(" volunteer-star-hours ", "1，2, 3") == ("volunteer-star-hours", [1, 2, 3])
    assert parse_setting("meeting-cadence.theme-day", " monthly ") == ("meeting-cadence.theme-day", "monthly")
    assert parse_setting("required-meeting-types", "theme-day，party-lecture") == (
        "required-meeting-types", ["theme-day", "party-lecture"])
    assert parse_setting("request-deadline-hours.general", "24") == ("request-deadline-hours.general", 24)


def test_resolve_nearest_wins_with_provenance() -> None:
    chain = [(1, "街道", {"a": 1, "b": 1}), (2, "街道/社区", {"b": 2}), (3, "街道/社区/支部", {})]
    result = resolve(chain, {"a": (0, "default"), "c": (9, "default (x)")})
    assert result == {
        "a": Effective("a", 1, "街道", 1),
        "b": Effective("b", 2, "街道/社区", 2),
        "c": Effective("c", 9, "default (x)", None),
    }
    assert resolve([], {"a": (0, "default")}) == {"a": Effective("a", 0, "default")}


# Roll-ups ------------------------------------------------------------------------------------------------


def counters(**values: float) -> list[float]:
    row = [0.0] * len(COUNTERS)
    for name, value in values.items():
        row[COUNTERS.index(name.replace("_", "-") if name.startswith("edu") else name)] = value
    return row


def test_roll_up_adds_children_into_parents() -> None:
    per_unit = {
        3: counters(members=2, full=1, male=1, female=1),
        4: counters(members=1, full=1, female=1, cadres=1, secretaries=1, secretaries_associate_plus=1),
        5: counters(members=3, full=3, male=3),
    }
    per_unit[4][COUNTERS.index("edu:bachelor")] = 1
    ages = {3: [81, 2, 0, 0], 4: [0, 0, 0, 0]}  # two members of 40 and 41 周岁; unit 4's has no birth date
    result = roll_up(per_unit, PARENTS, ages)
    assert result[1].members == 6 and result[1].units == 5
    assert result[2].members == 3 and result[2].full == 2 and result[2].probationary == 1
    assert result[2].by_gender == {"male": 1, "female": 2}
    assert result[1].by_education["bachelor"] == 1
    assert result[3].average_age == 40.5
    assert result[1].average_age == 40.5  # members without a birth date do not count
    assert result[4].secretaries_associate_or_above_share == 1.0
    assert result[6].members == 0 and result[6].average_age is None
    asked = []
    only = roll_up(per_unit, PARENTS, lambda: asked.append(1) or ages, wanted=[2])
    assert list(only) == [2] and 2 in only and 3 not in only
    assert (only.members(2), only.full(2)) == (3, 2)
    assert asked == []  # a listing's head counts never count the ages
    assert only[2] == result[2] and only[2] is only[2]
    assert asked == [1]  # the first record counts them, once


# National structure rules (the builtin plugin, called directly) ----------------------------------------------


def snapshot(kind: str, members: int = 0, full: int | None = None, **extra: Any) -> UnitSnapshot:
    return UnitSnapshot(id=1, name="某支部", kind=kind, parent_id=None, path="街道/某支部", members=members,
                        full_members=members if full is None else full, **extra)


def rules(unit: UnitSnapshot, today: dt.date = TODAY) -> dict[str, Any]:
    kinds = {k.code: k for k in national_org.communitycore_register_unit_kinds()}
    with language("zh"):  # the findings as staff read them, with the kinds' Chinese labels
        found = national_org.communitycore_check_units(units=[unit], kinds=kinds, today=today)
    return {f.rule: f for f in found}


@pytest.mark.parametrize(("full", "error"), [(0, True), (2, True), (3, False), (10, False)])
def test_branch_needs_three_full_members(full: int, error: bool) -> None:
    found = rules(snapshot("branch", members=full + 2, full=full, has_committee=True))
    assert ("min-full-members" in found) is error
    if error:
        assert found["min-full-members"].severity is Severity.ERROR
        assert "联合党支部" in found["min-full-members"].suggestion


@pytest.mark.parametrize(("members", "eligible"), [(50, None), (51, "党总支"), (63, "党总支"), (100, "社区党委")])
def test_branch_size_and_eligibility(members: int, eligible: str | None) -> None:
    found = rules(snapshot("branch", members=members, has_committee=True))
    if eligible is None:
        assert "max-members" not in found
    else:
        assert eligible in found["max-members"].message
        assert found["max-members"].severity is Severity.WARNING


def test_eligibility_respects_the_parent_kind() -> None:
    # A grid branch sits under a 社区党委 or 党总支; a 社区党委 could not take its place there.
    found = rules(snapshot("grid-branch", members=120, has_committee=True))
    assert "党总支" in found["max-members"].message
    assert "社区党委" not in found["max-members"].message


def test_eligible_kinds_are_a_suggestion_only() -> None:
    kinds = {k.code: k for k in national_org.communitycore_register_unit_kinds()}
    assert national_org.eligible_kinds(snapshot("branch", members=63), kinds) == ["general-branch"]
    assert national_org.eligible_kinds(snapshot("branch", members=120), kinds) == [
        "community-committee", "general-branch"]
    assert national_org.eligible_kinds(snapshot("branch", members=10), kinds) == []


@pytest.mark.parametrize(("full", "committee", "warned"), [(6, False, False), (7, False, True), (7, True, False)])
def test_committee_from_seven_full_members(full: int, committee: bool, warned: bool) -> None:
    assert ("committee-required" in rules(snapshot("branch", members=full, has_committee=committee))) is warned


@pytest.mark.parametrize(("covered", "error"), [(None, False), (5, False), (6, True)])
def test_joint_branch_coverage(covered: int | None, error: bool) -> None:
    found = rules(snapshot("joint-branch", members=5, covered_units=covered))
    assert ("max-covered-units" in found) is error


def test_term_rules() -> None:
    assert "term-ended" in rules(snapshot("branch", members=5, term_end=TODAY - dt.timedelta(days=1)))
    assert "term-ended" not in rules(snapshot("branch", members=5, term_end=TODAY))
    assert "term-ending" in rules(snapshot("branch", members=5, term_end=TODAY + dt.timedelta(days=90)))
    assert not {"term-ended", "term-ending"} & set(
        rules(snapshot("branch", members=5, term_end=TODAY + dt.timedelta(days=91))))
    # Bodies that are not elected have no term to renew.
    assert "term-ended" not in rules(snapshot("street-committee", term_end=TODAY - dt.timedelta(days=1)))


def test_unknown_kinds_are_skipped() -> None:
    assert rules(snapshot("village-committee", members=1)) == {}
