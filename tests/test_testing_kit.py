"""The plugin-author kit: ``communitycore.testing`` and its opt-in pytest fixtures."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

import communitycore
from communitycore import (
    Fact,
    Finding,
    MeetingType,
    PluginError,
    RosterProgram,
    ScoringScheme,
    ServiceCategory,
    ServiceProgram,
    UnitKind,
    hookimpl,
)
from communitycore.plugins.manager import BUILTINS
from communitycore.records import ScoreItem
from communitycore.testing import (
    FIXED_NOW,
    PluginCheckError,
    check_plugin,
    load_plugin,
    make_plugin_manager,
    open_test_community,
    plugin_problems,
)

pytest_plugins = ["pytester"]


class Good:
    """A well-formed plugin with a record in every family and every batch hook."""

    name = "good"

    @hookimpl
    def communitycore_register_unit_kinds(self) -> list[UnitKind]:
        return [UnitKind(code="market-branch", label="专业市场党支部", parents=("community-committee",))]

    @hookimpl
    def communitycore_register_meeting_types(self) -> list[MeetingType]:
        return [MeetingType(code="weekly-lecture", label="每周党课", cadence="weekly", applies_to=("market-branch",))]

    @hookimpl
    def communitycore_register_service_categories(self) -> list[ServiceCategory]:
        return [ServiceCategory(code="employment", label="就业援助")]

    @hookimpl
    def communitycore_register_service_programs(self) -> list[ServiceProgram]:
        return [ServiceProgram(code="job-agency", label="心连心职业介绍所", category="employment")]

    @hookimpl
    def communitycore_register_facts(self) -> list[Fact]:
        return [Fact(code="volunteer-hours", label="志愿时长", subject="member", unit="hours",
                     replaces="volunteer-hours")]

    @hookimpl
    def communitycore_register_scoring_schemes(self) -> list[ScoringScheme]:
        return [ScoringScheme(code="points", label="积分", subject="member", period="yearly", base=60,
                              items=(ScoreItem(fact="volunteer-hours", points=0.5, cap=20),),
                              vetoes=("members",))]

    @hookimpl
    def communitycore_register_roster_programs(self) -> list[RosterProgram]:
        return [RosterProgram(code="volunteers", label="党员义工队", scoring_scheme="points")]

    @hookimpl
    def communitycore_check_units(self, units: Any) -> list[Finding]:
        return []

    @hookimpl
    def communitycore_score(self, scheme: Any, subjects: Any) -> list[Any]:
        return []

    @hookimpl
    def communitycore_register_commands(self, cli: Any) -> None:
        @cli.command("good")
        def good() -> None:
            """A command."""


def test_a_good_plugin_passes() -> None:
    assert plugin_problems(Good()) == []
    check_plugin(Good())


@pytest.mark.parametrize("name", list(BUILTINS))
def test_the_builtins_pass(name: str) -> None:
    check_plugin(load_plugin(name)[1], name=name)


def problems_of(*hooks: Any, name: str = "bad", **attributes: Any) -> list[str]:
    plugin = type("Bad", (), {"name": name, **{h.__name__: h for h in hooks}, **attributes})()
    return plugin_problems(plugin)


def test_a_misspelled_hook() -> None:
    @hookimpl
    def communitycore_register_unit_kind(self: Any) -> list[Any]:
        return []

    [problem] = problems_of(communitycore_register_unit_kind)
    assert problem.startswith("does not register:")
    assert "unknown hook 'communitycore_register_unit_kind'" in problem


def test_unmarked_hooks_are_named() -> None:
    def communitycore_register_facts(self: Any) -> list[Any]:
        return []

    def communitycore_registr_facts(self: Any) -> list[Any]:
        return []

    assert problems_of(communitycore_register_facts, communitycore_registr_facts) == [
        "communitycore_register_facts is not marked with @hookimpl, so it is never called",
        "communitycore_registr_facts looks like a hook but is not one (misspelled?) and has no @hookimpl",
    ]


def test_wrong_arguments_fail_spec_validation() -> None:
    @hookimpl
    def communitycore_check_units(self: Any, units: Any, weather: Any) -> list[Any]:
        return []

    [problem] = problems_of(communitycore_check_units)
    assert "weather" in problem and "can not be found in the hookspec" in problem


def test_bad_records_are_each_named() -> None:
    broken_fact = Fact(code="hours", label="时长", subject="member")
    object.__setattr__(broken_fact, "code", "Not A Slug")  # skips the validators, as a careless plugin might

    @hookimpl
    def communitycore_register_facts(self: Any) -> list[Any]:
        return [broken_fact, Fact(code="count", label="次数", subject="member", unit=5),
                UnitKind(code="x", label="X")]

    @hookimpl
    def communitycore_register_unit_kinds(self: Any) -> list[Any]:
        return [UnitKind(code="branch", label="支部", parents=("community-committee",)),
                UnitKind(code="orphan", label="孤儿", parents=("nowhere",))]

    @hookimpl
    def communitycore_register_service_programs(self: Any) -> list[Any]:
        return [ServiceProgram(code="lost", label="迷路", category="nowhere")]

    @hookimpl
    def communitycore_register_meeting_types(self: Any) -> list[Any]:
        return [MeetingType(code="odd", label="怪会", cadence="monthly", applies_to=("nowhere",))]

    @hookimpl
    def communitycore_register_scoring_schemes(self: Any) -> list[Any]:
        return [ScoringScheme(code="s", label="S", subject="member", period="yearly",
                              items=(ScoreItem(fact="ghost-fact", points=1),))]

    @hookimpl
    def communitycore_register_roster_programs(self: Any) -> list[Any]:
        return [RosterProgram(code="r", label="R", scoring_scheme="ghost-scheme")]

    problems = problems_of(communitycore_register_facts, communitycore_register_unit_kinds,
                           communitycore_register_service_programs, communitycore_register_meeting_types,
                           communitycore_register_scoring_schemes, communitycore_register_roster_programs)
    text = "\n".join(problems)
    expected = [
        "bad gave a UnitKind to facts; expected Fact",
        "unit_kinds code 'branch' is registered by both national-org and bad",
        "unit kind 'orphan' from bad names unknown parent kinds ['nowhere']",
        "service programme 'lost' from bad names unknown category 'nowhere'",
        "meeting type 'odd' from bad applies to unknown unit kinds ['nowhere']",
        "scoring scheme 's' from bad names unknown facts ['ghost-fact']",
        "roster programme 'r' from bad names unknown scoring scheme 'ghost-scheme'",
        "Fact 'Not A Slug' is invalid: code must be a lower-case slug",
        "Fact 'count' ",  # unit=5 where a str belongs: it cannot come back from plain data as it was
    ]
    for fragment in expected:
        assert fragment in text
    assert "through the converter" in next(p for p in problems if p.startswith("Fact 'count' "))
    assert len(problems) == len(expected)


def test_a_record_that_changes_in_a_round_trip() -> None:
    meeting = MeetingType(code="weekly-lecture", label="每周党课", cadence="weekly", applies_to=("joint-branch",))
    object.__setattr__(meeting, "applies_to", ["joint-branch"])  # a list where the record keeps a tuple

    @hookimpl
    def communitycore_register_meeting_types(self: Any) -> list[Any]:
        return [meeting]

    [problem] = problems_of(communitycore_register_meeting_types)
    assert problem.startswith("MeetingType 'weekly-lecture' changes in a round trip through the converter")


def test_failing_hooks_are_named() -> None:
    @hookimpl
    def communitycore_register_facts(self: Any) -> list[Any]:
        raise RuntimeError("no facts")

    @hookimpl
    def communitycore_check_units(self: Any, units: Any) -> list[Any]:
        return [units[0]]  # assumes a non-empty batch

    @hookimpl
    def communitycore_score(self: Any, scheme: Any) -> Any:
        return {"not": "a list"}

    @hookimpl
    def communitycore_register_commands(self: Any, cli: Any) -> None:
        raise RuntimeError("no click today")

    problems = problems_of(communitycore_register_facts, communitycore_check_units, communitycore_score,
                           communitycore_register_commands)
    text = "\n".join(problems)
    assert "hook failed: RuntimeError: no facts" in text
    assert "communitycore_check_units fails on an empty batch: IndexError" in text
    assert "communitycore_score returned dict, not a list" in text
    assert "communitycore_register_commands fails: RuntimeError: no click today" in text


def test_check_plugin_raises_an_assertion_listing_every_problem() -> None:
    def communitycore_register_facts(self: Any) -> list[Any]:
        return []

    plugin = type("Bad", (), {"name": "bad", "communitycore_register_facts": communitycore_register_facts})()
    with pytest.raises(AssertionError) as caught:
        check_plugin(plugin)
    assert isinstance(caught.value, PluginCheckError)
    assert caught.value.plugin == "bad"
    assert str(caught.value) == (
        "plugin 'bad' has 1 problem(s):\n"
        "  - communitycore_register_facts is not marked with @hookimpl, so it is never called"
    )


def test_checking_a_plugin_that_replaces_a_builtin_on_purpose() -> None:
    class Stricter:
        name = "stricter"

        @hookimpl
        def communitycore_register_unit_kinds(self) -> list[UnitKind]:
            return [UnitKind(code="branch", label="党支部", parents=("community-committee",), min_full_members=5,
                             replaces="branch")]

    check_plugin(Stricter())


# Finding plugins ------------------------------------------------------------------------------------


def test_load_plugin_by_builtin_name_file_and_module(tmp_path: Path) -> None:
    name, plugin = load_plugin("national-org")
    assert name == "national-org" and plugin.__name__ == "communitycore.builtin.national_org"
    file = tmp_path / "my_town.py"
    file.write_text(textwrap.dedent("""
        from communitycore import Fact, hookimpl

        @hookimpl
        def communitycore_register_facts():
            return [Fact(code="bulletin-posts", label="宣传栏公示次数", subject="unit")]
    """), encoding="utf-8")
    name, plugin = load_plugin(str(file))
    assert name == "my_town"
    assert plugin_problems(plugin, name=name) == []
    name, plugin = load_plugin("communitycore.builtin.core")
    assert name == "communitycore.builtin.core"


def test_load_plugin_errors(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match=r"no plugin 'nowhere-town'.*a builtin \(core, national-org"):
        load_plugin("nowhere-town")
    with pytest.raises(PluginError, match="does not exist"):
        load_plugin(str(tmp_path / "missing.py"))
    broken = tmp_path / "broken.py"
    broken.write_text("raise ImportError('boom')\n", encoding="utf-8")
    with pytest.raises(PluginError, match="cannot be imported: ImportError: boom"):
        load_plugin(str(broken))


# Managers and communities ---------------------------------------------------------------------------


def test_make_plugin_manager_is_strict_and_has_no_installed_plugins() -> None:
    pm = make_plugin_manager(Good())
    assert [name for name, _ in pm.list_name_plugin()] == [*BUILTINS, "good"]
    assert pm.strict

    class Misspelled:
        name = "misspelled"

        @hookimpl
        def communitycore_score_units(self) -> None:
            pass

    with pytest.raises(PluginError, match="unknown hook"):
        make_plugin_manager(Misspelled())
    assert [name for name, _ in make_plugin_manager(builtins=False).list_name_plugin()] == ["core", "roles"]


def test_open_test_community(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A community.toml in the working directory must not leak into tests.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "community.toml").write_text('[plugins]\ndisable = ["national-org"]\n', encoding="utf-8")
    with open_test_community(tmp_path, Good()) as c:
        assert c.clock.now() == FIXED_NOW
        assert c.actor == "tester"
        assert "branch" in c.registry.unit_kinds
        assert c.registry.provider("unit_kinds", "market-branch") == "good"
        street = c.org.add("靖城街道党工委", "street-committee")
        committee = c.org.add("虹兴社区党委", "community-committee", parent=street)
        assert c.org.add("商贸城党支部", "market-branch", parent=committee).kind == "market-branch"
    assert (tmp_path / "community.db").exists()


def test_open_test_community_is_loud_about_conflicts(tmp_path: Path) -> None:
    class Clash:
        name = "clash"

        @hookimpl
        def communitycore_register_service_categories(self) -> list[ServiceCategory]:
            return [ServiceCategory(code="care", label="关爱")]

    with pytest.raises(PluginError, match="registered by both national-services and clash"):
        open_test_community(tmp_path, Clash())


# The opt-in pytest fixtures -------------------------------------------------------------------------


def test_the_pytest_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["communitycore.testing.pytest_plugin"]\n')
    pytester.makepyfile(test_town=textwrap.dedent('''
        import pytest
        from communitycore import UnitKind, hookimpl
        from communitycore.testing import FIXED_NOW


        class Town:
            name = "town"

            @hookimpl
            def communitycore_register_unit_kinds(self):
                return [UnitKind(code="market-branch", label="专业市场党支部", parents=("community-committee",))]


        @pytest.fixture
        def communitycore_plugins():
            return [Town()]


        def test_community(community):
            assert community.clock.now() == FIXED_NOW
            street = community.org.add("靖城街道党工委", "street-committee")
            committee = community.org.add("虹兴社区党委", "community-committee", parent=street)
            assert community.org.add("商贸城党支部", "market-branch", parent=committee).kind == "market-branch"


        def test_cli_runner(cli_runner):
            listed = {p["name"]: p for p in cli_runner.json("plugins")}
            assert listed["town"]["records"][0]["code"] == "market-branch"
            result = cli_runner.invoke("plugins", "--all")
            assert result.exit_code == 0, result.output
            assert "town" in result.output
    '''))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=2)


def test_the_kit_does_not_import_pytest_or_sqlalchemy() -> None:
    import subprocess
    import sys

    code = ("import sys, communitycore.testing; "
            "print(sorted(m for m in ('pytest', 'sqlalchemy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert communitycore.testing.__all__
