"""The page around a report: one self-contained HTML file (inline CSS, no script, no link out), and its parts.

The dashboard and the roster board are both made of these: :func:`page` holds the sections,
:func:`section` gives each a stable ``id`` and heading, :func:`table` and :func:`no_data` fill
them. Every text from the database is escaped here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

#: The page's ``lang`` attribute (BCP 47) per interface language: it picks the CJK glyph forms.
_HTML_LANG = {"zh": "zh-CN", "en": "en"}

_STYLE = """
@page { size: A4; margin: 15mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "Microsoft YaHei", sans-serif;
       color: #222; margin: 24px auto; max-width: 1100px; padding: 0 16px; line-height: 1.5; }
header { border-bottom: 4px solid #c8102e; margin-bottom: 16px; }
h1 { color: #c8102e; font-size: 26px; margin: 0 0 4px; }
h2 { color: #8b0000; font-size: 20px; border-left: 6px solid #c8102e; padding-left: 8px; margin-top: 28px; }
h3 { font-size: 16px; margin: 16px 0 6px; }
.meta { color: #555; margin: 0 0 8px; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0; padding: 0; list-style: none; }
.figures li { border: 1px solid #e3c4c4; border-radius: 6px; padding: 8px 14px; min-width: 120px; background: #fff8f6; }
.figures b { display: block; font-size: 22px; color: #c8102e; }
table { border-collapse: collapse; margin: 8px 0; min-width: 50%; }
th, td { border: 1px solid #bbb; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f6e7e7; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.none { color: #777; font-style: italic; }
svg.chart { display: block; margin: 8px 0; font-size: 13px; }
svg.chart text { fill: #222; }
svg.chart .tick { fill: #666; font-size: 11px; }
.error { color: #b00020; } .warning { color: #a66300; } .info { color: #35618f; }
@media print { body { margin: 0; max-width: none; } section { break-inside: avoid-page; } }
"""


def page(title: str, subtitle: str, sections: Iterable[str], *, lang: str) -> str:
    """The whole HTML document: a header with ``title`` and ``subtitle``, then the sections."""
    html_lang = _HTML_LANG.get(lang, lang)
    body = "\n".join(sections)
    return (f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
            f'<header><h1>{escape(title)}</h1><p class="meta">{escape(subtitle)}</p></header>\n'
            f"{body}\n</body></html>\n")


def section(section_id: str, title: str, *parts: str) -> str:
    """One section with a stable ``id`` (what tests and links find) and its heading."""
    return f'<section id="{escape(section_id)}">\n<h2>{escape(title)}</h2>\n' + "\n".join(parts) + "\n</section>"


def heading(text: str) -> str:
    """A sub-heading inside a section."""
    return f"<h3>{escape(text)}</h3>"


def figures(items: Sequence[tuple[str, str]]) -> str:
    """Headline numbers: ``(label, value)`` boxes."""
    boxes = "".join(f"<li>{escape(label)}<b>{escape(value)}</b></li>" for label, value in items)
    return f'<ul class="figures">{boxes}</ul>'


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric: Sequence[int] = ()) -> str:
    """A table; the columns at ``numeric`` are right-aligned."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(f'<td class="n">{escape(_text(v))}</td>' if i in numeric else f"<td>{escape(_text(v))}</td>"
                        for i, v in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def no_data(text: str) -> str:
    """The line shown instead of a chart or a table when there is nothing to show."""
    return f'<p class="none">{escape(text)}</p>'


def paragraph(text: str, css: str | None = None) -> str:
    """A paragraph of escaped text."""
    return f'<p class="{escape(css)}">{escape(text)}</p>' if css else f"<p>{escape(text)}</p>"


def _text(value: Any) -> str:
    return "-" if value is None else str(value)


__all__ = ["figures", "heading", "no_data", "page", "paragraph", "section", "table"]
