"""``community.assessments``: runs of points schemes over the ledger, explained results, appeals, final decisions.

:meth:`AssessmentsAPI.run` scores every subject of a unit's subtree under a registered scheme for
one period: the cohort is one query over the unit paths, the fact values come from the activity
ledger in **one** set-based query grouped by subject and fact, facts plugins compute from
``communitycore_compute_facts`` once per run, plugins' lines from ``communitycore_score`` once
per batch of subjects, and the scoring is :mod:`communitycore.domain.scoring` (totals only; the
lines follow from the kept values when a breakdown is read). Results are written with one
``executemany`` of tuples per batch. The run keeps the scheme's exact rules, who ran it and when,
and every subject's result with the fact values it was scored on; it is never changed. An accepted appeal
(:meth:`~AssessmentsAPI.decide`) or a final decision on a grade (:meth:`~AssessmentsAPI.override`)
adds a **revision**: the whole cohort re-scored by the run's own rules from the stored inputs, so
quotas and ranks follow the correction, and every earlier revision stays as it was.
"""

from __future__ import annotations

import builtins
import datetime as dt
import functools
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import Connection, insert, select, update

from communitycore.domain.activity import parse_quantity, parse_text, value_problem
from communitycore.domain.assessments import Appeal, AssessmentResult, AssessmentRevision, AssessmentRun
from communitycore.domain.fields import written_id
from communitycore.domain.periods import Period
from communitycore.domain.scoring import (
    BASE,
    SCHEME,
    Scored,
    ScoredLine,
    compact,
    expand,
    scheme_from_rules,
    scheme_rules,
    score,
    score_rows,
)
from communitycore.errors import Conflict, InvalidValue, NotFound
from communitycore.i18n import N_, _, listing
from communitycore.io.table_files import write_table
from communitycore.plugins.decisions import computed_facts, score_lines
from communitycore.records import ScoringScheme
from communitycore.sdk.base import SubAPI, known_id, paged, wanted_ids
from communitycore.sdk.workflows import enter, transition
from communitycore.store import activity as ledger
from communitycore.store import assessments as store
from communitycore.store.assessments import appeal_from_row, result_from_row, revision_from_row, run_from_row
from communitycore.store.engine import placeholders
from communitycore.store.locks import lock_row
from communitycore.store.tables import assessments as tables
from communitycore.store.units import UnitRef, path_key, resolve, subtree_ids

_runs, _revisions = tables.assessment_runs, tables.assessment_revisions
_results, _appeals = tables.assessment_results, tables.assessment_appeals
#: The workflow appeals follow (registered by the ``national-assessments`` builtin).
APPEAL_WORKFLOW = "assessment-appeal"
#: Subjects per call of ``communitycore_score`` and per ``executemany`` of results.
BATCH = 5000
#: Subjects up to which a run reads the ledger subject by subject rather than over the whole period.
FEW = 1000
#: Longest reason kept with an appeal, a decision or an override.
REASON_LENGTH = 400
#: Result columns in the order runs write them (everything but ``id``).
RESULT_COLUMNS = tuple(c.name for c in _results.columns if c.name != "id")
#: The subjects a run can score: those kept in a table a subtree can list (stewards by their roster entries).
RUN_SUBJECTS = store.COHORT_KINDS
#: Subjects whose table requires a unit: a run over the whole tree lists them without the unit paths.
ALWAYS_IN_A_UNIT = ("member", "unit", "steward")
#: The fact every run offers: a subject's total in the latest earlier assessment of the period (rosters use it).
SCORES = "scores"


class AssessmentsAPI(SubAPI):
    """Assessments (考核评议): schemes, runs, explained results, appeals and final decisions."""

    # Schemes ---------------------------------------------------------------------------------

    def schemes(self) -> builtins.list[ScoringScheme]:
        """Every registered scoring scheme, by code.

        :raises PermissionDenied: the actor may read assessments nowhere.
        """
        with self.community.reading() as conn:
            self._scope(conn, "assessment.read")  # the schemes are everyone's who reads assessments somewhere
        return list(self.community.registry.scoring_schemes.values())

    def scheme(self, code: str) -> ScoringScheme:
        """One registered scheme; :class:`~communitycore.errors.NotFound` names the known ones.

        :raises NotFound: no scheme of that code is registered.
        :raises PermissionDenied: the actor may read assessments nowhere.
        """
        with self.community.reading() as conn:
            self._scope(conn, "assessment.read")
        found = self.community.registry.scoring_schemes.get(code)
        if found is None:
            known = listing(self.community.registry.scoring_schemes) or _("none")
            raise NotFound(_("no scoring scheme {code!r} is registered; known: {known}").format(code=code,
                                                                                              known=known))
        return found

    # Runs ------------------------------------------------------------------------------------

    def run(self, scheme: str | ScoringScheme, period: Period | str, unit: UnitRef | None = None) -> AssessmentRun:
        """Score every subject of ``unit``'s subtree (everything: None) under ``scheme`` for ``period``.

        The period must be of the scheme's cadence (a quarter for a quarterly scheme). The cohort
        is the subjects that belong to the subtree (see ``communitycore.store.assessments``):
        members where they were organised on the period's last day, units, partners, residents by
        their compound, stewards by the roster entries that served in the period. Each is scored
        on all its entries of the period, whichever unit an entry names. Members in the groups
        the scheme exempts (``probationary``) are scored without a grade.

        :raises NotFound: no scheme of that code is registered, or there is no such unit.
        :raises InvalidValue: ``period`` is not a period of the scheme's cadence or has not begun, or the scheme scores
            subjects a run cannot list or names facts nobody registered.
        :raises PermissionDenied: the actor may not run assessments on ``unit`` (on the whole database when it is None),
            or (a scheme given by its code) read assessments on the whole database.
        """
        chosen = scheme if isinstance(scheme, ScoringScheme) else self.scheme(scheme)
        today = self.community.clock.today()
        span = _period(period, chosen, today)
        if span.start > today:  # a run scores what happened: nothing has in a period still to come
            raise InvalidValue(_("{period} has not begun (it starts on {start}; today is {today}): a run scores what "
                                 "happened").format(period=span, start=span.start.isoformat(),
                                                    today=today.isoformat()))
        if chosen.subject.value not in RUN_SUBJECTS:
            raise InvalidValue(_("scheme {code!r} scores {subject}, which a run cannot list; schemes may score "
                                 "{known}").format(code=chosen.code, subject=chosen.subject.value,
                                                   known=listing(RUN_SUBJECTS)))
        facts = self.community.registry.facts
        named = list(dict.fromkeys([i.fact for i in chosen.items] + list(chosen.vetoes)))
        unknown = [f for f in named if f not in facts]
        if unknown:
            raise InvalidValue(_("scheme {code!r} names unknown fact(s) {facts}; register them first").format(
                code=chosen.code, facts=listing(unknown)))
        with self.community.transaction() as tx:
            root = None if unit is None else resolve(tx.conn, unit).id
            self._authorize(tx.conn, "assessment.run", root)
            kind = chosen.subject.value
            key = None if root is None else path_key(tx.conn, root)
            programs = self._programs(chosen) if kind == "steward" else None
            # A whole tree needs no path range for subjects that always have a unit.
            whole = key is None or (kind in ALWAYS_IN_A_UNIT and store.whole_tree(tx.conn, key))
            # Hundreds of thousands of tuples and dicts that form no cycles: no collector passes meanwhile.
            with ledger.no_cycle_collection():
                cohort, moved = store.cohort(tx.conn, kind, None if whole else key, span.start, span.end,
                                             programs=programs)
                subjects = sorted(cohort)
                values = self._values(tx.conn, chosen, span, kind, None if whole else key, programs, cohort, moved,
                                      subjects)
                groups = set(chosen.exempt)
                exempt = {s for s, (_name, _unit, held) in cohort.items() if groups & held} if groups else set()
                extra = self._plugin_lines(chosen, str(span), subjects, values)
                # Totals, grades and ranks only: the lines follow from the kept values when a breakdown is read.
                results = score_rows(chosen, values, subjects, extra=extra, exempt=exempt)
                run_id = int(tx.conn.execute(insert(_runs).values(
                    scheme=chosen.code, scheme_version=chosen.version, rules=scheme_rules(chosen), period=str(span),
                    subject_kind=kind, unit_id=root, subjects=len(subjects), ran_by=tx.actor,
                    ran_at=tx.now.astimezone(dt.UTC))).inserted_primary_key[0])  # type: ignore[index]
                self._store_revision(tx, run_id, 1, results, values, cohort, extra, appeal_id=None, reason=None)
            run = self._run(tx.conn, run_id)
            tx.record("assessment.run", "assessment", run_id, after={
                "scheme": run.scheme, "scheme_version": run.scheme_version, "period": run.period,
                "unit_id": run.unit_id, "subjects": run.subjects})
            return run

    def runs(self, *, scheme: str | None = None, period: str | None = None, limit: int | None = 100,
             offset: int = 0, before: int | None = None) -> builtins.list[AssessmentRun]:
        """Runs, newest first, optionally of one scheme or period (only those of units in the actor's scope).

        At most ``limit`` runs (100; ``None``: all), past the first ``offset``. ``before`` is a
        keyset cursor: only runs with a smaller id, so the next (older) page is ``before=`` the
        last id of this one.

        :raises InvalidValue: ``period`` is not a period; a limit or offset that is not a whole number
            from 0 to ``MAX_ID``, or a ``before`` that is not an id.
        :raises PermissionDenied: the actor may read assessments nowhere (a listing keeps to the actor's subtrees).
        """
        query = paged(store.runs_query().order_by(_runs.c.id.desc()), _runs.c.id, limit=limit, before=before,
                      offset=offset)
        if scheme is not None:
            query = query.where(_runs.c.scheme == scheme)
        if period is not None:
            query = query.where(_runs.c.period == str(Period.parse(str(period))))
        with self.community.reading() as conn:
            query = query.where(self._scope(conn, "assessment.read").clause(_runs.c.unit_id))
            return [run_from_row(row, self.community.clock.tz) for row in conn.execute(query).mappings()]

    def get(self, run_id: int) -> AssessmentRun:
        """One run, with its latest revision number.

        :raises NotFound: there is no such run.
        :raises PermissionDenied: the actor may not read assessments on the run's unit.
        """
        with self.community.reading() as conn:
            run = self._run(conn, run_id)
            self._authorize(conn, "assessment.read", run.unit_id)
            return run

    def revisions(self, run_id: int) -> builtins.list[AssessmentRevision]:
        """Every revision of a run, oldest first.

        :raises NotFound: there is no such run.
        :raises PermissionDenied: the actor may not read assessments on the run's unit.
        """
        with self.community.reading() as conn:
            run = self._run(conn, run_id)
            self._authorize(conn, "assessment.read", run.unit_id)
            rows = conn.execute(select(_revisions).where(_revisions.c.run_id == run.id)
                                .order_by(_revisions.c.revision)).mappings()
            return [revision_from_row(row, self.community.clock.tz) for row in rows]

    def results(self, run_id: int, *, revision: int | None = None,
                unit: UnitRef | None = None) -> builtins.list[AssessmentResult]:
        """The results of one revision (the latest: None), by rank then subject id.

        With ``unit``, only the subjects scored in that unit's subtree, **ranked among themselves**
        (competition ranks of the graded subjects).

        :raises NotFound: there is no such run, revision or unit.
        :raises PermissionDenied: the actor may not read assessments on the run's unit.
        """
        with self.community.reading() as conn:
            run = self._run(conn, run_id)
            self._authorize(conn, "assessment.read", run.unit_id)
            number = self._revision_number(run, revision)
            query = select(_results).where(_results.c.run_id == run.id, _results.c.revision == number,
                                           self._scope(conn, "assessment.read").clause(_results.c.unit_id))
            ids = None if unit is None else set(subtree_ids(conn, resolve(conn, unit).id))
            found = [self._expanded(run, row) for row in conn.execute(query.order_by(_results.c.subject_id)).mappings()]
        if ids is not None:
            found = _rerank([r for r in found if r.unit_id in ids])
        return sorted(found, key=lambda r: (r.rank is None, r.rank or 0, r.subject_id))

    def explain(self, run_id: int, subject_id: int, *, revision: int | None = None) -> AssessmentResult:
        """One subject's result with its lines: the base, each item, plugins' lines, vetoes, then the grade.

        :raises NotFound: there is no such run or revision, or the subject was not scored in it.
        :raises PermissionDenied: the actor may not read assessments on the run's unit.
        """
        missing = NotFound(_("subject {subject} was not scored in run {run}").format(subject=subject_id, run=run_id))
        subject = known_id(subject_id, lambda: missing)
        with self.community.reading() as conn:
            run = self._run(conn, run_id)
            self._authorize(conn, "assessment.read", run.unit_id)
            number = self._revision_number(run, revision)
            row = conn.execute(select(_results).where(_results.c.run_id == run.id, _results.c.revision == number,
                                                      _results.c.subject_id == subject)).mappings().first()
        if row is None:
            raise missing
        return self._expanded(run, row)

    def export(self, run_id: int, path: str | os.PathLike[str], *, revision: int | None = None,
               unit: UnitRef | None = None) -> Path:
        """Write the results of a revision (the latest: None) to ``.csv`` or ``.xlsx``, ranked; audited.

        :raises NotFound: there is no such run, revision or unit.
        :raises InvalidValue: the file is neither ``.xlsx`` nor ``.csv``.
        :raises PermissionDenied: the actor may not read assessments on the run's unit.
        """
        found = self.results(run_id, revision=revision, unit=unit)
        headers = [_(EXPORT_HEADERS[c]) for c in EXPORT_COLUMNS]
        written = write_table(path, headers, ([_export_row(r)[c] for c in EXPORT_COLUMNS] for r in found),
                              sheet=_("Results"))
        with self.community.transaction() as tx:
            tx.record("assessment.export", "assessment", run_id,
                      after={"file": written.name, "rows": len(found), "revision": revision})
        return written

    # Appeals and decisions -------------------------------------------------------------------

    def appeal(self, run_id: int, subject_id: int, item: str, *, reason: str) -> Appeal:
        """Open an appeal against one ``item`` (an ``item`` of the subject's lines) of the latest revision.

        :raises InvalidValue: no reason (or one too long), or ``item`` is not an item of the subject's result.
        :raises NotFound: there is no such run, or the subject was not scored in it.
        :raises PermissionDenied: the actor may not appeal assessments on the subject's unit.
        """
        text = _reason(reason)
        with self.community.transaction() as tx:
            run = self._run(tx.conn, run_id)
            result = self._result_of(tx.conn, run, run.revision, subject_id)
            self._authorize(tx.conn, "assessment.appeal", result.unit_id)
            items = [line["item"] for line in result.lines if line["source"] == SCHEME and line["item"] != BASE]
            if item not in items:
                raise InvalidValue(_("{item!r} is not an item of this result; appeal one of {items}").format(
                    item=item, items=listing(items)))
            appeal_id = int(tx.conn.execute(insert(_appeals).values(
                run_id=run.id, revision=run.revision, subject_id=result.subject_id, unit_id=result.unit_id, item=item,
                reason=text, state="filed", filed_by=tx.actor,
                filed_at=tx.now.astimezone(dt.UTC))).inserted_primary_key[0])  # type: ignore[index]
            enter(tx, APPEAL_WORKFLOW, _appeals, appeal_id, entity_kind="assessment-appeal", note=text)
            tx.record("assessment.appeal", "assessment-appeal", appeal_id,
                      after={"run_id": run.id, "revision": run.revision, "subject_id": result.subject_id,
                             "item": item}, note=text)
            return self._appeal(tx.conn, appeal_id)

    def review(self, appeal_id: int, *, note: str | None = None) -> Appeal:
        """Take an appeal under review (复核).

        :raises InvalidValue: the note is empty or too long.
        :raises NotFound: there is no such appeal.
        :raises ~communitycore.domain.workflows.IllegalTransition: the appeal is under review or decided already; the
            message names the states it may go to.
        :raises PermissionDenied: the actor may not decide appeals on the appeal's unit.
        """
        with self.community.transaction() as tx:
            appeal = self._appeal(tx.conn, appeal_id)
            self._authorize(tx.conn, "assessment.decide", appeal.unit_id)
            transition(tx, APPEAL_WORKFLOW, _appeals, appeal.id, "under-review", entity_kind="assessment-appeal",
                       note=None if note is None else _reason(note))
            return self._appeal(tx.conn, appeal.id)

    def decide(self, appeal_id: int, *, accept: bool, reason: str, quantity: Decimal | int | str | None = None,
               ) -> Appeal:
        """Accept an appeal with the corrected ``quantity`` of its item's fact (a new revision), or reject it.

        The run is locked first, so two decisions on one run make two revisions one after the other.

        :raises InvalidValue: no reason (or one too long), an accepted appeal without a quantity or a rejected one with
            one, or a quantity that is not a number or one the fact cannot have over a period.
        :raises NotFound: there is no such appeal.
        :raises ~communitycore.domain.workflows.IllegalTransition: the appeal was decided already; the message names the
            states it may go to.
        :raises PermissionDenied: the actor may not decide appeals on the appeal's unit.
        """
        text = _reason(reason)
        corrected = None
        if accept:
            if quantity is None:
                raise InvalidValue(_("accepting an appeal needs the corrected quantity (--quantity)"))
            corrected = parse_quantity(quantity)
        elif quantity is not None:
            raise InvalidValue(_("a rejected appeal changes nothing; leave the quantity out"))
        with self.community.transaction() as tx:
            appeal = self._appeal(tx.conn, appeal_id)
            self._authorize(tx.conn, "assessment.decide", appeal.unit_id)
            lock_row(tx.conn, _runs, appeal.run_id)
            target = "upheld" if accept else "rejected"
            transition(tx, APPEAL_WORKFLOW, _appeals, appeal.id, target, entity_kind="assessment-appeal", note=text)
            made = None
            if corrected is not None:
                run = self._run(tx.conn, appeal.run_id)
                fact = self._item_fact(run, appeal.item)
                declared = self.community.registry.facts.get(fact)
                if declared is not None and (wrong := value_problem(declared, corrected)) is not None:
                    raise InvalidValue(wrong)
                made = self._revise(tx, run, appeal_id=appeal.id, reason=text,
                                    facts={appeal.subject_id: {fact: corrected}})
            tx.conn.execute(update(_appeals).where(_appeals.c.id == appeal.id).values(
                quantity=corrected, decision=text, decided_by=tx.actor, decided_at=tx.now.astimezone(dt.UTC),
                result_revision=made))
            tx.record("assessment.decide", "assessment-appeal", appeal.id, before={"state": appeal.state},
                      after={"state": target, "quantity": None if corrected is None else str(corrected),
                             "result_revision": made}, note=text)
            return self._appeal(tx.conn, appeal.id)

    def override(self, run_id: int, subject_id: int, grade: str, *, reason: str) -> AssessmentRun:
        """The branch's final decision on a subject's grade (支部大会决定), with a reason: a new revision.

        The grade must be one of the scheme's; it takes the place of the bands' for that subject
        and counts in that grade's quota. Exempt subjects take no grade.

        :raises InvalidValue: no reason (or one too long), or ``grade`` is not a grade of the scheme.
        :raises Conflict: the subject takes part without a grade.
        :raises NotFound: there is no such run, or the subject was not scored in it.
        :raises PermissionDenied: the actor may not decide grades on the subject's unit.
        """
        text = _reason(reason)
        with self.community.transaction() as tx:
            lock_row(tx.conn, _runs, run_id, missing=lambda: NotFound(
                _("there is no assessment run with id {id}").format(id=run_id)))
            run = self._run(tx.conn, run_id)
            result = self._result_of(tx.conn, run, run.revision, subject_id)
            self._authorize(tx.conn, "assessment.decide", result.unit_id)
            grades = [b["grade"] for b in run.rules["bands"]]
            if grade not in grades:
                raise InvalidValue(_("{grade!r} is not a grade of scheme {code!r}; use one of {grades}").format(
                    grade=grade, code=run.scheme, grades=listing(grades)))
            if result.exempt:
                raise Conflict(_("subject {subject} takes part without a grade in this scheme").format(
                    subject=result.subject_id))
            made = self._revise(tx, run, appeal_id=None, reason=text, grades={result.subject_id: (grade, text)})
            tx.record("assessment.override", "assessment", run.id,
                      before={"grade": result.grade}, after={"grade": grade, "subject_id": result.subject_id,
                                                             "revision": made}, note=text)
            return self._run(tx.conn, run.id)

    def appeals(self, *, run_id: int | None = None, state: str | None = None, limit: int | None = None,
                after: int | None = None) -> builtins.list[Appeal]:
        """Appeals by id, optionally of one run or in one state.

        At most ``limit`` appeals (default ``None``: all). ``after`` is a keyset cursor: only
        appeals with a greater id, so the next page is ``after=`` the last id of this one.

        :raises InvalidValue: ``run_id`` is not an id; a limit that is not a whole number from 0 to ``MAX_ID``, or
            an ``after`` that is not an id.
        :raises PermissionDenied: the actor may read assessments nowhere (a listing keeps to the actor's subtrees).
        """
        query = paged(select(_appeals.c.id).order_by(_appeals.c.id), _appeals.c.id, limit=limit, after=after)
        if run_id is not None:
            query = query.where(_appeals.c.run_id.in_(wanted_ids("run_id", [run_id])))
        if state is not None:
            query = query.where(_appeals.c.state == state)
        with self.community.reading() as conn:
            query = query.where(self._scope(conn, "assessment.read").clause(_appeals.c.unit_id))
            return [self._appeal(conn, int(i)) for i in conn.scalars(query)]

    def get_appeal(self, appeal_id: int) -> Appeal:
        """One appeal.

        :raises NotFound: there is no such appeal.
        :raises PermissionDenied: the actor may not read assessments on the appeal's unit.
        """
        with self.community.reading() as conn:
            appeal = self._appeal(conn, appeal_id)
            self._authorize(conn, "assessment.read", appeal.unit_id)
            return appeal

    # Helpers ---------------------------------------------------------------------------------

    def _values(self, conn: Connection, scheme: ScoringScheme, span: Period, kind: str, key: str | None,
                programs: Iterable[str] | None, cohort: store.Cohort, moved: Iterable[int],
                subjects: Sequence[int]) -> dict[int, dict[str, Decimal]]:
        """Every subject's fact values: one ledger query, the ``scores`` fact, then the plugins' computed facts."""
        facts = self.community.registry.facts
        named = list(dict.fromkeys([i.fact for i in scheme.items] + list(scheme.vetoes)))
        from_ledger = {f: facts[f].aggregate for f in named if f != SCORES}
        values: dict[int, dict[str, Decimal]] = {}
        if from_ledger:
            # The one set-based query: every fact the scheme names, every subject of the subtree (as the
            # tables list them now, plus those a transfer after the period moved away), whatever unit
            # an entry names: a subject's entries follow it.
            whole = key is None or store.whole_tree(conn, key)
            narrow = None if whole else store.subjects_query(kind, str(key), span.start, span.end, programs=programs)
            values = ledger.subject_facts(conn, from_ledger, span.start, span.end, kind, subjects=narrow,
                                          also=sorted(moved), by_subject=not whole and len(cohort) <= FEW,
                                          keep=cohort)
        if SCORES in named:
            for subject, total in store.latest_totals(conn, kind, span.start, span.end, scheme.code).items():
                if subject in cohort:
                    values.setdefault(subject, {})[SCORES] = total
        computed = computed_facts(self.community, [facts[f] for f in named], kind, str(span), span.start, span.end,
                                  subjects)
        for fact, by_subject in computed.items():
            for subject, value in by_subject.items():
                values.setdefault(subject, {})[fact] = value
        return values

    def _programs(self, scheme: ScoringScheme) -> builtins.list[str] | None:
        """The roster programmes a steward scheme scores: those reviewed by it (None, when none is: every one)."""
        mine = [p.code for p in self.community.registry.roster_programs.values() if p.scoring_scheme == scheme.code]
        return mine or None

    def _plugin_lines(self, scheme: ScoringScheme, period: str, subjects: Sequence[int],
                      values: Mapping[int, Mapping[str, Decimal]]) -> builtins.list[ScoredLine]:
        """``communitycore_score`` once per batch of subjects, never once per subject."""
        if not self.community.pm.hook.communitycore_score.get_hookimpls():
            return []
        out = []
        for start in range(0, len(subjects), BATCH):
            batch = subjects[start:start + BATCH]
            facts = {s: {f: float(v) for f, v in values.get(s, {}).items()} for s in batch}
            for provided in score_lines(self.community, scheme, period, batch, facts):
                line = provided.line
                out.append(ScoredLine(subject_id=line.subject_id, item=line.item, points=line.points,
                                      source=provided.provider, note=line.note))
        return out

    def _store_revision(self, tx: Any, run_id: int, number: int, results: Sequence[Scored],
                        values: Mapping[int, Mapping[str, Decimal]], cohort: Mapping[int, tuple[str, Any, Any]],
                        extra: Sequence[ScoredLine], *, appeal_id: int | None, reason: str | None) -> None:
        """Write one revision: each result with the fact values it was scored on and the plugins' lines.

        The scheme's own lines are not kept per subject: they follow from the values and the run's
        rules (:meth:`_expanded`), so a row is its numbers and two short JSON texts.
        """
        tx.conn.execute(insert(_revisions).values(run_id=run_id, revision=number, appeal_id=appeal_id, reason=reason,
                                                  made_by=tx.actor, made_at=tx.now.astimezone(dt.UTC)))
        dumps = json.dumps
        keys = _Keys()  # each fact code quoted once per revision
        plugin_lines: dict[int, builtins.list[Any]] = {}
        for line in sorted(extra, key=lambda x: (x.subject_id, x.item, x.source)):
            plugin_lines.setdefault(line.subject_id, []).append(
                [line.item, None, str(line.points), False, line.source, line.note])
        held: dict[tuple[str, ...], str] = {(): "[]"}
        empty: Mapping[str, Decimal] = {}
        get_values, get_lines, get_held = values.get, plugin_lines.get, held.get
        rows: builtins.list[tuple[Any, ...]] = []
        append = rows.append
        with ledger.no_cycle_collection():
            for r in results:
                subject = r.subject_id
                name, unit, _groups = cohort[subject]
                facts = get_values(subject, empty)
                # The values as a JSON object of texts ({"fact": "1.50"}), joined rather than dumped.
                text = "{" + '", '.join([keys[f] + str(v) for f, v in facts.items()]) + '"}' if facts else "{}"
                lines = get_lines(subject)
                quota = get_held(r.quota_held) or held.setdefault(r.quota_held, dumps(list(r.quota_held)))
                append((run_id, number, subject, name, unit, int(r.total.scaleb(2)), r.grade, r.reached, r.rank,
                        r.vetoed, r.exempt, r.rated, r.override, text,
                        "[]" if lines is None else dumps(lines, ensure_ascii=False), quota))
        # One driver-level executemany of tuples per batch: JSON as text, the total in hundredths.
        quote = tx.conn.dialect.identifier_preparer.quote
        sql = (f"INSERT INTO {_results.name} ({', '.join(map(quote, RESULT_COLUMNS))}) "
               f"VALUES ({placeholders(tx.conn, len(RESULT_COLUMNS))})")
        for start in range(0, len(rows), BATCH):
            tx.conn.exec_driver_sql(sql, rows[start:start + BATCH])

    def _revise(self, tx: Any, run: AssessmentRun, *, appeal_id: int | None, reason: str,
                facts: Mapping[int, Mapping[str, Decimal]] | None = None,
                grades: Mapping[int, tuple[str, str]] | None = None) -> int:
        """Re-score the whole cohort of the latest revision by the run's rules, with corrections; returns its number."""
        scheme = scheme_from_rules(run.rules)
        rows = tx.conn.execute(select(_results).where(_results.c.run_id == run.id,
                                                      _results.c.revision == run.revision)).mappings().all()
        values: dict[int, dict[str, Decimal]] = {}
        extra: list[ScoredLine] = []
        overrides: dict[int, tuple[str, str]] = {}
        cohort: dict[int, tuple[str, Any, Any]] = {}
        exempt = set()
        for row in rows:
            subject = int(row["subject_id"])
            cohort[subject] = (row["name"], row["unit_id"], None)
            values[subject] = {f: Decimal(v) for f, v in row["facts"].items()}
            if row["exempt"]:
                exempt.add(subject)
            if row["override"] is not None and row["grade"] is not None:
                overrides[subject] = (row["grade"], row["override"])
            extra.extend(ScoredLine(subject_id=subject, item=item, points=Decimal(points), source=source, note=note)
                         for item, _quantity, points, _capped, source, note in row["lines"] if source != SCHEME)
        for subject, changed in (facts or {}).items():
            values.setdefault(subject, {}).update(changed)
        overrides.update(grades or {})
        results = score_rows(scheme, values, sorted(cohort), extra=extra, exempt=exempt, overrides=overrides)
        number = run.revision + 1
        self._store_revision(tx, run.id, number, results, values, cohort, extra, appeal_id=appeal_id, reason=reason)
        return number

    def _item_fact(self, run: AssessmentRun, item: str) -> str:
        """The fact an appealed item counts: an item's, or a veto's (``veto:<fact>``)."""
        if item.startswith("veto:") and item.removeprefix("veto:") in run.rules["vetoes"]:
            return item.removeprefix("veto:")
        for spec in run.rules["items"]:
            if spec["item"] == item:
                return str(spec["fact"])
        raise InvalidValue(_("{item!r} is not an item of scheme {code!r}").format(item=item, code=run.scheme))

    def _run(self, conn: Connection, run_id: Any) -> AssessmentRun:
        number = _id(run_id, _("there is no assessment run with id {id}"))
        row = conn.execute(store.runs_query().where(_runs.c.id == number)).mappings().first()
        if row is None:
            raise NotFound(_("there is no assessment run with id {id}").format(id=run_id))
        return run_from_row(row, self.community.clock.tz)

    @staticmethod
    def _revision_number(run: AssessmentRun, revision: int | None) -> int:
        if revision is None:
            return run.revision
        number = written_id(revision)
        if number is None or not 1 <= number <= run.revision:
            raise NotFound(_("run {run} has revisions 1 to {latest}, not {revision}").format(
                run=run.id, latest=run.revision, revision=revision))
        return number

    def _result_of(self, conn: Connection, run: AssessmentRun, revision: int, subject_id: Any) -> AssessmentResult:
        subject = _id(subject_id, _("subject {id} was not scored in this run"))
        row = conn.execute(select(_results).where(_results.c.run_id == run.id, _results.c.revision == revision,
                                                  _results.c.subject_id == subject)).mappings().first()
        if row is None:
            raise NotFound(_("subject {subject} was not scored in run {run}").format(subject=subject_id, run=run.id))
        return self._expanded(run, row)

    @staticmethod
    def _expanded(run: AssessmentRun, row: Any) -> AssessmentResult:
        """A stored result with its lines in full and its fact values as numbers.

        A row keeps the plugins' lines only; the scheme's lines are worked out again from the
        fact values it kept and the run's own rules, exactly as the run scored them. (Runs
        stored before keep every line; those are read as they are.)
        """
        result = result_from_row(row)
        kept = [list(line) for line in result.lines]
        if not any(line[4] == SCHEME for line in kept):
            facts = {f: Decimal(v) for f, v in result.facts.items()}
            plugins = [ScoredLine(subject_id=result.subject_id, item=item, points=Decimal(points), source=source,
                                  note=note) for item, _quantity, points, _capped, source, note in kept]
            scored = score(_scheme_of(run), result.subject_id, facts, extra=plugins)
            kept = [compact(line) for line in scored.lines]
        return attrs.evolve(result, lines=[expand(run.rules, line) for line in kept],
                            facts={f: _number(Decimal(v)) for f, v in result.facts.items()})

    def _appeal(self, conn: Connection, appeal_id: Any) -> Appeal:
        number = _id(appeal_id, _("there is no appeal with id {id}"))
        row = conn.execute(select(_appeals).where(_appeals.c.id == number)).mappings().first()
        if row is None:
            raise NotFound(_("there is no appeal with id {id}").format(id=appeal_id))
        return appeal_from_row(row, self.community.clock.tz)


#: The columns of a results file, in order, and their headers.
EXPORT_COLUMNS = ("rank", "subject_id", "name", "total", "grade", "vetoed", "exempt", "override")
EXPORT_HEADERS = {"rank": N_("Rank"), "subject_id": N_("Subject ID"), "name": N_("Name"), "total": N_("Total"),
                  "grade": N_("Grade"), "vetoed": N_("Vetoed"), "exempt": N_("Not graded"),
                  "override": N_("Final decision")}


def _export_row(r: AssessmentResult) -> dict[str, Any]:
    def flag(value: bool) -> str:
        return _("yes") if value else _("no")

    return {"rank": r.rank, "subject_id": r.subject_id, "name": r.name, "total": _number(r.total), "grade": r.grade,
            "vetoed": flag(r.vetoed), "exempt": flag(r.exempt), "override": r.override}


class _Keys(dict[str, str]):
    """Fact code -> its JSON key and the opening quote of its value (``"acc-hours": "``), made once."""

    def __missing__(self, fact: str) -> str:
        found = self[fact] = json.dumps(fact, ensure_ascii=False) + ': "'
        return found


@functools.lru_cache(maxsize=64)
def _rules_scheme(rules: str) -> ScoringScheme:
    return scheme_from_rules(json.loads(rules))


def _scheme_of(run: AssessmentRun) -> ScoringScheme:
    """The scheme a run kept, rebuilt once per run's rules (a listing expands every result)."""
    return _rules_scheme(json.dumps(run.rules, sort_keys=True))


def _rerank(results: Sequence[AssessmentResult]) -> builtins.list[AssessmentResult]:
    totals = sorted((r.total for r in results if not r.exempt and r.rated), reverse=True)
    first: dict[Decimal, int] = {}
    for position, total in enumerate(totals, start=1):
        first.setdefault(total, position)
    return [attrs.evolve(r, rank=first[r.total] if not r.exempt and r.rated else None) for r in results]


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _id(value: Any, message: str) -> int:
    return known_id(value, lambda: NotFound(message.format(id=value)))


def _reason(text: str | None) -> str:
    cleaned = parse_text(text, REASON_LENGTH)
    if not cleaned:
        raise InvalidValue(_("give a reason"))
    return cleaned


def _period(period: Period | str, scheme: ScoringScheme, today: dt.date) -> Period:
    span = period if isinstance(period, Period) else Period.parse(str(period))
    if span.cadence != scheme.period.value:
        # The current period of the scheme's cadence shows what is meant, in any language.
        raise InvalidValue(_("scheme {code!r} is scored for periods such as {example}; {period} is not one").format(
            code=scheme.code, example=Period.containing(today, scheme.period.value), period=span))
    return span


__all__ = ["APPEAL_WORKFLOW", "EXPORT_COLUMNS", "AssessmentsAPI"]
