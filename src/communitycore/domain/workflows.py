"""Workflows as data: states and transitions that plugins and packs contribute, and a pure engine.

Resident requests, roster memberships, projects, appeals and the recruitment pipeline are state
machines. Their states (:class:`WorkflowState`) and transitions (:class:`WorkflowTransition`) are
records, like unit kinds or meeting types, so a locality can add a state, add a transition or
rename a state's label without writing code. :meth:`Workflow.build` merges what every provider
contributed, validates the result as a whole and answers the questions callers ask: where does an
entity start, where may it go next, and is this move allowed.

Everything here is pure: no storage, no plugin manager. Definition errors are for plugin authors
and are raised as :class:`InvalidWorkflow` (an :class:`~communitycore.errors.InvalidValue`) listing
every problem at once; a refused move is an :class:`IllegalTransition` (a
:class:`~communitycore.errors.Conflict`) whose message, in the current language
(``communitycore.i18n``), names where the entity may go instead. :class:`TransitionRecord` is
one row of the shared history that the storage layer keeps.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from ..errors import Conflict, InvalidValue
from ..i18n import _, labelled, listing, localized
from ..records import WorkflowState, WorkflowTransition

__all__ = [
    "IllegalTransition",
    "InvalidWorkflow",
    "TransitionRecord",
    "Workflow",
    "WorkflowProblem",
    "WorkflowProblemKind",
    "WorkflowState",
    "WorkflowTransition",
    "merge_states",
]

# The same slug rule as communitycore.records.
_SLUG = re.compile(r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$")


# Validators -----------------------------------------------------------------------------------


def _slug(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise ValueError(
            _("{name} must be a lower-case slug such as 'in-progress' (letters, digits, and '-' or '.' between "
              "them), got {value!r}").format(name=attribute.name, value=value)
        )


def _optional_slug(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _slug(instance, attribute, value)


def _nonempty(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_("{name} must be a non-empty string, got {value!r}").format(name=attribute.name, value=value))


def _optional_nonempty(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _nonempty(instance, attribute, value)


def _aware(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # History rows from several hosts are ordered by time; a naive datetime cannot be ordered safely.
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise ValueError(_("{name} must be a timezone-aware datetime, got {value!r}").format(
            name=attribute.name, value=value))


def _entity_id(value: object) -> object:
    """Accept integer primary keys as well as string ones; history stores them as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


# Records --------------------------------------------------------------------------------------

# WorkflowState and WorkflowTransition are contributed records, so they live with the other
# records in communitycore.records (below the plugin machinery, which collects them); the engine
# stays here.


@attrs.frozen(kw_only=True)
class TransitionRecord:
    """One row of the shared workflow history: ``entity_kind`` ``entity_id`` moved ``source`` → ``target``.

    ``source`` is ``None`` for the row that records an entity entering its initial state.
    ``entity_id`` may be given as an integer and is kept as a string, so one table holds the
    history of every kind of entity. ``at`` must be timezone-aware. ``id`` is the row's id once
    stored (``None`` before).
    """

    workflow: str = attrs.field(validator=_slug)
    entity_kind: str = attrs.field(validator=_slug)
    entity_id: str = attrs.field(converter=_entity_id, validator=_nonempty)
    source: str | None = attrs.field(validator=_optional_slug)
    target: str = attrs.field(validator=_slug)
    actor: str = attrs.field(validator=_nonempty)
    at: dt.datetime = attrs.field(validator=_aware)
    note: str | None = None
    id: int | None = None


# Errors ---------------------------------------------------------------------------------------


class WorkflowProblemKind(str, enum.Enum):
    """What is wrong with a workflow definition."""

    FOREIGN_RECORD = "foreign-record"
    """A state or transition of another workflow was given."""
    DUPLICATE_STATE = "duplicate-state"
    """Two states share a code and neither ``replaces`` the other."""
    REPLACES_UNKNOWN = "replaces-unknown"
    """A state replaces a code that no provider declared."""
    NO_INITIAL = "no-initial"
    SEVERAL_INITIAL = "several-initial"
    UNKNOWN_STATE = "unknown-state"
    """A transition names a state the workflow does not have."""
    FROM_TERMINAL = "from-terminal"
    DUPLICATE_TRANSITION = "duplicate-transition"
    """Two transitions share a (source, target) pair."""
    DUPLICATE_ACTION = "duplicate-action"
    """Two transitions out of one state share an action, so callers could not tell them apart."""
    UNREACHABLE = "unreachable"
    """States that no path from the initial state reaches."""
    STUCK = "stuck"
    """Non-terminal states from which no path reaches a terminal state."""


@attrs.frozen
class WorkflowProblem:
    """One problem of a workflow definition: its kind, the state codes concerned and a message."""

    kind: WorkflowProblemKind
    codes: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        return self.message


class InvalidWorkflow(InvalidValue):
    """A workflow definition is invalid; ``problems`` lists every problem found, not just the first."""

    def __init__(self, workflow: str, problems: Sequence[WorkflowProblem]) -> None:
        self.workflow = workflow
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p.message}" for p in self.problems)
        super().__init__(_("workflow {workflow!r} is not valid:").format(workflow=workflow) + f"\n{lines}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.workflow, self.problems))

    @property
    def kinds(self) -> frozenset[WorkflowProblemKind]:
        """The kinds of problem found, for tests and tools that react to one kind."""
        return frozenset(p.kind for p in self.problems)


class IllegalTransition(Conflict):
    """A move the workflow does not permit from the entity's current state.

    ``allowed`` holds the target codes that *are* permitted from ``current``, in the order of
    :meth:`Workflow.allowed`; it is empty when ``current`` is terminal. ``str()`` gives the message
    in the language current when it was raised.
    """

    def __init__(self, workflow: str, current: str, target: str, allowed: tuple[str, ...], message: str) -> None:
        self.workflow = workflow
        self.current = current
        self.target = target
        self.allowed = tuple(allowed)
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.workflow, self.current, self.target, self.allowed, str(self)))


# Merging --------------------------------------------------------------------------------------


def _merge(workflow: str, states: Iterable[WorkflowState]) -> tuple[list[WorkflowState], list[WorkflowProblem]]:
    problems: list[WorkflowProblem] = []
    given = list(states)
    for state in given:
        if state.workflow != workflow:
            problems.append(_foreign(_("state {code!r}").format(code=state.code), (state.code,), state.workflow,
                                     workflow))
    given = [s for s in given if s.workflow == workflow]
    # As in the registry: plain declarations first, then replacements, each group in the order
    # given. So a replacement wins whichever provider happened to be called first.
    ordered = [s for s in given if s.replaces is None] + [s for s in given if s.replaces is not None]
    merged: dict[str, WorkflowState] = {}
    for state in ordered:
        replaced = merged.pop(state.replaces, None) if state.replaces is not None else None
        if state.replaces is not None and replaced is None:
            problems.append(
                WorkflowProblem(
                    WorkflowProblemKind.REPLACES_UNKNOWN,
                    (state.code, state.replaces),
                    _("state {code!r} replaces {replaced!r}, which no provider declared").format(
                        code=state.code, replaced=state.replaces),
                )
            )
        if state.code in merged:
            problems.append(_duplicate_state(state.code))
            continue  # the first declaration is kept, as the registry does
        merged[state.code] = state
    return list(merged.values()), problems


def merge_states(workflow: str, states: Iterable[WorkflowState]) -> tuple[WorkflowState, ...]:
    """Merge the states that several providers declared for ``workflow`` into one set.

    A state whose ``replaces`` names an existing code takes that state's place (a renamed label,
    or a new code whose old one disappears); a second state with the same code and no
    ``replaces`` is a conflict. States of another workflow are refused. Raises
    :class:`InvalidWorkflow` listing every problem.
    """
    merged, problems = _merge(workflow, states)
    if problems:
        raise InvalidWorkflow(workflow, problems)
    return tuple(merged)


def _foreign(what: str, codes: tuple[str, ...], theirs: str, ours: str) -> WorkflowProblem:
    return WorkflowProblem(
        WorkflowProblemKind.FOREIGN_RECORD,
        codes,
        _("{what} belongs to workflow {theirs!r}, not {ours!r}").format(what=what, theirs=theirs, ours=ours),
    )


def _duplicate_state(code: str) -> WorkflowProblem:
    return WorkflowProblem(
        WorkflowProblemKind.DUPLICATE_STATE,
        (code,),
        _("state {code!r} is declared twice; give one a different code, or set replaces={code!r} on the one that "
          "should win").format(code=code),
    )


# The engine -----------------------------------------------------------------------------------


def _quoted(codes: Iterable[str]) -> str:
    return listing(repr(c) for c in codes)


def _state_tuple(value: Iterable[WorkflowState]) -> tuple[WorkflowState, ...]:
    return tuple(value)


def _transition_tuple(value: Iterable[WorkflowTransition]) -> tuple[WorkflowTransition, ...]:
    return tuple(value)


@attrs.frozen
class Workflow:
    """A validated state machine: its states, the transitions between them, and the queries on them.

    Build one with :meth:`build` from what every provider contributed. Constructing it directly
    validates too, but does not merge ``replaces=``: each code must then appear once. Either way
    ``states`` comes out in a deterministic order (the initial state, then breadth-first along
    transitions sorted by target code) and ``transitions`` sorted by source in that order, then
    by target code, so nothing depends on the order plugins were loaded in.
    """

    code: str = attrs.field(validator=_slug)
    states: tuple[WorkflowState, ...] = attrs.field(converter=_state_tuple)
    transitions: tuple[WorkflowTransition, ...] = attrs.field(converter=_transition_tuple)
    label: str | None = attrs.field(default=None, validator=_optional_nonempty)
    """What users call an entity of this workflow (请求); messages fall back to the code."""
    label_en: str | None = attrs.field(default=None, validator=_optional_nonempty)

    _by_code: Mapping[str, WorkflowState] = attrs.field(init=False, eq=False, hash=False, repr=False)
    _out: Mapping[str, tuple[WorkflowTransition, ...]] = attrs.field(init=False, eq=False, hash=False, repr=False)
    _initial: WorkflowState = attrs.field(init=False, eq=False, hash=False, repr=False)

    @classmethod
    def build(
        cls,
        code: str,
        states: Iterable[WorkflowState],
        transitions: Iterable[WorkflowTransition],
        *,
        label: str | None = None,
        label_en: str | None = None,
    ) -> Workflow:
        """Merge the states and transitions of every provider and validate the resulting workflow.

        ``states`` may hold several declarations of a code where later ones say ``replaces=``
        (see :func:`merge_states`); transitions are simply added together. Raises
        :class:`InvalidWorkflow` naming the workflow and the offending codes.
        """
        merged, problems = _merge(code, states)
        if problems:
            # Graph checks on a half-merged set would only repeat these problems in other words.
            raise InvalidWorkflow(code, problems)
        return cls(code, merged, tuple(transitions), label=label, label_en=label_en)

    def __attrs_post_init__(self) -> None:
        by_code, out, initial, problems = _analyse(self.code, self.states, self.transitions)
        if problems:
            raise InvalidWorkflow(self.code, problems)
        assert initial is not None  # _analyse reports a missing initial state as a problem
        order = _breadth_first(initial.code, out)
        position = {c: i for i, c in enumerate(order)}
        # Frozen and slotted: the normalised fields and indexes are set once, here.
        object.__setattr__(self, "states", tuple(by_code[c] for c in order))
        object.__setattr__(
            self,
            "transitions",
            tuple(sorted(self.transitions, key=lambda t: (position[t.source], t.target))),
        )
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_out", out)
        object.__setattr__(self, "_initial", initial)

    # Queries

    @property
    def initial(self) -> WorkflowState:
        """The state every entity of this workflow starts in."""
        return self._initial

    @property
    def codes(self) -> tuple[str, ...]:
        """The state codes, in the order of ``states``."""
        return tuple(s.code for s in self.states)

    def __contains__(self, code: object) -> bool:
        """Whether ``code`` is one of this workflow's state codes."""
        return code in self._by_code

    def state(self, code: str) -> WorkflowState:
        """The state with this code; :class:`~communitycore.errors.InvalidValue` listing the known ones otherwise."""
        found = self._by_code.get(code)
        if found is None:
            known = listing(_named(s) for s in self.states)
            raise InvalidValue(_("{subject} has no state {code!r}; its states are: {known}").format(
                subject=self._subject(), code=code, known=known))
        return found

    def is_terminal(self, code: str) -> bool:
        """Whether the state with this code is terminal (nothing can happen after it)."""
        return self.state(code).terminal

    def allowed(self, source: str) -> tuple[WorkflowTransition, ...]:
        """The transitions out of ``source``, sorted by target code; empty for a terminal state."""
        self.state(source)
        return self._out[source]

    def transition(self, current: str, target: str) -> WorkflowTransition:
        """The transition from ``current`` to ``target``.

        Raises :class:`IllegalTransition` if the workflow has no such transition, naming the
        states the entity may go to instead (or saying that ``current`` is terminal), and
        :class:`~communitycore.errors.InvalidValue` if either code is not a state of the workflow.
        """
        here = self.state(current)
        there = self.state(target)
        options = self._out[current]
        for candidate in options:
            if candidate.target == target:
                return candidate
        nexts = [self._by_code[t.target] for t in options]
        if here.terminal:
            message = _("{subject} cannot go from {here} to {there}: {here} is a terminal state, nothing can follow "
                        "it")
        else:
            message = _("{subject} cannot go from {here} to {there}; it can go to: {targets}")
        raise IllegalTransition(
            self.code, current, target, tuple(t.target for t in options),
            message.format(subject=self._subject(), here=_quoted_name(here), there=_quoted_name(there),
                           targets=listing(_named(s) for s in nexts)),
        )

    def _subject(self) -> str:
        """What messages call an entity of this workflow: its label, else the workflow's code."""
        if self.label is not None:
            return localized(self.label, self.label_en)
        # TRANSLATORS: a Chinese translation ends with a space, which parts the code from the words after it.
        return _("workflow {code}").format(code=self.code)


def _named(state: WorkflowState) -> str:
    return labelled(localized(state.label, state.label_en), state.code)


def _quoted_name(state: WorkflowState) -> str:
    return _("'{label}' ({code})").format(label=localized(state.label, state.label_en), code=state.code)


def _breadth_first(start: str, out: Mapping[str, tuple[WorkflowTransition, ...]]) -> list[str]:
    order = [start]
    seen = {start}
    queue = deque([start])
    while queue:
        for t in out.get(queue.popleft(), ()):
            if t.target not in seen:
                seen.add(t.target)
                order.append(t.target)
                queue.append(t.target)
    return order


def _analyse(
    code: str, states: Sequence[WorkflowState], transitions: Sequence[WorkflowTransition]
) -> tuple[
    dict[str, WorkflowState],
    dict[str, tuple[WorkflowTransition, ...]],
    WorkflowState | None,
    list[WorkflowProblem],
]:
    """Index the definition and list every problem with it (nothing raised here)."""
    problems: list[WorkflowProblem] = []
    by_code: dict[str, WorkflowState] = {}
    for state in states:
        if not isinstance(state, WorkflowState):
            raise TypeError(f"workflow {code!r}: expected WorkflowState, got {type(state).__name__}")
        if state.workflow != code:
            problems.append(_foreign(_("state {code!r}").format(code=state.code), (state.code,), state.workflow, code))
        elif state.code in by_code:
            problems.append(_duplicate_state(state.code))
        else:
            by_code[state.code] = state

    initials = sorted(s.code for s in by_code.values() if s.initial)
    if not initials:
        if any(s.replaces is not None for s in by_code.values()):
            message = _("there is no initial state; mark exactly one state initial=True (a state that replaces "
                        "another does not inherit initial=True; restate it)")
        else:
            message = _("there is no initial state; mark exactly one state initial=True")
        problems.append(WorkflowProblem(WorkflowProblemKind.NO_INITIAL, (), message))
    elif len(initials) > 1:
        problems.append(
            WorkflowProblem(
                WorkflowProblemKind.SEVERAL_INITIAL,
                tuple(initials),
                _("states {codes} are all initial; exactly one state may be initial").format(codes=_quoted(initials)),
            )
        )

    outgoing: dict[str, list[WorkflowTransition]] = {c: [] for c in by_code}
    seen_pairs: set[tuple[str, str]] = set()
    actions: dict[tuple[str, str], WorkflowTransition] = {}
    for t in transitions:
        if not isinstance(t, WorkflowTransition):
            raise TypeError(f"workflow {code!r}: expected WorkflowTransition, got {type(t).__name__}")
        arrow = f"{t.source!r} -> {t.target!r}"
        if t.workflow != code:
            problems.append(_foreign(_("transition {arrow}").format(arrow=arrow), (t.source, t.target), t.workflow,
                                     code))
            continue
        unknown = sorted({c for c in (t.source, t.target) if c not in by_code})
        if unknown:
            problems.append(
                WorkflowProblem(
                    WorkflowProblemKind.UNKNOWN_STATE,
                    tuple(unknown),
                    _("transition {arrow} names unknown states {unknown}; known states: {known}").format(
                        arrow=arrow, unknown=_quoted(unknown), known=_quoted(sorted(by_code))),
                )
            )
            continue
        if by_code[t.source].terminal:
            problems.append(
                WorkflowProblem(
                    WorkflowProblemKind.FROM_TERMINAL,
                    (t.source,),
                    _("transition {arrow} leaves the terminal state {code!r}; a terminal state has no way out").format(
                        arrow=arrow, code=t.source),
                )
            )
            continue
        if (t.source, t.target) in seen_pairs:
            problems.append(
                WorkflowProblem(
                    WorkflowProblemKind.DUPLICATE_TRANSITION,
                    (t.source, t.target),
                    _("transition {arrow} is declared twice").format(arrow=arrow),
                )
            )
            continue
        earlier = actions.get((t.source, t.action))
        if earlier is not None:
            problems.append(
                WorkflowProblem(
                    WorkflowProblemKind.DUPLICATE_ACTION,
                    (t.source, earlier.target, t.target),
                    _("transitions {source!r} -> {target!r} and {arrow} share the action {action!r}; callers could "
                      "not tell them apart").format(source=t.source, target=earlier.target, arrow=arrow,
                                                    action=t.action),
                )
            )
            continue
        seen_pairs.add((t.source, t.target))
        actions[(t.source, t.action)] = t
        outgoing[t.source].append(t)
    out = {c: tuple(sorted(ts, key=lambda t: t.target)) for c, ts in outgoing.items()}

    if problems or len(initials) != 1:
        # Reachability on a broken graph would mostly restate the problems above.
        return by_code, out, None, problems

    initial = by_code[initials[0]]
    reached = set(_breadth_first(initial.code, out))
    unreachable = sorted(c for c in by_code if c not in reached)
    if unreachable:
        problems.append(
            WorkflowProblem(
                WorkflowProblemKind.UNREACHABLE,
                tuple(unreachable),
                _("states {codes} cannot be reached from the initial state {initial!r}; add a transition into "
                  "them").format(codes=_quoted(unreachable), initial=initial.code),
            )
        )

    incoming: dict[str, list[str]] = {c: [] for c in by_code}
    for ts in out.values():
        for t in ts:
            incoming[t.target].append(t.source)
    terminals = [c for c, s in by_code.items() if s.terminal]
    finishing = set(terminals)
    queue = deque(terminals)
    while queue:
        for source in incoming[queue.popleft()]:
            if source not in finishing:
                finishing.add(source)
                queue.append(source)
    stuck = sorted(c for c in by_code if c not in finishing)
    if stuck:
        if terminals:
            message = _("states {codes} cannot reach any terminal state; add a transition from them towards one")
        else:
            message = _("states {codes} cannot reach any terminal state (the workflow has no terminal state at "
                        "all); add a transition from them towards one")
        problems.append(WorkflowProblem(WorkflowProblemKind.STUCK, tuple(stuck), message.format(codes=_quoted(stuck))))
    return by_code, out, initial if not problems else None, problems
