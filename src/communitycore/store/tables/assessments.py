"""Assessments: runs of points schemes, their revisions, every subject's explained result, appeals.

A run and its results are never changed: an accepted appeal or a final decision adds a
**revision**, a complete new set of results (revision 1 is the run as computed), so every earlier
revision stays readable as it was. Totals are stored in hundredths, as ledger quantities are.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table

from communitycore.store.tables import PREFIX, OnUnitRemoval, UnitLink, metadata
from communitycore.store.tables import org as _org  # noqa: F401 - the foreign keys point at cc_units
from communitycore.store.tables.activity import Hundredths

assessment_runs = Table(
    f"{PREFIX}assessment_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scheme", String(64), nullable=False),
    Column("scheme_version", Integer, nullable=False),
    # The scheme's exact rules when it ran: a revision re-scores by these, whatever the pack says later.
    Column("rules", JSON, nullable=False),
    Column("period", String(16), nullable=False),
    Column("subject_kind", String(16), nullable=False),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id")),
    Column("subjects", Integer, nullable=False),
    Column("ran_by", String(200), nullable=False),
    Column("ran_at", DateTime(timezone=True), nullable=False),
    Index(None, "scheme", "period"),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

assessment_revisions = Table(
    f"{PREFIX}assessment_revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey(f"{PREFIX}assessment_runs.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    # What made it: None for the run itself; an appeal's id; or a final decision on a grade.
    Column("appeal_id", Integer),
    Column("reason", String(400)),
    Column("made_by", String(200), nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),
    Index(None, "run_id", "revision", unique=True),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

assessment_results = Table(
    f"{PREFIX}assessment_results",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey(f"{PREFIX}assessment_runs.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("subject_id", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    # The subject's unit when it was scored: rankings within a subtree and the reader's scope.
    Column("unit_id", Integer),
    Column("total", Hundredths(), nullable=False),
    Column("grade", String(64)),
    Column("reached", String(64)),
    Column("rank", Integer),
    Column("vetoed", Boolean, nullable=False),
    Column("exempt", Boolean, nullable=False),
    Column("rated", Boolean, nullable=False),
    Column("override", String(400)),
    # The inputs (fact values) and the explained lines, so a revision re-scores without the ledger.
    Column("facts", JSON, nullable=False),
    Column("lines", JSON, nullable=False),
    Column("held", JSON, nullable=False),
    Index(None, "run_id", "revision", "subject_id", unique=True),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

assessment_appeals = Table(
    f"{PREFIX}assessment_appeals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey(f"{PREFIX}assessment_runs.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("subject_id", Integer, nullable=False),
    Column("unit_id", Integer),
    Column("item", String(64), nullable=False),
    Column("reason", String(400), nullable=False),
    Column("state", String(64), nullable=False),
    Column("filed_by", String(200), nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    Column("quantity", Hundredths()),
    Column("decision", String(400)),
    Column("decided_by", String(200)),
    Column("decided_at", DateTime(timezone=True)),
    # The revision an accepted appeal produced.
    Column("result_revision", Integer),
    Index(None, "run_id", "subject_id"),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

#: Runs outlive their unit, as the ledger does: removing the unit only unlinks them.
UNIT_LINKS = (UnitLink(assessment_runs.c.unit_id, OnUnitRemoval.UNLINK),)
