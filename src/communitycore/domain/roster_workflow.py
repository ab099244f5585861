"""The roster-membership workflow as data: its states and transitions, which the national builtin registers.

Apart from :mod:`communitycore.domain.rosters` so that registering them (every community does, on
opening) does not import the rosters' records and rules. See that module for what the states mean.
"""

from __future__ import annotations

from communitycore.records import WorkflowState, WorkflowTransition

#: The workflow of roster memberships.
MEMBERSHIP_WORKFLOW = "roster-membership"

APPLIED = "applied"
UNDER_REVIEW = "under-review"
QUALIFIED = "qualified"
ON_NOTICE = "on-notice"
OBJECTED = "objected"
ADMITTED = "admitted"
ACTIVE = "active"
WARNED = "warned"
EXITED = "exited"
REFUSED = "refused"

#: States in which an entry is on the roster (serves, is trained and reviewed).
SERVING = (ADMITTED, ACTIVE, WARNED)
#: States of a pending application.
PENDING = (APPLIED, UNDER_REVIEW, QUALIFIED, ON_NOTICE, OBJECTED)


def _state(code: str, zh: str, en: str, *, initial: bool = False, terminal: bool = False) -> WorkflowState:
    return WorkflowState(MEMBERSHIP_WORKFLOW, code, zh, en, initial=initial, terminal=terminal)


MEMBERSHIP_STATES: tuple[WorkflowState, ...] = (
    _state(APPLIED, "已申请", "Applied", initial=True),
    _state(UNDER_REVIEW, "资格审查中", "Under review"),
    _state(QUALIFIED, "审查通过", "Qualified"),
    _state(ON_NOTICE, "公示中", "On public notice"),
    _state(OBJECTED, "异议处理中", "Objection pending"),
    _state(ADMITTED, "已入选", "Admitted"),
    _state(ACTIVE, "在岗", "Active"),
    _state(WARNED, "警示", "Warned"),
    _state(EXITED, "已退出", "Exited", terminal=True),
    _state(REFUSED, "未入选", "Refused", terminal=True),
)


def _move(source: str, target: str, action: str, label: str) -> WorkflowTransition:
    return WorkflowTransition(MEMBERSHIP_WORKFLOW, source, target, action, label=label)


MEMBERSHIP_TRANSITIONS: tuple[WorkflowTransition, ...] = (
    _move(APPLIED, UNDER_REVIEW, "review", "审查"),
    _move(APPLIED, QUALIFIED, "qualify", "审查通过"),
    _move(APPLIED, REFUSED, "refuse", "不予通过"),
    _move(UNDER_REVIEW, QUALIFIED, "qualify", "审查通过"),
    _move(UNDER_REVIEW, REFUSED, "refuse", "不予通过"),
    _move(QUALIFIED, ON_NOTICE, "notice", "公示"),
    _move(QUALIFIED, REFUSED, "refuse", "不予通过"),
    _move(ON_NOTICE, OBJECTED, "object", "提出异议"),
    _move(ON_NOTICE, ADMITTED, "admit", "入选"),
    _move(ON_NOTICE, REFUSED, "refuse", "不予通过"),
    _move(OBJECTED, ON_NOTICE, "dismiss", "异议不成立"),
    _move(OBJECTED, REFUSED, "uphold", "异议成立"),
    _move(ADMITTED, ACTIVE, "activate", "上岗"),
    _move(ADMITTED, WARNED, "warn", "警示"),
    _move(ADMITTED, EXITED, "exit", "退出"),
    _move(ACTIVE, WARNED, "warn", "警示"),
    _move(ACTIVE, EXITED, "exit", "退出"),
    _move(WARNED, ACTIVE, "clear", "解除警示"),
    _move(WARNED, EXITED, "exit", "退出"),
)


__all__ = [
    "ACTIVE",
    "ADMITTED",
    "APPLIED",
    "EXITED",
    "MEMBERSHIP_STATES",
    "MEMBERSHIP_TRANSITIONS",
    "MEMBERSHIP_WORKFLOW",
    "OBJECTED",
    "ON_NOTICE",
    "PENDING",
    "QUALIFIED",
    "REFUSED",
    "SERVING",
    "UNDER_REVIEW",
    "WARNED",
]
