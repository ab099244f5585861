"""Party dues (党费): the rate table to the fen, bases by month, payments that sum, arrears and the lapse flag."""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

import communitycore
from communitycore import Community
from communitycore.builtin.national_dues import communitycore_register_dues_categories
from communitycore.clock import Clock
from communitycore.domain.dues import ROUNDINGS as ROUNDING_MODES
from communitycore.domain.dues import (
    amount_for,
    due_fen,
    longest_run,
    month_number,
    parse_amount,
    parse_month,
    round_ratio,
    work_out_standing,
)
from communitycore.errors import InvalidValue, RejectedInput
from communitycore.store.tables import dues as dues_tables

NATIONAL = {c.code: c for c in communitycore_register_dues_categories()}


def tree(c: Community) -> dict[str, Any]:
    street = c.org.add("城南街道党工委", "street-committee")
    committee = c.org.add("幸福社区党委", "community-committee", street.id)
    branch = c.org.add("第一党支部", "branch", committee.id)
    members = [c.members.add(f"党员{i}", branch.id, join_date="2000-07-01", full_date="2001-07-01", category="full")
               for i in range(3)]
    return {"branch": branch, "members": members}


@pytest.mark.parametrize(("category", "base", "dues"), [
    ("employed", "3000", "15.00"), ("在职", "3000.01", "30.00"), ("employed", "5000", "50.00"),
    ("employed", "10000", "150.00"), ("employed", "10000.01", "200.00"), ("retired", "5000", "25.00"),
    ("离退休", "5000.01", "50.00"), ("student", None, "0.20"), ("低保", None, "0.20"),
])
def test_the_amounts_of_the_issue_exact_to_the_fen(community: Community, category: str, base: str | None,
                                                     dues: str) -> None:
    t = tree(community)
    member = t["members"][0]
    community.dues.set_base(member.id, category=category, base=base, from_month="2026-01")
    due = community.dues.amount(member.id, month="2026-03")
    assert str(due.amount) == dues
    assert due.month == "2026-03"


def test_the_base_changes_from_the_month_the_new_pay_is_received(community: Community) -> None:
    member = tree(community)["members"][0]
    community.dues.set_base(member.id, category="employed", base="4000", from_month="2026-01")
    community.dues.set_base(member.id, category="employed", base="6000", from_month="2026-05")
    assert community.dues.amount(member.id, month="2026-04").amount == Decimal("40.00")
    assert community.dues.amount(member.id, month="2026-05").amount == Decimal("90.00")
    with pytest.raises(InvalidValue, match="approval"):
        community.dues.set_base(member.id, category="employed", base="6000", from_month="2026-07", reduced="1.00")
    community.dues.set_base(member.id, category="employed", base="6000", from_month="2026-07", reduced="1.00",
                            approval="街道党工委 2026-06-30 批复")
    assert community.dues.amount(member.id, month="2026-08").amount == Decimal("1.00")


def test_six_unpaid_months_are_flagged_and_one_paid_in_the_fourth_is_not(community: Community) -> None:
    t = tree(community)
    a, b, c = t["members"]
    for m in (a, b, c):
        community.dues.set_base(m.id, category="employed", base="3000", from_month="2026-05")
    community.dues.pay(b.id, month="2026-08", amount="15.00", on="2026-08-20")
    community.dues.pay(c.id, month="2026-05", months=6, amount="90.00", on="2026-06-01")
    found = {x.member_id: x for x in community.dues.arrears(through="2026-10")}
    assert found[a.id].unpaid_months == ("2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10")
    assert found[a.id].longest_run == 6 and found[a.id].lapse_flag
    assert found[b.id].longest_run == 3 and not found[b.id].lapse_flag
    assert c.id not in found
    assert [x.member_id for x in community.dues.arrears(through="2026-10", flagged_only=True)] == [a.id]
    since = {x.member_id: x.unpaid_months for x in community.dues.arrears(through="2026-10", since="2026-09")}
    assert since == {a.id: ("2026-09", "2026-10"), b.id: ("2026-09", "2026-10")}
    amounts = community.dues.amounts(month="2026-06")
    assert [(d.member_id, str(d.amount)) for d in amounts] == [(a.id, "15.00"), (b.id, "15.00"), (c.id, "15.00")]
    assert community.dues.amounts(month="2026-04") == []
    community.dues.set_base(b.id, category="retired", base="5000.01", from_month="2026-06")
    amounts = community.dues.amounts(month="2026-06")
    assert len(amounts) == 3 and amounts.total == Decimal("80.00")
    assert amounts[-1].member_id == c.id and amounts[1].amount == Decimal("50.00") and amounts[1].category == "retired"
    assert [d.member_id for d in amounts[1:]] == [b.id, c.id]
    with pytest.raises(IndexError):
        amounts[3]
    assert [d["amount"] for d in communitycore.to_dict(amounts)] == ["15.00", "50.00", "15.00"]


def test_the_lapse_months_are_a_setting(community: Community) -> None:
    t = tree(community)
    a = t["members"][0]
    community.dues.set_base(a.id, category="student", from_month="2026-07")
    community.org.set_setting(t["branch"].id, "dues-lapse-months", 3)
    found = community.dues.arrears(unit=t["branch"].id, through="2026-09")
    assert found[0].longest_run == 3 and found[0].lapse_flag


def test_voluntary_payments_of_1000_go_to_the_central_committee_and_do_not_pay_a_month(community: Community) -> None:
    member = tree(community)["members"][0]
    community.dues.set_base(member.id, category="employed", base="3000", from_month="2026-10")
    (big,) = community.dues.pay(member.id, month="2026-10", amount="1000", extra=True, on="2026-10-10")
    (small,) = community.dues.pay(member.id, month="2026-10", amount="999.99", extra=True, on="2026-10-10")
    assert big.central and not small.central
    assert community.dues.arrears(through="2026-10")[0].unpaid_months == ("2026-10",)


def test_a_probationary_member_owes_from_the_month_of_the_branch_vote(community: Community) -> None:
    t = tree(community)
    prob = community.members.add("预备党员", t["branch"].id, join_date="2026-03-15", category="probationary")
    community.dues.set_base(prob.id, category="student", from_month="2026-01")
    assert community.dues.amount(prob.id, month="2026-02").amount == Decimal("0.00")
    assert community.dues.arrears(through="2026-04")[0].unpaid_months == ("2026-03", "2026-04")
    # A corrected join date moves the start: the standing stored with the old one is not used.
    community.members.update(prob.id, join_date="2026-02-10")
    assert community.dues.arrears(through="2026-04")[0].unpaid_months == ("2026-02", "2026-03", "2026-04")


def test_a_retirees_base_is_recorded_as_the_setting_describes_it(community: Community) -> None:
    t = tree(community)
    a, b, _c = t["members"]
    first = community.dues.set_base(a.id, category="retired", base="4800", from_month="2026-01")
    assert first.base_kind == "total-pension"
    community.org.set_setting(t["branch"].id, "dues-retiree-base", "basic-pension")
    later = community.dues.set_base(b.id, category="离退休", base="3900", from_month="2026-01")
    assert later.base_kind == "basic-pension"
    # What a base was given as stays with it when the setting changes; other categories have none.
    assert community.dues.amount(a.id, month="2026-02").base_kind == "total-pension"
    assert communitycore.to_dict(community.dues.amount(b.id, month="2026-02"))["base_kind"] == "basic-pension"
    assert community.dues.set_base(a.id, category="employed", base="4800", from_month="2026-03").base_kind is None
    assert {d.member_id: d.base_kind for d in community.dues.amounts(month="2026-02")} == {
        a.id: "total-pension", b.id: "basic-pension"}


def test_the_shapes_of_dues_carry_the_labels_beside_the_codes(community: Community) -> None:
    t = tree(community)
    a, b, _c = t["members"]
    community.dues.set_base(a.id, category="retired", base="4800", from_month="2026-01")
    done = community.dues.set_base(b.id, category="annual-salary", base="4800", from_month="2026-01")
    categories = community.registry.dues_categories
    due = community.dues.amount(a.id, month="2026-02")
    zh = communitycore.to_dict(due, dues_categories=categories, lang="zh")
    en = communitycore.to_dict(due, dues_categories=categories, lang="en")
    assert (zh["category"], zh["category_label"], zh["base_kind"], zh["base_kind_label"]) == (
        "retired", "离退休", "total-pension", "养老金总额")
    assert (en["category"], en["category_label"], en["base_kind_label"]) == ("retired", "retired", "total pension")
    assert communitycore.to_dict(done, dues_categories=categories, lang="en")["category_label"] == "annual salary"
    assert communitycore.to_dict(done, dues_categories=categories, lang="zh")["base_kind_label"] is None
    # Without the registry's categories the label is the code, as a unit's kind_label is.
    assert communitycore.to_dict(done, lang="zh")["category_label"] == "annual-salary"


def test_payments_import_all_or_nothing_naming_rows(community: Community, tmp_path: Path) -> None:
    t = tree(community)
    a, b, _c = t["members"]
    for m in (a, b):
        community.dues.set_base(m.id, category="employed", base="3000", from_month="2026-09")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"党员编号,月份,金额,交纳日期\n{a.id},2026-09,15,2026-09-10\n{b.id},2026-13,15,2026-09-10\n"
                   f"{b.id},2026-10,abc,2026-10-10\n", encoding="utf-8")
    with pytest.raises(RejectedInput) as rejected:
        community.dues.import_payments(bad)
    assert sorted((p.row, p.field) for p in rejected.value.problems) == [(3, "月份"), (4, "金额")]
    assert len(community.dues.arrears(through="2026-10")) == 2  # nothing was written
    ids = tmp_path / "ids.csv"  # ids as every other id is read: digits 0-9 (full-width too), within range
    ids.write_text("党员编号,月份,金额,交纳日期\n٣,2026-09,15,2026-09-10\n99999999999999999999,2026-09,15,2026-09-10\n"
                   "x,2026-09,15,2026-09-10\n", encoding="utf-8")
    with pytest.raises(RejectedInput) as rejected:
        community.dues.import_payments(ids)
    assert [(p.row, p.field) for p in rejected.value.problems] == [(2, "党员编号"), (3, "党员编号"), (4, "党员编号")]
    assert "out of range" in rejected.value.problems[1].message
    wide = str(a.id).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    good = tmp_path / "good.csv"
    good.write_text(f"党员编号,月份,金额,交纳日期\n{wide},2026-09,15,2026-09-10\n{a.id},2026年10月,15.00,2026-10-01\n",
                    encoding="utf-8")
    assert community.dues.import_payments(good) == 2
    assert [x.member_id for x in community.dues.arrears(through="2026-10")] == [b.id]


def test_a_payment_before_joining_or_a_month_outside_the_years_is_refused(community: Community,
                                                                          tmp_path: Path) -> None:
    a = tree(community)["members"][0]  # joined 2000-07-01
    community.dues.set_base(a.id, category="employed", base="3000", from_month="2026-01")
    with pytest.raises(InvalidValue, match=r"^month: 1900-01 is before the member joined \(2000-07-01\)"):
        community.dues.pay(a.id, month="1900-01", amount="15")
    with pytest.raises(InvalidValue, match=r"^on: the payment date 1900-01-01 is before the member joined"):
        community.dues.pay(a.id, month="2026-01", amount="15", on="1900-01-01")
    for month in ("9999-12", dt.date(9999, 12, 1), "1899-12"):  # 9999-12 has no last day datetime can hold
        with pytest.raises(InvalidValue, match="outside the years 1900 to 2099"):
            community.dues.pay(a.id, month=month, amount="121.5")
    with pytest.raises(InvalidValue, match=r"^from: 9999-11 lies outside the years"):
        community.dues.set_base(a.id, category="employed", base="3000", from_month="9999-11")
    early = tmp_path / "early.csv"
    early.write_text(f"党员编号,月份,金额,交纳日期\n{a.id},2000-06,15,2026-01-10\n{a.id},2026-01,15,1999-01-01\n",
                     encoding="utf-8")
    with pytest.raises(RejectedInput) as rejected:
        community.dues.import_payments(early)
    assert sorted((p.row, p.field) for p in rejected.value.problems) == [(2, "月份"), (3, "交纳日期")]
    # Nothing was paid; arrears run to this month at the latest: months still to come are not owed yet.
    [owed] = community.dues.arrears(through="2026-11")
    assert owed.unpaid_months[0] == "2026-01" and owed.unpaid_months[-1] == "2026-11"
    with pytest.raises(InvalidValue, match=r"^through: 2099-12 is after this month"):
        community.dues.arrears(through="2099-12", limit=1)


def test_the_ledger_export_lists_each_month(community: Community, tmp_path: Path) -> None:
    t = tree(community)
    a = t["members"][0]
    community.dues.set_base(a.id, category="employed", base="3000", from_month="2026-01")
    community.dues.pay(a.id, month="2026-02", amount="15", on="2026-02-01")
    out = community.dues.ledger(t["branch"].id, "2026", tmp_path / "ledger.csv")
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("党员编号,姓名,2026-01,2026-02") and lines[0].endswith("合计")
    assert lines[1].split(",")[2:4] == ["0.00", "15.00"] and lines[1].endswith(",15.00")


def test_bad_input_is_named() -> None:
    with pytest.raises(InvalidValue, match="month"):
        parse_month("2026-13")
    with pytest.raises(InvalidValue, match="two decimals"):
        parse_amount("3000.001")
    with pytest.raises(InvalidValue, match="two decimals"):
        parse_amount("-1")


# Properties ------------------------------------------------------------------------------------

_fen = st.integers(1, 5_000_000).map(lambda f: Decimal(f) / 100)


@given(_fen)
def test_the_employed_bands_with_inclusive_upper_bounds(base: Decimal) -> None:
    due = amount_for(NATIONAL["employed"], base)
    rate = Decimal("0.5") if base <= 3000 else Decimal("1") if base <= 5000 else Decimal("1.5") \
        if base <= 10000 else Decimal("2")
    assert due.rate == rate
    assert due.amount == (base * rate / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert due.amount.as_tuple().exponent == -2


@given(_fen, _fen)
def test_more_pay_never_means_less_dues(low: Decimal, high: Decimal) -> None:
    low, high = min(low, high), max(low, high)
    for code in ("employed", "retired"):
        assert amount_for(NATIONAL[code], low).amount <= amount_for(NATIONAL[code], high).amount


@given(st.sets(st.integers(0, 40)))
def test_the_longest_run_is_the_longest_stretch_of_consecutive_months(months: set[int]) -> None:
    best = 0
    for m in months:
        n = 0
        while m + n in months:
            n += 1
        best = max(best, n)
    assert longest_run(sorted(months)) == best


def test_months_are_numbers() -> None:
    assert parse_month("2026年3月") == parse_month("2026-03") == month_number(2026, 3)
    assert parse_month(dt.date(2026, 3, 9)) == month_number(2026, 3)


def test_hook_communitycore_register_dues_categories(tmp_path: Path, clock: Any) -> None:
    import communitycore
    from communitycore import DuesCategory, hookimpl

    class Province:
        name = "province"

        @hookimpl
        def communitycore_register_dues_categories(self) -> list[DuesCategory]:
            return [DuesCategory(code="farmer-zj", label="农民", replaces="farmer", fixed="0.50")]

    c = communitycore.open(f"sqlite:///{tmp_path / 'h.db'}", actor="t", clock=clock, autoload=False, create=True,
                           plugins=[Province()])
    street = c.org.add("城南街道党工委", "street-committee")
    branch = c.org.add("第一党支部", "branch", street.id)
    member = c.members.add("农民党员", branch.id, join_date="2000-07-01", full_date="2001-07-01")
    c.dues.set_base(member.id, category="农民", from_month="2026-01")
    assert str(c.dues.amount(member.id, month="2026-02").amount) == "0.50"
    assert "farmer" not in c.registry.dues_categories
    c.close()


ROUNDINGS = ("half-up", "half-even", "down", "up")


@given(st.integers(min_value=0, max_value=10**10), st.sampled_from(sorted(NATIONAL)), st.sampled_from(ROUNDINGS))
def test_the_whole_fen_rule_is_the_decimal_rule(base_fen: int, code: str, rounding: str) -> None:
    category = NATIONAL[code]
    expected = amount_for(category, Decimal(base_fen) / 100, rounding=rounding).amount
    assert due_fen(category, base_fen, rounding) == int(expected * 100)


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=10**4),
       st.sampled_from(ROUNDINGS))
def test_integer_rounding_is_decimal_quantize(numerator: int, denominator: int, rounding: str) -> None:
    exact = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=ROUNDING_MODES[rounding])
    assert round_ratio(numerator, denominator, rounding) == int(exact)


month_counts = st.integers(min_value=0, max_value=17)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_arrears_match_a_month_by_month_reference(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as folder:
        # The clock is past the last month drawn: arrears run to this month at the latest.
        c = communitycore.open(f"sqlite:///{folder}/c.db", actor="tester", autoload=False, create=True,
                               clock=Clock("Asia/Shanghai", fixed=dt.datetime(2026, 10, 1, 10)))
        try:
            _arrears_against_reference(c, tree(c), data)
        finally:
            c.close()


def _month(number: int) -> str:
    return f"{2025 + number // 12}-{number % 12 + 1:02d}"


def _arrears_against_reference(c: Community, t: dict[str, Any], data: st.DataObject) -> None:
    """Arrears over a drawn span agree with a month-by-month reference whether each member's stored
    standing is fresh, missing, or worked out under a rounding since changed."""
    plans = []
    for member in t["members"]:
        changes = data.draw(st.lists(st.tuples(month_counts, st.sampled_from(["employed", "retired", "student"]),
                                               st.integers(min_value=100000, max_value=1200000)),
                                     max_size=3))
        for month, code, base in changes:
            c.dues.set_base(member.id, category=code, from_month=_month(month),
                            base=None if code == "student" else str(Decimal(base) / 100))
        paid = data.draw(st.dictionaries(month_counts, st.integers(min_value=1, max_value=30000), max_size=12))
        for month, fen in paid.items():
            c.dues.pay(member.id, month=_month(month), amount=str(Decimal(fen) / 100), on="2026-01-05")
        plans.append((member.id, changes, paid))
    first = data.draw(st.integers(min_value=0, max_value=17))
    last = data.draw(st.integers(min_value=first, max_value=20))

    def reference(rounding: str) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for member_id, changes, paid in plans:
            unpaid = []
            for month in range(first, last + 1):
                # The latest base not after the month holds; of two from one month, the later recorded.
                held = sorted((m, i) for i, (m, _code, _base) in enumerate(changes) if m <= month)
                if not held:
                    continue
                _m, code, base = changes[held[-1][1]]
                owed = amount_for(NATIONAL[code], None if code == "student" else Decimal(base) / 100,
                                  rounding=rounding).amount
                if Decimal(paid.get(month, 0)) / 100 < owed:
                    unpaid.append(_month(month))
            if unpaid:
                found[member_id] = unpaid
        return found

    def arrears() -> dict[int, list[str]]:
        return {a.member_id: list(a.unpaid_months) for a in c.dues.arrears(since=_month(first), through=_month(last))}

    assert arrears() == reference("half-up")
    with c.transaction() as tx:  # as after an upgrade: no standing stored
        tx.conn.execute(delete(dues_tables.dues_standing))
    assert arrears() == reference("half-up")
    assert c.dues.refresh() == len({m for m, changes, _paid in plans if changes})
    assert arrears() == reference("half-up")
    c.org.set_setting(t["branch"].id, "dues-rounding", "up")  # the stored standings no longer hold
    assert arrears() == reference("up")
    c.dues.refresh()
    assert arrears() == reference("up")


@given(st.lists(st.tuples(st.integers(0, 30), st.sampled_from([0, 20, 1500, 4800])), min_size=1, max_size=4),
       st.dictionaries(st.integers(0, 40), st.integers(1, 5000), max_size=20),
       st.one_of(st.none(), st.dates(dt.date(2024, 12, 1), dt.date(2027, 12, 31))),
       st.integers(0, 45), st.integers(0, 45))
def test_a_standing_answers_any_span_as_the_months_one_by_one(bases: list[tuple[int, int]], paid: dict[int, int],
                                                              join: dt.date | None, first: int, last: int) -> None:
    origin = month_number(2025, 1)
    rows = sorted(((origin + m, fen) for m, fen in bases), key=lambda row: row[0])
    spent = {origin + m: fen for m, fen in paid.items()}
    standing = work_out_standing(rows, spent, join)
    low, high = origin + first, origin + last
    expected = []
    for month in range(low, high + 1):
        held = [fen for start, fen in rows if start <= month]  # the later of one month holds
        if not held or (join is not None and month < month_number(join.year, join.month)):
            continue
        if held[-1] > 0 and spent.get(month, 0) < held[-1]:
            expected.append(month)
    assert standing.unpaid(low, high) == expected
    runs = standing.unpaid_runs(low, high)
    assert all(b + 1 < c for (_a, b), (c, _d) in itertools.pairwise(runs))  # runs never touch
    assert max((b - a + 1 for a, b in runs), default=0) == longest_run(expected)
