"""Charts drawn on the server as inline SVG: no script, no CDN, so the dashboard works
offline and prints. Pure functions of their numbers (tested without the database).

Each chart is an `<svg role="img">` with an `aria-label` and a `<title>` per bar or cell
(the browser shows it on hover), coloured by CSS classes the admin's stylesheet sets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 1000
HEIGHT = 190
PAD_LEFT = 48
PAD_RIGHT = 8
PAD_TOP = 12
PAD_BOTTOM = 26


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar (may be "" to skip a label)
    value: Decimal | int
    title: str  # the hover text: "Nov 3: $1,200.00"


def _nice_ceiling(value: float) -> float:
    """The axis top: 1, 2, 2.5 or 5 times a power of ten, at least `value` (and 1)."""
    if value <= 0:
        return 1
    power = 1.0
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _svg(parts: list[SafeString]) -> SafeString:
    """The opening tag and the elements (each escaped by format_html), closed."""
    return format_html("{}</svg>", format_html_join("", "{}", ((part,) for part in parts)))


def _f(value: float) -> str:
    """A coordinate: one decimal is a tenth of a pixel."""
    return f"{value:.1f}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:,.1f}"


def _steps(top: float) -> int:
    """Grid lines that fall on round values: 0-2000 by 500, 0-1000 by 200, 0-3 by 1."""
    if top < 5 and top == int(top):
        return int(top)
    leading = top / 10 ** math.floor(math.log10(top))
    return 4 if leading in (2, 4) else 5


def bar_chart(bars: Sequence[Bar], *, label: str, css: str = "chart-bars") -> SafeString:
    """A vertical bar per item, a y axis from 0 to a round top with a grid line at each
    round step."""
    top = _nice_ceiling(float(max((bar.value for bar in bars), default=0)))
    steps = _steps(top)
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = plot_w / max(len(bars), 1)
    parts = [
        format_html(
            '<svg class="chart {}" role="img" aria-label="{}" viewBox="0 0 {} {}" '
            'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
            css, label, WIDTH, HEIGHT,
        )
    ]
    for step in range(steps + 1):
        value = top * step / steps
        y = PAD_TOP + plot_h - plot_h * step / steps
        parts.append(format_html(
            '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
            '<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>',
            PAD_LEFT, WIDTH - PAD_RIGHT, _f(y), _f(y), PAD_LEFT - 6, _f(y + 4), _number(value),
        ))
    for index, bar in enumerate(bars):
        height = plot_h * float(bar.value) / top
        x = PAD_LEFT + index * slot
        parts.append(format_html(
            '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
            _f(x + slot * 0.15), _f(PAD_TOP + plot_h - height), _f(slot * 0.7), _f(height), bar.title,
        ))
        if bar.label:
            parts.append(format_html(
                '<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                _f(x + slot / 2), HEIGHT - 8, bar.label,
            ))
    return _svg(parts)


HEAT_CELL = 24
HEAT_LEFT = 44
HEAT_TOP = 4
HEAT_LEVELS = 5  # colour steps; 0 is "no visits"


def heat_level(value: int, top: int) -> int:
    """0 for no visits, else 1..HEAT_LEVELS by the share of the busiest hour."""
    if value <= 0 or top <= 0:
        return 0
    return max(1, min(HEAT_LEVELS, -(-value * HEAT_LEVELS // top)))


def heatmap(
    rows: Sequence[Sequence[int]], *, row_labels: Sequence[str], label: str, cell_title
) -> SafeString:
    """Weekday × hour: a row per weekday, a column per hour (0–23), darker when busier.
    `cell_title(row, hour, value)` gives each cell's hover text."""
    top = max((value for row in rows for value in row), default=0)
    width = HEAT_LEFT + 24 * HEAT_CELL + 4
    height = HEAT_TOP + len(rows) * HEAT_CELL + 20
    parts = [
        format_html(
            '<svg class="chart chart-heatmap" role="img" aria-label="{}" viewBox="0 0 {} {}" '
            'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
            label, width, height,
        )
    ]
    for r, row in enumerate(rows):
        y = HEAT_TOP + r * HEAT_CELL
        parts.append(format_html(
            '<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>',
            HEAT_LEFT - 6, _f(y + HEAT_CELL * 0.65), row_labels[r],
        ))
        for hour, value in enumerate(row):
            parts.append(format_html(
                '<rect class="heat heat-{}" x="{}" y="{}" width="{}" height="{}" data-value="{}"><title>{}</title></rect>',
                heat_level(value, top), HEAT_LEFT + hour * HEAT_CELL + 1, y + 1, HEAT_CELL - 2, HEAT_CELL - 2,
                value, cell_title(r, hour, value),
            ))
    for hour in range(0, 24, 3):
        parts.append(format_html(
            '<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>',
            _f(HEAT_LEFT + hour * HEAT_CELL + HEAT_CELL / 2), height - 5, f"{hour:02d}",
        ))
    return _svg(parts)



