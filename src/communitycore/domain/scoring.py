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

Every amount is a ``Decimal`` kept to two places (half to even).
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, NamedTuple

import attrs

from communitycore.records import GradeBand, ScoreItem, ScoringScheme

__all__ = [
    "BASE",
    "Line",
    "Result",
    "Scored",
    "ScoredLine",
    "band_order",
    "compact",
    "expand",
    "grade_all",
    "quota_limit",
    "rank_all",
    "scheme_rules",
    "score",
    "score_all",
    "score_rows",
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


class Line(NamedTuple):
    """One explained line of a subject's score.

    ``item`` is the item's code (``base`` for the base, ``veto:<fact>`` for a veto); ``quantity``
    the fact's value the item counted (its share, in a ``shares`` scheme); ``points`` what the
    line adds after its cap or floor, ``uncapped`` what it would have added; ``capped`` says a cap
    or floor applied; ``veto`` that this fact zeroed the total; ``source`` is ``scheme`` or the
    name of the plugin that added the line.
    """

    item: str
    fact: str | None = None
    quantity: Decimal | None = None
    per_unit: Decimal | None = None
    points: Decimal = Decimal(0)
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


class _Prepared:
    """A scheme's numbers as Decimals, worked out once per run rather than once per subject."""

    def __init__(self, scheme: ScoringScheme) -> None:
        self.base = Line(item=BASE, points=_amount(scheme.base))
        self.items = [(i.item, i.fact, _amount(i.points), None if i.cap is None else _amount(i.cap),
                       None if i.floor is None else _amount(i.floor), i.label) for i in scheme.items]
        self.facts = list(dict.fromkeys(i.fact for i in scheme.items))
        self.vetoes = scheme.vetoes
        self.shares = scheme.shares
        self.bands = [(b.grade, _amount(b.min_score), b) for b in band_order(scheme)]
        # What each item adds for a subject without the fact, summed once: a total then only
        # needs the items of the facts a subject has (most subjects lack most facts).
        self.at_zero = [_clamp(_ZERO, cap, floor) for _item, _fact, _per, cap, floor, _label in self.items]
        self.start = self.base.points + sum(self.at_zero, _ZERO)
        self.totals = [(fact, per_unit, cap, floor, zero)
                       for (_item, fact, per_unit, cap, floor, _label), zero in zip(self.items, self.at_zero,
                                                                                    strict=True)]


def _clamp(points: Decimal, cap: Decimal | None, floor: Decimal | None) -> Decimal:
    if cap is not None and points > cap:
        return cap
    if floor is not None and points < floor:
        return floor
    return points


@functools.lru_cache(maxsize=32)
def _prepare(scheme: ScoringScheme) -> _Prepared:
    return _Prepared(scheme)


_ZERO = Decimal(0)
_SHARE = Decimal("0.0001")


def _decimal(value: Any) -> Decimal:
    return value if type(value) is Decimal else Decimal(repr(value) if isinstance(value, float) else value)


def _score(p: _Prepared, values: Mapping[str, Any],
           extra: Iterable[ScoredLine]) -> tuple[Decimal, tuple[Line, ...], bool, bool]:
    """(total, lines, vetoed, rated) of one subject."""
    lines = [p.base]
    rated = True
    shares: dict[str, Decimal] = {}
    if p.shares:
        whole = sum((_decimal(values.get(f, 0)) for f in p.facts), _ZERO)
        rated = whole > 0
        for f in p.facts:
            shares[f] = (_decimal(values.get(f, 0)) / whole).quantize(_SHARE) if rated else _ZERO
    quantize, cent, even = Decimal.quantize, _CENT, ROUND_HALF_EVEN
    for item, fact, per_unit, cap, floor, label in p.items:
        if p.shares:
            quantity = shares[fact]
        else:
            found = values.get(fact)
            quantity = _ZERO if found is None else _decimal(found)
        raw = quantize(quantity * per_unit, cent, even)
        points, capped = raw, False
        if cap is not None and raw > cap:
            points, capped = cap, True
        elif floor is not None and raw < floor:
            points, capped = floor, True
        lines.append(Line(item, fact, quantity, per_unit, points, raw, capped, False, SCHEME, label, ""))
    for line in sorted(extra, key=lambda x: (x.item, x.source)):
        lines.append(Line(item=line.item, points=line.points, source=line.source, note=line.note))
    vetoed = False
    for fact in p.vetoes:
        found = values.get(fact)
        if found is not None and _decimal(found) != 0:
            vetoed = True
            lines.append(Line(item=f"veto:{fact}", fact=fact, quantity=_decimal(found), points=_ZERO, veto=True))
    total = _ZERO if vetoed else quantize(sum((line.points for line in lines), _ZERO), cent, even)
    return total, tuple(lines), vetoed, rated


def _total(p: _Prepared, values: Mapping[str, Any], extra: Iterable[ScoredLine]) -> tuple[Decimal, bool, bool]:
    """(total, vetoed, rated) of one subject, as :func:`_score` gives them, without building its lines.

    A run keeps each subject's fact values, not its lines: the lines follow from the values and
    the run's rules whenever a breakdown is read (:func:`explain`), so a run of 100,000 subjects
    does only this arithmetic per subject.
    """
    if p.shares:
        total, _lines, vetoed, rated = _score(p, values, extra)
        return total, vetoed, rated
    get = values.get
    for fact in p.vetoes:
        found = get(fact)
        if found is not None and _decimal(found) != 0:
            return _ZERO, True, True
    total = p.start
    quantize, cent, even = Decimal.quantize, _CENT, ROUND_HALF_EVEN
    for fact, per_unit, cap, floor, zero in p.totals:
        found = get(fact)
        if found is None:
            continue
        raw = quantize((found if type(found) is Decimal else _decimal(found)) * per_unit, cent, even)
        if cap is not None and raw > cap:
            raw = cap
        elif floor is not None and raw < floor:
            raw = floor
        total += raw - zero
    for line in extra:
        total += line.points
    return quantize(total, cent, even), False, True


def score(scheme: ScoringScheme, subject_id: int, values: Mapping[str, Decimal], *,
          extra: Iterable[ScoredLine] = (), exempt: bool = False) -> Result:
    """One subject's total and lines (no grade or rank: those need the whole cohort, see :func:`score_all`).

    :param values: the subject's fact values over the period, by fact code; a missing fact is 0.
    """
    total, lines, vetoed, rated = _score(_prepare(scheme), values, extra)
    return Result(subject_id=subject_id, total=total, lines=lines, vetoed=vetoed, exempt=exempt, rated=rated)


def band_order(scheme: ScoringScheme) -> tuple[GradeBand, ...]:
    """The bands, highest ``min_score`` first: the order grades are decided in."""
    return tuple(sorted(scheme.bands, key=lambda b: -b.min_score))


def quota_limit(band: GradeBand, cohort: int) -> int | None:
    """The most subjects of a cohort of ``cohort`` that may hold the band: ⌊cohort × quota⌋ (None: no quota)."""
    share = band.share
    return None if share is None else math.floor(cohort * share)


Decision = tuple[str | None, str | None, tuple[str, ...], str | None, int | None]
"""(grade, the highest band reached, bands whose quota was full, the reason of an override, the rank)."""


def _decide(scheme: ScoringScheme, graded: Sequence[tuple[int, Decimal]],
            overrides: Mapping[int, tuple[str, str]]) -> dict[int, Decision]:
    """Grades and ranks of the graded subjects ``(subject id, total)``: bands highest first, quotas, the tie-break."""
    p = _prepare(scheme)
    held = {grade: 0 for grade, _min, _band in p.bands}
    for chosen, _why in overrides.values():
        if chosen in held:
            held[chosen] += 1
    limits = {grade: quota_limit(band, len(graded)) for grade, _min, band in p.bands}
    decided: dict[int, Decision] = {}
    # The bands a total reaches are a tail of the bands (highest first), and the totals come
    # highest first: one pointer walks down the bands instead of testing each band per subject.
    tails = [tuple(grade for grade, _least, _band in p.bands[i:]) for i in range(len(p.bands) + 1)]
    thresholds = [least for _grade, least, _band in p.bands]
    at = 0
    rank, previous = 0, None
    # Highest total first, then the lowest subject id: the one tie-break, whatever the input order
    # (by id first, then a stable sort by total, highest first).
    ordered = sorted(sorted(graded, key=_first), key=_second, reverse=True)
    for position, (subject, total) in enumerate(ordered, start=1):
        if total != previous:  # competition ranks: 1, 2, 2, 4
            rank, previous = position, total
        while at < len(thresholds) and total < thresholds[at]:
            at += 1
        reached = tails[at]
        top = reached[0] if reached else None
        if subject in overrides:
            forced, reason = overrides[subject]
            decided[subject] = (forced, top, (), reason, rank)
            continue
        full: list[str] = []
        grade: str | None = None
        for name in reached:
            limit = limits[name]
            if limit is not None and held[name] >= limit:
                full.append(name)
                continue
            grade = name
            held[name] += 1
            break
        decided[subject] = (grade, top, tuple(full), None, rank)
    return decided


_first, _second = operator.itemgetter(0), operator.itemgetter(1)


def _ranks(totals: Iterable[Decimal]) -> dict[Decimal, int]:
    """Competition ranks (1, 2, 2, 4) by total, highest first."""
    first: dict[Decimal, int] = {}
    for position, total in enumerate(sorted(totals, reverse=True), start=1):
        first.setdefault(total, position)
    return first


def grade_all(scheme: ScoringScheme, results: Sequence[Result],
              overrides: Mapping[int, tuple[str, str]] | None = None) -> list[Result]:
    """Grades for a cohort: bands highest first, quotas with the documented tie-break, overrides last.

    :param overrides: subject id -> (grade, reason): the branch's final decision, which takes the
        place of the bands' for that subject (and still counts in the quota of its grade).
    """
    decided = _decide(scheme, [(r.subject_id, r.total) for r in results if r.graded], overrides or {})
    out = []
    for r in results:
        if r.subject_id in decided:
            grade, top, full, why, _rank = decided[r.subject_id]
            r = attrs.evolve(r, grade=grade, reached=top, quota_held=full, override=why)
        out.append(r)
    return out


def rank_all(results: Sequence[Result]) -> list[Result]:
    """Competition ranks (1, 2, 2, 4) of the graded subjects by total; others have none."""
    first = _ranks(r.total for r in results if r.graded)
    return [attrs.evolve(r, rank=first[r.total] if r.graded else None) for r in results]


def score_all(scheme: ScoringScheme, values: Mapping[int, Mapping[str, Any]], subjects: Iterable[int], *,
              extra: Iterable[ScoredLine] = (), exempt: Iterable[int] = (),
              overrides: Mapping[int, tuple[str, str]] | None = None) -> list[Result]:
    """Every subject's result, by subject id: totals, lines, grades with quotas, ranks.

    :param values: subject id -> fact code -> value (subjects without entries may be left out).
    :param subjects: the cohort: every subject of the run, with or without entries.
    :param extra: the plugins' lines, for subjects of the cohort.
    :param exempt: subjects scored without a grade (预备党员 in 民主评议).
    :param overrides: subject id -> (grade, reason), as for :func:`grade_all`.
    """
    p = _prepare(scheme)
    by_subject = _by_subject(extra)
    empty: Mapping[str, Any] = {}
    lines = {s: _score(p, values.get(s, empty), by_subject.get(s, ()))[1] for s in set(subjects)}
    return [Result(subject_id=r.subject_id, total=r.total, lines=lines[r.subject_id], vetoed=r.vetoed,
                   exempt=r.exempt, rated=r.rated, grade=r.grade, reached=r.reached, quota_held=r.quota_held,
                   override=r.override, rank=r.rank)
            for r in score_rows(scheme, values, subjects, extra=extra, exempt=exempt, overrides=overrides)]


class Scored(NamedTuple):
    """One subject's result without its lines (:func:`score_rows`): the fields of :class:`Result` but ``lines``."""

    subject_id: int
    total: Decimal
    vetoed: bool
    exempt: bool
    rated: bool
    grade: str | None
    reached: str | None
    quota_held: tuple[str, ...]
    override: str | None
    rank: int | None


def score_rows(scheme: ScoringScheme, values: Mapping[int, Mapping[str, Any]], subjects: Iterable[int], *,
               extra: Iterable[ScoredLine] = (), exempt: Iterable[int] = (),
               overrides: Mapping[int, tuple[str, str]] | None = None) -> list[Scored]:
    """What :func:`score_all` gives, by subject id, without the lines: what a run of many subjects stores.

    The same totals, grades, quotas and ranks; each subject's lines follow from the same values
    whenever its breakdown is read (:func:`score`). Plain tuples, so 100,000 subjects cost
    arithmetic and little else.
    """
    p = _prepare(scheme)
    cohort = sorted(set(subjects))
    excused = set(exempt)
    by_subject = _by_subject(extra)
    empty: Mapping[str, Any] = {}
    none: tuple[ScoredLine, ...] = ()
    get = values.get
    scored = [(s, *_total(p, get(s, empty), by_subject.get(s, none))) for s in cohort]
    graded = [(s, total) for s, total, _vetoed, rated in scored if rated and s not in excused]
    decided = _decide(scheme, graded, overrides or {})
    undecided: Decision = (None, None, (), None, None)
    make = tuple.__new__
    return [make(Scored, (s, total, vetoed, s in excused, rated, *decided.get(s, undecided)))
            for s, total, vetoed, rated in scored]


def _by_subject(extra: Iterable[ScoredLine]) -> dict[int, list[ScoredLine]]:
    by_subject: dict[int, list[ScoredLine]] = {}
    for line in extra:
        by_subject.setdefault(line.subject_id, []).append(line)
    return by_subject


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def compact(line: Line) -> list[Any]:
    """A line as a run keeps it: ``[item, quantity, points, capped, source, note]``, numbers as text.

    The fact, the points per unit, the label and the uncapped points of a scheme's item follow
    from the run's rules (:func:`expand`), so they are not kept once per subject.
    """
    return [line.item, _text(line.quantity), str(line.points), line.capped, line.source, line.note]


def _plain(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def expand(rules: Mapping[str, Any], kept: Sequence[Any]) -> dict[str, Any]:
    """A kept line (:func:`compact`) as the full line of a breakdown, with the run's ``rules``.

    Keys: ``item``, ``fact``, ``quantity``, ``per_unit``, ``points``, ``uncapped``, ``capped``,
    ``veto``, ``source``, ``label`` and ``note``; numbers are plain (``12``, ``0.5``).
    """
    item, quantity_text, points_text, capped, source, note = kept
    quantity = None if quantity_text is None else Decimal(quantity_text)
    points = Decimal(points_text)
    line: dict[str, Any] = {"item": item, "fact": None, "quantity": _plain(quantity), "per_unit": None,
                            "points": _plain(points), "uncapped": None, "capped": capped, "veto": False,
                            "source": source, "label": None, "note": note}
    if source != SCHEME or item == BASE:
        return line
    if item.startswith("veto:"):
        line.update(fact=item.removeprefix("veto:"), veto=True)
        return line
    spec = next((i for i in rules["items"] if i["item"] == item), None)
    if spec is not None and quantity is not None:
        per_unit = _amount(spec["points"])
        line.update(fact=spec["fact"], per_unit=_plain(per_unit), label=spec["label"],
                    uncapped=_plain(_amount(quantity * per_unit)))
    return line


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
