"""Result objects -> ``Table`` views (what table, markdown and CSV output show)."""

from __future__ import annotations

import re
from typing import Any

from scaling_cli.metrics import metric
from scaling_cli.tree import BAND_SUFFIXES, label, pattern, pattern_of, walk
from scaling_cli.render.headline import headline_tables
from scaling_cli.render.post_training_views import post_training_tables
from scaling_cli.render.test_time_views import test_time_tables
from scaling_cli.render.model import BarChart, Num, Table

SECTION_TITLES = {
    "model": "Model",
    "pretraining": "Pretraining",
    "post_training": "Post-training",
    "test_time": "Test-time",
    "total": "Lifecycle total",
}


def has_bands(section: dict[str, Any]) -> bool:
    return any(key.endswith(BAND_SUFFIXES) for key in section)


def metric_rows(prefix: str, section: dict[str, Any], keys: list[str] | None = None, bands: bool = False) -> tuple[list[list[Any]], list[str]]:
    """``[label, value, (P10, P90,) unit]`` rows for the numeric entries of the section at path
    ``prefix``, and ``label: text`` notes for its text entries (kept out of the value column so
    numbers stay narrow)."""
    rows: list[list[Any]] = []
    notes: list[str] = []
    for key in keys or list(section):
        value = section.get(key)
        if isinstance(value, (dict, list)) or key.endswith(BAND_SUFFIXES):
            continue
        info = metric(f"{prefix}.{key}")
        if info.style == "text" or isinstance(value, str):
            if value is not None:
                notes.append(f"{info.label}: {value}")
            continue
        row: list[Any] = [info.label, Num(value, info.style)]
        if bands:
            row += [Num(section.get(f"{key}{suffix}"), info.style) if f"{key}{suffix}" in section else "" for suffix in BAND_SUFFIXES]
        rows.append([*row, info.unit])
    return rows, notes


def metric_table(title: str, prefix: str, section: dict[str, Any], keys: list[str] | None = None) -> Table:
    """A Metric | Value | (P10 | P90 |) Unit table for the section or sub-section at ``prefix``."""
    bands = has_bands(section)
    rows, notes = metric_rows(prefix, section, keys, bands)
    columns = ["Metric", "Value", "P10", "P90", "Unit"] if bands else ["Metric", "Value", "Unit"]
    return Table(title=title, columns=columns, rows=rows, notes=notes, numeric={1, 2, 3} if bands else {1}, keys=(0, -1))


def plan_tables(plan: Any) -> list[Table | BarChart]:
    """The headline first (one screen), then each section's tables, the charts and the assumptions."""
    tables: list[Table | BarChart] = [*headline_tables(plan)]
    for name, section in plan.sections.items():
        if section is None:
            continue
        tables.append(metric_table(f"{SECTION_TITLES.get(name, name)} — {plan.name}", name, section))
        tables.extend(section_detail_tables(name, section))
    tables.extend(plan_charts(plan))
    tables.extend(assumptions_tables(plan.assumptions))
    return tables


def plan_charts(plan: Any) -> list[BarChart]:
    """Compute by phase, and by derivative group / workload, as bars under the tables."""
    charts = []
    phases = [(SECTION_TITLES[name], plan.sections[name]["flops"]) for name in ("pretraining", "post_training", "test_time") if plan.sections.get(name)]
    if len(phases) > 1:
        charts.append(BarChart("Compute by phase", phases, "sci", "FLOP"))
    for name, list_key in (("post_training", "derivatives"), ("test_time", "workloads")):
        items = (plan.sections.get(name) or {}).get(list_key) or []
        if len(items) > 1:
            charts.append(BarChart(f"{SECTION_TITLES[name]} compute by {list_key[:-1].replace('derivative', 'derivative group')}", [(i["name"], i["flops"]) for i in items], "sci", "FLOP"))
    return charts


#: A group's or workload's own copy of a scenario-level default: ``post_training[2].hardware.mfu``.
_OWN_COPY = re.compile(r"^(?:post_training|test_time)\[\d+\]\.(hardware\..+)$")


def assumptions_tables(assumptions: list[Any]) -> list[Table]:
    """The defaults a result used, each once, with its source under it (empty list when there are
    none): a group's or workload's default is listed only where it differs from the scenario's own."""
    if not assumptions:
        return []
    scenario = {a.key: a.value for a in assumptions}
    shown = [a for a in assumptions if not ((own := _OWN_COPY.match(a.key)) and scenario.get(own.group(1), object()) == a.value)]
    rows = [[a.key, _assumption_value(a.value), a.unit, a.source] for a in shown]
    notes = ["Post-training groups and workloads use the scenario's hardware defaults unless listed with their own."] if len(shown) < len(assumptions) else []
    return [Table(title="Assumptions (defaults used)", columns=["Key", "Value", "Unit", "Source"], rows=rows, notes=notes, numeric={1}, details=(3,))]


#: What the lifetime optimum minimizes, by ``--objective``: the title's words and the saving's share.
OBJECTIVES = {"flops": ("least training + inference FLOP", "lifetime FLOP"), "cost": ("least training + serving dollars", "lifetime cost")}


def optimal_tables(result: Any) -> list[Table]:
    keys = [k for k in result.values if k != "fit_source"]
    lifetime = "chinchilla" in result.values
    aim, share = OBJECTIVES[result.values.get("objective") or "flops"]
    title = f"Inference-aware allocation ({aim})" if lifetime else "Compute-optimal allocation"
    table = metric_table(f"{title} — fit {result.law.name}", "optimal", {k: result.values[k] for k in keys})
    table.rows = [[f"Saving (share of {share})" if row[0] == metric("optimal.saving_fraction").label else row[0], *row[1:]] for row in table.rows]
    table.notes.append(f"Fit source: {result.law.source}")
    tables = [table]
    if lifetime:
        tables.append(metric_table("Chinchilla-optimal model of the same loss (training FLOP only), for comparison", "optimal.chinchilla", result.values["chinchilla"]))
    return [*tables, *assumptions_tables(result.assumptions)]


def section_detail_tables(name: str, section: dict[str, Any]) -> list[Table]:
    """Tables below a section's summary: a law-specific view where one exists, else one table per list."""
    if name == "post_training":
        return post_training_tables(section)
    if name == "test_time":
        return test_time_tables(section)
    if name == "total":
        table = shares_table(section)
        if section.get("crossover_day") is None and section.get("test_time_flops_per_day"):
            table.notes.append("Serving compute does not overtake pretraining compute within the workloads' days.")
        return [table]
    return list_tables(name, section)


def shares_table(total: dict[str, Any]) -> Table:
    """Each phase's share of lifecycle compute and cost."""
    flops, costs = total.get("shares") or {}, total.get("cost_shares") or {}
    rows = [[SECTION_TITLES[phase], Num(flops.get(phase), "frac"), Num(costs.get(phase), "frac")] for phase in ("pretraining", "post_training", "test_time")]
    return Table(title="Lifecycle shares", columns=["Phase", "Share of FLOP", "Share of cost"], rows=rows, numeric={1, 2})


def list_tables(name: str, section: dict[str, Any]) -> list[Table]:
    """One row per item for each list in a section (``derivatives``, ``workloads``): its name and
    numeric figures as columns, P10-P90 folded into the same cell as ``value (p10-p90)``."""
    tables = []
    for key, items in section.items():
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            continue
        columns: list[str] = []
        for item in items:
            for field, value in item.items():
                if field.endswith(BAND_SUFFIXES) or isinstance(value, (dict, list)) or field in columns:
                    continue
                columns.append(field)
        infos = [metric(f"{name}.{key}[].{c}") for c in columns]
        rows = [[_list_cell(item.get(c), info.style) for c, info in zip(columns, infos)] for item in items]
        headers = [info.label.strip() + (f" ({info.unit})" if info.unit else "") for info in infos]
        numeric = {i for i, (c, info) in enumerate(zip(columns, infos)) if info.style != "text" and not isinstance(items[0].get(c), str)}
        tables.append(Table(title=f"{SECTION_TITLES.get(name, name)}: {key.replace('_', ' ')}", columns=headers, rows=rows, numeric=numeric))
    return tables


def _list_cell(value: Any, style: str) -> Any:
    if isinstance(value, str) or value is None:
        return value
    return Num(value, style)


def _assumption_value(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return Num(value, "sci" if abs(value) >= 1e6 else "frac")


def plan_csv_table(plan: Any) -> Table:
    """One row per metric (``pretraining.gpu_hours``, ``post_training.derivatives[sft].count``), raw
    values and the registry's unit: easy to grep, join and diff."""
    return flat_csv_table({name: section for name, section in plan.sections.items() if section is not None})


def flat_csv_table(document: dict[str, Any], prefix: str = "") -> Table:
    """``metric,value,unit`` rows for every leaf of ``document``, named by label (list items by
    their name); units are looked up under ``prefix`` (e.g. ``reference``)."""
    rows = []
    for path, value in walk(document):
        unit = metric(".".join(filter(None, (prefix, pattern(path))))).unit
        rows.append([label(path), value if not isinstance(value, float) else Num(value), unit])
    return Table(title="", columns=["metric", "value", "unit"], rows=rows, numeric={1})


def _tflops(accel: Any, key: str) -> Num:
    return Num(accel.peak_tflops.get(key), "frac")


def hardware_list_table(result: Any) -> Table:
    rows = []
    for a in result.accelerators:
        price = a.price.central if a.price else None
        memory = None if a.memory_capacity is None else f"{a.memory_capacity:g} {a.memory_unit}"
        rows.append(
            [a.id, a.name, _tflops(a, "bf16"), _tflops(a, "fp8"), memory, Num(a.bandwidth_tb_s, "frac"), Num(a.power_w, "int"), Num(price, "usd"), ", ".join(a.aliases)]
        )
    return Table(
        title=f"Accelerators ({len(rows)}; dense peaks, indicative prices; compiled {result.catalog['compiled']})",
        columns=["ID", "Name", "BF16 TFLOP/s", "FP8 TFLOP/s", "Memory", "HBM TB/s", "Power W", "USD/h", "Aliases"],
        rows=rows,
        numeric={2, 3, 5, 6, 7},
        details=(1, 8),
    )


def hardware_detail_tables(result: Any) -> list[Table]:
    a = result.accelerator
    rows: list[list[Any]] = [
        ["id", a.id],
        ["name", a.name],
        ["vendor / architecture", f"{a.vendor} / {a.architecture}"],
        ["release year", str(a.release_year or "-")],
        ["aliases", ", ".join(a.aliases)],
        ["efficiency class", a.efficiency_class],
    ]
    for precision in ("fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "fp6", "fp4", "int8_tops", "int4_tops"):
        value = a.peak_tflops.get(precision)
        label = precision.replace("_tops", "") + (" TOP/s" if precision.endswith("_tops") else " TFLOP/s") + " (dense)"
        shown: Any = Num(value, "frac") if value is not None else ("not supported" if precision.replace("_tops", "") in a.not_supported else "not published")
        rows.append([label, shown])
    rows += [
        ["memory", "-" if a.memory_capacity is None else f"{a.memory_capacity:g} {a.memory_unit} {a.memory_type or ''}".strip()],
        ["memory bandwidth TB/s", Num(a.bandwidth_tb_s, "frac")],
        ["power W", Num(a.power_w, "int")],
    ]
    notes = [f"note: {a.notes}"] if a.notes else []
    if a.price is not None:
        shown_price = f"${a.price.value:g}" if a.price.value is not None else f"${a.price.low:g}-{a.price.high:g}"
        rows.append(["indicative price USD/h", shown_price])
        notes.append(f"price: {a.price.basis}; as of {a.price.as_of}")
    else:
        rows.append(["indicative price USD/h", "not published"])
    notes.extend(f"source: {s}" for s in a.sources)
    return [Table(title=a.name, columns=["Field", "Value"], rows=rows, notes=notes)]


def validation_table(result: Any) -> Table:
    rows = []
    for check in result.files:
        if check.valid:
            rows.append([check.file, "valid", ""])
        for problem in check.problems:
            rows.append([check.file, "invalid", str(problem)])
    return Table(title="", columns=["file", "status", "problem"], rows=rows)


def reference_tables(report: Any) -> list[Table]:
    rows = []
    for run in report.runs:
        rows.append(
            [
                run["name"],
                Num(run["predicted_flops"], "sci"),
                Num(run["reported_flops"], "sci"),
                _signed_percent(run["flops_error"]),
                Num(run["gpu_hours"]),
                Num(run["gpu_hours_p10"]),
                Num(run["gpu_hours_p90"]),
                Num(run["reported_gpu_hours"]),
                _signed_percent(run["gpu_hours_error"]),
                {True: "yes", False: "NO", None: "-"}[run["in_band"]],
            ]
        )
    mode = "leave-one-out: each run predicted from a fit without it" if report.leave_one_out else "in-sample: the full fit"
    s = report.summary
    notes = [
        f"{s['runs_with_gpu_hours']} runs with reported GPU-hours: median |error| {_percent(s['gpu_hours_median_abs_error'])}, "
        f"P10-P90 band covers {_percent(s['gpu_hours_band_coverage'])} of them, median band width P90/P10 {s['gpu_hours_band_median_width']:.2f}",
        f"{s['runs_with_flops']} runs with reported FLOP: median |6ND error| {_percent(s['flops_median_abs_error'])} (reported counts differ by convention; see pitfalls in the sources)",
    ]
    return [
        Table(
            title=f"Planner vs published runs ({mode})",
            columns=["Run", "6ND FLOP", "Reported FLOP", "Error", "GPU-h", "GPU-h P10", "GPU-h P90", "Reported GPU-h", "Error", "In band"],
            rows=rows,
            notes=notes,
            numeric={1, 2, 3, 4, 5, 6, 7, 8},
        )
    ]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _signed_percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.1f}%"


def sweep_tables(result: Any) -> list[Table]:
    """The best points: varied inputs, the objective, constraint metrics and a few headline figures."""
    varied = [v.name for v in result.varies]
    wanted = [*varied, result.objective, *(c.metric for c in result.conditions)]
    for band in ("_p10", "_p90"):
        if f"{result.objective}{band}" in result.columns:
            wanted.append(f"{result.objective}{band}")
    columns = list(dict.fromkeys(name for name in wanted if name in result.columns))
    n = len(result.columns[columns[0]]) if columns else 0
    rows = []
    for i in range(n):
        row = []
        for name in columns:
            style = metric(pattern_of(name)).style
            row.append(Num(float(result.columns[name][i]), style if style != "text" else "si"))
        rows.append(row)
    direction = "lowest" if result.minimize else "highest"
    notes = [f"{result.evaluated:,} points evaluated, {result.feasible:,} meet the constraints; sorted by {direction} {result.objective}"]
    if result.not_finite:
        notes.append(f"{result.not_finite:,} points left out: their figures overflow (the scenario's magnitudes are out of range there)")
    title = f"Sweep of {result.scenario}: {'all' if result.all_points else f'top {n}'} points"
    keys = tuple(range(max(1, len([c for c in columns if c in varied]))))
    return [Table(title=title, columns=columns, rows=rows, notes=notes, numeric=set(range(len(columns))), keys=keys)]


def sweep_csv_table(result: Any) -> Table:
    """Every kept point with every metric: one row per point, raw values."""
    names = list(result.columns)
    n = len(result.columns[names[0]]) if names else 0
    rows = [[Num(float(result.columns[name][i])) for name in names] for i in range(n)]
    return Table(title="", columns=names, rows=rows, numeric=set(range(len(names))))


def comparison_tables(result: Any) -> list[Table]:
    """Metric | scenario values | difference (Δ) and ratio of each later scenario to the first; in
    text output the scenarios are A, B, C... with a legend, so the values stand side by side."""
    names = [p.name for p in result.plans]
    letters = [chr(ord("A") + i) if i < 26 else f"S{i + 1}" for i in range(len(names))]
    columns, short = ["Metric", *names], ["Metric", *letters]
    for name, letter in zip(names[1:], letters[1:]):
        columns += [f"Δ {name}", f"ratio {name}"]
        short += [f"{letter} − A", f"{letter} ÷ A"]
    rows = []
    for path, values in result.metrics.items():
        style = metric(pattern_of(path)).style
        style = style if style != "text" else "si"
        row: list[Any] = [path, *(Num(v, style) for v in values)]
        for difference, ratio in list(zip(result.differences(path), result.ratios(path)))[1:]:
            row += [Num(difference, style), Num(ratio, "fine")]
        rows.append(row)
    legend = [*(f"{letter}: {name}" for letter, name in zip(letters, names)), "X − A and X ÷ A: a scenario's difference from A and its ratio to A"]
    title = f"Comparison: {' vs '.join(names)}"
    return [Table(title=title, columns=columns, rows=rows, numeric=set(range(1, len(columns))), short=short, legend=legend)]
