"""Meetings: types from packs, records with attendance, quorum and resolutions, the ledger, the 台账.

The quorum rules are checked as properties against exact fractions; the compliance ledger against a
naive count made unit by unit; the ledger's attendance sums against the attendance the meetings
end up with after random corrections.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import communitycore
from communitycore import Community
from communitycore.clock import Clock
from communitycore.domain.meetings import Presence, QuorumNotMet, absence_runs, due_windows
from communitycore.domain.periods import Period
from communitycore.errors import Conflict, InvalidValue, NotFound, PluginError, RejectedInput
from communitycore.records import MeetingType, Threshold
from communitycore.store.tables import activity as activity_tables

# Helpers ----------------------------------------------------------------------------------------------


def tree(c: Community) -> dict[str, Any]:
    """街道 → 社区党委 → two branches (one with a 党小组); a branch with 10 正式党员 and 2 预备党员."""
    street = c.org.add("城南街道党工委", "street-committee")
    committee = c.org.add("幸福社区党委", "community-committee", street.id)
    branch = c.org.add("第一党支部", "branch", committee.id)
    other = c.org.add("第二党支部", "branch", committee.id)
    group = c.org.add("1号楼党小组", "party-group", other.id)
    full = [c.members.add(f"正式党员{i}", branch.id, education="本科", join_date="2000-07-01",
                          full_date="2001-07-01", post="书记" if i == 0 else ("委员" if i < 3 else None)).id
            for i in range(10)]
    probationary = [c.members.add(f"预备党员{i}", branch.id, education="本科", join_date="2025-01-01",
                                  category="预备党员").id
                    for i in range(2)]
    grouped = [c.members.add(f"小组党员{i}", group.id, education="本科", join_date="2000-07-01",
                             full_date="2001-07-01").id for i in range(3)]
    return {"street": street, "committee": committee, "branch": branch, "other": other, "group": group,
            "full": full, "probationary": probationary, "grouped": grouped}


def ledger_sums(c: Community, fact: str) -> dict[int, Decimal]:
    """Per subject, the sum of a fact's entries (reversals included), read straight from the table."""
    a = activity_tables.activity
    with c.engine.connect() as conn:
        rows = conn.execute(a.select().where(a.c.fact == fact)).mappings().all()
    out: dict[int, Decimal] = {}
    for row in rows:
        out[row["subject_id"]] = out.get(row["subject_id"], Decimal(0)) + row["quantity"]
    return out


def general(c: Community, t: dict[str, Any], present: int, on: str = "2025-02-10") -> Any:
    return c.meetings.record(t["branch"].id, "branch-general-meeting", on=on, topic="讨论发展党员", host="张书记",
                             recorder="王委员", minutes="会议记录", present=t["full"][:present])


# Meeting types and packs -------------------------------------------------------------------------------


def test_builtin_types_carry_the_rules_of_the_regulations(community: Community) -> None:
    types = community.registry.meeting_types
    general_meeting = types["branch-general-meeting"]
    assert general_meeting.quorum == "at-least-half" and general_meeting.quorum_rule == Threshold(">=", 1, 2, "voting")
    assert general_meeting.votes and general_meeting.pass_rule == "more-than-half"
    assert types["theme-day"].times_per_period == 1 and types["theme-day"].attendees == "members"
    assert types["party-lecture"].counts_as_training
    assert types["branch-committee-meeting"].attendees == "committee"
    assert {"meeting-attended", "meetings-held", "training-attended"} <= set(community.registry.facts)


def test_defaults_of_the_new_fields() -> None:
    plain = MeetingType(code="x", label="x", cadence="monthly")
    assert (plain.times_per_period, plain.attendees, plain.quorum, plain.pass_rule, plain.votes,
            plain.minutes_required, plain.counts_as_training) == (1, "members", None, "more-than-half", False,
                                                                  ("topic",), False)


def test_a_pack_gives_every_new_field(tmp_path: Path) -> None:
    pack = tmp_path / "weekly.toml"
    pack.write_text('''
[pack]
name = "weekly"

[[meeting_types]]
code = "weekly-party-class"
label = "每周党课"
cadence = "weekly"
times_per_period = 2
attendees = "full-members"
quorum = "2/3 of all"
pass_rule = ">1/2"
votes = true
minutes_required = ["topic", "host"]
counts_as_training = true
''', encoding="utf-8")
    with communitycore.open(tmp_path / "c.db", autoload=False, packs=[pack], create=True) as c:
        found = c.registry.meeting_types["weekly-party-class"]
        assert c.registry.provider("meeting_types", "weekly-party-class") == "pack:weekly"
    assert (found.times_per_period, found.attendees, found.votes, found.counts_as_training) == (2, "full-members",
                                                                                                True, True)
    assert found.quorum_rule == Threshold(">=", 2, 3, "all") and found.quorum == ">=2/3 of all"
    assert found.pass_threshold == Threshold(">", 1, 2, "voting")
    assert found.minutes_required == ("topic", "host")


@pytest.mark.parametrize(("field", "value", "words"), [
    ("quorum", '"most"', "at-least-half"),
    ("quorum", '"3/2"', "at most 1"),
    ("quorum", '"1/2 of guests"', "'voting' or 'all'"),
    ("attendees", '"everyone"', "attendees"),
    ("times_per_period", "0", "times_per_period"),
    ("minutes_required", '["topic", "weather"]', "weather"),
])
def test_a_bad_pack_field_is_named(tmp_path: Path, field: str, value: str, words: str) -> None:
    pack = tmp_path / "bad.toml"
    pack.write_text(f'[[meeting_types]]\ncode = "x"\nlabel = "x"\ncadence = "monthly"\n{field} = {value}\n',
                    encoding="utf-8")
    with pytest.raises(PluginError) as caught:
        communitycore.open(tmp_path / "c.db", autoload=False, packs=[pack], create=True)
    assert "meeting_types[0]" in str(caught.value) and words in str(caught.value)


# Quorum rules as properties ----------------------------------------------------------------------------


@given(base=st.integers(min_value=0, max_value=500), numerator=st.integers(min_value=1, max_value=12),
       extra=st.integers(min_value=0, max_value=12), strict=st.booleans())
def test_required_is_the_least_count_that_meets_the_rule(base: int, numerator: int, extra: int, strict: bool) -> None:
    rule = Threshold(">" if strict else ">=", numerator, numerator + extra)
    share = Fraction(numerator, numerator + extra)
    for count in range(0, base + 2):
        naive = Fraction(count) > share * base if strict else Fraction(count) >= share * base
        assert rule.met(count, base) == naive
    need = rule.required(base)
    assert rule.met(need, base) and (need == 0 or not rule.met(need - 1, base))


@given(st.integers(min_value=1, max_value=400))
def test_half_exactly_meets_at_least_half_but_not_more_than_half(half: int) -> None:
    at_least, more_than = Threshold.parse("at-least-half"), Threshold.parse("more-than-half")
    assert at_least.met(half, 2 * half) and not more_than.met(half, 2 * half)
    assert more_than.met(half + 1, 2 * half)
    # An odd base has no exact half: both rules ask for the same count.
    assert at_least.required(2 * half + 1) == more_than.required(2 * half + 1) == half + 1


@given(st.sampled_from(["at-least-half", "more-than-half", "2/3", ">3/4", "1/3 of all", "more-than-half of all"]))
def test_a_rule_text_round_trips(text: str) -> None:
    rule = Threshold.parse(text)
    assert Threshold.parse(str(rule)) == rule


# Records, quorum, resolutions -------------------------------------------------------------------------


def test_four_of_ten_is_refused_naming_the_numbers_and_five_is_recorded(community: Community) -> None:
    t = tree(community)
    four = general(community, t, 4)
    assert four.count(Presence.PRESENT) == 4 and four.count(Presence.ABSENT) == 8  # 预备党员 are invited too
    with pytest.raises(QuorumNotMet) as caught:
        community.meetings.add_resolution(four.id, title="接收预备党员", votes_for=4)
    message = str(caught.value)
    assert "4 present of 10" in message and "at-least-half" in message and "requires 5" in message
    assert caught.value.check.present == 4 and caught.value.check.base == 10
    five = general(community, t, 5)
    assert community.meetings.quorum(five.id).met  # type: ignore[union-attr]
    # Passing takes more than half of the 10 voting members due: 5 votes do not carry it, 6 would.
    lost = community.meetings.add_resolution(five.id, title="表决一", votes_for=5)
    assert not lost.passed and lost.due == 10
    with pytest.raises(InvalidValue, match="more than the 5 members present"):
        community.meetings.add_resolution(five.id, title="表决二", votes_for=6)
    six = general(community, t, 6)
    assert community.meetings.add_resolution(six.id, title="表决三", votes_for=6).passed
    shown = community.meetings.get(five.id)
    assert [r.title for r in shown.resolutions] == ["表决一"]


def test_a_pack_replacing_the_type_with_more_than_half(db_url: str, clock: Clock, tmp_path: Path) -> None:
    pack = tmp_path / "strict.toml"
    pack.write_text('''
[[meeting_types]]
code = "branch-general-meeting"
replaces = "branch-general-meeting"
label = "支部党员大会"
cadence = "quarterly"
applies_to = ["branch"]
quorum = "more-than-half"
votes = true
''', encoding="utf-8")
    with communitycore.open(db_url, clock=clock, autoload=False, packs=[pack]) as c:
        t = tree(c)
        five = general(c, t, 5)
        with pytest.raises(QuorumNotMet, match=r"5 present of 10.*more-than-half requires 6"):
            c.meetings.add_resolution(five.id, title="接收预备党员", votes_for=5)
        six = general(c, t, 6)
        assert c.meetings.add_resolution(six.id, title="接收预备党员", votes_for=6).passed


def test_a_type_without_votes_takes_no_resolution(community: Community) -> None:
    t = tree(community)
    day = community.meetings.record(t["branch"].id, "theme-day", on="2025-01-05", topic="学习")
    with pytest.raises(Conflict, match="no resolutions"):
        community.meetings.add_resolution(day.id, title="x", votes_for=1)


def test_attendance_leave_and_reasons_are_kept(community: Community) -> None:
    t = tree(community)
    full = t["full"]
    meeting = community.meetings.record(t["branch"].id, "theme-day", on="2025-01-05", topic="学习",
                                        present=full[:3], absent={full[3]: "出差"}, leave=[full[4]])
    by_member = {a.member_id: a for a in community.meetings.get(meeting.id).attendance}
    assert len(by_member) == 12  # every invited member has a row
    assert by_member[full[3]].presence is Presence.ABSENT and by_member[full[3]].reason == "出差"
    assert by_member[full[4]].presence is Presence.LEAVE
    assert by_member[full[5]].presence is Presence.ABSENT and by_member[full[5]].reason is None


def test_the_committee_and_the_group_invite_their_own(community: Community) -> None:
    t = tree(community)
    committee = community.meetings.record(t["branch"].id, "branch-committee-meeting", on="2025-01-06", topic="t",
                                          host="h", recorder="r", minutes="m", present=t["full"][:2])
    assert sorted(a.member_id for a in committee.attendance) == t["full"][:3]
    group = community.meetings.record(t["group"].id, "party-group-meeting", on="2025-01-07", topic="t")
    assert sorted(a.member_id for a in group.attendance) == t["grouped"]


def test_a_joint_meeting_lists_partner_organizations(community: Community, tmp_path: Path) -> None:
    pack = tmp_path / "joint.toml"
    pack.write_text('[[meeting_types]]\ncode = "joint-meeting"\nlabel = "党建联席会议"\ncadence = "quarterly"\n'
                    'attendees = "partners"\n', encoding="utf-8")
    with communitycore.open(community.engine, actor=community.actor, autoload=False, packs=[pack]) as c:
        t = tree(c)
        partner = c.org.add_partner("property-company", "物业公司", t["committee"].id)
        joint = c.meetings.record(t["committee"].id, "joint-meeting", on="2025-03-01", topic="物业管理",
                                  present=[t["full"][0]], partners=[(partner.id, "李经理")])
        assert [(p.partner_id, p.representative) for p in c.meetings.get(joint.id).partners] == [(partner.id, "李经理")]
        assert [a.member_id for a in joint.attendance] == [t["full"][0]]
        with pytest.raises(NotFound, match="partner"):
            c.meetings.record(t["committee"].id, "joint-meeting", on="2025-03-01", topic="x", partners=[9999])


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"type": "no-such-type"}, "type"),
    ({"on": "2025-02-30"}, "date"),
    ({"topic": "x" * 201}, "topic"),
    ({"topic": None}, "topic"),
    ({"present": [1], "leave": [1]}, "leave"),
    ({"present": ["abc"]}, "present"),
    ({"present": [99999]}, "attendance"),
])
def test_bad_input_names_its_field_and_stores_nothing(community: Community, kwargs: dict[str, Any],
                                                      field: str) -> None:
    t = tree(community)
    args: dict[str, Any] = {"type": "theme-day", "on": "2025-01-05", "topic": "学习", **kwargs}
    kind = args.pop("type")
    with pytest.raises((RejectedInput, InvalidValue)) as caught:
        community.meetings.record(t["branch"].id, kind, **args)
    exc = caught.value
    names = [p.field for p in exc.problems] if isinstance(exc, RejectedInput) else [str(exc).split(":")[0]]
    assert field in names
    assert community.meetings.list() == []


def test_the_minutes_a_type_requires(community: Community) -> None:
    t = tree(community)
    with pytest.raises(RejectedInput) as caught:
        community.meetings.record(t["branch"].id, "branch-general-meeting", on="2025-01-05", topic="t")
    assert sorted(p.field for p in caught.value.problems) == ["content", "host", "recorder"]


def test_list_filters_and_show(community: Community) -> None:
    t = tree(community)
    a = community.meetings.record(t["branch"].id, "theme-day", on="2025-01-05", topic="一月")
    b = community.meetings.record(t["other"].id, "theme-day", on="2025-04-05", topic="四月")
    community.meetings.record(t["group"].id, "party-group-meeting", on="2025-04-06", topic="小组")
    assert [m.id for m in community.meetings.list(period="2025Q1")] == [a.id]
    assert [m.topic for m in community.meetings.list(unit=t["other"].id)] == ["四月", "小组"]
    assert [m.id for m in community.meetings.list(type="theme-day")] == [a.id, b.id]
    community.meetings.cancel(a.id, note="误录")
    assert [m.id for m in community.meetings.list(status="cancelled")] == [a.id]
    with pytest.raises(NotFound, match="no meeting with id 999"):
        community.meetings.get(999)


def test_changes_are_audited_in_the_chain(community: Community) -> None:
    t = tree(community)
    meeting = general(community, t, 5)
    community.meetings.correct_attendance(meeting.id, present=[t["full"][6]])
    community.meetings.update(meeting.id, topic="新主题")
    community.meetings.add_resolution(meeting.id, title="x", votes_for=6)
    community.meetings.cancel(meeting.id)
    actions = [e.action for e in reversed(community.audit.list(entity="meeting", limit=None))]
    assert actions == ["meeting.add", "meeting.update", "meeting.update", "meeting.resolution", "meeting.cancel"]
    assert community.audit.verify().problem is None


def test_a_unit_with_meetings_is_refused_removal_unless_cascading(community: Community) -> None:
    t = tree(community)
    community.meetings.record(t["group"].id, "party-group-meeting", on="2025-01-07", topic="t",
                              present=t["grouped"][:1])
    with pytest.raises(Conflict, match=r"1 meeting\(s\)"):
        community.org.remove(t["group"].id)
    removed = community.org.remove(t["other"].id, cascade=True)
    assert t["group"].id in removed and community.meetings.list() == []


# The activity ledger -----------------------------------------------------------------------------------


def test_attendance_writes_the_ledger_and_training(community: Community) -> None:
    t = tree(community)
    lecture = community.meetings.record(t["branch"].id, "party-lecture", on="2025-02-01", topic="党史", host="书记",
                                        present=t["full"][:4])
    values = community.activity.values(["meeting-attended", "training-attended", "meetings-held"], "2025Q1",
                                       unit=t["branch"].id)
    got = {(v.subject_kind, v.subject_id, v.fact): v.value for v in values}
    for member in t["full"][:4]:
        assert got[("member", member, "meeting-attended")] == 1 == got[("member", member, "training-attended")]
    assert ("member", t["full"][4], "meeting-attended") not in got
    assert got[("unit", t["branch"].id, "meetings-held")] == 1
    sources = {e.source_id for e in community.activity.list(limit=None)}
    assert sources == {str(lecture.id)}


def test_corrections_reverse_and_cancellation_empties(community: Community) -> None:
    t = tree(community)
    full = t["full"]
    meeting = general(community, t, 5)
    community.meetings.correct_attendance(meeting.id, absent={full[0]: "生病"}, present=[full[7]])
    sums = ledger_sums(community, "meeting-attended")
    assert sums[full[0]] == 0 and sums[full[7]] == 1 and sums[full[1]] == 1
    moved = community.meetings.update(meeting.id, on="2025-04-02")
    assert moved.held_on == dt.date(2025, 4, 2)
    q1 = {v.subject_id: v.value for v in community.activity.values("meeting-attended", "2025Q1")}
    q2 = {v.subject_id: v.value for v in community.activity.values("meeting-attended", "2025Q2")}
    assert all(value == 0 for value in q1.values()) and sorted(k for k, v in q2.items() if v == 1) == sorted(
        [*full[1:5], full[7]])
    community.meetings.cancel(meeting.id)
    assert set(ledger_sums(community, "meeting-attended").values()) == {0}
    assert set(ledger_sums(community, "meetings-held").values()) == {0}
    with pytest.raises(Conflict, match="cancelled"):
        community.meetings.cancel(meeting.id)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.integers(min_value=0, max_value=9), st.sampled_from(list(Presence))),
                      min_size=1, max_size=12))
def test_ledger_sums_follow_the_final_attendance(sqlite_community: Community,
                                                 steps: list[tuple[int, Presence]]) -> None:
    c = sqlite_community
    if not c.meetings.list(limit=1):  # the first example builds the tree, the others reuse it
        tree(c)
    branch = c.org.get("城南街道党工委/幸福社区党委/第一党支部")
    full = [m.id for m in c.members.list(branch.id, category="full")]
    meeting = c.meetings.record(branch.id, "party-lecture", on="2025-03-03", topic="t", host="h",
                                present=full[:3])
    for index, presence in steps:
        member = full[index]
        if presence is Presence.PRESENT:
            c.meetings.correct_attendance(meeting.id, present=[member])
        elif presence is Presence.LEAVE:
            c.meetings.correct_attendance(meeting.id, leave=[member])
        else:
            c.meetings.correct_attendance(meeting.id, absent=[member])
    final = {a.member_id for a in c.meetings.get(meeting.id).attendance if a.presence is Presence.PRESENT}
    entries = [e for e in c.activity.list(limit=None) if e.source_id == str(meeting.id)]
    for fact in ("meeting-attended", "training-attended"):
        sums: dict[int, Decimal] = {}
        for e in entries:
            if e.fact == fact:
                sums[e.subject_id] = sums.get(e.subject_id, Decimal(0)) + e.quantity
        assert {m for m, s in sums.items() if s == 1} == final
        assert set(sums.values()) <= {Decimal(0), Decimal(1)}


# The compliance ledger ---------------------------------------------------------------------------------


def test_a_monthly_committee_meeting_missing_in_february(community: Community) -> None:
    t = tree(community)
    for day in ("2025-01-08", "2025-03-12"):
        community.meetings.record(t["branch"].id, "branch-committee-meeting", on=day, topic="t", host="h",
                                  recorder="r", minutes="m")
    found = community.meetings.compliance(t["street"].id, "2025Q1")
    row = next(r for r in found.rows if r.unit_id == t["branch"].id and r.type == "branch-committee-meeting")
    assert (row.required, row.held, row.rate) == (3, 2, pytest.approx(2 / 3))
    assert [(w.start, w.end) for w in row.missing] == [(dt.date(2025, 2, 1), dt.date(2025, 2, 28))]
    # Every branch owes the branch types, the group its own; the street and the committee owe none.
    assert {r.unit_id for r in found.rows} == {t["branch"].id, t["other"].id, t["group"].id}
    assert {r.type for r in found.rows if r.unit_id == t["group"].id} == {"party-group-meeting"}


def test_settings_add_and_switch_off_types_and_change_cadences(community: Community) -> None:
    t = tree(community)
    community.org.set_setting(t["other"].id, "required-meeting-types", "theme-day")
    community.org.set_setting(t["branch"].id, "meeting-cadence.party-lecture", "monthly")
    found = community.meetings.compliance(t["committee"].id, "2025Q1")
    assert {r.type for r in found.rows if r.unit_id == t["other"].id} == {"theme-day"}
    lecture = next(r for r in found.rows if r.unit_id == t["branch"].id and r.type == "party-lecture")
    assert lecture.required == 3 and lecture.cadence == "monthly"
    # A yearly type falls due in the report whose period holds the year's last day.
    assert not any(r.type == "organizational-life-meeting" for r in found.rows)
    q4 = community.meetings.compliance(t["committee"].id, "2025Q4")
    assert any(r.type == "organizational-life-meeting" and r.required == 1 for r in q4.rows)


def test_a_member_absent_six_months_is_listed_and_one_present_once_is_not(community: Community) -> None:
    t = tree(community)
    full = t["full"]
    for month in range(1, 7):
        present = [m for m in full[2:]] + ([full[1]] if month == 4 else [])
        community.meetings.record(t["branch"].id, "theme-day", on=f"2025-{month:02d}-05", topic="主题党日",
                                  present=present, leave=t["probationary"])
    found = community.meetings.compliance(t["street"].id, "2025H1")
    assert [(a.member_id, a.months) for a in found.absences] == [
        (full[0], ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"))]
    assert found.absences[0].name == "正式党员0"
    community.org.set_setting(t["street"].id, "meeting-absence-months", 3)
    shorter = community.meetings.compliance(t["street"].id, "2025H1")
    assert {a.member_id for a in shorter.absences} == {full[0], full[1]}


def test_the_xlsx_ledger_has_one_row_per_meeting(community: Community, tmp_path: Path) -> None:
    t = tree(community)
    for month in (1, 2, 3):
        community.meetings.record(t["branch"].id, "theme-day", on=f"2025-{month:02d}-05", topic="=cmd()",
                                  present=t["full"][:month])
    cancelled = community.meetings.record(t["other"].id, "theme-day", on="2025-02-05", topic="误录")
    community.meetings.cancel(cancelled.id)
    path = community.meetings.write_ledger(tmp_path / "台账.xlsx", t["street"].id, "2025Q1", lang="en")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Meetings", "Summary", "Absences"]
    rows = list(book["Meetings"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Date", "Unit", "Type") and len(rows) == 4
    assert [r[7] for r in rows[1:]] == [1, 2, 3]
    assert rows[1][3] == "=cmd()" and book["Meetings"]["D2"].data_type == "s"  # text, never a formula
    summary = list(book["Summary"].iter_rows(values_only=True))
    assert any(r[0] == "第一党支部" and r[1] == "theme day" and r[3] == 3 and r[4] == 3 for r in summary[1:])
    csv_path = community.meetings.write_ledger(tmp_path / "台账.csv", t["street"].id, "2025Q1")
    lines = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("日期,党组织,会议类型") and len(lines) == 4 and "'=cmd()" in lines[1]
    with pytest.raises(InvalidValue, match="out:"):
        community.meetings.write_ledger(tmp_path / "台账.pdf", t["street"].id, "2025Q1")


TYPES = ("branch-committee-meeting", "theme-day", "party-lecture", "party-group-meeting")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(held=st.lists(st.tuples(st.integers(min_value=0, max_value=3), st.sampled_from(TYPES),
                               st.dates(min_value=dt.date(2024, 12, 1), max_value=dt.date(2025, 7, 31))),
                     max_size=25),
       period=st.sampled_from(["2025Q1", "2025-02", "2025H1", "2025"]))
def test_compliance_agrees_with_a_naive_count_unit_by_unit(tmp_path_factory: pytest.TempPathFactory,
                                                           held: list[tuple[int, str, dt.date]], period: str) -> None:
    path = tmp_path_factory.mktemp("naive") / "c.db"
    with communitycore.open(f"sqlite:///{path}", autoload=False, create=True) as c:
        t = tree(c)
        units = [t["branch"], t["other"], t["group"], t["committee"]]
        for index, code, day in held:
            unit = units[index]
            if unit.kind not in c.registry.meeting_types[code].applies_to:
                continue
            c.meetings.record(unit.id, code, on=day, topic="t", host="h", recorder="r", minutes="m")
        found = {(r.unit_id, r.type): r for r in c.meetings.compliance(t["street"].id, period).rows}
        span = Period.parse(period)
        for unit in [t["street"], t["committee"], *units[:3]]:
            for code, meeting_type in c.registry.meeting_types.items():
                if unit.kind not in meeting_type.applies_to:
                    assert (unit.id, code) not in found
                    continue
                windows = due_windows(span, meeting_type.cadence.value, meeting_type.times_per_period)
                if not windows:
                    assert (unit.id, code) not in found
                    continue
                days = [m.held_on for m in c.meetings.list(unit=unit.id, type=code, limit=None) if m.unit_id == unit.id]
                held_per = [sum(1 for d in days if w.start <= d <= w.end) for w in windows]
                row = found[(unit.id, code)]
                assert row.required == sum(w.required for w in windows)
                assert row.held == sum(min(h, w.required) for h, w in zip(held_per, windows, strict=True))
                assert len(row.missing) == sum(1 for h, w in zip(held_per, windows, strict=True) if h < w.required)


def reference_ledger(c: Community, root: int, period: str) -> tuple[set[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The 台账 of ``root``'s subtree worked out meeting by meeting, as the guide defines it: the rows
    as a set of ``(unit, type, cadence, required, held, windows)`` and the absences in member order."""
    span = Period.parse(period)
    types = c.registry.meeting_types
    units = c.org.subtree(root)
    meetings = [m for m in c.meetings.list(unit=root, status="held", limit=None)]
    rows = set()
    for unit in units:
        required = c.org.setting(unit.id, "required-meeting-types")
        if required is None:
            codes = [code for code, t in types.items() if unit.kind in t.applies_to]
        else:
            codes = [code for code in required
                     if code in types and (not types[code].applies_to or unit.kind in types[code].applies_to)]
        for code in codes:
            cadence = c.org.setting(unit.id, f"meeting-cadence.{code}", types[code].cadence.value)
            windows = due_windows(span, str(cadence), types[code].times_per_period)
            if not windows:
                continue
            days = [m.held_on for m in meetings if m.unit_id == unit.id and m.type == code]
            held = [(w.start, w.end, w.required, sum(1 for d in days if w.start <= d <= w.end)) for w in windows]
            rows.add((unit.id, code, cadence, sum(w.required for w in windows),
                      sum(min(n, r) for _s, _e, r, n in held), tuple(held)))
    minimum = int(c.org.setting(root, "meeting-absence-months", 6))
    last = span.end.year * 12 + span.end.month - 1
    months = range(span.start.year * 12 + span.start.month - 1 - (minimum - 1), last + 1)
    everyone = c.meetings.list(status="held", limit=None)  # taking part anywhere counts
    invited = sorted({a.member_id for m in meetings for a in m.attendance})
    absences = []
    for member in invited:
        best: list[int] = []
        run: list[int] = []
        for month in months:
            here = [(m, a) for m in everyone for a in m.attendance
                    if a.member_id == member and m.held_on.year * 12 + m.held_on.month - 1 == month]
            missed = any(a.presence == Presence.ABSENT and a.reason is None and m.unit_id in {u.id for u in units}
                         for m, a in here)
            took_part = any(not (a.presence == Presence.ABSENT and a.reason is None) for _m, a in here)
            run = [*run, month] if missed and not took_part else []
            if run and len(run) >= len(best):
                best = list(run)
        if len(best) >= minimum and best[-1] >= span.start.year * 12 + span.start.month - 1:
            absences.append((member, tuple(f"{n // 12:04d}-{n % 12 + 1:02d}" for n in best)))
    return rows, absences


# Few months and many absences, so that windows hold two meetings and absences run for months.
MEETING_DAYS = st.dates(min_value=dt.date(2024, 12, 1), max_value=dt.date(2025, 5, 31))
PRESENCE = st.sampled_from(["present", "absent", "absent", "absent", "reason", "leave"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(held=st.lists(st.tuples(st.sampled_from([0, 0, 1, 1, 2]), st.sampled_from(TYPES), MEETING_DAYS,
                               st.lists(PRESENCE, min_size=3, max_size=3), st.booleans()), min_size=8,
                     max_size=30),
       cadence=st.sampled_from([None, "monthly", "quarterly", "weekly"]),
       only=st.sampled_from([None, ["theme-day"], ["party-lecture", "theme-day", "party-group-meeting"]]),
       minimum=st.sampled_from([None, 2, 3]),
       period=st.sampled_from(["2025Q1", "2025-02", "2025H1"]))
def test_compliance_and_absences_agree_with_a_meeting_by_meeting_reference(
        community: Community, held: list[tuple[int, str, dt.date, list[str], bool]], cadence: str | None,
        only: list[str] | None, minimum: int | None, period: str) -> None:
    """On every engine, each example in a street of its own (so the subtree filter is tried too):
    random meetings with random attendance and corrections, settings along the tree."""
    c = community
    street = c.org.add(f"街道{c.org.count()}", "street-committee")
    committee = c.org.add("社区党委", "community-committee", street.id)
    branch = c.org.add("第一党支部", "branch", committee.id)
    other = c.org.add("第二党支部", "branch", committee.id)
    group = c.org.add("党小组", "party-group", other.id)
    people = {u.id: [c.members.add(f"党员{u.id}-{i}", u.id, education="本科", join_date="2000-07-01",
                                   full_date="2001-07-01", post="书记" if i == 0 else None).id for i in range(3)]
              for u in (branch, other, group)}
    if cadence is not None:
        c.org.set_setting(committee.id, "meeting-cadence.theme-day", cadence)
    if only is not None:
        c.org.set_setting(other.id, "required-meeting-types", ",".join(only))
    if minimum is not None:
        c.org.set_setting(street.id, "meeting-absence-months", minimum)
    units = [branch, other, group]
    for index, code, day, presences, cancel in held:
        unit = units[index]
        if unit.kind not in c.registry.meeting_types[code].applies_to:
            continue
        due = [m for m in people[unit.id] if code != "branch-committee-meeting" or m == people[unit.id][0]]
        marks = dict(zip(people[unit.id], presences, strict=True))
        meeting = c.meetings.record(unit.id, code, on=day, topic="t", host="h", recorder="r", minutes="m",
                                    present=[m for m in due if marks[m] == "present"],
                                    absent={m: ("出差" if marks[m] == "reason" else None) for m in due
                                            if marks[m] in ("absent", "reason")},
                                    leave=[m for m in due if marks[m] == "leave"])
        if cancel and day.day % 3 == 0:
            c.meetings.cancel(meeting.id)
    found = c.meetings.compliance(street.id, period)
    rows, absences = reference_ledger(c, street.id, period)
    assert {(r.unit_id, r.type, r.cadence, r.required, r.held, tuple(tuple(w) for w in r.windows))
            for r in found.rows} == rows
    assert len(found.rows) == len(rows)
    assert [(a.member_id, a.months) for a in found.absences] == absences


@given(months=st.lists(st.sampled_from(["absent", "reason", "present", "none"]), min_size=1, max_size=14),
       minimum=st.integers(min_value=1, max_value=8))
def test_absence_runs_match_the_longest_streak(months: list[str], minimum: int) -> None:
    keys = [f"2025-{i + 1:02d}" if i < 12 else f"2026-{i - 11:02d}" for i in range(len(months))]
    absent = {1: {k for k, s in zip(keys, months, strict=True) if s in ("absent", "reason")}}
    attended = {1: {k for k, s in zip(keys, months, strict=True) if s in ("reason", "present")}}
    found = absence_runs(keys, absent, attended, minimum)
    longest, run = 0, 0
    for state in months:
        run = run + 1 if state == "absent" else 0
        longest = max(longest, run)
    assert (1 in found) == (longest >= minimum)
    if 1 in found:
        assert len(found[1]) == longest


# The export file ----------------------------------------------------------------------------------------


def test_meetings_survive_an_export_round_trip(community: Community, tmp_path: Path, clock: Clock) -> None:
    t = tree(community)
    meeting = general(community, t, 6)
    community.meetings.add_resolution(meeting.id, title="接收预备党员", votes_for=6, against=0)
    partner = community.org.add_partner("property-company", "物业公司", t["committee"].id)
    community.meetings.record(t["branch"].id, "theme-day", on="2025-01-05", topic="学习", absent={t["full"][0]: "出差"},
                              partners=[(partner.id, "李经理")])
    counts = community.export_to(tmp_path / "a.json")
    assert (counts["meetings"], counts["meeting_attendance"], counts["meeting_partners"],
            counts["meeting_resolutions"]) == (2, 24, 1, 1)
    with communitycore.open(f"sqlite:///{tmp_path / 'copy.db'}", autoload=False, clock=clock, create=True) as copy:
        assert copy.import_from(tmp_path / "a.json") == counts
        assert copy.meetings.list() == community.meetings.list()
        found = copy.meetings.compliance(t["street"].id, "2025Q1")
        assert found == community.meetings.compliance(t["street"].id, "2025Q1")


# Plans, due meetings and overdue events ----------------------------------------------------------------


class Heard:
    """The events a community announces after each commit."""

    name = "heard"

    def __init__(self) -> None:
        self.events: list[communitycore.Event] = []

    @communitycore.hookimpl
    def communitycore_on_event(self, event: communitycore.Event) -> None:
        self.events.append(event)


def test_plan_lists_the_due_windows(community: Community) -> None:
    t = tree(community)
    community.meetings.record(t["branch"].id, "theme-day", on="2025-02-05", topic="t")
    rows = {(r.unit_id, r.type): r for r in community.meetings.plan(t["branch"].id, "2025Q1")}
    theme = rows[(t["branch"].id, "theme-day")]
    assert [(w.start.month, w.required, w.held) for w in theme.windows] == [(1, 1, 0), (2, 1, 1), (3, 1, 0)]
    assert rows[(t["branch"].id, "party-lecture")].windows[0].end == dt.date(2025, 3, 31)


def test_due_and_overdue_meetings_and_their_events(db_url: str, clock: Clock) -> None:
    heard = Heard()
    with communitycore.open(db_url, clock=clock, autoload=False, plugins=[heard]) as c:
        t = tree(c)
        c.meetings.record(t["branch"].id, "theme-day", on="2025-02-05", topic="t")
        found = c.meetings.due(t["branch"].id, days=14, on="2025-03-20")
        theme = [(d.start, d.status) for d in found if d.type == "theme-day"]
        assert theme == [(dt.date(2025, 3, 1), "due")]  # February was held; March ends within 14 days
        committee = [(d.start.month, d.status) for d in found if d.type == "branch-committee-meeting"]
        assert committee == [(2, "overdue"), (3, "due")]
        assert not any(d.status == "due" for d in c.meetings.due(t["branch"].id, days=5, on="2025-03-20"))
        # Overdue: February's 支委会, and the quarterly and yearly types of the windows before (2024Q4, 2024).
        late = {(d.type, d.start.isoformat(), d.end.isoformat()) for d in found if d.status == "overdue"}
        assert ("branch-committee-meeting", "2025-02-01", "2025-02-28") in late
        assert ("party-lecture", "2024-10-01", "2024-12-31") in late and len(late) == 5
        assert c.meetings.announce_overdue(t["branch"].id, on="2025-03-20") == 5
        assert c.meetings.announce_overdue(t["branch"].id, on="2025-03-20") == 0  # announced once only
        overdue = [e for e in heard.events if e.action == "meeting.overdue"]
        assert {(e.data["type"], e.data["from"], e.data["to"]) for e in overdue} == late
        with pytest.raises(InvalidValue, match="days"):
            c.meetings.due(days=-1)


def test_a_weekly_cadence_counts_iso_weeks(community: Community) -> None:
    t = tree(community)
    community.org.set_setting(t["branch"].id, "meeting-cadence.theme-day", "weekly")
    for day in ("2025-01-06", "2025-01-08", "2025-01-20"):  # twice in week 2, once in week 4
        community.meetings.record(t["branch"].id, "theme-day", on=day, topic="每周党课")
    row = next(r for r in community.meetings.compliance(t["branch"].id, "2025-01").rows if r.type == "theme-day")
    # January 2025 holds the Thursdays of ISO weeks 1 to 5.
    assert (row.cadence, row.required, row.held) == ("weekly", 5, 2)
    assert [w.start.isoformat() for w in row.missing] == ["2024-12-30", "2025-01-13", "2025-01-27"]
