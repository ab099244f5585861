"""The hooks a plugin may implement: this module is their reference.

Plugins write ``from communitycore import hookimpl`` and implement any of these functions on a
module or class that is registered through the ``communitycore`` entry-point group. An
implementation may accept fewer arguments than the spec lists; new arguments may be added to a
hook in later versions, never removed or renamed.

Every call goes through pluggy, so ``tryfirst``/``trylast``, the last-registered-first order,
*firstresult*, new-style wrappers (``@hookimpl(wrapper=True)``) and old-style ones
(``hookwrapper=True``) all behave as pluggy documents. Four families:

* **registration hooks** (``communitycore_register_*``) return a list of records, or add
  commands. The host calls each plugin's implementation in a call of its own (a pluggy subset
  hook caller that keeps every wrapper), pairs every record with the plugin that gave it,
  rejects duplicate codes (naming both plugins) unless a record says ``replaces=``, and sorts
  the result by code;
* **computation hooks** (``communitycore_check_units``, ``communitycore_score``) are called once
  per batch of units or subjects, never once per record, again one call per plugin so each
  answer keeps its provider;
* **decision hooks** (``communitycore_resolve_*``) are *firstresult*: plugins are asked one at a
  time in pluggy's order and the first answer that is not ``None`` wins; the host falls back to
  its own rule;
* **the event hook** (``communitycore_on_event``) is a notification after the transaction has
  committed, made as one pluggy call per event.

A wrapper therefore runs around each plugin's implementation for the first three families
(once per implementing plugin, seeing that plugin's answer), and once per event for the last.

A plugin that raises during a call is named in a warning, its answer to that call is dropped
and it is disabled for the rest of the process; an answer of the wrong type is named and
dropped. See ``docs/decisions/0020-hook-calls.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from communitycore.plugins.markers import hookspec

if TYPE_CHECKING:
    import datetime as dt

    import click

    from communitycore.records import (
        DuesCategory,
        Event,
        Fact,
        Finding,
        MeetingType,
        RecruitmentStep,
        Role,
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

    Called once per plugin when the registry is built, that is when a
    :class:`~communitycore.Community` is opened. Every plugin's records are kept, each paired
    with the plugin that gave it; a code that is already taken is refused unless the record says
    ``replaces=``.

    :returns: a list of :class:`~communitycore.UnitKind` records. ``parents`` names the kinds a
        unit of this kind may sit under (empty for a root kind).

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

    Called once per plugin when the registry is built. Every plugin's records are kept, paired
    with their provider; ``applies_to`` must name registered unit kinds.

    :returns: a list of :class:`~communitycore.MeetingType` records.

    Example::

        from communitycore import MeetingType, hookimpl

        @hookimpl
        def communitycore_register_meeting_types():
            return [MeetingType(code="weekly-lecture", label="每周党课",
                                cadence="weekly", applies_to=("joint-branch",))]
    """


@hookspec
def communitycore_register_service_categories() -> list[ServiceCategory]:  # type: ignore[empty-body]
    """Contribute service categories beyond the six national ones.

    Called once per plugin when the registry is built. Every plugin's records are kept, paired
    with their provider.

    :returns: a list of :class:`~communitycore.ServiceCategory` records.

    Example::

        from communitycore import ServiceCategory, hookimpl

        @hookimpl
        def communitycore_register_service_categories():
            return [ServiceCategory(code="elder-care", label="养老服务")]
    """


@hookspec
def communitycore_register_service_programs() -> list[ServiceProgram]:  # type: ignore[empty-body]
    """Contribute branded service programmes (红飘带, 爱心超市 ...), each in one service category.

    Called once per plugin when the registry is built. Every plugin's records are kept, paired
    with their provider; a programme whose ``category`` is not registered is left out with a
    warning.

    :returns: a list of :class:`~communitycore.ServiceProgram` records.

    Example::

        from communitycore import ServiceProgram, hookimpl

        @hookimpl
        def communitycore_register_service_programs():
            return [ServiceProgram(code="red-ribbon", label="红飘带", category="care")]
    """


@hookspec
def communitycore_register_scoring_schemes() -> list[ScoringScheme]:  # type: ignore[empty-body]
    """Contribute points schemes (积分制): base, items per fact, caps, vetoes and grade bands.

    Called once per plugin when the registry is built. Every plugin's records are kept, paired
    with their provider; the facts a scheme names must be registered
    (:func:`communitycore_register_facts`).

    :returns: a list of :class:`~communitycore.ScoringScheme` records.

    Example::

        from communitycore import Fact, ScoreItem, ScoringScheme, hookimpl

        @hookimpl
        def communitycore_register_facts():
            return [Fact(code="flood-duty", label="防汛值守次数", subject="member")]

        @hookimpl
        def communitycore_register_scoring_schemes():
            return [ScoringScheme(
                code="jj-member-points", label="靖江党员积分", subject="member",
                period="yearly", base=60,
                items=(ScoreItem(fact="flood-duty", points=2, cap=20),))]
    """


@hookspec
def communitycore_register_roster_programs() -> list[RosterProgram]:  # type: ignore[empty-body]
    """Contribute roster programmes: vetted service corps such as 红色管家.

    Called once per plugin when the registry is built. Every plugin's records are kept, paired
    with their provider.

    :returns: a list of :class:`~communitycore.RosterProgram` records.

    Example::

        from communitycore import RosterProgram, hookimpl

        @hookimpl
        def communitycore_register_roster_programs():
            return [RosterProgram(code="steward", label="红色管家", notice_days=7)]
    """


@hookspec
def communitycore_register_facts() -> list[Fact]:  # type: ignore[empty-body]
    """Contribute facts: named numbers about a subject that schemes and rules refer to.

    Called once per plugin when the registry is built. Every plugin's records are kept, paired
    with their provider. The activity ledger (``community.activity``) records entries of a fact
    and turns them into one value per subject and period as the fact's ``aggregate`` says:
    ``sum`` (the default), ``count``, ``max`` or ``mean`` (see :doc:`/activity`).

    :returns: a list of :class:`~communitycore.Fact` records.

    Example::

        from communitycore import Fact, hookimpl

        @hookimpl
        def communitycore_register_facts():
            return [Fact(code="bulletin-posts", label="宣传栏公示次数", subject="unit"),
                    Fact(code="service-rating", label="服务评价", subject="steward", aggregate="mean")]
    """


@hookspec
def communitycore_register_roles() -> list[Role]:  # type: ignore[empty-body]
    """Contribute roles: what a grant of the role on a unit lets its actor do in that unit's subtree.

    Called once per plugin when the registry is built. Every plugin's records are kept, paired
    with their provider; the builtin roles (``admin``, ``secretary``, ``auditor`` …) come from the
    builtin plugin ``roles``. ``actions`` are ``<capability>.<verb>`` as the capabilities declare
    them (:doc:`/security`), or patterns: ``member.*``, ``*.read``, ``*``.

    :returns: a list of :class:`~communitycore.Role` records.

    Example::

        from communitycore import Role, hookimpl

        @hookimpl
        def communitycore_register_roles():
            return [Role(code="grid-worker", label="网格员", label_en="grid worker",
                         actions=("org.read", "resident.read", "resident.update"))]
    """


@hookspec
def communitycore_register_recruitment_steps() -> list[RecruitmentStep]:  # type: ignore[empty-body]
    """Contribute steps of the recruitment pipeline (发展党员), or replace the national ones.

    Called once per plugin when the registry is built. Every plugin's records are kept, paired
    with their provider; the 25 steps of the 细则 come from the builtin plugin
    ``national-recruitment``. A step with ``replaces=`` renames a step or changes its time rule;
    a new ``order`` places an added step between two others (:doc:`/recruitment`).

    :returns: a list of :class:`~communitycore.RecruitmentStep` records.

    Example::

        from communitycore import RecruitmentStep, hookimpl

        @hookimpl
        def communitycore_register_recruitment_steps():
            return [RecruitmentStep(code="public-notice", label="发展对象公示", stage=3, order=115,
                                    min_after="intensive-training", min_days=5, rule="省细则")]
    """


@hookspec
def communitycore_register_dues_categories() -> list[DuesCategory]:  # type: ignore[empty-body]
    """Contribute categories of the dues table (党费), or replace the national ones.

    Called once per plugin when the registry is built. Every plugin's records are kept, paired
    with their provider; the national table (中组发〔2008〕3号) comes from the builtin plugin
    ``national-dues``. A province sets the farmers' amount with ``replaces="farmer"``
    (:doc:`/dues`).

    :returns: a list of :class:`~communitycore.DuesCategory` records.

    Example::

        from communitycore import DuesCategory, hookimpl

        @hookimpl
        def communitycore_register_dues_categories():
            return [DuesCategory(code="farmer-zj", label="农民", replaces="farmer", fixed="0.50")]
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

    :returns: a list of :class:`~communitycore.records.WorkflowState` records.

    Example::

        # A whole small workflow: its states here, its moves through the next hook.
        from communitycore import WorkflowState, WorkflowTransition, hookimpl

        @hookimpl
        def communitycore_register_workflow_states():
            return [WorkflowState("home-visit", "planned", "待走访", initial=True),
                    WorkflowState("home-visit", "done", "已走访", terminal=True)]

        @hookimpl
        def communitycore_register_workflow_transitions():
            return [WorkflowTransition("home-visit", "planned", "done", "visit")]
    """


@hookspec
def communitycore_register_workflow_transitions() -> list[WorkflowTransition]:  # type: ignore[empty-body]
    """Contribute the permitted moves between workflow states.

    Called once when the registry is built. Return a list of
    :class:`~communitycore.records.WorkflowTransition`; ``action`` (default: the target code) is
    the verb callers use. Transitions of one workflow from every plugin and pack are added
    together; a second transition with the same source and target is a conflict naming both
    plugins.

    :returns: a list of :class:`~communitycore.records.WorkflowTransition` records.

    Example::

        # A revisit step in a workflow: its new state, and the moves in and out of it.
        from communitycore import WorkflowState, WorkflowTransition, hookimpl

        @hookimpl
        def communitycore_register_workflow_states():
            return [WorkflowState("home-visit", "planned", "待走访", initial=True),
                    WorkflowState("home-visit", "revisit", "回访中"),
                    WorkflowState("home-visit", "done", "已走访", terminal=True)]

        @hookimpl
        def communitycore_register_workflow_transitions():
            return [WorkflowTransition("home-visit", "planned", "revisit"),
                    WorkflowTransition("home-visit", "revisit", "done", "close")]
    """


@hookspec
def communitycore_register_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``community`` command line.

    Called once per plugin when the command line starts, before the arguments are parsed, so
    keep it cheap: import heavy modules inside the commands. New commands may go on the top-level
    group or inside a builtin group. A command that would replace one already there, builtin or
    another plugin's, is refused with a warning naming the plugin, and the existing one stays.
    Commands reach the open :class:`~communitycore.Community` as
    ``click.get_current_context().find_object(AppState).community`` (``AppState`` from
    :mod:`communitycore.cli.state`), opened on first use. Help texts (a command's docstring, the
    ``help=`` of its options) are written in English and shown in the run's language, from
    communitycore's catalog and then the plugin's own, which it registers with
    :func:`communitycore.i18n.add_catalog` (``docs/translating.md``).

    :param cli: the top-level ``community`` group.
    :returns: nothing; the plugin adds to ``cli``.

    Example::

        import click

        from communitycore import hookimpl

        @hookimpl
        def communitycore_register_commands(cli):
            @cli.command("hello", help="Say hello.")
            def hello():
                click.echo("你好")
    """


@hookspec
def communitycore_check_units(  # type: ignore[empty-body]
    units: Sequence[UnitSnapshot], kinds: Mapping[str, UnitKind], today: dt.date
) -> list[Finding]:
    """Check the organization structure of a batch of units (``community org check``, ``org.check()``).

    Called once per plugin for the whole batch of units being checked, never once per unit.
    Every plugin's findings are kept; the host sorts them by unit, severity and rule. An answer
    that is not a list of :class:`~communitycore.Finding` (a string, say) is dropped with a
    warning naming the plugin.

    :param units: one :class:`~communitycore.UnitSnapshot` per unit, with its kind, path,
        head counts and committee.
    :param kinds: the registered unit kinds by code.
    :param today: today's date by the community's clock.
    :returns: a list of :class:`~communitycore.Finding` records, possibly empty.

    Example::

        from communitycore import Finding, hookimpl

        @hookimpl
        def communitycore_check_units(units, kinds):
            return [Finding(unit_id=u.id, unit=u.path, rule="jj.no-empty-grid",
                            severity="warning", message=f"{u.name} has no members",
                            suggestion="merge it into a neighbouring grid")
                    for u in units if u.kind == "grid-branch" and u.members == 0]
    """


@hookspec
def communitycore_score(  # type: ignore[empty-body]
    scheme: ScoringScheme, period: str, subjects: Sequence[int], facts: Mapping[int, Mapping[str, float]]
) -> list[ScoreLine]:
    """Add score lines that a declarative scheme cannot express.

    Called once per plugin for each batch of subjects being scored under a scheme. Every
    plugin's lines are kept, each with the plugin that gave it; a line for a subject outside the
    batch, or that is not a :class:`~communitycore.ScoreLine`, is dropped with a warning.

    :param scheme: the :class:`~communitycore.ScoringScheme` being applied.
    :param period: the period being scored (``"2026"``, ``"2026Q3"`` ...).
    :param subjects: the ids of the subjects in this batch.
    :param facts: each subject's fact values by fact code.
    :returns: a list of :class:`~communitycore.ScoreLine` records (positive or negative points
        with a note that explains them); an empty list for schemes the plugin does not handle.

    Example::

        from communitycore import ScoreLine, hookimpl

        @hookimpl
        def communitycore_score(scheme, subjects, facts):
            if scheme.code != "jj-member-points":
                return []
            return [ScoreLine(subject_id=s, item="flood-duty", points=2, note="防汛值守")
                    for s in subjects if facts[s].get("flood-duty")]
    """


@hookspec
def communitycore_compute_facts(
    facts: Sequence[Fact], subject_kind: str, period: str, start: dt.date, end: dt.date, subjects: Sequence[int]
) -> Mapping[str, Mapping[int, Any]] | None:
    """Compute facts the ledger does not hold, for every subject of an assessment run at once.

    Called **once per run**, with all the subjects of the run, never once per subject, before
    anything is scored. A plugin answers for the facts it computes itself (it registers them
    with :func:`communitycore_register_facts` like any fact) and leaves the others out. A value
    takes the place of the ledger's value of that fact for that subject, is kept with the run
    (an appeal can correct it) and shows in the breakdown like a ledger fact. Values are numbers,
    rounded to two places; a subject the plugin leaves out has none (0). A value for a subject
    outside the run, for a fact the run did not ask for, or one that is not a number is dropped
    with a warning naming the plugin; so is a fact another plugin already answered for.

    :param facts: the :class:`~communitycore.Fact` records the run's scheme names (items and vetoes).
    :param subject_kind: what the run scores: ``member``, ``unit``, ``partner``, ``resident`` or ``steward``.
    :param period: the period being scored (``"2026Q3"``).
    :param start: its first day.
    :param end: its last day.
    :param subjects: the ids of every subject of the run, ascending.
    :returns: ``{fact code: {subject id: value}}`` for the facts the plugin computes, or ``None``.

    Example::

        from communitycore import Fact, hookimpl

        SURVEY = {"2026Q3": {12: 96.5, 17: 88}}  # 群众满意度测评, by period, then member id

        @hookimpl
        def communitycore_register_facts():
            return [Fact(code="jj.satisfaction", label="群众满意度", subject="member", unit="percent")]

        @hookimpl
        def communitycore_compute_facts(facts, period, subjects):
            if "jj.satisfaction" not in {f.code for f in facts}:
                return None
            found = SURVEY.get(period, {})           # one look-up for the whole run
            return {"jj.satisfaction": {s: found[s] for s in subjects if s in found}}
    """


@hookspec(firstresult=True)
def communitycore_resolve_request_assignee(request: Mapping[str, Any], units: Sequence[UnitSnapshot]) -> int | None:
    """Decide which unit takes a resident request (首接负责).

    Called when a request is routed. Plugins are asked one at a time in pluggy's order
    (``tryfirst`` first, then the last registered first); the host falls back to its own rule,
    the request's own unit, when none answers.

    Stops at first non-None result. ``0`` and ``False`` are answers too: return ``None`` to pass.

    :param request: the request's fields (``category``, ``compound_id``, ``unit_id`` ...).
    :param units: the candidate units, as :class:`~communitycore.UnitSnapshot` records.
    :returns: the id of the unit that takes the request, or ``None`` to leave the decision to
        the next plugin.

    Example::

        from communitycore import hookimpl

        @hookimpl
        def communitycore_resolve_request_assignee(request, units):
            if request["category"] == "emergency":
                return next((u.id for u in units if u.kind == "community-committee"), None)
            return None
    """


@hookspec
def communitycore_check_service_eligibility(  # type: ignore[empty-body]
    check: str, program: ServiceProgram, resident_ids: Sequence[int]
) -> list[int]:
    """Say which residents a programme's own eligibility check refuses (beyond its resident flags).

    Called when a request for a programme whose ``eligibility_check`` is set names a resident,
    once per batch of residents. Every implementation is called; a resident any of them refuses
    is not eligible. Answer only for the checks you implement.

    :param check: the programme's ``eligibility_check`` code.
    :param program: the :class:`~communitycore.ServiceProgram`.
    :param resident_ids: the residents to check.
    :returns: the ids of the residents that are **not** eligible (an empty list: all are).

    Example::

        from communitycore import hookimpl

        @hookimpl
        def communitycore_check_service_eligibility(check, program, resident_ids):
            if check != "jj.low-income":
                return []
            return [r for r in resident_ids if r not in LOW_INCOME_REGISTER]
    """


@hookspec
def communitycore_check_roster_candidate(  # type: ignore[empty-body]
    check: str, program: RosterProgram, kind: str, candidate_ids: Sequence[int]
) -> list[int]:
    """Say which candidates a roster programme's own qualification check refuses.

    Called at the qualification review (``community roster qualify``) of an applicant to a
    programme whose ``candidate_check`` is set, once per batch of candidates of one kind, after
    the declared checks (member categories, veto facts). Every implementation is called; a
    candidate any of them refuses fails the review. Answer only for the checks you implement.

    :param check: the programme's ``candidate_check`` code.
    :param program: the :class:`~communitycore.RosterProgram`.
    :param kind: what the ids are: ``member``, ``resident``, ``partner-staff`` or ``partner``.
    :param candidate_ids: the candidates to check (member, resident or partner ids).
    :returns: the ids of the candidates that are **not** qualified (an empty list: all are).

    Example::

        from communitycore import hookimpl

        @hookimpl
        def communitycore_check_roster_candidate(check, program, kind, candidate_ids):
            if check != "jj.no-arrears" or kind != "resident":
                return []
            return [r for r in candidate_ids if r in PROPERTY_FEE_ARREARS]
    """


@hookspec
def communitycore_on_event(event: Event) -> None:
    """Be told of a change after its transaction has committed (never for a rolled-back one).

    Called once per event, in one pluggy call, so a wrapper sees every event exactly once. With
    a connection owned by the host, events wait for the host's commit. Every event is written to
    the outbox in the change's transaction and carries a stable ``id``: delivery is at least
    once, so deduplicate by it. A listener that raises is named in a warning and kept; the change
    stands, the other listeners are still told, and the event stays pending until a later
    ``community events dispatch`` delivers it. In strict mode the failure is raised as
    :class:`~communitycore.errors.PluginError`, after the commit.

    :param event: the :class:`~communitycore.Event`: ``action`` such as ``unit.add`` or
        ``member.import``, ``entity``, ``entity_id``, ``actor``, ``at`` and ``data``.
    :returns: nothing.

    Example::

        from communitycore import hookimpl

        @hookimpl
        def communitycore_on_event(event):
            if event.action == "member.transfer":
                print("transferred from unit", event.data["from_unit_id"])
    """


@hookspec
def communitycore_authorize(actor: str, action: str, unit: Any, context: Mapping[str, Any]) -> bool | None:
    """A rule of the plugin's own on a call the actor's roles allow: return ``False`` (or raise) to deny it.

    Called on every check that the roles allow (never on one they refuse: a plugin may deny, it can
    never grant), once per call with every implementation; one ``False`` or one exception denies the
    call, whatever the others answer. ``None`` or ``True`` leaves the roles' answer standing. The
    call is refused with :class:`~communitycore.errors.PermissionDenied` and the refusal is audited
    like any other. Called inside the call's transaction: answer from what the arguments hold,
    without opening the database.

    :param actor: who is acting (``open(actor=...)``, ``as_actor(...)``, ``COMMUNITYCORE_ACTOR``).
    :param action: ``<capability>.<verb>``, e.g. ``member.reveal``.
    :param unit: the :class:`~communitycore.domain.org.OrgUnit` the call touches, or ``None`` for the
        database as a whole (a listing's scope is checked once per granted subtree).
    :param context: ``roles`` (the codes of the actor's roles that allow the action here),
        ``path`` (the unit's path, or ``None``), ``now`` (the time of the call) and ``listing``
        (True when a listing's scope is being worked out).
    :returns: ``False`` to deny; ``None`` (or ``True``) to leave the decision to the roles.

    Example::

        from communitycore import hookimpl

        @hookimpl
        def communitycore_authorize(actor, action, unit, context):
            # Personal data is shown in office hours only.
            if action.endswith(".reveal") and not 8 <= context["now"].hour < 18:
                return False
            return None
    """
