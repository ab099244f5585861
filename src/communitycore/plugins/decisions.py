"""Host-side callers of the computation and decision hooks, with provenance and isolation.

The structure check, the scoring and request engines call these. Each asks every plugin once per
batch through :meth:`~communitycore.plugins.manager.CommunityPluginManager.call_each` (pluggy
subset hook callers, wrappers included), keeps the name of the plugin behind each answer, and
drops a failing plugin's answer with a warning naming it (or an error in strict mode) rather
than losing the whole batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

import attrs

from communitycore.i18n import _
from communitycore.plugins.manager import CommunityPluginManager
from communitycore.records import Fact, Finding, ScoreLine, ScoringScheme, UnitKind, UnitSnapshot

if TYPE_CHECKING:
    import datetime as dt


@attrs.frozen
class ProvidedScoreLine:
    """A score line and the plugin that added it."""

    provider: str
    line: ScoreLine


@attrs.frozen
class Assignment:
    """Which unit takes a request, and who decided: a plugin's name, or ``"host"`` for the fallback."""

    unit_id: int | None
    decided_by: str


def _manager(source: Any) -> CommunityPluginManager:
    """Accept a :class:`~communitycore.Community` or a plugin manager."""
    pm = getattr(source, "pm", source)
    if not isinstance(pm, CommunityPluginManager):
        raise TypeError(f"expected a Community or a CommunityPluginManager, got {type(source).__name__}")
    return pm


def score_lines(
    source: Any,
    scheme: ScoringScheme,
    period: str,
    subjects: Sequence[int],
    facts: Mapping[int, Mapping[str, float]],
) -> list[ProvidedScoreLine]:
    """Every plugin's custom score lines for one batch of subjects, each with its provider.

    ``source`` is a Community or a plugin manager. Lines that are not
    :class:`~communitycore.ScoreLine` records, or that score a subject outside the batch, are
    refused and reported with the plugin's name. The result is sorted by subject, then item, then
    provider, so it never depends on load order.
    """
    pm = _manager(source)
    wanted = set(subjects)
    out: list[ProvidedScoreLine] = []
    hook = "communitycore_score"
    for answer in pm.call_each(hook, scheme=scheme, period=period, subjects=list(subjects), facts=facts):
        for lines in answer.results:
            for line in _list_of(pm, answer.plugin, hook, lines, ScoreLine):
                if line.subject_id not in wanted:
                    pm.refuse(answer.plugin, _(
                        "{hook} scored subject {subject}, which is not in the batch for {scheme} {period}; "
                        "the line is dropped"
                    ).format(hook=hook, subject=line.subject_id, scheme=scheme.code, period=period))
                else:
                    out.append(ProvidedScoreLine(answer.plugin, line))
    return sorted(out, key=lambda p: (p.line.subject_id, p.line.item, p.provider))


def computed_facts(
    source: Any,
    facts: Sequence[Fact],
    subject_kind: str,
    period: str,
    start: dt.date,
    end: dt.date,
    subjects: Sequence[int],
) -> dict[str, dict[int, Decimal]]:
    """Every plugin's computed fact values for a run (``communitycore_compute_facts``), once per run.

    ``source`` is a Community or a plugin manager. Returns ``{fact: {subject: value}}``, values as
    Decimals to two places. A value for a subject outside ``subjects``, for a fact not among
    ``facts``, or that is not a number is refused with a warning naming the plugin, and so is a
    fact a plugin asked earlier (in pluggy's order) already answered for.
    """
    pm = _manager(source)
    hook = "communitycore_compute_facts"
    out: dict[str, dict[int, Decimal]] = {}
    if not getattr(pm.hook, hook).get_hookimpls():
        return out
    wanted, asked = set(subjects), {f.code for f in facts}
    for answer in pm.call_each(hook, facts=list(facts), subject_kind=subject_kind, period=period, start=start,
                               end=end, subjects=list(subjects)):
        for given in answer.results:
            if not isinstance(given, Mapping):
                pm.refuse(answer.plugin, _("{hook} must return a mapping of fact codes to values by subject, "
                                           "not {kind}").format(hook=hook, kind=type(given).__name__))
                continue
            for fact, values in given.items():
                if fact not in asked or fact in out or not isinstance(values, Mapping):
                    pm.refuse(answer.plugin, _("{hook} gave values of {fact!r}, which the run did not ask for, "
                                               "another plugin gave, or which are not by subject; they are "
                                               "dropped").format(hook=hook, fact=fact))
                    continue
                kept: dict[int, Decimal] = {}
                for subject, value in values.items():
                    number = _number(value)
                    if subject not in wanted or number is None:
                        pm.refuse(answer.plugin, _("{hook} gave {fact!r} = {value!r} for subject {subject}, which "
                                                   "is not in the run or not a number; it is dropped").format(
                            hook=hook, fact=fact, value=value, subject=subject))
                        continue
                    kept[int(subject)] = number
                out[str(fact)] = kept
    return out


def _number(value: Any) -> Decimal | None:
    """A plugin's number as a Decimal to two places (floats by their shortest text), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    if not number.is_finite():
        return None
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def unit_findings(
    source: Any, units: Sequence[UnitSnapshot], kinds: Mapping[str, UnitKind], today: dt.date
) -> list[Finding]:
    """Every plugin's structure findings for one batch of units (``communitycore_check_units``).

    ``source`` is a Community or a plugin manager. An answer that is not a list of
    :class:`~communitycore.Finding` records (a string, say) is dropped with a warning naming the
    plugin, and so is each item of a list that is not a finding; the other plugins' findings stand.
    Findings come in pluggy's call order; the caller sorts them.
    """
    pm = _manager(source)
    hook = "communitycore_check_units"
    return [
        finding
        for answer in pm.call_each(hook, units=units, kinds=kinds, today=today)
        for findings in answer.results
        for finding in _list_of(pm, answer.plugin, hook, findings, Finding)
    ]


def resolve_request_assignee(
    source: Any, request: Mapping[str, Any], units: Sequence[UnitSnapshot]
) -> Assignment:
    """The unit that takes a resident request: the first plugin's answer, else the host's rule.

    Plugins are asked in pluggy's order (``tryfirst`` first, the last registered before the
    earlier ones), each through its own subset hook call, so wrappers see each answer; only
    ``None`` passes the decision on, since a unit id of any other kind is an answer. A plugin
    that raises is named and disabled; one that answers with something that is not an int is
    named and the next plugin is asked. The host's rule: the request's own ``unit_id`` (首接负责).
    """
    pm = _manager(source)
    hook = "communitycore_resolve_request_assignee"
    for answer in pm.call_each(hook, request=request, units=units):
        for value in answer.results:
            if isinstance(value, bool) or not isinstance(value, int):
                pm.refuse(answer.plugin, _("{hook} returned {value!r}; expected a unit id or None. "
                                             "The answer is dropped and the next plugin asked").format(
                    hook=hook, value=value))
                continue
            return Assignment(value, answer.plugin)
    return Assignment(request.get("unit_id"), "host")


def _list_of(pm: CommunityPluginManager, plugin: str, hook: str, value: Any, record_type: type[Any]) -> list[Any]:
    """The items of a plugin's answer that are ``record_type``; the rest are refused, naming the plugin."""
    if not isinstance(value, (list, tuple)):
        pm.refuse(plugin, _("{hook} returned {type}, not a list of {record}; the answer is dropped").format(
            hook=hook, type=type(value).__name__, record=record_type.__name__))
        return []
    good = []
    for item in value:
        if isinstance(item, record_type):
            good.append(item)
        else:
            pm.refuse(plugin, _("{hook} gave a {type}, not a {record}; it is dropped").format(
                hook=hook, type=type(item).__name__, record=record_type.__name__))
    return good


__all__ = ["Assignment", "ProvidedScoreLine", "computed_facts", "resolve_request_assignee", "score_lines",
           "unit_findings"]
