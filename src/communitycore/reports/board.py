"""The bulletin board (宣传栏公示) of a roster programme: who is on public notice, who serves, by tier.

What a community posts: the applicants on notice with the day each notice ends and how to object,
the admitted members by tier with their phones masked, the service programmes and the three lists
(resources, demands, projects) of the unit. Collected once (:func:`board_figures`), rendered as
an A4-printable HTML page or as Markdown with the same parts as the dashboard.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from communitycore.domain.identity import mask_contact, mask_phone
from communitycore.domain.rosters import OBJECTED, ON_NOTICE, SERVING
from communitycore.errors import bad_field
from communitycore.i18n import N_, _, get_language, localized
from communitycore.io.files import staged_file
from communitycore.reports import html as h
from communitycore.reports import markdown as md
from communitycore.reports.figures import UnitRef, tier_label

if TYPE_CHECKING:
    from communitycore.domain.rosters import RosterEntry
    from communitycore.sdk.community import Community

#: The board's sections, in order: ``(id, heading)``.
BOARD_SECTIONS: tuple[tuple[str, str], ...] = (
    ("notice", N_("On public notice")),
    ("roster", N_("The roster by tier")),
    ("programs", N_("Service programmes")),
    ("lists", N_("Resources, demands and projects")),
)


@attrs.frozen(kw_only=True)
class NoticeLine:
    """An applicant on public notice."""

    entry_id: int
    name: str
    unit: str
    notice_start: dt.date | None
    notice_end: dt.date | None
    objected: bool


@attrs.frozen(kw_only=True)
class MemberLine:
    """A member serving on the roster; ``phone`` is masked."""

    entry_id: int
    name: str
    unit: str
    tier: str
    tier_label: str
    phone: str | None
    admitted_on: dt.date | None
    term_end: dt.date | None


@attrs.frozen(kw_only=True)
class Board:
    """What the board shows, collected in one pass."""

    program: str
    label: str
    description: str
    unit: str | None
    generated_on: dt.date
    lang: str
    notice_days: int
    notices: tuple[NoticeLine, ...]
    members: tuple[MemberLine, ...]
    programs: tuple[tuple[str, str, str], ...]
    """Service programmes: ``(name, category, description)``."""
    lists: tuple[tuple[str, str, str], ...]
    """Resources, demands and projects: ``(list, name, category or state)``."""


def board_figures(community: Community, program: str, unit: UnitRef | None = None) -> Board:
    """The board of roster programme ``program``, of ``unit``'s subtree (every unit the actor reads: None).

    :raises NotFound: there is no such programme or unit.
    :raises PermissionDenied: the actor may not read rosters (or services) there.
    """
    prog = community.rosters.program(program)
    root = None if unit is None else community.org.get(unit)
    entries = community.rosters.list(program=prog.code, unit=None if root is None else root.id, limit=None)
    paths = community.org.paths_of({e.unit_id for e in entries})
    notices = tuple(NoticeLine(entry_id=e.id, name=e.name, unit=paths.get(e.unit_id, str(e.unit_id)),
                               notice_start=e.notice_start, notice_end=e.notice_end, objected=e.state == OBJECTED)
                    for e in entries if e.state in (ON_NOTICE, OBJECTED))
    order = {tier: i for i, tier in enumerate(prog.tiers)}
    serving = sorted((e for e in entries if e.state in SERVING),
                     key=lambda e: (order.get(e.tier or "", len(order)), e.name, e.id))
    phones = _phones(community, serving)
    members = tuple(MemberLine(entry_id=e.id, name=e.name, unit=paths.get(e.unit_id, str(e.unit_id)),
                               tier=e.tier or "", tier_label=tier_label(e.tier), phone=phones.get(e.id),
                               admitted_on=e.admitted_on, term_end=e.term_end) for e in serving)
    categories = {c.code: localized(c.label, c.label_en) for c in community.services.categories()}
    programs = tuple((localized(p.label, p.label_en), categories.get(p.category, p.category), p.description)
                     for p in community.services.programs())
    where = None if root is None else root.id
    lists = (*((_("Resource"), r.name, r.category or "") for r in community.services.resources(unit=where)),
             *((_("Demand"), d.name, d.category or "") for d in community.services.demands(unit=where)),
             *((_("Project"), p.name, p.state) for p in community.services.projects(unit=where)))
    return Board(program=prog.code, label=localized(prog.label, prog.label_en), description=prog.description,
                 unit=None if root is None else community.org.path_of(root.id),
                 generated_on=community.clock.today(), lang=get_language(), notice_days=prog.notice_days,
                 notices=notices, members=members, programs=programs, lists=tuple(lists))


def _phones(community: Community, entries: list[RosterEntry]) -> dict[int, str | None]:
    # Only the masked form ever leaves here: the board is posted where anyone reads it.
    partners = {p.id: p.contact for p in community.org.partners()} if any(
        e.candidate_kind in ("partner", "partner-staff") for e in entries) else {}
    wanted = [e.candidate_id for e in entries if e.candidate_kind == "member"]
    members = {m.id: m.phone for m in community.members.list(ids=wanted, status=None, limit=None)} if wanted else {}
    out: dict[int, str | None] = {}
    for e in entries:
        if e.candidate_kind == "member":
            out[e.id] = mask_phone(members.get(e.candidate_id))
        elif e.candidate_kind == "resident":
            out[e.id] = mask_phone(community.residents.get(e.candidate_id).phone)
        else:
            out[e.id] = mask_contact(partners.get(e.candidate_id))
    return out


def _how_to_object(board: Board) -> str:
    return _("Anyone who knows a reason why an applicant should not serve may object, in writing or in person, "
             "to the community Party organization before the notice ends (a notice runs {days} days, both ends "
             "counted). An applicant is admitted only when no objection is open or upheld.").format(
                 days=board.notice_days)


def _parts(board: Board) -> dict[str, tuple[tuple[str, ...], list[tuple[object, ...]], str]]:
    """Each section's table (headers, rows) and its "nothing to show" line, by section id."""
    return {
        "notice": ((_("Name"), _("Unit"), _("Notice starts"), _("Notice ends"), _("Objection")),
                   [(n.name, n.unit, n.notice_start, n.notice_end, _("being handled") if n.objected else _("none"))
                    for n in board.notices], _("No applicant is on public notice.")),
        "roster": ((_("Tier"), _("Name"), _("Unit"), _("Phone"), _("Admitted on"), _("Term ends")),
                   [(m.tier_label, m.name, m.unit, m.phone, m.admitted_on, m.term_end) for m in board.members],
                   _("No one serves on this roster yet.")),
        "programs": ((_("Programme"), _("Category"), _("What it does")), list(board.programs),
                     _("No service programmes.")),
        "lists": ((_("List"), _("Name"), _("Category or state")), list(board.lists),
                  _("Nothing is listed yet.")),
    }


def _titles(board: Board) -> tuple[str, str]:
    title = _("{program}: public notice board").format(program=board.label)
    where = board.unit or _("every unit")
    return title, _("{unit} · posted on {day}").format(unit=where, day=board.generated_on.isoformat())


def render_board_html(board: Board) -> str:
    """The board as one self-contained HTML page, printable on A4."""
    title, subtitle = _titles(board)
    parts = _parts(board)
    sections = []
    for section_id, heading in BOARD_SECTIONS:
        headers, rows, empty = parts[section_id]
        body = [h.table(headers, rows) if rows else h.no_data(empty)]
        if section_id == "notice":
            body.append(h.paragraph(_how_to_object(board)))
        sections.append(h.section(section_id, _(heading), *body))
    intro = [h.paragraph(board.description)] if board.description else []
    return h.page(title, subtitle, [*intro, *sections], lang=board.lang)


def render_board_markdown(board: Board) -> str:
    """The board as Markdown."""
    title, subtitle = _titles(board)
    parts = _parts(board)
    out = [md.heading(title, 1), md.paragraph(subtitle)]
    if board.description:
        out.append(md.paragraph(board.description))
    for section_id, heading in BOARD_SECTIONS:
        headers, rows, empty = parts[section_id]
        out += [md.heading(_(heading)), md.table(headers, rows) if rows else md.no_data(empty)]
        if section_id == "notice":
            out.append(md.paragraph(_how_to_object(board)))
    return "\n\n".join(out) + "\n"


def write_board(community: Community, program: str, unit: UnitRef | None, path: str | Path) -> Path:
    """Write the board of ``program`` to ``path``: ``.html`` or ``.md``, whole or not at all (a folder that
    cannot be written raises ``CannotWrite``).

    :raises InvalidValue: the file is neither ``.html`` nor ``.md``.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".html", ".htm", ".md"):
        raise bad_field("out", _("write the board to a .html or .md file, not {name!r}").format(name=target.name),
                        entity="file", key=str(target))
    board = board_figures(community, program, unit)
    text = render_board_markdown(board) if suffix == ".md" else render_board_html(board)
    with staged_file(target) as temp:
        temp.write_text(text, encoding="utf-8")
    return target


__all__ = ["BOARD_SECTIONS", "Board", "MemberLine", "NoticeLine", "board_figures", "render_board_html",
           "render_board_markdown", "write_board"]
