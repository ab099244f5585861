"""The scoring engine (pure) and the scheme records: totals, caps, floors, vetoes, bands, quotas, exemptions."""

from __future__ import annotations

import math
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communitycore.domain.scoring import (
    ScoredLine,
    grade_all,
    quota_limit,
    scheme_from_rules,
    scheme_rules,
    score,
    score_all,
    score_rows,
)
from communitycore.errors import PluginError
from communitycore.plugins.packs import load_pack
from communitycore.records import GradeBand, Outcome, ScoreItem, ScoringScheme

ACC = ScoringScheme(
    code="acc", label="积分", subject="member", period="quarterly", base=60,
    items=(ScoreItem(fact="acc-lesson", points=3, cap=12), ScoreItem(fact="acc-hours", points=2, cap=20),
           ScoreItem(fact="absence", points=-5, floor=-20)),
    vetoes=("acc-violation",),
    bands=(GradeBand(grade="excellent", min_score=90, quota="1/3"), GradeBand(grade="qualified", min_score=60)),
)


def dec(value: object) -> Decimal:
    return Decimal(str(value))


# Records -----------------------------------------------------------------------------------------

def test_quotas_are_exact_fractions_from_text_or_numbers() -> None:
    assert GradeBand(grade="a", min_score=1, quota="1/3").share == Fraction(1, 3)
    assert GradeBand(grade="a", min_score=1, quota=0.3333).share == Fraction(3333, 10000)
    assert GradeBand(grade="a", min_score=1, quota=1).share == 1
    for bad in ("0", "4/3", "one third", -0.1, True):
        with pytest.raises(ValueError, match="quota"):
            GradeBand(grade="a", min_score=1, quota=bad)


def test_scheme_checks_name_the_bad_field() -> None:
    with pytest.raises(ValueError, match="floor -1 is above cap -5"):
        ScoreItem(fact="absence", points=-5, cap=-5, floor=-1)
    with pytest.raises(ValueError, match=r"items \['acc-lesson'\] appear twice"):
        ScoringScheme(code="x", label="X", subject="member", period="yearly",
                      items=(ScoreItem(fact="acc-lesson", points=1), ScoreItem(fact="acc-lesson", points=2)))
    with pytest.raises(ValueError, match="version"):
        ScoringScheme(code="x", label="X", subject="member", period="yearly", version=0)
    with pytest.raises(ValueError, match="same min_score"):
        ScoringScheme(code="x", label="X", subject="member", period="yearly",
                      bands=(GradeBand(grade="a", min_score=1), GradeBand(grade="b", min_score=1)))
    with pytest.raises(ValueError):
        GradeBand(grade="a", min_score=1, outcome="promoted")


def test_a_pack_scheme_with_every_field_loads(tmp_path) -> None:
    pack = tmp_path / "p.toml"
    pack.write_text("""
[[scoring_schemes]]
code = "stars"
label = "星级党员"
subject = "member"
period = "half-yearly"
base = 60
version = 3
exempt = ["probationary"]
vetoes = ["acc-violation"]

[[scoring_schemes.items]]
fact = "absence"
code = "missed-meetings"
points = -5
floor = -20

[[scoring_schemes.bands]]
grade = "five-star"
label = "五星"
min_score = 95
quota = "1/5"
outcome = "promote"
""", encoding="utf-8")
    _provider, [scheme] = load_pack(pack)
    assert isinstance(scheme, ScoringScheme)
    assert scheme.version == 3 and scheme.exempt == ("probationary",)
    assert scheme.items[0].item == "missed-meetings" and scheme.items[0].floor == -20
    assert scheme.bands[0].share == Fraction(1, 5) and scheme.bands[0].outcome is Outcome.PROMOTE
    hash(scheme)  # frozen, with tuples only


def test_a_bad_pack_scheme_is_one_clear_error(tmp_path) -> None:
    pack = tmp_path / "p.toml"
    pack.write_text("""
[[scoring_schemes]]
code = "stars"
label = "星级"
subject = "member"
period = "yearly"
[[scoring_schemes.bands]]
grade = "five-star"
min_score = 95
quota = "3/2"
""", encoding="utf-8")
    with pytest.raises(PluginError, match=r"quota must be above 0 and at most 1.*scoring_schemes\[0\]\.bands\[0\]"):
        load_pack(pack)


def test_rules_round_trip_to_the_same_scheme() -> None:
    assert scheme_from_rules(scheme_rules(ACC)) == ACC
    odd = ScoringScheme(code="o", label="O", subject="unit", period="yearly", base=100.5,
                        bands=(GradeBand(grade="a", min_score=1, quota=0.3333),))
    assert scheme_from_rules(scheme_rules(odd)) == odd


# Scoring -----------------------------------------------------------------------------------------

def test_the_hand_computed_totals() -> None:
    # 60 + min(3×5, 12) + min(2×4, 20) - min... : 60 + 12 + 8 = 80, the lesson line capped.
    r = score(ACC, 1, {"acc-lesson": dec(5), "acc-hours": dec(4)})
    assert r.total == dec("80.00")
    lesson = next(line for line in r.lines if line.item == "acc-lesson")
    assert (lesson.quantity, lesson.points, lesson.uncapped, lesson.capped) == (dec(5), dec(12), dec(15), True)
    # Absences: -5 each, floored at -20.
    assert score(ACC, 2, {"absence": dec(6)}).total == dec(40)
    assert score(ACC, 3, {"absence": dec(1)}).total == dec(55)


def test_a_veto_zeroes_the_total_and_is_named() -> None:
    r = score(ACC, 1, {"acc-lesson": dec(2), "acc-violation": dec(1)})
    assert r.total == 0 and r.vetoed
    assert [line.fact for line in r.lines if line.veto] == ["acc-violation"]
    assert not score(ACC, 1, {"acc-violation": dec(0)}).vetoed  # a reversed violation does not veto


@st.composite
def schemes(draw: st.DrawFn) -> ScoringScheme:
    facts = draw(st.lists(st.sampled_from(["f-a", "f-b", "f-c", "f-d"]), min_size=1, max_size=4, unique=True))
    items = []
    for fact in facts:
        points = draw(st.integers(-10, 10))
        cap = draw(st.none() | st.integers(0, 40))
        floor = draw(st.none() | st.integers(-40, 0))
        items.append(ScoreItem(fact=fact, points=points, cap=cap, floor=floor))
    vetoes = draw(st.lists(st.sampled_from(["v-a", "v-b"]), unique=True, max_size=2))
    mins = draw(st.lists(st.integers(0, 150), unique=True, max_size=4))
    bands = [GradeBand(grade=f"g{i}", min_score=m, quota=draw(st.none() | st.sampled_from(["1/3", 0.3333, "1/2", 1])))
             for i, m in enumerate(mins)]
    return ScoringScheme(code="s", label="S", subject="member", period="yearly", base=draw(st.integers(0, 100)),
                         items=tuple(items), vetoes=tuple(vetoes), bands=tuple(bands))


values_st = st.dictionaries(st.sampled_from(["f-a", "f-b", "f-c", "f-d", "v-a", "v-b"]),
                            st.integers(0, 20).map(Decimal), max_size=6)


@given(schemes(), values_st)
def test_totals_are_the_naive_sum_with_caps_and_floors(scheme: ScoringScheme, values: dict[str, Decimal]) -> None:
    expected = Decimal(scheme.base)
    for item in scheme.items:
        points = values.get(item.fact, Decimal(0)) * Decimal(item.points)
        if item.cap is not None:
            points = min(points, Decimal(item.cap))
        if item.floor is not None:
            points = max(points, Decimal(item.floor))
        expected += points
    if any(values.get(v, 0) for v in scheme.vetoes):
        expected = Decimal(0)
    r = score(scheme, 1, values)
    assert r.total == expected
    assert r.vetoed == any(values.get(v, 0) for v in scheme.vetoes)


cohorts = st.dictionaries(st.integers(1, 500), values_st, min_size=0, max_size=40)


@settings(max_examples=150)
@given(schemes(), cohorts, st.sets(st.integers(1, 500), max_size=10), st.randoms(use_true_random=False))
def test_quotas_hold_and_the_tie_break_ignores_input_order(scheme: ScoringScheme, values: dict[int, dict],
                                                            exempt: set[int], rnd: random.Random) -> None:
    subjects = list(values)
    results = score_all(scheme, values, subjects, exempt=exempt)
    graded = [r for r in results if r.graded]
    for band in scheme.bands:
        holders = sum(1 for r in graded if r.grade == band.grade)
        if band.share is not None:
            assert holders <= math.floor(len(graded) * band.share)
    # Exempt subjects take part without a grade or a rank.
    for r in results:
        if r.subject_id in exempt:
            assert r.exempt and r.grade is None and r.rank is None
    # Any order of the subjects gives the same grades.
    shuffled = subjects[:]
    rnd.shuffle(shuffled)
    again = score_all(scheme, dict(reversed(list(values.items()))), shuffled, exempt=exempt)
    assert [(r.subject_id, r.grade, r.rank, r.total) for r in again] == \
        [(r.subject_id, r.grade, r.rank, r.total) for r in results]
    # The quota never passes over a higher total for a lower one within a band.
    for band in scheme.bands:
        holders = [r.total for r in graded if r.grade == band.grade]
        passed = [r.total for r in graded if band.grade in r.quota_held]
        if holders and passed:
            assert min(holders) >= max(passed)


hundredths_st = st.dictionaries(st.sampled_from(["f-a", "f-b", "f-c", "f-d", "v-a", "v-b"]),
                                st.integers(-2000, 2000).map(lambda n: Decimal(n).scaleb(-2)), max_size=6)


@settings(max_examples=150)
@given(schemes(), st.dictionaries(st.integers(1, 60), hundredths_st, max_size=30),
       st.lists(st.tuples(st.integers(1, 60), st.integers(-500, 500)), max_size=8), st.sets(st.integers(1, 60)))
def test_rows_without_lines_agree_with_each_subjects_explained_score(
        scheme: ScoringScheme, values: dict[int, dict[str, Decimal]], plugin: list[tuple[int, int]],
        exempt: set[int]) -> None:
    subjects = sorted({*values, *(s for s, _p in plugin), 61})
    extra = [ScoredLine(subject_id=s, item=f"p{n}", points=Decimal(points).scaleb(-2), source="plugin")
             for n, (s, points) in enumerate(plugin)]
    rows = score_rows(scheme, values, subjects, extra=extra, exempt=exempt)
    assert [r.subject_id for r in rows] == subjects
    for r in rows:
        mine = [x for x in extra if x.subject_id == r.subject_id]
        explained = score(scheme, r.subject_id, values.get(r.subject_id, {}), extra=mine)
        assert (r.total, r.vetoed, r.rated) == (explained.total, explained.vetoed, explained.rated)
        assert r.total == (Decimal(0) if explained.vetoed else sum((x.points for x in explained.lines), Decimal(0)))
    # Competition ranks, counted by hand: one more than the graded totals above.
    graded = [r.total for r in rows if r.subject_id not in exempt]
    for r in rows:
        expected = None if r.subject_id in exempt else 1 + sum(1 for t in graded if t > r.total)
        assert r.rank == expected
    # score_all gives the same, with the lines.
    assert [(r.subject_id, r.total, r.grade, r.rank, r.quota_held) for r in rows] == [
        (r.subject_id, r.total, r.grade, r.rank, r.quota_held)
        for r in score_all(scheme, values, subjects, extra=extra, exempt=exempt)]


def test_ten_members_five_excellent_a_third_is_three_by_total_then_id() -> None:
    lessons = {1: 4, 2: 4, 3: 4, 4: 4, 5: 4, 6: 0, 7: 0, 8: 0, 9: 0, 10: 0}
    hours = {1: 9, 2: 9, 3: 10, 4: 10, 5: 11}
    values = {s: {"acc-lesson": dec(n), "acc-hours": dec(hours.get(s, 0))} for s, n in lessons.items()}
    results = score_all(ACC, values, range(1, 11))
    assert [r.subject_id for r in results if r.reached == "excellent"] == [1, 2, 3, 4, 5]
    # 3, 4 and 5 score 92 (5's hours capped at 20), 1 and 2 score 90: the quota of ⌊10/3⌋ = 3 takes 3, 4, 5.
    assert sorted(r.subject_id for r in results if r.grade == "excellent") == [3, 4, 5]
    assert {r.subject_id for r in results if r.quota_held == ("excellent",)} == {1, 2}
    assert all(r.grade == "qualified" for r in results if r.subject_id in (1, 2))
    assert [r.rank for r in results][:5] == [4, 4, 1, 1, 1]
    assert quota_limit(ACC.bands[0], 10) == 3
    # Equal totals at the edge of the quota go by the lower id.
    tied = score_all(ACC, {s: {"acc-lesson": dec(4), "acc-hours": dec(10)} for s in (9, 4, 7, 1)}, [9, 4, 7, 1])
    assert [r.subject_id for r in tied if r.grade == "excellent"] == [1]
    assert quota_limit(GradeBand(grade="a", min_score=1, quota=0.3333), 3) == 0  # 0.9999, rounded down


def test_an_override_takes_the_place_of_the_bands() -> None:
    values = {1: {"acc-lesson": dec(4), "acc-hours": dec(10)}, 2: {}}
    results = grade_all(ACC, [score(ACC, s, values[s]) for s in (1, 2)], {1: ("qualified", "支部大会决定")})
    assert results[0].grade == "qualified" and results[0].override == "支部大会决定"
    assert results[0].reached == "excellent"


def test_a_share_scheme_grades_by_votes_and_leaves_the_unvoted_ungraded() -> None:
    appraisal = ScoringScheme(
        code="da", label="民主评议", subject="member", period="yearly", shares=True,
        items=(ScoreItem(fact="v-excellent", points=100), ScoreItem(fact="v-qualified", points=80)),
        bands=(GradeBand(grade="excellent", min_score=90), GradeBand(grade="qualified", min_score=0)))
    results = score_all(appraisal, {1: {"v-excellent": dec(7), "v-qualified": dec(3)}, 2: {"v-qualified": dec(10)}},
                        [1, 2, 3])
    assert [(r.total, r.grade) for r in results] == [(dec(94), "excellent"), (dec(80), "qualified"), (dec(0), None)]
    assert not results[2].rated and results[2].rank is None
