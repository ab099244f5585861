"""Click parameter types the commands share."""

from __future__ import annotations

from typing import Any

import click

from communitycore.domain.fields import parse_plain_id
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

__all__ = ["PLAIN_ID", "PlainId"]
