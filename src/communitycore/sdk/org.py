"""``community.org``: the organization tree, compounds, partners, settings and structure checks."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import Any

import attrs
from sqlalchemy import Connection, Table, delete, func, insert, select, update

from communitycore.domain.fields import UNCHANGED, Keep, clean_text, parse_plain_id
from communitycore.domain.members import add_years, parse_date
from communitycore.domain.org import (
    ADDRESS_LIMIT,
    CONTACT_LIMIT,
    UNIT_FIELDS,
    Compound,
    OrgUnit,
    Partner,
    PartnerKind,
    PropertyTier,
    check_name,
    children_map,
    parse_unit_fields,
    placement_problem,
    subtree,
)
from communitycore.domain.settings import Effective, defaults_of, listed, parse_key, parse_setting, spec_of
from communitycore.domain.settings import resolve as resolve_settings
from communitycore.domain.stats import COUNTERS, RollUp, RollUps, roll_up
from communitycore.errors import Conflict, InvalidValue, NotFound
from communitycore.i18n import _, listing
from communitycore.plugins.decisions import unit_findings
from communitycore.records import Finding, UnitSnapshot
from communitycore.sdk.base import SubAPI, check_count, paged
from communitycore.store import locks, rollup
from communitycore.store.removal import blockers, remove_units
from communitycore.store.scope import Scope
from communitycore.store.tables import org as org_tables
from communitycore.store.units import (
    Tree,
    UnitRef,
    add_paths,
    chain,
    get_unit,
    move_paths,
    name_paths,
    path_of,
    rebuild_paths,
    resolve,
    sibling_named,
    subtree_parents,
    subtree_query,
)

_UNIT_FIELDS = UNIT_FIELDS
#: A date parameter: a ``date`` or text as :func:`~communitycore.domain.members.parse_date` reads it.
DateLike = dt.date | str
#: A committee is "on record" when at least this many members hold committee posts.
COMMITTEE_MIN_POSTS = 3
_MEMBERS, _CADRES = (COUNTERS.index(name) for name in ("members", "cadres"))


@attrs.frozen
class TreeLine:
    """One line of a tree listing: depth (0 = the listing's root) and the unit."""

    depth: int
    unit: OrgUnit
    path: str


class OrgAPI(SubAPI):
    """Units of the organization tree and what hangs off them."""

    # Reading -------------------------------------------------------------------------------

    def get(self, ref: UnitRef) -> OrgUnit:
        """A unit by id or full path.

        :raises InvalidValue: ``ref`` is neither a unit id nor a path.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read that unit.
        """
        with self.community.reading() as conn:
            unit = resolve(conn, ref)
            self._authorize(conn, "org.read", unit.id)
            return unit

    def path(self, ref: UnitRef) -> list[OrgUnit]:
        """The units from the root down to ``ref``.

        :raises InvalidValue: ``ref`` is neither a unit id nor a path.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read that unit.
        """
        with self.community.reading() as conn:
            unit = resolve(conn, ref)
            self._authorize(conn, "org.read", unit.id)
            return chain(conn, unit)

    def path_of(self, ref: UnitRef) -> str:
        """The full path string of a unit (names joined with "/").

        :raises InvalidValue: ``ref`` is neither a unit id nor a path.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read that unit.
        """
        with self.community.reading() as conn:
            unit = resolve(conn, ref)
            self._authorize(conn, "org.read", unit.id)
            return path_of(conn, unit)

    def paths_of(self, unit_ids: Iterable[int]) -> dict[int, str]:
        """The full paths of some units by id (two queries, not a read of the tree); unknown ids, and those
        of units the actor may not read, are left out.

        :raises InvalidValue: an id is not a whole number.
        :raises PermissionDenied: the actor may not read units on any unit.
        """
        wanted = {parse_plain_id(i, _("unit id")) for i in unit_ids}
        with self.community.reading() as conn:
            scope = self._scope(conn, "org.read")
            return {i: path for i, path in name_paths(conn, wanted).items() if scope.covers(i)}

    def children(self, ref: UnitRef | None = None) -> list[OrgUnit]:
        """Direct children of a unit, by name; for ``None``, the roots (for an actor whose grants are on
        units, the tops of the granted subtrees).

        :raises InvalidValue: ``ref`` (when given) is neither a unit id nor a path.
        :raises NotFound: ``ref`` (when given) names no unit.
        :raises PermissionDenied: the actor may not read units on ``ref``, or on any unit.
        """
        u = org_tables.units
        with self.community.reading() as conn:
            scope = self._scope(conn, "org.read")
            where = u.c.parent_id.is_(None) if ref is None else u.c.parent_id == self._readable(conn, ref).id
            if ref is None and not scope.everything:  # the tops of the granted subtrees stand for the roots
                where = u.c.id.in_(_top(scope, Tree(conn), []))
            where = where & scope.clause(u.c.id)
            return [OrgUnit(**row._mapping) for row in conn.execute(select(u).where(where).order_by(u.c.name, u.c.id))]

    def subtree(self, ref: UnitRef) -> list[OrgUnit]:
        """A unit and all its descendants, parents first (read through the path index alone).

        :raises InvalidValue: ``ref`` is neither a unit id nor a path.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read that unit.
        """
        with self.community.reading() as conn:
            tree = Tree(conn, self._readable(conn, ref).id)
            return [tree.unit(i) for i in tree.ids()]

    def tree(self, ref: UnitRef | None = None, *, depth: int | None = None) -> list[TreeLine]:
        """The tree (or a subtree) in display order: parents first, siblings by name.

        :raises InvalidValue: ``ref`` (when given) is neither a unit id nor a path; ``depth`` is not a
            whole number from 0 to ``MAX_ID``.
        :raises NotFound: ``ref`` (when given) names no unit.
        :raises PermissionDenied: the actor may not read units on ``ref``, or on any unit.
        """
        if depth is not None:
            check_count("depth", depth)
        with self.community.reading() as conn:
            tree = Tree(conn, None if ref is None else self._readable(conn, ref).id)
            kids: dict[int | None, list[int]] = {}
            for unit_id, parent in tree.parent_of.items():
                kids.setdefault(parent, []).append(unit_id)
            for siblings in kids.values():
                siblings.sort(key=lambda i: (tree.name(i), i))
            roots = kids.get(None, []) if ref is not None else _top(self._scope(conn, "org.read"), tree,
                                                                    kids.get(None, []))
            lines: list[TreeLine] = []
            stack = [(0, u) for u in reversed(roots)]
            while stack:
                level, unit_id = stack.pop()
                lines.append(TreeLine(level, tree.unit(unit_id), tree.path(unit_id)))
                if depth is None or level < depth:
                    stack.extend((level + 1, c) for c in reversed(kids.get(unit_id, [])))
            return lines

    def count(self) -> int:
        """Number of units.

        :raises PermissionDenied: the actor may not read units on any unit.
        """
        with self.community.reading() as conn:
            query = select(func.count()).select_from(org_tables.units)
            return int(conn.scalar(query.where(self._scope(conn, "org.read").clause(org_tables.units.c.id))) or 0)

    # Changing ------------------------------------------------------------------------------

    def add(
        self,
        name: str,
        kind: str,
        parent: UnitRef | None = None,
        *,
        code: str | None = None,
        approved_by: str | None = None,
        approved_on: DateLike | None = None,
        term_start: DateLike | None = None,
        term_end: DateLike | None = None,
        covered_units: int | str | None = None,
    ) -> OrgUnit:
        """Add a unit of a registered kind under ``parent``, or at the top of the tree.

        A unit without a parent must be of a root kind (a kind with no parent kinds, such as
        街道党工委); a unit with one must be of a kind that may sit under the parent's kind. An
        elected kind with a term start and no term end gets one from the kind's ``term_years``.

        :raises InvalidValue: a bad name, kind or field; or a unit that needs a parent (the
            message names the root kinds).
        :raises Conflict: the kind may not sit under the parent, or a sibling has the same name.
        :raises NotFound: there is no such parent.
        :raises PermissionDenied: the actor may not add units under that parent (on the whole database for a root).
        """
        name = check_name(name)
        unit_kind = self.community.registry.unit_kind(kind)
        values = self._fields({"code": code, "approved_by": approved_by, "approved_on": approved_on,
                               "term_start": term_start, "term_end": term_end, "covered_units": covered_units})
        values = {k: v for k, v in values.items() if v is not None}
        if unit_kind.term_years and values.get("term_start") and not values.get("term_end"):
            values["term_end"] = add_years(values["term_start"], unit_kind.term_years)
        with self.community.transaction() as tx:
            parent_unit = None if parent is None else resolve(tx.conn, parent)
            parent_id = parent_unit.id if parent_unit else None
            self._authorize(tx.conn, "org.add", parent_id)
            if parent_id is not None and not locks.lock_rows(tx.conn, org_tables.units, [parent_id], shared=True):
                raise NotFound(_("unit {unit} was removed by someone else meanwhile").format(unit=parent_id))
            self._check_placement(kind, parent_unit)
            self._check_sibling_name(tx.conn, parent_unit, name)
            self._check_unique_code(tx.conn, values.get("code"))
            unit_id = tx.conn.execute(
                insert(org_tables.units).values(kind=kind, name=name, parent_id=parent_id, **values)
            ).inserted_primary_key[0]  # type: ignore[index]
            add_paths(tx.conn, [(unit_id, parent_id)])
            unit = OrgUnit(id=unit_id, kind=kind, name=name, parent_id=parent_id, **values)
            tx.record("unit.add", "unit", unit_id, after=unit)
            return unit

    def rename(self, ref: UnitRef, new_name: str) -> OrgUnit:
        """Give a unit a new name (unique among its siblings).

        :raises InvalidValue: the new name is empty, too long or holds a ``/``.
        :raises Conflict: a sibling has that name.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not change units on that unit.
        """
        new_name = check_name(new_name)
        with self.community.transaction() as tx:
            unit = resolve(tx.conn, ref)
            self._authorize(tx.conn, "org.update", unit.id)
            if new_name == unit.name:
                return unit
            parent = None if unit.parent_id is None else get_unit(tx.conn, unit.parent_id)
            self._check_sibling_name(tx.conn, parent, new_name)
            tx.conn.execute(update(org_tables.units).where(org_tables.units.c.id == unit.id).values(name=new_name))
            renamed = attrs.evolve(unit, name=new_name)
            tx.record("unit.rename", "unit", unit.id, before=unit, after=renamed)
            return renamed

    def update(
        self,
        ref: UnitRef,
        *,
        code: str | Keep | None = UNCHANGED,
        approved_by: str | Keep | None = UNCHANGED,
        approved_on: DateLike | Keep | None = UNCHANGED,
        term_start: DateLike | Keep | None = UNCHANGED,
        term_end: DateLike | Keep | None = UNCHANGED,
        covered_units: int | str | Keep | None = UNCHANGED,
    ) -> OrgUnit:
        """Change a unit's optional fields (approval, term, code, covered units), e.g. after 换届.

        A field left out keeps its value; ``None`` (or ``""``) clears it.

        :raises InvalidValue: no field given, or a bad value (a term that ends before it starts).
        :raises Conflict: another unit has the code.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not change units on that unit.
        """
        given = {"code": code, "approved_by": approved_by, "approved_on": approved_on, "term_start": term_start,
                 "term_end": term_end, "covered_units": covered_units}
        changes = {k: v for k, v in given.items() if v is not UNCHANGED}
        if not changes:
            raise InvalidValue(_("nothing to change: give at least one of {fields}").format(
                fields=", ".join(_UNIT_FIELDS)))
        values = self._fields(changes)
        with self.community.transaction() as tx:
            unit = resolve(tx.conn, ref)
            self._authorize(tx.conn, "org.update", unit.id)
            merged = {**{f: getattr(unit, f) for f in ("term_start", "term_end")}, **values}
            self._check_term(merged.get("term_start"), merged.get("term_end"))
            if values.get("code") is not None and values["code"] != unit.code:
                self._check_unique_code(tx.conn, values["code"])
            tx.conn.execute(update(org_tables.units).where(org_tables.units.c.id == unit.id).values(**values))
            changed = attrs.evolve(unit, **values)
            tx.record("unit.update", "unit", unit.id, before=unit, after=changed)
            return changed

    def import_file(self, path: str | os.PathLike[str], *, sheet: str | None = None, header_row: int | None = None,
                    check: bool = False) -> dict[str, int]:
        """Build or extend the tree from a spreadsheet (one row per unit: path, kind, code, approval,
        term); all rows or none. Returns ``{"added": n, "updated": m}``; with ``check``, nothing is kept.

        See :mod:`communitycore.io.org_import` for the columns and rules.

        :raises RejectedInput: a row is bad; every problem is listed with its row and column.
        :raises InvalidValue: the file cannot be read as a spreadsheet.
        :raises PermissionDenied: the actor may not add units under the nearest unit on record above a
            new unit of the file (on the whole database, for a new top of the tree), or may not update a
            unit the file corrects; nothing is kept.
        """
        from communitycore.io.org_import import import_units

        def may(conn: Connection, action: str, unit_ids: Sequence[int | None]) -> None:
            self._authorize_each(conn, action, unit_ids)

        return import_units(self.community, path, sheet=sheet, header_row=header_row, check=check, authorize=may)

    def move(self, ref: UnitRef, new_parent: UnitRef | None) -> OrgUnit:
        """Move a unit (with its subtree) under another unit; a cycle is refused and nothing changes.

        :raises InvalidValue: a move to the top of the tree of a unit whose kind needs a parent.
        :raises Conflict: the move would make a cycle, the kind may not sit under the new parent's kind,
            or a sibling there has the same name.
        :raises NotFound: there is no such unit or new parent (or one was removed meanwhile).
        :raises PermissionDenied: the actor may not move units on the unit or on its new parent (the whole database for
            a new root).
        """
        with self.community.transaction() as tx:
            unit = resolve(tx.conn, ref)
            target = None if new_parent is None else resolve(tx.conn, new_parent)
            self._authorize(tx.conn, "org.move", unit.id)
            self._authorize(tx.conn, "org.move", None if target is None else target.id)
            # Lock the unit and the target's whole chain, then read them again: the chain read
            # before the lock may have changed, and the cycle check must see the one that stays.
            if target is None:
                locked = locks.lock_rows(tx.conn, org_tables.units, [unit.id])
            else:
                locked = locks.lock_ancestors(tx.conn, target.id, also=[unit.id],
                                              guess=[u.id for u in chain(tx.conn, target)])
            if unit.id not in locked or (target is not None and target.id not in locked):
                gone = unit.id if unit.id not in locked else new_parent
                raise NotFound(_("unit {unit} was removed by someone else meanwhile; nothing was changed")
                               .format(unit=gone))
            unit = OrgUnit(**locked[unit.id]._mapping)
            if target is not None:
                target_chain = _chain_of(locked, target.id)
                target = target_chain[-1]
                if any(u.id == unit.id for u in target_chain):
                    if target.id == unit.id:
                        message = _("cannot move {unit} under itself. Nothing was changed.").format(
                            unit=path_of(tx.conn, unit))
                    else:
                        message = _("cannot move {unit} under {target}: that unit is one of its own descendants, "
                                    "and the tree would have a cycle. Nothing was changed.").format(
                            unit=path_of(tx.conn, unit), target="/".join(u.name for u in target_chain))
                    raise Conflict(message, entity="unit", key=unit.id)
            if (target.id if target else None) == unit.parent_id:
                return unit  # already there (the sibling-name check would otherwise find the unit itself)
            self._check_placement(unit.kind, target)
            self._check_sibling_name(tx.conn, target, unit.name)
            target_id = target.id if target else None
            # The subtree's rows too: no unit is added under it or moved in or out before its paths change.
            locks.lock_subtree(tx.conn, unit.id)
            u = org_tables.units
            tx.conn.execute(update(u).where(u.c.id == unit.id).values(parent_id=target_id))
            move_paths(tx.conn, unit.id, target_id)
            moved = attrs.evolve(unit, parent_id=target_id)
            tx.record("unit.move", "unit", unit.id, before=unit, after=moved)
            return moved

    def remove(self, ref: UnitRef, *, cascade: bool = False) -> list[int]:
        """Remove a unit. Refused while it has members or children, unless ``cascade``.

        With ``cascade``, the whole subtree goes with its members (and their transfer and 双报到
        records); compounds and partners linked to it are kept, unlinked. Returns the removed ids.

        :raises Conflict: the unit has sub-units, members or other rows that refuse its removal, and ``cascade``
            is not given.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not remove units on that unit.
        """
        with self.community.transaction() as tx:
            unit = resolve(tx.conn, ref)
            self._authorize(tx.conn, "org.remove", unit.id)
            ids = locks.lock_subtree(tx.conn, unit.id)  # then counted: no member or child can arrive meanwhile
            held = blockers(tx.conn, self.community.unit_links, ids)
            if not cascade and (len(ids) > 1 or any(held.values())):
                parts = [_("{count} sub-unit(s)").format(count=len(ids) - 1)] if len(ids) > 1 else []
                parts += [_(link.label).format(count=count) if link.label else f"{count} {link.key}"
                          for link, count in held.items() if count]
                raise Conflict(_("{unit} still has {things}: move or remove them first, or remove with cascade "
                                 "(cascade=True; --cascade on the command line) to delete them all").format(
                                     unit=path_of(tx.conn, unit), things=listing(parts)),
                               entity="unit", key=unit.id)
            remove_units(tx.conn, self.community.unit_links, ids)
            tx.record("unit.remove", "unit", unit.id, before=unit,
                      data={"removed_units": len(ids), **{f"removed_{link.key}": n for link, n in held.items()}})
            return ids

    # Compounds and partners ------------------------------------------------------------------

    def add_compound(self, name: str, tier: str | PropertyTier, unit: UnitRef | None = None,
                     address: str | None = None) -> Compound:
        """Add a residential compound (小区) with its property tier, looked after by ``unit``.

        :raises InvalidValue: a bad name, tier or address.
        :raises InvalidValue: ``unit`` (when given) is neither a unit id nor a path.
        :raises NotFound: ``unit`` (when given) names no unit.
        :raises PermissionDenied: the actor may not add compounds on that unit.
        """
        parsed = PropertyTier.parse(tier)
        name = check_name(name)
        address = clean_text(address, ADDRESS_LIMIT)
        with self.community.transaction() as tx:
            unit_id = None if unit is None else resolve(tx.conn, unit).id
            self._authorize(tx.conn, "org.add", unit_id)
            cid = tx.conn.execute(insert(org_tables.compounds).values(
                name=name, tier=parsed.value, unit_id=unit_id, address=address)).inserted_primary_key[0]  # type: ignore[index]
            compound = Compound(id=cid, name=name, tier=parsed, unit_id=unit_id, address=address)
            tx.record("compound.add", "compound", cid, after=compound)
            return compound

    def compounds(self, unit: UnitRef | None = None, *, limit: int | None = None,
                  after: int | None = None) -> list[Compound]:
        """Compounds by id, optionally only those of one unit's subtree.

        At most ``limit`` compounds (default ``None``: all). ``after`` is a keyset cursor: only
        compounds with a greater id, so the next page is ``after=`` the last id of this one.

        :raises InvalidValue: ``unit`` (when given) is neither a unit id nor a path; a limit that is not
            a whole number from 0 to ``MAX_ID``, or an ``after`` that is not an id.
        :raises NotFound: ``unit`` (when given) names no unit.
        :raises PermissionDenied: the actor may not read units on ``unit``, or on any unit.
        """
        return [Compound(**row) for row in self._linked(org_tables.compounds, unit, limit, after)]

    def compound_names(self, compound_ids: Iterable[int]) -> dict[int, str]:
        """The names of some compounds by id (one query, not a read of every compound); unknown ids,
        and those of compounds the actor may not read, are left out.

        :raises InvalidValue: an id is not a whole number.
        :raises PermissionDenied: the actor may not read units on any unit.
        """
        wanted = sorted({parse_plain_id(i, _("compound id")) for i in compound_ids})
        if not wanted:
            return {}
        c = org_tables.compounds
        with self.community.reading() as conn:
            readable = self._scope(conn, "org.read").clause(c.c.unit_id)
            rows = conn.execute(select(c.c.id, c.c.name).where(c.c.id.in_(wanted) & readable))
            return {int(row[0]): str(row[1]) for row in rows}

    def add_partner(self, kind: str | PartnerKind, name: str, unit: UnitRef | None = None,
                    contact: str | None = None) -> Partner:
        """Link a partner body (物业服务企业, 业委会, 共建单位, 驻区单位) to a unit.

        :raises InvalidValue: a bad kind, name or contact.
        :raises InvalidValue: ``unit`` (when given) is neither a unit id nor a path.
        :raises NotFound: ``unit`` (when given) names no unit.
        :raises PermissionDenied: the actor may not add partners on that unit.
        """
        parsed = PartnerKind.parse(kind)
        name = check_name(name)
        contact = clean_text(contact, CONTACT_LIMIT)
        with self.community.transaction() as tx:
            unit_id = None if unit is None else resolve(tx.conn, unit).id
            self._authorize(tx.conn, "org.add", unit_id)
            pid = tx.conn.execute(insert(org_tables.partners).values(
                kind=parsed.value, name=name, unit_id=unit_id, contact=contact)).inserted_primary_key[0]  # type: ignore[index]
            partner = Partner(id=pid, kind=parsed, name=name, unit_id=unit_id, contact=contact)
            tx.record("partner.add", "partner", pid, after=partner)
            return partner

    def partners(self, unit: UnitRef | None = None, *, limit: int | None = None,
                 after: int | None = None) -> list[Partner]:
        """Partner bodies by id, optionally only those linked within one unit's subtree.

        At most ``limit`` partners (default ``None``: all). ``after`` is a keyset cursor: only
        partners with a greater id, so the next page is ``after=`` the last id of this one.

        :raises InvalidValue: ``unit`` (when given) is neither a unit id nor a path; a limit that is not
            a whole number from 0 to ``MAX_ID``, or an ``after`` that is not an id.
        :raises NotFound: ``unit`` (when given) names no unit.
        :raises PermissionDenied: the actor may not read units on ``unit``, or on any unit.
        """
        return [Partner(**row) for row in self._linked(org_tables.partners, unit, limit, after)]

    def _linked(self, table: Table, unit: UnitRef | None, limit: int | None = None,
                after: int | None = None) -> list[Any]:
        """The rows of ``table`` by id, optionally only those linked to ``unit``'s subtree; one page of them."""
        query = paged(select(table).order_by(table.c.id), table.c.id, limit=limit, after=after)
        with self.community.reading() as conn:
            query = query.where(self._scope(conn, "org.read").clause(table.c.unit_id))
            if unit is not None:
                query = query.where(table.c.unit_id.in_(subtree_query(conn, self._readable(conn, unit).id)))
            return list(conn.execute(query).mappings())

    # Statistics and checks ---------------------------------------------------------------------

    def stats(self, ref: UnitRef | None = None, *, on: DateLike | None = None) -> list[RollUp]:
        """Roll-up statistics of ``ref``'s subtree (of every root for ``None``).

        The average ages are the means of the ages in 周岁 on ``on``, the reporting date (default:
        today); the head counts are those of the roll as it stands.

        :raises InvalidValue: ``ref`` (when given) is neither a unit id nor a path; ``on`` is not a date.
        :raises NotFound: ``ref`` (when given) names no unit.
        :raises PermissionDenied: the actor may not read units on ``ref``, or on any unit.
        """
        reported = self._reporting_date(on)
        with self.community.reading() as conn:
            if ref is None:
                tree = Tree(conn)
                parent_of = tree.parent_of
                wanted = _top(self._scope(conn, "org.read"), tree, [u for u, p in parent_of.items() if p is None])
                root = None
            else:
                root = self._readable(conn, ref).id
                parent_of = subtree_parents(conn, root)
                wanted = [root]
            result = roll_up(rollup.counters(conn, root), parent_of, rollup.age_sums(conn, reported, root), wanted)
            return [result[u] for u in wanted]

    def stats_all(self, *, on: DateLike | None = None) -> RollUps:
        """Roll-up statistics of every unit's subtree, in one query and one pass; the ages (in 周岁 on
        ``on``, default today) are counted when the first record is read.

        :raises InvalidValue: ``on`` is not a date.
        :raises PermissionDenied: the actor may not read units on any unit.
        """
        reported = self._reporting_date(on)

        def ages() -> dict[int, list[int]]:
            with self.community.reading() as conn:
                return rollup.age_sums(conn, reported)

        with self.community.reading() as conn:
            tree = Tree(conn)
            scope = self._scope(conn, "org.read")
            wanted = None if scope.everything else sorted(scope.units & set(tree.parent_of))
            return roll_up(rollup.counters(conn), tree.parent_of, ages, wanted)

    def _reporting_date(self, on: DateLike | None) -> dt.date:
        if on is None:
            return self.community.clock.today()
        return parse_date(on)

    def refresh_stats(self) -> None:
        """Recompute what is derived from the tree and the members: every unit's member counters
        and every unit's path (decision 0013).

        Every change through the SDK keeps them current already; this is for data written
        behind the library's back (a host's own SQL, a restored backup).

        :raises PermissionDenied: the actor may not change units on the whole database.
        """
        with self.community.transaction() as tx:
            self._authorize(tx.conn, "org.update", None)
            rebuild_paths(tx.conn)
            rollup.refresh(tx.conn)
            tx.record("unit.refresh-stats", "unit")

    def snapshots(self, ref: UnitRef | None = None) -> list[UnitSnapshot]:
        """What the structure rules see of each unit in ``ref``'s subtree (or the whole tree).

        :raises InvalidValue: ``ref`` (when given) is neither a unit id nor a path.
        :raises NotFound: ``ref`` (when given) names no unit.
        :raises PermissionDenied: the actor may not read units on ``ref``, or on any unit.
        """
        with self.community.reading() as conn:
            return self._snapshots(conn, ref)

    def _snapshots(self, conn: Connection, ref: UnitRef | None) -> list[UnitSnapshot]:
        root = None if ref is None else self._readable(conn, ref).id
        tree = Tree(conn, root)
        scope = self._scope(conn, "org.read")
        ids = list(tree.ids()) if root is None else subtree(children_map(tree.parent_of), root)
        ids = [i for i in ids if scope.covers(i)]
        per_unit = rollup.counters(conn, root)
        # Thresholds count everyone organised under a unit (a branch's party groups included);
        # the committee is the unit's own post holders.
        totals = roll_up(per_unit, tree.parent_of, {}, ids)  # head counts only: no record is built
        zero = [0] * len(COUNTERS)
        kids = children_map(tree.parent_of)
        out = []
        for unit_id in ids:
            unit = tree.unit(unit_id)
            own = per_unit.get(unit_id, zero)
            members, full = totals.members(unit_id), totals.full(unit_id)
            out.append(UnitSnapshot(
                id=unit_id, name=unit.name, kind=unit.kind, parent_id=unit.parent_id, path=tree.path(unit_id),
                members=members, full_members=full, probationary_members=members - full,
                own_members=int(own[_MEMBERS]), children=len(kids.get(unit_id, [])),
                covered_units=unit.covered_units, has_committee=int(own[_CADRES]) >= COMMITTEE_MIN_POSTS,
                term_end=unit.term_end,
            ))
        return out

    def check(self, ref: UnitRef | None = None) -> list[Finding]:
        """Structure findings from every ``communitycore_check_units`` implementation, in one batch.

        :raises InvalidValue: ``ref`` (when given) is neither a unit id nor a path.
        :raises NotFound: ``ref`` (when given) names no unit.
        :raises PluginError: a rule plugin failed while the plugins are strict.
        :raises PermissionDenied: the actor may not read units on ``ref``, or on any unit.
        """
        units = self.snapshots(ref)
        findings = unit_findings(self.community.pm, units, kinds=self.community.registry.unit_kinds,
                                 today=self.community.clock.today())
        order = {"error": 0, "warning": 1, "info": 2}
        return sorted(findings, key=lambda f: (f.unit, order[f.severity.value], f.rule))

    # Settings along the tree -------------------------------------------------------------------

    def set_setting(self, ref: UnitRef, key: str, value: Any) -> Effective:
        """Set a setting on a unit; its subtree inherits it unless a nearer unit overrides it.

        :raises InvalidValue: an unknown setting, or a value it does not accept.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not change settings on that unit.
        """
        specs = self.community.setting_specs
        named = parse_key(key, specs)
        if named.names is not None:  # registered codes, typed as codes or labels (党课)
            value = [self.community.registry.code_of(named.names, str(item)) for item in listed(value)]
            if named.check is not None:  # one that is neither is named with the known codes
                named.check(self.community.registry, key, value)
        key, parsed = parse_setting(key, value, specs)
        spec = spec_of(key, specs)
        if spec is not None and spec.check is not None:
            spec.check(self.community.registry, key, parsed)
        with self.community.transaction() as tx:
            unit = resolve(tx.conn, ref)
            self._authorize(tx.conn, "org.settings", unit.id)
            s = org_tables.unit_settings
            where = (s.c.unit_id == unit.id) & (s.c.key == key)
            before = tx.conn.scalar(select(s.c.value).where(where))
            if before is None:
                tx.conn.execute(insert(s).values(unit_id=unit.id, key=key, value=parsed))
            else:
                tx.conn.execute(update(s).where(where).values(value=parsed))
            tx.record("setting.set", "unit", unit.id, before={key: before} if before is not None else None,
                      after={key: parsed})
            return Effective(key, parsed, path_of(tx.conn, unit), unit.id)

    def unset_setting(self, ref: UnitRef, key: str) -> bool:
        """Remove a unit's own value for ``key`` (it inherits again); False if it had none.

        A key no setting knows may still be removed where a unit holds it (left by a plugin no
        longer installed); elsewhere it is refused as a mistyped key.

        :raises InvalidValue: a key that is no setting, and that the unit does not hold.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not change settings on that unit.
        """
        if not isinstance(key, str):
            parse_key(key, self.community.setting_specs)
        with self.community.transaction() as tx:
            unit = resolve(tx.conn, ref)
            self._authorize(tx.conn, "org.settings", unit.id)
            s = org_tables.unit_settings
            where = (s.c.unit_id == unit.id) & (s.c.key == key.strip())
            before = tx.conn.scalar(select(s.c.value).where(where))
            if before is None:
                parse_key(key, self.community.setting_specs)  # a mistyped key is named, not "not set"
                return False
            tx.conn.execute(delete(s).where(where))
            tx.record("setting.unset", "unit", unit.id, before={key: before})
            return True

    def settings(self, ref: UnitRef) -> dict[str, Effective]:
        """Every effective setting at a unit, each with the unit (or default) it came from.

        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read that unit.
        """
        with self.community.reading() as conn:
            units = chain(conn, self._readable(conn, ref))
            s = org_tables.unit_settings
            own: dict[int, dict[str, Any]] = {}
            for row in conn.execute(select(s).where(s.c.unit_id.in_([u.id for u in units]))):
                own.setdefault(row.unit_id, {})[row.key] = row.value
            paths = list(accumulate((u.name for u in units), lambda a, b: f"{a}/{b}"))
            return resolve_settings([(u.id, p, own.get(u.id, {})) for u, p in zip(units, paths, strict=True)],
                                    defaults_of(self.community.setting_specs, self.community.registry))

    def setting(self, ref: UnitRef, key: str, default: Any = None) -> Any:
        """The effective value of one setting at a unit.

        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read that unit.
        """
        found = self.settings(ref).get(key)
        return default if found is None else found.value

    # Helpers -----------------------------------------------------------------------------------

    def _readable(self, conn: Connection, ref: UnitRef) -> OrgUnit:
        """A unit the actor may read (``org.read``), by id or path."""
        unit = resolve(conn, ref)
        self._authorize(conn, "org.read", unit.id)
        return unit

    def _fields(self, fields: dict[str, Any]) -> dict[str, Any]:
        """The optional unit fields, parsed; a blank value is None (clears it)."""
        return parse_unit_fields(fields, today=self.community.clock.today())

    @staticmethod
    def _check_term(start: dt.date | None, end: dt.date | None) -> None:
        if start and end and end <= start:
            raise InvalidValue(_("term_end must be after term_start"))

    def _check_placement(self, kind: str, parent: OrgUnit | None) -> None:
        kinds = self.community.registry.unit_kinds
        self.community.registry.unit_kind(kind)  # an unknown kind: the registry's message
        problem = placement_problem(kinds, kind, None if parent is None else parent.kind,
                                    None if parent is None else parent.name)
        if problem is None:
            return
        if parent is None:
            raise InvalidValue(problem)
        raise Conflict(problem)

    @staticmethod
    def _check_unique_code(conn: Connection, code: str | None) -> None:
        if code is None:
            return
        u = org_tables.units
        other = conn.scalar(select(u.c.id).where(u.c.code == code))
        if other is not None:
            raise Conflict(_("unit {id} already has the code {code!r}").format(id=other, code=code), entity="unit",
                           key=code)

    @staticmethod
    def _check_sibling_name(conn: Connection, parent: OrgUnit | None, name: str) -> None:
        other = sibling_named(conn, parent.id if parent else None, name)
        if other is not None:
            where = path_of(conn, parent) if parent is not None else _("the top level")
            raise Conflict(_("{where} already has a unit named {name!r} (id {id})").format(
                where=where, name=name, id=other.id), entity="unit", key=name)


def _top(scope: Scope, tree: Tree, roots: list[int]) -> list[int]:
    """The units a listing of the whole tree starts from: the roots, or the granted subtrees' tops."""
    if scope.everything:
        return roots
    return sorted((r for r in scope.roots if r in tree.parent_of and tree.parent_of[r] not in scope.units),
                  key=lambda i: (tree.name(i), i))


def _chain_of(rows: dict[int, Any], unit_id: int) -> list[OrgUnit]:
    """The chain from the root down to ``unit_id``, over rows locked by :func:`locks.lock_ancestors`."""
    out: list[OrgUnit] = []
    seen: set[int] = set()
    current: int | None = unit_id
    while current is not None and current in rows and current not in seen:
        seen.add(current)
        out.append(OrgUnit(**rows[current]._mapping))
        current = out[-1].parent_id
    return out[::-1]


def _add_years(start: dt.date, years: int) -> dt.date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)
