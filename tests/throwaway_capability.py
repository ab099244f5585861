"""A capability made up for tests: notice boards (公告栏) with notes hanging off units.

It lives outside the package on purpose: everything it needs is its own files, and adding it to
the library is one line in ``communitycore.capabilities.MODULES``.
"""

from __future__ import annotations

import attrs
import click
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from communitycore.capabilities import Capability
from communitycore.domain.settings import SettingSpec, parse_code
from communitycore.io.exchange import Section
from communitycore.sdk.base import SubAPI
from communitycore.store.tables import OnUnitRemoval, UnitLink
from communitycore.store.units import UnitRef, resolve

#: Its own metadata, so that the library's schema (and its migrations) never see it.
metadata = MetaData()
notes = Table(
    "cc_test_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, nullable=False),
    Column("title", String(100), nullable=False),
)


@attrs.frozen
class Note:
    """One note on a unit's board."""

    id: int
    unit_id: int
    title: str


class NotesAPI(SubAPI):
    """``community.notes``."""

    def add(self, unit: UnitRef, title: str) -> Note:
        """Pin a note on a unit's board."""
        with self.community.transaction() as tx:
            unit_id = resolve(tx.conn, unit).id
            note_id = tx.conn.execute(insert(notes).values(unit_id=unit_id, title=title)).inserted_primary_key[0]
            note = Note(note_id, unit_id, title)
            tx.record("note.add", "note", note_id, after=note)
            return note

    def list(self) -> list[Note]:
        """Every note, by id."""
        with self.community.reading() as conn:
            return [Note(**row) for row in conn.execute(select(notes).order_by(notes.c.id)).mappings()]


SECTIONS = (Section("notes", Note, notes, refs=(("unit_id", "units"),)),)
UNIT_LINKS = (UnitLink(notes.c.unit_id, OnUnitRemoval.REFUSE, label="{count} note(s)"),)


@click.group("notes")
def notes_group() -> None:
    """Notice boards (公告栏)."""


CAPABILITY = Capability(
    name="notes",
    label="公告栏",
    label_en="Notice boards",
    api="throwaway_capability:NotesAPI",
    sections="throwaway_capability:SECTIONS",
    unit_links="throwaway_capability:UNIT_LINKS",
    settings=(SettingSpec("note-color", parse_code, "colour of new notes", default="red"),),
    commands=("throwaway_capability:notes_group",),
    labels={"title": ("标题", "Title")},
    actions=("note.read", "note.add"),
)
