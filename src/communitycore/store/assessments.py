"""Assessment rows as records, and the cohort a run scores: the subjects of a subtree, through the unit paths.

A run scores the subjects that **belong** to the subtree, each with all its ledger entries of
the period, whichever unit an entry was recorded for (the entries follow the subject):

* members: the active members whose unit **at the end of the period** lies in the subtree: their
  unit now, unless they transferred after the period ended, in which case the unit they left by
  the first such transfer (so a later transfer never moves a past period's result);
* units: the units of the subtree; partners: those attached to them; residents: those whose
  household's compound is kept by one of them;
* stewards: the roster entries of the subtree's units that served during the period (admitted
  on or before its end, not exited before its start).

Each is one query over a range of ``cc_unit_paths`` (decision 0013); members who transferred
after the period are one more query, over the transfers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, func, or_, select

from communitycore.domain.assessments import Appeal, AssessmentResult, AssessmentRevision, AssessmentRun
from communitycore.domain.periods import Period
from communitycore.store.sql import aware
from communitycore.store.tables import assessments as assessment_tables
from communitycore.store.tables import members as member_tables
from communitycore.store.tables import org as org_tables
from communitycore.store.tables import residents as resident_tables
from communitycore.store.tables import rosters as roster_tables
from communitycore.store.units import within

#: The subjects a run can list, by the table that keeps them.
COHORT_KINDS = ("member", "unit", "partner", "resident", "steward")
#: A cohort: subject id -> (name, unit id, the groups a scheme's ``exempt`` may name).
Cohort = dict[int, tuple[str, int | None, frozenset[str]]]

_CENT = Decimal("0.01")


def run_from_row(row: Any, tz: dt.tzinfo = dt.UTC, revision: int = 1) -> AssessmentRun:
    """A run row; its latest revision is not a column: the row of :func:`runs_query` carries it,
    otherwise it is given apart."""
    data = dict(row)
    data["ran_at"] = aware(data["ran_at"], tz)
    data.setdefault("revision", revision)
    return AssessmentRun(**data)


def runs_query() -> Select[Any]:
    """The run rows, each with its latest revision as ``revision`` (1 until a re-run or an accepted appeal)."""
    runs, revisions = assessment_tables.assessment_runs, assessment_tables.assessment_revisions
    latest = select(func.max(revisions.c.revision)).where(revisions.c.run_id == runs.c.id).scalar_subquery()
    return select(runs, func.coalesce(latest, 1).label("revision"))


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


def _subjects(kind: str, key: str | None, start: dt.date, end: dt.date,
              programs: Iterable[str] | None) -> Select[Any]:
    """``SELECT id, name, unit id, group, group`` of the subjects of ``kind`` in the subtree of path ``key``."""
    paths = org_tables.unit_paths
    if kind == "member":
        m = member_tables.members
        query = select(m.c.id, m.c.name, m.c.unit_id, m.c.category, m.c.standing).where(m.c.status == "active")
        unit = m.c.unit_id
    elif kind == "unit":
        u = org_tables.units
        query = select(u.c.id, u.c.name, u.c.id, u.c.kind, u.c.kind)
        unit = u.c.id
    elif kind == "partner":
        p = org_tables.partners
        query = select(p.c.id, p.c.name, p.c.unit_id, p.c.kind, p.c.kind)
        unit = p.c.unit_id
    elif kind == "resident":
        r, h, c = resident_tables.residents, resident_tables.households, org_tables.compounds
        query = (select(r.c.id, r.c.name, c.c.unit_id, c.c.unit_id, c.c.unit_id)
                 .select_from(r.join(h, r.c.household_id == h.c.id).join(c, h.c.compound_id == c.c.id)))
        unit = c.c.unit_id
    else:
        e = roster_tables.roster_entries
        query = select(e.c.id, e.c.name, e.c.unit_id, e.c.program, e.c.tier).where(
            e.c.admitted_on.is_not(None), e.c.admitted_on <= end,
            or_(e.c.exited_on.is_(None), e.c.exited_on >= start))
        if programs is not None:
            query = query.where(e.c.program.in_(sorted(programs)))
        unit = e.c.unit_id
    if key is not None:
        query = query.join(paths, paths.c.unit_id == unit).where(within(paths.c.path, key))
    return query


def cohort(conn: Connection, kind: str, key: str | None, start: dt.date, end: dt.date, *,
           programs: Iterable[str] | None = None) -> tuple[Cohort, frozenset[int]]:
    """Every subject a run over ``start``..``end`` scores in the subtree of path ``key`` (None: everywhere).

    Returns the cohort and the members in it whom the tables now put outside the subtree (they
    left it after the period ended), which :func:`subjects_query` does not list.

    :param programs: for stewards, the roster programmes whose entries count (None: every one).
    """
    rows = conn.execute(_subjects(kind, key, start, end, programs))
    groups: dict[tuple[Any, Any], frozenset[str]] = {}  # a few distinct (category, standing) pairs
    found: Cohort = {}
    for subject, name, unit, first, second in rows.cursor.fetchall():
        pair = groups.get((first, second))
        if pair is None:
            pair = groups[first, second] = frozenset(str(g) for g in (first, second) if g is not None)
        found[subject] = (name, unit, pair)
    rows.close()
    if kind != "member":
        return found, frozenset()
    listed = set(found)
    _at_period_end(conn, found, key, end)
    return found, frozenset(set(found) - listed)


def _at_period_end(conn: Connection, found: Cohort, key: str | None, end: dt.date) -> None:
    """Put members where they were organised on ``end``: undo the transfers made after it."""
    t, m, paths = member_tables.transfers, member_tables.members, org_tables.unit_paths
    rows = conn.execute(select(t.c.member_id, t.c.from_unit_id).where(t.c.transferred_on > end)
                        .order_by(t.c.member_id, t.c.transferred_on.desc(), t.c.id.desc())).all()
    then: dict[int, int | None] = {}
    for member, unit in rows:  # the earliest transfer after the end comes last: its origin wins
        then[int(member)] = None if unit is None else int(unit)
    if not then:
        return
    inside: set[int] | None = None
    if key is not None:
        units = {u for u in then.values() if u is not None}
        inside = {int(u) for u in conn.scalars(select(paths.c.unit_id).where(
            paths.c.unit_id.in_(sorted(units)), within(paths.c.path, key)))} if units else set()
    moved = sorted(then)
    for start in range(0, len(moved), 500):
        chunk = moved[start:start + 500]
        for member, name, category, standing in conn.execute(select(m.c.id, m.c.name, m.c.category, m.c.standing)
                                                             .where(m.c.id.in_(chunk), m.c.status == "active")):
            unit = then[int(member)]
            if unit is None or (inside is not None and unit not in inside):
                found.pop(int(member), None)
            else:
                found[int(member)] = (str(name), unit, frozenset((str(category), str(standing))))


def whole_tree(conn: Connection, key: str) -> bool:
    """Whether the subtree of path ``key`` holds every unit (a run over it need not narrow the ledger)."""
    paths = org_tables.unit_paths
    return not conn.scalar(select(func.count()).select_from(paths).where(~within(paths.c.path, key)))


def subjects_query(kind: str, key: str, start: dt.date, end: dt.date, *,
                   programs: Iterable[str] | None = None) -> Select[Any]:
    """``SELECT id`` of the subtree's subjects as the tables hold them now, to narrow a ledger query."""
    query = _subjects(kind, key, start, end, programs)
    return query.with_only_columns(query.selected_columns[0])


def latest_totals(conn: Connection, kind: str, start: dt.date, end: dt.date, scheme: str) -> dict[int, Decimal]:
    """Each subject's total in its latest assessment of a period within ``start``..``end`` (the ``scores`` fact).

    The latest is the run with the highest id among the runs of other schemes than ``scheme``
    that scored subjects of ``kind`` over a period that lies within the dates, read at its
    latest revision. Subjects no such run scored have none.
    """
    runs, revisions, results = (assessment_tables.assessment_runs, assessment_tables.assessment_revisions,
                                assessment_tables.assessment_results)
    chosen = []
    for run_id, period in conn.execute(select(runs.c.id, runs.c.period).where(
            runs.c.subject_kind == kind, runs.c.scheme != scheme).order_by(runs.c.id)):
        span = Period.parse(str(period))
        if start <= span.start and span.end <= end:
            chosen.append(int(run_id))
    found: dict[int, Decimal] = {}
    for first in range(0, len(chosen), 500):
        ids = chosen[first:first + 500]
        latest = {int(r): int(n) for r, n in conn.execute(
            select(revisions.c.run_id, func.max(revisions.c.revision)).where(revisions.c.run_id.in_(ids))
            .group_by(revisions.c.run_id))}
        for run_id in ids:  # ascending: a later run's total takes the place of an earlier one's
            rows = conn.execute(select(results.c.subject_id, results.c.total).where(
                results.c.run_id == run_id, results.c.revision == latest.get(run_id, 1)))
            found.update((int(subject), Decimal(total).quantize(_CENT)) for subject, total in rows)
    return found


__all__ = ["COHORT_KINDS", "Cohort", "appeal_from_row", "aware", "cohort", "latest_totals", "result_from_row",
           "revision_from_row", "run_from_row", "runs_query", "subjects_query", "whole_tree"]
