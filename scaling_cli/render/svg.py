"""Small SVG charts drawn as text, without matplotlib: the pictures of ``scaling report``.

The same three panels ``scaling plot`` draws, from the same data (``plotting.lifecycle_bars``,
``frontier_points``, ``cumulative_points``), plus horizontal bars for the plan's own ``BarChart``
views. Every string that reaches the SVG is escaped; text stays text (searchable, selectable, and
printed sharp). Charts scale to their container (``viewBox``, ``width="100%"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from scaling_cli.plotting import (
    BAR_LOG_SPREAD,
    CURVE_LOG_SPREAD,
    LABEL_CHARS,
    LEGEND_HEADROOM,
    PHASE_COLORS,
    Bar,
    Cumulative,
    Frontier,
    bar_text,
    flop_text,
    share_percent,
    wants_log,
)
from scaling_cli.quantity import format_quantity
from scaling_cli.render.model import BarChart
from scaling_cli.render.numbers import format_number

INK, MUTED, GRID, AXIS, ACCENT = "#1f2933", "#616e7c", "#e4e7eb", "#9aa5b1", "#c81e1e"
#: Widths of the charts' coordinate systems (the page scales them to their column): bars span the
#: page, the two curve panels stand side by side.
BARS_WIDTH, CURVE_WIDTH = 900, 520
#: Where bars start and end (the label column left of them, their figures right of them).
BARS_START, BARS_END = 230, 660
#: Most ticks on an axis (log axes skip decades beyond it).
MAX_TICKS = 7


@dataclass(frozen=True)
class Scale:
    """Data values ``low``..``high`` to drawing coordinates ``start``..``end``, linear or log."""

    low: float
    high: float
    start: float
    end: float
    log: bool = False

    def __call__(self, value: float) -> float:
        low, high, value = (math.log10(v) for v in (self.low, self.high, max(value, self.low))) if self.log else (self.low, self.high, value)
        share = 0.0 if high == low else (value - low) / (high - low)
        return self.start + share * (self.end - self.start)

    def ticks(self) -> list[float]:
        if self.log:
            first, last = math.ceil(math.log10(self.low) - 1e-9), math.floor(math.log10(self.high) + 1e-9)
            step = max(1, math.ceil((last - first + 1) / MAX_TICKS))
            return [10.0**e for e in range(first, last + 1, step)]
        step = nice_step(self.high - self.low)
        first = math.ceil(self.low / step - 1e-9)
        return [round(i * step, 12) for i in range(first, math.floor(self.high / step + 1e-9) + 1)]


def nice_step(span: float, count: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about ``count`` ticks over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))


class Svg:
    """An SVG document built element by element; ``render`` gives the text."""

    def __init__(self, width: float, height: float, label: str) -> None:
        self.width = width
        self.height = height
        self.label = label
        self.parts: list[str] = []

    def text(self, x: float, y: float, content: str, *, size: float = 12, anchor: str = "start", bold: bool = False, color: str = INK) -> None:
        weight = ' font-weight="600"' if bold else ""
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" fill="{color}"{weight}>{escape(content)}</text>')

    def line(self, x1: float, y1: float, x2: float, y2: float, *, color: str = AXIS, width: float = 1, dash: str = "") -> None:
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" stroke-width="{width:g}"{dashes}/>')

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str, opacity: float = 1.0) -> None:
        self.parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.0):.1f}" height="{h:.1f}" fill="{fill}" fill-opacity="{opacity:g}" rx="2"/>')

    def polyline(self, points: list[tuple[float, float]], *, color: str, width: float = 2) -> None:
        drawn = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        self.parts.append(f'<polyline points="{drawn}" fill="none" stroke="{color}" stroke-width="{width:g}" stroke-linejoin="round"/>')

    def marker(self, x: float, y: float, shape: str, color: str) -> None:
        """A ``star``, a ``ring`` or a ``dot`` centred at (x, y)."""
        if shape == "star":
            corners = [(x + r * math.sin(i * math.pi / 5), y - r * math.cos(i * math.pi / 5)) for i, r in zip(range(10), [9, 3.8] * 5)]
            self.parts.append(f'<polygon points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in corners)}" fill="{color}"/>')
        else:
            fill = "none" if shape == "ring" else color
            self.parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{fill}" stroke="{color}" stroke-width="1.6"/>')

    def render(self) -> str:
        head = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width:.0f} {self.height:.0f}" width="100%" role="img" aria-label="{escape(self.label)}">'
        return "".join([head, f"<title>{escape(self.label)}</title>", *self.parts, "</svg>"])


def short(text: str, limit: int = LABEL_CHARS) -> str:
    """A user-given name cut to ``limit`` characters (with an ellipsis), so the chart keeps its layout."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Row:
    """One horizontal bar: its label, value, the figure written after it, and how it is drawn."""

    label: str
    value: float | None
    text: str
    color: str
    strong: bool = True


def bars(title: str, rows: list[Row], axis: str, style: str = "sci") -> str:
    """Horizontal bars, labelled on the left and with their figure after the bar; a log axis when
    the values spread over more than ``BAR_LOG_SPREAD`` times (as in ``scaling plot``)."""
    values = [r.value for r in rows if r.value]
    pitch, top = 26, 40
    svg = Svg(BARS_WIDTH, top + pitch * len(rows) + 48, title)
    svg.text(0, 18, title, size=15, bold=True)
    if not values:
        svg.text(BARS_WIDTH / 2, top + 12, "nothing to draw", anchor="middle", color=MUTED)
        return svg.render()
    log = wants_log(values, BAR_LOG_SPREAD)
    low = 10.0 ** math.floor(math.log10(min(values)) - 0.5) if log else 0.0
    scale = Scale(low, max(values), BARS_START, BARS_END, log)
    bottom = top + pitch * len(rows)
    _x_axis(svg, scale, bottom, top, axis + (" (log scale)" if log else ""), lambda v: format_number(v, style))
    for index, row in enumerate(rows):
        y = top + index * pitch
        indent = 0 if row.strong else 14
        svg.text(indent, y + 17, short(row.label, LABEL_CHARS + 4), size=12.5 if row.strong else 12, bold=row.strong, color=INK if row.strong else MUTED)
        end = scale.start if row.value is None else scale(row.value)
        height = 18 if row.strong else 14
        if row.value:
            svg.rect(scale.start, y + (pitch - height) / 2, end - scale.start, height, fill=row.color, opacity=1.0 if row.strong else 0.55)
        svg.text(end + 6, y + 17, row.text, size=11.5, color=INK if row.strong else MUTED)
    return svg.render()


def _x_axis(svg: Svg, scale: Scale, bottom: float, top: float, label: str, tick_text: object) -> None:
    """Ticks and grid lines under a chart, and the axis's name."""
    for tick in scale.ticks():
        x = scale(tick)
        svg.line(x, top, x, bottom, color=GRID)
        svg.text(x, bottom + 15, tick_text(tick), size=10.5, anchor="middle", color=MUTED)  # type: ignore[operator]
    svg.line(scale.start, bottom, scale.end, bottom)
    svg.text((scale.start + scale.end) / 2, bottom + 34, label, size=11, anchor="middle", color=MUTED)


def _y_axis(svg: Svg, scale: Scale, left: float, right: float, label: str, tick_text: object) -> None:
    for tick in scale.ticks():
        y = scale(tick)
        svg.line(left, y, right, y, color=GRID)
        svg.text(left - 6, y + 4, tick_text(tick), size=10.5, anchor="end", color=MUTED)  # type: ignore[operator]
    svg.line(left, scale.start, left, scale.end)
    middle = (scale.start + scale.end) / 2
    svg.parts.append(f'<text transform="translate(14 {middle:.1f}) rotate(-90)" font-size="11" text-anchor="middle" fill="{MUTED}">{escape(label)}</text>')


def lifecycle_chart(lifecycle: list[Bar]) -> str:
    """The first panel of ``scaling plot``: FLOP per phase with its share, and each phase's largest items."""
    rows = [Row(b.label, b.flops, bar_text(b), PHASE_COLORS[b.phase], b.is_phase) for b in lifecycle]
    return bars("Lifecycle compute by phase", rows, "FLOP")


def bar_chart(chart: BarChart) -> str:
    """A plan's ``BarChart`` view: every item with its figure and its share of the chart's sum."""
    total = sum(value for _, value in chart.items if value) or 1.0
    unit = f" {chart.unit}" if chart.unit else ""
    rows = [Row(name, value, f"{format_number(value, chart.style)}{unit} · {share_percent(value / total)}", PHASE_COLORS["pretraining"]) for name, value in chart.items]
    return bars(chart.title, rows, chart.unit, chart.style)


#: The plot area of the two curve panels, and the legend's line pitch beneath it.
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM, LEGEND_PITCH = 62, CURVE_WIDTH - 12, 40, 300, 18


def _legend(svg: Svg, entries: list[tuple[str, str, str]]) -> None:
    """Lines of (marker shape or line dash, colour, text) under the plot area."""
    for index, (shape, color, text) in enumerate(entries):
        y = PLOT_BOTTOM + 58 + index * LEGEND_PITCH
        if shape in ("star", "ring", "dot"):
            svg.marker(PLOT_LEFT + 12, y - 4, shape, color)
        else:
            svg.line(PLOT_LEFT, y - 4, PLOT_LEFT + 24, y - 4, color=color, width=2, dash=shape)
        svg.text(PLOT_LEFT + 34, y, text, size=11)


def _empty(title: str, note: str) -> str:
    svg = Svg(CURVE_WIDTH, 120, title)
    svg.text(0, 18, title, size=14, bold=True)
    svg.text(CURVE_WIDTH / 2, 70, note, anchor="middle", color=MUTED)
    return svg.render()


def frontier_chart(frontier: Frontier | None) -> str:
    """The second panel: the fit's compute-optimal loss L*(C), the scenario and the optimum at its compute."""
    title = "Loss vs training compute"
    if frontier is None:
        return _empty(title, "no pretraining in this scenario")
    svg = Svg(CURVE_WIDTH, PLOT_BOTTOM + 58 + 3 * LEGEND_PITCH, title)
    svg.text(0, 18, title, size=14, bold=True)
    x = Scale(min(frontier.compute), max(frontier.compute), PLOT_LEFT, PLOT_RIGHT, log=True)
    low, high = min(frontier.loss), max(frontier.loss)
    pad = 0.05 * (high - low or 1.0)
    y = Scale(low - pad, high + pad, PLOT_BOTTOM, PLOT_TOP)
    _x_axis(svg, x, PLOT_BOTTOM, PLOT_TOP, "training compute C = 6·N·D (FLOP, log scale)", flop_text)
    _y_axis(svg, y, PLOT_LEFT, PLOT_RIGHT, "predicted loss (nats/token)", lambda v: f"{v:g}")
    svg.polyline([(x(c), y(v)) for c, v in zip(frontier.compute, frontier.loss)], color="#3e4c59")
    svg.marker(x(frontier.scenario_compute), y(frontier.optimal_loss), "ring", "#3e4c59")
    svg.marker(x(frontier.scenario_compute), y(frontier.scenario_loss), "star", ACCENT)
    svg.text(PLOT_RIGHT - 6, PLOT_TOP + 16, "loss in Chinchilla's units: compare plans, not datasets", size=10, anchor="end", color=MUTED)
    optimum = f"{format_quantity(frontier.optimal_params)} × {format_quantity(frontier.optimal_tokens)} tokens"
    _legend(svg, [
        ("", "#3e4c59", frontier.curve_label),
        ("star", ACCENT, f"scenario: {short(frontier.scenario_label, 60)}, L = {frontier.scenario_loss:.3f}"),
        ("ring", "#3e4c59", f"optimum at {flop_text(frontier.scenario_compute)} FLOP: {optimum}, L = {frontier.optimal_loss:.3f}"),
    ])  # fmt: skip
    return svg.render()


def cumulative_chart(data: Cumulative | None) -> str:
    """The third panel: cumulative test-time FLOP by day against the pretraining (and post-training)
    FLOP, with the crossover day."""
    title = "Cumulative compute over time"
    if data is None:
        return _empty(title, "no test-time workloads in this scenario")
    heights = [data.flops[-1], *(level for _, level in data.levels)]
    log = wants_log(heights, CURVE_LOG_SPREAD)
    if log:
        bottom = min(h for h in heights if h > 0) / 30
        y = Scale(bottom, max(heights) * (max(heights) / bottom) ** (LEGEND_HEADROOM / 2), PLOT_BOTTOM, PLOT_TOP, log=True)
    else:
        y = Scale(0.0, max(heights) * (1 + LEGEND_HEADROOM / 2) or 1.0, PLOT_BOTTOM, PLOT_TOP)
    x = Scale(0.0, data.horizon, PLOT_LEFT, PLOT_RIGHT)
    entries = [("", PHASE_COLORS["test_time"], "Test-time (cumulative)")]
    svg = Svg(CURVE_WIDTH, PLOT_BOTTOM + 58 + (len(data.levels) + 2) * LEGEND_PITCH, title)
    svg.text(0, 18, title, size=14, bold=True)
    _x_axis(svg, x, PLOT_BOTTOM, PLOT_TOP, "days of serving", lambda v: format_number(v, "frac"))
    _y_axis(svg, y, PLOT_LEFT, PLOT_RIGHT, "FLOP" + (" (log scale)" if log else ""), flop_text)
    for (label, level), (dash, color) in zip(data.levels, [("7 4", PHASE_COLORS["pretraining"]), ("2 3", PHASE_COLORS["post_training"])]):
        svg.line(PLOT_LEFT, y(level), PLOT_RIGHT, y(level), color=color, width=1.6, dash=dash)
        entries.append((dash, color, f"{label}: {flop_text(level)} FLOP"))
    shown = [(d, f) for d, f in zip(data.days, data.flops) if not log or f >= y.low]  # a log axis does not reach 0
    svg.polyline([(x(d), y(f)) for d, f in shown], color=PHASE_COLORS["test_time"], width=2.4)
    if data.crossover_day is not None:
        svg.line(x(data.crossover_day), PLOT_TOP, x(data.crossover_day), PLOT_BOTTOM, color=ACCENT)
        svg.marker(x(data.crossover_day), y(data.levels[0][1]), "dot", ACCENT)
        entries.append(("dot", ACCENT, f"crossover: day {data.crossover_day:,.1f}"))
    elif data.levels and data.levels[0][0] == "Pretraining":
        ratio = "" if data.test_time_to_pretraining is None else f" (test-time reaches {data.test_time_to_pretraining:.3g}× pretraining)"
        entries.append(("ring", MUTED, f"no crossover within {data.horizon:,.0f} days{ratio}"))
    _legend(svg, entries)
    return svg.render()
