"""communitycore: community Party-building and governance (社区党建) as a library.

Open a community with :func:`open`; extend it with plugins written against
:mod:`communitycore.plugins.hookspecs` using :data:`hookimpl`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from communitycore.domain.periods import Period
from communitycore.errors import (
    CommunityCoreError,
    Conflict,
    InvalidValue,
    NotFound,
    PermissionDenied,
    PluginError,
    Problem,
    RejectedInput,
    SchemaOutdated,
)
from communitycore.plugins.markers import hookimpl, hookspec
from communitycore.records import (
    Aggregate,
    Cadence,
    Event,
    Fact,
    Finding,
    GradeBand,
    MeetingType,
    Record,
    Role,
    RosterProgram,
    ScoreItem,
    ScoreLine,
    ScoringScheme,
    ServiceCategory,
    ServiceProgram,
    Severity,
    Subject,
    UnitKind,
    UnitSnapshot,
    WorkflowState,
    WorkflowTransition,
)

if TYPE_CHECKING:
    from communitycore.sdk.community import Community

__version__ = "0.1.0"


def open(*args: Any, **kwargs: Any) -> Community:  # noqa: A001 - communitycore.open() is the SDK's front door
    """Open a community database; see :func:`communitycore.sdk.community.open` for the parameters."""
    from communitycore.sdk.community import open as _open

    return _open(*args, **kwargs)


def __getattr__(name: str) -> Any:
    # SQLAlchemy takes ~0.5 s to import; load the facade only when someone asks for it.
    if name == "Community":
        from communitycore.sdk.community import Community

        return Community
    raise AttributeError(f"module 'communitycore' has no attribute {name!r}")


__all__ = [
    "Aggregate",
    "Cadence",
    "Community",
    "CommunityCoreError",
    "Conflict",
    "Event",
    "Fact",
    "Finding",
    "GradeBand",
    "InvalidValue",
    "MeetingType",
    "NotFound",
    "Period",
    "PermissionDenied",
    "PluginError",
    "Problem",
    "Record",
    "RejectedInput",
    "Role",
    "RosterProgram",
    "SchemaOutdated",
    "ScoreItem",
    "ScoreLine",
    "ScoringScheme",
    "ServiceCategory",
    "ServiceProgram",
    "Severity",
    "Subject",
    "UnitKind",
    "UnitSnapshot",
    "WorkflowState",
    "WorkflowTransition",
    "__version__",
    "hookimpl",
    "hookspec",
    "open",
]
