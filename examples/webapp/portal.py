"""A Party-building portal: a FastAPI application that embeds communitycore.

The portal is the host. It owns the database and its SQLAlchemy engine, keeps its own users in
its own table beside communitycore's (``cc_``) tables, and

* maps each of its users to a communitycore **actor** with **grants** (a branch secretary holds
  ``secretary`` on the branch, an auditor ``auditor`` on the whole database), so every request
  acts as the person behind it and sees only what their grants cover;
* reads through :meth:`~communitycore.Community.as_actor` on its engine (one transaction per call,
  refusals kept in the audit trail);
* writes inside **its own transaction**: communitycore's calls run in savepoints of it, so the
  portal's own rows and communitycore's change commit together or not at all;
* turns the library's structured errors (``error.code``) into HTTP status codes.

A user is named by the ``X-User`` header here; a real portal takes it from its session.

Run the tests with ``pytest examples/webapp``. To serve it, build the app with
:func:`create_app` on an engine and hand it to an ASGI server such as uvicorn.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import attrs
import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

import communitycore
from communitycore import Community, CommunityCoreError, to_dict, view_of
from communitycore.clock import Clock
from communitycore.i18n import language as speaking
from communitycore.reports import dashboard_figures, render_dashboard

host_metadata = sa.MetaData()
users = sa.Table(
    "portal_users", host_metadata,
    sa.Column("login", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column("role", sa.String(40), nullable=False),  # a communitycore role
    sa.Column("unit", sa.String(400)),  # the path of the unit the role covers; NULL: the whole database
)
feed = sa.Table(
    "portal_feed", host_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("login", sa.String(40), nullable=False),
    sa.Column("text", sa.String(200), nullable=False),
)

#: The portal's own account: it creates the schema, so it is communitycore's first administrator.
SYSTEM_ACTOR = "portal:system"

#: HTTP status by error code (``communitycore.errors.CODES``); any other code is a 400.
STATUS: dict[str, int] = {
    "not-found": 404,
    "permission-denied": 403,
    "invalid-value": 422,
    "rejected-input": 422,
    "conflict": 409,
    "busy": 503,
    "database-unavailable": 503,
}


@attrs.frozen
class User:
    """A portal user and the actor communitycore knows them by."""

    login: str
    name: str

    @property
    def actor(self) -> str:
        return f"portal:{self.login}"


def add_user(community: Community, login: str, name: str, role: str, unit: str | None) -> None:
    """Create a portal user with their grant, in one transaction of the portal's: both or neither."""
    with community.engine.connect() as conn, conn.begin():
        admin = communitycore.open(conn, actor=community.actor, pm=community.pm, clock=community.clock,
                                   create=False)
        conn.execute(users.insert().values(login=login, name=name, role=role, unit=unit))
        admin.grants.add(User(login, name).actor, role, unit)


# Requests ---------------------------------------------------------------------------------------

def _base(request: Request) -> Community:
    community: Community = request.app.state.community
    return community


def current_user(request: Request, x_user: Annotated[str | None, Header()] = None) -> User:
    """The user behind the request (401 without a known one)."""
    if x_user is not None:
        with _base(request).engine.connect() as conn:
            row = conn.execute(sa.select(users.c.login, users.c.name).where(users.c.login == x_user)).first()
        if row is not None:
            return User(row.login, row.name)
    raise HTTPException(status_code=401, detail="unknown user")


def reader(request: Request, user: Annotated[User, Depends(current_user)]) -> Community:
    """The community acting as the user, on the portal's engine."""
    return _base(request).as_actor(user.actor)


class Writer:
    """The community acting as the user inside the portal's open transaction, and that transaction."""

    def __init__(self, community: Community, conn: sa.Connection, user: User) -> None:
        self.community, self.conn, self.user = community, conn, user

    def note(self, text: str) -> None:
        """A row of the portal's own, committed with the request's communitycore changes."""
        self.conn.execute(feed.insert().values(login=self.user.login, text=text))


def writer(request: Request, user: Annotated[User, Depends(current_user)]) -> Iterator[Writer]:
    """One transaction of the portal's per request: committed if the request succeeds, else rolled back.

    Used with ``scope="function"``, so the commit happens before the response is sent: a commit
    that fails is the request's error, never a success already told to the client.
    """
    base = _base(request)
    with base.engine.connect() as conn, conn.begin():
        community = communitycore.open(conn, actor=user.actor, pm=base.pm, clock=base.clock, create=False)
        yield Writer(community, conn, user)


def language(accept_language: Annotated[str | None, Header()] = None) -> str:
    """``en`` for an English browser, else ``zh``: the language of the ``*_label`` fields."""
    return "en" if (accept_language or "").lower().startswith("en") else "zh"


Reader = Annotated[Community, Depends(reader)]
Lang = Annotated[str, Depends(language)]


def shaped(community: Community, record: Any, lang: str, *, reveal: bool = False, **extra: Any) -> Any:
    """A record in its documented JSON shape, masked unless ``reveal=True``, with unit paths and the labels
    of its codes (a unit's ``kind_label``, a ledger row's ``type_label`` …) from the community's registry."""
    return to_dict(record, view=view_of(community, reveal=reveal, lang=lang), **extra)


# Routes ---------------------------------------------------------------------------------------------

router = APIRouter()


@router.get("/me")
def me(community: Reader) -> dict[str, Any]:
    """Who the portal acts as, and their grants."""
    return {"actor": community.actor, "grants": to_dict(community.grants.mine())}


@router.get("/units")
def units(community: Reader, lang: Lang, root: int | None = None) -> list[dict[str, Any]]:
    """The organization tree the user may see (from ``root``, else from the top of their scope)."""
    return [{"depth": line.depth, "path": line.path, **shaped(community, line.unit, lang)}
            for line in community.org.tree(root)]


@router.get("/units/{unit_id}/stats")
def stats(unit_id: int, community: Reader, lang: Lang) -> dict[str, Any]:
    """The statistics of a unit's subtree: members, gender, education, ages, cadres and secretaries."""
    [rollup] = community.org.stats(unit_id)
    data: dict[str, Any] = shaped(community, rollup, lang)
    return data


@router.get("/units/{unit_id}/members")
def unit_members(unit_id: int, community: Reader, lang: Lang,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100, after: int | None = None) -> dict[str, Any]:
    """One page of a unit's members, personal data masked; ``next_after`` asks for the next page."""
    page = community.members.list(unit_id, limit=limit, after=after)
    return {"members": shaped(community, list(page), lang), "next_after": page.next_after}


@router.get("/members/{member_id}")
def member(member_id: int, community: Reader, lang: Lang, reveal: bool = False,
           reason: str | None = None) -> dict[str, Any]:
    """One member, masked; ``reveal=true`` with a ``reason`` shows it in full (``member.reveal``, audited)."""
    if reveal:
        data: dict[str, Any] = shaped(community, community.members.reveal(member_id, reason), lang, reveal=True)
    else:
        data = shaped(community, community.members.get(member_id), lang)
    return data


class NewMember(BaseModel):
    name: str
    id_number: str | None = None
    birth_date: str | None = None
    gender: str | None = None
    education: str | None = None
    post: str | None = None


@router.post("/units/{unit_id}/members", status_code=201)
def add_member(unit_id: int, body: NewMember, write: Annotated[Writer, Depends(writer, scope="function")],
               lang: Lang) -> dict[str, Any]:
    """Add a member; the portal's feed row goes in the same transaction."""
    added = write.community.members.add(body.name, unit_id, **body.model_dump(exclude={"name"}, exclude_none=True))
    write.note(f"{write.user.name} added member #{added.id}")
    data: dict[str, Any] = shaped(write.community, added, lang)
    return data


@router.get("/units/{unit_id}/meetings/compliance")
def meeting_compliance(unit_id: int, period: str, community: Reader, lang: Lang) -> dict[str, Any]:
    """Meetings due and held per unit and type over ``period`` (``2026Q3``, ``2026``, ``2026-07``), and absences."""
    data: dict[str, Any] = shaped(community, community.meetings.compliance(unit_id, period), lang)
    return data


@router.get("/units/{unit_id}/services/metrics")
def service_metrics(unit_id: int, period: str, community: Reader, lang: Lang,
                    by: str | None = None) -> list[dict[str, Any]]:
    """The 接诉即办 metrics of the requests created in ``period``, optionally ``by`` category, programme or unit."""
    data: list[dict[str, Any]] = shaped(community, community.services.metrics(period, unit=unit_id, by=by), lang)
    return data


@router.get("/units/{unit_id}/dashboard", response_class=HTMLResponse)
def dashboard(unit_id: int, period: str, community: Reader, lang: Lang) -> str:
    """The subtree's dashboard (``community report dashboard``): one self-contained HTML page."""
    with speaking(lang):
        return render_dashboard(dashboard_figures(community, unit_id, period))


# The application -----------------------------------------------------------------------------------

def error_response(_request: Request, exc: Exception) -> JSONResponse:
    """A library error as JSON (``error.to_dict()``) with the HTTP status of its code."""
    assert isinstance(exc, CommunityCoreError)
    return JSONResponse({"error": exc.to_dict()}, status_code=STATUS.get(exc.code, 400))


def create_app(engine: sa.Engine, *, clock: Clock | None = None, plugins: tuple[object, ...] = ()) -> FastAPI:
    """The portal on the host's ``engine``: its own tables, communitycore's schema, the routes.

    communitycore is opened once, as :data:`SYSTEM_ACTOR`; each request acts as its user.
    """
    host_metadata.create_all(engine)
    community = communitycore.open(engine, actor=SYSTEM_ACTOR, plugins=plugins, autoload=False, clock=clock)
    app = FastAPI(title="Party-building portal")
    app.state.community = community
    app.include_router(router)
    app.add_exception_handler(CommunityCoreError, error_response)
    return app
