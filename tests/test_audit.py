"""The audit trail, on every engine: one entry per mutation, with actor, before/after, personal data masked."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from communitycore import Community, Conflict
from communitycore.domain.identity import check_character
from communitycore.store.tables import audit as audit_tables


def make_id(birth: str, seq: int, area: str = "110101") -> str:
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + check_character(first17)


NUMBER = make_id("19800101", 11)
OTHER_NUMBER = make_id("19900202", 22)
PHONE = "13812345678"


def entries(community: Community) -> int:
    with community.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(audit_tables.audit)) or 0)


@pytest.fixture
def town(community: Community) -> dict[str, Any]:
    street = community.org.add("城南街道党工委", "street-committee")
    committee = community.org.add("幸福社区党委", "community-committee", street.id)
    grid = community.org.add("第一网格党支部", "grid-branch", committee.id)
    spare = community.org.add("第二网格党支部", "grid-branch", committee.id)
    member = community.members.add("张三", grid.id, id_number=NUMBER, phone=PHONE, in_service=True)
    probationary = community.members.add("李四", grid.id, category="预备", join_date="2025-01-01")
    compound = community.org.add_compound("幸福里", "老旧", committee.id)
    household = community.residents.add_household(compound.id, building="1栋", room="101")
    group = community.org.add("1号楼党小组", "party-group", grid.id)
    return {"street": street.id, "committee": committee.id, "grid": grid.id, "spare": spare.id, "group": group.id,
            "member": member.id, "probationary": probationary.id, "household": household.id}


MUTATIONS: dict[str, Callable[[Community, dict[str, Any]], Any]] = {
    "unit.add": lambda c, t: c.org.add("新支部", "branch", t["committee"]),
    "unit.rename": lambda c, t: c.org.rename(t["spare"], "东区网格党支部"),
    "unit.update": lambda c, t: c.org.update(t["grid"], code="G-1"),
    "unit.move": lambda c, t: c.org.move(t["group"], t["spare"]),
    "unit.remove": lambda c, t: c.org.remove(t["spare"]),
    "unit.refresh-stats": lambda c, t: c.org.refresh_stats(),
    "compound.add": lambda c, t: c.org.add_compound("新城", "新建", t["grid"]),
    "partner.add": lambda c, t: c.org.add_partner("物业", "安居物业", t["grid"]),
    "setting.set": lambda c, t: c.org.set_setting(t["grid"], "volunteer-star-hours", [10, 20]),
    "member.add": lambda c, t: c.members.add("王五", t["grid"], id_number=OTHER_NUMBER),
    "member.update": lambda c, t: c.members.update(t["member"], education="本科"),
    "member.transfer": lambda c, t: c.members.transfer(t["member"], t["spare"]),
    "member.register": lambda c, t: c.members.register_community(t["member"], t["committee"]),
    "member.confirm": lambda c, t: c.members.confirm(t["probationary"]),
    "member.reveal": lambda c, t: c.members.reveal(t["member"], reason="核对"),
    "household.add": lambda c, t: c.residents.add_household(None, address="平房"),
    "resident.add": lambda c, t: c.residents.add("刘奶奶", household_id=t["household"], phone=PHONE),
}


@pytest.mark.parametrize("action", sorted(MUTATIONS))
def test_each_mutation_writes_its_entry(community: Community, town: dict[str, Any], action: str) -> None:
    community.grants.add("网格员小王", "admin")  # the test is about the entry, not the permission
    acting = community.as_actor("网格员小王")
    before = entries(community)
    MUTATIONS[action](acting, town)
    assert entries(community) == before + 1
    entry = community.audit.list(limit=1)[0]
    assert entry.action == action
    assert entry.actor == "网格员小王"
    assert entry.at == community.clock.now()
    assert entry.at.utcoffset() == dt.timedelta(hours=8)


def test_unset_setting_is_audited_only_when_something_was_set(community: Community, town: dict[str, Any]) -> None:
    community.org.set_setting(town["grid"], "volunteer-star-hours", [10, 20])
    count = entries(community)
    assert community.org.unset_setting(town["grid"], "volunteer-star-hours") is True
    entry = community.audit.list(limit=1)[0]
    assert (entry.action, entry.before, entry.after) == ("setting.unset", {"volunteer-star-hours": (10, 20)}, None)
    assert community.org.unset_setting(town["grid"], "volunteer-star-hours") is False
    assert entries(community) == count + 1


def test_reads_and_refusals_write_nothing(community: Community, town: dict[str, Any]) -> None:
    count = entries(community)
    community.org.tree()
    community.org.stats()
    community.org.check()
    community.org.settings(town["grid"])
    community.members.list()
    community.members.get(town["member"])
    community.members.due_confirmation()
    community.residents.list()
    with pytest.raises(Conflict):
        community.org.move(town["committee"], town["grid"])
    with pytest.raises(Conflict):
        community.org.remove(town["committee"])
    with pytest.raises(Conflict):
        community.members.add("重复", town["grid"], id_number=NUMBER)
    assert community.org.rename(town["grid"], "第一网格党支部").name == "第一网格党支部"  # unchanged name
    assert entries(community) == count


def test_before_and_after(community: Community, town: dict[str, Any]) -> None:
    community.org.rename(town["spare"], "东区网格党支部")
    entry = community.audit.list(action="unit.rename")[0]
    assert entry.entity == "unit" and entry.entity_id == str(town["spare"])
    assert entry.before["name"] == "第二网格党支部"
    assert entry.after["name"] == "东区网格党支部"
    community.members.transfer(town["member"], town["spare"])
    entry = community.audit.list(action="member.transfer")[0]
    assert (entry.before, entry.after) == ({"unit_id": town["grid"]}, {"unit_id": town["spare"]})
    added = community.audit.list(action="unit.add", entity_id=town["grid"])[0]
    assert added.before is None
    assert added.after == {"id": town["grid"], "kind": "grid-branch", "name": "第一网格党支部",
                           "parent_id": town["committee"]}


def test_personal_data_is_masked_in_the_audit(community: Community, town: dict[str, Any]) -> None:
    community.members.update(town["member"], phone="13987654321")
    added = community.audit.list(action="member.add", entity_id=town["member"])[0]
    assert added.after["id_number"] == "*" * 6 + NUMBER[6:10] + "*" * 8
    assert added.after["birth_date"] == NUMBER[6:10] + "-**-**"
    assert added.after["phone"] == "138******78"
    assert added.after["name"] == "张三"
    updated = community.audit.list(action="member.update")[0]
    assert updated.before["phone"] == "138******78"
    assert updated.after["phone"] == "139******21"
    assert updated.before["id_number"] == updated.after["id_number"] == added.after["id_number"]
    community.residents.add("刘奶奶", phone="0523-84812345")
    # Nowhere in the stored trail does the full number appear.
    a = audit_tables.audit
    with community.engine.connect() as conn:
        stored = json.dumps([list(row) for row in conn.execute(
            select(a.c.before, a.c.after, a.c.note))], ensure_ascii=False)
    for secret in (NUMBER, NUMBER[6:14], PHONE, "13987654321", "84812345"):
        assert secret not in stored


def test_default_actor_from_the_environment(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import communitycore

    monkeypatch.setenv("COMMUNITYCORE_ACTOR", "街道管理员")
    with communitycore.open(db_url, autoload=False) as community:
        community.org.add("城北街道党工委", "street-committee")
        assert community.actor == "街道管理员"
        assert community.audit.list(limit=1)[0].actor == "街道管理员"


def test_filters_newest_first(community: Community, town: dict[str, Any]) -> None:
    community.grants.add("alice", "secretary", town["spare"])
    community.as_actor("alice").org.rename(town["spare"], "东区")
    community.as_actor("alice").org.rename(town["spare"], "西区")
    listed = community.audit.list()
    assert [e.id for e in listed] == sorted((e.id for e in listed), reverse=True)
    assert [e.after["name"] for e in community.audit.list(actor="alice")] == ["西区", "东区"]
    assert len(community.audit.list(entity="member")) == 2
    assert len(community.audit.list(entity="unit", entity_id=town["spare"])) == 3
    assert len(community.audit.list(entity="grant")) == 2  # the first administrator's grant, and alice's
    assert len(community.audit.list(limit=3)) == 3
    assert len(community.audit.list(limit=None)) == entries(community)
    now = community.clock.now()
    assert len(community.audit.list(since=now - dt.timedelta(minutes=1), limit=None)) == entries(community)
    assert community.audit.list(since=now + dt.timedelta(minutes=1)) == []
    assert len(community.audit.list(since=now.astimezone(dt.UTC), limit=None)) == entries(community)
