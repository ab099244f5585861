"""``community.workflows``: workflow definitions and the shared history; transitions for capabilities.

A capability that keeps a state machine calls :func:`transition` (and :func:`enter` for a new
entity) inside its own transaction, with its own table: the row is locked, the move checked
against the registered workflow, the new state and a history row written, and one audit entry
(``<entity_kind>.transition``) recorded, all in that transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from communitycore.domain.workflows import TransitionRecord, Workflow
from communitycore.sdk.base import SubAPI
from communitycore.store import workflows as workflow_store

if TYPE_CHECKING:
    from sqlalchemy import Table

    from communitycore.sdk.community import Tx


class WorkflowsAPI(SubAPI):
    """Workflows as data (工作流): what a workflow allows, and what happened to an entity."""

    def definition(self, code: str) -> Workflow:
        """The workflow ``code`` as every plugin and pack together define it.

        :raises NotFound: no workflow has that code, or its definition is invalid (the message says why).
        """
        return self.community.registry.workflow(code)

    def codes(self) -> list[str]:
        """The codes of every registered workflow."""
        return list(self.community.registry.workflows)

    def history(self, entity_kind: str, entity_id: Any) -> list[TransitionRecord]:
        """Every recorded move of one entity, oldest first, times in the community's time zone.

        :raises PermissionDenied: the actor may not read workflow histories on any unit.
        """
        with self.community.reading() as conn:
            self._scope(conn, "workflow.read")  # a grant somewhere; the entity's own capability checks its unit
            return workflow_store.history(conn, entity_kind, entity_id, self.community.clock.tz)


def transition(tx: Tx, workflow: str, table: Table, entity_id: Any, target: str, *, entity_kind: str,
               note: str | None = None, state_column: str = "state", key: str = "id",
               at: dt.datetime | None = None) -> TransitionRecord:
    """Move one entity of ``table`` to ``target`` in the transaction ``tx``, checked and recorded.

    :param workflow: the workflow code (``resident-request``).
    :param entity_kind: what the history and the audit call the entity (``request``).
    :param state_column: the column of ``table`` that holds the entity's state.
    :param at: when the move happened, if earlier than now (a paper record entered afterwards);
        the audit entry keeps both times.
    :raises ~communitycore.domain.workflows.IllegalTransition: the move is not allowed from the
        entity's current state; the message names the states it may go to. Nothing changes.
    """
    flow = tx.community.registry.workflow(workflow)
    done = workflow_store.apply_transition(tx.conn, flow, table, entity_id, target, entity_kind=entity_kind,
                                           actor=tx.actor, at=at or tx.now, note=note, state_column=state_column,
                                           key=key)
    action = flow.transition(done.source or "", target).action if done.source else target
    after: dict[str, Any] = {"state": done.target, "action": action}
    if at is not None:
        after["at"] = at.isoformat()
    tx.record(f"{entity_kind}.transition", entity_kind, done.entity_id, before={"state": done.source},
              after=after, note=note,
              data={"workflow": workflow, "source": done.source, "target": done.target, "action": action})
    return done


def enter(tx: Tx, workflow: str, table: Table, entity_id: Any, *, entity_kind: str, note: str | None = None,
          state_column: str = "state", key: str = "id", at: dt.datetime | None = None) -> TransitionRecord:
    """Put a new entity of ``table`` in the workflow's initial state, with its first history row."""
    flow = tx.community.registry.workflow(workflow)
    done = workflow_store.enter(tx.conn, flow, table, entity_id, entity_kind=entity_kind, actor=tx.actor,
                                at=at or tx.now, note=note, state_column=state_column, key=key)
    after: dict[str, Any] = {"state": done.target}
    if at is not None:
        after["at"] = at.isoformat()
    tx.record(f"{entity_kind}.enter", entity_kind, done.entity_id, after=after, note=note,
              data={"workflow": workflow, "source": None, "target": done.target})
    return done


__all__ = ["WorkflowsAPI", "enter", "transition"]
