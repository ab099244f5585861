"""TOML packs: provenance, one line per bad field, ``--pack`` and the config's ``packs``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import communitycore
from communitycore import PluginError, ServiceProgram
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.plugins.manager import PluginLoadWarning
from communitycore.plugins.packs import load_pack, load_packs

REPO = Path(__file__).resolve().parents[1]
JINGJIANG_PACK = REPO / "plugins" / "communitycore-jingjiang" / "src" / "communitycore_jingjiang" / "jingjiang.toml"

GOOD = """
[pack]
name = "jj"
version = "1.0"

[[unit_kinds]]
code = "market-branch"
label = "专业市场党支部"
parents = ["community-committee"]
min_full_members = 3

[[service_programs]]
code = "red-ribbon"
label = "红飘带"
category = "care"

[[meeting_types]]
code = "weekly-lecture"
label = "每周党课"
cadence = "weekly"
applies_to = ["joint-branch", "market-branch"]

[[scoring_schemes]]
code = "jj-member-points"
label = "党员积分"
subject = "member"
period = "yearly"
base = 60
items = [{ fact = "members", points = 1, cap = 10 }]
bands = [{ grade = "excellent", min_score = 90, quota = 0.3 }]
"""

BAD = """
[pack]
name = "bad"
colour = "red"

[[service_programs]]
code = "Red Ribbon"
label = "红飘带"
category = "care"

[[meeting_types]]
code = "weekly"
label = "周会"
cadence = "daily"

[[meeting_types]]
label = "no code"
cadence = "weekly"

[[scoring_schemes]]
code = "points"
label = "积分"
subject = "member"
period = "yearly"
items = [{ fact = "members", points = "many" }]

[[facts]]
code = "hours"
label = "时长"
subject = "member"
colour = "blue"

[[programmes]]
code = "x"
"""


@pytest.fixture
def good_pack(tmp_path: Path) -> Path:
    path = tmp_path / "jingjiang-pack.toml"
    path.write_text(GOOD, encoding="utf-8")
    return path


@pytest.fixture
def bad_pack(tmp_path: Path) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    return path


def test_a_good_pack_loads_with_its_provenance(good_pack: Path, tmp_path: Path) -> None:
    provider, records = load_pack(good_pack)
    assert provider == "pack:jj"
    assert [r.code for r in records] == ["market-branch", "red-ribbon", "weekly-lecture", "jj-member-points"]
    with communitycore.open(tmp_path / "c.db", autoload=False, packs=[good_pack], create=True) as c:
        reg = c.registry
        assert reg.provider("unit_kinds", "market-branch") == "pack:jj"
        assert reg.service_programs["red-ribbon"] == ServiceProgram(code="red-ribbon", label="红飘带", category="care")
        assert reg.meeting_types["weekly-lecture"].applies_to == ("joint-branch", "market-branch")
        assert reg.scoring_schemes["jj-member-points"].items[0].cap == 10
        assert {c.record.code for c in reg.contributions("pack:jj")} == {
            "market-branch", "red-ribbon", "weekly-lecture", "jj-member-points"}
        assert not reg.problems


def test_a_pack_without_a_name_is_named_after_its_file(tmp_path: Path) -> None:
    path = tmp_path / "my-town.toml"
    path.write_text('[[facts]]\ncode = "hours"\nlabel = "时长"\nsubject = "member"\n', encoding="utf-8")
    assert load_packs([path])[0][0] == "pack:my-town"


def test_a_bad_pack_gives_one_line_per_bad_field(bad_pack: Path) -> None:
    with pytest.raises(PluginError) as caught:
        load_pack(bad_pack)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"bad pack {bad_pack}:"
    problems = lines[1:]
    assert all(line.startswith(f"  {bad_pack}: ") for line in problems)
    expected = [
        "extra fields found (colour) @ $.pack",
        "code must be a lower-case slug such as 'grid-branch', got 'Red Ribbon' @ $.service_programs[0]",
        "expected Cadence @ $.meeting_types[0].cadence",
        "required field missing @ $.meeting_types[1].code",
        "expected float @ $.scoring_schemes[0].items[0].points",
        "extra fields found (colour) @ $.facts[0]",
        "$.programmes: unknown section",
    ]
    assert len(problems) == len(expected)
    for line, fragment in zip(problems, expected, strict=True):
        assert fragment in line


def test_not_toml_and_missing_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[[facts]\n", encoding="utf-8")
    with pytest.raises(PluginError, match=r"broken\.toml is not valid TOML at line"):
        load_pack(broken)
    with pytest.raises(PluginError, match="does not exist"):
        load_pack(tmp_path / "missing.toml")
    wrong_shape = tmp_path / "shape.toml"
    wrong_shape.write_text('[facts]\ncode = "x"\n', encoding="utf-8")
    with pytest.raises(PluginError, match=r"\$\.facts: must be an array of tables \(\[\[facts\]\]\)"):
        load_pack(wrong_shape)


def test_a_pack_conflicting_with_a_builtin_is_named(tmp_path: Path) -> None:
    path = tmp_path / "clash.toml"
    path.write_text('[[service_categories]]\ncode = "care"\nlabel = "关爱"\n', encoding="utf-8")
    with pytest.warns(PluginLoadWarning, match="registered by both national-services and pack:clash"):
        c = communitycore.open(tmp_path / "c.db", autoload=False, packs=[path], create=True)
    with c:
        assert c.registry.provider("service_categories", "care") == "national-services"
    path.write_text('[[service_categories]]\ncode = "care"\nlabel = "关爱"\nreplaces = "care"\n', encoding="utf-8")
    with communitycore.open(tmp_path / "c.db", autoload=False, packs=[path], create=True) as c:
        assert c.registry.service_categories["care"].label == "关爱"
        assert c.registry.provider("service_categories", "care") == "pack:clash"


def test_the_jingjiang_pack_loads_on_its_own(tmp_path: Path) -> None:
    with communitycore.open(tmp_path / "c.db", autoload=False, packs=[JINGJIANG_PACK], create=True) as c:
        assert c.registry.provider("service_programs", "red-ribbon") == "pack:jingjiang"
        assert c.registry.service_programs["small-dining-table"].label == "小餐桌"
        assert c.registry.unit_kinds["market-branch"].label == "专业市场党支部"
        assert not c.registry.problems


def cli(args: list[str]) -> tuple[int, str]:
    state = AppState.from_argv(args)
    result = CliRunner().invoke(make_cli(state), args, obj=state, catch_exceptions=False)
    return result.exit_code, result.output


def test_pack_option(good_pack: Path, tmp_path: Path) -> None:
    code, out = cli(["--db", str(tmp_path / "c.db"), "--create", "--no-plugins", "--pack", str(good_pack),
                     "--json", "plugins", "--all"])
    assert code == 0, out
    pack = next(p for p in json.loads(out) if p["name"] == "pack:jj")
    assert {r["code"] for r in pack["records"]} == {"market-branch", "red-ribbon", "weekly-lecture",
                                                    "jj-member-points"}


def test_a_bad_pack_option_fails_cleanly(bad_pack: Path, tmp_path: Path) -> None:
    code, out = cli(["--db", str(tmp_path / "c.db"), "--create", "--no-plugins", "--pack", str(bad_pack), "plugins"])
    assert code == 1
    assert "Traceback" not in out
    assert f"{bad_pack}: 缺少必填字段 @ $.meeting_types[1].code" in out  # Chinese by default


def test_config_packs_are_relative_to_the_config_file(good_pack: Path, tmp_path: Path) -> None:
    folder = tmp_path / "deploy"
    folder.mkdir()
    (folder / "packs").mkdir()
    good_pack.rename(folder / "packs" / "jj.toml")
    config = folder / "community.toml"
    config.write_text('[plugins]\npacks = ["packs/jj.toml"]\nautoload = false\n', encoding="utf-8")
    with communitycore.open(tmp_path / "c.db", config=config, create=True) as c:
        assert c.registry.provider("service_programs", "red-ribbon") == "pack:jj"
    code, out = cli(["--db", str(tmp_path / "c.db"), "--create", "--config", str(config), "--json", "plugins", "--all"])
    assert code == 0, out
    assert "pack:jj" in {p["name"] for p in json.loads(out)}


def test_a_pack_entry_that_is_no_table_or_a_bound_that_is_no_number_is_named(tmp_path: Path) -> None:
    pack = tmp_path / "bad.toml"
    pack.write_text('facts = ["abc"]\nroles = [{code = "x", label = "甲", allows = ["member.read"]}, 5]\n'
                    '[pack]\nname = "bad"\nversion = "1"\n', encoding="utf-8")
    with pytest.raises(PluginError) as caught:
        load_pack(pack)
    text = str(caught.value)
    assert "$.facts[0]: must be a table of fields (a [[facts]] entry), not 'abc'" in text
    assert "$.roles[1]: must be a table of fields (a [[roles]] entry), not 5" in text
    pack.write_text('[pack]\nname = "bad"\nversion = "1"\n[[facts]]\ncode = "a-b"\nlabel = "甲"\n'
                    'subject = "member"\nday_maximum = "x"\n', encoding="utf-8")
    with pytest.raises(PluginError, match=r"expected a number, got 'x' @ \$.facts\[0\].day_maximum"):
        load_pack(pack)
