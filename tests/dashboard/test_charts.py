"""The charts are SVG drawn from numbers alone: the bars' heights follow the values on a
round axis, the heatmap's shades the share of the busiest hour, and text is escaped."""

from decimal import Decimal

from dashboard.charts import HEAT_LEVELS, Bar, _nice_ceiling, bar_chart, heat_level, heatmap


def test_the_axis_tops_are_round():
    assert [_nice_ceiling(v) for v in (0, 0.4, 1, 3, 7, 12, 250, 251, 999, 1001)] == [
        1, 0.5, 1, 5, 10, 20, 250, 500, 1000, 2000,
    ]


def test_bars_scale_to_the_axis_and_carry_their_titles():
    svg = str(bar_chart([Bar("1", Decimal("50.00"), "Mar 1: 50"), Bar("", 100, "Mar 2: 100"), Bar("3", 0, "none")],
                        label="Revenue"))
    assert svg.startswith('<svg class="chart chart-bars" role="img" aria-label="Revenue"') and svg.endswith("</svg>")
    heights = [float(h) for h in __import__("re").findall(r'class="bar"[^>]* height="([\d.]+)"', svg)]
    assert heights[1] == 152.0 and heights[0] == 76.0 and heights[2] == 0.0  # the plot is 152 px high
    assert "<title>Mar 2: 100</title>" in svg and ">100</text>" in svg  # the axis top


def test_text_is_escaped():
    svg = str(bar_chart([Bar("<b>", 1, '"><script>')], label="<x>"))
    assert "<script>" not in svg and "<b>" not in svg and 'aria-label="&lt;x&gt;"' in svg


def test_heat_levels_and_cells():
    assert [heat_level(v, 10) for v in (0, 1, 2, 3, 5, 10)] == [0, 1, 1, 2, 3, HEAT_LEVELS]
    assert heat_level(3, 0) == 0
    rows = [[0] * 24 for _ in range(7)]
    rows[4][21] = 4
    svg = str(heatmap(rows, row_labels=list("MTWTFSS"), label="Heat", cell_title=lambda r, h, v: f"{r}-{h}-{v}"))
    assert svg.count('class="heat heat-0"') == 7 * 24 - 1
    assert 'class="heat heat-5"' in svg and "<title>4-21-4</title>" in svg and ">21</text>" in svg
