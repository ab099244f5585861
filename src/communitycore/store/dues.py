"""Set-based dues queries: the base in force in a month, the amount owed as SQL, the members short of it.

The amount owed is the dues table turned into one ``CASE`` over the stored category and base, in
whole fen with the configured rounding done by integer arithmetic, so each engine gives exactly
what :func:`communitycore.domain.dues.due_fen` gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, null, select

from communitycore.domain.dues import FEN, rate_ratio, to_fen
from communitycore.records import DuesCategory
from communitycore.store.tables import dues as tables

_b = tables.dues_bases
_p = tables.dues_payments


def _rounded(numerator: Any, denominator: int, rounding: str) -> Any:
    # The SQL twin of domain.dues.round_ratio; ``//`` is each engine's integer division.
    whole = numerator // denominator
    rest = numerator % denominator
    if rounding == "down":
        return whole
    if rounding == "up":
        return case((rest > 0, whole + 1), else_=whole)
    half = case((2 * rest == denominator, whole % 2), else_=0) if rounding == "half-even" else \
        case((2 * rest == denominator, 1), else_=0)
    return case((2 * rest > denominator, whole + 1), else_=whole + half)


def _category_due(category: DuesCategory, base: Any, rounding: str) -> Any:
    if category.fixed is not None:
        return literal(to_fen(Decimal(category.fixed).quantize(FEN)))
    whens: list[tuple[Any, Any]] = []
    for upper, rate in category.bands:
        numerator, denominator = rate_ratio(rate)
        owed = _rounded(base * numerator, denominator, rounding)
        if upper == "":
            return case(*whens, else_=owed) if whens else owed
        whens.append((base <= to_fen(Decimal(upper)), owed))
    return case(*whens, else_=null())


def due_expr(categories: Mapping[str, DuesCategory], rounding: str, category: Any, base: Any,
             reduced: Any) -> Any:
    """The fen owed a month by a base row (its stored ``category`` code, ``base`` and ``reduced``
    columns): an approved reduction, else the category's rule; NULL for a code nothing registers."""
    whens = [(reduced.is_not(None), reduced)]
    whens += [(category == code, _category_due(found, base, rounding)) for code, found in categories.items()]
    return case(*whens, else_=null())


def in_force(month: int, members: Any) -> Any:
    """``(member_id, category, base_fen, reduced_fen)`` of the base row holding in ``month`` for each member
    of the ``members`` id query: the latest row not after it, the later recorded on a tie."""
    later = _b.alias("later")
    newer = select(literal(1)).where(
        later.c.member_id == _b.c.member_id, later.c.from_month <= month,
        (later.c.from_month > _b.c.from_month) | and_(later.c.from_month == _b.c.from_month, later.c.id > _b.c.id))
    return (select(_b.c.member_id, _b.c.category, _b.c.base_fen, _b.c.reduced_fen)
            .where(_b.c.from_month <= month, _b.c.member_id.in_(members), ~newer.exists()))


def short_members(conn: Connection, members: Any, first: int, last: int, due: Any) -> list[int]:
    """The members of the ``members`` query (``id`` and ``join_month`` columns) with a month from ``first`` to
    ``last`` in which less than the ``due`` of its base row was paid: what was expected (the months of
    each base row's span owing more than 0) beside what was covered (those paid in full), per member."""
    ids = members.subquery("scoped")
    nxt = func.lead(_b.c.from_month).over(partition_by=_b.c.member_id, order_by=(_b.c.from_month, _b.c.id))
    spans = (select(_b.c.member_id, _b.c.from_month, nxt.label("next_from"), due.label("due"), ids.c.join_month)
             .join(ids, ids.c.id == _b.c.member_id).subquery("spans"))
    low = case((spans.c.from_month > first, spans.c.from_month), else_=first)
    low = case((spans.c.join_month > low, spans.c.join_month), else_=low)
    end = func.coalesce(spans.c.next_from - 1, last)
    high = case((end < last, end), else_=last)
    rows = (select(spans.c.member_id, low.label("low"), high.label("high"), spans.c.due)
            .where(spans.c.due > 0).cte("owing"))
    expected = (select(rows.c.member_id, func.sum(rows.c.high - rows.c.low + 1).label("months"))
                .where(rows.c.high >= rows.c.low).group_by(rows.c.member_id).subquery("expected"))
    paid = (select(_p.c.member_id, _p.c.month, func.sum(_p.c.amount_fen).label("fen"))
            .where(_p.c.extra.is_(False), _p.c.month.between(first, last))
            .group_by(_p.c.member_id, _p.c.month).subquery("paid"))
    covered = (select(rows.c.member_id, func.count().label("months"))
               .join(paid, and_(paid.c.member_id == rows.c.member_id, paid.c.month.between(rows.c.low, rows.c.high)))
               .where(paid.c.fen >= rows.c.due).group_by(rows.c.member_id).subquery("covered"))
    query = (select(expected.c.member_id)
             .outerjoin(covered, covered.c.member_id == expected.c.member_id)
             .where(expected.c.months > func.coalesce(covered.c.months, 0)).order_by(expected.c.member_id))
    return [int(i) for i in conn.scalars(query)]
