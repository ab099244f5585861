"""The resident-request and project workflows as data: their states and transitions, which the national
builtin registers.

Apart from :mod:`communitycore.domain.services` so that registering them (every community does, on
opening) does not import the services' records and rules. See that module for what the states mean.
"""

from __future__ import annotations

import itertools

from communitycore.records import WorkflowState, WorkflowTransition

#: The workflow code of resident requests.
REQUEST_WORKFLOW = "resident-request"
#: The workflow code of service projects (项目清单).
PROJECT_WORKFLOW = "service-project"

#: Requests whose state is one of these are not counted as received.
CANCELLED = "cancelled"


def _state(code: str, zh: str, en: str, *, initial: bool = False, terminal: bool = False) -> WorkflowState:
    return WorkflowState(REQUEST_WORKFLOW, code, zh, en, initial=initial, terminal=terminal)


#: The states of the resident-request workflow.
REQUEST_STATES: tuple[WorkflowState, ...] = (
    _state("collected", "已收集", "Collected", initial=True),
    _state("accepted", "已受理", "Accepted"),
    _state("assigned", "已派单", "Assigned"),
    _state("in-progress", "办理中", "In progress"),
    _state("resolved", "已办结", "Resolved"),
    _state("evaluated", "已评价", "Evaluated"),
    _state("closed", "已关闭", "Closed", terminal=True),
    _state("cancelled", "已取消", "Cancelled", terminal=True),
)

_CHAIN = ("collected", "accepted", "assigned", "in-progress", "resolved", "evaluated", "closed")
_VERBS = {"accepted": "accept", "assigned": "assign", "in-progress": "start", "resolved": "resolve",
          "evaluated": "evaluate", "closed": "close"}
_LABELS = {"accept": ("受理", "Accept"), "assign": ("派单", "Assign"), "start": ("开始办理", "Start"),
           "resolve": ("办结", "Resolve"), "evaluate": ("评价", "Evaluate"), "close": ("关闭", "Close"),
           "cancel": ("取消", "Cancel"), "reopen": ("重新办理", "Reopen")}


def _move(source: str, target: str, action: str) -> WorkflowTransition:
    zh, en = _LABELS[action]
    return WorkflowTransition(REQUEST_WORKFLOW, source, target, action, zh, en)


#: The transitions: the chain, reassignment (改派), closing a resolved request without an
#: evaluation, reopening after a negative evaluation, and cancelling anything not yet resolved.
REQUEST_TRANSITIONS: tuple[WorkflowTransition, ...] = (
    *(_move(a, b, _VERBS[b]) for a, b in itertools.pairwise(_CHAIN)),
    _move("assigned", "assigned", "assign"),
    _move("resolved", "closed", "close"),
    _move("evaluated", "accepted", "reopen"),
    *(_move(s, CANCELLED, "cancel") for s in ("collected", "accepted", "assigned", "in-progress")),
)

#: The project workflow (项目清单): open → claimed (认领) → delivering → delivered → evaluated.
PROJECT_STATES: tuple[WorkflowState, ...] = (
    WorkflowState(PROJECT_WORKFLOW, "open", "待认领", "Open", initial=True),
    WorkflowState(PROJECT_WORKFLOW, "claimed", "已认领", "Claimed"),
    WorkflowState(PROJECT_WORKFLOW, "delivered", "已交付", "Delivered"),
    WorkflowState(PROJECT_WORKFLOW, "evaluated", "已评价", "Evaluated", terminal=True),
    WorkflowState(PROJECT_WORKFLOW, "cancelled", "已取消", "Cancelled", terminal=True),
)
PROJECT_TRANSITIONS: tuple[WorkflowTransition, ...] = (
    WorkflowTransition(PROJECT_WORKFLOW, "open", "claimed", "claim", "认领", "Claim"),
    WorkflowTransition(PROJECT_WORKFLOW, "claimed", "delivered", "deliver", "交付", "Deliver"),
    WorkflowTransition(PROJECT_WORKFLOW, "delivered", "evaluated", "evaluate", "评价", "Evaluate"),
    WorkflowTransition(PROJECT_WORKFLOW, "open", "cancelled", "cancel", "取消", "Cancel"),
    WorkflowTransition(PROJECT_WORKFLOW, "claimed", "cancelled", "cancel", "取消", "Cancel"),
)


__all__ = [
    "CANCELLED",
    "PROJECT_STATES",
    "PROJECT_TRANSITIONS",
    "PROJECT_WORKFLOW",
    "REQUEST_STATES",
    "REQUEST_TRANSITIONS",
    "REQUEST_WORKFLOW",
]
