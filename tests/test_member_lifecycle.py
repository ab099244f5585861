"""The member lifecycle through the SDK, on every engine: correct, remove (and purge a mistake), restore,
extend the probation, 转正 from the end of probation, search, the roster export and revealing with a reason.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import openpyxl
import pytest

import communitycore
from communitycore import Community, Conflict, InvalidValue, NotFound, RejectedInput
from communitycore.config import Config, PrivacyConfig
from communitycore.domain.identity import check_character, mask_id_number
from communitycore.domain.members import Category, MemberStatus, RemovalReason, probation_end

TODAY = dt.date(2026, 11, 28)  # the fixed clock of every test community


def make_id(birth: str, seq: int, area: str = "110101") -> str:
    """A valid 公民身份号码 (odd sequence: a man)."""
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + check_character(first17)


@pytest.fixture
def units(community: Community) -> dict[str, int]:
    street = community.org.add("城南街道党工委", "street-committee")
    committee = community.org.add("幸福社区党委", "community-committee", street.id)
    grid = community.org.add("第一网格党支部", "grid-branch", committee.id)
    other = community.org.add("和平社区党委", "community-committee", street.id)
    return {"street": street.id, "committee": committee.id, "grid": grid.id, "other": other.id}


def problems_of(info: pytest.ExceptionInfo[RejectedInput]) -> dict[str, str]:
    return {p.field: p.message for p in info.value.problems}


# Removing, restoring, purging -------------------------------------------------------------------------------


@pytest.mark.parametrize(("reason", "code"), [("死亡", "death"), ("出党", "expelled"),
                                              ("停止党籍", "membership-stopped"), ("错误录入", "mistaken-entry"),
                                              ("death", "death")])
def test_each_reason_keeps_the_record_and_leaves_the_lists(community: Community, units: dict[str, int],
                                                          reason: str, code: str) -> None:
    member = community.members.add("张三", units["grid"], join_date="2000-07-01", education="本科")
    kept = community.members.add("李四", units["grid"])
    removed = community.members.remove(member.id, reason=reason, on="2026-10-01", note="支部大会决定")
    assert (removed.status, removed.removal_reason.value, removed.removed_on) == (  # type: ignore[union-attr]
        MemberStatus.REMOVED, code, dt.date(2026, 10, 1))
    assert community.members.get(member.id) == removed
    assert [m.id for m in community.members.list()] == [kept.id]
    assert [m.id for m in community.members.list(status="removed")] == [member.id]
    assert {m.id for m in community.members.list(status=None)} == {member.id, kept.id}
    assert community.members.count() == 1 and community.members.count(status=None) == 2
    stats = community.org.stats(units["street"])[0]
    assert (stats.members, stats.by_education.get("bachelor", 0)) == (1, 0)
    entry = community.audit.list(entity="member", entity_id=member.id, action="member.remove")[0]
    assert entry.after["removal_reason"] == code and entry.note == "支部大会决定"


def test_transferred_out_names_the_receiving_organization(community: Community, units: dict[str, int]) -> None:
    member = community.members.add("王五", units["grid"])
    with pytest.raises(RejectedInput) as info:
        community.members.remove(member.id, reason="转出")
    assert "receiving organization" in problems_of(info)["removed_to"]
    with pytest.raises(RejectedInput) as info:
        community.members.remove(member.id, reason="死亡", to="某某单位党委")
    assert "removed_to" in problems_of(info)
    removed = community.members.remove(member.id, reason="转出", to="某某单位党委")
    assert (removed.removal_reason, removed.removed_to, removed.removed_on) == (
        RemovalReason.TRANSFERRED_OUT, "某某单位党委", TODAY)
    assert community.members.get(member.id).removed_to == "某某单位党委"


def test_removal_refusals_change_nothing(community: Community, units: dict[str, int]) -> None:
    member = community.members.add("赵六", units["grid"], join_date="2010-07-01")
    for kwargs, error in (({"reason": "退休"}, InvalidValue), ({"reason": "死亡", "on": "2027-01-01"}, RejectedInput),
                          ({"reason": "死亡", "on": "2009-01-01"}, RejectedInput),
                          ({"reason": "死亡", "purge": True}, InvalidValue),
                          ({"reason": "转出", "to": "某\x1b[2J单位"}, InvalidValue)):
        with pytest.raises(error):
            community.members.remove(member.id, **kwargs)  # type: ignore[arg-type]
    assert community.members.get(member.id) == member
    community.members.remove(member.id, reason="死亡")
    with pytest.raises(Conflict, match="already removed"):
        community.members.remove(member.id, reason="死亡")
    with pytest.raises(NotFound):
        community.members.remove(999, reason="死亡")


def test_a_removed_member_is_restored_by_a_correction(community: Community, units: dict[str, int]) -> None:
    member = community.members.add("钱七", units["grid"])
    with pytest.raises(Conflict, match="on the roll"):
        community.members.restore(member.id)
    community.members.remove(member.id, reason="停止党籍")
    with pytest.raises(Conflict, match="restore them first"):
        community.members.transfer(member.id, units["other"])
    restored = community.members.restore(member.id, note="误操作")
    assert restored == member
    assert community.members.get(member.id) == member
    assert community.members.count(units["grid"]) == 1
    actions = [e.action for e in community.audit.list(entity="member", entity_id=member.id)]
    assert actions == ["member.restore", "member.remove", "member.add"]


def test_only_a_mistaken_record_is_deleted_and_its_audit_trail_stays(community: Community,
                                                                     units: dict[str, int]) -> None:
    member = community.members.add("孙八", units["grid"], in_service=True)
    community.members.transfer(member.id, units["other"], on="2026-01-01")
    community.members.register_community(member.id, units["committee"], on="2026-02-01")
    deleted = community.members.remove(member.id, reason="错误录入", purge=True)
    assert deleted.removal_reason is RemovalReason.MISTAKEN_ENTRY
    with pytest.raises(NotFound):
        community.members.get(member.id)
    assert community.members.registrations(community=units["committee"]) == []
    assert community.org.stats(units["street"])[0].members == 0
    actions = [e.action for e in community.audit.list(entity="member", entity_id=member.id)]
    assert actions == ["member.delete", "member.register", "member.transfer", "member.add"]
    # A record removed as a mistake earlier may be deleted later.
    later = community.members.add("周九", units["grid"])
    community.members.remove(later.id, reason="错误录入")
    community.members.remove(later.id, reason="错误录入", purge=True)
    with pytest.raises(NotFound):
        community.members.get(later.id)


def test_update_corrects_with_the_same_checks_as_add(community: Community, units: dict[str, int]) -> None:
    member = community.members.add("吴十", units["grid"], birth_date="1980-05-05", join_date="2005-07-01",
                                   phone="13800001111")
    with pytest.raises(RejectedInput) as info:
        community.members.update(member.id, join_date="1979-01-01")
    assert "before the birth date" in problems_of(info)["join_date"]
    with pytest.raises(RejectedInput) as info:
        community.members.update(member.id, join_date="1997-01-01")
    assert "18" in problems_of(info)["join_date"]
    with pytest.raises(RejectedInput) as info:
        community.members.update(member.id, join_date="2027-01-01")
    assert "future" in problems_of(info)["join_date"]
    with pytest.raises(InvalidValue, match="nothing to change"):
        community.members.update(member.id)
    assert community.members.get(member.id) == member
    corrected = community.members.update(member.id, name="吴拾", phone=None, ethnicity="回族")
    assert (corrected.name, corrected.phone, corrected.ethnicity, corrected.join_date) == (
        "吴拾", None, "回族", dt.date(2005, 7, 1))
    # A removed member's record is corrected and stays removed.
    community.members.remove(member.id, reason="死亡")
    fixed = community.members.update(member.id, employer="县医院")
    assert (fixed.employer, fixed.status) == ("县医院", MemberStatus.REMOVED)


# The probation and 转正 -------------------------------------------------------------------------------------


def test_confirm_defaults_to_the_end_of_probation_and_refuses_earlier(community: Community,
                                                                    units: dict[str, int]) -> None:
    joined = community.members.add("预备甲", units["grid"], category="预备", join_date="2025-08-31")
    assert joined.probation_end == dt.date(2026, 8, 31)
    with pytest.raises(RejectedInput) as info:
        community.members.confirm(joined.id, on="2026-08-30")
    assert "earliest full-member date is 2026-08-31" in problems_of(info)["full_date"]
    confirmed = community.members.confirm(joined.id)
    assert (confirmed.category, confirmed.full_date) == (Category.FULL, dt.date(2026, 8, 31))
    assert confirmed.probation_end is None


def test_confirm_before_the_probation_has_ended_names_the_earliest_date(community: Community,
                                                                       units: dict[str, int]) -> None:
    member = community.members.add("预备乙", units["grid"], category="预备", join_date="2026-03-01")
    with pytest.raises(Conflict, match="earliest full-member date is 2027-03-01"):
        community.members.confirm(member.id)
    with pytest.raises(RejectedInput, match="2027-03-01"):
        community.members.confirm(member.id, on="2026-11-28")
    assert community.members.get(member.id).category is Category.PROBATIONARY


def test_a_correction_of_the_category_keeps_the_rules_of_the_probation(community: Community,
                                                                        units: dict[str, int]) -> None:
    member = community.members.add("预备丁", units["grid"], category="预备", join_date="2026-01-01")
    with pytest.raises(RejectedInput) as info:  # not a way round 转正 while the probation runs
        community.members.update(member.id, category="full")
    assert "probationary member (预备党员) until 2027-01-01" in problems_of(info)["category"]
    with pytest.raises(RejectedInput):
        community.members.add("新党员", units["grid"], join_date="2026-06-01")  # full by default: not yet
    assert community.members.get(member.id) == member
    earlier = community.members.add("预备戊", units["grid"], category="预备", join_date="2025-05-01")
    corrected = community.members.update(earlier.id, category="full")  # the probation has ended: a correction
    assert corrected.category is Category.FULL


def test_a_probation_is_extended_once_by_6_to_12_months(community: Community, units: dict[str, int]) -> None:
    member = community.members.add("预备丙", units["grid"], category="预备", join_date="2025-05-31")
    full = community.members.add("正式丁", units["grid"], join_date="2000-01-01")
    for months in (5, 13, "六", "6.5", True):
        with pytest.raises(InvalidValue, match="6 to 12"):
            community.members.extend_probation(member.id, months=months)  # type: ignore[arg-type]
    with pytest.raises(InvalidValue, match="预备党员"):
        community.members.extend_probation(full.id, months=6)
    extended = community.members.extend_probation(member.id, months="６", note="支部大会决定延长")
    assert extended.probation_extension_months == 6
    assert extended.probation_end == dt.date(2026, 11, 30) == probation_end(dt.date(2025, 5, 31), 6)
    with pytest.raises(InvalidValue, match="only once"):
        community.members.extend_probation(member.id, months=6)
    assert community.members.due_confirmation() == []  # the year is over, the extension is not
    assert [d.member.id for d in community.members.due_confirmation(on=dt.date(2026, 11, 30))] == [member.id]
    with pytest.raises(Conflict, match="2026-11-30"):
        community.members.confirm(member.id)
    with pytest.raises(RejectedInput, match="2026-11-30"):
        community.members.update(member.id, category="正式", full_date="2026-06-01")
    entry = community.audit.list(action="member.extend-probation")[0]
    assert (entry.entity_id, entry.note) == (str(member.id), "支部大会决定延长")


# Search ------------------------------------------------------------------------------------------------------


def test_search_by_name_id_number_or_phone(community: Community, units: dict[str, int]) -> None:
    number = make_id("19850317", 22)
    wang = community.members.add("王芳", units["grid"], id_number=number, phone="13987654321")
    wangs = community.members.add("王芳芳", units["other"])
    community.members.add("李强", units["grid"], phone="13812345678")
    gone = community.members.add("王老", units["grid"])
    community.members.remove(gone.id, reason="死亡")
    assert [m.id for m in community.members.search("王芳")] == [wang.id, wangs.id]
    assert [m.id for m in community.members.search(number)] == [wang.id]
    assert [m.id for m in community.members.search(number[:6] + " " + number[6:].lower())] == [wang.id]
    assert [m.id for m in community.members.search("139-8765-4321")] == [wang.id]
    assert [m.id for m in community.members.search("４３２１")] == [wang.id]  # the last 4, as the mask shows
    assert community.members.search(number[:14]) == []  # a fragment tells nothing more than the mask
    assert [m.id for m in community.members.search("王", unit=units["other"])] == [wangs.id]
    assert community.members.search("王老") == []
    assert [m.id for m in community.members.search("王老", status=None)] == [gone.id]
    assert community.members.search("%") == [] and community.members.search("_") == []
    with pytest.raises(InvalidValue):
        community.members.search("   ")
    with pytest.raises(InvalidValue):
        community.members.search("王\x1b")


# Revealing needs a reason ----------------------------------------------------------------------------------


def test_revealing_needs_a_reason_unless_switched_off(community: Community, units: dict[str, int], db_url: str,
                                                      tmp_path: Path) -> None:
    member = community.members.add("张三", units["grid"], id_number=make_id("19800101", 11))
    with pytest.raises(InvalidValue, match="reason"):
        community.members.reveal(member.id)
    with pytest.raises(InvalidValue, match="reason"):
        community.members.reveal_many([member.id], "  ")
    with pytest.raises(InvalidValue, match="reason"):
        community.members.export(tmp_path / "r.csv", reveal=True)
    assert community.audit.list(action="member.reveal") == []
    assert not (tmp_path / "r.csv").exists()
    community.grants.add("solo", "admin")  # a single-user install: its one user is the administrator
    single = communitycore.open(db_url, actor="solo", clock=community.clock, autoload=False,
                                config=attrs.evolve(Config(), privacy=PrivacyConfig(reveal_requires_reason=False)))
    try:
        assert single.members.reveal(member.id).id_number == member.id_number
        assert single.audit.list(action="member.reveal")[0].actor == "solo"  # audited all the same
    finally:
        single.close()


# The roster (花名册) --------------------------------------------------------------------------------------


def test_the_roster_is_masked_scoped_audited_and_imports_again(community: Community, units: dict[str, int],
                                                              db_url: str, tmp_path: Path) -> None:
    number = make_id("19700520", 15)
    first = community.members.add("张建国", units["grid"], id_number=number, phone="13812345678", education="本科",
                                  join_date="1995-07-01", full_date="1996-07-01", post="书记", in_service=True)
    community.members.add("王芳", units["other"], category="预备", join_date="2026-03-01")
    gone = community.members.add("李老", units["grid"])
    community.members.remove(gone.id, reason="死亡")

    masked = tmp_path / "花名册.xlsx"
    assert community.members.export(masked, unit=units["committee"]) == 1
    rows = list(openpyxl.load_workbook(masked).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:5] == ("姓名", "性别", "民族", "出生日期", "公民身份号码")
    assert rows[1][0] == "张建国" and rows[1][4] == mask_id_number(number) and "13812345678" not in rows[1]
    assert "城南街道党工委/幸福社区党委/第一网格党支部" in rows[1] and "书记" in rows[1] and "是" in rows[1]
    assert (masked.stat().st_mode & 0o777) == 0o600

    revealed = tmp_path / "roster.csv"
    assert community.members.export(revealed, reveal=True, reason="移交档案") == 2
    text = revealed.read_text(encoding="utf-8-sig")
    assert number in text and "13812345678" in text and "李老" not in text
    entry = community.audit.list(action="member.export")[0]
    assert entry.after == {"file": "roster.csv", "rows": 2, "unit": None, "revealed": True, "scope": None}
    assert entry.note == "移交档案"
    with pytest.raises(InvalidValue, match=r"\.xlsx or \.csv"):
        community.members.export(tmp_path / "roster.txt")

    # The revealed roster imports into another database with the same tree.
    copy_path = tmp_path / "copy.db"
    copy = communitycore.open(f"sqlite:///{copy_path}", actor="t", clock=community.clock, autoload=False, create=True)
    try:
        street = copy.org.add("城南街道党工委", "street-committee")
        committee = copy.org.add("幸福社区党委", "community-committee", street.id)
        copy.org.add("第一网格党支部", "grid-branch", committee.id)
        copy.org.add("和平社区党委", "community-committee", street.id)
        assert copy.members.import_file(revealed) == 2
        again = copy.members.search("张建国")[0]
        assert attrs.evolve(again, id=first.id, unit_id=first.unit_id) == first
    finally:
        copy.close()


def test_a_transfer_or_a_removal_comes_after_the_members_earlier_dates(community: Community,
                                                                      units: dict[str, int]) -> None:
    member = community.members.add("郑十一", units["grid"], birth_date="1979-04-12", join_date="1999-07-01")
    with pytest.raises(InvalidValue, match=r"1998-01-01 is before the join date \(1999-07-01\)"):
        community.members.transfer(member.id, units["other"], on="1998-01-01")
    community.members.transfer(member.id, units["other"], on="2010-03-01")
    with pytest.raises(InvalidValue, match=r"before the member's last transfer \(2010-03-01\)"):
        community.members.transfer(member.id, units["grid"], on="2009-01-01")
    assert [t.transferred_on for t in community.members.transfers(member.id)] == [dt.date(2010, 3, 1)]
    undated = community.members.add("王十二", units["grid"], birth_date="1979-04-12")
    with pytest.raises(InvalidValue, match=r"before the birth date \(1979-04-12\)"):
        community.members.transfer(undated.id, units["other"], on="1970-01-01")
    with pytest.raises(RejectedInput) as info:
        community.members.remove(undated.id, reason="死亡", on="1970-01-01")
    assert "before the birth date 1979-04-12" in problems_of(info)["removed_on"]
    assert community.members.get(undated.id).status is MemberStatus.ACTIVE
