"""The measurements chart: a PNG line chart drawn on the server with matplotlib's Agg
backend. A `Figure` of its own per request (never pyplot's global state), so daphne's
threads draw side by side safely."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WIDTH_PX, HEIGHT_PX, DPI = 1000, 500, 100


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[datetime, float]]


def render_png(*, title: str, series: Sequence[Series], x_label: str, y_label: str, empty_text: str) -> bytes:
    """A WIDTH_PX × HEIGHT_PX PNG: one line per series (markers at each measurement),
    dates on the x axis as YYYY-MM-DD (language-neutral); `empty_text` in the middle
    when no series has a point."""
    # Imported here: matplotlib costs a few hundred milliseconds to load, and only this
    # endpoint needs it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, DateFormatter
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(title)
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    moments = [at for line in series for at, _value in line.points]
    for line in series:
        if line.points:
            xs, ys = zip(*line.points, strict=True)
            axes.plot(xs, ys, marker="o", markersize=3, linewidth=1.5, label=line.label)
    if moments:
        if min(moments) == max(moments):
            # One day only: give the axis a span, or the date locator has none to divide.
            axes.set_xlim(min(moments) - timedelta(days=1), max(moments) + timedelta(days=1))
        axes.xaxis.set_major_locator(AutoDateLocator(maxticks=8))
        axes.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
        axes.grid(True, alpha=0.3)
        axes.legend(loc="best")
        figure.autofmt_xdate()
    else:
        axes.set_xticks([])
        axes.set_yticks([])
        axes.text(0.5, 0.5, empty_text, ha="center", va="center", transform=axes.transAxes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
