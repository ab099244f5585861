"""The typed registry: every contributed record, paired with the plugin or pack that gave it."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar, cast

import attrs

from communitycore.domain.codes import code_named
from communitycore.domain.fields import clean_text
from communitycore.domain.members import ResidentFlag
from communitycore.domain.org import unknown_kind
from communitycore.domain.workflows import InvalidWorkflow, Workflow
from communitycore.errors import InvalidValue, NotFound, PluginError
from communitycore.i18n import _
from communitycore.plugins.manager import CommunityPluginManager, PluginLoadWarning
from communitycore.records import (
    FAMILIES,
    WORKFLOW_FAMILIES,
    DuesCategory,
    Fact,
    MeetingType,
    Record,
    RecruitmentStep,
    Role,
    RosterProgram,
    ScoringScheme,
    ServiceCategory,
    ServiceProgram,
    UnitKind,
    WorkflowState,
    WorkflowTransition,
)

R = TypeVar("R", bound=Record)
#: The type of a contributed record: a :class:`Record` of a family, or a workflow state or transition.
T = TypeVar("T", bound=Record | WorkflowState | WorkflowTransition)
#: Longest label of a contributed record: the rule of every name a person reads.
LABEL_LIMIT = 100


@attrs.frozen
class Contribution(Generic[T]):
    """A record and where it came from (a plugin name, or ``pack:<file>``)."""

    family: str
    record: T
    provider: str


@attrs.frozen
class RegistryProblem:
    """A contribution that was refused (conflict, wrong type, dangling reference)."""

    provider: str
    message: str


class Registry:
    """Calls the registration hooks once and answers typed questions about the result.

    Records are sorted by code, so nothing depends on the order plugins were loaded in. A
    duplicate code is refused, naming both providers, unless the newcomer says ``replaces=``.
    """

    def __init__(
        self,
        pm: CommunityPluginManager,
        extra: Iterable[tuple[str, Record | WorkflowState | WorkflowTransition]] = (),
    ) -> None:
        self.pm = pm
        self.problems: list[RegistryProblem] = []
        self._by_family: dict[str, dict[str, Contribution[Record]]] = {}
        gathered: dict[str, list[Contribution[Record]]] = {family: [] for family in FAMILIES}
        for family, (hook_name, record_type) in FAMILIES.items():
            # One call per plugin (wrappers included), so every record keeps its provider.
            for answer in pm.call_each(hook_name):
                for records in answer.results:
                    gathered[family].extend(self._checked(family, record_type, answer.plugin, records))
        flows: dict[str, list[Contribution[WorkflowState | WorkflowTransition]]] = {
            family: [] for family in WORKFLOW_FAMILIES}
        for family, (hook_name, flow_type) in WORKFLOW_FAMILIES.items():
            for answer in pm.call_each(hook_name):
                for records in answer.results:
                    flows[family].extend(self._checked(family, flow_type, answer.plugin, records))
        for provider, record in extra:
            family = _family_of(record)
            if isinstance(record, Record):
                gathered[family].append(Contribution(family, record, provider))
            else:
                flows[family].append(Contribution(family, record, provider))
        for family, contributions in gathered.items():
            self._by_family[family] = self._merge(family, contributions)
        self._check_texts()
        self._check_references()
        self._workflows: dict[str, Workflow] = {}
        self._broken_workflows: dict[str, str] = {}
        self._build_workflows(flows)
        self._labels: Mapping[str, Mapping[str, Record | WorkflowState]] | None = None
        if self.problems and pm.strict:
            raise PluginError("; ".join(p.message for p in self.problems))
        for problem in self.problems:
            warnings.warn(_("communitycore: {message}").format(message=problem.message), PluginLoadWarning,
                          stacklevel=2)

    def _checked(
        self, family: str, record_type: type[Any], provider: str, records: Any
    ) -> list[Contribution[Any]]:
        if not isinstance(records, (list, tuple)):
            self._problem(provider, f"{provider} returned {type(records).__name__} from the {family} hook, not a list")
            return []
        good: list[Contribution[Any]] = []
        for record in records:
            if isinstance(record, record_type):
                good.append(Contribution(family, record, provider))
            else:
                self._problem(
                    provider,
                    f"{provider} gave a {type(record).__name__} to {family}; expected {record_type.__name__}",
                )
        return good

    def _problem(self, provider: str, message: str) -> None:
        self.problems.append(RegistryProblem(provider, message))

    def _merge(self, family: str, contributions: Sequence[Contribution[Record]]) -> dict[str, Contribution[Record]]:
        # Records arrive in pluggy's call order (last registered first). Rank them instead, so a
        # conflict always keeps the same record: builtins, then plugins, then packs, each by name;
        # records that replace others go last.
        ordered = sorted(contributions, key=lambda c: (c.record.replaces is not None, self._rank(c.provider)))
        merged: dict[str, Contribution[Record]] = {}
        for contribution in ordered:
            record = contribution.record
            if record.replaces is not None:
                replaced = merged.pop(record.replaces, None)
                if replaced is None:
                    self._problem(
                        contribution.provider,
                        f"{family} {record.code!r} from {contribution.provider} replaces "
                        f"{record.replaces!r}, which no plugin registered",
                    )
                if record.code in merged:
                    self._conflict(family, merged[record.code], contribution)
                    continue
                merged[record.code] = contribution
            elif record.code in merged:
                self._conflict(family, merged[record.code], contribution)
            else:
                merged[record.code] = contribution
        return dict(sorted(merged.items()))

    def _rank(self, provider: str) -> tuple[int, str]:
        info = self.pm.info.get(provider)
        group = 0 if info is not None and info.builtin else 2 if provider.startswith("pack:") else 1
        return group, provider

    def _conflict(self, family: str, first: Contribution[Any], second: Contribution[Any]) -> None:
        self._problem(
            second.provider,
            f"{family} code {second.record.code!r} is registered by both {first.provider} and "
            f"{second.provider}; the one from {first.provider} is kept. Give one a different code, "
            f"or set replaces={second.record.code!r} on the record that should win",
        )

    def _check_texts(self) -> None:
        """Labels follow the rule of every name (at most 100 characters, nothing that hurts a terminal)."""
        for family, contributions in self._by_family.items():
            for code, c in list(contributions.items()):
                for field in ("label", "label_en"):
                    value = getattr(c.record, field)
                    try:
                        clean_text(value, LABEL_LIMIT)
                    except InvalidValue as exc:
                        self._problem(c.provider, f"{family} {code!r} from {c.provider}: {field} {exc}; it is left out")
                        del contributions[code]
                        break

    def _check_references(self) -> None:
        kinds = self._by_family["unit_kinds"]
        for code, c in list(kinds.items()):
            unknown = [p for p in cast(UnitKind, c.record).parents if p not in kinds]
            if unknown:
                self._problem(c.provider, f"unit kind {code!r} from {c.provider} names unknown parent kinds {unknown}")
        categories = self._by_family["service_categories"]
        for code, c in list(self._by_family["service_programs"].items()):
            if cast(ServiceProgram, c.record).category not in categories:
                self._problem(
                    c.provider,
                    f"service programme {code!r} from {c.provider} names unknown category "
                    f"{cast(ServiceProgram, c.record).category!r}; it is left out",
                )
                del self._by_family["service_programs"][code]
                continue
            self._check_program(code, c)
        for code, c in list(self._by_family["meeting_types"].items()):
            unknown = [k for k in cast(MeetingType, c.record).applies_to if k not in kinds]
            if unknown:
                self._problem(
                    c.provider, f"meeting type {code!r} from {c.provider} applies to unknown unit kinds {unknown}"
                )

    def _check_program(self, code: str, c: Contribution[Record]) -> None:
        """A programme's owner kinds are registered unit kinds and its flags known resident flags."""
        program = c.record
        kinds = self._by_family["unit_kinds"]
        unknown = [k for k in program.owner_kinds if k not in kinds]  # type: ignore[attr-defined]
        if unknown:
            self._problem(c.provider, f"service programme {code!r} from {c.provider}: owner_kinds names unknown "
                                      f"unit kinds {unknown}")
        flags = {flag.value for flag in ResidentFlag}
        odd = [f for f in program.eligible_flags if f not in flags]  # type: ignore[attr-defined]
        if odd:
            self._problem(c.provider, f"service programme {code!r} from {c.provider}: eligible_flags names unknown "
                                      f"resident flags {odd}; known: {sorted(flags)}")

    def _build_workflows(self, flows: Mapping[str, Sequence[Contribution[WorkflowState | WorkflowTransition]]]) -> None:
        """One :class:`Workflow` per workflow code from every provider's states and transitions.

        Conflicts are found here, where the providers are known, and named with both; the rest
        (``replaces=``, reachability, initial and terminal states) is the engine's to check. A
        workflow that is invalid as a whole is left out and reported.
        """
        def rank(c: Contribution[WorkflowState | WorkflowTransition]) -> tuple[bool, tuple[int, str]]:
            # As _merge: plain declarations first, then replacements, each by provider rank.
            return cast(WorkflowState, c.record).replaces is not None, self._rank(c.provider)

        states: dict[str, list[WorkflowState]] = {}
        providers: dict[str, set[str]] = {}
        seen: dict[tuple[str, str], Contribution[WorkflowState | WorkflowTransition]] = {}
        for c in sorted(flows["workflow_states"], key=rank):
            state = cast(WorkflowState, c.record)
            key = (state.workflow, state.code)
            if state.replaces is None and key in seen:
                self._conflict(f"workflow {state.workflow!r} state", seen[key], c)
                continue
            seen.setdefault(key, c)
            states.setdefault(state.workflow, []).append(state)
            providers.setdefault(state.workflow, set()).add(c.provider)
        transitions: dict[str, list[WorkflowTransition]] = {}
        pairs: dict[tuple[str, str, str], Contribution[WorkflowState | WorkflowTransition]] = {}
        for c in sorted(flows["workflow_transitions"], key=lambda c: self._rank(c.provider)):
            move = cast(WorkflowTransition, c.record)
            pair = (move.workflow, move.source, move.target)
            if pair in pairs:
                self._problem(c.provider, f"workflow {move.workflow!r} transition {move.source!r} -> {move.target!r} "
                              f"is registered by both {pairs[pair].provider} and {c.provider}; the one from "
                              f"{pairs[pair].provider} is kept")
                continue
            pairs[pair] = c
            transitions.setdefault(move.workflow, []).append(move)
            providers.setdefault(move.workflow, set()).add(c.provider)
        for code in sorted(set(states) | set(transitions)):
            try:
                self._workflows[code] = Workflow.build(code, states.get(code, ()), transitions.get(code, ()))
            except InvalidWorkflow as exc:
                by = ", ".join(sorted(providers[code]))
                self._broken_workflows[code] = f"{exc} (from {by})"
                self._problem(sorted(providers[code])[0], f"{exc} (from {by}); it is left out")

    # Typed accessors -------------------------------------------------------------------------

    def _records(self, family: str) -> dict[str, Any]:
        return {code: c.record for code, c in self._by_family[family].items()}

    @property
    def unit_kinds(self) -> Mapping[str, UnitKind]:
        """Unit kinds by code."""
        return self._records("unit_kinds")

    @property
    def recruitment_steps(self) -> Mapping[str, RecruitmentStep]:
        """Recruitment steps (发展党员) by code."""
        return self._records("recruitment_steps")

    @property
    def dues_categories(self) -> Mapping[str, DuesCategory]:
        """Dues categories (党费) by code."""
        return self._records("dues_categories")

    @property
    def meeting_types(self) -> Mapping[str, MeetingType]:
        """Meeting types by code."""
        return self._records("meeting_types")

    @property
    def service_categories(self) -> Mapping[str, ServiceCategory]:
        """Service categories by code."""
        return self._records("service_categories")

    @property
    def service_programs(self) -> Mapping[str, ServiceProgram]:
        """Service programmes by code."""
        return self._records("service_programs")

    @property
    def scoring_schemes(self) -> Mapping[str, ScoringScheme]:
        """Scoring schemes by code."""
        return self._records("scoring_schemes")

    @property
    def roster_programs(self) -> Mapping[str, RosterProgram]:
        """Roster programmes by code."""
        return self._records("roster_programs")

    @property
    def facts(self) -> Mapping[str, Fact]:
        """Facts by code."""
        return self._records("facts")

    @property
    def roles(self) -> Mapping[str, Role]:
        """Roles by code (see :doc:`/security`)."""
        return self._records("roles")

    @property
    def workflows(self) -> Mapping[str, Workflow]:
        """Every valid workflow, by code."""
        return dict(self._workflows)

    def labels(self) -> Mapping[str, Mapping[str, Record | WorkflowState]]:
        """Every record that names a code, by what it names: each family (``meeting_types`` …) and
        each workflow's states (under the workflow's code, ``resident-request``), then by code.

        What :class:`~communitycore.serialize.View` takes as ``labels`` for the ``*_label`` fields
        (:func:`~communitycore.serialize.view_of` hands it over).
        """
        if self._labels is None:
            found: dict[str, Mapping[str, Record | WorkflowState]] = {family: self._records(family)
                                                                       for family in FAMILIES}
            found.update({code: {state.code: state for state in flow.states}
                          for code, flow in self._workflows.items()})
            self._labels = found
        return self._labels

    def workflow(self, code: str) -> Workflow:
        """One workflow, built from every provider's states and transitions.

        :class:`~communitycore.errors.NotFound` names the known workflows, or says why the
        workflow was left out when its definition is invalid.
        """
        found = self._workflows.get(code)
        if found is not None:
            return found
        broken = self._broken_workflows.get(code)
        if broken is not None:
            raise NotFound(_("workflow {code!r} is not available: {reason}").format(code=code, reason=broken))
        raise NotFound(_("no workflow {code!r} is registered; known: {known}").format(
            code=code, known=", ".join(self._workflows) or _("none")))

    def family(self, family: str) -> Mapping[str, Record]:
        """Records of one family by code (``"unit_kinds"``, ``"meeting_types"`` ...)."""
        if family not in FAMILIES:
            raise KeyError(f"unknown record family {family!r}; known: {', '.join(FAMILIES)}")
        return self._records(family)

    def code_of(self, family: str, text: str) -> str:
        """The code of the ``family`` record that ``text`` names: its code, or its label in Chinese or
        English (any case), as a person types it (``党课`` for ``party-lecture``); ``text`` itself when
        none does, or when the label is more than one record's (two steps are 报上级党委备案), for the
        caller to refuse with the codes it knows."""
        return code_named(text, {code: (r.label, r.label_en) for code, r in self.family(family).items()})

    def provider(self, family: str, code: str) -> str:
        """The plugin or pack that gave the record in force for ``code``."""
        return self._by_family[family][code].provider

    def contributions(self, provider: str | None = None) -> list[Contribution[Record]]:
        """Every record in force, optionally only those of one provider; by family then code."""
        return [
            c
            for family in FAMILIES
            for c in self._by_family[family].values()
            if provider is None or c.provider == provider
        ]

    def unit_kind(self, code: str) -> UnitKind:
        """One unit kind by code.

        :raises InvalidValue: an unknown code (code ``invalid-value``, entity ``kind``, the code as
            ``key``), the message listing the known ones: a kind is a value given, not a record
            looked up.
        """
        try:
            return self.unit_kinds[code]
        except KeyError:
            raise InvalidValue(unknown_kind(self.unit_kinds, code), entity="kind", key=code) from None


def _family_of(record: Record | WorkflowState | WorkflowTransition) -> str:
    for family, (_hook, record_type) in (*FAMILIES.items(), *WORKFLOW_FAMILIES.items()):
        if type(record) is record_type:
            return family
    raise PluginError(_("{type} is not a registrable record").format(type=type(record).__name__))
