"""Recruitment (发展党员): the 25 steps in order, their time rules, the branch vote, the member it makes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communitycore import Community
from communitycore.domain.members import add_months
from communitycore.domain.recruitment import Stage, StepRefused, check_step, ordered, stage_after, tally
from communitycore.errors import Conflict, InvalidValue, NotFound
from communitycore.plugins.manager import BUILTINS
from communitycore.records import RecruitmentStep

ID = "110105199003071239"  # born 1990-03-07, a man


def tree(c: Community) -> dict[str, Any]:
    street = c.org.add("城南街道党工委", "street-committee")
    committee = c.org.add("幸福社区党委", "community-committee", street.id)
    branch = c.org.add("第一党支部", "branch", committee.id)
    full = [c.members.add(f"正式党员{i}", branch.id, join_date="2000-07-01", full_date="2001-07-01",
                          category="full") for i in range(3)]
    prob = c.members.add("预备党员", branch.id, join_date="2026-01-01", category="probationary")
    return {"committee": committee, "branch": branch, "full": full, "probationary": prob}


def through(c: Community, candidate_id: int, last: str, start: dt.date, *, introducers: tuple[int, ...]) -> dt.date:
    """Record every step after the application up to ``last`` (a vote through ``vote``), each on the
    earliest day its rules allow; returns the last date."""
    day = start
    for step in c.recruitment.steps()[1:]:
        if step.min_after:
            done = {r.step: r.done_on for r in c.recruitment.history(candidate_id)}
            day = max(day, add_months(done[step.min_after], step.min_months) + dt.timedelta(days=step.min_days))
        if step.action in ("branch-vote", "confirmation-vote"):
            c.recruitment.vote(candidate_id, on=day, due=10, present=8, votes_for=6)
        else:
            c.recruitment.record(candidate_id, step.code, on=day, by="张书记",
                                 introducers=introducers if step.action == "introducers" else ())
        if step.code == last:
            return day
    raise AssertionError(last)


def test_the_national_pipeline_has_25_steps_in_5_stages(community: Community) -> None:
    steps = community.recruitment.steps()
    assert len(steps) == 25
    assert [s.stage for s in steps] == sorted(s.stage for s in steps)
    assert {s.stage for s in steps} == {1, 2, 3, 4, 5}
    codes = [s.code for s in steps]
    for code in ("application", "talk", "activist", "contact-persons", "activist-training", "development-candidate",
                 "introducers", "political-review", "intensive-training", "committee-review", "pre-review",
                 "application-form", "branch-vote", "higher-talk", "higher-approval", "oath",
                 "confirmation-application", "confirmation-vote", "confirmation-approval", "archived"):
        assert code in codes
    assert community.registry.provider("recruitment_steps", "talk") == "national-recruitment"
    assert "national-recruitment" in BUILTINS


def test_an_activist_of_less_than_a_year_is_refused_naming_the_earliest_date(community: Community) -> None:
    t = tree(community)
    cand = community.recruitment.apply("李明", t["branch"].id, on="2024-03-01", id_number=ID)
    community.recruitment.record(cand.id, "talk", on="2024-03-20", by="王委员")
    community.recruitment.record(cand.id, "activist", on="2024-05-10")
    for code in ("activist-filing", "contact-persons", "activist-training"):
        community.recruitment.record(cand.id, code, on="2024-06-01")
    with pytest.raises(StepRefused) as refused:
        community.recruitment.record(cand.id, "development-candidate", on="2025-05-09")
    assert refused.value.earliest == dt.date(2025, 5, 10)
    assert "2025-05-10" in str(refused.value) and "细则 §13" in str(refused.value)
    after = community.recruitment.record(cand.id, "development-candidate", on="2025-05-10")
    assert after.stage is Stage.DEVELOPMENT


def test_the_talk_comes_within_a_month_and_steps_come_in_order(community: Community) -> None:
    t = tree(community)
    cand = community.recruitment.apply("李明", t["branch"].id, on="2024-03-01", id_number=ID)
    with pytest.raises(StepRefused, match="activist") as refused:
        community.recruitment.record(cand.id, "activist", on="2024-03-10")
    assert refused.value.rule == "order"
    with pytest.raises(StepRefused, match="2024-04-01") as late:
        community.recruitment.record(cand.id, "talk", on="2024-04-02")
    assert late.value.latest == dt.date(2024, 4, 1)
    community.recruitment.record(cand.id, "talk", on="2024-04-01", by="王委员", note="谈话记录见附件")
    with pytest.raises(StepRefused, match="recorded already"):
        community.recruitment.record(cand.id, "talk", on="2024-04-01")
    history = community.recruitment.history(cand.id)
    assert [(h.step, h.done_on, h.responsible, h.note) for h in history][-1] == (
        "talk", dt.date(2024, 4, 1), "王委员", "谈话记录见附件")


def test_an_applicant_under_18_is_refused_with_the_earliest_date(community: Community) -> None:
    t = tree(community)
    with pytest.raises(StepRefused) as refused:
        community.recruitment.apply("少年", t["branch"].id, on="2025-01-01", birth_date="2008-03-07")
    assert refused.value.earliest == dt.date(2026, 3, 7)
    assert "18" in str(refused.value)
    assert community.recruitment.list() == []


def test_introducers_must_be_two_full_members(community: Community) -> None:
    t = tree(community)
    cand = community.recruitment.apply("李明", t["branch"].id, on="2023-03-01", id_number=ID)
    through(community, cand.id, "candidate-filing", dt.date(2023, 3, 5), introducers=())
    with pytest.raises(StepRefused, match="2 different introducers"):
        community.recruitment.record(cand.id, "introducers", on="2024-06-01", introducers=[t["full"][0].id])
    with pytest.raises(StepRefused, match="正式党员"):
        community.recruitment.record(cand.id, "introducers", on="2024-06-01",
                                     introducers=[t["full"][0].id, t["probationary"].id])
    community.recruitment.record(cand.id, "introducers", on="2024-06-01",
                                 introducers=[t["full"][0].id, t["full"][1].id])
    assert community.recruitment.history(cand.id)[-1].introducers == (t["full"][0].id, t["full"][1].id)


def test_the_branch_vote_needs_more_than_half_of_those_due_then_approval_makes_a_probationary_member(
        community: Community) -> None:
    t = tree(community)
    cand = community.recruitment.apply("李明", t["branch"].id, on="2023-03-01", id_number=ID)
    day = through(community, cand.id, "application-form", dt.date(2023, 3, 5),
                  introducers=(t["full"][0].id, t["full"][1].id))
    vote_on = day + dt.timedelta(days=10)
    with pytest.raises(StepRefused, match="5 for of 10") as refused:
        community.recruitment.vote(cand.id, on=vote_on, due=10, present=6, votes_for=5, against=1)
    assert refused.value.rule == "pass"
    with pytest.raises(StepRefused, match="no quorum"):
        community.recruitment.vote(cand.id, on=vote_on, due=10, present=5, votes_for=5)
    meeting = community.meetings.record(t["branch"].id, "branch-general-meeting", on=vote_on,
                                        topic="讨论接收预备党员", host="张书记", recorder="王委员", minutes="表决",
                                        present=[m.id for m in t["full"]])
    lecture = community.meetings.record(t["branch"].id, "party-lecture", on=vote_on, topic="党课", host="张书记")
    with pytest.raises(InvalidValue, match="支部党员大会"):
        community.recruitment.vote(cand.id, on=vote_on, due=10, present=6, votes_for=6, meeting_id=lecture.id)
    for wrong in ("x", "٣", 2**40):  # no meeting, on every engine, rather than int() or the driver failing
        with pytest.raises(NotFound, match="no meeting"):
            community.recruitment.vote(cand.id, on=vote_on, due=10, present=6, votes_for=6, meeting_id=wrong)
    voted = community.recruitment.vote(cand.id, on=vote_on, due=10, present=6, votes_for=6, meeting_id=meeting.id)
    assert voted.member_id is None and voted.last_step == "branch-vote"
    assert community.recruitment.history(cand.id)[-1].meeting_id == meeting.id
    community.recruitment.record(cand.id, "higher-talk", on=vote_on + dt.timedelta(days=5))
    with pytest.raises(StepRefused, match="within 3 month"):
        community.recruitment.record(cand.id, "higher-approval", on=add_months(vote_on, 3) + dt.timedelta(days=1))
    admitted = community.recruitment.record(cand.id, "higher-approval", on=vote_on + dt.timedelta(days=20))
    assert admitted.stage is Stage.PROBATIONARY and admitted.member_id is not None
    member = community.members.get(admitted.member_id)
    assert member.category.value == "probationary"
    assert member.join_date == vote_on
    assert member.probation_end == dt.date(vote_on.year + 1, vote_on.month, vote_on.day)
    assert member.id_number == ID
    assert community.recruitment.counts()["probationary"] == 1


def test_written_opinions_of_absent_voting_members_count() -> None:
    assert not tally(due=10, present=6, votes_for=5).passed
    assert tally(due=10, present=6, votes_for=5, written_for=1).passed
    with pytest.raises(InvalidValue, match="absent"):
        tally(due=10, present=6, votes_for=5, written_for=5)
    assert not tally(due=10, present=5, votes_for=5, written_for=5).quorum_met


def test_the_whole_pipeline_to_confirmation(db_url: str) -> None:
    import communitycore
    from communitycore.clock import Clock

    community = communitycore.open(db_url, actor="tester", autoload=False,
                                   clock=Clock("Asia/Shanghai", fixed=dt.datetime(2027, 12, 1, 10)))
    t = tree(community)
    cand = community.recruitment.apply("李明", t["branch"].id, on="2024-01-02", id_number=ID)
    through(community, cand.id, "archived", dt.date(2024, 1, 5), introducers=(t["full"][0].id, t["full"][1].id))
    final = community.recruitment.get(cand.id)
    assert final.stage is Stage.ARCHIVED
    assert final.member_id is not None
    assert community.members.get(final.member_id).category.value == "full"
    community.close()


def test_a_duplicate_id_number_is_refused(community: Community) -> None:
    t = tree(community)
    community.recruitment.apply("李明", t["branch"].id, on="2024-03-01", id_number=ID)
    with pytest.raises(Conflict):
        community.recruitment.apply("李明", t["branch"].id, on="2024-03-02", id_number=ID)


def test_an_applicants_gender_and_birth_date_are_checked_as_a_members(community: Community) -> None:
    """A gender is a gender (男, female ...), and a gender or birth date given beside the 公民身份号码
    agrees with it, as for members; none of the refused applications is kept."""
    t = tree(community)
    branch = t["branch"].id
    for fields, field, words in (({"gender": "x" * 40}, "gender", "male"),
                                 ({"gender": "女", "id_number": ID}, "gender", "disagrees with the 公民身份号码"),
                                 ({"birth_date": "1990-03-08", "id_number": ID}, "birth_date", "which says 1990-03-07"),
                                 ({"birth_date": "2030-01-01"}, "birth_date", "is in the future")):
        with pytest.raises(InvalidValue, match=words) as refused:
            community.recruitment.apply("李明", branch, on="2024-03-01", **fields)
        assert [p.field for p in refused.value.problems] == [field]
    assert community.recruitment.list() == []
    cand = community.recruitment.apply("李明", branch, on="2024-03-01", id_number=ID, gender="男性")
    assert cand.gender == "male" and cand.birth_date == dt.date(1990, 3, 7)
    assert community.recruitment.apply("王芳", branch, on="2024-03-01", gender="F").gender == "female"


def test_a_candidate_named_by_text_or_another_script_is_not_found(community: Community) -> None:
    """An id that is no id ("x", "٣", beyond every engine's) finds no candidate on every engine, rather
    than failing in the driver (PostgreSQL compares no integer with text)."""
    t = tree(community)
    cand = community.recruitment.apply("李明", t["branch"].id, on="2024-03-01", id_number=ID)
    for wrong in ("x", "٣", 2**40):
        with pytest.raises(NotFound):
            community.recruitment.record(wrong, "activist", on="2024-04-01")
        with pytest.raises(NotFound):
            community.recruitment.vote(wrong, on="2024-04-01", due=3, present=3, votes_for=3)
    assert community.recruitment.get(str(cand.id)).id == cand.id  # its digits still name it


def test_steps_falling_due(community: Community) -> None:
    t = tree(community)
    cand = community.recruitment.apply("李明", t["branch"].id, on="2026-11-10", id_number=ID)
    due = community.recruitment.due(days=30)
    assert [(d.candidate_id, d.step, d.latest, d.overdue) for d in due] == [(cand.id, "talk", dt.date(2026, 12, 10),
                                                                            False)]
    assert community.recruitment.due(days=0) == []


def test_a_pack_renames_a_step_and_changes_a_time_rule(tmp_path: Any, clock: Any) -> None:
    import communitycore

    pack = tmp_path / "province.toml"
    pack.write_text('''
[[recruitment_steps]]
code = "development-candidate-2"
replaces = "development-candidate"
label = "确定发展对象（本省）"
stage = 3
order = 70
min_after = "activist"
min_months = 18
rule = "本省细则"

[[recruitment_steps]]
code = "public-notice"
label = "发展对象公示"
stage = 3
order = 115
required = true
''', encoding="utf-8")
    c = communitycore.open(f"sqlite:///{tmp_path / 'p.db'}", actor="t", clock=clock, autoload=False, create=True,
                           packs=[pack])
    steps = {s.code: s for s in c.recruitment.steps()}
    assert "development-candidate" not in steps and steps["development-candidate-2"].min_months == 18
    codes = [s.code for s in c.recruitment.steps()]
    assert codes.index("public-notice") == codes.index("intensive-training") + 1
    c.close()


# Properties ------------------------------------------------------------------------------------

_STEPS = {s.code: s for s in [
    RecruitmentStep(code="a", label="A", stage=1, order=10),
    RecruitmentStep(code="b", label="B", stage=1, order=20, max_after="a", max_months=1),
    RecruitmentStep(code="c", label="C", stage=2, order=30, required=False),
    RecruitmentStep(code="d", label="D", stage=2, order=40, min_after="a", min_months=12),
    RecruitmentStep(code="e", label="E", stage=3, order=50, min_after="b", min_days=30),
]}


@given(st.lists(st.tuples(st.sampled_from(sorted(_STEPS)), st.integers(0, 900)), max_size=30))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_random_sequences_never_skip_a_required_step_or_break_a_time_rule(
        attempts: list[tuple[str, int]]) -> None:
    start = dt.date(2020, 1, 1)
    done: dict[str, dt.date] = {}
    for code, offset in attempts:
        on = start + dt.timedelta(days=offset)
        try:
            check_step(_STEPS, done, code, on, today=dt.date(2030, 1, 1))
        except StepRefused:
            continue
        done[code] = on
    order = [s.code for s in ordered(_STEPS)]
    for code, on in done.items():
        step = _STEPS[code]
        earlier = [c for c in order[:order.index(code)] if _STEPS[c].required]
        assert all(c in done and done[c] <= on for c in earlier)
        if step.min_after:
            assert on >= add_months(done[step.min_after], step.min_months) + dt.timedelta(days=step.min_days)
        if step.max_after and step.max_months is not None:
            assert on <= add_months(done[step.max_after], step.max_months)
    # The history replays: the same steps in the order recorded are accepted again.
    replay: dict[str, dt.date] = {}
    for code, on in sorted(done.items(), key=lambda kv: _STEPS[kv[0]].order):
        check_step(_STEPS, replay, code, on, today=dt.date(2030, 1, 1))
        replay[code] = on
    assert stage_after(_STEPS, replay) == stage_after(_STEPS, done)


@given(st.integers(1, 60), st.data())
def test_a_vote_passes_exactly_when_more_than_half_of_those_due_are_for(due: int, data: st.DataObject) -> None:
    present = data.draw(st.integers(0, due))
    votes_for = data.draw(st.integers(0, present))
    written = data.draw(st.integers(0, due - present))
    vote = tally(due=due, present=present, votes_for=votes_for, written_for=written)
    assert vote.quorum_met == (2 * present > due)
    assert vote.passed == (2 * present > due and 2 * (votes_for + written) > due)


def test_hook_communitycore_register_recruitment_steps(tmp_path: Any, clock: Any) -> None:
    import communitycore
    from communitycore import hookimpl

    class Province:
        name = "province"

        @hookimpl
        def communitycore_register_recruitment_steps(self) -> list[RecruitmentStep]:
            return [RecruitmentStep(code="public-notice", label="发展对象公示", stage=3, order=115,
                                    min_after="intensive-training", min_days=5, rule="省细则")]

    c = communitycore.open(f"sqlite:///{tmp_path / 'h.db'}", actor="t", clock=clock, autoload=False, create=True,
                           plugins=[Province()])
    steps = {s.code: s for s in c.recruitment.steps()}
    assert len(steps) == 26 and c.registry.provider("recruitment_steps", "public-notice") == "province"
    done = {"intensive-training": dt.date(2025, 1, 1)}
    with pytest.raises(StepRefused, match="2025-01-06"):
        check_step({k: v for k, v in steps.items() if k in ("intensive-training", "public-notice")}, done,
                   "public-notice", dt.date(2025, 1, 5), today=dt.date(2026, 1, 1))
    c.close()
