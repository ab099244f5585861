"""The scoring engine: from fact values to explained totals, grades, quotas and ranks. Pure: no storage.

A :class:`~communitycore.records.ScoringScheme` gives each subject its ``base``, then one line per
item: the fact's value over the period (or, in a ``shares`` scheme, its share of all the items'
facts) times the item's points, clamped to the item's ``floor`` and ``cap``. Lines that plugins
add (``communitycore_score``) follow, each named by its plugin. A non-zero value of any veto fact
sets the total to 0 (一票否决), whatever the lines say.

Grades go by the bands, highest ``min_score`` first. A band with a quota holds at most
⌊n × quota⌋ subjects, where n is the number of subjects graded in the run (exempt subjects and
those with nothing to rate are not counted). **Tie-break**: the subjects that reach a band are
taken by total, highest first, and subjects with equal totals by subject id, lowest first (the
earlier record); those left out by the quota drop to the next band they reach. The order the
subjects come in never changes the result. Ranks are competition ranks (1, 2, 2, 4) of the graded
subjects by total.

Every amount is a :class:`~decimal.Decimal` kept to two places (half to even).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import attrs

from communitycore.records import GradeBand, ScoreItem, ScoringScheme

__all__ = [
    "BASE",
    "Line",
    "Result",
    "ScoredLine",
    "band_order",
    "grade_all",
    "quota_limit",
    "rank_all",
    "scheme_rules",
    "score",
    "score_all",
]

_CENT = Decimal("0.01")
#: The item code of the base line of every breakdown.
BASE = "base"
#: The source of the lines a scheme's own items give (plugins' lines carry the plugin's name).
SCHEME = "scheme"


def _amount(value: Any) -> Decimal:
    """A number as a Decimal to two places; floats by their shortest text (0.1 is one tenth)."""
    number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    return number.quantize(_CENT, rounding=ROUND_HALF_EVEN)


@attrs.frozen(kw_only=True)
class ScoredLine:
    """A line a plugin adds (``communitycore_score``), with the plugin's name."""

    subject_id: int
    item: str
    points: Decimal = attrs.field(converter=_amount)
    source: str
    note: str = ""


@attrs.frozen(kw_only=True)
class Line:
    """One explained line of a subject's score.

    ``item`` is the item's code (``base`` for the base); ``quantity`` the fact's value the item
    counted (its share, in a ``shares`` scheme); ``points`` what the line adds after its cap or
    floor, ``uncapped`` what it would have added; ``capped`` says a cap or floor applied; ``veto``
    that this fact zeroed the total.
    """

    item: str
    fact: str | None = None
    quantity: Decimal | None = None
    per_unit: Decimal | None = None
    points: Decimal
    uncapped: Decimal | None = None
    capped: bool = False
    veto: bool = False
    source: str = SCHEME
    label: str | None = None
    note: str = ""


@attrs.frozen(kw_only=True)
class Result:
    """One subject's result in a run: total, lines, and the band and quota decisions."""

    subject_id: int
    total: Decimal
    lines: tuple[Line, ...]
    vetoed: bool = False
    exempt: bool = False
    rated: bool = True
    """False in a ``shares`` scheme for a subject with none of the facts (no votes): no grade."""
    grade: str | None = None
    reached: str | None = None
    """The highest band the total reaches, before quotas."""
    quota_held: tuple[str, ...] = ()
    """Bands the total reached but whose quota was full, highest first."""
    rank: int | None = None
    override: str | None = None
    """The reason a decision set the grade by hand (the branch's final decision), if one did."""

    @property
    def graded(self) -> bool:
        """Whether the subject takes a grade and counts towards quotas."""
        return not self.exempt and self.rated


def _clamp(item: ScoreItem, points: Decimal) -> tuple[Decimal, bool]:
    if item.cap is not None and points > _amount(item.cap):
        return _amount(item.cap), True
    if item.floor is not None and points < _amount(item.floor):
        return _amount(item.floor), True
    return points, False


def score(scheme: ScoringScheme, subject_id: int, values: Mapping[str, Decimal], *,
          extra: Iterable[ScoredLine] = (), exempt: bool = False) -> Result:
    """One subject's total and lines (no grade or rank: those need the whole cohort, see :func:`score_all`).

    :param values: the subject's fact values over the period, by fact code; a missing fact is 0.
    """
    lines = [Line(item=BASE, points=_amount(scheme.base), label=None)]
    rated = True
    shares: dict[str, Decimal] = {}
    if scheme.shares:
        facts = list(dict.fromkeys(item.fact for item in scheme.items))
        whole = sum((Decimal(values.get(f, 0)) for f in facts), Decimal(0))
        rated = whole > 0
        for f in facts:
            shares[f] = (Decimal(values.get(f, 0)) / whole).quantize(Decimal("0.0001")) if rated else Decimal(0)
    for item in scheme.items:
        quantity = shares[item.fact] if scheme.shares else Decimal(values.get(item.fact, 0))
        per_unit = _amount(item.points)
        raw = _amount(quantity * Decimal(repr(item.points)))
        points, capped = _clamp(item, raw)
        lines.append(Line(item=item.item, fact=item.fact, quantity=quantity, per_unit=per_unit, points=points,
                          uncapped=raw, capped=capped, label=item.label))
    for line in sorted(extra, key=lambda x: (x.item, x.source)):
        lines.append(Line(item=line.item, points=line.points, source=line.source, note=line.note))
    vetoes = [v for v in scheme.vetoes if Decimal(values.get(v, 0)) != 0]
    for fact in vetoes:
        lines.append(Line(item=f"veto:{fact}", fact=fact, quantity=Decimal(values[fact]), points=Decimal(0),
                          veto=True))
    total = Decimal(0) if vetoes else sum((line.points for line in lines), Decimal(0))
    return Result(subject_id=subject_id, total=_amount(total), lines=tuple(lines), vetoed=bool(vetoes),
                  exempt=exempt, rated=rated)


def band_order(scheme: ScoringScheme) -> tuple[GradeBand, ...]:
    """The bands, highest ``min_score`` first: the order grades are decided in."""
    return tuple(sorted(scheme.bands, key=lambda b: -b.min_score))


def quota_limit(band: GradeBand, cohort: int) -> int | None:
    """The most subjects of a cohort of ``cohort`` that may hold the band: ⌊cohort × quota⌋ (None: no quota)."""
    share = band.share
    return None if share is None else math.floor(cohort * share)


def grade_all(scheme: ScoringScheme, results: Sequence[Result],
              overrides: Mapping[int, tuple[str, str]] | None = None) -> list[Result]:
    """Grades for a cohort: bands highest first, quotas with the documented tie-break, overrides last.

    :param overrides: subject id -> (grade, reason): the branch's final decision, which takes the
        place of the bands' for that subject (and still counts in the quota of its grade).
    """
    overrides = overrides or {}
    bands = band_order(scheme)
    graded = [r for r in results if r.graded]
    cohort = len(graded)
    # Highest total first, then the lowest subject id: the one tie-break, whatever the input order.
    ordered = sorted(graded, key=lambda r: (-r.total, r.subject_id))
    decided: dict[int, tuple[str | None, str | None, tuple[str, ...], str | None]] = {}
    held: dict[str, int] = {b.grade: 0 for b in bands}
    for chosen, _why in overrides.values():
        if chosen in held:
            held[chosen] += 1
    limits = {b.grade: quota_limit(b, cohort) for b in bands}
    for result in ordered:
        reached = [b for b in bands if result.total >= _amount(b.min_score)]
        top = reached[0].grade if reached else None
        if result.subject_id in overrides:
            forced, reason = overrides[result.subject_id]
            decided[result.subject_id] = (forced, top, (), reason)
            continue
        full: list[str] = []
        grade: str | None = None
        for band in reached:
            limit = limits[band.grade]
            if limit is not None and held[band.grade] >= limit:
                full.append(band.grade)
                continue
            grade = band.grade
            held[band.grade] += 1
            break
        decided[result.subject_id] = (grade, top, tuple(full), None)
    out = []
    for result in results:
        if result.subject_id in decided:
            got, reached_top, passed, why = decided[result.subject_id]
            result = attrs.evolve(result, grade=got, reached=reached_top, quota_held=passed, override=why)
        out.append(result)
    return out


def rank_all(results: Sequence[Result]) -> list[Result]:
    """Competition ranks (1, 2, 2, 4) of the graded subjects by total; others have none."""
    totals = sorted((r.total for r in results if r.graded), reverse=True)
    first: dict[Decimal, int] = {}
    for position, total in enumerate(totals, start=1):
        first.setdefault(total, position)
    return [attrs.evolve(r, rank=first[r.total] if r.graded else None) for r in results]


def score_all(scheme: ScoringScheme, values: Mapping[int, Mapping[str, Decimal]], subjects: Iterable[int], *,
              extra: Iterable[ScoredLine] = (), exempt: Iterable[int] = (),
              overrides: Mapping[int, tuple[str, str]] | None = None) -> list[Result]:
    """Every subject's result, by subject id: totals, lines, grades with quotas, ranks.

    :param values: subject id -> fact code -> value (subjects without entries may be left out).
    :param subjects: the cohort: every subject of the run, with or without entries.
    :param extra: the plugins' lines, for subjects of the cohort.
    :param exempt: subjects scored without a grade (预备党员 in 民主评议).
    """
    cohort = sorted(set(subjects))
    excused = set(exempt)
    by_subject: dict[int, list[ScoredLine]] = {}
    for line in extra:
        by_subject.setdefault(line.subject_id, []).append(line)
    empty: Mapping[str, Decimal] = {}
    results = [score(scheme, s, values.get(s, empty), extra=by_subject.get(s, ()), exempt=s in excused)
               for s in cohort]
    return rank_all(grade_all(scheme, results, overrides))


def scheme_rules(scheme: ScoringScheme) -> dict[str, Any]:
    """The scheme's exact rules as plain data, as a run keeps them (quotas as the text they were given in)."""
    def number(value: float | None) -> Any:
        if value is None:
            return None
        return int(value) if float(value).is_integer() else value

    return {
        "code": scheme.code,
        "version": scheme.version,
        "label": scheme.label,
        "subject": scheme.subject.value,
        "period": scheme.period.value,
        "base": number(scheme.base),
        "shares": scheme.shares,
        "items": [{"item": i.item, "fact": i.fact, "points": number(i.points), "cap": number(i.cap),
                   "floor": number(i.floor), "label": i.label} for i in scheme.items],
        "vetoes": list(scheme.vetoes),
        "bands": [{"grade": b.grade, "min_score": number(b.min_score),
                   "quota": None if b.quota is None else str(b.quota), "label": b.label, "label_en": b.label_en,
                   "outcome": None if b.outcome is None else b.outcome.value} for b in scheme.bands],
        "exempt": list(scheme.exempt),
    }


def scheme_from_rules(rules: Mapping[str, Any]) -> ScoringScheme:
    """The scheme a run kept (:func:`scheme_rules`), rebuilt to re-score a revision by the same rules."""
    def quota(text: str | None) -> Any:
        if text is None:
            return None
        try:
            return float(text)
        except ValueError:
            return text

    return ScoringScheme(
        code=rules["code"], label=rules["label"], subject=rules["subject"], period=rules["period"],
        base=rules["base"], shares=rules["shares"], version=rules["version"],
        items=tuple(ScoreItem(fact=i["fact"], points=i["points"], cap=i["cap"], floor=i["floor"],
                              label=i["label"], code=None if i["item"] == i["fact"] else i["item"])
                    for i in rules["items"]),
        vetoes=tuple(rules["vetoes"]),
        bands=tuple(GradeBand(grade=b["grade"], min_score=b["min_score"], quota=quota(b["quota"]), label=b["label"],
                              label_en=b["label_en"], outcome=b["outcome"]) for b in rules["bands"]),
        exempt=tuple(rules["exempt"]),
    )
