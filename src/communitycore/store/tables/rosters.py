"""Rosters: entries (one person's membership of one programme), objections to a notice, tier changes.

An entry keeps its current state (the ``roster-membership`` workflow; every move is a row of
``cc_workflow_history``), its tier, the dates of its public notice, admission and exit, and the
qualification review's verdict. Training is not kept here: it is the ledger's (facts of the
steward, and ``training-attended`` of the member from meetings that count as training).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table

from communitycore.i18n import N_
from communitycore.store.tables import PREFIX, OnUnitRemoval, UnitLink, metadata
from communitycore.store.tables import assessments as _assessments  # noqa: F401 - and at cc_assessment_runs
from communitycore.store.tables import org as _org  # noqa: F401 - the foreign keys point at cc_units
from communitycore.store.tables.activity import Hundredths

roster_entries = Table(
    f"{PREFIX}roster_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("program", String(64), nullable=False),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), nullable=False),
    Column("candidate_kind", String(16), nullable=False),
    Column("candidate_id", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("state", String(64)),
    Column("tier", String(64)),
    Column("applied_on", Date, nullable=False),
    Column("qualified", Boolean),
    Column("review_note", String(400)),
    Column("notice_start", Date),
    Column("notice_end", Date),
    Column("admitted_on", Date),
    Column("term_end", Date),
    Column("exited_on", Date),
    Column("exit_reason", String(16)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    # One person's entries across programmes (the re-admission rule), and a programme's roster.
    Index("ix_cc_roster_entries_candidate", "candidate_kind", "candidate_id", "program"),
    Index("ix_cc_roster_entries_program", "program", "state", "unit_id"),
    sqlite_autoincrement=True,  # ids are never reused: the ledger addresses stewards by entry id
)

roster_objections = Table(
    f"{PREFIX}roster_objections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entry_id", Integer, ForeignKey(f"{PREFIX}roster_entries.id"), nullable=False, index=True),
    Column("raised_by", String(200), nullable=False),
    Column("reason", String(400), nullable=False),
    Column("raised_on", Date, nullable=False),
    Column("state", String(16), nullable=False),
    Column("resolution_note", String(400)),
    Column("resolved_by", String(200)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("recorded_by", String(200), nullable=False),
    sqlite_autoincrement=True,
)

roster_tier_changes = Table(
    f"{PREFIX}roster_tier_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entry_id", Integer, ForeignKey(f"{PREFIX}roster_entries.id"), nullable=False, index=True),
    Column("run_id", Integer, ForeignKey(f"{PREFIX}assessment_runs.id"), nullable=False, index=True),
    Column("result_id", Integer, nullable=False),
    Column("grade", String(64)),
    Column("total", Hundredths, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("tier_from", String(64), nullable=False),
    Column("tier_to", String(64), nullable=False),
    Column("state_from", String(64), nullable=False),
    Column("state_to", String(64), nullable=False),
    Column("applied_by", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,
)

#: A roster is the community's record of who serves: a unit with entries is not removed unless
#: the caller asks for a cascade, which takes their objections and tier changes first.
UNIT_LINKS = (
    UnitLink(roster_entries.c.unit_id, OnUnitRemoval.REFUSE,
             dependents=(roster_objections.c.entry_id, roster_tier_changes.c.entry_id),
             label=N_("{count} roster entry(ies)")),
)
