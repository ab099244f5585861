"""Wrong argument values given to the SDK are refused in communitycore's words (InvalidValue,
NotFound), on every engine: never cut to another record's id, never a Python or driver error."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import communitycore
from communitycore import Community, Conflict, InvalidValue, NotFound, RejectedInput
from communitycore.domain.members import MemberStatus
from communitycore.io.backup import backup

HUGE = 10**30
NAMES = ["王芳", "李强", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴婷"]


@pytest.fixture
def c(community: Community) -> Community:
    """A street, a community and a branch under it, ten members (ids 1 to 10) and one household."""
    street = community.org.add("城南街道党工委", "street-committee")
    committee = community.org.add("幸福社区党委", "community-committee", street.id)
    branch = community.org.add("第一党支部", "branch", committee.id)
    for name in NAMES:
        community.members.add(name, branch.id, join_date="2020-07-01", category="full")
    compound = community.org.add_compound("幸福里", "老旧小区", committee.id)
    community.residents.add("刘奶奶", household_id=community.residents.add_household(compound.id).id)
    return community


Call = Callable[[Community], Any]


def _ids(calls: dict[str, Call]) -> list[Any]:
    return [pytest.param(call, id=name) for name, call in calls.items()]


# 1. A float is never cut to an id ------------------------------------------------------------------------

FRACTIONAL = {
    "members.get(1.9)": lambda c: c.members.get(1.9),
    "members.get(7.0)": lambda c: c.members.get(7.0),
    "members.get('+7')": lambda c: c.members.get("+7"),
    "members.update(7.9)": lambda c: c.members.update(7.9, employer="x"),
    "members.remove(9.5)": lambda c: c.members.remove(9.5, reason="mistaken-entry"),
    "members.restore(9.5)": lambda c: c.members.restore(9.5),
    "members.confirm(3.5)": lambda c: c.members.confirm(3.5),
    "members.extend_probation(3.5)": lambda c: c.members.extend_probation(3.5, months=6),
    "members.transfer(2.5)": lambda c: c.members.transfer(2.5, 3),
    "members.transfers(2.5)": lambda c: c.members.transfers(2.5),
    "members.reveal(2.5)": lambda c: c.members.reveal(2.5, reason="t"),
    "members.reveal_many([1, 2.5])": lambda c: c.members.reveal_many([1, 2.5], reason="t"),
    "residents.get(1.5)": lambda c: c.residents.get(1.5),
    "residents.household(1.5)": lambda c: c.residents.household(1.5),
    "dues.amount(1.5)": lambda c: c.dues.amount(1.5),
}


@pytest.mark.parametrize("call", _ids(FRACTIONAL))
def test_a_float_or_a_loosely_written_id_is_no_record(c: Community, call: Call) -> None:
    before = c.members.list(status=None, limit=None)
    with pytest.raises(NotFound):
        call(c)
    assert c.members.list(status=None, limit=None) == before  # member 7 not updated, member 9 not removed


def test_a_whole_id_still_works_as_an_int_or_its_digits(c: Community) -> None:
    assert c.members.get(7).id == c.members.get("7").id == c.members.get(" 7 ").id == 7
    assert c.members.update("7", employer="x").employer == "x"
    assert [m.id for m in c.members.reveal_many(["2", 1], reason="t")] == [2, 1]
    assert c.org.get(3).id == c.org.get("3").id == 3


# 2. Unit references -------------------------------------------------------------------------------------

UNIT_CALLS = {
    "org.get": lambda c, ref: c.org.get(ref),
    "org.subtree": lambda c, ref: c.org.subtree(ref),
    "org.settings": lambda c, ref: c.org.settings(ref),
    "org.move(ref, None)": lambda c, ref: c.org.move(ref, None),
    "org.move(3, ref)": lambda c, ref: c.org.move(3, ref if ref is not None else []),
    "members.transfer": lambda c, ref: c.members.transfer(1, ref),
    "members.add": lambda c, ref: c.members.add("孙丽", ref if ref is not None else []),
    "members.count": lambda c, ref: c.members.count(ref if ref is not None else []),
    "members.list": lambda c, ref: c.members.list(ref if ref is not None else []),
    "authorize": lambda c, ref: c.authorize("member.read", ref if ref is not None else 2.5),
}
BAD_REFS = [None, 2.5, 2.0, True, b"x", [1], {"id": 1}]


@pytest.mark.parametrize("ref", BAD_REFS, ids=repr)
@pytest.mark.parametrize("call", _ids(UNIT_CALLS))
def test_a_unit_given_by_something_else_is_refused(c: Community, call: Callable[[Community, Any], Any],
                                                   ref: Any) -> None:
    with pytest.raises(InvalidValue, match="a unit is given by its id, its path"):
        call(c, ref)


def test_none_still_means_the_top_where_it_does(c: Community) -> None:
    with pytest.raises(InvalidValue, match="a branch needs a parent"):  # the top, where a branch may not stand
        c.org.move(3, None)
    assert [u.id for u in c.org.children(None)] == [1]
    assert c.members.count(None) == len(NAMES)
    with pytest.raises(NotFound):
        c.org.get(HUGE)


# 3. Numbers no engine can bind -------------------------------------------------------------------------

HUGE_REFUSED = {
    "members.list(limit)": lambda c: c.members.list(limit=HUGE),
    "members.list(offset)": lambda c: c.members.list(offset=HUGE),
    "members.search(limit)": lambda c: c.members.search("王", limit=HUGE),
    "members.due_confirmation(limit)": lambda c: c.members.due_confirmation(limit=HUGE),
    "residents.list(offset)": lambda c: c.residents.list(offset=HUGE),
    "residents.households(limit)": lambda c: c.residents.households(limit=HUGE),
    "org.compounds(limit)": lambda c: c.org.compounds(limit=HUGE),
    "org.tree(depth)": lambda c: c.org.tree(depth=HUGE),
    "events.dispatch(limit)": lambda c: c.events.dispatch(limit=HUGE),
}
HUGE_NOT_FOUND = {
    "members.reveal": lambda c: c.members.reveal(HUGE, reason="t"),
    "members.get": lambda c: c.members.get(HUGE),
    "residents.household": lambda c: c.residents.household(HUGE),
    "residents.add(household_id)": lambda c: c.residents.add("王五", household_id=HUGE),
    "residents.add_household": lambda c: c.residents.add_household(HUGE),
    "events.retry": lambda c: c.events.retry(HUGE),
    "services.add_resource(partner)": lambda c: c.services.add_resource(3, name="场地", partner=HUGE),
    "rosters.apply(member)": lambda c: c.rosters.apply("red-steward", member=HUGE),
    "rosters.apply(resident)": lambda c: c.rosters.apply("red-steward", resident=HUGE),
}
#: Text where an id belongs is no record either: a lookup that finds nothing, never the driver's error.
TEXT_NOT_FOUND = {
    "services.add_resource(partner='x')": lambda c: c.services.add_resource(3, name="场地", partner="x"),
    "services.add_resource(partner='٣')": lambda c: c.services.add_resource(3, name="场地", partner="٣"),
    "rosters.apply(member='x')": lambda c: c.rosters.apply("red-steward", member="x"),
    "rosters.apply(resident='٣')": lambda c: c.rosters.apply("red-steward", resident="٣"),
}
HUGE_MATCHES_NOTHING = {
    "members.list(ids)": lambda c: c.members.list(ids=[HUGE]),
    "residents.list(compound_id)": lambda c: c.residents.list(compound_id=HUGE),
    "residents.list(household_id)": lambda c: c.residents.list(household_id=HUGE),
    "residents.households(compound_id)": lambda c: c.residents.households(HUGE),
    "members.registrations(member_id)": lambda c: c.members.registrations(HUGE),
    "activity.list(subject_id)": lambda c: c.activity.list(subject_kind="member", subject_id=HUGE),
}


@pytest.mark.parametrize("call", _ids(HUGE_REFUSED))
def test_a_huge_limit_or_offset_is_refused(c: Community, call: Call) -> None:
    with pytest.raises(InvalidValue, match="expected a whole number from 0 to 2147483647"):
        call(c)


@pytest.mark.parametrize("call", _ids(HUGE_NOT_FOUND))
def test_a_huge_id_is_not_found(c: Community, call: Call) -> None:
    with pytest.raises(NotFound):
        call(c)


@pytest.mark.parametrize("call", _ids(TEXT_NOT_FOUND))
def test_text_for_an_id_is_not_found(c: Community, call: Call) -> None:
    with pytest.raises(NotFound):
        call(c)


@pytest.mark.parametrize("call", _ids(HUGE_MATCHES_NOTHING))
def test_a_huge_id_to_keep_to_matches_nothing(c: Community, call: Call) -> None:
    assert list(call(c)) == []


def test_the_days_ahead_reach_a_hundred_years(c: Community) -> None:
    assert c.meetings.due(days=36_600) is not None and c.recruitment.due(days=36_600) == []


def test_a_moment_since_which_is_a_day_or_iso_text(c: Community) -> None:
    everything = c.audit.list(limit=None)
    start = min(e.at for e in everything)
    assert c.audit.list(since=start.date(), limit=None) == everything
    assert c.audit.list(since=start.date().isoformat(), limit=None) == everything
    assert c.audit.list(since=(start.date() + dt.timedelta(days=1)).isoformat(), limit=None) == [
        e for e in everything if e.at.date() > start.date()]


def test_the_largest_limit_is_taken(c: Community) -> None:
    assert len(c.members.list(limit=2**31 - 1, offset=2**31 - 1)) == 0
    assert len(c.members.list(limit=2**31 - 1)) == len(NAMES)


# 4. Other values of the wrong kind -------------------------------------------------------------------------

WRONG_VALUES = {
    "members.list(ids=['a'])": (lambda c: c.members.list(ids=["a"]), InvalidValue, "ids: expected an id"),
    "members.list(ids=[None])": (lambda c: c.members.list(ids=[None]), InvalidValue, "ids: expected an id"),
    "members.list(ids=[1.5])": (lambda c: c.members.list(ids=[1.5]), InvalidValue, "ids: expected an id"),
    "residents.list(compound_id='x')": (lambda c: c.residents.list(compound_id="x"), InvalidValue, "compound_id"),
    "members.update(None)": (lambda c: c.members.update(None, name="孙丽"), NotFound, "no member with id None"),
    "members.reveal_many([None])": (lambda c: c.members.reveal_many([None], reason="t"), NotFound, "None"),
    "members.due_confirmation(on='x')": (lambda c: c.members.due_confirmation(on="x"), InvalidValue, "'x'"),
    "org.tree(depth='x')": (lambda c: c.org.tree(1, depth="x"), InvalidValue, "depth"),
    "org.tree(depth=-1)": (lambda c: c.org.tree(1, depth=-1), InvalidValue, "depth"),
    "members.import_file(None)": (lambda c: c.members.import_file(None), InvalidValue, "a file is given by"),
    "members.export(None)": (lambda c: c.members.export(None), InvalidValue, "a file is given by"),
    "members.export(b'x.csv')": (lambda c: c.members.export(b"x.csv"), InvalidValue, "a file is given by"),
    "org.import_file(None)": (lambda c: c.org.import_file(None), InvalidValue, "a file is given by"),
    "residents.import_file(None)": (lambda c: c.residents.import_file(None), InvalidValue, "a file is given by"),
    "dues.import_payments(None)": (lambda c: c.dues.import_payments(None), InvalidValue, "a file is given by"),
    "export_to(None)": (lambda c: c.export_to(None), InvalidValue, "a file is given by"),
    "authorize(None)": (lambda c: c.authorize(None, None), InvalidValue, "an action is named by its code"),
    "recruitment.due(days=HUGE)": (lambda c: c.recruitment.due(days=HUGE), InvalidValue, "days: .* from 0 to 36600"),
    "meetings.due(days=HUGE)": (lambda c: c.meetings.due(days=HUGE), InvalidValue, "days: .* from 0 to 36600"),
    "meetings.due(days=-1)": (lambda c: c.meetings.due(days=-1), InvalidValue, "days: .* got -1"),
    "audit.list(since='x')": (lambda c: c.audit.list(since="x"), InvalidValue, "since: expected a moment"),
    "audit.list(since=3)": (lambda c: c.audit.list(since=3), InvalidValue, "since: .* got 3"),
    "activity.record_many('٣')": (lambda c: c.activity.record_many("٣"), RejectedInput, "expected a NewEntry, got str"),
    "rosters.qualify(passed='yes')": (lambda c: c.rosters.qualify(1, passed="yes", note="n"), RejectedInput,
                                      "passed must be yes or no"),
}


@pytest.mark.parametrize(("call", "error", "words"),
                         [pytest.param(*case, id=name) for name, case in WRONG_VALUES.items()])
def test_a_value_of_the_wrong_kind_is_refused_in_our_words(c: Community, call: Call, error: type[Exception],
                                                           words: str) -> None:
    with pytest.raises(error, match=words):
        call(c)


def test_a_header_row_that_is_no_number_is_refused(c: Community, tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_text("姓名,所在党组织\n孙丽,3\n", encoding="utf-8")
    for bad in ("x", 1.5, True):
        with pytest.raises(InvalidValue, match="header row"):
            c.members.import_file(path, header_row=bad)
    assert c.members.count(status=MemberStatus.ACTIVE) == len(NAMES)


def test_a_wrong_keyword_name_is_still_a_type_error(c: Community) -> None:
    with pytest.raises(TypeError):
        c.members.get(1, nonsense=True)  # type: ignore[call-arg]


@pytest.mark.parametrize("call", [
    lambda c, text: c.members.list(unit=text),
    lambda c, text: c.org.get(f"城南街道党工委/{text}"),
    lambda c, text: c.audit.list(actor=text),
    lambda c, text: c.org.add(text, "street-committee"),
], ids=["member-list", "org-get", "audit-list", "org-add"])
def test_text_that_is_not_text_is_an_invalid_value_on_every_engine(c: Community,
                                                                   call: Callable[[Community, str], Any]) -> None:
    # Bytes of a command line that are not UTF-8 reach Python as lone surrogates; no driver can send them.
    with pytest.raises(InvalidValue, match=r"not text|may not be stored|cannot be stored"):
        call(c, "\udcff\udcfe")
    assert c.org.count() == 3


@pytest.mark.parametrize("call", [
    lambda c, text: c.members.list(unit=text),
    lambda c, text: c.org.get(f"城南街道党工委/{text}"),
    lambda c, text: c.audit.list(actor=text),
    lambda c, text: c.members.search(text),
    lambda c, text: c.services.list(unit=text),
    lambda c, text: c.org.add(text, "street-committee"),
], ids=["member-list", "org-get", "audit-list", "member-search", "service-list", "org-add"])
def test_text_holding_nul_is_refused_or_finds_nothing_in_our_words(c: Community,
                                                                   call: Callable[[Community, str], Any]) -> None:
    # PostgreSQL's text cannot hold NUL, and its driver refuses even a lookup by it; elsewhere a
    # lookup finds nothing. Either way the caller reads our words, and nothing is stored.
    try:
        found = call(c, "幸福\x00社区")
    except InvalidValue as exc:
        assert "NUL (0x00)" in str(exc) or "character" in str(exc), str(exc)
    except NotFound:
        pass
    else:
        assert not found and c.dialect != "postgresql"
    assert c.org.count() == 3


def test_a_file_name_that_is_not_utf8_is_refused_naming_it(c: Community, tmp_path: Path) -> None:
    # 党员.csv in GBK, as a Windows archive unpacks it: the name is recorded, so it must be text.
    path = tmp_path / os.fsdecode("党员.csv".encode("gbk"))
    path.write_text("姓名,所在党组织\n赵六,城南街道党工委\n", encoding="utf-8")
    with pytest.raises(InvalidValue, match=r"the name 党员.csv \(read as GBK\) in the file.s path is not UTF-8"):
        c.members.import_file(path)
    with pytest.raises(InvalidValue, match=r"the name o\\xff.csv in the file's path is not UTF-8"):
        c.members.export(tmp_path / os.fsdecode(b"o\xff.csv"))
    assert c.members.count() == len(NAMES) and not (tmp_path / os.fsdecode(b"o\xff.csv")).exists()


def test_a_database_whose_path_is_not_utf8_opens_and_holds_its_file(tmp_path: Path) -> None:
    db = tmp_path / os.fsdecode("党建.db".encode("gbk"))
    with communitycore.open(f"sqlite:///{db}", actor="tester", autoload=False, create=True) as c:
        c.org.add("城南街道党工委", "street-committee")
        with pytest.raises(Conflict, match="database in use"):  # its files were found, by their bytes
            backup(c, db)
    assert db.exists()
