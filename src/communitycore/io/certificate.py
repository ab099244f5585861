"""The printable volunteer certificate, one HTML file.

Written whole or not at all (:func:`~communitycore.io.files.staged_file`); it escapes every text
it shows and carries the ID number masked. The services' tables (metrics, 双报到 feedback) are
written by :func:`communitycore.io.table_files.write_table`.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from communitycore.errors import InvalidValue
from communitycore.i18n import _
from communitycore.io.files import staged_file
from communitycore.io.limits import given_path

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; margin: 2cm; }}
h1 {{ text-align: center; letter-spacing: 0.3em; }}
table {{ border-collapse: collapse; width: 100%; margin: 1em 0; }}
th, td {{ border: 1px solid #444; padding: 4px 8px; text-align: left; }}
.number {{ text-align: right; }}
@media print {{ body {{ margin: 1cm; }} }}
</style></head>
<body>
<h1>{title}</h1>
<p>{number_label}：{number}　　{date_label}：{issued_on}</p>
<table>
<tr><th>{name_label}</th><td>{name}</td><th>{id_label}</th><td>{id_number}</td></tr>
<tr><th>{volunteer_label}</th><td>{volunteer}</td><th>{total_label}</th><td>{total}</td></tr>
</table>
<table>
<tr><th>{day_label}</th><th>{activity_label}</th><th class="number">{hours_label}</th></tr>
{rows}
</table>
<p>{issuer_label}：{issuer}　　{handler_label}：{handler}</p>
</body></html>
"""


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def write_certificate(path: str | os.PathLike[str], data: dict[str, Any]) -> Path:
    """Write the volunteer-service certificate (志愿服务记录证明) as one printable HTML page.

    ``data`` holds ``number``, ``issued_on``, ``name``, ``id_number`` (masked), ``volunteer`` (the
    person's code), ``total`` hours, ``issuer``, ``handler`` and ``entries`` (date, activity, hours).
    """
    target = given_path(path)
    if target.suffix.lower() not in (".html", ".htm"):
        raise InvalidValue(_("the certificate is an .html file, not {name!r}").format(name=target.name))
    rows = "\n".join(f'<tr><td>{_esc(day)}</td><td>{_esc(activity)}</td><td class="number">{_esc(hours)}</td></tr>'
                     for day, activity, hours in data["entries"])
    page = _PAGE.format(
        title=_esc("志愿服务记录证明"), number_label="证明编号", date_label="出具日期", name_label="姓名",
        id_label="证件号码", volunteer_label="志愿者编号", total_label="服务时长（小时）", day_label="日期",
        activity_label="服务内容", hours_label="时长（小时）", issuer_label="出具单位", handler_label="经办人",
        number=_esc(data["number"]), issued_on=_esc(data["issued_on"]), name=_esc(data["name"]),
        id_number=_esc(data["id_number"] or "—"), volunteer=_esc(data["volunteer"]), total=_esc(data["total"]),
        rows=rows, issuer=_esc(data["issuer"]), handler=_esc(data["handler"]))
    with staged_file(target) as temp:
        temp.write_text(page, encoding="utf-8")
    return target


__all__ = ["write_certificate"]
