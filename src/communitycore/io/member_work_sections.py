"""The export sections of recruitment and dues: candidates with their steps, dues bases and payments.

Candidates hold personal data unmasked, as members do in an export; every export is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from communitycore.domain.dues import BaseRow, PaymentRow
from communitycore.domain.recruitment import CandidateRow, CandidateStepRow
from communitycore.io.exchange import Section
from communitycore.store.assessments import aware
from communitycore.store.tables import dues as dues_tables
from communitycore.store.tables import recruitment as recruitment_tables


def _utc(record: type, field: str) -> Callable[[Any], Any]:
    # SQLite and MySQL hand back naive times: the stored ones are UTC.
    def from_row(row: Any) -> Any:
        data = dict(row)
        data[field] = aware(data[field])
        return record(**data)

    from_row.__doc__ = f"A stored {record.__name__}, its {field} in UTC."
    return from_row


RECRUITMENT_SECTIONS = (
    Section("candidates", CandidateRow, recruitment_tables.candidates, refs=(("unit_id", "units"),),
            from_row=_utc(CandidateRow, "created_at")),
    Section("candidate_steps", CandidateStepRow, recruitment_tables.candidate_steps,
            refs=(("candidate_id", "candidates"),),
            from_row=_utc(CandidateStepRow, "recorded_at")),
)

# Bases and payments outlive a removed member, as the ledger does: no reference to check.
DUES_SECTIONS = (
    Section("dues_bases", BaseRow, dues_tables.dues_bases,
            from_row=_utc(BaseRow, "recorded_at")),
    Section("dues_payments", PaymentRow, dues_tables.dues_payments,
            from_row=_utc(PaymentRow, "recorded_at")),
)

__all__ = ["DUES_SECTIONS", "RECRUITMENT_SECTIONS"]
