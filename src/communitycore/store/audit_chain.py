"""The audit trail as a hash chain: each entry carries a hash over its content and its predecessor's hash.

Entries are appended only through :func:`append`, which takes the chain's head row first (an
``UPDATE`` of ``cc_audit_head``, which is a row lock on PostgreSQL and MariaDB and the write lock on
SQLite), so concurrent writers keep one chain, in id order, with no gaps. :func:`verify` walks the
trail and names the first entry that was changed, removed or inserted; :func:`head` is the anchor to
keep outside the database.

Timestamps are hashed at whole seconds in UTC: MariaDB's ``DATETIME`` keeps no fractions, and the
hash must not depend on the engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from json.encoder import encode_basestring
from typing import Any

import attrs
from sqlalchemy import Connection, select, update

from communitycore.store.engine import placeholders
from communitycore.store.tables import audit as audit_tables

#: The "previous hash" of the first entry.
GENESIS = "0" * 64
_FIELDS = ("at", "actor", "action", "entity", "entity_id", "before", "after", "note")


def utc_seconds(at: dt.datetime) -> dt.datetime:
    """``at`` in UTC, whole seconds, naive-safe (a naive value is taken as UTC, as the engines store it)."""
    aware = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).replace(microsecond=0)


def entry_hash(entry_id: int, prev_hash: str, entry: dict[str, Any]) -> str:
    """The hash of one entry: SHA-256 over its id, its predecessor's hash and its canonical content."""
    content: dict[str, Any] = {f: entry.get(f) for f in _FIELDS}
    content["at"] = utc_seconds(entry["at"]).isoformat()
    text = json.dumps([entry_id, prev_hash, content], ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lock_head(conn: Connection) -> tuple[int, str]:
    """Take the chain's head row until the commit; its id and hash."""
    h = audit_tables.audit_head
    query = select(h.c.last_id, h.c.last_hash).where(h.c.id == 1)
    if conn.dialect.name == "sqlite":
        # SQLite has no row locks: writing first takes the database's write lock before the head is read.
        conn.execute(update(h).where(h.c.id == 1).values(last_id=h.c.last_id))
    else:
        # A locking read: it waits for the other writers and, unlike a plain read under MariaDB's
        # REPEATABLE READ, sees the newest committed head rather than the transaction's snapshot.
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:  # a database created before the chain existed and not yet migrated cannot get here
        raise RuntimeError("the audit chain has no head row; run `community db upgrade`")
    return int(row.last_id), str(row.last_hash)


def append(conn: Connection, entries: Sequence[dict[str, Any]]) -> list[int]:
    """Append entries (dicts of the audit columns) to the chain in the caller's transaction; returns their ids.

    Set-based for a bulk path (an import's million ``member.add`` entries): the canonical text
    that :func:`entry_hash` hashes is assembled from the JSON of each field, the repeating ones
    (time, actor, action, entity, note) encoded once, and the rows go in as one driver-level
    executemany of tuples.
    """
    if not entries:
        return []
    last_id, last_hash = lock_head(conn)
    table = audit_tables.audit
    names = [c.name for c in table.columns]
    assert names == [*_ROW_ORDER], names  # the tuples below are built in this order
    sqlite = conn.dialect.name == "sqlite"
    impl = {c.name: c.type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for c in table.columns}
    at_process = impl["at"]
    json_process = None if sqlite else impl["after"]  # SQLite keeps JSON as text: the JSON built here
    strings: dict[Any, str] = {}

    def text_of(value: Any) -> str:
        found = strings.get(value)
        if found is None:
            found = strings[value] = _dumps(value)
        return found

    rows: list[Any] = []
    seen_at: Any = None
    at_json = ""
    at_stored: Any = None
    for offset, entry in enumerate(entries, start=1):
        entry_id = last_id + offset
        at = entry["at"]
        if at is not seen_at:
            seen_at, moment = at, utc_seconds(at)
            at_json = '"' + moment.isoformat() + '"'
            at_stored = moment if at_process is None else at_process(moment)
        before, after, key = entry.get("before"), entry.get("after"), entry.get("entity_id")
        before_json = "null" if before is None else _dumps(before)
        after_json = "null" if after is None else _dumps(after)
        key_json = ("null" if key is None else f'"{key}"' if isinstance(key, str) and key.isdigit()
                    else _dumps(key))
        actor, action, entity, note = entry.get("actor"), entry.get("action"), entry.get("entity"), entry.get("note")
        # i18n: skip - the canonical text that is hashed, not a message
        text = (f'[{entry_id},"{last_hash}",{{"action":{text_of(action)},"actor":{text_of(actor)},'  # i18n: skip
                f'"after":{after_json},"at":{at_json},"before":{before_json},"entity":{text_of(entity)},'
                f'"entity_id":{key_json},"note":{text_of(note)}}}]')
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if json_process is None:
            stored_before = None if before is None else before_json
            stored_after = None if after is None else after_json
        else:
            stored_before, stored_after = json_process(before), json_process(after)
        rows.append((entry_id, at_stored, actor, action, entity, key, stored_before, stored_after, note, last_hash,
                     digest))
        last_hash = digest
    quote = conn.dialect.identifier_preparer.quote
    conn.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, names))}) "
                         f"VALUES ({placeholders(conn, len(names))})", rows)
    h = audit_tables.audit_head
    conn.execute(update(h).where(h.c.id == 1).values(last_id=last_id + len(rows), last_hash=last_hash))
    return list(range(last_id + 1, last_id + len(rows) + 1))


def _alike(conn: Connection, *, at: dt.datetime, actor: str, action: str, entity: str,
           note: str | None) -> tuple[Any, Callable[[int, str, str, str], str]]:
    """For entries that differ only in their key and ``after``: the time as the column stores it,
    and the hash of one entry from its id, its predecessor's hash, its key and its ``after`` JSON.

    Everything but those four is rendered once; the text hashed is the one :func:`entry_hash`
    builds, so :func:`verify` reads these entries like any other.
    """
    at_process = audit_tables.audit.c.at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    moment = utc_seconds(at)
    # The canonical text that is hashed, not a message.
    head = f'{{"action":{_dumps(action)},"actor":{_dumps(actor)},"after":'  # i18n: skip
    tail = f',"at":"{moment.isoformat()}","before":null,"entity":{_dumps(entity)},"entity_id":'  # i18n: skip
    end = f',"note":{_dumps(note)}}}]'
    sha256 = hashlib.sha256

    def digest_of(entry_id: int, prev: str, key: str, after_json: str) -> str:
        key_json = f'"{key}"' if key.isdigit() else encode_basestring(key)
        return sha256(f'[{entry_id},"{prev}",{head}{after_json}{tail}{key_json}{end}'.encode()).hexdigest()

    return (moment if at_process is None else at_process(moment)), digest_of


def append_alike(conn: Connection, *, at: dt.datetime, actor: str, action: str, entity: str, note: str | None,
                 items: Iterable[tuple[str, str]]) -> int:
    """Append entries that differ only in their key and ``after``; returns how many were appended.

    The bulk path of an import: ``items`` are ``(entity_id, after_json)``, the JSON already in
    canonical form (:func:`canonical_json`, or text built to match it, as the member import builds
    ``{"name":…,"unit_id":…}``); ``before`` is None. Everything but the key and ``after`` is
    rendered once, so each entry costs one string join, one SHA-256 and one tuple. The text hashed
    is the one :func:`entry_hash` builds, so :func:`verify` reads these entries like any other.
    """
    last_id, last_hash = lock_head(conn)
    first_id = last_id
    table = audit_tables.audit
    names = [c.name for c in table.columns]
    assert names == [*_ROW_ORDER], names  # the tuples below are built in this order
    at_stored, digest_of = _alike(conn, at=at, actor=actor, action=action, entity=entity, note=note)
    stored_after = _stored_json(conn)
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    as_is = stored_after is _same  # SQLite: the JSON text goes in as it is, without a call per entry
    for key, after_json in items:
        last_id += 1
        digest = digest_of(last_id, last_hash, key, after_json)
        append((last_id, at_stored, actor, action, entity, key, None,
                after_json if as_is else stored_after(after_json), note, last_hash, digest))
        last_hash = digest
    if not rows:
        return 0
    quote = conn.dialect.identifier_preparer.quote
    conn.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, names))}) "
                         f"VALUES ({placeholders(conn, len(names))})", rows)
    h = audit_tables.audit_head
    conn.execute(update(h).where(h.c.id == 1).values(last_id=last_id, last_hash=last_hash))
    return last_id - first_id


def append_selected(conn: Connection, *, at: dt.datetime, actor: str, action: str, entity: str,
                    note: str | None, rows: str, params: Sequence[Any] = ()) -> int:
    """SQLite: append one entry per row of a query, in one ``INSERT … SELECT``; returns how many.

    ``rows`` is a ``SELECT`` of two text columns, the entity id and ``after`` in canonical JSON
    (SQLite's ``json_object`` writes it so for keys given in sorted order). The rows never come
    into Python: a function registered on the connection for the statement renders each entry's
    canonical text from what SQLite hands it, as :func:`append_alike` does, and chains the hashes.
    The query is materialized first, so the function runs exactly once per entry; each entry's id
    and predecessor's hash come back from the function itself, so they agree with what it hashed
    whatever order SQLite calls it in.
    """
    if conn.dialect.name != "sqlite":
        raise ValueError("append_selected is for SQLite; elsewhere use append_alike")  # i18n: skip - a bug
    last_id, last_hash = lock_head(conn)
    table = audit_tables.audit
    at_stored, digest_of = _alike(conn, at=at, actor=actor, action=action, entity=entity, note=note)
    newest_id, newest_hash = last_id, last_hash

    def link(key: str, after_json: str) -> str:
        """The entry's predecessor's hash, its own hash and its id, in one text (64 + 64 + the id)."""
        nonlocal newest_id, newest_hash
        entry_id, prev = newest_id + 1, newest_hash
        digest = digest_of(entry_id, prev, key, after_json)
        newest_id, newest_hash = entry_id, digest
        return f"{prev}{digest}{entry_id}"

    driver = conn.connection.driver_connection
    assert driver is not None
    function = "cc_audit_link"
    driver.create_function(function, 2, link)
    try:
        conn.exec_driver_sql(
            f"WITH source (entity_id, after_json) AS ({rows}), "
            f"picked AS MATERIALIZED (SELECT entity_id, after_json, {function}(entity_id, after_json) AS link "
            f"FROM source) "
            f"INSERT INTO {table.name} (id, at, actor, action, entity, entity_id, before, after, note, prev_hash, "
            f"hash) SELECT CAST(substr(link, 129) AS INTEGER), ?, ?, ?, ?, entity_id, NULL, after_json, ?, "
            f"substr(link, 1, 64), substr(link, 65, 64) FROM picked",
            (*params, at_stored, actor, action, entity, note))
        # The driver's rowcount is -1 for a statement that starts with WITH; SQLite's own count is not.
        inserted = int(conn.exec_driver_sql("SELECT changes()").scalar_one())
    finally:
        driver.create_function(function, 2, None)
    count = newest_id - last_id
    if inserted != count:  # the function ran more or fewer times than entries went in
        raise RuntimeError(f"append_selected: {inserted} entries written, {count} hashed")
    if count:
        h = audit_tables.audit_head
        conn.execute(update(h).where(h.c.id == 1).values(last_id=newest_id, last_hash=newest_hash))
    return count


def canonical_json(value: Any) -> str:
    """The canonical JSON of one value, as the hash covers it (sorted keys, no spaces, UTF-8 kept)."""
    return _dumps(value)


def _stored_json(conn: Connection) -> Any:
    """How JSON text goes into a JSON column on the raw path: as it is where the driver takes text
    (SQLite keeps JSON as text), otherwise through the column type's own bind processor."""
    if conn.dialect.name == "sqlite":
        return _same
    process = audit_tables.audit.c.after.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    if process is None:
        return _same
    if isinstance(process({"a": 1}), str):  # the processor only serializes: the text is that already
        return _same
    return lambda text: process(json.loads(text))


def _same(value: Any) -> Any:
    return value


#: The audit table's columns, in the order :func:`append` builds its tuples.
_ROW_ORDER = ("id", "at", "actor", "action", "entity", "entity_id", "before", "after", "note", "prev_hash", "hash")


def _dumps(value: Any) -> str:
    """The canonical JSON of one value, as :func:`entry_hash` writes it."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


@attrs.frozen
class Anchor:
    """The head of the chain: the newest entry's id and hash."""

    entry_id: int
    hash: str


def head(conn: Connection) -> Anchor:
    """The chain's head, to keep outside the database (``community audit anchor``)."""
    h = audit_tables.audit_head
    row = conn.execute(select(h.c.last_id, h.c.last_hash).where(h.c.id == 1)).first()
    return Anchor(0, GENESIS) if row is None else Anchor(int(row.last_id), str(row.last_hash))


@attrs.frozen
class ChainProblem:
    """The first place the chain does not hold, and what was done there."""

    entry_id: int
    kind: str
    """``changed``, ``removed`` or ``inserted``."""
    detail: str


@attrs.frozen
class Verification:
    """The result of walking the chain."""

    entries: int
    head: Anchor
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        """True when every entry is where it was written, as it was written."""
        return self.problem is None


def verify(conn: Connection) -> Verification:
    """Walk the whole trail in id order; name the first entry that was changed, removed or inserted."""
    anchor = head(conn)
    a = audit_tables.audit
    result = conn.execute(select(a).order_by(a.c.id).execution_options(yield_per=5_000)).mappings()
    try:
        return _walk(result, anchor)
    finally:
        result.close()  # a server-side cursor left open when the walk stops early


def _walk(rows: Iterable[Any], anchor: Anchor) -> Verification:
    expected_id, expected_prev = 1, GENESIS
    count = 0
    for row in rows:
        count += 1
        entry_id = int(row["id"])
        if entry_id != expected_id:
            return Verification(count, anchor, ChainProblem(
                expected_id, "removed", f"entries {expected_id} to {entry_id - 1} are missing"))
        if row["prev_hash"] != expected_prev:
            return Verification(count, anchor, ChainProblem(
                entry_id, "inserted", "it does not follow the entry before it (an entry was put in its place)"))
        if entry_hash(entry_id, row["prev_hash"], dict(row)) != row["hash"]:
            return Verification(count, anchor, ChainProblem(
                entry_id, "changed", "its content no longer matches its hash"))
        expected_id, expected_prev = entry_id + 1, row["hash"]
    if anchor.entry_id != expected_id - 1 or anchor.hash != expected_prev:
        return Verification(count, anchor, ChainProblem(
            expected_id, "removed", f"the head says entry {anchor.entry_id} is the newest, the trail ends at "
            f"{expected_id - 1}"))
    return Verification(count, anchor, None)
