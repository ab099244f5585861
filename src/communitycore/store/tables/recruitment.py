"""Recruitment (发展党员): candidates, the people before they are members, and each step recorded."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, UniqueConstraint

from communitycore.i18n import N_
from communitycore.store.tables import PREFIX, OnUnitRemoval, UnitLink, metadata
from communitycore.store.tables import org as _org  # noqa: F401 - the foreign keys point at cc_units

candidates = Table(
    f"{PREFIX}candidates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("id_number", String(18), unique=True),
    Column("birth_date", Date),
    Column("gender", String(16)),
    Column("stage", String(16), nullable=False),
    Column("last_step", String(64), nullable=False),
    Column("last_on", Date, nullable=False),
    Column("applied_on", Date, nullable=False),
    # The member the higher approval made of the candidate (预备党员); no foreign key, as above.
    Column("member_id", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_cc_candidates_unit_stage", "unit_id", "stage"),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

#: One row per step recorded: its date, who was responsible and a note; a vote's counts and the
#: introducers in ``data``. A step is recorded once per candidate.
candidate_steps = Table(
    f"{PREFIX}candidate_steps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("candidate_id", Integer, ForeignKey(f"{PREFIX}candidates.id"), nullable=False),
    Column("step", String(64), nullable=False),
    Column("done_on", Date, nullable=False),
    Column("responsible", String(100)),
    Column("note", String(500)),
    # The 支部党员大会 whose resolution the vote is, when it was recorded (no foreign key: the
    # step stays on record if the meeting goes with its unit).
    Column("meeting_id", Integer),
    Column("data", JSON),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("candidate_id", "step", name="uq_cc_candidate_steps_candidate_id_step"),
    sqlite_autoincrement=True,
)

#: Candidates belong to their unit: removing it with candidates on record is refused (they are
#: people in a process, and their files go with a transfer, not with a removal).
UNIT_LINKS = (
    UnitLink(candidates.c.unit_id, OnUnitRemoval.REFUSE, dependents=(candidate_steps.c.candidate_id,),
             label=N_("{count} recruitment candidate(s)")),
)
