"""Assessment rows as records: times read back in UTC (or a given zone), totals as two-place Decimals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from communitycore.domain.assessments import Appeal, AssessmentResult, AssessmentRevision, AssessmentRun

_CENT = Decimal("0.01")


def aware(at: dt.datetime | None, tz: dt.tzinfo = dt.UTC) -> dt.datetime | None:
    """A stored time in ``tz``; SQLite and MySQL hand back naive timestamps, stored in UTC."""
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(tz)


def run_from_row(row: Any, tz: dt.tzinfo = dt.UTC, revision: int = 1) -> AssessmentRun:
    """A run row (its latest revision given apart: it is not a column)."""
    data = dict(row)
    data["ran_at"] = aware(data["ran_at"], tz)
    return AssessmentRun(**data, revision=revision)


def revision_from_row(row: Any, tz: dt.tzinfo = dt.UTC) -> AssessmentRevision:
    """A revision row."""
    data = dict(row)
    data["made_at"] = aware(data["made_at"], tz)
    return AssessmentRevision(**data)


def result_from_row(row: Any) -> AssessmentResult:
    """A result row."""
    data = dict(row)
    data["total"] = Decimal(data["total"]).quantize(_CENT)
    return AssessmentResult(**data)


def appeal_from_row(row: Any, tz: dt.tzinfo = dt.UTC) -> Appeal:
    """An appeal row."""
    data = dict(row)
    data["filed_at"] = aware(data["filed_at"], tz)
    data["decided_at"] = aware(data["decided_at"], tz)
    return Appeal(**data)


__all__ = ["appeal_from_row", "aware", "result_from_row", "revision_from_row", "run_from_row"]
