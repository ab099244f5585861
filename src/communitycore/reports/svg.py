"""Charts as inline SVG, written by hand: horizontal bars and a line per series. No script, no fonts of their own.

Every text drawn is escaped; a chart of nothing is never drawn (the page says "no data" instead,
see :func:`communitycore.reports.html.no_data`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

#: Colours of the series, in order: Party red, gold, slate, green.
COLOURS = ("#c8102e", "#d4a017", "#4a5a6a", "#2e7d32")
_ROW = 26
_LABEL_WIDTH = 220
_BAR_WIDTH = 340
_WIDTH = 660


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, percent: bool = False) -> str:
    """Horizontal bars, one per ``(label, value)``, scaled to the largest (to 100% with ``percent``)."""
    top = 1.0 if percent else max((v for _label, v in bars), default=0) or 1.0
    height = _ROW * len(bars) + 10
    parts = [f'<svg class="chart bars" role="img" width="{_WIDTH}" height="{height}" '
             f'viewBox="0 0 {_WIDTH} {height}"><title>{escape(title)}</title>']
    for index, (label, value) in enumerate(bars):
        y = 5 + index * _ROW
        width = max(0.0, min(1.0, value / top)) * _BAR_WIDTH
        shown = f"{value:.0%}" if percent else _number(value)
        parts.append(
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{_LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{_ROW - 8}" '
            f'fill="{COLOURS[0]}"></rect>'
            f'<text x="{_LABEL_WIDTH + width + 6:.1f}" y="{y + 17}">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, title: str) -> str:
    """One line per ``(name, values)`` over ``labels`` (rates 0-1, drawn 0-100%); a missing value breaks the line."""
    width, height, left, right, top, bottom = _WIDTH, 260, 48, 48, 16, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(labels) - 1)

    def x(i: int) -> float:
        return left + (i * step if len(labels) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + (1 - max(0.0, min(1.0, v))) * plot_h

    parts = [f'<svg class="chart line" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{width - right}" y2="{y(tick):.1f}" '
                     f'stroke="#ddd"></line><text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'class="tick">{tick:.0%}</text>')
    # Labels that would overlap are thinned to every k-th (a CJK character is about 12 px wide).
    widest = max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in label) for label in labels), default=0) * 6.5
    every = max(1, math.ceil(widest / step)) if len(labels) > 1 else 1
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 18}" text-anchor="middle" '
                         f'class="tick">{escape(label)}</text>')
    for n, (name, values) in enumerate(series):
        colour = COLOURS[n % len(COLOURS)]
        run: list[str] = []
        runs = [run]
        for i, value in enumerate(values):
            if value is None:
                run = []
                runs.append(run)
                continue
            run.append(f"{x(i):.1f},{y(value):.1f}")
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="3" fill="{colour}"></circle>')
        for points in runs:
            if len(points) > 1:
                parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                             f'stroke-width="2"></polyline>')
        legend_x = left + n * 170
        parts.append(f'<rect x="{legend_x}" y="{height - 22}" width="12" height="12" fill="{colour}"></rect>'
                     f'<text x="{legend_x + 18}" y="{height - 12}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["COLOURS", "bar_chart", "line_chart"]
