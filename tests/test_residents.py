"""Residents and households through the SDK, on every engine."""

from __future__ import annotations

import pytest

from communitycore import Community, InvalidValue, NotFound
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
