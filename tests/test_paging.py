"""Every listing a page at a time: ``limit`` and a cursor in the SDK; ``--limit``, the cursor option and a
line on standard error when more follow on the command line (none in JSON)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result

import communitycore
from communitycore import Community
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.clock import Clock
from communitycore.errors import InvalidValue

PACK = """
[pack]
name = "paging"

[[scoring_schemes]]
code = "pg-points"
label = "服务积分"
subject = "member"
period = "quarterly"
base = 60

[[scoring_schemes.items]]
fact = "volunteer-hours"
label = "志愿服务"
points = 1
"""


@pytest.fixture
def c(db_url: str, clock: Clock, tmp_path: Path) -> Iterator[Community]:
    pack = tmp_path / "paging.toml"
    pack.write_text(PACK, encoding="utf-8")
    community = communitycore.open(db_url, actor="tester", clock=clock, autoload=False, packs=[pack])
    yield community
    community.close()


def _street(c: Community) -> int:
    return c.org.add(f"第{len(c.org.children()) + 1}街道党工委", "street-committee").id


def _branch(c: Community, name: str = "第一网格党支部") -> int:
    committee = c.org.add(f"{name}所在社区党委", "community-committee", _street(c))
    return c.org.add(name, "grid-branch", committee.id).id


def _members(c: Community, n: int = 3, prefix: str = "党员", **fields: Any) -> list[int]:
    unit = _branch(c)
    return [c.members.add(f"{prefix}{i}", unit, **fields).id for i in range(n)]


def _requests(c: Community, n: int = 3, **fields: Any) -> None:
    unit = _street(c)
    for i in range(n):
        c.services.add_request(unit, category="care", channel="hotline", text=f"诉求{i}", **fields)


def _three_lists(c: Community, add: str) -> None:
    unit = _street(c)
    for i in range(3):
        getattr(c.services, add)(unit, name=f"清单{i}")


def _meetings(c: Community) -> None:
    unit = _branch(c)
    for day in ("2026-03-05", "2026-01-05", "2026-02-05"):  # listed by date, not by id
        c.meetings.record(unit, "party-lecture", on=day, topic=f"党课{day}", host="张书记")


def _due_branches(c: Community) -> None:
    committee = c.org.add("虹兴社区党委", "community-committee", _street(c))
    for name in ("甲支部", "乙支部"):
        c.org.add(name, "grid-branch", committee.id)


def _hours(c: Community) -> None:
    for number, member in enumerate(_members(c, 4)):
        c.services.record_hours(member=member, on="2026-10-01", hours=10 + number % 2, activity="巡逻")


def _runs(c: Community) -> None:
    (member,) = _members(c, 1)
    for period in ("2026Q1", "2026Q2", "2026Q3"):
        c.assessments.run("pg-points", period)
    assert member


def _appeals(c: Community) -> None:
    ids = _members(c, 3)
    for member in ids:
        c.services.record_hours(member=member, on="2026-02-01", hours=2, activity="巡逻")
    run = c.assessments.run("pg-points", "2026Q1")
    for member in ids:
        c.assessments.appeal(run.id, member, "volunteer-hours", reason="少记了时长")


def _arrears(c: Community) -> None:
    for member in _members(c, 3):
        c.dues.set_base(member, category="employed", base="3000", from_month="2026-01")


def _candidates(c: Community) -> None:
    unit = _branch(c)
    for i, day in enumerate(("2026-06-01", "2026-07-01", "2026-08-01")):
        c.recruitment.apply(f"申请人{i}", unit, on=day)


def _roster(c: Community) -> None:
    for member in _members(c, 3, join_date="2000-07-01", full_date="2001-07-01", education="本科"):
        c.rosters.apply("red-steward", member=member)


def _grants(c: Community) -> None:
    unit = _street(c)
    c.grants.add("网格员甲", "viewer", unit)
    c.grants.add("网格员乙", "viewer", unit)


def _households(c: Community) -> None:
    compound = c.org.add_compound("幸福里小区", "old", _street(c))
    for room in ("101", "102", "103"):
        c.residents.add_household(compound.id, building="1号楼", room=room)


def _residents(c: Community) -> None:
    for i in range(3):
        c.residents.add(f"居民{i}")


def _compounds(c: Community) -> None:
    unit = _street(c)
    for i in range(3):
        c.org.add_compound(f"小区{i}", "old", unit)


def _partners(c: Community) -> None:
    unit = _street(c)
    for i in range(3):
        c.org.add_partner("co-building-unit", f"共建单位{i}", unit)


def _ledger(c: Community) -> None:
    for member in _members(c, 3):
        c.activity.record("member", member, "volunteer-hours", on="2026-10-01", quantity=1)


def _nothing(c: Community) -> None:
    _street(c)
    _street(c)  # two units and a grant: enough audit entries and events to page through


@attrs.frozen
class Listing:
    """One listing: how to fill it, call it in the SDK and on the command line, and how its rows are told apart."""

    name: str
    setup: Callable[[Community], None]
    #: The SDK call: (community, limit, cursor) -> rows; the cursor is an ``after``/``before`` value or an offset.
    call: Callable[[Community, int | None, int | None], Sequence[Any]]
    command: tuple[str, ...]
    #: ``after``, ``before`` or ``offset``: the option the next page takes.
    cursor: str
    #: A row's identity: the SDK record's and the JSON object's.
    key: Callable[[Any], Any] = attrs.field(default=lambda r: r.id)
    json_key: Callable[[dict[str, Any]], Any] = attrs.field(default=lambda row: row["id"])
    #: The cursor value a row gives the next page (``after``/``before`` listings).
    mark: Callable[[Any], int] = attrs.field(default=lambda r: r.id)


def _member_due(c: Community) -> None:
    _members(c, 3, category="probationary", join_date="2025-03-01")
    _members(c, 1, prefix="新党员", category="probationary", join_date="2026-10-01")  # not due yet


LISTINGS = [
    Listing("member list", lambda c: _members(c, 3), lambda c, n, a: c.members.list(limit=n, after=a),
            ("member", "list"), "after"),
    Listing("member search", lambda c: _members(c, 3, prefix="张"),
            lambda c, n, a: c.members.search("张", limit=n, after=a), ("member", "search", "张"), "after"),
    Listing("member due-confirmation", _member_due,
            lambda c, n, o: c.members.due_confirmation(limit=n, offset=o or 0), ("member", "due-confirmation"),
            "offset", key=lambda d: d.member.id),
    Listing("activity list", _ledger, lambda c, n, a: c.activity.list(limit=n, after=a), ("activity", "list"), "after"),
    Listing("assess list", _runs, lambda c, n, b: c.assessments.runs(limit=n, before=b), ("assess", "list"), "before"),
    Listing("assess appeals", _appeals, lambda c, n, a: c.assessments.appeals(limit=n, after=a),
            ("assess", "appeals"), "after"),
    Listing("audit list", _nothing, lambda c, n, b: c.audit.list(limit=n, before=b), ("audit", "list"), "before"),
    Listing("events list", _nothing, lambda c, n, b: c.events.list(limit=n, before=b), ("events", "list"), "before",
            mark=lambda e: e.seq),
    Listing("grant list", _grants, lambda c, n, a: c.grants.list(limit=n, after=a), ("grant", "list"), "after"),
    Listing("meeting list", _meetings, lambda c, n, o: c.meetings.list(limit=n, offset=o or 0),
            ("meeting", "list"), "offset"),
    Listing("meeting due", _due_branches, lambda c, n, o: c.meetings.due(limit=n, offset=o or 0),
            ("meeting", "due"), "offset", key=lambda d: (d.unit_id, d.type, d.start.isoformat()),
            json_key=lambda row: (row["unit_id"], row["type"], row["from"])),
    Listing("org compound list", _compounds, lambda c, n, a: c.org.compounds(limit=n, after=a),
            ("org", "compound", "list"), "after"),
    Listing("org partner list", _partners, lambda c, n, a: c.org.partners(limit=n, after=a),
            ("org", "partner", "list"), "after"),
    Listing("recruit list", _candidates, lambda c, n, a: c.recruitment.list(limit=n, after=a),
            ("recruit", "list"), "after"),
    Listing("recruit due", _candidates, lambda c, n, o: c.recruitment.due(limit=n, offset=o or 0),
            ("recruit", "due"), "offset", key=lambda d: (d.candidate_id, d.step),
            json_key=lambda row: (row["candidate_id"], row["step"])),
    Listing("resident list", _residents, lambda c, n, a: c.residents.list(limit=n, after=a),
            ("resident", "list"), "after"),
    Listing("resident households", _households, lambda c, n, a: c.residents.households(limit=n, after=a),
            ("resident", "households"), "after"),
    Listing("roster list", _roster, lambda c, n, a: c.rosters.list(limit=n, after=a), ("roster", "list"), "after"),
    Listing("service request list", _requests, lambda c, n, a: c.services.list(limit=n, after=a),
            ("service", "request", "list"), "after"),
    Listing("service overdue", lambda c: _requests(c, urgency="emergency", at="2026-11-27T08:00"),
            lambda c, n, o: c.services.overdue(limit=n, offset=o or 0), ("service", "overdue"), "offset"),
    Listing("service stars", _hours, lambda c, n, o: c.services.stars(limit=n, offset=o or 0), ("service", "stars"),
            "offset", key=lambda s: (s.subject_kind, s.subject_id),
            json_key=lambda row: (row["subject_kind"], row["subject_id"])),
    Listing("service resource list", lambda c: _three_lists(c, "add_resource"),
            lambda c, n, a: c.services.resources(limit=n, after=a), ("service", "resource", "list"), "after"),
    Listing("service demand list", lambda c: _three_lists(c, "add_demand"),
            lambda c, n, a: c.services.demands(limit=n, after=a), ("service", "demand", "list"), "after"),
    Listing("service project list", lambda c: _three_lists(c, "add_project"),
            lambda c, n, a: c.services.projects(limit=n, after=a), ("service", "project", "list"), "after"),
    Listing("dues arrears", _arrears, lambda c, n, a: c.dues.arrears(limit=n, after=a), ("dues", "arrears"), "after",
            key=lambda r: r.member_id, json_key=lambda row: row["member_id"], mark=lambda r: r.member_id),
]


def _run(c: Community, *args: str) -> Result:
    state = AppState(community=c, pm=c.pm)
    result = CliRunner().invoke(make_cli(state), ["--lang", "en", *args], obj=state, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(params=LISTINGS, ids=[listing.name for listing in LISTINGS])
def listing(request: pytest.FixtureRequest, c: Community) -> Listing:
    chosen: Listing = request.param
    chosen.setup(c)
    return chosen


def test_the_sdk_pages_through_every_row_once(c: Community, listing: Listing) -> None:
    every = list(listing.call(c, None, None))
    assert len(every) >= 3, f"{listing.name}: the setup should give at least three rows"
    seen: list[Any] = []
    cursor: int | None = None
    while True:
        page = listing.call(c, 2, cursor)
        assert len(page) <= 2
        seen += [listing.key(r) for r in page]
        if len(page) < 2:
            break
        cursor = (cursor or 0) + 2 if listing.cursor == "offset" else listing.mark(page[-1])
    assert seen == [listing.key(r) for r in every]
    assert list(listing.call(c, 0, None)) == []
    for bad in (-1, True, "2"):
        with pytest.raises(InvalidValue, match="limit"):
            listing.call(c, bad, None)  # type: ignore[arg-type]
    bad_cursor = -1 if listing.cursor == "offset" else 2**31
    with pytest.raises(InvalidValue, match=listing.cursor):
        listing.call(c, 2, bad_cursor)


def test_a_full_page_says_how_to_see_the_next_one(c: Community, listing: Listing) -> None:
    every = [listing.key(r) for r in listing.call(c, None, None)]
    first = _run(c, "--json", *listing.command, "--limit", "2")
    assert [listing.json_key(row) for row in json.loads(first.stdout)] == every[:2]
    assert first.stderr == ""  # JSON keeps its shape: no hint

    text = _run(c, *listing.command, "--limit", "2")
    if listing.cursor == "offset":
        option = ["--offset", "2"]
    else:
        option = [f"--{listing.cursor}", str(listing.mark(listing.call(c, 2, None)[-1]))]
    assert f"the next page is {' '.join(option)}; --limit 0 shows all)" in text.stderr
    assert text.stderr.startswith("(more ")

    rest = _run(c, "--json", *listing.command, "--limit", str(len(every)), *option)
    assert [listing.json_key(row) for row in json.loads(rest.stdout)] == every[2:]
    last = _run(c, *listing.command, "--limit", str(len(every)), *option)
    assert last.stderr == ""  # the last page says nothing more

    everything = _run(c, "--json", *listing.command, "--limit", "0")
    assert [listing.json_key(row) for row in json.loads(everything.stdout)] == every
    assert _run(c, *listing.command, "--limit", "0").stderr == ""


def test_the_hint_is_in_the_command_s_language(c: Community) -> None:
    _members(c, 3)
    state = AppState(community=c, pm=c.pm)
    result = CliRunner().invoke(make_cli(state), ["--lang", "zh", "member", "list", "--limit", "2"], obj=state,
                                catch_exceptions=False)
    ids = [m.id for m in c.members.list()]
    assert result.stderr.strip() == f"（后面还有党员：下一页用 --after {ids[1]}；--limit 0 显示全部）"


def test_a_page_of_grants_keeps_to_the_readers_subtrees(c: Community) -> None:
    east, west = _street(c), _street(c)
    c.grants.add("王书记", "secretary", east)  # reads grants on east only
    on_east = [c.grants.add(f"网格员{i}", "viewer", east).id for i in range(3)]
    c.grants.add("李网格员", "viewer", west)
    c.grants.add("张审计", "auditor")  # database-wide: not on any of east's units
    wang = c.as_actor("王书记")
    own = [g.id for g in wang.grants.mine()]
    seen: list[int] = []
    after = None
    while page := wang.grants.list(limit=2, after=after):
        seen += [g.id for g in page]
        after = page[-1].id
    assert seen == sorted(own + on_east) == [g.id for g in wang.grants.list()]
    assert [g.id for g in wang.grants.list(actor="王书记", limit=1)] == own[:1]  # their own, always
    assert [g.id for g in wang.grants.list(unit=east, after=on_east[0])] == on_east[1:]


def test_stars_cut_in_sql_keep_the_order_of_the_whole_list(c: Community) -> None:
    members = _members(c, 5)
    for member, hours in zip(members, (3, 7, 3, 7, 5), strict=True):
        c.services.record_hours(member=member, on="2026-10-01", hours=hours, activity="巡逻")
    every = [(s.subject_id, s.hours) for s in c.services.stars()]
    assert [h for _i, h in every] == [7, 7, 5, 3, 3]
    assert [(s.subject_id, s.hours) for s in c.services.stars(limit=2, offset=1)] == every[1:3]
    assert [(s.subject_id, s.hours) for s in c.services.stars(offset=4)] == every[4:]


def test_a_page_of_demands_carries_its_own_requests(c: Community) -> None:
    unit = _street(c)
    asked = [c.services.add_request(unit, category="care", channel="hotline", text=f"诉求{i}").id for i in range(3)]
    demands = [c.services.add_demand(unit, name=f"需求{i}", from_requests=[r]).id for i, r in enumerate(asked)]
    page = c.services.demands(limit=1, after=demands[0])
    assert [(d.id, d.request_ids) for d in page] == [(demands[1], (asked[1],))]


def test_arrears_pages_are_by_member_id(c: Community) -> None:
    members = _members(c, 4)
    for member in reversed(members):
        c.dues.set_base(member, category="employed", base="3000", from_month="2026-01")
    c.dues.pay(members[2], month="2026-01", amount="150", months=10)  # paid up: not in arrears
    owing = [members[0], members[1], members[3]]
    assert sorted(a.member_id for a in c.dues.arrears()) == owing
    assert [a.member_id for a in c.dues.arrears(limit=2)] == owing[:2]
    assert [a.member_id for a in c.dues.arrears(after=owing[0])] == owing[1:]
