"""What every sub-API shares: its community, and unit references resolved against the tree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from ..domain.org import PATH_SEPARATOR, OrgUnit, ancestors
from ..errors import NotFound
from ..store import schema

if TYPE_CHECKING:
    from ..community import Community

#: A unit reference: an id, or a full path of names joined with "/".
UnitRef = int | str | OrgUnit


class Tree:
    """The whole unit tree, loaded once per call (20,000 units load in a few milliseconds)."""

    def __init__(self, conn: Connection) -> None:
        rows = conn.execute(select(schema.units)).mappings().all()
        self.units: dict[int, OrgUnit] = {row["id"]: OrgUnit(**row) for row in rows}
        self.parent_of: dict[int, int | None] = {u.id: u.parent_id for u in self.units.values()}
        self._by_path: dict[str, int] | None = None

    def path(self, unit_id: int) -> str:
        """The full path of names, root first, joined with "/"."""
        return PATH_SEPARATOR.join(self.units[i].name for i in ancestors(self.parent_of, unit_id))

    def by_path(self) -> dict[str, int]:
        """Full path to id, built on first use."""
        if self._by_path is None:
            self._by_path = {self.path(i): i for i in self.units}
        return self._by_path

    def resolve(self, ref: UnitRef) -> OrgUnit:
        """The unit an id, a path or a unit record refers to; a clear error if there is none."""
        if isinstance(ref, OrgUnit):
            ref = ref.id
        if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
            unit = self.units.get(int(ref))
            if unit is None:
                raise NotFound(f"there is no unit with id {ref}")
            return unit
        path = PATH_SEPARATOR.join(part.strip() for part in str(ref).strip().strip(PATH_SEPARATOR).split(PATH_SEPARATOR))
        found = self.by_path().get(path)
        if found is None:
            raise NotFound(f"there is no unit at path {path!r}; give an id or the full path from the root, "
                           f"joined with {PATH_SEPARATOR!r}")
        return self.units[found]


class SubAPI:
    """Base of the sub-APIs: access to the community and its helpers."""

    def __init__(self, community: Community) -> None:
        self.community = community

    def _tree(self, conn: Connection) -> Tree:
        return Tree(conn)

    def _unit(self, conn: Connection, ref: Any) -> OrgUnit:
        return Tree(conn).resolve(ref)
