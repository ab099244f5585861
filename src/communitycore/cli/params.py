"""Click parameter types the commands share."""

from __future__ import annotations

from typing import Any

import click

from communitycore.domain.fields import MAX_ID, parse_plain_id
from communitycore.errors import InvalidValue


class PlainId(click.ParamType):  # type: ignore[type-arg]  # generic in click 8.2 and later
    """A record id written with the ASCII digits 0-9.

    ``click.INT`` would take ``٣`` and ``０３`` for 3 (Python's ``int()`` does), and ids beyond what
    an engine stores would fail in the database instead of here.
    """

    name = "ID"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_plain_id(value, what="ID")
        except InvalidValue as exc:
            self.fail(str(exc), param, ctx)


#: A record id: ``community member show 7``.
PLAIN_ID = PlainId()

#: A count (``--limit``, ``--offset``, ``--depth``) from 0, at most what every engine's integer
#: holds: a mistyped huge number is refused here, not by the database driver with a traceback.
COUNT = click.IntRange(min=0, max=MAX_ID)
#: A count or row number from 1 (``--header-row``, a search's ``--limit``), with the same bound.
POSITIVE = click.IntRange(min=1, max=MAX_ID)
#: Days ahead (``--days``): up to a hundred years, so the date they reach is one a calendar has.
DAYS = click.IntRange(min=0, max=36_600)

__all__ = ["COUNT", "DAYS", "PLAIN_ID", "POSITIVE", "PlainId"]
