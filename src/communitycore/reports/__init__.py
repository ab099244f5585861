"""Reports people look at: the dashboard of a subtree (HTML), the same figures as a workbook, roster boards.

This package sits above the facade and below the command line: it reads through the SDK's
sub-APIs only (``community.org``, ``meetings``, ``assessments``, ``services``, ``rosters``), so the
actor's grants apply as they do to every call. The figures are collected once
(:func:`dashboard_figures`) and rendered by each writer; texts are in the current language
(``communitycore.i18n.language``).

Example::

    import communitycore
    from communitycore.reports import write_dashboard, write_workbook

    with communitycore.open("community.db") as c:
        write_dashboard(c, "靖城街道党工委/幸福社区党委", "2025", "dashboard.html")
        write_workbook(c, "靖城街道党工委/幸福社区党委", "2025", "dashboard.xlsx")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from communitycore.errors import bad_field
from communitycore.i18n import _
from communitycore.io.files import staged_file
from communitycore.reports.board import Board, board_figures, write_board
from communitycore.reports.dashboard import SECTIONS, render_dashboard, section_headings
from communitycore.reports.figures import Figures, UnitRef, dashboard_figures

if TYPE_CHECKING:
    from communitycore.domain.periods import Period
    from communitycore.sdk.community import Community


def _target(path: str | Path, suffixes: tuple[str, ...], what: str) -> Path:
    target = Path(path)
    if target.suffix.lower() not in suffixes:
        raise bad_field("out", _("write the {what} to a {suffix} file, not {name!r}").format(
            what=what, suffix=suffixes[0], name=target.name), entity="file", key=str(target))
    return target


def write_dashboard(community: Community, unit: UnitRef, period: Period | str, path: str | Path) -> Path:
    """Write the dashboard of ``unit``'s subtree over ``period`` to the ``.html`` file ``path``.

    One self-contained page: inline CSS and SVG charts, no script, nothing fetched from a network.
    The file appears whole or not at all; a folder that does not exist or cannot be written raises
    ``CannotWrite``.

    :raises InvalidValue: ``period`` is not a period, ``unit`` neither an id nor a path, or the file not ``.html``.
    :raises NotFound: there is no such unit.
    :raises PermissionDenied: the actor may not read one of the capabilities on the unit.
    """
    target = _target(path, (".html", ".htm"), _("dashboard"))
    text = render_dashboard(dashboard_figures(community, unit, period))
    with staged_file(target) as temp:
        temp.write_text(text, encoding="utf-8")
    return target


def write_workbook(community: Community, unit: UnitRef, period: Period | str, path: str | Path) -> Path:
    """Write the dashboard's figures to the ``.xlsx`` file ``path``: one sheet per capability.

    The file appears whole or not at all; a folder that cannot be written raises ``CannotWrite``.

    :raises InvalidValue: ``period`` is not a period, ``unit`` neither an id nor a path, or the file not ``.xlsx``.
    :raises NotFound: there is no such unit.
    :raises PermissionDenied: the actor may not read one of the capabilities on the unit.
    """
    from communitycore.reports.workbook import write_workbook_file  # openpyxl only for those who write one

    target = _target(path, (".xlsx",), _("workbook"))
    return write_workbook_file(dashboard_figures(community, unit, period), target)


__all__ = ["SECTIONS", "Board", "Figures", "board_figures", "dashboard_figures", "render_dashboard",
           "section_headings", "write_board", "write_dashboard", "write_workbook"]
