"""The 红色管家 roster of the case study: its membership workflow, its quarterly scheme and its facts.

红色管家 are chosen from branches, property companies, owners' committees, partner units and
residents, pass a qualification review and a public notice ("无异议方可进入"), are trained, and
are assessed each quarter on participation (参与活动积极度), effect (效果) and resident
satisfaction (居民满意度): 优者上、庸者下、劣者汰. The thresholds are local practice, so a pack
may replace the programme or the scheme (``replaces = "red-steward"``).
"""

from __future__ import annotations

from communitycore.domain.roster_workflow import MEMBERSHIP_STATES, MEMBERSHIP_TRANSITIONS
from communitycore.plugins.markers import hookimpl
from communitycore.records import (
    Fact,
    GradeBand,
    RosterProgram,
    ScoreItem,
    ScoringScheme,
    WorkflowState,
    WorkflowTransition,
)

#: The builtin programme and its scheme.
RED_STEWARD = "red-steward"


@hookimpl(trylast=True)
def communitycore_register_workflow_states() -> list[WorkflowState]:
    """The roster-membership workflow: applied … on notice … admitted, active, warned, exited."""
    return list(MEMBERSHIP_STATES)


@hookimpl(trylast=True)
def communitycore_register_workflow_transitions() -> list[WorkflowTransition]:
    """Its moves: review, qualify, notice, object, dismiss, uphold, admit, activate, warn, clear, exit."""
    return list(MEMBERSHIP_TRANSITIONS)


@hookimpl(trylast=True)
def communitycore_register_facts() -> list[Fact]:
    """What a steward's ledger holds: activities joined, effect points, satisfaction, training."""
    return [
        Fact(code="steward-participation", label="参与活动", label_en="activities joined", subject="steward",
             aggregate="count"),
        Fact(code="steward-effect", label="服务效果", label_en="service effect", subject="steward", unit="points"),
        Fact(code="steward-satisfaction", label="居民满意度", label_en="resident satisfaction", subject="steward",
             unit="points", aggregate="mean", minimum=0, maximum=100),
        # An entry is one training session: more than 0 hours; a day's sessions add up to 24 at most.
        Fact(code="steward-training-hours", label="培训时长", label_en="training hours", subject="steward",
             unit="hours", minimum="0.01", maximum=24, day_maximum=24),
    ]


@hookimpl(trylast=True)
def communitycore_register_scoring_schemes() -> list[ScoringScheme]:
    """红色管家季度考核: participation 4 points an activity (at most 40), effect (at most 30), satisfaction 0.3×."""
    return [ScoringScheme(
        code=RED_STEWARD, label="红色管家季度考核", label_en="red steward quarterly review", subject="steward",
        period="quarterly",
        items=(
            ScoreItem(fact="steward-participation", points=4, cap=40, label="参与活动积极度"),
            ScoreItem(fact="steward-effect", points=1, cap=30, label="效果"),
            ScoreItem(fact="steward-satisfaction", points=0.3, cap=30, label="居民满意度"),
        ),
        bands=(
            GradeBand(grade="excellent", label="优秀", label_en="excellent", min_score=90, outcome="promote"),
            GradeBand(grade="good", label="良好", label_en="good", min_score=75, outcome="keep"),
            GradeBand(grade="fair", label="一般", label_en="fair", min_score=60, outcome="warn"),
            GradeBand(grade="poor", label="较差", label_en="poor", min_score=0, outcome="remove"),
        ),
    )]


@hookimpl(trylast=True)
def communitycore_register_roster_programs() -> list[RosterProgram]:
    """红色管家: a 7-day notice, 8 training hours a year, gold/silver/regular, a 3-year term, a year's wait."""
    return [RosterProgram(
        code=RED_STEWARD, label="红色管家", label_en="red stewards", notice_days=7, review_cadence="quarterly",
        scoring_scheme=RED_STEWARD, candidate_kinds=("member", "resident", "partner-staff", "partner"),
        training_hours=8, training_period="yearly", tiers=("gold", "silver", "regular"), max_term_years=3,
        readmit_after_days=365,
        description="从支部、物业、业委会、共建单位和居民中选出，资格审查并公示无异议后入选",
    )]
