"""The activity ledger on every engine: recording, reversals, the period query, unit removal, exports."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import communitycore
from communitycore import Community, Conflict, Fact, NotFound, Period, RejectedInput, hookimpl
from communitycore.clock import Clock
from communitycore.domain.activity import FactValue, NewEntry, parse_quantity
from communitycore.errors import InvalidValue
from communitycore.i18n import language
from communitycore.records import Aggregate
from communitycore.store import activity as ledger
from communitycore.store.tables import activity as activity_tables
from racing import at_once, record_or_removal


class LedgerFacts:
    """Facts of every aggregate, about members, units and stewards."""

    name = "ledger-facts"

    @hookimpl
    def communitycore_register_facts(self) -> list[Fact]:
        return [
            Fact(code="volunteer-hours", label="志愿服务时长", subject="member", unit="hours",
                 replaces="volunteer-hours"),
            Fact(code="meetings-attended", label="参加会议次数", subject="member", aggregate="count"),
            Fact(code="best-rating", label="最高评价", subject="member", aggregate="max"),
            Fact(code="mean-rating", label="平均评价", subject="member", aggregate="mean"),
            Fact(code="bulletin-posts", label="宣传栏公示次数", subject="unit"),
            Fact(code="steward-visits", label="管家走访次数", subject="steward", aggregate="count"),
            Fact(code="partner-projects", label="认领项目数", subject="partner"),
            Fact(code="resident-ratings", label="居民评价", subject="resident", aggregate="mean"),
            Fact(code="service-points", label="服务积分", subject="member", unit="points"),
            Fact(code="unit-duty-hours", label="值守总时长", subject="unit", unit="hours"),
        ]


def open_ledger(url: str, clock: Clock) -> Community:
    return communitycore.open(url, actor="记录员", clock=clock, autoload=False, plugins=[LedgerFacts()],
                              create=True)


@pytest.fixture
def book(db_url: str, clock: Clock) -> Iterator[Community]:
    c = open_ledger(db_url, clock)
    yield c
    c.close()


@pytest.fixture
def tree(book: Community) -> dict[str, int]:
    street = book.org.add("城南街道党工委", "street-committee")
    committee = book.org.add("幸福社区党委", "community-committee", parent=street)
    grid1 = book.org.add("第一网格党支部", "grid-branch", parent=committee)
    grid2 = book.org.add("第二网格党支部", "grid-branch", parent=committee)
    zhang = book.members.add("张三", grid1)
    li = book.members.add("李四", grid2)
    return {"street": street.id, "committee": committee.id, "grid1": grid1.id, "grid2": grid2.id,
            "zhang": zhang.id, "li": li.id}


def values(c: Community, facts: Any, period: Any, **kwargs: Any) -> dict[tuple[str, int, str], Decimal]:
    return {(v.subject_kind, v.subject_id, v.fact): v.value for v in c.activity.values(facts, period, **kwargs)}


# Must show: ten entries and one reversal give the expected sums -------------------------------------


def test_ten_entries_and_one_reversal_give_the_expected_sums(book: Community, tree: dict[str, int]) -> None:
    zhang, li = tree["zhang"], tree["li"]
    hours = ["1.5", "2", "0.25", "3", "1.5", "4", "2.75", "1", "0.5", "6"]
    days = ["2026-01-05", "2026-01-20", "2026-02-03", "2026-02-28", "2026-03-01", "2026-03-31", "2026-04-01",
            "2026-04-15", "2025-12-31", "2026-03-15"]
    who = [zhang, zhang, li, zhang, li, zhang, zhang, li, zhang, li]
    entries = [book.activity.record("member", m, "volunteer-hours", on=d, quantity=q)
               for m, d, q in zip(who, days, hours, strict=True)]
    reversal = book.activity.reverse(entries[3].id, note="重复登记")
    assert reversal.quantity == Decimal("-3") and reversal.reverses == entries[3].id
    assert reversal.occurred_on == dt.date(2026, 2, 28) and reversal.note == "重复登记"
    q1 = values(book, "volunteer-hours", "2026Q1")
    # zhang in Q1: 1.5 + 2 + 3 + 4 = 10.5, less the reversed 3; li: 0.25 + 1.5 + 6
    assert q1 == {("member", zhang, "volunteer-hours"): Decimal("7.5"),
                  ("member", li, "volunteer-hours"): Decimal("7.75")}
    assert values(book, "volunteer-hours", "2026年第一季度") == q1
    assert values(book, ["volunteer-hours"], Period.parse("2026-02")) == {
        ("member", zhang, "volunteer-hours"): Decimal("0"), ("member", li, "volunteer-hours"): Decimal("0.25")}
    assert values(book, "volunteer-hours", "2026") == {
        ("member", zhang, "volunteer-hours"): Decimal("10.25"), ("member", li, "volunteer-hours"): Decimal("8.75")}
    assert values(book, "volunteer-hours", "2026Q2") == {
        ("member", zhang, "volunteer-hours"): Decimal("2.75"), ("member", li, "volunteer-hours"): Decimal("1")}
    # Nothing was changed: the reversed entry is there as recorded.
    assert book.activity.get(entries[3].id) == entries[3]
    assert len(book.activity.list(limit=None)) == 11


def test_each_aggregate_handles_reversals(book: Community, tree: dict[str, int]) -> None:
    zhang = tree["zhang"]
    record = book.activity.record
    for quantity in (1, 1, 1):
        record("member", zhang, "meetings-attended", on="2026-03-02", quantity=quantity)
    wrong = record("member", zhang, "meetings-attended", on="2026-03-09")
    record("member", zhang, "best-rating", on="2026-03-02", quantity=4)
    top = record("member", zhang, "best-rating", on="2026-03-03", quantity=5)
    record("member", zhang, "mean-rating", on="2026-03-02", quantity=4)
    record("member", zhang, "mean-rating", on="2026-03-03", quantity=5)
    odd = record("member", zhang, "mean-rating", on="2026-03-04", quantity="0.5")
    for entry in (wrong, top, odd):
        book.activity.reverse(entry.id)
    found = values(book, ["meetings-attended", "best-rating", "mean-rating"], "2026Q1")
    assert found == {("member", zhang, "meetings-attended"): Decimal(3),
                     ("member", zhang, "best-rating"): Decimal(4),
                     ("member", zhang, "mean-rating"): Decimal("4.5")}


def test_a_subject_whose_entries_were_all_reversed(book: Community, tree: dict[str, int]) -> None:
    li = tree["li"]
    for fact in ("volunteer-hours", "meetings-attended", "best-rating", "mean-rating"):
        book.activity.reverse(book.activity.record("member", li, fact, on="2026-05-01", quantity=2).id)
    found = values(book, ["volunteer-hours", "meetings-attended", "best-rating", "mean-rating"], "2026Q2")
    # A sum and a count of nothing are 0; a mean or a maximum of nothing does not exist.
    assert found == {("member", li, "volunteer-hours"): Decimal(0), ("member", li, "meetings-attended"): Decimal(0)}


def test_values_of_a_subtree_and_of_one_kind_of_subject(book: Community, tree: dict[str, int],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    book.activity.record("member", tree["zhang"], "volunteer-hours", on="2026-03-01", quantity=2)
    book.activity.record("member", tree["li"], "volunteer-hours", on="2026-03-01", quantity=3)
    book.activity.record("unit", tree["grid1"], "bulletin-posts", on="2026-03-01", quantity=1)
    book.activity.record("steward", 7, "steward-visits", on="2026-03-01", unit=tree["grid2"])
    book.activity.record("steward", 8, "steward-visits", on="2026-03-01")  # no unit: only in unit-free queries
    facts = ["volunteer-hours", "bulletin-posts", "steward-visits"]
    for small in (50, 0):  # from the unit index, and as a filter on the period index
        monkeypatch.setattr(ledger, "SMALL_SUBTREE", small)
        assert values(book, facts, "2026Q1", unit="城南街道党工委/幸福社区党委/第一网格党支部") == {
            ("member", tree["zhang"], "volunteer-hours"): Decimal(2), ("unit", tree["grid1"], "bulletin-posts"): 1}
        assert set(values(book, facts, "2026Q1", unit=tree["committee"])) == {
            ("member", tree["zhang"], "volunteer-hours"), ("member", tree["li"], "volunteer-hours"),
            ("unit", tree["grid1"], "bulletin-posts"), ("steward", 7, "steward-visits")}
    assert len(values(book, facts, "2026Q1")) == 5
    assert values(book, facts, "2026Q1", subject_kind="steward") == {("steward", 7, "steward-visits"): 1,
                                                                     ("steward", 8, "steward-visits"): 1}
    ordered = book.activity.values(facts, "2026Q1")
    assert ordered == sorted(ordered, key=lambda v: (v.subject_kind, v.subject_id, v.fact))
    assert all(isinstance(v, FactValue) for v in ordered)


def test_values_refuse_unknown_facts_and_periods(book: Community) -> None:
    with pytest.raises(InvalidValue, match=r"unknown fact\(s\) nope"):
        book.activity.values(["volunteer-hours", "nope"], "2026Q1")
    with pytest.raises(InvalidValue):
        book.activity.values("volunteer-hours", "2026Q5")
    with pytest.raises(InvalidValue, match="at least one fact"):
        book.activity.values([], "2026")
    assert book.activity.values("volunteer-hours,meetings-attended", "2026") == []


# Recording: every check, nothing half done -----------------------------------------------------------


def test_each_entry_records_its_unit_source_recorder_and_time(book: Community, tree: dict[str, int],
                                                             clock: Clock) -> None:
    entry = book.activity.record("member", tree["zhang"], "volunteer-hours", on=dt.date(2026, 3, 1), quantity=1.5,
                                 source_kind="meeting", source_id=12, note="  周六义诊 ")
    assert (entry.unit_id, entry.source_kind, entry.source_id, entry.recorder, entry.note) == (
        tree["grid1"], "meeting", "12", "记录员", "周六义诊")
    assert entry.recorded_at == clock.now() and entry.quantity == Decimal("1.5")
    other = book.activity.record("member", tree["zhang"], "volunteer-hours", unit=tree["grid2"])
    assert other.unit_id == tree["grid2"] and other.occurred_on == clock.today() and other.quantity == 1
    audit = book.audit.list(action="activity.record")[0]
    assert audit.entity_id == str(other.id) and audit.after["quantity"] == 1


def test_bad_entries_are_refused_naming_the_field(book: Community, tree: dict[str, int]) -> None:
    zhang = tree["zhang"]
    cases = [
        ({"fact": "nope"}, "fact", "unknown fact 'nope'"),
        ({"fact": "bulletin-posts"}, "subject_kind", "about unit, not member"),
        ({"subject_id": 999}, "subject_id", "there is no member with id 999"),
    ]
    for change, field, message in cases:
        args = {"subject_kind": "member", "subject_id": zhang, "fact": "volunteer-hours", **change}
        with pytest.raises(RejectedInput) as caught:
            book.activity.record(**args)
        assert (caught.value.problems[0].field, message in caught.value.problems[0].message) == (field, True)
    for kwargs, message in (({"quantity": "1.555"}, "more than two decimal places"),
                            ({"quantity": "x"}, "not a number"), ({"on": "2026-02-30"}, "not a date"),
                            ({"note": "a\x00b"}, "control characters")):
        with pytest.raises(RejectedInput, match=message):
            book.activity.record("member", zhang, "volunteer-hours", **kwargs)
    with pytest.raises(RejectedInput, match="not one of"):
        book.activity.record("volunteer", zhang, "volunteer-hours")
    with pytest.raises(NotFound):
        book.activity.record("member", zhang, "volunteer-hours", unit="没有/这个")
    assert book.activity.list() == []


def test_quantities_are_exact() -> None:
    assert parse_quantity(0.1) + parse_quantity(0.2) == Decimal("0.3")
    assert parse_quantity("1,200.50") == Decimal("1200.5")
    for bad in ("NaN", "inf", True, "1e20", "0.001"):
        with pytest.raises(InvalidValue):
            parse_quantity(bad)


def test_record_many_writes_a_batch_with_one_audit_entry(book: Community, tree: dict[str, int]) -> None:
    entries = [NewEntry(subject_kind="党员", subject_id=tree["zhang" if i % 2 else "li"], fact="volunteer-hours",
                        on=f"2026-03-{i + 1:02d}", quantity=Decimal("0.5")) for i in range(20)]
    entries.append(NewEntry(subject_kind="steward", subject_id=3, fact="steward-visits", on="2026-03-01"))
    audits = len(book.audit.list(limit=None))
    assert book.activity.record_many(entries, source="test") == 21
    assert len(book.audit.list(limit=None)) == audits + 1
    # An audit entry is a frozen record: its lists are tuples.
    assert book.audit.list(limit=1)[0].after == {"entries": 21, "facts": ("steward-visits", "volunteer-hours"),
                                                 "source": "test"}
    assert values(book, "volunteer-hours", "2026-03") == {("member", tree["zhang"], "volunteer-hours"): Decimal(5),
                                                          ("member", tree["li"], "volunteer-hours"): Decimal(5)}
    stored = book.activity.list(subject_kind="member", subject_id=tree["zhang"], limit=None)
    assert len(stored) == 10 and {e.unit_id for e in stored} == {tree["grid1"]}


def test_record_many_is_all_or_nothing_naming_each_bad_entry(book: Community, tree: dict[str, int]) -> None:
    good = NewEntry(subject_kind="member", subject_id=tree["zhang"], fact="volunteer-hours", on="2026-03-01")
    bad_fact = NewEntry(subject_kind="member", subject_id=tree["zhang"], fact="nope", on="2026-03-01")
    missing = NewEntry(subject_kind="member", subject_id=424242, fact="volunteer-hours", on="2026-03-01")
    with pytest.raises(RejectedInput) as caught:
        book.activity.record_many([good, bad_fact, good, missing])
    assert [(p.row, p.field) for p in caught.value.problems] == [(2, "fact"), (4, "subject_id")]
    assert book.activity.list() == []


# Reversals ----------------------------------------------------------------------------------------------


def test_an_entry_is_reversed_once_and_a_reversal_never(book: Community, tree: dict[str, int]) -> None:
    entry = book.activity.record("member", tree["zhang"], "volunteer-hours", quantity=2)
    reversal = book.activity.reverse(entry.id)
    with pytest.raises(Conflict, match=f"entry {entry.id} was already reversed by entry {reversal.id}"):
        book.activity.reverse(entry.id)
    with pytest.raises(Conflict, match="is itself the reversal"):
        book.activity.reverse(reversal.id)
    with pytest.raises(NotFound):
        book.activity.reverse(99999)
    audit = book.audit.list(action="activity.reverse")
    assert len(audit) == 1 and audit[0].entity_id == str(entry.id)


def test_concurrent_reversals_of_one_entry_exactly_one_wins(book: Community, tree: dict[str, int], db_url: str,
                                                            clock: Clock) -> None:
    entry = book.activity.record("member", tree["zhang"], "volunteer-hours", quantity=2)
    workers = 4
    communities = [open_ledger(db_url, clock) for _ in range(workers)]

    def reverse(c: Community) -> str:
        try:
            c.activity.reverse(entry.id)
            return "reversed"
        except Conflict:
            return "refused"

    try:
        results = at_once(*(partial(reverse, c) for c in communities))
    finally:
        for c in communities:
            c.close()
    assert results == ["refused"] * (workers - 1) + ["reversed"]
    assert [e.reverses for e in book.activity.list()] == [None, entry.id]


def test_an_entry_naming_a_resident_and_the_residents_removal_never_both_pass(book: Community, db_url: str,
                                                                             clock: Clock) -> None:
    residents = [book.residents.add(f"居民{i}").id for i in range(4)]
    writers = [open_ledger(db_url, clock) for _ in range(2)]
    try:
        record_or_removal(residents, writers,
                          lambda c, resident: c.activity.record("resident", resident, "resident-ratings", quantity=5),
                          RejectedInput,
                          lambda resident: len(book.activity.list(subject_kind="resident", subject_id=resident)))
    finally:
        for c in writers:
            c.close()


def test_the_database_itself_refuses_a_second_reversal(book: Community, tree: dict[str, int]) -> None:
    entry = book.activity.record("member", tree["zhang"], "volunteer-hours", quantity=2)
    book.activity.reverse(entry.id)
    row = {c: getattr(book.activity.get(entry.id), c) for c in ledger.ENTRY_COLUMNS if hasattr(entry, c)}
    row.update(quantity=-entry.quantity, reverses=entry.id, recorded_at=entry.recorded_at)
    with pytest.raises(sa.exc.IntegrityError), book.engine.begin() as conn:
        conn.execute(sa.insert(activity_tables.activity).values(**row))


# Units, exports ---------------------------------------------------------------------------------------------


def test_removing_a_unit_keeps_its_entries(book: Community, tree: dict[str, int]) -> None:
    book.activity.record("member", tree["li"], "volunteer-hours", on="2026-03-01", quantity=3)
    book.activity.record("unit", tree["grid2"], "bulletin-posts", on="2026-03-01", quantity=1)
    before = values(book, ["volunteer-hours", "bulletin-posts"], "2026Q1")
    book.org.remove(tree["grid2"], cascade=True)  # the member goes with it; what happened stays
    assert values(book, ["volunteer-hours", "bulletin-posts"], "2026Q1") == before
    assert {e.unit_id for e in book.activity.list()} == {None}
    assert values(book, "volunteer-hours", "2026Q1", unit=tree["committee"]) == {}


def test_the_ledger_round_trips_through_an_export(book: Community, tree: dict[str, int], tmp_path: Path,
                                                  clock: Clock) -> None:
    entry = book.activity.record("member", tree["zhang"], "volunteer-hours", on="2026-03-01", quantity="1.25")
    book.activity.record("steward", 5, "steward-visits", on="2026-03-02", note="走访")
    book.activity.reverse(entry.id, note="更正")
    counts = book.export_to(tmp_path / "export.json")
    assert counts["activity"] == 3
    data = json.loads((tmp_path / "export.json").read_text(encoding="utf-8"))
    assert [e["quantity"] for e in data["activity"]] == [1.25, 1, -1.25]
    with open_ledger(f"sqlite:///{tmp_path / 'copy.db'}", clock) as copy:
        copy.import_from(tmp_path / "export.json")
        assert copy.activity.list() == book.activity.list()
        assert copy.activity.values(["volunteer-hours", "steward-visits"], "2026") == book.activity.values(
            ["volunteer-hours", "steward-visits"], "2026")
        later = copy.activity.record("member", tree["zhang"], "volunteer-hours")
        assert later.id == 4


def test_an_import_checks_the_ledger(book: Community, tree: dict[str, int], tmp_path: Path, clock: Clock) -> None:
    entry = book.activity.record("member", tree["zhang"], "volunteer-hours", on="2026-03-01")
    book.activity.reverse(entry.id)
    book.export_to(tmp_path / "export.json")
    data = json.loads((tmp_path / "export.json").read_text(encoding="utf-8"))
    data["activity"][0]["subject_id"] = 999
    data["activity"][1]["fact"] = "gone"
    data["activity"].append({**data["activity"][1], "id": 3, "fact": "volunteer-hours", "quantity": 1.005})
    data["counts"]["activity"] = 3
    (tmp_path / "bad.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with open_ledger(f"sqlite:///{tmp_path / 'copy.db'}", clock) as copy:
        with pytest.raises(RejectedInput) as caught:
            copy.import_from(tmp_path / "bad.json")
        where = [p.field for p in caught.value.problems]
        assert "$.activity[0].subject_id" in where and "$.activity[1].fact" in where
        assert any("more than two decimal places" in p.message for p in caught.value.problems)
        assert copy.activity.list() == []


# Property: the ledger's values equal a Python reference, for every aggregate -------------------------------

# Points, not hours: a person's hours of one day stop at 24, and these quantities run to ±50.
AGGREGATES = {"service-points": Aggregate.SUM, "meetings-attended": Aggregate.COUNT,
              "best-rating": Aggregate.MAX, "mean-rating": Aggregate.MEAN}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Community, list[int]]]:
    path = tmp_path_factory.mktemp("ledger") / "ledger.db"
    c = open_ledger(f"sqlite:///{path}", Clock("Asia/Shanghai", fixed=dt.datetime(2026, 11, 28, 10, 0)))
    unit = c.org.add("城南街道党工委", "street-committee")
    members = [c.members.add(f"党员{i}", unit).id for i in range(3)]
    yield c, members
    c.close()


def reference(entries: list[dict[str, Any]], reversed_ids: set[int], period: Period) -> dict[tuple[int, str], Any]:
    """What the values must be, computed the plain way: entry by entry."""
    groups: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for e in entries:
        if e["on"] in period:
            groups.setdefault((e["subject"], e["fact"]), []).append(e)
    out: dict[tuple[int, str], Any] = {}
    for key, group in groups.items():
        standing = [e["quantity"] for e in group if not e["reversal"] and e["id"] not in reversed_ids]
        aggregate = AGGREGATES[key[1]]
        if aggregate is Aggregate.SUM:
            out[key] = sum((e["quantity"] for e in group), Decimal(0))
        elif aggregate is Aggregate.COUNT:
            out[key] = Decimal(len(standing))
        elif standing and aggregate is Aggregate.MAX:
            out[key] = max(standing)
        elif standing:
            out[key] = (sum(standing, Decimal(0)) / len(standing)).quantize(Decimal("0.01"))
    return out


entry_strategy = st.tuples(
    st.integers(min_value=0, max_value=2),
    st.sampled_from(sorted(AGGREGATES)),
    st.dates(min_value=dt.date(2025, 12, 20), max_value=dt.date(2026, 7, 10)),
    st.decimals(min_value=Decimal("-50"), max_value=Decimal("50"), places=2, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.lists(entry_strategy, min_size=1, max_size=25), picks=st.lists(st.integers(min_value=0), max_size=8),
       period=st.sampled_from(["2026Q1", "2026-02", "2026", "2026H1", "2026W05", "2025"]))
def test_values_equal_a_reference_computation(shared: tuple[Community, list[int]], raw: list[Any], picks: list[int],
                                              period: str) -> None:
    c, members = shared
    with c.engine.begin() as conn:  # each example starts from an empty ledger (tests only: the ledger never deletes)
        conn.execute(activity_tables.activity.delete())
    batch = [NewEntry(subject_kind="member", subject_id=members[s], fact=f, on=d, quantity=q) for s, f, d, q in raw]
    c.activity.record_many(batch)
    stored = c.activity.list(limit=None)
    reversed_ids: set[int] = set()
    for pick in picks:
        target = stored[pick % len(stored)]
        if target.id not in reversed_ids:
            c.activity.reverse(target.id)
            reversed_ids.add(target.id)
    entries = [{"id": e.id, "subject": e.subject_id, "fact": e.fact, "on": e.occurred_on, "quantity": e.quantity,
                "reversal": e.reverses is not None} for e in c.activity.list(limit=None)]
    expected = reference(entries, reversed_ids, Period.parse(period))
    found = {(v.subject_id, v.fact): v.value for v in c.activity.values(sorted(AGGREGATES), period)}
    assert found == expected


def test_an_export_imports_into_every_engine(book: Community, tmp_path: Path, clock: Clock) -> None:
    with open_ledger(f"sqlite:///{tmp_path / 'source.db'}", clock) as source:
        unit = source.org.add("城南街道党工委", "street-committee")
        member = source.members.add("张三", unit)
        entry = source.activity.record("member", member.id, "volunteer-hours", on="2026-03-01", quantity="2.5")
        source.activity.reverse(entry.id)
        source.activity.record("unit", unit.id, "bulletin-posts", on="2026-03-02", quantity=3)
        source.export_to(tmp_path / "export.json")
        book.import_from(tmp_path / "export.json")
        assert book.activity.list() == source.activity.list()
        assert book.activity.values(["volunteer-hours", "bulletin-posts"], "2026Q1") == source.activity.values(
            ["volunteer-hours", "bulletin-posts"], "2026Q1")
    assert book.activity.record("unit", unit.id, "bulletin-posts").id == 4  # the id sequence moved past them


def test_ids_beyond_the_columns_are_refused_cleanly(book: Community, tree: dict[str, int]) -> None:
    with pytest.raises(RejectedInput, match="from 1 to 2147483647"):
        book.activity.record("member", 11010119850312124, "volunteer-hours")
    with pytest.raises(NotFound):
        book.activity.reverse(2**40)
    with pytest.raises(NotFound):
        book.activity.get(-1)
    assert book.activity.list(subject_kind="member", subject_id=2**40) == []


def test_a_quantity_the_fact_cannot_have_is_refused_every_way_in(community: Community, tmp_path: Path) -> None:
    # volunteer-hours holds one person's hours of one day (the built-in fact's minimum and maximum).
    street = community.org.add("城南街道党工委", "street-committee")
    committee = community.org.add("幸福社区党委", "community-committee", parent=street)
    zhang = community.members.add("张三", community.org.add("第一网格党支部", "grid-branch", parent=committee)).id
    for quantity in ("-7", "0", "5000", "24.01"):
        with pytest.raises(RejectedInput, match=r"is not a quantity of fact 'volunteer-hours': it takes 0.01 to 24"):
            community.activity.record("member", zhang, "volunteer-hours", on="2026-03-01", quantity=quantity)
    with pytest.raises(RejectedInput) as caught:
        community.activity.record_many([NewEntry(subject_kind="member", subject_id=zhang, fact="volunteer-hours",
                                                 on=dt.date(2026, 3, 1), quantity=q) for q in ("2", "-100")])
    assert [(p.row, p.field) for p in caught.value.problems] == [(2, "quantity")]
    path = tmp_path / "hours.csv"
    path.write_text(f"对象类型,对象编号,事实,日期,数量\n党员,{zhang},volunteer-hours,2026-03-01,-100\n",
                    encoding="utf-8")
    with pytest.raises(RejectedInput) as caught:
        community.activity.import_file(path)
    assert [(p.row, p.field) for p in caught.value.problems] == [(2, "数量")]
    assert community.activity.list() == []
    entry = community.activity.record("member", zhang, "volunteer-hours", on="2026-03-01", quantity=24)
    assert community.activity.reverse(entry.id).quantity == Decimal(-24)  # a reversal is not bounded again


def test_a_persons_day_holds_24_hours_every_way_in(community: Community, tmp_path: Path) -> None:
    # volunteer-hours caps the day's total (day_maximum 24): the day's entries, then the batch's in order.
    street = community.org.add("城南街道党工委", "street-committee")
    grid = community.org.add("第一网格党支部", "grid-branch", parent=community.org.add(
        "幸福社区党委", "community-committee", parent=street))
    number = "110101198503121239"
    zhang = community.members.add("张三", grid, id_number=number).id
    li = community.members.add("李四", grid).id
    first = community.activity.record("member", zhang, "volunteer-hours", on="2026-03-01", quantity=20)
    with pytest.raises(RejectedInput, match="2026-03-01 already holds 20 of volunteer hours for this member: 5 more "
                                            "would make 25, and one day holds at most 24"):
        community.activity.record("member", zhang, "volunteer-hours", on="2026-03-01", quantity=5)

    def entry(member: int, day: int, hours: str) -> NewEntry:
        return NewEntry(subject_kind="member", subject_id=member, fact="volunteer-hours",
                        on=dt.date(2026, 3, day), quantity=hours)

    with pytest.raises(RejectedInput) as caught:
        community.activity.record_many([entry(zhang, 1, "4"), entry(li, 1, "20"), entry(zhang, 2, "12"),
                                        entry(li, 1, "4.5"), entry(zhang, 2, "12"), entry(zhang, 1, "0.01")])
    assert [(p.row, p.field) for p in caught.value.problems] == [(4, "quantity"), (6, "quantity")]
    assert community.activity.list() == [first]
    path = tmp_path / "hours.csv"
    path.write_text(f"对象类型,对象编号,事实,日期,数量\n党员,{li},volunteer-hours,2026-03-03,20\n"
                    f"党员,{number},volunteer-hours,2026-03-01,3.5\n党员,{number},volunteer-hours,2026-03-01,1\n",
                    encoding="utf-8")
    with pytest.raises(RejectedInput) as caught:
        community.activity.import_file(path)
    assert [(p.row, p.field) for p in caught.value.problems] == [(4, "数量")]
    assert "would make 24.5" in caught.value.problems[0].message
    assert community.activity.list() == [first]
    community.activity.reverse(first.id)  # a reversal nets the day out, and gives the hours back
    assert community.activity.record_many([entry(zhang, 1, "4"), entry(zhang, 1, "20")]) == 2
    with language("zh"), pytest.raises(RejectedInput, match="该党员 2026-03-01 已记志愿服务时长 24：再记 1 将达 25"):
        community.activity.record("member", zhang, "volunteer-hours", on="2026-03-01", quantity=1)


def test_a_persons_hours_stop_at_24_a_day_even_when_the_fact_says_nothing(book: Community,
                                                                          tree: dict[str, int]) -> None:
    # This plugin's volunteer-hours (replacing the built-in one) declares no bounds; a unit's hours are many people's.
    assert book.registry.facts["volunteer-hours"].day_maximum is None
    book.activity.record("member", tree["zhang"], "volunteer-hours", on="2026-03-01", quantity=24)
    with pytest.raises(RejectedInput, match="one day holds at most 24"):
        book.activity.record("member", tree["zhang"], "volunteer-hours", on="2026-03-01", quantity="0.5")
    book.activity.record("unit", tree["grid1"], "unit-duty-hours", on="2026-03-01", quantity=30)
    book.activity.record("unit", tree["grid1"], "unit-duty-hours", on="2026-03-01", quantity=30)
    assert sum(e.quantity for e in book.activity.list(fact="unit-duty-hours")) == 60


def test_two_writers_of_one_persons_day_stay_within_its_maximum(db_url: str, clock: Clock) -> None:
    # Each locks the person before the day is summed: the second sums the first's hours too.
    setup = communitycore.open(db_url, actor="setup", clock=clock, autoload=False, create=True)
    street = setup.org.add("城南街道党工委", "street-committee")
    grid = setup.org.add("第一网格党支部", "grid-branch",
                         parent=setup.org.add("幸福社区党委", "community-committee", parent=street))
    members = [setup.members.add(f"党员{i}", grid).id for i in range(4)]
    setup.close()
    writers = [communitycore.open(db_url, actor="setup", clock=clock, autoload=False) for _ in range(2)]

    def record(c: Community, member: int) -> str:
        try:
            c.activity.record("member", member, "volunteer-hours", on="2026-03-01", quantity=14)
            return "recorded"
        except RejectedInput:
            return "refused"

    try:
        for member in members:
            assert at_once(*(partial(record, c, member) for c in writers)) == ["recorded", "refused"]
            assert [e.quantity for e in writers[0].activity.list(subject_id=member)] == [Decimal(14)]
    finally:
        for c in writers:
            c.close()


def test_a_fact_declares_its_bounds() -> None:
    fact = Fact(code="duty-hours", label="值守时长", subject="member", unit="hours", minimum=0.5, maximum="12")
    assert (fact.minimum, fact.maximum) == (Decimal("0.5"), Decimal(12))
    with pytest.raises(ValueError, match="minimum 5 is above its maximum 1"):
        Fact(code="duty-hours", label="值守时长", subject="member", minimum=5, maximum=1)
    with pytest.raises(ValueError, match="expected a number"):
        Fact(code="duty-hours", label="值守时长", subject="member", maximum="many")
    with pytest.raises(ValueError, match="minimum 13 is above its day's maximum 12"):
        Fact(code="duty-hours", label="值守时长", subject="member", minimum=13, day_maximum=12)
