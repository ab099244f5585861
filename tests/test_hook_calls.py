"""How the host calls hooks: through pluggy, so wrappers, ordering and isolation all hold.

One wrapper of each style (new ``wrapper=True``, old ``hookwrapper=True``) on one hook of each
family: registration, structure check, *firstresult* decision, event and commands. Each must see
the result and be able to change it. Then pluggy's order (LIFO, ``tryfirst``, ``trylast``),
and what happens when a plugin or a wrapper raises.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import click
import pytest
from click.testing import CliRunner

import communitycore
from communitycore import Finding, ScoreLine, ScoringScheme, UnitKind, hookimpl, testing
from communitycore.cli import builtin_commands, make_cli, state
from communitycore.cli.state import AppState
from communitycore.plugins import decisions, manager, registry
from communitycore.plugins.decisions import resolve_request_assignee
from communitycore.plugins.manager import CommunityPluginManager, PluginCallWarning, make_plugin_manager
from communitycore.plugins.registry import Registry
from communitycore.records import Event, UnitSnapshot
from communitycore.sdk import community as community_module
from communitycore.sdk import org as org_module
from communitycore.sdk.community import Community
from communitycore.testing import open_test_community

STYLES = ["new", "old"]


def result_wrapper(hook: str, style: str, change: Callable[[Any], Any]) -> tuple[ModuleType, list[Any]]:
    """A plugin whose only hookimpl wraps ``hook``; it records each result it sees and returns ``change(result)``."""
    seen: list[Any] = []
    plugin = ModuleType(f"{style}-style-wrapper")
    if style == "new":
        def wrap() -> Generator[None, Any, Any]:
            result = yield
            seen.append(result)
            return change(result)

        plugin.wrap = hookimpl(wrapper=True, specname=hook)(wrap)  # type: ignore[attr-defined]
    else:
        def old_wrap() -> Generator[None, Any, None]:
            outcome = yield
            seen.append(outcome.get_result())
            outcome.force_result(change(outcome.get_result()))

        plugin.wrap = hookimpl(hookwrapper=True, specname=hook)(old_wrap)  # type: ignore[attr-defined]
    return plugin, seen


@pytest.fixture
def tmp_community(tmp_path: Path) -> Iterator[Callable[..., Community]]:
    """Open a test community (strict, fixed clock) with the given plugins; closed after the test."""
    opened: list[Community] = []

    def open_with(*plugins: object, strict: bool = True) -> Community:
        if not opened:  # created first, so the plugins hear of the test's changes, not of the first grant
            open_test_community(tmp_path).close()
        pm = make_plugin_manager(*plugins, autoload=False, strict=strict)
        community = open_test_community(tmp_path, pm=pm)
        opened.append(community)
        return community

    yield open_with
    for community in opened:
        community.close()


# One wrapper per family ----------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_a_wrapper_on_a_registration_hook_sees_and_changes_the_records(style: str) -> None:
    def relabel(results: list[list[UnitKind]]) -> list[list[UnitKind]]:
        return [[attrs.evolve(k, label="基层党支部") if k.code == "branch" else k for k in records]
                for records in results]

    wrapper, seen = result_wrapper("communitycore_register_unit_kinds", style, relabel)
    registry = Registry(make_plugin_manager(wrapper))
    # It ran around the one builtin that registers unit kinds and saw its list.
    assert [[k.code for records in result for k in records if k.code == "branch"] for result in seen] == [["branch"]]
    assert registry.unit_kinds["branch"].label == "基层党支部"
    assert registry.provider("unit_kinds", "branch") == "national-org"  # the record keeps its provider


@pytest.mark.parametrize("style", STYLES)
def test_a_wrapper_on_check_units_sees_and_changes_the_findings(style: str, tmp_community: Any) -> None:
    def soften(results: list[list[Finding]]) -> list[list[Finding]]:
        return [[attrs.evolve(f, severity="info") if f.rule == "min-full-members" else f for f in findings]
                for findings in results]

    wrapper, seen = result_wrapper("communitycore_check_units", style, soften)
    c = tmp_community(wrapper)
    street = c.org.add("靖城街道党工委", "street-committee")
    committee = c.org.add("虹兴社区党委", "community-committee", parent=street)
    c.org.add("第一党支部", "branch", parent=committee)
    findings = [f for f in c.org.check() if f.rule == "min-full-members"]
    assert findings and {f.severity.value for f in findings} == {"info"}
    # The wrapper saw the national rules' findings as they were, before it changed them.
    original = [f for results in seen for findings in results for f in findings if f.rule == "min-full-members"]
    assert {f.severity.value for f in original} == {"error"}
    assert len(original) == len(findings)


class Emergency:
    name = "emergency"

    @hookimpl
    def communitycore_resolve_request_assignee(self, request: dict[str, Any], units: list[UnitSnapshot]) -> Any:
        return 1 if request["category"] == "emergency" else None


UNITS = [UnitSnapshot(id=1, name="虹兴社区党委", kind="community-committee", parent_id=None, path="虹兴社区党委")]


@pytest.mark.parametrize("style", STYLES)
def test_a_wrapper_on_a_firstresult_hook_sees_and_changes_the_answer(style: str) -> None:
    wrapper, seen = result_wrapper("communitycore_resolve_request_assignee", style,
                                   lambda answer: 7 if answer is None else answer)
    pm = make_plugin_manager(Emergency(), wrapper)
    assert resolve_request_assignee(pm, {"category": "emergency", "unit_id": 2}, UNITS).unit_id == 1
    decided = resolve_request_assignee(pm, {"category": "care", "unit_id": 2}, UNITS)
    assert (decided.unit_id, decided.decided_by) == (7, "emergency")  # the answer it wrapped, changed
    assert seen == [1, None]
    # A plain pluggy call agrees.
    assert pm.hook.communitycore_resolve_request_assignee(request={"category": "care"}, units=UNITS) == 7


class Listener:
    name = "listener"

    def __init__(self, name: str = "listener") -> None:
        self.name = name
        self.events: list[str] = []

    @hookimpl
    def communitycore_on_event(self, event: Event) -> None:
        self.events.append(event.action)


def event_wrapper(style: str) -> tuple[ModuleType, list[str]]:
    """A plugin that wraps ``communitycore_on_event`` and records each event it sees, and what the call returned."""
    seen: list[str] = []
    plugin = ModuleType(f"{style}-style-event-wrapper")
    if style == "new":
        def wrap(event: Event) -> Generator[None, Any, Any]:
            result = yield
            seen.append(f"{event.action}:{result}")
            return result

        plugin.wrap = hookimpl(wrapper=True, specname="communitycore_on_event")(wrap)  # type: ignore[attr-defined]
    else:
        def old_wrap(event: Event) -> Generator[None, Any, None]:
            outcome = yield
            seen.append(f"{event.action}:{outcome.get_result()}")

        plugin.wrap = hookimpl(hookwrapper=True, specname="communitycore_on_event")(  # type: ignore[attr-defined]
            old_wrap)
    return plugin, seen


@pytest.mark.parametrize("listeners", [0, 2])
@pytest.mark.parametrize("style", STYLES)
def test_a_wrapper_on_the_event_hook_sees_every_event_once(style: str, listeners: int, tmp_community: Any) -> None:
    wrapper, seen = event_wrapper(style)
    others = [Listener(f"listener-{i}") for i in range(listeners)]
    c = tmp_community(wrapper, *others)
    street = c.org.add("靖城街道党工委", "street-committee")
    c.org.rename(street, "靖城街道党工委（新）")
    c.org.remove(c.org.add("第一党支部", "branch", parent=street))
    actions = ["unit.add", "unit.rename", "unit.add", "unit.remove"]
    assert seen == [f"{action}:[]" for action in actions]  # once per event, however many listen
    assert all(listener.events == actions for listener in others)


@pytest.mark.parametrize("style", STYLES)
def test_a_wrapper_on_the_commands_hook_sees_and_changes_the_commands(style: str, tmp_path: Path) -> None:
    class Hello:
        name = "hello"

        @hookimpl
        def communitycore_register_commands(self, cli: click.Group) -> None:
            @cli.command("hello")
            def hello() -> None:
                """Say hello."""
                click.echo("你好")

    seen: list[list[str]] = []
    plugin = ModuleType(f"{style}-style-commands-wrapper")

    def observe_and_change(cli: click.Group) -> None:
        seen.append(sorted(set(cli.commands) - {c.name for c in builtin_commands()}))
        if "hello" in cli.commands:
            cli.commands["hello"].help = "Say hello, politely."

    if style == "new":
        def wrap(cli: click.Group) -> Generator[None, Any, Any]:
            result = yield
            observe_and_change(cli)
            return result

        plugin.wrap = hookimpl(wrapper=True, specname="communitycore_register_commands")(  # type: ignore[attr-defined]
            wrap)
    else:
        def old_wrap(cli: click.Group) -> Generator[None, Any, None]:
            yield
            observe_and_change(cli)

        plugin.wrap = hookimpl(hookwrapper=True, specname="communitycore_register_commands")(  # type: ignore[attr-defined]
            old_wrap)
    pm = make_plugin_manager(Hello(), plugin)
    with communitycore.open(tmp_path / "c.db", pm=pm, create=True) as c:
        state = AppState(community=c, pm=pm)
        cli = make_cli(state)
        result = CliRunner().invoke(cli, ["hello", "--help"], obj=state, catch_exceptions=False)
    assert seen == [["hello"]]
    assert "Say hello, politely." in result.output


# Order ----------------------------------------------------------------------------------------------


def scorer(name: str, journal: list[str], **opts: Any) -> ModuleType:
    plugin = ModuleType(name)

    def communitycore_score(subjects: list[int]) -> list[ScoreLine]:
        journal.append(name)
        return [ScoreLine(subject_id=subjects[0], item=name, points=1)]

    plugin.communitycore_score = hookimpl(**opts)(communitycore_score)  # type: ignore[attr-defined]
    return plugin


def enter_wrapper(name: str, journal: list[str], **opts: Any) -> ModuleType:
    plugin = ModuleType(name)

    def communitycore_score() -> Generator[None, Any, Any]:
        journal.append(f"enter {name}")
        result = yield
        journal.append(f"leave {name}")
        return result

    plugin.communitycore_score = hookimpl(wrapper=True, **opts)(communitycore_score)  # type: ignore[attr-defined]
    return plugin


SCHEME = ScoringScheme(code="s", label="积分", subject="member", period="yearly")


def test_per_plugin_calls_keep_pluggys_order_lifo_tryfirst_and_trylast() -> None:
    journal: list[str] = []
    pm = make_plugin_manager(
        scorer("early", journal), scorer("last", journal, trylast=True), scorer("first", journal, tryfirst=True),
        scorer("late", journal), builtins=False,
    )
    args = {"scheme": SCHEME, "period": "2026", "subjects": [1], "facts": {}}
    assert [a.plugin for a in pm.call_each("communitycore_score", **args)] == ["first", "late", "early", "last"]
    plain = [line.item for lines in pm.hook.communitycore_score(**args) for line in lines]
    assert plain == ["first", "late", "early", "last"]  # the order of one plain pluggy call


def test_every_wrapper_runs_around_each_plugin_in_pluggys_order() -> None:
    journal: list[str] = []
    pm = make_plugin_manager(
        enter_wrapper("outer", journal, tryfirst=True), scorer("a", journal), enter_wrapper("inner", journal),
        scorer("b", journal), builtins=False,
    )
    answers = list(pm.call_each("communitycore_score", scheme=SCHEME, period="2026", subjects=[1], facts={}))
    assert [(a.plugin, [line.item for lines in a.results for line in lines]) for a in answers] == [
        ("b", ["b"]), ("a", ["a"])]
    assert journal == [
        "enter outer", "enter inner", "b", "leave inner", "leave outer",
        "enter outer", "enter inner", "a", "leave inner", "leave outer",
    ]


# A plugin that raises ----------------------------------------------------------------------------


def failing_wrapper(hook: str, when: str) -> ModuleType:
    plugin = ModuleType(f"wrapper-failing-{when}")

    def wrap() -> Generator[None, Any, Any]:
        if when == "before":
            raise RuntimeError("wrapper broke before")
        result = yield
        if when == "after":
            raise RuntimeError("wrapper broke after")
        return result

    plugin.wrap = hookimpl(wrapper=True, specname=hook)(wrap)  # type: ignore[attr-defined]
    return plugin


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_failing_wrapper_is_disabled_and_the_plugin_it_wrapped_is_asked_again(when: str) -> None:
    wrapper = failing_wrapper("communitycore_register_unit_kinds", when)
    pm = make_plugin_manager(wrapper, strict=False)
    with pytest.warns(PluginCallWarning, match=f"'wrapper-failing-{when}' failed in "
                                               f"communitycore_register_unit_kinds.*wrapper broke {when}"):
        registry = Registry(pm)
    assert "branch" in registry.unit_kinds  # the builtin it wrapped still registered its kinds
    assert pm.get_plugin(f"wrapper-failing-{when}") is None
    assert pm.get_plugin("national-org") is not None
    assert [(e.plugin, e.hook) for e in pm.load_errors] == [(f"wrapper-failing-{when}",
                                                             "communitycore_register_unit_kinds")]


class Sloppy:
    name = "sloppy"

    @hookimpl
    def communitycore_check_units(self) -> Any:
        return "everything is fine"


def test_check_units_returning_a_string_is_named_and_dropped(tmp_path: Path) -> None:
    with communitycore.open(tmp_path / "c.db", pm=make_plugin_manager(Sloppy(), autoload=False, strict=False),
                            create=True) as c:
        street = c.org.add("靖城街道党工委", "street-committee")
        c.org.add("第一党支部", "branch", parent=c.org.add("虹兴社区党委", "community-committee", parent=street))
        with pytest.warns(PluginCallWarning, match="'sloppy': communitycore_check_units returned str, "
                                                   "not a list of Finding; the answer is dropped"):
            findings = c.org.check()
        assert any(f.rule == "min-full-members" for f in findings)  # the national rules still ran
        assert c.pm.get_plugin("sloppy") is not None  # a refused answer does not disable the plugin


def test_org_check_on_the_command_line_names_a_plugin_answering_a_string(tmp_path: Path) -> None:
    pm = make_plugin_manager(Sloppy(), autoload=False, strict=False)
    with communitycore.open(tmp_path / "c.db", pm=pm, create=True) as c:
        c.org.add("靖城街道党工委", "street-committee")
        state = AppState(community=c, pm=pm)
        result = CliRunner().invoke(make_cli(state), ["--lang", "en", "--json", "org", "check"], obj=state,
                                    catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
    assert result.stderr == ("warning: communitycore plugin 'sloppy': communitycore_check_units returned str, "
                             "not a list of Finding; the answer is dropped\n")


def test_a_plugin_raising_systemexit_in_a_call_is_disabled_not_the_end(tmp_path: Path) -> None:
    class Quitter:
        name = "quitter"

        @hookimpl
        def communitycore_check_units(self) -> list[Finding]:
            raise SystemExit(3)

    with communitycore.open(tmp_path / "c.db", pm=make_plugin_manager(Quitter(), autoload=False, strict=False),
                            create=True) as c:
        c.org.add("靖城街道党工委", "street-committee")
        with pytest.warns(PluginCallWarning, match="'quitter' failed in communitycore_check_units.*SystemExit: 3"):
            c.org.check()
        assert c.pm.is_blocked("quitter")
        c.org.check()  # not called again, so no second warning


def test_a_failing_listener_is_kept_and_every_other_listener_is_told_once(tmp_community: Any) -> None:
    class Grumpy:
        name = "grumpy"

        @hookimpl
        def communitycore_on_event(self, event: Event) -> None:
            raise RuntimeError("mail server down")

    wrapper, seen = event_wrapper("new")
    first, last = Listener("first"), Listener("last")
    # pluggy tells "last" first, then grumpy, then "first".
    c = tmp_community(first, Grumpy(), last, wrapper, strict=False)
    with pytest.warns(PluginCallWarning, match="'grumpy' failed in communitycore_on_event"):
        c.org.add("靖城街道党工委", "street-committee")
    assert first.events == last.events == ["unit.add"]
    # A listener is not disabled: its event stays pending in the outbox, and it is asked again.
    with pytest.warns(PluginCallWarning, match="'grumpy' failed in communitycore_on_event"):
        c.org.add("虹兴街道党工委", "street-committee")
    assert first.events == last.events == ["unit.add", "unit.add"]
    assert [e.status for e in c.events.list()] == ["pending", "pending", "delivered"]  # then the first grant
    # The failure reached the wrapper at its yield; the rest of the call, made again, came back through it:
    # one result per event.
    assert seen == ["unit.add:[]", "unit.add:[]"]


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_failing_event_wrapper_still_lets_every_listener_be_told(when: str, tmp_community: Any) -> None:
    listener = Listener()
    c = tmp_community(listener, failing_wrapper("communitycore_on_event", when), strict=False)
    with pytest.warns(PluginCallWarning, match=f"'wrapper-failing-{when}' failed in communitycore_on_event"):
        c.org.add("靖城街道党工委", "street-committee")
    # At least once, as events are: a wrapper that fails after the listeners ran has them told again.
    assert listener.events == (["unit.add"] if when == "before" else ["unit.add", "unit.add"])
    assert c.pm.get_plugin(f"wrapper-failing-{when}") is None


def test_strict_mode_raises_a_failing_call_as_a_plugin_error(tmp_community: Any) -> None:
    class Broken:
        name = "broken"

        @hookimpl
        def communitycore_check_units(self) -> list[Finding]:
            raise RuntimeError("rules unavailable")

    c = tmp_community(Broken())  # the testing kit is strict
    with pytest.raises(communitycore.PluginError, match="plugin 'broken' failed in communitycore_check_units: "
                                                        "rules unavailable"):
        c.org.check()


def test_the_manager_calls_only_through_pluggy() -> None:
    # No hand-written loop calls an implementation's function any more.
    for module in (manager, registry, decisions, community_module, org_module, state, testing):
        source = inspect.getsource(module)
        assert ".function(" not in source, module.__name__
        assert "call_isolated" not in source, module.__name__


def test_call_each_skips_a_plugin_disabled_earlier_in_the_same_call() -> None:
    journal: list[str] = []

    class Both:
        name = "both"

        @hookimpl(tryfirst=True)
        def communitycore_score(self) -> list[ScoreLine]:
            raise RuntimeError("no")

    pm = make_plugin_manager(scorer("a", journal), Both(), builtins=False, strict=False)
    assert isinstance(pm, CommunityPluginManager)
    with pytest.warns(PluginCallWarning):
        answers = list(pm.call_each("communitycore_score", scheme=SCHEME, period="2026", subjects=[1], facts={}))
    assert [(a.plugin, a.failed) for a in answers] == [("both", True), ("a", False)]
    assert journal == ["a"]
