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
    DuesCategory,
    Event,
    Fact,
    Finding,
    GradeBand,
    MeetingType,
    Record,
    RecruitmentStep,
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
from communitycore.serialize import to_dict, to_json, view_of

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Sequence

    from sqlalchemy import Connection, Engine

    from communitycore.capabilities import Capability
    from communitycore.clock import Clock
    from communitycore.config import Config
    from communitycore.plugins.manager import CommunityPluginManager
    from communitycore.sdk.community import Community

__version__ = "0.1.0"


def open(  # noqa: A001 - communitycore.open() is the SDK's front door
    url_or_engine: str | os.PathLike[str] | Engine | Connection | None = None,
    *,
    config: Config | str | os.PathLike[str] | None = None,
    actor: str | None = None,
    plugins: Iterable[object] = (),
    packs: Iterable[str | os.PathLike[str]] = (),
    blocked: Iterable[str] = (),
    autoload: bool | None = None,
    builtins: bool = True,
    strict: bool | None = None,
    clock: Clock | None = None,
    create: bool | None = None,
    pm: CommunityPluginManager | None = None,
    capabilities: Sequence[Capability] | None = None,
) -> Community:
    """Open a community database; see :func:`communitycore.sdk.community.open` for the parameters.

    :raises DatabaseUnavailable: the database cannot be opened (a bad URL, a missing driver, a
        refused connection, a file that cannot be opened, a SQLite file that does not exist unless
        ``create=True``).
    :raises SchemaOutdated: the schema is older than this version, or missing with ``create=False``.
    :raises PluginError: a pack cannot be read, or a plugin fails or contributes something invalid
        in strict mode.
    :raises InvalidValue: the config file is missing or wrong.
    """
    # The facade is imported here, not at the top: SQLAlchemy would slow down `community --help`.
    from communitycore.sdk.community import open as _open

    return _open(
        url_or_engine, config=config, actor=actor, plugins=plugins, packs=packs, blocked=blocked,
        autoload=autoload, builtins=builtins, strict=strict, clock=clock, create=create, pm=pm,
        capabilities=capabilities,
    )


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
    "DuesCategory",
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
    "RecruitmentStep",
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
    "to_dict",
    "to_json",
    "view_of",
]
