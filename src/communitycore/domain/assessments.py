"""What an assessment run keeps: the run, its revisions, each subject's result, and appeals. Pure: no storage.

The field names are the columns of ``communitycore.store.tables.assessments``, so the records are
also the rows of a community export. The scoring itself is :mod:`communitycore.domain.scoring`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from communitycore.records import freeze

__all__ = ["Appeal", "AssessmentResult", "AssessmentRevision", "AssessmentRun"]


@attrs.frozen(kw_only=True)
class AssessmentRun:
    """One run of a scheme over a period and a subtree: immutable; ``revision`` is its latest revision."""

    id: int
    scheme: str
    scheme_version: int
    rules: Mapping[str, Any] = attrs.field(hash=False, converter=freeze)
    """The scheme's exact rules when it ran (see :func:`communitycore.domain.scoring.scheme_rules`)."""
    period: str
    subject_kind: str
    unit_id: int | None
    subjects: int
    ran_by: str
    ran_at: dt.datetime
    revision: int = attrs.field(default=1, metadata={"stored": False})


@attrs.frozen(kw_only=True)
class AssessmentRevision:
    """A complete set of results of a run: 1 is the run as computed; each accepted appeal or decision adds one."""

    id: int
    run_id: int
    revision: int
    appeal_id: int | None = None
    reason: str | None = None
    made_by: str
    made_at: dt.datetime


@attrs.frozen(kw_only=True)
class AssessmentResult:
    """One subject's result in one revision: total, grade, rank, and the explained lines.

    As the SDK returns it, ``lines`` are plain objects, each with ``item``, ``fact``,
    ``quantity``, ``points``, ``capped`` and ``veto`` (and ``per_unit``, ``uncapped``, ``source``,
    ``label``, ``note``), and ``facts`` the fact values the subject was scored on, as numbers. As
    stored (and exported), each line is kept short (see
    :func:`communitycore.domain.scoring.compact`) and each value as text. ``held`` lists the
    bands the total reached whose quota was full.
    """

    id: int
    run_id: int
    revision: int
    subject_id: int
    name: str
    unit_id: int | None
    total: Decimal
    grade: str | None
    reached: str | None
    rank: int | None
    vetoed: bool
    exempt: bool
    rated: bool
    override: str | None
    facts: Mapping[str, Any] = attrs.field(hash=False, converter=freeze)
    lines: tuple[Any, ...] = attrs.field(hash=False, converter=freeze)
    held: tuple[str, ...] = attrs.field(hash=False, converter=freeze)


@attrs.frozen(kw_only=True)
class Appeal:
    """An appeal against one item of a subject's result (workflow ``assessment-appeal``)."""

    id: int
    run_id: int
    revision: int
    """The revision appealed against."""
    subject_id: int
    unit_id: int | None
    item: str
    reason: str
    state: str
    filed_by: str
    filed_at: dt.datetime
    quantity: Decimal | None = None
    """The corrected value of the item's fact, when the appeal was accepted."""
    decision: str | None = None
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    result_revision: int | None = None
    """The revision the accepted appeal produced."""
