"""``scaling plot``: one picture of a plan (matplotlib, an optional extra: ``pip install -e '.[plot]'``).

Three panels, side by side:

1. **Lifecycle compute**: FLOP per phase (Pretraining, Post-training, Test-time) with each phase's
   share of the lifecycle total, and beneath a phase its largest derivative groups or workloads.
2. **Loss vs compute**: the compute-optimal frontier L*(C) of the plan's scaling-law fit around the
   scenario's 6·N·D, with the scenario's (C, predicted loss) marked.
3. **Cumulative compute over time**: test-time FLOP summed day by day against the pretraining (and
   pretraining + post-training) FLOP, with the plan's crossover day.

The data behind each panel comes from a pure function (``lifecycle_bars``, ``frontier_points``,
``cumulative_points``) that reads the plan's own numbers, so tests can check what is drawn against
the JSON contract; the only figures computed here are the frontier curve (from the named fit) and
the piecewise-linear cumulative line (from the engine's ledger formula, which also gives
``total.crossover_day``). matplotlib is imported only inside ``draw_plan``, without pyplot.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

from scaling_cli.catalog.fits import find_fit
from scaling_cli.engine.ledger import cumulative_serving_flops
from scaling_cli.errors import ScalingError
from scaling_cli.quantity import format_quantity
from scaling_cli.render.numbers import format_number

MISSING_MATPLOTLIB = "scaling plot needs matplotlib: pip install -e '.[plot]' (or pip install matplotlib)"

#: (plan section, name drawn in the picture); the names match the table output's section titles.
PHASES = (("pretraining", "Pretraining"), ("post_training", "Post-training"), ("test_time", "Test-time"))
#: Where a phase keeps its items, and what one item is called.
PHASE_ITEMS = {"post_training": ("derivatives", "groups"), "test_time": ("workloads", "workloads")}
PHASE_COLORS = {"pretraining": "#1f77b4", "post_training": "#2ca02c", "test_time": "#ff7f0e"}
#: Items listed under a phase; the rest are summed into one "+N more" row.
TOP_ITEMS = 5
#: The frontier spans the scenario's compute divided and multiplied by this.
FRONTIER_SPAN = 1e3
FRONTIER_POINTS = 121
#: Evenly spaced days on the cumulative curve, besides its exact corners.
CUMULATIVE_POINTS = 400
#: A value axis goes logarithmic when its largest and smallest positive values differ more than this
#: (bars are labelled with their values, so they stay linear longer than curves compared with lines).
BAR_LOG_SPREAD = 30.0
CURVE_LOG_SPREAD = 10.0
#: Room right of the longest bar for its label, as a fraction of the bars' range (decades on a log axis).
BAR_LABEL_ROOM = 0.7
#: Head room above a curve panel's data, as a fraction of its range (in decades on a log axis), so
#: the legend in the top-left corner covers nothing.
LEGEND_HEADROOM = 0.5
#: Longest item label and title drawn; longer names are cut with an ellipsis so the panels keep their width.
LABEL_CHARS = 24
TITLE_CHARS = 90
FIGURE_INCHES = (13.5, 5.0)
DPI = 120


@dataclass(frozen=True)
class Bar:
    """One row of the lifecycle panel: a phase, or an item (derivative group, workload) of one."""

    label: str
    phase: str
    flops: float | None  #: ``None``: the phase is not in the scenario
    share: float | None  #: of the lifecycle total FLOP
    is_phase: bool


@dataclass(frozen=True)
class Frontier:
    """The loss-vs-compute panel: the fit's compute-optimal curve and the scenario on it."""

    fit: str
    curve_label: str  #: what the curve is: the loss-minimizing frontier, or a ratio rule's sizing
    compute: list[float]  #: 6·N·D FLOP
    loss: list[float]  #: L(N_opt(C), D_opt(C))
    scenario_compute: float  #: ``pretraining.flops_6nd``
    scenario_loss: float  #: ``pretraining.loss``
    scenario_label: str
    optimal_params: float  #: the fit's N_opt at the scenario's compute
    optimal_tokens: float
    optimal_loss: float


@dataclass(frozen=True)
class Cumulative:
    """The cumulative-compute panel: test-time FLOP by day and the levels it is compared with."""

    days: list[float]
    flops: list[float]  #: Σ_w daily_w · min(day, days_w)
    levels: list[tuple[str, float]]  #: (label, FLOP) horizontal lines
    crossover_day: float | None  #: ``total.crossover_day``
    horizon: float  #: the longest workload's days
    test_time_to_pretraining: float | None  #: ``total.test_time_to_pretraining``


def lifecycle_bars(plan: Any) -> list[Bar]:
    """Rows of the lifecycle panel, in phase order: every phase (``flops`` ``None`` when the scenario
    has none), and under a phase of two or more items its ``TOP_ITEMS`` largest plus one row summing
    the rest. Shares are of ``total.flops`` (the phase's is ``total.shares``)."""
    total = plan.sections.get("total") or {}
    shares = total.get("shares") or {}
    total_flops = total.get("flops")
    bars: list[Bar] = []
    for section, title in PHASES:
        data = plan.sections.get(section)
        if data is None:
            bars.append(Bar(title, section, None, None, True))
            continue
        bars.append(Bar(title, section, data["flops"], shares.get(section), True))
        list_key, noun = PHASE_ITEMS.get(section, ("", ""))
        items = data.get(list_key) or []
        if len(items) > 1:
            bars.extend(_item_bars(section, items, noun, total_flops))
    return bars


def _item_bars(section: str, items: list[dict[str, Any]], noun: str, total_flops: float | None) -> list[Bar]:
    """The largest ``TOP_ITEMS`` items of a phase, largest first, and a row summing the others."""

    def share(flops: float) -> float | None:
        return flops / total_flops if total_flops else None

    ranked = sorted(items, key=lambda item: item["flops"], reverse=True)
    shown = ranked[:TOP_ITEMS] if len(ranked) > TOP_ITEMS + 1 else ranked
    bars = [Bar(item["name"], section, item["flops"], share(item["flops"]), False) for item in shown]
    rest = ranked[len(shown) :]
    if rest:
        flops = sum(item["flops"] for item in rest)
        bars.append(Bar(f"+{len(rest)} more {noun}", section, flops, share(flops), False))
    return bars


def frontier_points(plan: Any) -> Frontier | None:
    """The compute-optimal frontier of ``pretraining.fit`` from the scenario's 6·N·D ÷ ``FRONTIER_SPAN``
    to × ``FRONTIER_SPAN`` (log-spaced), and the scenario's point; ``None`` without pretraining."""
    import numpy as np


    pre = plan.sections.get("pretraining")
    if pre is None:
        return None
    fit = find_fit(pre["fit"])
    centre = pre["flops_6nd"]
    compute = np.geomspace(centre / FRONTIER_SPAN, centre * FRONTIER_SPAN, FRONTIER_POINTS)
    params, tokens = fit.optimal_allocation(compute)
    best_params, best_tokens = fit.optimal_allocation(centre)
    active = pre["active_params"]
    size = format_quantity(pre["params"]) + (f" ({format_quantity(active)} active)" if active != pre["params"] else "")
    label = f"{size} × {format_quantity(pre['tokens'])} tokens ({pre['tokens_per_param']:.0f}/param)"
    ratio = getattr(fit, "tokens_per_param", None)
    curve = f"frontier L*(C), {fit.name}" if ratio is None else f"{fit.name} sizing (D = {ratio:g}·N), loss from {fit.loss_fit.name}"
    return Frontier(
        fit=fit.name,
        curve_label=curve,
        compute=[float(c) for c in compute],
        loss=[float(v) for v in fit.loss(params, tokens)],
        scenario_compute=float(centre),
        scenario_loss=float(pre["loss"]),
        scenario_label=label,
        optimal_params=float(best_params),
        optimal_tokens=float(best_tokens),
        optimal_loss=float(fit.loss(best_params, best_tokens)),
    )


def cumulative_points(plan: Any) -> Cumulative | None:
    """Cumulative test-time FLOP over the workloads' days (``None`` without workloads): the exact
    piecewise-linear curve Σ_w ``flops_per_query`` × ``queries_per_day`` × min(t, ``days``), sampled
    at its corners (each workload's end, the crossover day) and ``CUMULATIVE_POINTS`` even days, with
    the pretraining and pretraining + post-training FLOP as levels."""
    import numpy as np


    workloads = (plan.sections.get("test_time") or {}).get("workloads") or []
    if not workloads:
        return None
    total = plan.sections.get("total") or {}
    daily = [w["flops_per_query"] * w["queries_per_day"] for w in workloads]
    durations = [w["days"] for w in workloads]
    horizon = float(max(durations))
    crossover = total.get("crossover_day")
    corners = [0.0, horizon, *durations, *([crossover] if crossover is not None else [])]
    days = np.unique(np.concatenate([np.linspace(0.0, horizon, CUMULATIVE_POINTS + 1), np.asarray(corners, dtype=float)]))
    flops = cumulative_serving_flops(days, daily, durations)
    return Cumulative(
        days=[float(d) for d in days],
        flops=[float(f) for f in flops],
        levels=_levels(plan),
        crossover_day=crossover,
        horizon=horizon,
        test_time_to_pretraining=total.get("test_time_to_pretraining"),
    )


def _levels(plan: Any) -> list[tuple[str, float]]:
    """Horizontal lines of the cumulative panel: pretraining FLOP, then that plus post-training."""
    pre = plan.sections.get("pretraining")
    post = plan.sections.get("post_training")
    levels = []
    if pre is not None:
        levels.append(("Pretraining", pre["flops"]))
    if post is not None:
        base = pre["flops"] if pre is not None else 0.0
        levels.append(("Pretraining + Post-training" if pre is not None else "Post-training", base + post["flops"]))
    return levels


def wants_log(values: list[float], spread: float) -> bool:
    """Whether positive ``values`` spread over more than ``spread`` times (so a log axis reads better)."""
    positive = [v for v in values if v and v > 0]
    return len(positive) > 1 and max(positive) / min(positive) > spread


def flop_text(value: float) -> str:
    """``7.32e24`` style FLOP figures, as in the table output."""

    return format_number(value, "sci")


def drawn_text(text: str, limit: int) -> str:
    """A user-given name as matplotlib should draw it: at most ``limit`` characters, and ``$`` escaped
    so a name like ``$5$-tier`` is not parsed as mathtext (which can fail at draw time)."""
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return short.replace("$", r"\$")


def draw_plan(plan: Any, kind: str) -> bytes:
    """The plan's three-panel figure as ``svg`` or ``png`` bytes (SVG text stays text)."""
    if kind not in ("svg", "png"):
        raise ScalingError(f"scaling plot draws svg or png, not {kind!r}")
    try:  # matplotlib is the optional `plot` extra: imported only when a picture is drawn
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise ScalingError(MISSING_MATPLOTLIB) from None

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "scaling-cli", "font.size": 9}):
        figure = Figure(figsize=FIGURE_INCHES, dpi=DPI, layout="constrained")
        left, middle, right = figure.subplots(1, 3, width_ratios=[1.15, 1, 1])
        draw_lifecycle(left, lifecycle_bars(plan))
        draw_frontier(middle, frontier_points(plan))
        draw_cumulative(right, cumulative_points(plan))
        total = (plan.sections.get("total") or {}).get("flops")
        figure.suptitle(drawn_text(plan.name, TITLE_CHARS) + (f" — lifecycle compute {flop_text(total)} FLOP" if total else ""), fontsize=12, fontweight="bold")
        buffer = io.BytesIO()
        metadata = {"Date": None} if kind == "svg" else None
        figure.savefig(buffer, format=kind, dpi=DPI, metadata=metadata)
    return buffer.getvalue()


def _note(axes: Any, title: str, text: str) -> None:
    """An empty panel that says why it is empty."""
    axes.set_title(title, loc="left", fontweight="bold")
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, color="0.4", wrap=True)
    axes.set_xticks([])
    axes.set_yticks([])


def draw_lifecycle(axes: Any, bars: list[Bar]) -> None:
    """Horizontal bars, one row per phase and per listed item, labelled with FLOP and share."""
    title = "Lifecycle compute by phase"
    values = [b.flops for b in bars if b.flops]
    if not values:
        _note(axes, title, "no phase in this scenario")
        return
    log = wants_log(values, BAR_LOG_SPREAD)
    rows = list(range(len(bars)))
    widths = [b.flops or 0.0 for b in bars]
    colors = [PHASE_COLORS[b.phase] for b in bars]
    drawn = axes.barh(rows, widths, color=colors, height=[0.75 if b.is_phase else 0.55 for b in bars])
    for patch, bar in zip(drawn, bars):
        patch.set_alpha(1.0 if bar.is_phase else 0.5)  # items in a lighter shade of their phase
    axes.set_yticks(rows, [b.label if b.is_phase else drawn_text(b.label, LABEL_CHARS) for b in bars])
    for tick, bar in zip(axes.get_yticklabels(), bars):
        tick.set_fontweight("bold" if bar.is_phase else "normal")
        tick.set_color("black" if bar.is_phase else "0.3")
    axes.invert_yaxis()
    largest = max(values)
    if log:
        axes.set_xscale("log")
        low = 10.0 ** math.floor(math.log10(min(values)) - 0.5)
        axes.set_xlim(low, largest * (largest / low) ** BAR_LABEL_ROOM)
    else:
        axes.set_xlim(0, largest * (1 + BAR_LABEL_ROOM))
    start = axes.get_xlim()[0]
    for row, bar in zip(rows, bars):
        end = start if bar.flops is None else max(bar.flops, start)
        axes.text(end, row, "  " + bar_text(bar), va="center", fontsize=8, color="0.15" if bar.is_phase else "0.35")
    axes.set_xlabel("FLOP" + (" (log scale)" if log else ""))
    axes.set_title(title, loc="left", fontweight="bold")
    axes.grid(axis="x", alpha=0.3)


def bar_text(bar: Bar) -> str:
    """``7.32e24 FLOP · 3.3%`` (or why there is no bar)."""
    if bar.flops is None:
        return "not in this scenario"
    share = "" if bar.share is None else f" · {share_percent(bar.share)}"
    return f"{flop_text(bar.flops)} FLOP{share}"


def share_percent(share: float) -> str:
    """A share as a percentage with enough digits to tell small shares from zero."""
    percent = 100 * share
    if percent == 0:
        return "0%"
    if percent < 0.001:
        return "<0.001%"
    if percent < 0.1:
        return f"{percent:.2g}%"
    return f"{percent:.1f}%" if percent < 99.95 or percent == 100 else f"{percent:.2f}%"


def draw_frontier(axes: Any, frontier: Frontier | None) -> None:
    """The fit's L*(C) on a log compute axis, the scenario and the optimum at its compute."""
    title = "Loss vs training compute"
    if frontier is None:
        _note(axes, title, "no pretraining in this scenario")
        return

    axes.plot(frontier.compute, frontier.loss, color="0.25", label=frontier.curve_label)
    axes.plot(
        [frontier.scenario_compute], [frontier.scenario_loss], marker="*", markersize=14, linestyle="none", color="#d62728",
        label=f"scenario: {frontier.scenario_label},\nL = {frontier.scenario_loss:.3f}",
    )  # fmt: skip
    axes.plot(
        [frontier.scenario_compute], [frontier.optimal_loss], marker="o", markersize=7, linestyle="none", markerfacecolor="none", color="0.25",
        label=f"optimum at {flop_text(frontier.scenario_compute)}: {format_quantity(frontier.optimal_params)} × {format_quantity(frontier.optimal_tokens)},\nL = {frontier.optimal_loss:.3f}",
    )  # fmt: skip
    low, high = min(frontier.loss), max(frontier.loss)
    axes.set_ylim(low - 0.05 * (high - low), high + LEGEND_HEADROOM * (high - low))
    axes.set_xscale("log")
    axes.set_xlabel("training compute C = 6·N·D (FLOP, log scale)")
    axes.set_ylabel("predicted loss (nats/token)")
    axes.set_title(title, loc="left", fontweight="bold")
    axes.grid(alpha=0.3, which="major")
    axes.legend(loc="upper right", fontsize=7.5, framealpha=0.9)
    axes.text(
        0.02, 0.02, "loss in Chinchilla's units:\ncompare plans, not datasets",
        transform=axes.transAxes, fontsize=7, color="0.4", va="bottom",
    )  # fmt: skip


def draw_cumulative(axes: Any, data: Cumulative | None) -> None:
    """Cumulative test-time FLOP by day, the levels it races, and the crossover day."""
    title = "Cumulative compute over time"
    if data is None:
        _note(axes, title, "no test-time workloads in this scenario")
        return
    axes.plot(data.days, data.flops, color=PHASE_COLORS["test_time"], lw=2, label="Test-time (cumulative)")
    styles = [("--", PHASE_COLORS["pretraining"]), (":", PHASE_COLORS["post_training"])]
    for (label, level), (style, color) in zip(data.levels, styles):
        axes.axhline(level, linestyle=style, color=color, lw=1.5, label=f"{label}: {flop_text(level)} FLOP")
    heights = [data.flops[-1], *(level for _, level in data.levels)]
    log = wants_log(heights, CURVE_LOG_SPREAD)
    if log:
        axes.set_yscale("log")
        bottom = min(heights) / 30
        axes.set_ylim(bottom, max(heights) * (max(heights) / bottom) ** LEGEND_HEADROOM)
    else:
        axes.set_ylim(0, max(heights) * (1 + LEGEND_HEADROOM))
    axes.set_xlim(0, data.horizon)
    if data.crossover_day is not None:
        level = data.levels[0][1]
        axes.axvline(data.crossover_day, color="#d62728", lw=1, alpha=0.7)
        axes.plot([data.crossover_day], [level], marker="o", color="#d62728", linestyle="none", label=f"crossover: day {data.crossover_day:,.1f}")
    elif data.levels and data.levels[0][0] == "Pretraining":
        ratio = "" if data.test_time_to_pretraining is None else f"\n(test-time reaches {data.test_time_to_pretraining:.3g}× pretraining)"
        axes.plot([], [], linestyle="none", label=f"no crossover: never overtakes pretraining\nwithin {data.horizon:,.0f} days{ratio}")
    axes.set_xlabel("days of serving")
    axes.set_ylabel("FLOP" + (" (log scale)" if log else ""))
    axes.set_title(title, loc="left", fontweight="bold")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize=7.5, framealpha=0.9)
