"""The facade: :func:`open` gives a :class:`Community`, whose sub-APIs are the SDK.

Every call runs in one transaction: authorize, load, apply domain rules and hooks, save, write
the audit entry, then (after commit) tell ``communitycore_on_event``. A host platform may pass its
own ``Engine`` or ``Connection``; with a connection already in a transaction, calls run in a
savepoint and events wait for the host's commit.
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import os
import uuid
import weakref
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError

from communitycore.capabilities import Capability, load
from communitycore.capabilities import declared as declared_capabilities
from communitycore.capabilities import sections as sections_of
from communitycore.capabilities import setting_specs as setting_specs_of
from communitycore.capabilities import unit_links as unit_links_of
from communitycore.clock import Clock
from communitycore.config import Config, database_url, load_config
from communitycore.domain.settings import SettingSpec
from communitycore.errors import Busy, CommunityCoreError, InvalidValue, NotFound, PermissionDenied
from communitycore.i18n import _
from communitycore.plugins.manager import CommunityPluginManager, make_plugin_manager
from communitycore.plugins.packs import load_packs
from communitycore.plugins.registry import Registry
from communitycore.records import Event, Finding
from communitycore.sdk.database import hold, refuse_missing_file, refused, unavailable
from communitycore.sdk.retry import Collision, retrying
from communitycore.serialize import unstructure
from communitycore.store import locks
from communitycore.store.engine import make_engine
from communitycore.store.migrate import ensure_schema
from communitycore.store.tables import UnitLink
from communitycore.store.units import resolve

if TYPE_CHECKING:
    from communitycore.io.exchange import Section
    from communitycore.sdk.activity import ActivityAPI
    from communitycore.sdk.assessments import AssessmentsAPI
    from communitycore.sdk.audit import AuditAPI
    from communitycore.sdk.dues import DuesAPI
    from communitycore.sdk.events import EventsAPI
    from communitycore.sdk.grants import GrantsAPI
    from communitycore.sdk.meetings import MeetingsAPI
    from communitycore.sdk.members import MembersAPI
    from communitycore.sdk.org import OrgAPI
    from communitycore.sdk.recruitment import RecruitmentAPI
    from communitycore.sdk.residents import ResidentsAPI
    from communitycore.sdk.rosters import RostersAPI
    from communitycore.sdk.services import ServicesAPI
    from communitycore.sdk.workflows import WorkflowsAPI
from communitycore.sdk import access
from communitycore.sdk.events import deliver
from communitycore.store import audit_chain, outbox


def default_actor() -> str:
    """``COMMUNITYCORE_ACTOR``, else the operating-system user."""
    actor = os.environ.get("COMMUNITYCORE_ACTOR")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "unknown"


#: Events held per host connection until its transaction commits (``Connection.info`` would outlive
#: the connection object: it belongs to the pooled DBAPI connection).
_PENDING: weakref.WeakKeyDictionary[Connection, list[tuple[Community, Event]]] = weakref.WeakKeyDictionary()


def _hide_parameters(exc: DBAPIError) -> None:
    # SQL parameters may hold ID numbers and phone numbers: keep them out of messages and logs.
    exc.hide_parameters = True


class Tx:
    """One unit of work: a connection in a transaction, the actor, and what to audit and announce."""

    def __init__(self, community: Community, conn: Connection) -> None:
        self.community = community
        self.conn = conn
        self.actor = community.actor
        self.now = community.clock.now()
        self.today = self.now.date()
        self.events: list[Event] = []

    def record(
        self,
        action: str,
        entity: str,
        entity_id: Any = None,
        *,
        before: Any = None,
        after: Any = None,
        note: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Write an audit entry and its event (into the outbox) in this transaction; delivery follows the commit."""
        entity_key = None if entity_id is None else str(entity_id)
        (entry_id,) = audit_chain.append(self.conn, [{
            "at": self.now, "actor": self.actor, "action": action, "entity": entity, "entity_id": entity_key,
            "before": _audit_payload(before), "after": _audit_payload(after), "note": note,
        }])
        ev = Event(id=str(uuid.uuid4()), action=action, entity=entity, entity_id=entity_key, actor=self.actor,
                   at=self.now, data=data or {})
        # With no listener there is nothing to deliver: the event is done in the same transaction.
        listened = bool(self.community.pm.hook.communitycore_on_event.get_hookimpls())
        outbox.enqueue(self.conn, [{
            "id": ev.id, "seq": entry_id, "at": self.now, "actor": self.actor, "action": action, "entity": entity,
            "entity_id": entity_key, "data": unstructure(ev.data), "attempts": 0,
            "status": outbox.PENDING if listened else outbox.DELIVERED,
            "delivered_at": None if listened else self.now,
        }])
        if listened:
            self.events.append(ev)


_PERSONAL = ("id_number", "phone")


def _audit_payload(value: Any) -> Any:
    # The audit trail says what changed without becoming a second copy of personal data.
    if value is None:
        return None
    data = unstructure(value)
    if isinstance(data, dict):
        from communitycore.domain.identity import mask_birth_date, mask_contact, mask_id_number, mask_phone

        if data.get("id_number"):
            data["id_number"] = mask_id_number(data["id_number"])
        if data.get("birth_date"):  # with the masked ID number, a full birth date would narrow it down
            data["birth_date"] = mask_birth_date(data["birth_date"])
        if data.get("phone"):
            data["phone"] = mask_phone(data["phone"])
        if data.get("contact"):  # a partner's contact line: the mobiles in it, as to_dict masks them
            data["contact"] = mask_contact(data["contact"])
    return data


class Community:
    """A community database with its plugins: the entry point of the SDK.

    It has one sub-API per declared capability (:mod:`communitycore.capabilities`):
    :attr:`org`, :attr:`members`, :attr:`residents`, :attr:`audit`, … Build one with
    :func:`communitycore.open`.
    """

    if TYPE_CHECKING:
        # For type checkers only: the sub-APIs are made from the capability declarations at run time.
        org: OrgAPI
        members: MembersAPI
        residents: ResidentsAPI
        audit: AuditAPI
        activity: ActivityAPI
        workflows: WorkflowsAPI
        events: EventsAPI
        assessments: AssessmentsAPI
        services: ServicesAPI
        meetings: MeetingsAPI
        grants: GrantsAPI
        recruitment: RecruitmentAPI
        dues: DuesAPI
        rosters: RostersAPI

    def __init__(
        self,
        bind: Engine | Connection,
        *,
        registry: Registry,
        config: Config,
        clock: Clock,
        actor: str,
        owns_engine: bool = False,
        capabilities: Sequence[Capability] | None = None,
    ) -> None:
        self.bind = bind
        self.registry = registry
        self.pm: CommunityPluginManager = registry.pm
        self.config = config
        self.clock = clock
        self.actor = actor
        self._owns_engine = owns_engine
        self.capabilities: tuple[Capability, ...] = (
            tuple(capabilities) if capabilities is not None else declared_capabilities())
        # Each sub-API is made on first use (``__getattr__``): a command that lists members does
        # not import the modules of meetings, services or assessments.
        self._apis: dict[str, str] = {c.api_attribute: c.api for c in self.capabilities if c.api is not None}

    def __getattr__(self, name: str) -> Any:
        """The sub-API of a capability (``community.members``), made and kept on first access."""
        apis = self.__dict__.get("_apis")
        if apis is None or name not in apis:
            raise AttributeError(name)
        api = load(apis[name])(self)
        setattr(self, name, api)
        return api

    def capability(self, name: str) -> Capability:
        """The declaration of one capability, by name.

        :raises NotFound: no capability has that name.
        """
        for capability in self.capabilities:
            if capability.name == name:
                return capability
        raise NotFound(_("there is no capability {name!r}; known: {known}").format(
            name=name, known=", ".join(c.name for c in self.capabilities)), entity="capability", key=name)

    @functools.cached_property
    def sections(self) -> tuple[Section, ...]:
        """What an export holds: every capability's sections, in declaration order."""
        return sections_of(self.capabilities)

    @functools.cached_property
    def setting_specs(self) -> tuple[SettingSpec, ...]:
        """Every setting the capabilities read along the tree."""
        return setting_specs_of(self.capabilities)

    @functools.cached_property
    def unit_links(self) -> tuple[UnitLink, ...]:
        """What every capability's rows do when a unit is removed."""
        return unit_links_of(self.capabilities)

    @property
    def engine(self) -> Engine:
        """The engine behind this community."""
        return self.bind if isinstance(self.bind, Engine) else self.bind.engine

    @property
    def dialect(self) -> str:
        """``sqlite``, ``postgresql`` or ``mysql``."""
        return str(self.bind.dialect.name)

    def as_actor(self, actor: str) -> Community:
        """The same community, acting as someone else (for hosts serving many users)."""
        return Community(self.bind, registry=self.registry, config=self.config, clock=self.clock, actor=actor,
                         capabilities=self.capabilities)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One write transaction; rolls back whole on any error, announces events after commit.

        It takes its locks before it reads (see ``communitycore.store.locks``): SQLite's write
        lock at once (``BEGIN IMMEDIATE``); PostgreSQL and MariaDB run it at READ COMMITTED and
        the SDK locks the rows each check depends on. A busy database raises
        :class:`~communitycore.errors.Busy`; SDK methods that write run again through
        ``communitycore.sdk.retry.retrying``.

        :raises Busy: the database stayed busy (in a host's transaction: at once, for the host to retry).
        :raises InvalidValue: a statement's value is text no driver can send (lone surrogates, as
            Python keeps the bytes of a command line that are not UTF-8; on PostgreSQL, text holding
            the character NUL).
        """
        with self._unit_of_work(write=True) as (conn, host):
            tx = Tx(self, conn)
            yield tx
        if host:
            if tx.events:
                self._defer(conn, tx.events)
        else:
            self._announce(tx.events)

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for queries, whose reads all see one consistent state of the database.

        SQLite: an explicit deferred ``BEGIN`` (the snapshot of the first SELECT holds for the
        rest, and writers are not blocked); PostgreSQL and MariaDB: REPEATABLE READ. Inside a
        host's transaction, the host's isolation applies.

        :raises InvalidValue: a query's value is text no driver can send (see :meth:`transaction`).
        """
        with self._unit_of_work(write=False) as (conn, _host):
            yield conn

    @contextlib.contextmanager
    def _unit_of_work(self, *, write: bool) -> Iterator[tuple[Connection, bool]]:
        """A connection in a transaction that has started for real (see :func:`locks.start`), and
        whether it is a savepoint in the host's transaction; database errors come out sanitized."""
        host = False
        try:
            if isinstance(self.bind, Engine):
                with self.bind.connect() as conn:
                    level = None if write else locks.read_isolation(conn.dialect.name)
                    if level is not None:
                        conn = conn.execution_options(isolation_level=level)  # reset when it goes back to the pool
                    with conn.begin():
                        locks.start(conn, write=write, preset=level is not None)
                        yield conn, host
                return
            conn = self.bind
            if conn.in_transaction():
                # Inside the host's transaction: a savepoint, and events wait for the host's commit.
                host = True
                locks.start(conn, write=write, own=False)
                with conn.begin_nested():
                    yield conn, host
                return
            with conn.begin():
                locks.start(conn, write=write)
                yield conn, host
        except PermissionDenied as exc:
            if not exc.recorded:  # once, after the refused call's transaction has rolled back
                access.record_denial(self, exc)
            raise
        except UnicodeEncodeError:
            # A driver encodes the statement's values: text holding lone surrogates (bytes of a
            # command line that are not UTF-8, kept by Python as such) cannot be sent.
            raise InvalidValue(_("a value given is not text that can be stored or looked up: it holds bytes that "
                                 "are not UTF-8 (or unpaired surrogates); write it again as text")) from None
        except DBAPIError as exc:
            _hide_parameters(exc)
            if locks.is_busy(exc):
                raise Busy(in_host_transaction=host) from None
            if locks.holds_nul(exc):
                raise InvalidValue(_("a value given holds the character NUL (0x00), which no text can hold; write "
                                     "it again without it")) from None
            if locks.is_unique_violation(exc) and not host:
                raise Collision(_("a value that must be unique was stored by someone else at the same moment; "
                                   "nothing was changed")) from None
            refusal = refused(exc, self.engine.url)  # read-only, not a database, damaged: in words
            if refusal is not None:
                raise refusal from None
            raise

    def _defer(self, conn: Connection, events: Sequence[Event]) -> None:
        """Hold events until the host commits its transaction; drop them if it rolls back."""
        pending = _PENDING.get(conn)
        if pending is None:
            held: list[tuple[Community, Event]] = []
            _PENDING[conn] = pending = held

            def _commit(committing: Connection) -> None:
                ready = list(held)
                held.clear()
                if not ready:
                    return
                # SQLAlchemy's commit event comes *before* the database commit. Finish the commit first,
                # so listeners see the change and may write themselves (SQLite would still hold its
                # write lock); a failed commit raises here and announces nothing. SQLAlchemy's own
                # commit that follows finds no open transaction and does nothing.
                dbapi = committing.connection.dbapi_connection
                if dbapi is not None:
                    dbapi.commit()
                for community, ev in ready:
                    community._announce([ev])

            event.listen(conn, "commit", _commit)
            event.listen(conn, "rollback", lambda _conn: held.clear())
        pending.extend((self, ev) for ev in events)

    def _announce(self, events: Sequence[Event]) -> None:
        """Deliver events that have just committed; a failure leaves the event pending in the outbox."""
        deliver(self, events)

    def authorize(self, action: str, unit: Any = None) -> None:
        """Refuse (:class:`~communitycore.errors.PermissionDenied`, audited) unless the actor may do
        ``action`` on ``unit`` (id or path; None: the whole database): the check every call makes.

        :raises InvalidValue: ``action`` is not text, or ``unit`` is neither a unit id nor a path.
        :raises NotFound: ``unit`` names no unit.
        :raises PermissionDenied: the actor may not do ``action`` on ``unit``; the refusal is audited.
        """
        with self.reading() as conn:
            access.authorize(self, conn, action, None if unit is None else resolve(conn, unit).id)

    def export_to(self, path: str | os.PathLike[str], *, note: str | None = None) -> dict[str, int]:
        """Export the whole community (without the audit trail) to a JSON file; audited. Returns counts.

        :raises PermissionDenied: the actor may not export members on the whole database.
        """
        from communitycore.io.exchange import export_community

        self.authorize("member.export")  # the whole database, unmasked
        return export_community(self, path, note=note)

    def import_from(self, path: str | os.PathLike[str]) -> dict[str, int]:
        """Import an export into this (empty) database, all or nothing. Returns counts.

        :raises Conflict: the database already holds units, members or other exported records.
        :raises RejectedInput: records of the file are bad; ``problems`` names each by its key path.
        :raises InvalidValue: the file is not JSON, not UTF-8 or not a communitycore export.
        :raises UnsafeInput: the input limits refuse the file (see :doc:`limits`).
        :raises PermissionDenied: the actor may not import members on the whole database.
        """
        from communitycore.io.exchange import import_community

        self.authorize("member.import")
        return import_community(self, path)

    def check_units(self, unit: Any = None) -> list[Finding]:
        """Structure findings for ``unit``'s subtree (or the whole tree); see ``org check``.

        :raises InvalidValue: ``unit`` (when given) is neither a unit id nor a path.
        :raises NotFound: ``unit`` (when given) names no unit.
        :raises PluginError: a rule plugin failed while the plugins are strict.
        """
        return self.org.check(unit)

    def close(self) -> None:
        """Release the engine if this community created it."""
        if self._owns_engine and isinstance(self.bind, Engine):
            self.bind.dispose()

    def __enter__(self) -> Community:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open(  # noqa: A001 - the SDK's front door is deliberately communitycore.open()
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
    """Open a community database.

    :param url_or_engine: a SQLAlchemy URL, a file path (SQLite), an ``Engine`` or a
        ``Connection`` owned by the host; default: ``COMMUNITYCORE_DB``, the config file's ``db``,
        then ``sqlite:///community.db``.
    :param config: a :class:`~communitycore.config.Config` or the path of a ``community.toml``.
    :param actor: who is acting, for the audit trail (default: ``COMMUNITYCORE_ACTOR`` or the OS user).
    :param plugins: extra plugin objects to register (besides builtins and entry points).
    :param packs: TOML packs to load, besides those the config lists.
    :param blocked: plugin names to leave out, besides those the config disables.
    :param autoload: load installed plugins (default from config and
        ``COMMUNITYCORE_DISABLE_PLUGIN_AUTOLOAD``).
    :param clock: a :class:`~communitycore.clock.Clock` (tests pass a fixed one).
    :param create: what may be created. ``None`` (the default): the schema, in an empty database
        that exists; a SQLite file that does not exist is refused with
        :class:`~communitycore.errors.DatabaseUnavailable` (code ``missing-database``), so that a
        mistyped path never becomes a new, empty database. ``True``: the SQLite file too.
        ``False``: nothing, an empty database raises :class:`~communitycore.errors.SchemaOutdated`.
        An outdated schema is always an error.
    :param pm: a ready plugin manager (the testing kit passes one); the plugin switches are then ignored.
    :param capabilities: the capabilities to serve (default: every declared one, see
        :mod:`communitycore.capabilities`); a host may add its own.

    :raises DatabaseUnavailable: the database cannot be opened (a bad URL, a missing driver, a
        refused connection, a file that cannot be opened).
    :raises SchemaOutdated: the schema is older than this version, or missing with ``create=False``.
    :raises PluginError: a pack cannot be read, or a plugin fails or contributes something invalid
        in strict mode.
    :raises InvalidValue: the config file is missing or wrong.
    """
    cfg = config if isinstance(config, Config) else load_config(config)
    owns = False
    if isinstance(url_or_engine, (Engine, Connection)):
        bind: Engine | Connection = url_or_engine
        url: Any = bind.engine.url
    else:
        explicit = os.fspath(url_or_engine) if url_or_engine is not None else None
        url = database_url(explicit, cfg)  # named as the user wrote it, not as a driver was added to it
        if not create:
            refuse_missing_file(url)
        with unavailable(url):
            bind = make_engine(url)
        owns = True
    try:
        if pm is None:
            if autoload is None and not cfg.plugins.autoload:
                autoload = False
            pm = make_plugin_manager(
                *plugins,
                builtins=builtins,
                autoload=autoload,
                blocked=[*cfg.plugins.disable, *blocked],
                strict=cfg.plugins.strict if strict is None else strict,
            )
        extra = load_packs([*cfg.pack_paths(), *(Path(p) for p in packs)])
        registry = Registry(pm, extra)
        with unavailable(url):
            ensure_schema(bind, create=create is not False)
            hold(bind)  # no export or backup may be written over the database's own files
    except BaseException:
        if owns and isinstance(bind, Engine):
            bind.dispose()
        raise
    community = Community(
        bind, registry=registry, config=cfg, clock=clock or Clock(cfg.timezone),
        actor=actor or default_actor(), owns_engine=owns, capabilities=capabilities,
    )
    if create is not False:  # the actor who creates the database becomes its administrator (decision 0016)
        access.bootstrap(community)
    return community


__all__ = ["Community", "CommunityCoreError", "Tx", "open", "retrying"]
