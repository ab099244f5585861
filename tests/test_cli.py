"""The ``community`` command line through CliRunner, on every engine.

Commands run against the ``community`` fixture injected through ``AppState(community=...)``, as a
host or the testing kit does. Covered: ``--help`` of every command, the JSON shapes, masking and
audited reveals, ``--lang en``, refused moves, settings with their sources, structure checks, the
demo, import and template, and that ``community --help`` never imports SQLAlchemy.
"""

from __future__ import annotations

import csv
import gc
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from communitycore import Community
from communitycore.capabilities import load
from communitycore.cli import builtin_command_paths, command_name, make_cli
from communitycore.cli.state import AppState
from communitycore.domain.identity import check_character
from communitycore.plugins.manager import make_plugin_manager

# Helpers --------------------------------------------------------------------------------------------


def run(community: Community, *args: str, input: str | None = None) -> Result:  # noqa: A002 - click's name
    """``community ARGS`` against ``community``; click's own errors become exit codes, others raise."""
    state = AppState(community=community, pm=community.pm)
    return CliRunner().invoke(make_cli(state), list(args), obj=state, input=input, catch_exceptions=False)


def ok(community: Community, *args: str, input: str | None = None) -> Result:  # noqa: A002
    """Run and insist on exit code 0."""
    result = run(community, *args, input=input)
    assert result.exit_code == 0, result.output
    return result


def as_json(community: Community, *args: str) -> Any:
    """Run with the global ``--json`` and parse stdout."""
    return json.loads(ok(community, "--json", *args).stdout)


def make_id(birth: str, seq: int, area: str = "321281") -> str:
    """A valid 公民身份号码 for a YYYYMMDD birth date and a 3-digit sequence (odd = male)."""
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + check_character(first17)


def bad_check(number: str) -> str:
    """The same 公民身份号码 with a wrong check character."""
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def reveal_count(community: Community, member_id: int | None = None) -> int:
    return len(community.audit.list(action="member.reveal", entity_id=member_id, limit=None))


@pytest.fixture
def town(community: Community) -> dict[str, Any]:
    """街道 → 社区党委 → 第一网格党支部 (with a 党小组) and a small branch; another 社区党委."""
    org = community.org
    street = org.add("城南街道党工委", "street-committee")
    committee = org.add("幸福社区党委", "community-committee", street.id)
    grid = org.add("第一网格党支部", "grid-branch", committee.id)
    group = org.add("1号楼党小组", "party-group", grid.id)
    small = org.add("小区支部", "branch", committee.id)
    other = org.add("和平社区党委", "community-committee", street.id)
    add = community.members.add
    members = [
        add("张建国", grid.id, id_number=make_id("19700520", 15), phone="13812345678", education="本科",
            join_date="1995-07-01", full_date="1996-07-01", post="书记"),
        add("王芳", grid.id, id_number=make_id("19850317", 22), phone="13987654321", education="大专",
            join_date="2010-07-01", full_date="2011-07-01"),
        add("李强", group.id, id_number=make_id("19620101", 31), education="高中", join_date="1990-07-01",
            full_date="1991-07-01", in_service=True, employer="城南小学"),
        add("赵敏", small.id, id_number=make_id("19900802", 44), join_date="2025-06-01", category="预备"),
        add("孙丽", small.id, id_number=make_id("19920911", 62), join_date="2015-03-01",
            full_date="2016-03-01"),
    ]
    return {"street": street, "committee": committee, "grid": grid, "group": group, "small": small,
            "other": other, "members": members}


# --help everywhere, and no SQLAlchemy for it ------------------------------------------------------------


def _help_state() -> AppState:
    return AppState(pm=make_plugin_manager(autoload=False))


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path
        if isinstance(command, click.Group):
            yield from _command_paths(command, path)


COMMAND_PATHS = [(), *_command_paths(make_cli(_help_state()))]


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=[" ".join(p) or "community" for p in COMMAND_PATHS])
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    state = _help_state()
    result = CliRunner().invoke(make_cli(state), [*path, "--help"], obj=state, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "用法：" in result.output
    assert state._community is None  # help opens no database


def test_the_command_tree() -> None:
    paths = {" ".join(p) for p in COMMAND_PATHS}
    for expected in ("init", "demo", "org add", "org move", "org rename", "org remove", "org show", "org tree",
                     "org stats", "org check", "org settings", "org settings set", "org settings unset",
                     "org compound add", "org compound list", "org partner add", "org partner list",
                     "member add", "member import", "member template", "member list", "member show",
                     "member transfer", "member due-confirmation", "member confirm", "member register",
                     "member update", "member remove", "member restore", "member extend-probation",
                     "member search", "member export", "org import", "resident add", "resident import",
                     "resident list", "resident show", "resident update", "resident remove", "resident households",
                     "audit list"):
        assert expected in paths


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COMMUNITYCORE_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=60, check=False)


def test_help_does_not_import_sqlalchemy() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "import communitycore.cli as cli\n"
        "from communitycore.cli.state import AppState\n"
        "state = AppState()\n"
        "group = cli.make_cli(state)\n"
        "for args in (['--help'], ['org', '--help'], ['member', 'list', '--help'], ['demo', '--help']):\n"
        "    result = CliRunner().invoke(group, args, obj=state)\n"
        "    assert result.exit_code == 0, result.output\n"
        "heavy = [m for m in ('sqlalchemy', 'alembic', 'openpyxl') if m in sys.modules]\n"
        "print(','.join(heavy) or 'clean')\n"
    )
    result = _python("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"


def test_python_m_communitycore_help() -> None:
    result = _python("-m", "communitycore", "--help")
    assert result.returncode == 0, result.stderr
    assert "用法：" in result.stdout
    assert "org" in result.stdout and "member" in result.stdout


def test_each_builtin_command_is_named_as_its_path_says() -> None:
    """The console command finds a builtin command by the name its path gives, before importing it."""
    paths = builtin_command_paths()
    assert [command_name(p) for p in paths] == [load(p).name for p in paths]


#: What a member listing must not import: other capabilities' commands, sub-APIs and domain modules
#: (the converter's shapes and the capability declarations name them by import path), Alembic,
#: openpyxl, the ORM and the io layer's file readers.
NOT_FOR_A_LISTING = (
    "alembic", "openpyxl", "sqlalchemy.orm", "hypothesis", "communitycore.io.limits",
    *(f"communitycore.{layer}.{name}" for layer, names in (
        ("cli", ("meeting", "service", "assess", "roster", "dues", "recruit")),
        ("sdk", ("meetings", "services", "assessments", "rosters", "dues", "recruitment")),
        ("domain", ("meetings", "services", "assessments", "rosters", "dues", "recruitment", "scoring", "activity")),
    ) for name in names),
)


def test_a_member_listing_imports_only_what_it_uses(tmp_path: Path) -> None:
    """``community member list`` imports none of :data:`NOT_FOR_A_LISTING`, leaves the garbage collector
    on (paused only while the community opens); ``--help`` still lists every command."""
    db = tmp_path / "c.db"
    created = _python("-m", "communitycore", "--db", str(db), "--create", "--lang", "en", "member", "list")
    assert created.returncode == 0, created.stderr
    code = (
        "import gc, sys\n"
        "from communitycore.cli import main\n"
        f"try:\n    main(['--db', {str(db)!r}, '--lang', 'en', 'member', 'list', '--limit', '20'])\n"
        "except SystemExit as done:\n    assert not done.code, done.code\n"
        "assert gc.isenabled() and gc.get_freeze_count() > 0, 'the start is frozen, collection resumed'\n"
        f"heavy = {NOT_FOR_A_LISTING!r}\n"
        "print(','.join(m for m in heavy if m in sys.modules) or 'clean', file=sys.stderr)\n"
    )
    result = _python("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "clean"
    listed = _python("-m", "communitycore", "--lang", "en", "--help")
    assert all(name in listed.stdout for name in ("meeting", "service", "assess", "whoami", "export"))



def test_the_command_line_run_in_process_leaves_the_collector_as_it_was(tmp_path: Path) -> None:
    """A host (or a test) that runs the command line in-process, opening its community from ``--db``:
    collection is paused only while the community opens, and nothing of the host's is frozen."""
    frozen = gc.get_freeze_count()
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            state = AppState()
            result = CliRunner().invoke(make_cli(state), ["--db", str(tmp_path / "c.db"), "--create", "--lang", "en",
                                                          "member", "list"], obj=state, catch_exceptions=False)
            assert result.exit_code == 0, result.output
            assert state._community is not None  # opened here, by the property that pauses collection
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
    assert gc.get_freeze_count() == frozen


# Organization tree -----------------------------------------------------------------------------------


def test_org_add_json_shape(community: Community) -> None:
    street = as_json(community, "org", "add", "城南街道党工委", "--kind", "street-committee", "--code", "CN")
    assert street["name"] == "城南街道党工委"
    assert street["kind"] == "street-committee"
    assert street["kind_label"] == "街道党工委"
    assert street["parent_id"] is None
    assert street["path"] == "城南街道党工委"
    assert street["code"] == "CN"
    assert isinstance(street["id"], int)
    # --kind takes a label too, --parent a path, and --json also works after the command.
    committee = json.loads(ok(community, "org", "add", "幸福社区党委", "--kind", "社区党委",
                              "--parent", "城南街道党工委", "--term-start", "2024-01-15", "--json").stdout)
    assert committee["kind"] == "community-committee"
    assert committee["parent_id"] == street["id"]
    assert committee["path"] == "城南街道党工委/幸福社区党委"
    assert committee["term_start"] == "2024-01-15"
    assert committee["term_end"] == "2029-01-15"  # the kind's five-year term
    assert set(committee) >= {"id", "name", "kind", "kind_label", "parent_id", "path", "approved_by",
                              "approved_on", "term_start", "term_end", "covered_units"}


def test_org_add_errors_are_clean(community: Community) -> None:
    result = run(community, "--lang", "en", "org", "add", "X", "--kind", "no-such-kind")
    assert result.exit_code == 1
    assert "unknown unit kind" in result.output and "Traceback" not in result.output
    result = run(community, "--lang", "en", "org", "add", "Y", "--kind", "branch", "--parent", "没有/这个")
    assert result.exit_code == 1
    assert "no unit at path" in result.output


def test_org_show_tree_and_stats(community: Community, town: dict[str, Any]) -> None:
    shown = as_json(community, "org", "show", "城南街道党工委/幸福社区党委")
    assert shown["id"] == town["committee"].id
    assert shown["children"] == 2
    stats = shown["stats"]
    assert stats["kind"] == "stats" and stats["unit_id"] == town["committee"].id
    assert stats["members"] == 5 and stats["full"] == 4 and stats["probationary"] == 1
    assert stats["by_gender"] == {"male": 2, "female": 3}
    assert stats["secretaries"] == 1 and stats["secretaries_associate_or_above_share"] == 1.0

    tree = as_json(community, "org", "tree")
    assert tree[0]["name"] == "城南街道党工委"
    by_name = {row["name"]: row for row in tree}
    assert by_name["城南街道党工委"]["members"] == 5 and by_name["城南街道党工委"]["depth"] == 0
    assert by_name["第一网格党支部"]["members"] == 3  # its 党小组 included
    assert by_name["1号楼党小组"]["depth"] == 3
    assert all({"id", "name", "kind", "parent_id", "path"} <= set(row) for row in tree)
    shallow = as_json(community, "org", "tree", str(town["committee"].id), "--depth", "1")
    assert {row["name"] for row in shallow} == {"幸福社区党委", "第一网格党支部", "小区支部"}

    text = ok(community, "org", "tree").output
    assert "└─ " in text and "[网格党支部]" in text and "3名党员" in text

    stats_json = as_json(community, "org", "stats", str(town["street"].id))
    assert stats_json["members"] == 5 and stats_json["path"] == "城南街道党工委"
    roots = as_json(community, "org", "stats")
    assert [r["name"] for r in roots] == ["城南街道党工委"]
    text = ok(community, "org", "stats", "城南街道党工委").output
    assert "平均年龄" in text and "书记大专及以上占比" in text and "100.0%" in text


def test_lang_en_switches_labels(community: Community, town: dict[str, Any]) -> None:
    zh = ok(community, "org", "show", "城南街道党工委").output
    assert "名称" in zh and "街道党工委" in zh and "平均年龄" in zh
    en = ok(community, "--lang", "en", "org", "show", "城南街道党工委").output
    assert "Name" in en and "street working committee" in en and "Average age" in en
    assert "名称" not in en
    # The option also works after the command, and on tables.
    listing = ok(community, "member", "list", "--lang", "en").output
    assert "Name" in listing and "full member" in listing and "probationary member" in listing
    # JSON stays the same whatever the language, apart from the kind label.
    zh_json = as_json(community, "org", "show", "城南街道党工委")
    en_json = as_json(community, "--lang", "en", "org", "show", "城南街道党工委")
    assert en_json["kind_label"] == "street working committee"
    assert {k: v for k, v in zh_json.items() if k != "kind_label"} == \
        {k: v for k, v in en_json.items() if k != "kind_label"}


def test_move_under_a_descendant_is_refused_and_changes_nothing(community: Community,
                                                                 town: dict[str, Any]) -> None:
    before = as_json(community, "org", "tree")
    audits = len(community.audit.list(limit=None))
    result = run(community, "--lang", "en", "org", "move", "城南街道党工委/幸福社区党委",
                 "城南街道党工委/幸福社区党委/第一网格党支部/1号楼党小组")
    assert result.exit_code == 1
    assert "descendants" in result.output and "Nothing was changed" in result.output
    assert "Traceback" not in result.output
    assert as_json(community, "org", "tree") == before
    assert len(community.audit.list(limit=None)) == audits
    itself = run(community, "--lang", "en", "org", "move", str(town["grid"].id), str(town["grid"].id))
    assert itself.exit_code == 1 and "itself" in itself.output


def test_move_rename_and_remove(community: Community, town: dict[str, Any]) -> None:
    moved = as_json(community, "org", "move", str(town["small"].id), "城南街道党工委/和平社区党委")
    assert moved["parent_id"] == town["other"].id and moved["path"] == "城南街道党工委/和平社区党委/小区支部"
    assert run(community, "org", "move", str(town["small"].id)).exit_code == 2  # neither parent nor --to-root
    renamed = as_json(community, "org", "rename", str(town["small"].id), "和平小区支部")
    assert renamed["name"] == "和平小区支部" and renamed["kind"] == "branch"

    refused = run(community, "org", "remove", "城南街道党工委/幸福社区党委")
    assert refused.exit_code == 1 and "级联删除" in refused.output and "2 个下级组织、3 名党员" in refused.output
    declined = run(community, "org", "remove", "城南街道党工委/幸福社区党委", "--cascade", input="n\n")
    assert declined.exit_code == 1 and "2 个下级组织、3 名党员" in declined.output
    assert community.org.get(town["committee"].id).name == "幸福社区党委"
    removed = as_json(community, "org", "remove", "城南街道党工委/幸福社区党委", "--cascade", "--yes")
    assert sorted(removed["removed_unit_ids"]) == sorted(
        u.id for u in (town["committee"], town["grid"], town["group"]))
    assert community.members.count() == 2


def test_org_update_term(community: Community, town: dict[str, Any]) -> None:
    updated = as_json(community, "org", "update", str(town["small"].id), "--term-start", "2026-01-01",
                      "--approved-by", "幸福社区党委")
    assert updated["term_start"] == "2026-01-01" and updated["id"] == town["small"].id
    assert updated["approved_by"] == "幸福社区党委"


def test_org_kinds(community: Community) -> None:
    kinds = {k["code"]: k for k in as_json(community, "org", "kinds")}
    assert kinds["branch"]["label"] == "党支部" and kinds["branch"]["kind"] == "unit-kind"
    assert "community-committee" in kinds["grid-branch"]["parents"]


def test_org_check(community: Community, town: dict[str, Any]) -> None:
    findings = as_json(community, "org", "check")
    assert findings, "小区支部 has one 正式党员"
    for finding in findings:
        assert {"id", "name", "kind", "unit", "unit_id", "rule", "severity", "message", "suggestion"} <= set(finding)
        assert finding["kind"] == "finding"
        assert finding["severity"] in ("error", "warning", "info")
    small = [f for f in findings if f["unit_id"] == town["small"].id]
    assert any(f["rule"] == "min-full-members" and f["severity"] == "error" for f in small)
    assert small[0]["unit"] == "城南街道党工委/幸福社区党委/小区支部"
    # Exit 0 with findings, unless --fail-on says otherwise.
    assert run(community, "org", "check").exit_code == 0
    assert run(community, "org", "check", "--fail-on", "error").exit_code == 1
    only_grid = as_json(community, "org", "check", str(town["grid"].id))
    assert all(f["unit"].startswith("城南街道党工委/幸福社区党委/第一网格党支部") for f in only_grid)
    text = ok(community, "org", "check").output
    assert "[错误]" in text and "建议" in text and "项发现" in text


def test_org_settings_show_values_and_sources(community: Community, town: dict[str, Any]) -> None:
    committee_path = "城南街道党工委/幸福社区党委"
    set_ = as_json(community, "org", "settings", "set", committee_path, "meeting-cadence.party-lecture", "weekly")
    assert set_ == {"id": "meeting-cadence.party-lecture", "name": "meeting-cadence.party-lecture",
                    "kind": "setting", "key": "meeting-cadence.party-lecture", "value": "weekly",
                    "source": committee_path, "source_unit_id": town["committee"].id, "value_label": "每周"}
    grid_path = f"{committee_path}/第一网格党支部"
    settings = {s["key"]: s for s in as_json(community, "org", "settings", grid_path)}
    assert settings["meeting-cadence.party-lecture"]["value"] == "weekly"
    assert settings["meeting-cadence.party-lecture"]["source"] == committee_path
    assert settings["meeting-cadence.party-lecture"]["source_unit_id"] == town["committee"].id
    assert settings["meeting-cadence.theme-day"]["source"].startswith("default")
    # The explicit `show` form and the text output.
    assert as_json(community, "org", "settings", "show", grid_path) == list(settings.values())
    text = ok(community, "org", "settings", grid_path).output
    assert "来源" in text and committee_path in text and "每周" in text and "weekly" not in text
    # A nearer unit overrides; unset inherits again.
    ok(community, "org", "settings", "set", grid_path, "meeting-cadence.party-lecture", "monthly")
    nearer = {s["key"]: s for s in as_json(community, "org", "settings", grid_path)}
    assert nearer["meeting-cadence.party-lecture"]["source"] == grid_path
    unset = as_json(community, "org", "settings", "unset", grid_path, "meeting-cadence.party-lecture")
    assert unset["removed"] is True and unset["source"] == committee_path and unset["value"] == "weekly"
    bad = run(community, "org", "settings", "set", grid_path, "no-such-setting", "1")
    assert bad.exit_code == 1 and "没有设置项" in bad.output


def test_compounds_and_partners(community: Community, town: dict[str, Any]) -> None:
    compound = as_json(community, "org", "compound", "add", "幸福里小区", "--tier", "老旧",
                       "--unit", str(town["grid"].id), "--address", "幸福路12号")
    assert compound["kind"] == "compound" and compound["tier"] == "old"
    assert compound["unit"] == "城南街道党工委/幸福社区党委/第一网格党支部"
    assert [c["id"] for c in as_json(community, "org", "compound", "list")] == [compound["id"]]
    partner = as_json(community, "org", "partner", "add", "幸福物业", "--kind", "物业",
                      "--unit", str(town["committee"].id))
    assert partner["kind"] == "property-company" and partner["kind_label"] == "物业服务企业"
    listed = as_json(community, "org", "partner", "list", "--unit", str(town["street"].id))
    assert [p["name"] for p in listed] == ["幸福物业"]
    text = ok(community, "org", "compound", "list").output
    assert "老旧小区" in text and "小区类型" in text


# Members ----------------------------------------------------------------------------------------------


def test_member_add_json_is_masked(community: Community, town: dict[str, Any]) -> None:
    number = make_id("19880612", 51)
    added = as_json(community, "member", "add", "周杰", "--unit", "城南街道党工委/幸福社区党委/小区支部",
                    "--id-number", number, "--phone", "13911112222", "--education", "本科",
                    "--join-date", "2012-07-01", "--full-date", "2013-07-01", "--post", "委员", "--in-service",
                    "--employer", "城南医院")
    assert added["kind"] == "member" and added["name"] == "周杰"
    assert added["unit_id"] == town["small"].id
    assert added["id_number"] == "******1988********"
    assert added["phone"] == "139******22"
    assert added["revealed"] is False
    assert added["gender"] == "male" and added["birth_date"] == "1988-**-**"
    assert added["education"] == "bachelor" and added["post"] == "committee-member"
    assert added["category"] == "full" and added["standing"] == "normal" and added["in_service"] is True
    bad = run(community, "member", "add", "错号", "--unit", str(town["small"].id), "--id-number", bad_check(number))
    assert bad.exit_code == 1 and "公民身份号码：" in bad.output and "id_number" not in bad.output


def test_masked_by_default_and_reveal_is_audited(community: Community, town: dict[str, Any]) -> None:
    member = town["members"][0]
    shown = as_json(community, "member", "show", str(member.id))
    assert shown["id_number"] == "*" * 6 + member.id_number[6:10] + "*" * 8
    assert shown["phone"] == "138******78"
    assert shown["birth_date"] == member.id_number[6:10] + "-**-**"
    text = ok(community, "member", "show", str(member.id)).output
    assert member.id_number not in text and "13812345678" not in text
    listing = ok(community, "member", "list").output
    assert member.id_number not in listing and "138******78" in listing
    assert member.birth_date is not None and member.birth_date.isoformat() not in listing + text
    assert reveal_count(community) == 0

    revealed = as_json(community, "member", "show", str(member.id), "--reveal", "--reason", "核对档案")
    assert revealed["id_number"] == member.id_number and revealed["phone"] == "13812345678"
    assert member.birth_date is not None and revealed["birth_date"] == member.birth_date.isoformat()
    assert revealed["revealed"] is True
    entries = as_json(community, "audit", "list", "--action", "member.reveal")
    assert len(entries) == 1
    entry = entries[0]
    assert entry["kind"] == "audit" and entry["name"] == "member.reveal"
    assert entry["entity"] == "member" and entry["entity_id"] == str(member.id)
    assert entry["actor"] == "tester" and entry["note"] == "核对档案"
    assert entry["at"].startswith("2026-11-28T10:00")

    # --reveal on a list: one audit entry for the page, naming how many members and which.
    listed = as_json(community, "member", "list", "--unit", str(town["grid"].id), "--reveal", "--reason", "核对")
    assert {m["id_number"] for m in listed} == {m.id_number for m in town["members"][:3]}
    assert reveal_count(community) == 1 + 1
    [page] = [e for e in community.audit.list(action="member.reveal", limit=None) if e.entity_id is None]
    assert page.after == {"count": 3, "ids": tuple(sorted(m.id for m in town["members"][:3]))} and page.note == "核对"


def test_member_list_filters(community: Community, town: dict[str, Any]) -> None:
    everyone = as_json(community, "member", "list")
    assert [m["id"] for m in everyone] == sorted(m.id for m in town["members"])
    assert all(m["kind"] == "member" and "unit_id" in m for m in everyone)
    grid = as_json(community, "member", "list", "--unit", "城南街道党工委/幸福社区党委/第一网格党支部")
    assert len(grid) == 3 and grid[0]["unit"] == "城南街道党工委/幸福社区党委/第一网格党支部"
    direct = as_json(community, "member", "list", "--unit", str(town["grid"].id), "--direct")
    assert len(direct) == 2
    probationary = as_json(community, "member", "list", "--category", "预备")
    assert [m["name"] for m in probationary] == ["赵敏"]
    limited = run(community, "member", "list", "--limit", "2")
    assert limited.exit_code == 0 and "--limit 0" in limited.stderr
    assert len(as_json(community, "member", "list", "--limit", "2", "--offset", "1")) == 2


def test_transfer_history_confirmation_and_registration(community: Community, town: dict[str, Any]) -> None:
    wang = town["members"][1]
    moved = as_json(community, "member", "transfer", str(wang.id), "--to", "城南街道党工委/和平社区党委",
                    "--on", "2026-03-01", "--reason", "搬家")
    assert moved["kind"] == "transfer" and moved["name"] == "王芳"
    assert moved["from_unit_id"] == town["grid"].id and moved["to_unit_id"] == town["other"].id
    assert moved["to_unit"] == "城南街道党工委/和平社区党委" and moved["transferred_on"] == "2026-03-01"
    shown = as_json(community, "member", "show", str(wang.id))
    assert shown["unit_id"] == town["other"].id
    assert [(t["from_unit"], t["to_unit"], t["reason"]) for t in shown["transfers"]] == [
        ("城南街道党工委/幸福社区党委/第一网格党支部", "城南街道党工委/和平社区党委", "搬家")]
    text = ok(community, "member", "show", str(wang.id)).output
    assert "组织关系转接记录" in text and "搬家" in text

    due = as_json(community, "member", "due-confirmation")
    assert [(d["name"], d["probation_ended"]) for d in due] == [("赵敏", "2026-06-01")]
    assert as_json(community, "member", "due-confirmation", "--unit", str(town["grid"].id)) == []
    confirmed = as_json(community, "member", "confirm", str(due[0]["id"]), "--on", "2026-06-05")
    assert confirmed["category"] == "full" and confirmed["full_date"] == "2026-06-05"
    assert as_json(community, "member", "due-confirmation") == []

    li = town["members"][2]
    reg = as_json(community, "member", "register", str(li.id), "--community", "城南街道党工委/和平社区党委",
                  "--on", "2026-04-01", "--channel", "线上")
    assert reg["kind"] == "registration" and reg["community_unit_id"] == town["other"].id
    assert reg["community"] == "城南街道党工委/和平社区党委" and reg["reported_on"] == "2026-04-01"
    assert [r["id"] for r in as_json(community, "member", "show", str(li.id))["registrations"]] == [reg["id"]]
    refused = run(community, "member", "register", str(wang.id), "--community", str(town["other"].id))
    assert refused.exit_code == 1 and "在职党员" in refused.output


def test_audit_list(community: Community, town: dict[str, Any]) -> None:
    entries = as_json(community, "audit", "list", "--entity", "unit", "--limit", "3")
    assert len(entries) == 3
    assert all(e["kind"] == "audit" and e["entity"] == "unit" for e in entries)
    assert entries[0]["id"] > entries[1]["id"]  # newest first
    added = as_json(community, "audit", "list", "--entity", "member", "--action", "member.add", "--limit", "0")
    assert len(added) == 5
    assert all("*" in e["after"]["id_number"] for e in added)
    assert as_json(community, "audit", "list", "--actor", "nobody") == []
    text = ok(community, "audit", "list").output
    assert "操作人" in text and "新增党组织" in text and "unit.add" not in text  # the action in words


# Demo, init, import ---------------------------------------------------------------------------------


def test_demo_builds_once_and_has_findings(community: Community, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the demo writes its dashboard in the working directory
    first = ok(community, "demo").output
    assert (tmp_path / "demo-dashboard.html").exists() and "demo-dashboard.html" in first
    assert "靖城街道党工委" in first and "红色管家联合党支部" in first and "党员中心户" in first
    assert "已评价 1" in first and "已关闭 10" in first  # the workflow's own labels, in the summary of requests
    english = ok(community, "--lang", "en", "demo").output  # shown again, not built again
    assert "The sample's year 2025" in english and "Evaluated 1" in english and "on public notice 1" in english
    units, members = community.org.count(), community.members.count()
    assert 150 <= members <= 300
    again = as_json(community, "demo")
    assert again["created"] is False and again["name"] == "靖城街道党工委"
    assert again["stats"]["members"] == members
    assert again["summary"]["period"] == "2025" and again["summary"]["rosters"]["on_notice"] == 1
    assert community.org.count() == units and community.members.count() == members

    findings = json.loads(ok(community, "org", "check", "--json").stdout)
    assert findings
    for finding in findings:
        assert finding["unit"] and finding["rule"] and finding["suggestion"]
        assert finding["severity"] in ("error", "warning", "info")
    rules = {f["rule"] for f in findings}
    assert {"min-full-members", "max-members", "term-ended"} <= rules
    assert run(community, "org", "check", "--fail-on", "warning").exit_code == 1

    assert len(as_json(community, "member", "due-confirmation")) >= 2
    grid = "靖城街道党工委/幸福社区党委/第一网格党支部"
    settings = {s["key"]: s for s in as_json(community, "org", "settings", grid)}
    assert settings["meeting-cadence.party-lecture"]["source"] == "靖城街道党工委/幸福社区党委"


def test_init_creates_and_reports_the_database(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    state = AppState(pm=make_plugin_manager(autoload=False))
    result = CliRunner().invoke(make_cli(state), ["--db", str(db), "--json", "init"], obj=state,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["db"] == str(db.resolve()) and report["created"] is True and report["up_to_date"] is True
    assert db.exists()
    state = AppState(pm=make_plugin_manager(autoload=False))
    again = CliRunner().invoke(make_cli(state), ["--lang", "en", "--db", str(db), "init"], obj=state,
                               catch_exceptions=False)
    assert again.exit_code == 0 and str(db.resolve()) in again.output and "Database ready" in again.output


def test_init_on_an_injected_community(community: Community) -> None:
    report = as_json(community, "init")
    assert report["up_to_date"] is True and report["created"] is False and report["revision"] == report["head"]


CSV_HEADER = "姓名,性别,公民身份号码,所在党组织,入党日期,转正日期,党员类别,联系电话\n"


def _csv_rows(unit_path: str, bad_row: int | None = None) -> str:
    lines = []
    for i in range(6):
        row = i + 2  # the header is row 1
        number = make_id(f"19{70 + i}0101", 100 + 2 * i + 1)
        if row == bad_row:
            number = bad_check(number)
        lines.append(f"党员{i},男,{number},{unit_path},2000-07-01,2001-07-01,正式,1381234{i:04d}\n")
    return CSV_HEADER + "".join(lines)


def test_import_with_a_bad_row_names_it_and_imports_nothing(community: Community, town: dict[str, Any],
                                                             tmp_path: Path) -> None:
    file = tmp_path / "members.csv"
    file.write_text(_csv_rows("城南街道党工委/和平社区党委", bad_row=7), encoding="utf-8")
    before = community.members.count()
    result = run(community, "member", "import", str(file))
    assert result.exit_code != 0
    assert "第 7 行" in result.output and "公民身份号码" in result.output
    assert community.members.count() == before
    as_json_result = run(community, "--json", "member", "import", str(file))
    assert as_json_result.exit_code == 1
    report = json.loads(as_json_result.stdout)
    assert report["imported"] == 0
    assert [(p["row"], p["column"]) for p in report["problems"]] == [(7, "公民身份号码")]
    english = run(community, "--lang", "en", "member", "import", str(file))
    assert "row 7, column 公民身份号码" in english.output


def test_an_import_that_stops_reading_names_the_file_in_words(community: Community, town: dict[str, Any],
                                                               tmp_path: Path) -> None:
    """A cell beyond what the csv module reads stops the file at its row: the file, not a column, is at fault."""
    file = tmp_path / "members.csv"
    long_cell = "x" * (csv.field_size_limit() + 1)
    file.write_text(_csv_rows(str(town["other"].id)) + f"党员9,男,{long_cell},{town['other'].id}\n", encoding="utf-8")
    before = community.members.count()
    zh = run(community, "member", "import", str(file))
    assert zh.exit_code == 1 and community.members.count() == before
    assert f"第 8 行（文件）：从此处起无法读取：有单元格超过 {csv.field_size_limit()} 个字符" in zh.output
    assert "(file)" not in zh.output and "field limit" not in zh.output
    en = run(community, "--lang", "en", "member", "import", str(file))
    limit = csv.field_size_limit()
    assert f"row 8 (the file): cannot be read from here on: a cell holds more than {limit}" in en.output
    report = json.loads(run(community, "--json", "member", "import", str(file)).stdout)
    assert report["imported"] == 0 and [(p["row"], p["column"]) for p in report["problems"]] == [(8, "(file)")]


def test_import_and_template(community: Community, town: dict[str, Any], tmp_path: Path) -> None:
    file = tmp_path / "members.csv"
    file.write_text(_csv_rows(str(town["other"].id)), encoding="utf-8")
    result = ok(community, "member", "import", str(file))
    assert "6" in result.stdout
    assert community.members.count(town["other"].id) == 6
    template = tmp_path / "template.csv"
    written = as_json(community, "member", "template", str(template))
    assert written["file"] == str(template)
    assert template.read_text(encoding="utf-8-sig").splitlines()[0].startswith("姓名")
    english = tmp_path / "template-en.xlsx"
    ok(community, "--lang", "en", "member", "template", str(english))
    assert english.stat().st_size > 0


@pytest.mark.parametrize("command", ["member", "resident", "org", "activity"])
def test_an_empty_file_is_refused_at_its_header_row(community: Community, tmp_path: Path, command: str) -> None:
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    result = run(community, command, "import", str(empty))
    assert result.exit_code == 1
    assert result.stderr.startswith("第 1 行（表头）：文件是空的") and "(header)" not in result.stderr
    english = run(community, "--lang", "en", command, "import", str(empty))
    assert english.stderr.startswith("row 1 (the header): the file is empty")
    problems = json.loads(run(community, "--json", command, "import", str(empty)).stdout)["problems"]
    assert [p["column"] for p in problems] == ["(header)"]  # the JSON keeps the field as it is


HUGE = "99999999999999999999"


@pytest.mark.parametrize("args", [
    ("member", "list", "--limit", HUGE), ("member", "list", "--offset", HUGE), ("resident", "list", "--limit", HUGE),
    ("audit", "list", "--limit", HUGE), ("events", "list", "--limit", HUGE), ("activity", "list", "--offset", HUGE),
    ("meeting", "list", "--limit", HUGE), ("recruit", "due", "--days", "99999999999"), ("org", "tree", "--depth", HUGE),
], ids=" ".join)
def test_a_huge_number_is_a_usage_error_not_a_traceback(community: Community, args: tuple[str, ...]) -> None:
    community.org.add("城南街道党工委", "street-committee")
    result = run(community, *args)  # a driver's OverflowError would raise here (catch_exceptions=False)
    assert result.exit_code == 2
    assert "的值无效" in result.stderr and "不在范围" in result.stderr


def test_a_header_row_beyond_the_file_is_refused_at_once(community: Community, tmp_path: Path) -> None:
    import time

    short = tmp_path / "短.csv"
    short.write_text("姓名\n张三\n", encoding="utf-8")
    started = time.process_time()
    result = run(community, "member", "import", "--header-row", "2147483647", str(short))
    assert time.process_time() - started < 5  # the rows past the end are not stepped over one by one
    assert result.exit_code == 1 and result.stderr.startswith("第 2147483647 行（表头）：")
    assert run(community, "member", "import", "--header-row", HUGE, str(short)).exit_code == 2
