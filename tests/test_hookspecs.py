"""Every hook: documented with an example, and called through the real machinery by a test of its own.

The tests named ``test_hook_<hookname>`` are what :func:`test_every_hook_has_a_docstring_example_and_a_test`
looks for, anywhere under ``tests/``.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import textwrap
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

import communitycore
from communitycore import (
    Fact,
    Finding,
    GradeBand,
    MeetingType,
    RosterProgram,
    ScoreItem,
    ScoreLine,
    ScoringScheme,
    ServiceCategory,
    ServiceProgram,
    UnitKind,
    hookimpl,
)
from communitycore.clock import Clock
from communitycore.plugins import hookspecs
from communitycore.plugins.decisions import computed_facts, resolve_request_assignee, score_lines
from communitycore.plugins.manager import PluginCallWarning, make_plugin_manager
from communitycore.plugins.markers import PROJECT
from communitycore.plugins.registry import Registry
from communitycore.records import Event, UnitSnapshot
from communitycore.sdk.community import Community
from communitycore.testing import check_plugin, open_test_community

TESTS = Path(__file__).parent
HOOKS = sorted(name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
               if hasattr(fn, f"{PROJECT}_spec"))


def test_the_public_hooks_are_all_there() -> None:
    public = sorted([
        "communitycore_register_unit_kinds", "communitycore_register_meeting_types",
        "communitycore_register_service_categories", "communitycore_register_service_programs",
        "communitycore_register_scoring_schemes", "communitycore_register_roster_programs",
        "communitycore_register_facts", "communitycore_register_workflow_states",
        "communitycore_register_workflow_transitions", "communitycore_register_commands", "communitycore_check_units",
        "communitycore_score", "communitycore_compute_facts", "communitycore_resolve_request_assignee",
        "communitycore_on_event",
        "communitycore_check_service_eligibility", "communitycore_check_roster_candidate",
        "communitycore_register_roles", "communitycore_authorize",
        "communitycore_register_recruitment_steps", "communitycore_register_dues_categories",
    ])
    assert public == HOOKS  # these names are a public contract: never renamed


def _test_names() -> set[str]:
    names = set()
    for path in TESTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                names.add(node.name)
    return names


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_docstring_example_and_a_test(hook: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert doc.strip(), f"{hook} has no docstring: it is the hook's reference documentation"
    assert "Example" in doc, f"{hook}'s docstring has no Example section"
    assert "@hookimpl" in doc.split("Example", 1)[1], f"{hook}'s example does not show an implementation"
    assert f"test_hook_{hook}" in _test_names(), f"{hook} has no test named test_hook_{hook} under tests/"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_docstring_is_in_pytests_style(hook: str) -> None:
    spec = getattr(hookspecs, hook)
    doc = inspect.getdoc(spec) or ""
    reference = doc.split("Example::", 1)[0]
    for name in inspect.signature(spec).parameters:
        assert f":param {name}:" in reference, f"{hook} does not describe its argument {name!r}"
    assert ":returns:" in reference, f"{hook} does not say what it returns"
    assert "Called " in reference, f"{hook} does not say when it is called"
    firstresult = getattr(spec, f"{PROJECT}_spec")["firstresult"]
    assert ("Stops at first non-None result" in reference) == firstresult


def example_plugin(hook: str) -> ModuleType:
    """The hook's ``Example::`` block, run as a plugin module of its own."""
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    code = textwrap.dedent(doc.split("Example::", 1)[1])
    module = ModuleType(f"example_{hook}")
    exec(compile(code, f"<{hook} example>", "exec"), module.__dict__)
    return module


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_example_is_a_working_plugin(hook: str) -> None:
    module = example_plugin(hook)
    assert hasattr(module, hook), f"{hook}'s example does not define {hook}"
    check_plugin(module)  # registers it (names and arguments checked), records, empty batches


def test_the_examples_answer_as_documented(tmp_path: Path) -> None:
    routed = resolve_request_assignee(make_plugin_manager(example_plugin("communitycore_resolve_request_assignee")),
                                      {"category": "emergency", "unit_id": 2}, UNITS)
    assert (routed.unit_id, routed.decided_by) == (1, "example_communitycore_resolve_request_assignee")
    scheme = ScoringScheme(code="jj-member-points", label="积分", subject="member", period="yearly")
    [line] = score_lines(make_plugin_manager(example_plugin("communitycore_score")), scheme, "2026", [5, 6],
                         {5: {"flood-duty": 1}, 6: {}})
    assert (line.line.subject_id, line.line.points) == (5, 2)
    computed = computed_facts(make_plugin_manager(example_plugin("communitycore_compute_facts")),
                              [Fact(code="jj.satisfaction", label="群众满意度", subject="member")], "member",
                              "2026Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30), [12, 13])
    assert computed == {"jj.satisfaction": {12: Decimal("96.50")}}
    checker = example_plugin("communitycore_check_units")
    with open_test_community(tmp_path, checker) as c:
        street = c.org.add("靖城街道党工委", "street-committee")
        committee = c.org.add("虹兴社区党委", "community-committee", parent=street)
        grid = c.org.add("第一网格党支部", "grid-branch", parent=committee)
        assert [f.unit_id for f in c.org.check() if f.rule == "jj.no-empty-grid"] == [grid.id]


# Registration hooks, through the registry --------------------------------------------------------


def registry_with(plugin: object) -> Registry:
    return Registry(make_plugin_manager(plugin, autoload=False, strict=True))


class Locality:
    """One implementation of every registration hook, as a locality plugin would write them."""

    name = "locality"

    @hookimpl
    def communitycore_register_unit_kinds(self) -> list[UnitKind]:
        return [UnitKind(code="market-branch", label="专业市场党支部", parents=("community-committee",),
                         min_full_members=3)]

    @hookimpl
    def communitycore_register_meeting_types(self) -> list[MeetingType]:
        return [MeetingType(code="weekly-lecture", label="每周党课", cadence="weekly", applies_to=("joint-branch",))]

    @hookimpl
    def communitycore_register_service_categories(self) -> list[ServiceCategory]:
        return [ServiceCategory(code="elder-care", label="养老服务")]

    @hookimpl
    def communitycore_register_service_programs(self) -> list[ServiceProgram]:
        return [ServiceProgram(code="red-ribbon", label="红飘带", category="care"),
                ServiceProgram(code="meal-table", label="小餐桌", category="elder-care")]

    @hookimpl
    def communitycore_register_scoring_schemes(self) -> list[ScoringScheme]:
        return [ScoringScheme(code="jj-member-points", label="靖江党员积分", subject="member", period="yearly",
                              base=60, items=(ScoreItem(fact="flood-duty", points=2, cap=20),),
                              bands=(GradeBand(grade="excellent", min_score=90, quota=0.3),))]

    @hookimpl
    def communitycore_register_roster_programs(self) -> list[RosterProgram]:
        return [RosterProgram(code="steward", label="红色管家", notice_days=7, scoring_scheme="jj-member-points")]

    @hookimpl
    def communitycore_register_facts(self) -> list[Fact]:
        return [Fact(code="flood-duty", label="防汛值守次数", subject="member")]


@pytest.fixture(scope="module")
def locality_registry() -> Registry:
    return registry_with(Locality())


def test_hook_communitycore_register_unit_kinds(locality_registry: Registry, tmp_path: Path) -> None:
    kind = locality_registry.unit_kinds["market-branch"]
    assert kind.parents == ("community-committee",)
    assert locality_registry.provider("unit_kinds", "market-branch") == "locality"
    with communitycore.open(tmp_path / "c.db", pm=make_plugin_manager(Locality(), autoload=False), create=True) as c:
        street = c.org.add("靖城街道党工委", "street-committee")
        committee = c.org.add("虹兴社区党委", "community-committee", parent=street)
        assert c.org.add("商贸城党支部", "market-branch", parent=committee).kind == "market-branch"


def test_hook_communitycore_register_meeting_types(locality_registry: Registry) -> None:
    meeting = locality_registry.meeting_types["weekly-lecture"]
    assert (meeting.cadence.value, meeting.applies_to) == ("weekly", ("joint-branch",))
    assert locality_registry.provider("meeting_types", "theme-day") == "national-meetings"


def test_hook_communitycore_register_service_categories(locality_registry: Registry) -> None:
    assert locality_registry.service_categories["elder-care"].label == "养老服务"
    assert len(locality_registry.service_categories) == 7  # the six national ones and ours


def test_hook_communitycore_register_service_programs(locality_registry: Registry) -> None:
    programs = locality_registry.service_programs
    assert list(programs) == ["meal-table", "red-ribbon"]
    assert programs["meal-table"].category == "elder-care"  # a category of the same plugin resolves


def test_hook_communitycore_register_scoring_schemes(locality_registry: Registry) -> None:
    scheme = locality_registry.scoring_schemes["jj-member-points"]
    assert scheme.items[0].fact in locality_registry.facts
    assert scheme.bands[0].quota == 0.3


def test_hook_communitycore_register_roster_programs(locality_registry: Registry) -> None:
    roster = locality_registry.roster_programs["steward"]
    assert roster.scoring_scheme in locality_registry.scoring_schemes


def test_hook_communitycore_register_facts(locality_registry: Registry) -> None:
    assert locality_registry.provider("facts", "flood-duty") == "locality"
    assert locality_registry.provider("facts", "members") == "core"


# Commands, through make_cli -----------------------------------------------------------------------


def test_hook_communitycore_register_commands(tmp_path: Path) -> None:
    import click

    from communitycore.cli import make_cli
    from communitycore.cli.state import AppState

    class Hello:
        name = "hello"

        @hookimpl
        def communitycore_register_commands(self, cli: click.Group) -> None:
            @cli.command("hello")
            def hello() -> None:
                """Say hello with the number of unit kinds."""
                community = click.get_current_context().find_object(AppState).community
                click.echo(f"你好 {len(community.registry.unit_kinds)}")

    pm = make_plugin_manager(Hello(), autoload=False)
    with communitycore.open(tmp_path / "c.db", pm=pm, create=True) as c:
        state = AppState(community=c, pm=pm)
        cli = make_cli(state)
        assert "hello" in cli.commands
        result = CliRunner().invoke(cli, ["hello"], obj=state, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output == f"你好 {len(c.registry.unit_kinds)}\n"


# Structure checks, through community.org.check() ---------------------------------------------------


class EmptyGrid:
    name = "empty-grid"

    def __init__(self) -> None:
        self.batches: list[int] = []

    @hookimpl
    def communitycore_check_units(self, units: list[UnitSnapshot], kinds: dict[str, UnitKind]) -> list[Finding]:
        self.batches.append(len(units))
        return [Finding(unit_id=u.id, unit=u.path, rule="jj.no-empty-grid", severity="warning",
                        message=f"{u.name} has no members", suggestion="merge it into a neighbouring grid")
                for u in units if u.kind == "grid-branch" and u.members == 0 and "grid-branch" in kinds]


@pytest.fixture
def checked(db_url: str, clock: Clock) -> Iterator[Community]:
    c = communitycore.open(db_url, pm=make_plugin_manager(EmptyGrid(), autoload=False), clock=clock, actor="t")
    yield c
    c.close()


def test_hook_communitycore_check_units(checked: Community) -> None:
    rule = checked.pm.get_plugin("empty-grid")
    street = checked.org.add("靖城街道党工委", "street-committee")
    committee = checked.org.add("虹兴社区党委", "community-committee", parent=street)
    grids = [checked.org.add(f"第{i}网格党支部", "grid-branch", parent=committee) for i in (1, 2)]
    findings = checked.org.check()
    ours = [f for f in findings if f.rule == "jj.no-empty-grid"]
    assert sorted(f.unit_id for f in ours) == sorted(g.id for g in grids)
    assert all(f.severity.value == "warning" and f.suggestion for f in ours)
    assert any(f.rule == "min-full-members" for f in findings)  # the national rules ran in the same call
    assert rule.batches == [4]  # one call for the whole batch, not one per unit


# Scoring and routing, through communitycore.plugins.decisions ------------------------------------------------

SCHEME = ScoringScheme(code="jj-member-points", label="党员积分", subject="member", period="yearly")


class FloodDuty:
    name = "flood-duty"

    @hookimpl
    def communitycore_score(self, scheme: ScoringScheme, subjects: list[int],
                            facts: dict[int, dict[str, float]]) -> list[ScoreLine]:
        if scheme.code != "jj-member-points":
            return []
        return [ScoreLine(subject_id=s, item="flood-duty", points=2, note="防汛值守")
                for s in subjects if facts[s].get("flood-duty")]


def test_hook_communitycore_score() -> None:
    class Penalty:
        name = "penalty"

        @hookimpl
        def communitycore_score(self, scheme: ScoringScheme, period: str, subjects: list[int]) -> list[ScoreLine]:
            return [ScoreLine(subject_id=subjects[0], item="late", points=-1, note=f"late in {period}")]

    pm = make_plugin_manager(Penalty(), FloodDuty(), autoload=False)
    lines = score_lines(pm, SCHEME, "2026", [7, 3], {7: {"flood-duty": 1}, 3: {}})
    assert [(p.provider, p.line.subject_id, p.line.item, p.line.points) for p in lines] == [
        ("flood-duty", 7, "flood-duty", 2), ("penalty", 7, "late", -1)]
    assert lines[1].line.note == "late in 2026"
    other = attrs_evolve(SCHEME, code="other")
    assert [p.provider for p in score_lines(pm, other, "2026", [7], {7: {}})] == ["penalty"]


def attrs_evolve(record: Any, **changes: Any) -> Any:
    import attrs

    return attrs.evolve(record, **changes)


def test_score_refuses_lines_outside_the_batch_and_failing_plugins() -> None:
    class Stray:
        name = "stray"

        @hookimpl
        def communitycore_score(self) -> list[Any]:
            return [ScoreLine(subject_id=99, item="x", points=1), "not a line"]

    class Crash:
        name = "crash"

        @hookimpl
        def communitycore_score(self) -> list[ScoreLine]:
            raise RuntimeError("scores unavailable")

    pm = make_plugin_manager(Stray(), Crash(), FloodDuty(), autoload=False, strict=False)
    with pytest.warns(PluginCallWarning) as caught:
        lines = score_lines(pm, SCHEME, "2026", [1], {1: {"flood-duty": 3}})
    assert [p.provider for p in lines] == ["flood-duty"]
    text = "\n".join(str(w.message) for w in caught)
    assert "'crash' failed in communitycore_score and is disabled" in text and "scores unavailable" in text
    assert "scored subject 99" in text
    assert "gave a str, not a ScoreLine" in text
    # The crash disabled its plugin; the sloppy one was only refused its lines, and stays.
    assert pm.get_plugin("crash") is None and pm.is_blocked("crash")
    assert pm.get_plugin("stray") is not None
    assert [(e.plugin, e.hook) for e in pm.load_errors] == [("crash", "communitycore_score")]


UNITS = [
    UnitSnapshot(id=1, name="虹兴社区党委", kind="community-committee", parent_id=None, path="虹兴社区党委"),
    UnitSnapshot(id=2, name="第一网格党支部", kind="grid-branch", parent_id=1, path="虹兴社区党委/第一网格党支部"),
]


class Emergency:
    name = "emergency"

    @hookimpl
    def communitycore_resolve_request_assignee(self, request: dict[str, Any], units: list[UnitSnapshot]) -> Any:
        if request["category"] == "emergency":
            return next((u.id for u in units if u.kind == "community-committee"), None)
        return None


def test_hook_communitycore_resolve_request_assignee() -> None:
    pm = make_plugin_manager(Emergency(), autoload=False)
    decided = resolve_request_assignee(pm, {"category": "emergency", "unit_id": 2}, UNITS)
    assert (decided.unit_id, decided.decided_by) == (1, "emergency")
    fallback = resolve_request_assignee(pm, {"category": "care", "unit_id": 2}, UNITS)
    assert (fallback.unit_id, fallback.decided_by) == (2, "host")
    # pluggy itself agrees on the firstresult answer.
    assert pm.hook.communitycore_resolve_request_assignee(request={"category": "emergency"}, units=UNITS) == 1


def test_resolve_order_zero_answers_and_failures() -> None:
    class First:
        name = "first"

        @hookimpl(tryfirst=True)
        def communitycore_resolve_request_assignee(self) -> int:
            return 0  # an answer, however falsy: only None passes

    class Crash:
        name = "crash"

        @hookimpl(tryfirst=True)
        def communitycore_resolve_request_assignee(self) -> int:
            raise RuntimeError("router down")

    class Yes:
        name = "yes"

        @hookimpl(tryfirst=True)
        def communitycore_resolve_request_assignee(self) -> bool:
            return True

    assert resolve_request_assignee(make_plugin_manager(Emergency(), First(), autoload=False),
                                    {"category": "emergency"}, UNITS).decided_by == "first"
    pm = make_plugin_manager(Emergency(), Crash(), Yes(), autoload=False, strict=False)
    with pytest.warns(PluginCallWarning) as caught:
        decided = resolve_request_assignee(pm, {"category": "emergency", "unit_id": 2}, UNITS)
    assert (decided.unit_id, decided.decided_by) == (1, "emergency")
    text = "\n".join(str(w.message) for w in caught)
    assert "router down" in text and "returned True; expected a unit id or None" in text


# Events, after commit ---------------------------------------------------------------------------


class Listener:
    name = "listener"

    def __init__(self) -> None:
        self.events: list[Event] = []

    @hookimpl
    def communitycore_on_event(self, event: Event) -> None:
        self.events.append(event)


def test_hook_communitycore_on_event(db_url: str, clock: Clock) -> None:
    listener = Listener()
    seen_in_db: list[int] = []

    class Checker:
        name = "checker"

        @hookimpl
        def communitycore_on_event(self, event: Event) -> None:
            if event.action != "unit.add":  # the first administrator's grant, made while opening
                return
            # Called after commit: a fresh connection already sees the change.
            with c.engine.connect() as conn:
                seen_in_db.append(conn.execute(sa.text("SELECT count(*) FROM cc_units")).scalar_one())

    c = communitycore.open(db_url, pm=make_plugin_manager(listener, Checker(), autoload=False), clock=clock,
                           actor="tester")
    with c:
        assert [e.action for e in listener.events] == ["grant.add"]  # the first administrator, when opened
        listener.events.clear()
        unit = c.org.add("靖城街道党工委", "street-committee")
        [event] = listener.events
        assert (event.action, event.entity, event.entity_id, event.actor) == ("unit.add", "unit", str(unit.id),
                                                                             "tester")
        assert event.at == clock.now()
        assert seen_in_db == [1]


def test_no_event_after_a_rollback(sqlite_community: Community) -> None:
    listener = Listener()
    sqlite_community.pm.register(listener, name="listener")
    with pytest.raises(RuntimeError, match="changed my mind"), sqlite_community.transaction() as tx:
        tx.record("unit.add", "unit", 1)
        raise RuntimeError("changed my mind")
    assert listener.events == []
    with pytest.raises(communitycore.CommunityCoreError):
        sqlite_community.org.add("孤儿党支部", "branch", parent="不存在的党委")
    assert listener.events == []


def test_a_failing_listener_only_warns_and_the_change_stands(sqlite_community: Community) -> None:
    class Grumpy:
        name = "grumpy"

        @hookimpl
        def communitycore_on_event(self, event: Event) -> None:
            raise RuntimeError("mail server down")

    listener = Listener()
    sqlite_community.pm.register(Grumpy(), name="grumpy")
    sqlite_community.pm.register(listener, name="listener")
    with pytest.warns(PluginCallWarning, match="'grumpy' failed in communitycore_on_event [(]event unit.add .*"
                                               "stays pending[)]: RuntimeError: mail server down"):
        unit = sqlite_community.org.add("靖城街道党工委", "street-committee")
    assert sqlite_community.org.get(unit.id).name == "靖城街道党工委"
    assert [e.action for e in listener.events] == ["unit.add"]
    # Kept: its event stays pending for a later dispatch, and the next change asks it again.
    assert [e.status for e in sqlite_community.events.list()] == ["pending", "delivered"]  # then the first grant
    with pytest.warns(PluginCallWarning, match="'grumpy' failed"):
        sqlite_community.org.add("虹兴社区党委", "community-committee", parent=unit)
    assert [e.action for e in listener.events] == ["unit.add", "unit.add"]
    assert sqlite_community.pm.get_plugin("grumpy") is not None


def test_events_wait_for_the_host_commit(tmp_path: Path, clock: Clock) -> None:
    listener = Listener()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'host.db'}")
    communitycore.open(engine, pm=make_plugin_manager(autoload=False), clock=clock).close()
    with engine.connect() as conn:
        conn.begin()
        c = communitycore.open(conn, pm=make_plugin_manager(listener, autoload=False), clock=clock)
        c.org.add("靖城街道党工委", "street-committee")
        assert listener.events == []
        conn.commit()
    assert [e.action for e in listener.events] == ["unit.add"]
    engine.dispose()

