"""What every sub-API shares: its community, and running again when the database was busy."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from communitycore.sdk import access
from communitycore.sdk.retry import retrying
from communitycore.store.scope import Scope

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from communitycore.sdk.community import Community


class SubAPI:
    """Base of the sub-APIs: access to the community.

    Every public method a sub-API defines is wrapped in :func:`~communitycore.sdk.retry.retrying`
    when the class is created: a call that found the database busy runs again, whole, under the
    one retry policy, and a new capability gets it without a line of its own.
    """

    def __init__(self, community: Community) -> None:
        self.community = community

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if not name.startswith("_") and inspect.isfunction(value):
                setattr(cls, name, retrying(value))

    # Permissions ---------------------------------------------------------------------------------
    # Every public method names its action (``<capability>.<verb>``, declared in its capability) and
    # the unit it touches, before it reads or writes; listings filter their rows by the scope.

    def _authorize(self, conn: Connection, action: str, unit_id: int | None) -> None:
        """Refuse the call (:class:`~communitycore.errors.PermissionDenied`) unless the actor may do
        ``action`` on ``unit_id`` (None: the database as a whole)."""
        access.authorize(self.community, conn, action, unit_id)

    def _scope(self, conn: Connection, action: str) -> Scope:
        """The units where the actor may do ``action``; a listing keeps rows with ``scope.clause(column)``."""
        return access.scope(self.community, conn, action)
