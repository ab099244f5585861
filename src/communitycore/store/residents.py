"""Resident rows: their flags, which live in ``cc_resident_flags`` (one row per flag)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from communitycore.store.tables import residents as resident_tables

#: Ids per ``IN (...)`` (below every engine's bind limit).
_CHUNK = 500


def flags_of(conn: Connection, resident_ids: Sequence[int]) -> dict[int, list[str]]:
    """The flag codes of each resident (sorted), read in chunks of ids; residents without flags are left out."""
    f = resident_tables.resident_flags
    out: dict[int, list[str]] = {}
    for start in range(0, len(resident_ids), _CHUNK):
        chunk = list(resident_ids[start:start + _CHUNK])
        query = select(f.c.resident_id, f.c.flag).where(f.c.resident_id.in_(chunk)).order_by(f.c.flag)
        for rid, flag in conn.execute(query):
            out.setdefault(rid, []).append(flag)
    return out
