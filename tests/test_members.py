"""Party members through the SDK, on every engine: ID rules, updates, transfers, 双报到, 转正."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from communitycore import Community, Conflict, NotFound, RejectedInput
from communitycore.domain.identity import check_character
from communitycore.domain.members import Category, Education, Gender, Post, Standing


def make_id(birth: str, seq: int, area: str = "110101") -> str:
    """A valid 公民身份号码 for a YYYYMMDD birth date and a 3-digit sequence (odd = male)."""
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + check_character(first17)


def bad_check(number: str) -> str:
    """The same number with a wrong check character."""
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


@pytest.fixture
def units(community: Community) -> dict[str, int]:
    street = community.org.add("城南街道党工委", "street-committee")
    committee = community.org.add("幸福社区党委", "community-committee", street.id)
    grid1 = community.org.add("第一网格党支部", "grid-branch", committee.id)
    grid2 = community.org.add("第二网格党支部", "grid-branch", committee.id)
    other = community.org.add("和平社区党委", "community-committee", street.id)
    return {"street": street.id, "committee": committee.id, "grid1": grid1.id, "grid2": grid2.id,
            "other": other.id}


def problems_of(info: pytest.ExceptionInfo[RejectedInput]) -> dict[str, str]:
    return {p.field: p.message for p in info.value.problems}


# Adding and the ID number ----------------------------------------------------------------------


def test_birth_date_and_gender_come_from_the_id_number(community: Community, units: dict[str, int]) -> None:
    woman = community.members.add("王芳", units["grid1"], id_number=make_id("19850317", 22))
    assert woman.birth_date == dt.date(1985, 3, 17)
    assert woman.gender is Gender.FEMALE
    man = community.members.add("李强", units["grid1"], id_number=make_id("19620101", 31))
    assert man.gender is Gender.MALE
    assert community.members.get(man.id) == man


def test_full_record_round_trips(community: Community, units: dict[str, int]) -> None:
    member = community.members.add(
        "张建国", "城南街道党工委/幸福社区党委/第一网格党支部",
        id_number=make_id("19700520", 15), birth_date="1970-05-20", gender="男", ethnicity="汉族",
        phone="+86 138-1234-5678", education="本科", join_date="1995-07-01", full_date="1996-07-01",
        category="正式", standing="流动党员", post="书记", employer="城南小学", in_service="是",
    )
    assert member.unit_id == units["grid1"]
    assert member.phone == "13812345678"
    assert member.education is Education.BACHELOR
    assert member.standing is Standing.MOBILE
    assert member.post is Post.SECRETARY
    assert member.in_service is True
    assert community.members.get(member.id) == member


def test_lowercase_x_is_normalized(community: Community, units: dict[str, int]) -> None:
    number = next(n for n in (make_id("19800101", s) for s in range(1000)) if n.endswith("X"))
    member = community.members.add("甲", units["grid1"], id_number=number.lower())
    assert member.id_number == number


def test_bad_checksum_is_rejected(community: Community, units: dict[str, int]) -> None:
    with pytest.raises(RejectedInput) as info:
        community.members.add("乙", units["grid1"], id_number=bad_check(make_id("19800101", 11)))
    assert "check character" in problems_of(info)["id_number"]
    assert "nothing was saved" in str(info.value) and "imported" not in str(info.value)
    assert community.members.count() == 0


@pytest.mark.parametrize(
    ("number", "fragment"),
    [("11010119800101001", "18 characters"), ("110101198002300011", "not a real date"),
     ("110101800101001", "legacy 15-digit")],
)
def test_malformed_id_numbers(community: Community, units: dict[str, int], number: str, fragment: str) -> None:
    with pytest.raises(RejectedInput) as info:
        community.members.add("丙", units["grid1"], id_number=number)
    assert fragment in problems_of(info)["id_number"]


def test_birth_date_must_agree_with_the_id_number(community: Community, units: dict[str, int]) -> None:
    with pytest.raises(RejectedInput) as info:
        community.members.add("丁", units["grid1"], id_number=make_id("19800101", 11), birth_date="1980-01-02")
    message = problems_of(info)["birth_date"]
    assert "1980-01-02" in message and "1980-01-01" in message
    assert community.members.count() == 0


def test_gender_must_agree_with_the_id_number(community: Community, units: dict[str, int]) -> None:
    with pytest.raises(RejectedInput) as info:
        community.members.add("戊", units["grid1"], id_number=make_id("19800101", 11), gender="女")
    assert "男" in problems_of(info)["gender"]


def test_every_problem_is_reported_at_once(community: Community, units: dict[str, int]) -> None:
    with pytest.raises(RejectedInput) as info:
        community.members.add("己", units["grid1"], education="幼儿园", category="党外", phone="12345")
    assert set(problems_of(info)) == {"education", "category", "phone"}
    with pytest.raises(TypeError, match="colour"):  # explicit keyword parameters: mypy catches it too
        community.members.add("己", units["grid1"], colour="red")  # type: ignore[call-arg]


def test_cross_field_rules(community: Community, units: dict[str, int]) -> None:
    with pytest.raises(RejectedInput) as info:
        community.members.add("庚", units["grid1"], category="预备", join_date="2026-01-01", full_date="2026-06-01")
    assert "预备党员" in problems_of(info)["full_date"]
    with pytest.raises(RejectedInput) as info:
        community.members.add("辛", units["grid1"], join_date="2020-01-01", full_date="2019-01-01")
    assert "before the join date" in problems_of(info)["full_date"]
    with pytest.raises(RejectedInput) as info:
        community.members.add("壬", units["grid1"], birth_date="1990-01-01", join_date="1989-01-01")
    assert "join_date" in problems_of(info)


def test_name_and_unit_are_required(community: Community, units: dict[str, int]) -> None:
    with pytest.raises(RejectedInput) as info:
        community.members.add("  ", None)  # type: ignore[arg-type]
    assert set(problems_of(info)) == {"name", "unit"}
    with pytest.raises(NotFound):
        community.members.add("癸", "城南街道党工委/不存在的支部")


def test_id_numbers_are_unique(community: Community, units: dict[str, int]) -> None:
    number = make_id("19751212", 41)
    first = community.members.add("甲", units["grid1"], id_number=number)
    with pytest.raises(Conflict, match=f"id {first.id}"):
        community.members.add("乙", units["grid2"], id_number=number)
    assert community.members.count() == 1
    assert community.org.stats(units["grid2"])[0].members == 0


def test_members_without_id_numbers_do_not_clash(community: Community, units: dict[str, int]) -> None:
    community.members.add("甲", units["grid1"])
    community.members.add("乙", units["grid1"])
    assert community.members.count(units["grid1"]) == 2


# Updating ----------------------------------------------------------------------------------------------


def test_update_changes_fields_and_keeps_the_rest(community: Community, units: dict[str, int]) -> None:
    member = community.members.add("张三", units["grid1"], id_number=make_id("19800101", 11), education="高中")
    updated = community.members.update(member.id, education="大专", phone="0523-84812345", post="组织委员")
    assert updated.education is Education.ASSOCIATE
    assert updated.phone == "0523-84812345"
    assert updated.birth_date == dt.date(1980, 1, 1)
    assert updated.id_number == member.id_number
    assert community.members.get(member.id) == updated
    assert community.org.stats(units["grid1"])[0].cadres == 1
    cleared = community.members.update(member.id, phone=None)
    assert cleared.phone is None


def test_update_is_checked_like_add(community: Community, units: dict[str, int]) -> None:
    member = community.members.add("张三", units["grid1"], id_number=make_id("19800101", 11))
    other = community.members.add("李四", units["grid1"], id_number=make_id("19810101", 13))
    with pytest.raises(Conflict, match="same 公民身份号码"):
        community.members.update(other.id, id_number=member.id_number, birth_date=None, gender=None)
    with pytest.raises(RejectedInput) as info:
        community.members.update(member.id, birth_date="1999-09-09")
    assert "birth_date" in problems_of(info)
    with pytest.raises(TypeError, match="unit"):  # the unit changes through a transfer
        community.members.update(member.id, unit=units["grid2"])  # type: ignore[call-arg]
    with pytest.raises(NotFound):
        community.members.update(999, name="无此人")
    assert community.members.get(member.id) == member
    assert community.members.get(other.id) == other


def test_changing_the_id_number_with_its_birth_date(community: Community, units: dict[str, int]) -> None:
    member = community.members.add("张三", units["grid1"], id_number=make_id("19800101", 11))
    corrected = community.members.update(member.id, id_number=make_id("19800102", 12), birth_date=None, gender=None)
    assert corrected.birth_date == dt.date(1980, 1, 2)
    assert corrected.gender is Gender.FEMALE


# Listing ---------------------------------------------------------------------------------------------------


def test_list_and_count_filters(community: Community, units: dict[str, int]) -> None:
    a = community.members.add("甲", units["grid1"])
    b = community.members.add("乙", units["grid2"], category="预备", join_date="2026-03-01")
    c = community.members.add("丙", units["committee"])
    d = community.members.add("丁", units["other"])
    assert [m.id for m in community.members.list()] == [a.id, b.id, c.id, d.id]
    assert [m.id for m in community.members.list(units["committee"])] == [a.id, b.id, c.id]
    assert [m.id for m in community.members.list(units["committee"], recursive=False)] == [c.id]
    assert [m.id for m in community.members.list(category="预备党员")] == [b.id]
    assert [m.id for m in community.members.list(limit=2, offset=1)] == [b.id, c.id]
    assert [m.id for m in community.members.list(ids=[d.id, a.id, 99999])] == [a.id, d.id]
    assert [m.id for m in community.members.list(units["committee"], ids=[d.id, c.id])] == [c.id]
    assert community.members.list(ids=[]) == []
    assert community.members.count() == 4
    assert community.members.count("城南街道党工委/幸福社区党委") == 3
    assert community.members.count(units["committee"], recursive=False) == 1
    with pytest.raises(NotFound):
        community.members.get(12345)


# Transfers -------------------------------------------------------------------------------------------------


def test_transfers_keep_their_history(community: Community, units: dict[str, int]) -> None:
    member = community.members.add("张三", units["grid1"], education="本科")
    first = community.members.transfer(member.id, units["grid2"], on="2026-03-01", reason="搬家")
    second = community.members.transfer(member.id, "城南街道党工委/和平社区党委")
    assert second.transferred_on == community.clock.today()
    assert community.members.get(member.id).unit_id == units["other"]
    history = community.members.transfers(member.id)
    assert [(t.from_unit_id, t.to_unit_id) for t in history] == [
        (units["grid1"], units["grid2"]), (units["grid2"], units["other"])]
    assert history[0] == first
    assert history[0].reason == "搬家"
    stats = {s.unit_id: s for s in community.org.stats_all().values()}
    assert stats[units["grid1"]].members == 0
    assert stats[units["other"]].members == 1
    assert stats[units["other"]].by_education["bachelor"] == 1
    assert stats[units["street"]].members == 1


def test_transfer_refusals(community: Community, units: dict[str, int]) -> None:
    member = community.members.add("张三", units["grid1"])
    with pytest.raises(Conflict, match="already belongs"):
        community.members.transfer(member.id, units["grid1"])
    with pytest.raises(NotFound):
        community.members.transfer(member.id, 999)
    with pytest.raises(NotFound):
        community.members.transfer(999, units["grid2"])
    with pytest.raises(NotFound):
        community.members.transfers(999)
    assert community.members.transfers(member.id) == []
    assert community.members.get(member.id).unit_id == units["grid1"]


# 双报到 -----------------------------------------------------------------------------------------------------


def test_only_in_service_members_register_with_their_community(community: Community, units: dict[str, int]) -> None:
    worker = community.members.add("在职党员", units["other"], in_service=True, employer="区税务局")
    retired = community.members.add("退休党员", units["grid1"])
    registration = community.members.register_community(worker.id, units["committee"], on="2026-05-04",
                                                        channel="扫码")
    assert registration.reported_on == dt.date(2026, 5, 4)
    with pytest.raises(Conflict, match="在职党员"):
        community.members.register_community(retired.id, units["committee"])
    assert community.members.registrations(worker.id) == [registration]
    assert community.members.registrations(community="城南街道党工委/幸福社区党委") == [registration]
    assert community.members.registrations(retired.id) == []
    assert community.members.registrations(community=units["other"]) == []


# Confirmation (转正) ------------------------------------------------------------------------------------------


def _probationary(community: Community, unit: int, name: str, joined: str) -> Any:
    return community.members.add(name, unit, category="预备党员", join_date=joined)


def test_due_exactly_one_year_after_joining(community: Community, units: dict[str, int]) -> None:
    today = community.clock.today()
    assert today == dt.date(2026, 11, 28)
    due = _probationary(community, units["grid1"], "满一年", "2025-11-28")
    _probationary(community, units["grid1"], "差一天", "2025-11-29")
    long_due = _probationary(community, units["grid2"], "早该转正", "2024-01-15")
    community.members.add("正式党员", units["grid1"], join_date="2020-01-01")
    community.members.add("无入党日期", units["grid1"], category="预备")
    listed = community.members.due_confirmation()
    assert [d.member.id for d in listed] == [long_due.id, due.id]
    assert listed[1].probation_ended == dt.date(2026, 11, 28)
    assert [d.member.id for d in community.members.due_confirmation(units["grid1"])] == [due.id]
    assert [d.member.id for d in community.members.due_confirmation(on=dt.date(2026, 11, 27))] == [long_due.id]


def test_due_confirmation_on_29_february(community: Community, units: dict[str, int]) -> None:
    leap = _probationary(community, units["grid1"], "闰日入党", "2024-02-29")
    assert community.members.due_confirmation(on=dt.date(2025, 2, 27)) == []
    listed = community.members.due_confirmation(on=dt.date(2025, 2, 28))
    assert [d.member.id for d in listed] == [leap.id]
    assert listed[0].probation_ended == dt.date(2025, 2, 28)
    # Joining the day before a leap day: due on 28 February of the next (leap) year, not 29.
    before_leap = _probationary(community, units["grid2"], "闰年前入党", "2023-02-28")
    assert [d.member.id for d in community.members.due_confirmation(units["grid2"], on=dt.date(2024, 2, 27))] == []
    assert [d.member.id for d in community.members.due_confirmation(units["grid2"], on=dt.date(2024, 2, 28))] == [
        before_leap.id]


def test_confirm_makes_a_full_member(community: Community, units: dict[str, int]) -> None:
    member = _probationary(community, units["grid1"], "预备甲", "2025-11-01")
    assert community.org.stats(units["grid1"])[0].probationary == 1
    confirmed = community.members.confirm(member.id)
    assert confirmed.category is Category.FULL
    assert confirmed.full_date == dt.date(2026, 11, 1)  # the day probation ended, not today
    assert community.members.get(member.id) == confirmed
    stats = community.org.stats(units["grid1"])[0]
    assert (stats.full, stats.probationary) == (1, 0)
    assert community.members.due_confirmation() == []
    with pytest.raises(Conflict, match="already a full member"):
        community.members.confirm(member.id)


def test_confirm_before_joining_is_refused(community: Community, units: dict[str, int]) -> None:
    member = _probationary(community, units["grid1"], "预备乙", "2025-11-01")
    with pytest.raises(RejectedInput, match="before the join date"):
        community.members.confirm(member.id, on="2025-10-01")
    assert community.members.get(member.id).category is Category.PROBATIONARY


# Reveal ------------------------------------------------------------------------------------------------------


def test_reveal_is_audited(community: Community, units: dict[str, int]) -> None:
    number = make_id("19800101", 11)
    member = community.members.add("张三", units["grid1"], id_number=number)
    shown = community.members.reveal(member.id, reason="核对身份")
    assert shown.id_number == number
    entry = community.audit.list(action="member.reveal")[0]
    assert (entry.entity, entry.entity_id, entry.note, entry.actor) == ("member", str(member.id), "核对身份", "tester")


