"""The hooks a plugin may implement: this module is their reference.

Plugins write ``from communitycore import hookimpl`` and implement any of these functions on a
module or class that is registered through the ``communitycore`` entry-point group. An
implementation may accept fewer arguments than the spec lists; new arguments may be added to a
hook in later versions, never removed or renamed.

Three families:

* **registration hooks** (``communitycore_register_*``) return a list of records. The registry
  calls each plugin's implementation on its own, pairs every record with the plugin that gave it,
  rejects duplicate codes (naming both plugins) unless a record says ``replaces=``, and sorts the
  result by code;
* **computation hooks** are called once per batch of units or subjects, never once per record;
* **decision and event hooks**: ``communitycore_resolve_*`` is *firstresult* (the first non-``None``
  answer wins; the host falls back to its own rule), ``communitycore_on_event`` is a notification
  after the transaction has committed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from communitycore.plugins.markers import hookspec

if TYPE_CHECKING:
    import datetime as dt

    import click

    from communitycore.records import (
        Event,
        Fact,
        Finding,
        MeetingType,
        RosterProgram,
        ScoreLine,
        ScoringScheme,
        ServiceCategory,
        ServiceProgram,
        UnitKind,
        UnitSnapshot,
        WorkflowState,
        WorkflowTransition,
    )


@hookspec
def communitycore_register_unit_kinds() -> list[UnitKind]:  # type: ignore[empty-body]
    """Contribute kinds of Party organization (党组织类别).

    Called once when the registry is built. Return a list of
    :class:`~communitycore.UnitKind`; ``parents`` names the kinds a unit may sit under.

    Example::

        from communitycore import UnitKind, hookimpl

        @hookimpl
        def communitycore_register_unit_kinds():
            return [UnitKind(code="market-branch", label="专业市场党支部",
                             parents=("community-committee",), min_full_members=3)]
    """


@hookspec
def communitycore_register_meeting_types() -> list[MeetingType]:  # type: ignore[empty-body]
    """Contribute meeting types and their cadence (三会一课, 主题党日, joint meetings ...).

    Called once when the registry is built. Return a list of
    :class:`~communitycore.MeetingType`.

    Example::

        @hookimpl
        def communitycore_register_meeting_types():
            return [MeetingType(code="weekly-lecture", label="每周党课",
                                cadence="weekly", applies_to=("joint-branch",))]
    """


@hookspec
def communitycore_register_service_categories() -> list[ServiceCategory]:  # type: ignore[empty-body]
    """Contribute service categories beyond the six national ones.

    Example::

        @hookimpl
        def communitycore_register_service_categories():
            return [ServiceCategory(code="elder-care", label="养老服务")]
    """


@hookspec
def communitycore_register_service_programs() -> list[ServiceProgram]:  # type: ignore[empty-body]
    """Contribute branded service programmes, each in one service category.

    Example::

        @hookimpl
        def communitycore_register_service_programs():
            return [ServiceProgram(code="red-ribbon", label="红飘带", category="care")]
    """


@hookspec
def communitycore_register_scoring_schemes() -> list[ScoringScheme]:  # type: ignore[empty-body]
    """Contribute points schemes (积分制): base, items per fact, caps, vetoes and grade bands.

    Example::

        @hookimpl
        def communitycore_register_scoring_schemes():
            return [ScoringScheme(
                code="jj-member-points", label="靖江党员积分", subject="member",
                period="yearly", base=60,
                items=(ScoreItem(fact="meetings-attended", points=2, cap=20),))]
    """


@hookspec
def communitycore_register_roster_programs() -> list[RosterProgram]:  # type: ignore[empty-body]
    """Contribute roster programmes: vetted service corps such as 红色管家.

    Example::

        @hookimpl
        def communitycore_register_roster_programs():
            return [RosterProgram(code="steward", label="红色管家", notice_days=7)]
    """


@hookspec
def communitycore_register_facts() -> list[Fact]:  # type: ignore[empty-body]
    """Contribute facts: named numbers about a subject that schemes and rules refer to.

    Called once when the registry is built. Return a list of :class:`~communitycore.Fact`.
    The activity ledger (``community.activity``) records entries of a fact and turns them into
    one value per subject and period as the fact's ``aggregate`` says: ``sum`` (the default),
    ``count``, ``max`` or ``mean`` (see :doc:`/activity`).

    Example::

        @hookimpl
        def communitycore_register_facts():
            return [Fact(code="bulletin-posts", label="宣传栏公示次数", subject="unit"),
                    Fact(code="service-rating", label="服务评价", subject="steward", aggregate="mean")]
    """


@hookspec
def communitycore_register_workflow_states() -> list[WorkflowState]:  # type: ignore[empty-body]
    """Contribute states of workflows (resident requests, roster memberships, appeals ...).

    Called once when the registry is built. Return a list of
    :class:`~communitycore.records.WorkflowState`. The registry gathers the states and
    transitions of every plugin and pack by workflow code and builds one
    :class:`~communitycore.domain.workflows.Workflow` of each (``registry.workflow(code)``), so a
    plugin may add a state to a workflow another plugin declares, or rename one with
    ``replaces=``. Two states of one workflow with the same code and no ``replaces`` are a
    conflict naming both plugins; a workflow that is invalid as a whole (no initial state, a
    state no path reaches ...) is reported and left out.

    Example::

        from communitycore import WorkflowState, hookimpl

        @hookimpl
        def communitycore_register_workflow_states():
            return [WorkflowState("resident-request", "jj.revisit", "回访中", "Revisiting")]
    """


@hookspec
def communitycore_register_workflow_transitions() -> list[WorkflowTransition]:  # type: ignore[empty-body]
    """Contribute the permitted moves between workflow states.

    Called once when the registry is built. Return a list of
    :class:`~communitycore.records.WorkflowTransition`; ``action`` (default: the target code) is
    the verb callers use. Transitions of one workflow from every plugin and pack are added
    together; a second transition with the same source and target is a conflict naming both
    plugins.

    Example::

        from communitycore import WorkflowTransition, hookimpl

        @hookimpl
        def communitycore_register_workflow_transitions():
            return [WorkflowTransition("resident-request", "resolved", "jj.revisit", "revisit"),
                    WorkflowTransition("resident-request", "jj.revisit", "closed", "close")]
    """


@hookspec
def communitycore_register_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``community`` command line.

    Called once when the CLI starts, with the top-level group. Commands reach the open
    :class:`~communitycore.Community` as ``click.get_current_context().find_object(AppState).community``
    (``AppState`` from :mod:`communitycore.cli.state`), opened on first use.

    Example::

        import click

        @hookimpl
        def communitycore_register_commands(cli):
            @cli.command("hello")
            def hello():
                click.echo("你好")
    """


@hookspec
def communitycore_check_units(
    units: Sequence[UnitSnapshot], kinds: Mapping[str, UnitKind], today: dt.date
) -> list[Finding]:  # type: ignore[empty-body]
    """Check organization structure; called once for the whole batch of units being checked.

    ``units`` carries each unit's kind, place and head counts; ``kinds`` the registered unit
    kinds by code; ``today`` the community's clock. Return a list of
    :class:`~communitycore.Finding` (possibly empty). Every implementation's findings are kept.

    Example::

        @hookimpl
        def communitycore_check_units(units, kinds):
            return [Finding(unit_id=u.id, unit=u.path, rule="jj.no-empty-grid",
                            severity="warning", message=f"{u.name} has no members",
                            suggestion="merge it into a neighbouring grid")
                    for u in units if u.kind == "grid-branch" and u.members == 0]
    """


@hookspec
def communitycore_score(
    scheme: ScoringScheme, period: str, subjects: Sequence[int], facts: Mapping[int, Mapping[str, float]]
) -> list[ScoreLine]:  # type: ignore[empty-body]
    """Add score lines that a declarative scheme cannot express; called once per batch.

    ``subjects`` are the ids being scored for ``period`` (``"2026"``, ``"2026-Q3"`` ...);
    ``facts`` maps each subject id to its fact values. Return :class:`~communitycore.ScoreLine`
    records (positive or negative points with a note that explains them), or an empty list for
    schemes the plugin does not handle.

    Example::

        @hookimpl
        def communitycore_score(scheme, subjects, facts):
            if scheme.code != "jj-member-points":
                return []
            return [ScoreLine(subject_id=s, item="flood-duty", points=2, note="防汛值守")
                    for s in subjects if facts[s].get("flood-duty")]
    """


@hookspec(firstresult=True)
def communitycore_resolve_request_assignee(request: Mapping[str, Any], units: Sequence[UnitSnapshot]) -> int | None:
    """Decide which unit takes a resident request (首接负责); *firstresult*.

    ``request`` holds the request's fields (``category``, ``compound_id``, ``unit_id`` ...);
    ``units`` are candidate units. Return a unit id, or ``None`` to leave the decision to
    the next plugin and finally to the host's rule (the request's own unit).

    Example::

        @hookimpl
        def communitycore_resolve_request_assignee(request, units):
            if request["category"] == "emergency":
                return next((u.id for u in units if u.kind == "community-committee"), None)
            return None
    """


@hookspec
def communitycore_on_event(event: Event) -> None:
    """Be told of a change after its transaction has committed (never for a rolled-back one).

    ``event`` is an :class:`~communitycore.Event` (``action`` such as ``unit.add``,
    ``member.import``; ``entity``; ``entity_id``; ``actor``; ``at``; ``data``). A failing
    implementation is reported as a warning; the change it was told about stands.

    Example::

        @hookimpl
        def communitycore_on_event(event):
            if event.action == "member.transfer":
                notify_old_branch(event.data["from_unit_id"])
    """
