"""National defaults for assessments: 民主评议党员 (democratic appraisal), its vote facts, and the appeal workflow.

民主评议 grades members 优秀 / 合格 / 基本合格 / 不合格 from the 民主测评 vote tally; 优秀 is
generally held to at most 1/3 of the members, and 预备党员 take part without a grade. The tally
is entered (or imported) as four facts, the votes each grade received. The bands go by the share
of the votes, weighted 100 / 80 / 60 / 0; the thresholds are local practice, not a national
rule, so a pack may replace the scheme (``replaces = "democratic-appraisal"``).
"""

from __future__ import annotations

from communitycore.plugins.markers import hookimpl
from communitycore.records import Fact, GradeBand, ScoreItem, ScoringScheme, WorkflowState, WorkflowTransition

#: The workflow an appeal against one item of a result follows.
APPEAL_WORKFLOW = "assessment-appeal"

_VOTES = (
    ("appraisal-excellent", "民主测评优秀票数", "votes for excellent", 100),
    ("appraisal-qualified", "民主测评合格票数", "votes for qualified", 80),
    ("appraisal-basically-qualified", "民主测评基本合格票数", "votes for basically qualified", 60),
    ("appraisal-unqualified", "民主测评不合格票数", "votes for unqualified", 0),
)


@hookimpl
def communitycore_register_facts() -> list[Fact]:
    """The 民主测评 tally: votes received for each grade; ``scores``, a subject's latest assessment total."""
    return [*(Fact(code=code, label=label, label_en=label_en, subject="member", unit="votes")
              for code, label, label_en, _points in _VOTES),
            # Not kept in the ledger: a run reads it from the results of earlier runs (rosters score by it).
            Fact(code="scores", label="考核得分", label_en="assessment score", subject="steward", unit="points",
                 aggregate="max")]


@hookimpl
def communitycore_register_scoring_schemes() -> list[ScoringScheme]:
    """民主评议党员: grades by vote shares, 优秀 at most 1/3, 预备党员 not graded."""
    return [ScoringScheme(
        code="democratic-appraisal", label="民主评议党员", label_en="democratic appraisal of members",
        subject="member", period="yearly", shares=True, exempt=("probationary",),
        items=tuple(ScoreItem(fact=code, points=points, label=label.removeprefix("民主测评").removesuffix("票数"))
                    for code, label, _en, points in _VOTES),
        bands=(
            GradeBand(grade="excellent", label="优秀", label_en="excellent", min_score=90, quota="1/3",
                      outcome="promote"),
            GradeBand(grade="qualified", label="合格", label_en="qualified", min_score=75, outcome="keep"),
            GradeBand(grade="basically-qualified", label="基本合格", label_en="basically qualified", min_score=60,
                      outcome="warn"),
            GradeBand(grade="unqualified", label="不合格", label_en="unqualified", min_score=0, outcome="demote"),
        ),
    )]


@hookimpl
def communitycore_register_workflow_states() -> list[WorkflowState]:
    """An appeal: filed, under review, then upheld (the result is re-scored) or rejected."""
    return [
        WorkflowState(APPEAL_WORKFLOW, "filed", "已提出", "Filed", initial=True),
        WorkflowState(APPEAL_WORKFLOW, "under-review", "复核中", "Under review"),
        WorkflowState(APPEAL_WORKFLOW, "upheld", "已采纳", "Upheld", terminal=True),
        WorkflowState(APPEAL_WORKFLOW, "rejected", "已驳回", "Rejected", terminal=True),
    ]


@hookimpl
def communitycore_register_workflow_transitions() -> list[WorkflowTransition]:
    """Review, then accept or reject; a filed appeal may also be decided at once."""
    flow = APPEAL_WORKFLOW
    return [
        WorkflowTransition(flow, "filed", "under-review", "review", label="复核"),
        WorkflowTransition(flow, "filed", "upheld", "accept", label="采纳"),
        WorkflowTransition(flow, "filed", "rejected", "reject", label="驳回"),
        WorkflowTransition(flow, "under-review", "upheld", "accept", label="采纳"),
        WorkflowTransition(flow, "under-review", "rejected", "reject", label="驳回"),
    ]
