"""A record of what happened is not dated after today: a meeting held, a ledger entry, a transfer, a 双报到.

Members' own dates (birth, joining, full membership, removal) are checked with the member
(``test_member_lifecycle``); dues, recruitment steps and service times by their own capabilities.
"""

from __future__ import annotations

import datetime as dt

import pytest

from communitycore import Community, InvalidValue, RejectedInput
from communitycore.domain.activity import NewEntry
from communitycore.i18n import language


@pytest.fixture
def town(community: Community) -> dict[str, int]:
    street = community.org.add("城南街道党工委", "street-committee")
    committee = community.org.add("幸福社区党委", "community-committee", street.id)
    branch = community.org.add("第一党支部", "branch", committee.id)
    other = community.org.add("第二党支部", "branch", committee.id)
    member = community.members.add("张三", branch.id, in_service=True, employer="市供电公司")
    return {"committee": committee.id, "branch": branch.id, "other": other.id, "member": member.id}


def _days(c: Community) -> tuple[dt.date, dt.date]:
    today = c.clock.today()
    return today, today + dt.timedelta(days=1)


def test_a_meeting_is_held_today_at_the_latest(community: Community, town: dict[str, int]) -> None:
    today, tomorrow = _days(community)
    held = community.meetings.record(town["branch"], "party-lecture", on=today, topic="党课", host="书记")
    with pytest.raises(RejectedInput) as refused:
        community.meetings.record(town["branch"], "party-lecture", on=tomorrow, topic="党课", host="书记")
    [problem] = refused.value.problems
    assert problem.field == "date" and f"{tomorrow.isoformat()} is in the future" in problem.message
    with pytest.raises(RejectedInput, match="in the future"):
        community.meetings.update(held.id, on=tomorrow)
    assert [m.id for m in community.meetings.list()] == [held.id]
    assert community.meetings.get(held.id).held_on == today


def test_a_ledger_entry_records_what_has_happened(community: Community, town: dict[str, int]) -> None:
    today, tomorrow = _days(community)
    community.activity.record("member", town["member"], "volunteer-hours", on=today, quantity=2)
    with pytest.raises(RejectedInput) as refused:
        community.activity.record("member", town["member"], "volunteer-hours", on=tomorrow, quantity=2)
    assert [(p.row, p.field, tomorrow.isoformat() in p.message) for p in refused.value.problems] == [
        (None, "on", True)]  # one entry: a problem of no row
    batch = [NewEntry(subject_kind="member", subject_id=town["member"], fact="volunteer-hours", on=day)
             for day in (today, tomorrow, today)]
    with pytest.raises(RejectedInput) as refused:
        community.activity.record_many(batch)
    assert [(p.row, p.field) for p in refused.value.problems] == [(2, "on")]  # by its position; none kept
    assert len(community.activity.list()) == 1


def test_a_transfer_and_a_registration_are_dated_today_at_the_latest(community: Community,
                                                                     town: dict[str, int]) -> None:
    today, tomorrow = _days(community)
    with pytest.raises(InvalidValue, match="in the future"):
        community.members.transfer(town["member"], town["other"], on=tomorrow)
    assert community.members.get(town["member"]).unit_id == town["branch"]  # not moved
    assert community.members.transfers(town["member"]) == []
    with pytest.raises(InvalidValue, match="in the future"):
        community.members.register_community(town["member"], town["committee"], on=tomorrow)
    assert community.members.registrations(town["member"]) == []
    done = community.members.transfer(town["member"], town["other"], on=today)
    assert done.transferred_on == today
    with language("zh"), pytest.raises(InvalidValue, match=f"{tomorrow.isoformat()} 晚于今天"):
        community.members.register_community(town["member"], town["committee"], on=tomorrow)


def test_service_hours_are_recorded_once_served(community: Community, town: dict[str, int]) -> None:
    today, tomorrow = _days(community)
    with pytest.raises(RejectedInput) as refused:
        community.services.record_hours(member=town["member"], on=tomorrow, hours=2, activity="巡逻")
    assert [p.field for p in refused.value.problems] == ["date"]
    community.services.record_hours(member=town["member"], on=today, hours=2, activity="巡逻")
    assert [e.occurred_on for e in community.activity.list()] == [today]
