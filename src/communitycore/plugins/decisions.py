"""Host-side callers of the computation and decision hooks, with provenance and isolation.

The scoring and request engines call these; each asks every plugin once per batch, keeps the
name of the plugin behind each answer, and leaves a failing plugin out with a warning (or an
error in strict mode) rather than losing the whole batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from communitycore.errors import PluginError
from communitycore.plugins.manager import CommunityPluginManager, call_isolated
from communitycore.records import ScoreLine, ScoringScheme, UnitSnapshot


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
    results = call_isolated(
        pm, "communitycore_score", scheme=scheme, period=period, subjects=list(subjects), facts=facts
    )
    for provider, lines in results:
        if not isinstance(lines, (list, tuple)):
            _refuse(pm, provider, f"communitycore_score returned {type(lines).__name__}, not a list")
            continue
        for line in lines:
            if not isinstance(line, ScoreLine):
                _refuse(pm, provider, f"communitycore_score gave a {type(line).__name__}, not a ScoreLine")
            elif line.subject_id not in wanted:
                _refuse(pm, provider, f"communitycore_score scored subject {line.subject_id}, "
                                      f"which is not in the batch for {scheme.code} {period}")
            else:
                out.append(ProvidedScoreLine(provider, line))
    return sorted(out, key=lambda p: (p.line.subject_id, p.line.item, p.provider))


def resolve_request_assignee(
    source: Any, request: Mapping[str, Any], units: Sequence[UnitSnapshot]
) -> Assignment:
    """The unit that takes a resident request: the first plugin's answer, else the host's rule.

    Plugins are asked in pluggy's order (``tryfirst`` first, the last registered before the
    earlier ones); only ``None`` passes the decision on, since a unit id of any other kind is an
    answer. A plugin that fails, or answers with something that is not an int, is reported and
    skipped. The host's rule: the request's own ``unit_id`` (首接负责).
    """
    pm = _manager(source)
    caller = pm.hook.communitycore_resolve_request_assignee
    arguments = {"request": request, "units": units}
    for impl in reversed(caller.get_hookimpls()):  # pluggy's own call order
        try:
            answer = impl.function(**{name: arguments[name] for name in impl.argnames})
        except Exception as exc:
            _report(pm, impl.plugin_name, exc)
            continue
        if answer is None:
            continue
        if isinstance(answer, bool) or not isinstance(answer, int):
            _refuse(pm, impl.plugin_name,
                    f"communitycore_resolve_request_assignee returned {answer!r}; expected a unit id or None")
            continue
        return Assignment(answer, impl.plugin_name)
    return Assignment(request.get("unit_id"), "host")


def _refuse(pm: CommunityPluginManager, provider: str, message: str) -> None:
    _report(pm, provider, PluginError(message))


def _report(pm: CommunityPluginManager, provider: str, exc: BaseException) -> None:
    info = pm.info.get(provider)
    pm.report(provider, info.distribution if info else None, exc)


__all__ = ["Assignment", "ProvidedScoreLine", "resolve_request_assignee", "score_lines"]
