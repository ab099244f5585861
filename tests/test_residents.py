"""Residents and households through the SDK, on every engine."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from communitycore import Community, Conflict, InvalidValue, NotFound, RejectedInput
from communitycore.domain.members import ResidentFlag


@pytest.fixture
def compounds(community: Community) -> tuple[int, int]:
    street = community.org.add("城南街道党工委", "street-committee")
    committee = community.org.add("幸福社区党委", "community-committee", street.id)
    old = community.org.add_compound("幸福里", "老旧小区", committee.id)
    new = community.org.add_compound("新城花园", "新建", committee.id)
    return old.id, new.id


def test_households_at_addresses(community: Community, compounds: tuple[int, int]) -> None:
    old, new = compounds
    a = community.residents.add_household(old, building="3栋", room="201")
    b = community.residents.add_household(new, building="1栋", room="1502", address="新城路8号")
    loose = community.residents.add_household(None, address="幸福路12号平房")
    assert (a.compound_id, a.building, a.room) == (old, "3栋", "201")
    assert community.residents.households(old) == [a]
    assert community.residents.households() == [a, b, loose]
    with pytest.raises(NotFound, match="no compound with id 999"):
        community.residents.add_household(999)


def test_residents_with_flags_and_phones(community: Community, compounds: tuple[int, int]) -> None:
    old, new = compounds
    home = community.residents.add_household(old, building="3栋", room="201")
    elder = community.residents.add("刘奶奶", household_id=home.id, phone="138 1234 5678",
                                    flags=["独居老人", "困难", ResidentFlag.DISABLED, "独居老人"])
    assert elder.phone == "13812345678"
    assert set(elder.flags) == {ResidentFlag.LIVING_ALONE_ELDERLY, ResidentFlag.HARDSHIP, ResidentFlag.DISABLED}
    assert len(elder.flags) == 3
    assert community.residents.get(elder.id) == elder
    child = community.residents.add("小明", household_id=community.residents.add_household(new).id,
                                    flags=["left-behind-child"])
    nobody = community.residents.add("  过客  ")
    assert nobody.name == "过客" and nobody.flags == ()
    assert [r.id for r in community.residents.list()] == [elder.id, child.id, nobody.id]
    assert community.residents.list(flag="独居老人") == [elder]
    assert community.residents.list(flag=ResidentFlag.LEFT_BEHIND_CHILD) == [child]
    assert community.residents.list(compound_id=old) == [elder]
    assert community.residents.list(compound_id=new, flag="disabled") == []


def test_resident_refusals(community: Community, compounds: tuple[int, int]) -> None:
    with pytest.raises(InvalidValue, match="needs a name"):
        community.residents.add("  ")
    with pytest.raises(InvalidValue, match="is not one of"):
        community.residents.add("张三", flags=["富裕"])
    with pytest.raises(InvalidValue, match="mobile"):
        community.residents.add("张三", phone="12345")
    with pytest.raises(NotFound, match="no household"):
        community.residents.add("张三", household_id=42)
    with pytest.raises(NotFound, match="no resident"):
        community.residents.get(42)
    assert community.residents.list() == []


def test_resident_phone_is_masked_in_the_audit(community: Community, compounds: tuple[int, int]) -> None:
    resident = community.residents.add("刘奶奶", phone="13812345678")
    entry = community.audit.list(action="resident.add")[0]
    assert entry.entity_id == str(resident.id)
    assert entry.after["phone"] == "138******78"


# Flags in SQL, corrections, removal -----------------------------------------------------------------------


def test_flags_are_filtered_in_sql(community: Community, compounds: tuple[int, int]) -> None:
    old, _new = compounds
    both = community.residents.add("甲", flags="独居老人、残疾")
    alone = community.residents.add("乙", flags=["living-alone-elderly"], compound_id=old, building="1栋", room="1")
    community.residents.add("丙")
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    sa.event.listen(community.engine, "before_cursor_execute", seen)
    try:
        assert [r.id for r in community.residents.list(flag="独居老人")] == [both.id, alone.id]
        assert [r.id for r in community.residents.list(flags=["独居老人", "残疾"])] == [both.id]
    finally:
        sa.event.remove(community.engine, "before_cursor_execute", seen)
    assert any("cc_resident_flags" in s and "EXISTS" in s.upper() for s in statements)
    assert community.residents.count(flag="disabled") == 1
    assert community.residents.list(flag="hardship") == []
    assert community.residents.list(compound_id=old) == [alone]


def test_update_and_remove(community: Community, compounds: tuple[int, int]) -> None:
    old, new = compounds
    home = community.residents.add_household(old, building="3栋", room="201")
    elder = community.residents.add("刘奶奶", household_id=home.id, phone="13812345678", flags=["独居老人"])
    with pytest.raises(InvalidValue, match="nothing to change"):
        community.residents.update(elder.id)
    moved = community.residents.update(elder.id, compound_id=new, building="1栋", room="1502", phone=None,
                                       flags=["残疾", "困难家庭"])
    assert moved.household_id != home.id and moved.phone is None
    assert moved.flags == (ResidentFlag.DISABLED, ResidentFlag.HARDSHIP)
    assert community.residents.get(elder.id) == moved
    assert community.residents.household(moved.household_id).room == "1502"  # type: ignore[arg-type]
    # The same address again: the same household, not a second one.
    again = community.residents.add("刘爷爷", compound_id=new, building="1栋", room="1502")
    assert again.household_id == moved.household_id
    renamed = community.residents.update(elder.id, name="刘秀英", household_id=None)
    assert (renamed.name, renamed.household_id, renamed.flags) == ("刘秀英", None, moved.flags)
    with pytest.raises(InvalidValue, match="not both"):
        community.residents.add("某", household_id=home.id, building="2栋")
    removed = community.residents.remove(elder.id, note="搬走")
    assert removed == renamed
    with pytest.raises(NotFound):
        community.residents.get(elder.id)
    assert community.residents.list(flag="残疾") == []
    assert [e.action for e in community.audit.list(entity="resident", entity_id=elder.id)] == [
        "resident.remove", "resident.update", "resident.update", "resident.add"]


def test_a_resident_named_by_a_record_stays(community: Community, compounds: tuple[int, int]) -> None:
    # A request and ledger hours are records of what happened: they keep the resident they name.
    old, _new = compounds
    committee = community.org.get("城南街道党工委/幸福社区党委")
    asked = community.residents.add("丁", compound_id=old, building="1栋", room="101")
    community.services.add_request(committee.id, category="care", channel="hotline", text="x", resident=asked.id)
    helped = community.residents.add("王", compound_id=old, building="1栋", room="102")
    community.services.record_hours(resident=helped.id, on="2024-03-01", hours=2, activity="扫雪")
    with pytest.raises(Conflict, match=r"丁 \(resident \d+\) is still named by 1 service request"):
        community.residents.remove(asked.id)
    with pytest.raises(Conflict, match="still named by 1 ledger entr"):
        community.residents.remove(helped.id)
    assert community.residents.get(asked.id) == asked and community.residents.get(helped.id) == helped
    assert [entry.subject_id for entry in community.activity.list(subject_kind="resident")] == [helped.id]



def test_the_resident_import(community: Community, compounds: tuple[int, int], tmp_path: Path) -> None:
    old, _new = compounds
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["幸福里居民信息表"])
    sheet.append(["序号", "姓名", "小区", "楼栋", "房号", "手机号", "独居老人", "标签"])
    sheet.append([1, "刘奶奶", "幸福里", "3栋", "201", "１３８１２３４５６７８", "是", "残疾"])
    sheet.append([2, "刘爷爷", str(old), "3栋", "201", None, "否", None])
    sheet.append([3, "王阿姨", None, None, None, None, None, "困难家庭、留守儿童"])
    path = tmp_path / "居民.xlsx"
    workbook.save(path)
    assert community.residents.import_file(path, check=True) == 3
    assert community.residents.list() == []
    assert community.residents.import_file(path) == 3
    people = {r.name: r for r in community.residents.list()}
    assert people["刘奶奶"].household_id == people["刘爷爷"].household_id is not None
    assert people["王阿姨"].household_id is None
    assert people["刘奶奶"].flags == (ResidentFlag.DISABLED, ResidentFlag.LIVING_ALONE_ELDERLY)
    assert people["刘奶奶"].phone == "13812345678"
    assert len(community.residents.households(old)) == 1
    assert len(community.audit.list(action="resident.add", limit=None)) == 3


def test_a_bad_resident_file_stores_nothing(community: Community, compounds: tuple[int, int], tmp_path: Path) -> None:
    path = tmp_path / "residents.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([
            ["姓名", "小区", "标签", "电话"],
            ["甲", "幸福里", "富人", ""],
            ["", "幸福里", "", ""],
            ["丙", "无此小区", "", "12345"],
            ["丁\x1b[2J", "", "", ""],
        ])
    with pytest.raises(RejectedInput) as info:
        community.residents.import_file(path)
    assert sorted((p.row, p.field) for p in info.value.problems) == [
        (2, "标签"), (3, "姓名"), (4, "小区"), (4, "电话"), (5, "姓名")]
    assert community.residents.list() == [] and community.residents.households() == []
