"""Click parameter types and options the commands share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

import click

from communitycore.cli.state import AppState
from communitycore.domain.fields import MAX_DAYS_AHEAD, MAX_ID, parse_plain_id
from communitycore.errors import InvalidValue
from communitycore.i18n import _


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
            return parse_plain_id(value, what=_("id"))
        except InvalidValue as exc:
            self.fail(str(exc), param, ctx)


#: A record id: ``community member show 7``.
PLAIN_ID = PlainId()


def plain_id(text: str, option: str, what: str | None = None) -> int:
    """One id within an option's value (``ID:REASON``, ``KIND:ID``), read as :class:`PlainId` reads
    one; a bad one is refused naming the option. ``what`` names it (by default "id")."""
    try:
        return parse_plain_id(text, what=what)
    except InvalidValue as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def plain_ids(text: str | None, option: str, what: str | None = None) -> list[int]:
    """The ids of an option written ``3,5,8`` (the full-width comma too), each as :func:`plain_id`
    reads it. ``what`` names the ids (by default "member id")."""
    return [plain_id(part, option, what or _("member id"))
            for part in (text or "").replace("，", ",").split(",") if part.strip()]


class Registered(click.ParamType):  # type: ignore[type-arg]  # generic in click 8.2 and later
    """The code of a registered record (a meeting type, a service category …), typed as its code or
    as its label in Chinese or English (``--type 党课``); the command gets the code. A text that is
    neither reaches the command as it is, which refuses it naming the known codes."""

    name = "CODE"

    def __init__(self, family: str) -> None:
        self.family = family

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        app = click.get_current_context().ensure_object(AppState)
        return str(app.community.registry.code_of(self.family, str(value)))


MEETING_TYPE = Registered("meeting_types")
SERVICE_CATEGORY = Registered("service_categories")
SERVICE_PROGRAM = Registered("service_programs")
ROSTER_PROGRAM = Registered("roster_programs")
SCORING_SCHEME = Registered("scoring_schemes")
RECRUITMENT_STEP = Registered("recruitment_steps")
ROLE = Registered("roles")
FACT = Registered("facts")
UNIT_KIND = Registered("unit_kinds")

#: A count (``--limit``, ``--offset``, ``--depth``) from 0, at most what every engine's integer
#: holds: a mistyped huge number is refused here, not by the database driver with a traceback.
COUNT = click.IntRange(min=0, max=MAX_ID)
#: A count or row number from 1 (``--header-row``, a search's ``--limit``), with the same bound.
POSITIVE = click.IntRange(min=1, max=MAX_ID)
#: Days ahead (``--days``): up to a hundred years, so the date they reach is one a calendar has.
DAYS = click.IntRange(min=0, max=MAX_DAYS_AHEAD)

F = TypeVar("F", bound=Callable[..., Any])


def page_options(*, limit: int = 100, cursor: Literal["after", "before"] | None = "after",
                 offset: bool = False) -> Callable[[F], F]:
    """The options of a listing shown a page at a time: ``--limit N`` (``limit`` by default, 0: all)
    and the way to the next page: ``--after ID`` for a listing by id, ``--before ID`` for one
    newest first, ``--offset N`` (with ``offset``) for one in another order. The command gets them
    as ``limit``, ``after``/``before`` and ``offset`` and says when more follow with
    :func:`communitycore.cli.render.more_follow`.
    """
    options = [click.option("--limit", type=COUNT, default=limit, show_default=True, metavar="N",
                            help="At most N (0: all).")]
    if cursor == "after":
        options.append(click.option("--after", type=PLAIN_ID, metavar="ID",
                                    help="Only those with an id above ID: the next page starts after the last id "
                                         "shown."))
    elif cursor == "before":
        options.append(click.option("--before", type=PLAIN_ID, metavar="ID",
                                    help="Only those with an id below ID: the next (older) page starts before the "
                                         "last id shown."))
    if offset:
        options.append(click.option("--offset", type=COUNT, default=0, metavar="N", help="Skip the first N."))

    def decorate(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


__all__ = ["COUNT", "DAYS", "PLAIN_ID", "POSITIVE", "PlainId", "page_options"]
