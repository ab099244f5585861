"""One set of rules for every way in: text, lengths, ids, dates, root kinds, on every engine.

A value the SDK refuses is refused with a clear :class:`~communitycore.errors.InvalidValue` or
:class:`~communitycore.errors.RejectedInput` on SQLite as on PostgreSQL and MariaDB, never by a
database error; the domain's limits are the columns' lengths.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

import communitycore
from communitycore import Community, Conflict, InvalidValue, NotFound, RejectedInput
from communitycore.domain import members as members_domain
from communitycore.domain import org as org_domain
from communitycore.domain.fields import MAX_ID, bad_character, clean_text, parse_plain_id
from communitycore.domain.members import Category, Gender, Post, parse_date
from communitycore.domain.org import placement_problem, root_kinds
from communitycore.plugins.manager import PluginLoadWarning
from communitycore.store import tables

TODAY = dt.date(2026, 11, 28)
HOSTILE = {
    "ESC (clear screen)": "a\x1b[2Jb",
    "NUL": "a\x00b",
    "right-to-left override": "abc\u202edcba",
    "isolate": "a\u2066b",
    "newline": "a\nb",
    "bell": "a\x07b",
}


@pytest.fixture
def street(community: Community) -> int:
    return community.org.add("城南街道党工委", "street-committee").id


# Lengths ---------------------------------------------------------------------------------------------------


def _length(table: str, column: str) -> int:
    length = tables.load_all().tables[f"cc_{table}"].c[column].type.length  # type: ignore[attr-defined]
    assert isinstance(length, int)
    return length


@pytest.mark.parametrize(("limit", "table", "column"), [
    (members_domain.NAME_LIMIT, "members", "name"),
    (members_domain.ETHNICITY_LIMIT, "members", "ethnicity"),
    (members_domain.EMPLOYER_LIMIT, "members", "employer"),
    (members_domain.DESTINATION_LIMIT, "members", "removed_to"),
    (members_domain.REASON_LIMIT, "transfers", "reason"),
    (members_domain.CHANNEL_LIMIT, "registrations", "channel"),
    (members_domain.NAME_LIMIT, "residents", "name"),
    (members_domain.BUILDING_LIMIT, "households", "building"),
    (members_domain.ROOM_LIMIT, "households", "room"),
    (members_domain.ADDRESS_LIMIT, "households", "address"),
    (org_domain.NAME_LIMIT, "units", "name"),
    (org_domain.NAME_LIMIT, "compounds", "name"),
    (org_domain.NAME_LIMIT, "partners", "name"),
    (org_domain.CODE_LIMIT, "units", "code"),
    (org_domain.APPROVED_BY_LIMIT, "units", "approved_by"),
    (org_domain.ADDRESS_LIMIT, "compounds", "address"),
    (org_domain.CONTACT_LIMIT, "partners", "contact"),
])
def test_every_text_limit_fits_its_column(limit: int, table: str, column: str) -> None:
    assert limit <= _length(table, column)


def test_codes_fit_their_columns() -> None:
    for enum, column in ((Gender, "gender"), (Category, "category"), (Post, "post"),
                         (members_domain.Education, "education"), (members_domain.Standing, "standing"),
                         (members_domain.MemberStatus, "status"), (members_domain.RemovalReason, "removal_reason")):
        assert max(len(m.value) for m in enum) <= _length("members", column), enum
    assert max(len(f.value) for f in members_domain.ResidentFlag) <= _length("resident_flags", "flag")


LONG = "党" * 10_000


def test_a_10000_character_name_is_refused_everywhere(community: Community, street: int) -> None:
    calls: dict[str, Any] = {
        "org.add": lambda n: community.org.add(n, "community-committee", street),
        "org.rename": lambda n: community.org.rename(street, n),
        "members.add": lambda n: community.members.add(n, street),
        "residents.add": lambda n: community.residents.add(n),
        "org.add_compound": lambda n: community.org.add_compound(n, "老旧", street),
        "org.add_partner": lambda n: community.org.add_partner("物业", n, street),
    }
    for what, call in calls.items():
        with pytest.raises((InvalidValue, RejectedInput), match="at most 100 characters, got 10000"):
            call(LONG)
        assert community.org.count() == 1, what
    assert community.members.count() == 0 and community.residents.list() == []


def test_a_100_character_name_is_stored_whole(community: Community, street: int) -> None:
    name = "社" * 99 + "𠀀"  # a 4-byte character at the end: MariaDB's utf8mb4 holds it
    unit = community.org.add(name, "community-committee", street)
    member = community.members.add(name, unit.id, employer="单" * 200, ethnicity="汉" * 40)
    assert community.org.get(unit.id).name == name
    assert community.members.get(member.id) == member
    with pytest.raises(RejectedInput, match="at most 200"):
        community.members.add("甲", unit.id, employer="单" * 201)


def test_other_text_columns_are_refused_before_the_database(community: Community, street: int) -> None:
    member = community.members.add("张三", street, in_service=True)
    with pytest.raises(InvalidValue, match="at most 400"):
        community.members.transfer(member.id, street, reason="因" * 401)
    with pytest.raises(InvalidValue, match="at most 64"):
        community.members.register_community(member.id, street, channel="线" * 65)
    with pytest.raises(InvalidValue, match="at most 64"):
        community.org.update(street, code="C" * 65)
    with pytest.raises(InvalidValue, match="at most 400"):
        community.org.add_compound("幸福里", "老旧", street, address="路" * 401)
    with pytest.raises(InvalidValue, match="at most 200"):
        community.org.add_partner("物业", "安居物业", street, contact="电" * 201)
    with pytest.raises(InvalidValue, match="at most 64"):
        community.residents.add_household(None, building="栋" * 65)
    assert community.members.transfers(member.id) == [] and community.org.get(street).code is None


# Characters ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("what", list(HOSTILE))
def test_control_and_bidi_characters_are_refused_in_names(community: Community, street: int, what: str) -> None:
    text = HOSTILE[what]
    with pytest.raises(InvalidValue, match="may not be stored"):
        community.org.add(text, "community-committee", street)
    with pytest.raises(RejectedInput, match="may not be stored"):
        community.members.add(text, street)
    with pytest.raises(InvalidValue, match="may not be stored"):
        community.residents.add(text)
    with pytest.raises(InvalidValue, match="may not be stored"):
        community.org.add_partner("物业", text, street)
    assert community.org.count() == 1 and community.members.count() == 0


def test_names_people_really_have_are_accepted(community: Community, street: int) -> None:
    for name in ("买买提·艾力", "欧阳 娜娜", "阿卜杜拉・吐尔逊", "Zhang San", "李\u3000明"):
        assert community.members.add(name, street).name == name.strip()


def test_bad_character_names_the_character() -> None:
    assert bad_character("张三") is None
    assert bad_character("a\x1bb") == "\x1b"
    with pytest.raises(InvalidValue, match=r"U\+001B \(ESCAPE\)|U\+001B"):
        clean_text("a\x1bb", 10)
    assert clean_text("  张三 ", 10) == "张三" and clean_text("   ", 10) is None
    with pytest.raises(InvalidValue, match="required"):
        clean_text(" ", 10, required=True)


# Ids -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["٣", "０３", "３", "३", "1٣"])
def test_ids_are_written_with_ascii_digits(community: Community, street: int, text: str) -> None:
    for n in range(3):
        community.org.add(f"社区{n}", "community-committee", street)
    assert community.org.get("3").id == 3
    with pytest.raises(InvalidValue, match="digits 0-9"):
        community.org.get(text)
    with pytest.raises(InvalidValue, match="digits 0-9"):
        community.members.add("张三", text)
    with pytest.raises(InvalidValue, match="digits 0-9"):
        parse_plain_id(text)


def test_ids_no_engine_holds_are_simply_not_found(community: Community, street: int) -> None:
    for huge in (MAX_ID + 1, 2**63, 10**30):
        with pytest.raises(NotFound):
            community.org.get(huge)
        with pytest.raises(NotFound):
            community.members.get(huge)
        with pytest.raises(NotFound):
            community.residents.get(huge)
        with pytest.raises(NotFound):
            community.org.get(str(huge))
    assert parse_plain_id("42") == 42
    for bad in ("0", "-1", "4.2", "", True, str(MAX_ID + 1)):
        with pytest.raises(InvalidValue):
            parse_plain_id(bad)


def test_every_lookup_by_id_finds_nothing_for_an_id_no_engine_holds(community: Community, street: int) -> None:
    """Each sub-API, reading or writing, says "not found" in words for an id beyond any column, as
    for one that is merely missing: never the driver's overflow or a table's name."""
    member = community.members.add("张三", street)
    calls = {
        "dues amount": lambda h: community.dues.amount(h),
        "dues pay": lambda h: community.dues.pay(h, month="2026-10", amount="1"),
        "recruitment get": lambda h: community.recruitment.get(h),
        "recruitment step": lambda h: community.recruitment.record(h, "talk", on="2026-11-01"),
        "assessment override": lambda h: community.assessments.override(h, member.id, grade="excellent",
                                                                        reason="复核"),
        "assessment results": lambda h: community.assessments.results(h),
        "meeting": lambda h: community.meetings.get(h),
        "ledger reversal": lambda h: community.activity.reverse(h),
        "roster entry": lambda h: community.rosters.get(h),
        "service request": lambda h: community.services.accept(h),
        "service project": lambda h: community.services.claim_project(h, partner=1),
        "member transfers": lambda h: community.members.transfers(h),
    }
    for name, call in calls.items():
        for absent in (MAX_ID, MAX_ID + 1, 2**63, 10**30):
            with pytest.raises(NotFound) as caught:
                call(absent)
            text = str(caught.value)
            assert str(absent) in text and "cc_" not in text and " row " not in text, (name, text)
    for absent in (MAX_ID, MAX_ID + 1, 10**30):  # a person the hours are for is a bad field, as the ledger has it
        with pytest.raises(RejectedInput) as refused:
            community.services.record_hours(resident=absent, on="2026-11-01", hours=1, activity="巡逻")
        assert [str(absent) in p.message for p in refused.value.problems] == [True]
    with communitycore.i18n.language("zh"), pytest.raises(NotFound, match=r"^没有编号为 7 的服务项目$"):
        community.services.claim_project(7, partner=1)


# Dates -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2023-07-01", "2023/07/01", "2023/7/1", "2023.7.1", "2023.07.01", "2023年7月1日",
                                  "2023年07月01日", "2023 年 7 月 1 日", "2023年7月1号", "20230701", "45108", "45108.0",
                                  "２０２３年７月１日", "２０２３／７／１", "2023-07-01 00:00:00", "2023-07-01T00:00"])
def test_dates_as_offices_write_them(text: str) -> None:
    assert parse_date(text) == dt.date(2023, 7, 1)


@pytest.mark.parametrize("text", ["2023", "2023年7月", "2023-02-30", "7/1/2023", "1.7.2023", "99999", "9999",
                                  "二〇二三年七月一日", "2023-07-01 12"])
def test_what_is_not_a_date(text: str) -> None:
    with pytest.raises(InvalidValue, match="is not a date"):
        parse_date(text)


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "9999-12-01", "2100-01-01", dt.date(1, 1, 1),
                                   dt.datetime(9999, 12, 31, 23, 59)])
def test_a_date_no_record_can_hold_is_refused_naming_the_years(value: object) -> None:
    with pytest.raises(InvalidValue, match="lies outside the years 1900 to 2099"):
        parse_date(value)
    assert parse_date("1900-01-01") == dt.date(1900, 1, 1) and parse_date("2099-12-31") == dt.date(2099, 12, 31)


def test_member_dates_follow_one_set_of_rules(community: Community, street: int) -> None:
    cases = {
        "join before birth": ({"birth_date": "1990-01-01", "join_date": "1989-05-01"}, "join_date", "before the birth"),
        "joined at 17": ({"birth_date": "1990-01-02", "join_date": "2008-01-01"}, "join_date", "was 17"),
        "join in the future": ({"join_date": "2026-11-29"}, "join_date", "future"),
        "full in the future": ({"join_date": "2020-01-01", "full_date": "2027-01-01"}, "full_date", "future"),
        "birth in the future": ({"birth_date": "2027-01-01"}, "birth_date", "future"),
        "full before probation ends": ({"join_date": "2020-01-01", "full_date": "2020-06-01"}, "full_date",
                                       "earliest full-member date is 2021-01-01"),
        "full, undated, while on probation": ({"join_date": "2026-01-01", "category": "full"}, "category",
                                              "is a probationary member (预备党员) until 2027-01-01"),
        "joined in 1800": ({"join_date": "1800-01-01"}, "join_date", "outside the years"),
    }
    for what, (fields, field, message) in cases.items():
        with pytest.raises(RejectedInput) as info:
            community.members.add("张三", street, **fields)
        found = {p.field: p.message for p in info.value.problems}
        assert message in found.get(field, ""), (what, found)
    joined_at_18 = community.members.add("李四", street, birth_date="1990-01-01", join_date="2008-01-01",
                                         full_date="2009-01-01")
    assert joined_at_18.join_date == dt.date(2008, 1, 1)
    assert community.members.count() == 1


# Root kinds and parent kinds ---------------------------------------------------------------------------------


def test_a_unit_without_a_parent_is_of_a_root_kind(community: Community, street: int) -> None:
    kinds = community.registry.unit_kinds
    assert root_kinds(kinds) == ["street-committee"]
    for kind in ("branch", "party-group", "community-committee"):
        with pytest.raises(InvalidValue, match=r"the root kinds are: street working committee \(street-committee\)"):
            community.org.add("孤立支部", kind)
    assert community.org.count() == 1
    committee = community.org.add("幸福社区党委", "community-committee", street)
    with pytest.raises(InvalidValue, match="root kinds"):
        community.org.move(committee.id, None)
    with pytest.raises(Conflict, match="can only be a root"):
        community.org.add("街道下的街道", "street-committee", street)
    assert placement_problem(kinds, "branch", "community-committee") is None
    assert "unknown unit kind" in (placement_problem(kinds, "village", None) or "")


def test_nfkc_reads_full_width_codes() -> None:
    assert Gender.parse("Ｍ") is Gender.MALE
    assert Category.parse("ｆｕｌｌ") is Category.FULL
    assert members_domain.parse_phone("１３８１２３４５６７８") == "13812345678"
    assert members_domain.parse_id_number("１１０１０１１９８５０３１２１２３９", today=TODAY) == "110101198503121239"


def test_the_migrations_enforce_the_lengths_on_servers(community: Community, street: int) -> None:
    """On PostgreSQL and MariaDB the column itself refuses what the rules refuse (the rules come first);
    SQLite keeps any length, which is why the rules above hold on every path that writes."""
    too_long = {"n": "x" * 201, "i": street}
    with community.engine.connect() as conn:
        if community.dialect == "sqlite":
            conn.execute(sa.text("UPDATE cc_units SET name = :n WHERE id = :i"), too_long)
            assert conn.execute(sa.text("SELECT length(name) FROM cc_units WHERE id = :i"), too_long).scalar() == 201
            conn.rollback()
        else:
            with pytest.raises(sa.exc.DBAPIError):
                conn.execute(sa.text("UPDATE cc_units SET name = :n WHERE id = :i"), too_long)


@settings(max_examples=500, deadline=None)
@given(birth=st.dates(dt.date(1930, 1, 1), dt.date(2010, 12, 31)), join=st.dates(dt.date(1950, 1, 1), TODAY),
       later=st.integers(0, 1200), extension=st.sampled_from([None, 6, 9, 12]))
def test_the_fast_date_rules_equal_the_plain_ones(birth: dt.date, join: dt.date, later: int,
                                                  extension: int | None) -> None:
    """check_member compares tuples on the bulk path; it must agree with the dates the rules are stated in."""
    full = join + dt.timedelta(days=later)
    problems = {p.field for p in members_domain.check_member(
        {"birth_date": birth, "join_date": join, "full_date": full, "probation_extension_months": extension},
        today=dt.date(2035, 1, 1))}
    assert ("full_date" in problems) == (full < members_domain.probation_end(join, extension or 0))
    too_young = join < birth or members_domain.completed_years(birth, join) < members_domain.JOINING_AGE
    assert ("join_date" in problems) == too_young
    undated = {p.field for p in members_domain.check_member(
        {"join_date": join, "category": members_domain.Category.FULL, "probation_extension_months": extension},
        today=TODAY)}
    assert ("category" in undated) == (members_domain.probation_end(join, extension or 0) > TODAY)


def test_packs_follow_the_rule_of_names(tmp_path: Path) -> None:
    """A pack's (or plugin's) label that would hurt a terminal, or is longer than a name, is left out, named."""
    pack = tmp_path / "local.toml"
    pack.write_text('[pack]\nname = "local"\n\n'
                    '[[unit_kinds]]\ncode = "bad-kind"\nlabel = "坏\\u001b[2J类别"\nparents = ["street-committee"]\n\n'
                    f'[[unit_kinds]]\ncode = "long-kind"\nlabel = "{"长" * 101}"\nparents = ["street-committee"]\n\n'
                    '[[unit_kinds]]\ncode = "good-kind"\nlabel = "好类别"\nparents = ["street-committee"]\n',
                    encoding="utf-8")
    with pytest.warns(PluginLoadWarning) as caught:
        c = communitycore.open(f"sqlite:///{tmp_path / 'c.db'}", autoload=False, packs=[pack], create=True)
    try:
        messages = " ".join(str(w.message) for w in caught)
        assert "'bad-kind' from pack:local: label holds the character U+001B" in messages
        assert "'long-kind' from pack:local: label at most 100 characters" in messages
        assert "good-kind" in c.registry.unit_kinds
        assert "bad-kind" not in c.registry.unit_kinds and "long-kind" not in c.registry.unit_kinds
    finally:
        c.close()
