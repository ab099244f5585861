"""Roles, grants on subtrees, refusals in the audit trail, plugins' rules: on every engine."""

from __future__ import annotations

import ast
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import communitycore
from communitycore import Community, Conflict, InvalidValue, PermissionDenied, RejectedInput, Role, UnitKind, hookimpl
from communitycore.capabilities import declared
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.clock import Clock
from communitycore.demo import DEMO_AUDITOR, DEMO_SECRETARY, build_demo
from communitycore.domain.access import matrix_markdown
from communitycore.plugins.manager import make_plugin_manager
from communitycore.store.migrate import upgrade

SRC = Path(communitycore.__file__).parent
DOCS = Path(__file__).parent.parent / "docs"
ID_NUMBER = "11010519491231002X"
BRANCH = "靖城街道党工委/虹兴社区党委/社区支部"


def run(community: Community, *args: str) -> Result:
    """``community --lang en ARGS`` (the messages these tests read) against ``community``."""
    state = AppState(community=community, pm=community.pm)
    return CliRunner().invoke(make_cli(state), ["--lang", "en", *args], obj=state, catch_exceptions=False)


def denials(community: Community) -> list[Any]:
    return community.audit.list(action="access.deny", limit=None)


@pytest.fixture
def demo(community: Community) -> Community:
    build_demo(community)
    return community


@pytest.fixture
def town(community: Community) -> dict[str, Any]:
    """A street with two communities, a branch under each, and a member in each branch."""
    street = community.org.add("城南街道党工委", "street-committee")
    east = community.org.add("东社区党委", "community-committee", street.id)
    west = community.org.add("西社区党委", "community-committee", street.id)
    a = community.org.add("东一支部", "branch", east.id)
    b = community.org.add("西一支部", "branch", west.id)
    ma = community.members.add("张三", a.id, id_number=ID_NUMBER)
    mb = community.members.add("李四", b.id)
    return {"street": street, "east": east, "west": west, "a": a, "b": b, "ma": ma, "mb": mb}


# The demo, as a newcomer tries it -----------------------------------------------------------------


def test_the_demo_secretary_sees_only_their_branch(demo: Community) -> None:
    secretary = demo.as_actor(DEMO_SECRETARY)
    everyone = demo.members.list()
    branch = demo.org.get(BRANCH)
    inside = set(demo.org.subtree(branch.id))
    expected = sorted(m.id for m in everyone if m.unit_id in {u.id for u in inside})
    assert expected and len(expected) < len(everyone)
    assert [m.id for m in secretary.members.list()] == expected
    assert secretary.members.count() == len(expected)
    assert {m.id for m in secretary.members.search("张")} <= set(expected)
    assert [u.id for u in secretary.org.children()] == [branch.id]
    assert {line.unit.id for line in secretary.org.tree()} == {u.id for u in inside}
    assert set(secretary.org.stats_all()) == {u.id for u in inside}
    assert [r.unit_id for r in secretary.org.stats()] == [branch.id]
    assert secretary.org.count() == len(inside)
    # The CLI says the same.
    listed = json.loads(run(secretary, "--json", "member", "list").output)
    assert sorted(m["id"] for m in listed) == expected


def test_a_member_elsewhere_is_refused_naming_actor_action_and_unit(demo: Community) -> None:
    secretary = demo.as_actor(DEMO_SECRETARY)
    branch = demo.org.get(BRANCH)
    elsewhere = next(m for m in demo.members.list() if m.unit_id != branch.id)
    unit_path = demo.org.path_of(elsewhere.unit_id)
    before = len(denials(demo))
    with pytest.raises(PermissionDenied) as refused:
        secretary.members.get(elsewhere.id)
    assert (refused.value.actor, refused.value.action, refused.value.unit) == (DEMO_SECRETARY, "member.read",
                                                                               unit_path)
    assert refused.value.code == "permission-denied"
    assert DEMO_SECRETARY in str(refused.value) and "member.read" in str(refused.value)
    assert unit_path in str(refused.value)
    result = run(secretary, "member", "show", str(elsewhere.id))
    assert result.exit_code == 1
    assert f"{DEMO_SECRETARY} may not do member.read on unit {unit_path}" in result.output
    entries = denials(demo)
    assert len(entries) == before + 2
    assert entries[0].actor == DEMO_SECRETARY and entries[0].entity_id == str(elsewhere.unit_id)
    assert entries[0].after == {"action": "member.read", "unit": unit_path}
    assert demo.audit.verify().ok  # written through the chain, after the refused call rolled back
    # Their own branch's members they may show.
    own = secretary.members.list()[0]
    assert secretary.members.get(own.id) == own


def test_an_auditor_reads_everything_and_never_reveals(demo: Community) -> None:
    auditor = demo.as_actor(DEMO_AUDITOR)
    member = next(m for m in demo.members.list() if m.id_number)
    assert len(auditor.members.list()) == len(demo.members.list())
    assert auditor.audit.list(limit=1) and auditor.audit.verify().ok
    with pytest.raises(PermissionDenied) as refused:
        auditor.members.reveal(member.id, reason="检查")
    assert refused.value.action == "member.reveal"
    result = run(auditor, "member", "show", str(member.id), "--reveal", "--reason", "检查")
    assert result.exit_code == 1 and member.id_number not in result.output
    assert "member.reveal" in result.output
    with pytest.raises(PermissionDenied):
        auditor.members.export("roster.csv", reveal=True, reason="检查")
    shown = run(auditor, "member", "show", str(member.id))
    assert shown.exit_code == 0 and member.id_number not in shown.output
    assert not demo.audit.list(action="member.reveal", actor=DEMO_AUDITOR)
    assert [e.after["action"] for e in denials(demo)[:3]] == ["member.export", "member.reveal", "member.reveal"]


# Grants ----------------------------------------------------------------------------------------------


def test_the_creator_of_a_database_is_its_administrator(community: Community) -> None:
    (grant,) = community.grants.list()
    assert (grant.actor, grant.role, grant.unit_id, grant.granted_by) == ("tester", "admin", None, "tester")
    assert grant.granted_at == community.clock.now() and grant.granted_at.tzinfo is not None
    (entry,) = community.audit.list(action="grant.add")
    assert entry.actor == "tester"
    stranger = community.as_actor("路人")
    with pytest.raises(PermissionDenied):
        stranger.org.add("街道", "street-committee")
    assert stranger.grants.mine() == []
    # Opening again, or as someone else, makes no second administrator.
    again = communitycore.open(community.bind, actor="路人", autoload=False)
    assert again.grants.mine() == []
    assert [g.actor for g in community.grants.list()] == ["tester"]


def test_grants_add_list_remove_audited_and_covering_the_subtree(community: Community,
                                                                 town: dict[str, Any]) -> None:
    grant = community.grants.add("王书记", "secretary", town["east"].id)
    assert grant.unit == "城南街道党工委/东社区党委"
    wang = community.as_actor("王书记")
    assert [m.id for m in wang.members.list()] == [town["ma"].id]
    assert wang.members.get(town["ma"].id).name == "张三"
    wang.members.update(town["ma"].id, education="本科")
    with pytest.raises(PermissionDenied):
        wang.members.update(town["mb"].id, education="本科")
    with pytest.raises(PermissionDenied):  # granting is not a secretary's
        wang.grants.add("小李", "viewer", town["a"].id)
    with pytest.raises(Conflict):
        community.grants.add("王书记", "secretary", town["east"].id)
    with pytest.raises(InvalidValue, match="known roles"):
        community.grants.add("王书记", "mayor", town["east"].id)
    assert [g.actor for g in community.grants.list(unit=town["east"].id)] == ["王书记"]
    assert [(g.role, g.unit_id) for g in wang.grants.mine()] == [("secretary", town["east"].id)]
    community.grants.remove("王书记", "secretary", town["east"].id)
    with pytest.raises(PermissionDenied):
        wang.members.list()
    actions = [e.action for e in community.audit.list(entity="grant", limit=None)]
    assert actions == ["grant.remove", "grant.add", "grant.add"]


def test_the_last_administrator_stays(community: Community) -> None:
    with pytest.raises(Conflict, match="last administrator"):
        community.grants.remove("tester", "admin")
    community.grants.add("李主任", "admin")
    community.grants.remove("tester", "admin")
    assert [g.actor for g in community.as_actor("李主任").grants.list()] == ["李主任"]


def test_removing_a_unit_removes_its_grants(community: Community) -> None:
    street = community.org.add("城南街道党工委", "street-committee")
    branch = community.org.add("东一支部", "branch", community.org.add("东社区党委", "community-committee",
                                                                       street.id).id)
    community.grants.add("王书记", "secretary", branch.id)
    community.org.remove(branch.id)
    assert community.grants.list(actor="王书记") == []


def test_grant_and_whoami_commands(community: Community, town: dict[str, Any]) -> None:
    added = run(community, "--json", "grant", "add", "王书记", "secretary", "--unit", "城南街道党工委/东社区党委")
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["unit"] == "城南街道党工委/东社区党委"
    listed = json.loads(run(community, "--json", "grant", "list").output)
    assert [(g["actor"], g["role"]) for g in listed] == [("tester", "admin"), ("王书记", "secretary")]
    me = json.loads(run(community.as_actor("王书记"), "--json", "whoami").output)
    assert me["actor"] == "王书记" and [g["role"] for g in me["grants"]] == ["secretary"]
    assert "no grants" in run(community.as_actor("路人"), "whoami").output
    removed = run(community, "grant", "remove", "王书记", "secretary", "--unit", str(town["east"].id))
    assert removed.exit_code == 0
    assert json.loads(run(community, "--json", "grant", "list", "--actor", "王书记").output) == []
    refused = run(community.as_actor("路人"), "grant", "add", "路人", "admin")
    assert refused.exit_code == 1 and "grant.add" in refused.output
    before = len(community.grants.list())
    for subject, expected in (("partner:1", "steward:ID or member:ID"), ("member:99999", "no member:99999")):
        bad = run(community, "grant", "add", "管家", "steward", "--unit", str(town["a"].id), "--as", subject)
        assert bad.exit_code == 1 and expected in bad.output, bad.output
    assert len(community.grants.list()) == before  # nothing written
    steward = json.loads(run(community, "--json", "grant", "add", "管家", "steward", "--unit", str(town["a"].id),
                             "--as", f"member:{town['ma'].id}").output)
    assert steward["subject"] == f"member:{town['ma'].id}"


def test_an_export_of_personal_data_is_audited_with_its_scope_and_rows(community: Community,
                                                                      town: dict[str, Any], tmp_path: Path) -> None:
    community.grants.add("王书记", "secretary", town["east"].id)
    wang = community.as_actor("王书记")
    rows = wang.members.export(tmp_path / "roster.csv", reveal=True, reason="换届")
    assert rows == 1
    text = (tmp_path / "roster.csv").read_text(encoding="utf-8-sig")
    assert "张三" in text and "李四" not in text and ID_NUMBER in text
    (entry,) = community.audit.list(action="member.export")
    assert entry.actor == "王书记"
    assert entry.after["rows"] == 1 and entry.after["revealed"] is True
    assert entry.after["scope"] == ("城南街道党工委/东社区党委",)
    with pytest.raises(PermissionDenied):  # a whole-database export is an administrator's
        wang.export_to(tmp_path / "all.json")


def test_every_listing_and_statistic_of_residents_and_activity_is_scoped(community: Community,
                                                                         town: dict[str, Any]) -> None:
    east_compound = community.org.add_compound("东苑", "新建", town["east"].id)
    west_compound = community.org.add_compound("西苑", "新建", town["west"].id)
    mine = community.residents.add("刘奶奶", compound_id=east_compound.id, building="1栋", room="101")
    other = community.residents.add("陈爷爷", compound_id=west_compound.id, building="2栋", room="202")
    community.grants.add("王书记", "secretary", town["east"].id)
    community.grants.add("王书记", "viewer", town["east"].id)
    wang = community.as_actor("王书记")
    assert [r.id for r in wang.residents.list()] == [mine.id]
    assert wang.residents.count() == 1
    assert [c.id for c in wang.org.compounds()] == [east_compound.id]
    asked = [east_compound.id, west_compound.id, west_compound.id + 100]
    assert wang.org.compound_names(asked) == {east_compound.id: "东苑"}
    assert community.org.compound_names(asked) == {east_compound.id: "东苑", west_compound.id: "西苑"}
    for lookup in (community.org.compound_names, community.org.paths_of):  # a clear error, not the engine's
        with pytest.raises(InvalidValue, match="0-9"):
            lookup([east_compound.id, "x"])
    with pytest.raises(PermissionDenied):
        wang.residents.get(other.id)
    community.activity.record("unit", town["a"].id, "members", quantity=1)
    community.activity.record("unit", town["b"].id, "members", quantity=1)
    assert [e.subject_id for e in wang.activity.list()] == [town["a"].id]
    assert [v.subject_id for v in wang.activity.values("members", "2026")] == [town["a"].id]
    with pytest.raises(PermissionDenied):
        wang.activity.record("unit", town["b"].id, "members")


def test_paths_and_attendance_lists_reveal_nothing_outside_the_grants(community: Community,
                                                                   town: dict[str, Any], tmp_path: Path) -> None:
    community.grants.add("王书记", "secretary", town["east"].id)
    wang = community.as_actor("王书记")
    assert wang.org.paths_of([town["a"].id, town["b"].id]) == {town["a"].id: "城南街道党工委/东社区党委/东一支部"}
    assert set(community.org.paths_of([town["a"].id, town["b"].id])) == {town["a"].id, town["b"].id}
    community.members.update(town["mb"].id, id_number="110105198001010016")
    sheet = tmp_path / "attendance.csv"
    sheet.write_text("姓名,公民身份号码,出席情况\n张三,11010519491231002X,出席\n李四,110105198001010016,出席\n",
                     encoding="utf-8")
    assert community.meetings.attendance_file(sheet)[0] == [town["ma"].id, town["mb"].id]
    with pytest.raises(RejectedInput) as refused:  # the member of the other community is not known to them
        wang.meetings.attendance_file(sheet)
    assert [(p.row, p.field) for p in refused.value.problems] == [(3, "公民身份号码")]


def test_a_secretary_imports_ledger_entries_for_their_subtree_only(community: Community, town: dict[str, Any],
                                                                  tmp_path: Path) -> None:
    community.grants.add("王书记", "secretary", town["east"].id)
    wang = community.as_actor("王书记")
    header = "对象类型,对象编号,事实,日期,数量\n"
    mine = tmp_path / "mine.csv"
    mine.write_text(header + f"党员,{town['ma'].id},volunteer-hours,2026-10-01,2\n", encoding="utf-8")
    assert wang.activity.import_file(mine) == 1
    both = tmp_path / "both.csv"
    both.write_text(header + f"党员,{town['ma'].id},volunteer-hours,2026-10-02,1\n"
                    f"党员,{town['mb'].id},volunteer-hours,2026-10-02,1\n", encoding="utf-8")
    before = len(community.activity.list())
    with pytest.raises(PermissionDenied) as refused:
        wang.activity.import_file(both)
    assert refused.value.action == "activity.import" and len(community.activity.list()) == before
    assert denials(community)[-1].actor == "王书记"


def test_a_secretary_imports_units_into_their_subtree_only(community: Community, town: dict[str, Any],
                                                          tmp_path: Path) -> None:
    community.grants.add("王书记", "secretary", town["east"].id)
    wang = community.as_actor("王书记")
    sheet = tmp_path / "units.csv"
    east = "城南街道党工委/东社区党委"
    sheet.write_text(f"路径,类别\n{east}/东二支部,branch\n{east}/东二支部/第一党小组,party-group\n", encoding="utf-8")
    assert wang.org.import_file(sheet) == {"added": 2, "updated": 0}  # a new unit under a new one of the file
    before = community.org.count()
    for rows, action, unit_id in (
            (f"{east}/东三支部,branch\n城南街道党工委/西社区党委/西二支部,branch\n", "org.add", town["west"].id),
            ("城南街道党工委/西社区党委,community-committee\n", None, None),  # nothing to do: nothing asked
            ("城南街道党工委/西社区党委/西一支部,branch,XY-01\n", "org.update", town["b"].id),
            ("城北街道党工委,street-committee\n", "org.add", None)):  # a new top of the tree
        sheet.write_text("路径,类别,组织代码\n" + rows, encoding="utf-8")
        if action is None:
            assert wang.org.import_file(sheet) == {"added": 0, "updated": 0}
            continue
        with pytest.raises(PermissionDenied) as refused:
            wang.org.import_file(sheet)
        assert (refused.value.action, refused.value.unit_id) == (action, unit_id)
        assert community.org.count() == before
    assert community.org.import_file(sheet) == {"added": 1, "updated": 0}


def test_a_secretary_imports_members_into_their_subtree_only(community: Community, town: dict[str, Any],
                                                            tmp_path: Path) -> None:
    community.grants.add("王书记", "secretary", town["east"].id)
    wang = community.as_actor("王书记")
    mine = tmp_path / "mine.csv"
    mine.write_text("姓名,所在党组织\n王五,城南街道党工委/东社区党委/东一支部\n", encoding="utf-8")
    assert wang.members.import_file(mine) == 1
    both = tmp_path / "both.csv"
    both.write_text("姓名,所在党组织\n赵六,城南街道党工委/东社区党委/东一支部\n"
                    "钱七,城南街道党工委/西社区党委/西一支部\n", encoding="utf-8")
    before = community.members.count()
    with pytest.raises(PermissionDenied) as refused:  # one row outside the grant: no row is kept
        wang.members.import_file(both)
    assert refused.value.action == "member.import" and refused.value.unit_id == town["b"].id
    assert community.members.count() == before
    assert community.members.import_file(both) == 2  # a database-wide grant takes both


# Plugins' rules and roles ----------------------------------------------------------------------------


class _NoReveal:
    @hookimpl
    def communitycore_authorize(self, actor: str, action: str, unit: Any, context: Any) -> bool | None:
        return False if action == "member.reveal" else None


class _Yes:
    @hookimpl
    def communitycore_authorize(self, actor: str, action: str, unit: Any, context: Any) -> bool | None:
        return True


class _Raises:
    @hookimpl
    def communitycore_authorize(self, actor: str, action: str, unit: Any, context: Any) -> bool | None:
        if action == "org.add":
            raise RuntimeError("rule broken")
        return None


def test_hook_communitycore_authorize(db_url: str, clock: Clock) -> None:
    """A deny wins over admin and over a plugin that says yes; a rule that raises denies; none grants."""
    pm = make_plugin_manager(_Yes(), _NoReveal(), _Raises(), autoload=False)
    community = communitycore.open(db_url, actor="tester", clock=clock, pm=pm)
    with pytest.raises(PermissionDenied, match="plugin"):
        community.org.add("街道", "street-committee")
    assert denials(community)[0].note is not None
    pm.unregister(plugin=next(p for p in pm.get_plugins() if isinstance(p, _Raises)))
    street = community.org.add("街道", "street-committee")
    member = community.members.add("张三", community.org.add("社区", "community-committee", street.id).id,
                                   id_number=ID_NUMBER)
    assert community.members.get(member.id).id_number == ID_NUMBER
    with pytest.raises(PermissionDenied) as refused:
        community.members.reveal(member.id, reason="核对")
    assert refused.value.action == "member.reveal" and refused.value.actor == "tester"
    with pytest.raises(PermissionDenied):  # a plugin saying yes grants nothing beyond the roles
        community.as_actor("路人").members.list()
    community.close()


def test_a_plugin_rule_sees_the_unit_and_context(db_url: str, clock: Clock) -> None:
    seen: list[tuple[str, Any, dict[str, Any]]] = []

    class Spy:
        @hookimpl
        def communitycore_authorize(self, actor: str, action: str, unit: Any, context: Any) -> None:
            seen.append((action, unit, dict(context)))

    community = communitycore.open(db_url, actor="tester", clock=clock, plugins=[Spy()], autoload=False)
    street = community.org.add("街道", "street-committee")
    seen.clear()
    community.org.get(street.id)
    action, unit, context = seen[-1]
    assert action == "org.read" and unit.id == street.id
    assert context["roles"] == ("admin",) and context["path"] == "街道" and context["listing"] is False
    community.close()


class _GridWorker:
    @hookimpl
    def communitycore_register_roles(self) -> list[Role]:
        return [Role(code="grid-worker", label="网格员", label_en="grid worker",
                     actions=("org.read", "resident.*"))]


def test_hook_communitycore_register_roles(db_url: str, clock: Clock) -> None:
    community = communitycore.open(db_url, actor="tester", clock=clock, plugins=[_GridWorker()], autoload=False)
    assert community.registry.roles["grid-worker"].label == "网格员"
    assert community.registry.provider("roles", "grid-worker") != community.registry.provider("roles", "admin")
    street = community.org.add("街道", "street-committee")
    compound = community.org.add_compound("东苑", "新建", street.id)
    community.grants.add("小王", "grid-worker", street.id)
    worker = community.as_actor("小王")
    assert [u.id for u in worker.org.children()] == [street.id]
    resident = worker.residents.add("刘奶奶", compound_id=compound.id, room="101")
    assert [r.id for r in worker.residents.list()] == [resident.id]
    with pytest.raises(PermissionDenied):  # a resident with no compound belongs to the whole database
        worker.residents.add("陈爷爷")
    with pytest.raises(PermissionDenied):
        worker.members.list()
    community.close()


def test_a_grid_worker_imports_residents_into_their_own_compounds_only(db_url: str, clock: Clock,
                                                                      tmp_path: Path) -> None:
    community = communitycore.open(db_url, actor="tester", clock=clock, plugins=[_GridWorker()], autoload=False)
    street = community.org.add("街道", "street-committee")
    east = community.org.add("东社区党委", "community-committee", street.id)
    west = community.org.add("西社区党委", "community-committee", street.id)
    community.org.add_compound("东苑", "新建", east.id)
    community.org.add_compound("西苑", "新建", west.id)
    community.grants.add("小王", "grid-worker", east.id)
    worker = community.as_actor("小王")
    sheet = tmp_path / "residents.csv"
    sheet.write_text("姓名,小区,楼栋,房号\n刘奶奶,东苑,1栋,101\n", encoding="utf-8")
    assert worker.residents.import_file(sheet) == 1
    for rows, unit_id in (("赵大爷,东苑,1栋,102\n陈爷爷,西苑,2栋,202\n", west.id),  # one row in another community
                          ("孙阿姨,,,\n", None)):  # a resident with no compound belongs to the whole database
        sheet.write_text("姓名,小区,楼栋,房号\n" + rows, encoding="utf-8")
        with pytest.raises(PermissionDenied) as refused:
            worker.residents.import_file(sheet)
        assert refused.value.action == "resident.add" and refused.value.unit_id == unit_id
        assert community.residents.count() == 1  # nothing of the refused file is kept
        assert denials(community)[-1].actor == "小王"
    assert community.residents.import_file(sheet) == 1  # the administrator's grant covers it
    community.close()


def test_a_pack_adds_a_role(tmp_path: Path, db_url: str, clock: Clock) -> None:
    pack = tmp_path / "roles.toml"
    pack.write_text('[pack]\nname = "jj"\n\n[[roles]]\ncode = "inspector"\nlabel = "督查员"\n'
                    'actions = ["member.read", "audit.*"]\n', encoding="utf-8")
    community = communitycore.open(db_url, actor="tester", clock=clock, packs=[pack], autoload=False)
    assert community.registry.roles["inspector"].actions == ("member.read", "audit.*")
    assert community.registry.provider("roles", "inspector") == "pack:jj"
    community.close()
    with pytest.raises(ValueError, match="actions"):
        Role(code="bad", label="坏", actions=("member[read]",))


# Declarations and docs --------------------------------------------------------------------------------


def _checked_actions() -> set[str]:
    """Every action a call names in ``_authorize``/``_scope``/``authorize`` anywhere in the library."""
    found = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                    "_authorize", "_scope", "authorize"):
                found.update(a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                             and "." in a.value)
    return found


def test_every_action_a_call_checks_is_declared() -> None:
    actions = {a for cap in declared() for a in cap.actions}
    checked = _checked_actions()
    assert checked, "no call checks an action"
    assert checked - actions == set()
    for cap in declared():
        for action in cap.actions:
            assert action.count(".") == 1


def test_the_security_page_lists_every_role_and_action() -> None:
    from communitycore.builtin.roles import communitycore_register_roles

    roles = {r.code: r.actions for r in communitycore_register_roles()}
    actions = [a for cap in declared() for a in cap.actions]
    page = (DOCS / "security.md").read_text(encoding="utf-8")
    # To regenerate: print(matrix_markdown(roles, actions)) with the two values above.
    assert matrix_markdown(roles, actions) in page, "docs/security.md: the roles × actions table is out of date"
    assert "member.reveal" in page and "communitycore_authorize" in page


def test_the_testing_kit_gives_an_admin_community(tmp_path: Path) -> None:
    from communitycore.testing import open_test_community

    with open_test_community(tmp_path) as c:
        assert [(g.actor, g.role, g.unit_id) for g in c.grants.mine()] == [("tester", "admin", None)]
        c.org.add("街道", "street-committee")


# The rule as a property ---------------------------------------------------------------------------------


class _Nodes:
    @hookimpl
    def communitycore_register_unit_kinds(self) -> list[UnitKind]:
        return [UnitKind(code="top", label="顶层"), UnitKind(code="node", label="节点", parents=("top", "node"))]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("access") / "template.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def fresh(template: Path, tmp_path: Path) -> Iterator[Any]:
    counter = iter(range(10_000))

    def make() -> Community:
        target = tmp_path / f"c{next(counter)}.db"
        shutil.copyfile(template, target)
        return communitycore.open(f"sqlite:///{target}", actor="tester", plugins=[_Nodes()], autoload=False,
                                  builtins=False)

    yield make


trees = st.lists(st.integers(min_value=0, max_value=1_000), min_size=1, max_size=9).map(
    lambda picks: [None] + [p % (i + 1) for i, p in enumerate(picks[1:])])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parents=trees, data=st.data())
def test_every_listing_holds_exactly_the_members_of_the_granted_subtrees(fresh: Any, parents: list[int | None],
                                                                        data: st.DataObject) -> None:
    community = fresh()
    try:
        units: list[int] = []
        for i, parent in enumerate(parents):
            kind = "top" if parent is None else "node"
            units.append(community.org.add(f"u{i}", kind, None if parent is None else units[parent]).id)
        sizes = data.draw(st.lists(st.integers(0, 2), min_size=len(units), max_size=len(units)))
        members = {u: [community.members.add("党员" + chr(0x4E50 + 3 * i + k), u).id for k in range(n)]
                   for i, (u, n) in enumerate(zip(units, sizes, strict=True))}
        granted = data.draw(st.sets(st.sampled_from(range(len(units))), max_size=3))
        roles = data.draw(st.lists(st.sampled_from(["secretary", "viewer", "auditor"]), min_size=len(granted),
                                   max_size=len(granted)))
        for index, role in zip(sorted(granted), roles, strict=True):
            community.grants.add("x", role, units[index])
        inside = set()
        for index in granted:  # the subtree of each granted unit, from the parents drawn
            stack = [index]
            while stack:
                node = stack.pop()
                inside.add(units[node])
                stack.extend(j for j, p in enumerate(parents) if p == node)
        expected = sorted(m for u in inside for m in members[u])
        actor = community.as_actor("x")
        if not granted:
            with pytest.raises(PermissionDenied):
                actor.members.list()
            return
        assert [m.id for m in actor.members.list()] == expected
        assert actor.members.count() == len(expected)
        assert {line.unit.id for line in actor.org.tree()} == inside
        assert set(actor.org.stats_all()) == inside
        assert sum(r.members for r in actor.org.stats()) == len(expected)
        for unit in units:
            if unit in inside:
                assert [m.id for m in actor.members.list(unit, recursive=False)] == members[unit]
            else:
                with pytest.raises(PermissionDenied):
                    actor.members.list(unit)
    finally:
        community.close()
