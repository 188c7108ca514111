"""Small SVG charts for the HTML report: stacked bars, share lines and horizontal bars.

Hand-written rather than drawn by a plotting library: a chart is a few kilobytes of plain SVG
that scales with the page, renders in about a millisecond, and names its own title for screen
readers (see docs/insights.md for the measurements behind the choice). Every function is pure:
data in, an SVG string out. Colours come from `color`, so the page's legend can use the same.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Final

# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print.
PALETTE: Final = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#f0e442",
    "#000000",
    "#999999",
)
WIDTH: Final = 720
HEIGHT: Final = 240
_LEFT: Final = 58
_RIGHT: Final = 12
_TOP: Final = 12
_BOTTOM: Final = 34
_MAX_X_LABELS: Final = 10
_ROW: Final = 22  # height of one horizontal bar row
_LABEL_WIDTH: Final = 230  # room for the row labels of horizontal bars


@dataclass(frozen=True, slots=True)
class Series:
    """One named row of values, one per x position (a stack layer or a line)."""

    name: str
    values: tuple[float, ...]


def color(index: int) -> str:
    """The colour of the series at `index` (the palette repeats after nine)."""
    return PALETTE[index % len(PALETTE)]


def nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least `value` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _num(value: float) -> str:
    # Coordinates with one decimal keep the files small and the shapes exact enough.
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _label(value: float, percent: bool) -> str:
    if percent:
        return f"{100 * value:.0f}%"
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def _open(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img"'
        f' aria-labelledby="{chart_id}-t {chart_id}-d" class="chart" id="{chart_id}">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]


def intervals(top: float) -> int:
    """Grid intervals for an axis to `top` (a `nice_max`), so each step is a round number."""
    leading = round(top / 10 ** math.floor(math.log10(top)))
    return 4 if leading == 2 else 5


def _axes(top: float, percent: bool, x_labels: Sequence[str], step: float) -> list[str]:
    plot_h = HEIGHT - _TOP - _BOTTOM
    out = ['<g class="axis">']
    n = intervals(top)
    for i in range(n + 1):
        value = top * i / n
        y = HEIGHT - _BOTTOM - plot_h * i / n
        out.append(
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{_num(y)}" y2="{_num(y)}"'
            f' class="grid"/>'
            f'<text x="{_LEFT - 6}" y="{_num(y + 4)}" text-anchor="end">'
            f"{_label(value, percent)}</text>"
        )
    every = max(1, math.ceil(len(x_labels) / _MAX_X_LABELS))
    for i, label in enumerate(x_labels):
        if i % every:
            continue
        x = _LEFT + step * (i + 0.5)
        out.append(
            f'<text x="{_num(x)}" y="{HEIGHT - _BOTTOM + 20}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    out.append("</g>")
    return out


def stacked_bars(
    chart_id: str, title: str, x_labels: Sequence[str], series: Sequence[Series]
) -> str:
    """Bars per x position, one stacked layer per series (counts)."""
    totals = [sum(s.values[i] for s in series) for i in range(len(x_labels))]
    # At least 5, so small counts get whole-number grid lines.
    top = max(5.0, nice_max(max(totals, default=0.0)))
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    step = plot_w / max(1, len(x_labels))
    bar = max(1.0, step * 0.8)
    peak = max(totals, default=0.0)
    desc = f"{len(x_labels)} periods, {len(series)} series, highest total {peak:g}."
    out = _open(chart_id, title, desc, HEIGHT)
    out += _axes(top, False, x_labels, step)
    base = [0.0] * len(x_labels)
    for index, s in enumerate(series):
        rects = []
        for i, value in enumerate(s.values):
            if value <= 0:
                continue
            h = plot_h * value / top
            y = HEIGHT - _BOTTOM - plot_h * base[i] / top - h
            x = _LEFT + step * i + (step - bar) / 2
            rects.append(
                f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(bar)}" height="{_num(h)}"/>'
            )
            base[i] += value
        out.append(f'<g fill="{color(index)}">{"".join(rects)}</g>')
    out += _hover(x_labels, series, step, percent=False)
    out.append("</svg>")
    return "".join(out)


def _hover(
    x_labels: Sequence[str], series: Sequence[Series], step: float, *, percent: bool
) -> list[str]:
    # One invisible hover target per period naming all its values: a tooltip per column
    # costs a tenth of the bytes of one per segment or point, and reads better.
    plot_h = HEIGHT - _TOP - _BOTTOM
    hits = []
    for i, label in enumerate(x_labels):
        values = [(s.name, s.values[i]) for s in series if s.values[i] > 0]
        parts = ", ".join(
            f"{name} {_label(v, True) if percent else f'{v:g}'}" for name, v in values
        )
        hits.append(
            f'<rect x="{_num(_LEFT + step * i)}" y="{_TOP}" width="{_num(step)}"'
            f' height="{plot_h}"><title>{escape(label)}: {escape(parts or "none")}</title></rect>'
        )
    return [f'<g fill-opacity="0">{"".join(hits)}</g>']


def lines(chart_id: str, title: str, x_labels: Sequence[str], series: Sequence[Series]) -> str:
    """One line per series of shares (0..1), with a dot where there is a value."""
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    step = plot_w / max(1, len(x_labels))
    desc = f"Shares over {len(x_labels)} periods for {', '.join(s.name for s in series)}."
    out = _open(chart_id, title, desc, HEIGHT)
    out += _axes(1.0, True, x_labels, step)
    for index, s in enumerate(series):
        points = [
            (_LEFT + step * (i + 0.5), HEIGHT - _BOTTOM - plot_h * v)
            for i, v in enumerate(s.values)
            if not math.isnan(v)
        ]
        if not points:
            continue
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
        out.append(
            f'<g stroke="{color(index)}" fill="{color(index)}">'
            f'<polyline points="{path}" fill="none" stroke-width="2"/>'
            + "".join(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="2.5"/>' for x, y in points)
            + "</g>"
        )
    out += _hover(x_labels, series, step, percent=True)
    out.append("</svg>")
    return "".join(out)


def hbars(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    notes: Sequence[str],
) -> str:
    """One horizontal bar per label for a share (0..1), with a note (e.g. "80% of 10") beside."""
    height = _TOP + _ROW * max(1, len(labels)) + 8
    bar_w = WIDTH - _LABEL_WIDTH - 110
    desc = f"{len(labels)} rows; each bar is a share from 0 to 100%."
    out = _open(chart_id, title, desc, height)
    out.append('<g class="axis">')
    for i, (label, value, note) in enumerate(zip(labels, values, notes, strict=True)):
        y = _TOP + _ROW * i
        shown = label if len(label) <= 34 else label[:33] + "…"
        out.append(
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{escape(shown)}</text>'
            f'<rect x="{_LABEL_WIDTH}" y="{y + 3}" width="{bar_w}" height="{_ROW - 8}"'
            f' class="track"/>'
            f'<rect x="{_LABEL_WIDTH}" y="{y + 3}" width="{_num(bar_w * value)}"'
            f' height="{_ROW - 8}" fill="{color(2)}"><title>{escape(label)}: {escape(note)}'
            f"</title></rect>"
            f'<text x="{_LABEL_WIDTH + bar_w + 8}" y="{y + 15}">{escape(note)}</text>'
        )
    out.append("</g></svg>")
    return "".join(out)
