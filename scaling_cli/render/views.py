"""Result objects -> ``Table`` views (what table, markdown and CSV output show)."""

from __future__ import annotations

from typing import Any

from scaling_cli.metrics import metric
from scaling_cli.render.model import Num, Table
from scaling_cli.result import Plan

SECTION_TITLES = {
    "pretraining": "Pretraining",
    "post_training": "Post-training",
    "test_time": "Test-time",
    "total": "Lifecycle total",
}


def metric_rows(section: dict[str, Any], keys: list[str] | None = None) -> tuple[list[list[Any]], list[str]]:
    """``[label, value, unit]`` rows for the numeric entries of a section, and ``label: text`` notes
    for its text entries (kept out of the value column so numbers stay narrow and aligned)."""
    rows: list[list[Any]] = []
    notes: list[str] = []
    for key in keys or list(section):
        value = section.get(key)
        if isinstance(value, (dict, list)):
            continue
        info = metric(key)
        if info.style == "text" or isinstance(value, str):
            if value is not None:
                notes.append(f"{info.label}: {value}")
        else:
            rows.append([info.label, Num(value, info.style), info.unit])
    return rows, notes


def plan_tables(plan: Plan) -> list[Table]:
    tables = []
    for name, section in plan.sections.items():
        if section is None:
            continue
        title = f"{SECTION_TITLES.get(name, name)} — {plan.name}"
        rows, notes = metric_rows(section)
        tables.append(Table(title=title, columns=["Metric", "Value", "Unit"], rows=rows, notes=notes, numeric={1}))
    if plan.assumptions:
        rows = [[a.key, _assumption_value(a.value), a.unit, a.source] for a in plan.assumptions]
        tables.append(Table(title="Assumptions (defaults used)", columns=["Key", "Value", "Unit", "Source"], rows=rows, numeric={1}))
    return tables


def _assumption_value(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return Num(value, "sci" if abs(value) >= 1e6 else "frac")


def flatten(document: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested dict/list -> ``[("pretraining.flops", 7.3e24), ("post_training.derivatives[0].name", ...)]``."""
    items: list[tuple[str, Any]] = []
    if isinstance(document, dict):
        for key, value in document.items():
            items.extend(flatten(value, f"{prefix}.{key}" if prefix else key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            items.extend(flatten(value, f"{prefix}[{index}]"))
    else:
        items.append((prefix, document))
    return items


def plan_csv_table(plan: Plan) -> Table:
    """One row per metric path (``pretraining.gpu_hours``), raw values: easy to grep, join and diff."""
    rows = []
    for name, section in plan.sections.items():
        if section is None:
            continue
        for path, value in flatten(section, name):
            rows.append([path, value if not isinstance(value, float) else Num(value), metric(path.rsplit(".", 1)[-1]).unit])
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
