"""The typed registry: every contributed record, paired with the plugin or pack that gave it."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from communitycore.domain.fields import clean_text
from communitycore.errors import InvalidValue, PluginError
from communitycore.plugins.manager import CommunityPluginManager, PluginLoadWarning, call_isolated
from communitycore.records import (
    FAMILIES,
    Fact,
    MeetingType,
    Record,
    RosterProgram,
    ScoringScheme,
    ServiceCategory,
    ServiceProgram,
    UnitKind,
)

R = TypeVar("R", bound=Record)
#: Longest label of a contributed record: the rule of every name a person reads.
LABEL_LIMIT = 100


@attrs.frozen
class Contribution:
    """A record and where it came from (a plugin name, or ``pack:<file>``)."""

    family: str
    record: Record
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
        extra: Iterable[tuple[str, Record]] = (),
    ) -> None:
        self.pm = pm
        self.problems: list[RegistryProblem] = []
        self._by_family: dict[str, dict[str, Contribution]] = {}
        gathered: dict[str, list[Contribution]] = {family: [] for family in FAMILIES}
        for family, (hook_name, record_type) in FAMILIES.items():
            for provider, records in call_isolated(pm, hook_name):
                gathered[family].extend(self._checked(family, record_type, provider, records))
        for provider, record in extra:
            family = _family_of(record)
            gathered[family].append(Contribution(family, record, provider))
        for family, contributions in gathered.items():
            self._by_family[family] = self._merge(family, contributions)
        self._check_texts()
        self._check_references()
        if self.problems and pm.strict:
            raise PluginError("; ".join(p.message for p in self.problems))
        for problem in self.problems:
            warnings.warn(f"communitycore: {problem.message}", PluginLoadWarning, stacklevel=2)

    def _checked(
        self, family: str, record_type: type[Record], provider: str, records: Any
    ) -> list[Contribution]:
        if not isinstance(records, (list, tuple)):
            self._problem(provider, f"{provider} returned {type(records).__name__} from the {family} hook, not a list")
            return []
        good = []
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

    def _merge(self, family: str, contributions: Sequence[Contribution]) -> dict[str, Contribution]:
        # Records arrive in pluggy's call order (last registered first). Rank them instead, so a
        # conflict always keeps the same record: builtins, then plugins, then packs, each by name;
        # records that replace others go last.
        ordered = sorted(contributions, key=lambda c: (c.record.replaces is not None, self._rank(c.provider)))
        merged: dict[str, Contribution] = {}
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

    def _conflict(self, family: str, first: Contribution, second: Contribution) -> None:
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
            unknown = [p for p in c.record.parents if p not in kinds]  # type: ignore[attr-defined]
            if unknown:
                self._problem(c.provider, f"unit kind {code!r} from {c.provider} names unknown parent kinds {unknown}")
        categories = self._by_family["service_categories"]
        for code, c in list(self._by_family["service_programs"].items()):
            if c.record.category not in categories:  # type: ignore[attr-defined]
                self._problem(
                    c.provider,
                    f"service programme {code!r} from {c.provider} names unknown category "
                    f"{c.record.category!r}; it is left out",  # type: ignore[attr-defined]
                )
                del self._by_family["service_programs"][code]
        for code, c in list(self._by_family["meeting_types"].items()):
            unknown = [k for k in c.record.applies_to if k not in kinds]  # type: ignore[attr-defined]
            if unknown:
                self._problem(
                    c.provider, f"meeting type {code!r} from {c.provider} applies to unknown unit kinds {unknown}"
                )

    # Typed accessors -------------------------------------------------------------------------

    def _records(self, family: str) -> dict[str, Any]:
        return {code: c.record for code, c in self._by_family[family].items()}

    @property
    def unit_kinds(self) -> Mapping[str, UnitKind]:
        """Unit kinds by code."""
        return self._records("unit_kinds")

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

    def family(self, family: str) -> Mapping[str, Record]:
        """Records of one family by code (``"unit_kinds"``, ``"meeting_types"`` ...)."""
        if family not in FAMILIES:
            raise KeyError(f"unknown record family {family!r}; known: {', '.join(FAMILIES)}")
        return self._records(family)

    def provider(self, family: str, code: str) -> str:
        """The plugin or pack that gave the record in force for ``code``."""
        return self._by_family[family][code].provider

    def contributions(self, provider: str | None = None) -> list[Contribution]:
        """Every record in force, optionally only those of one provider; by family then code."""
        return [
            c
            for family in FAMILIES
            for c in self._by_family[family].values()
            if provider is None or c.provider == provider
        ]

    def unit_kind(self, code: str) -> UnitKind:
        """One unit kind, or a clear error listing the known codes."""
        from communitycore.errors import NotFound

        try:
            return self.unit_kinds[code]
        except KeyError:
            raise NotFound(
                f"unknown unit kind {code!r}; known kinds: {', '.join(self.unit_kinds)}"
            ) from None


def _family_of(record: Record) -> str:
    for family, (_hook, record_type) in FAMILIES.items():
        if type(record) is record_type:
            return family
    raise PluginError(f"{type(record).__name__} is not a registrable record")
