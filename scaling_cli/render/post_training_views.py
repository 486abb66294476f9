"""Table views of the ``post_training`` section: one row per derivative group, then the steps of
every multi-step group (RL, distillation, best-of-n, ...) so the costly step is visible."""

from __future__ import annotations

from typing import Any

from scaling_cli.metrics import metric
from scaling_cli.render.model import Num, Table

DERIVATIVES = "post_training.derivatives[]"
STEPS = "post_training.derivatives[].steps[]"
#: The columns each table shows (the view's choice); headers and number styles come from the registry.
DERIVATIVE_HEAD = ("name", "technique", "count", "flops_per_model", "flops", "ratio_to_pretraining", "gpu_hours")
DERIVATIVE_TAIL = ("cost_usd", "energy_mwh", "wall_clock_days_per_model")
STEP_KEYS = ("step", "kind", "params", "tokens", "flops_per_model", "flops", "gpu_hours")


def _columns(prefix: str, keys: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(header, key, style) per key: the registry's label, with the unit where the label lacks it."""
    columns = []
    for key in keys:
        info = metric(f"{prefix}.{key}")
        unit = f" ({info.unit})" if info.unit in ("USD", "MWh") else ""
        columns.append((info.label + unit, key, info.style))
    return columns


#: The step table's own columns: the group a step belongs to and its share of the group's hours.
STEP_GROUP = ("Group", "group", "text")
STEP_SHARE = ("Share of group GPU-hours", "share", "pct")


def post_training_tables(section: dict[str, Any]) -> list[Table]:
    derivatives = section.get("derivatives") or []
    tables = [derivative_table(derivatives)]
    steps = step_table(derivatives)
    if steps.rows:
        tables.append(steps)
    return tables


def derivative_table(derivatives: list[dict[str, Any]]) -> Table:
    """Per group: count, FLOP per model and in total, share of pretraining, GPU-hours (with their
    P10-P90 band when the plan has one), cost, energy and days per model on the group's GPUs."""
    bands = any("gpu_hours_p10" in d for d in derivatives)
    band = [("GPU-hours P10", "gpu_hours_p10", "si"), ("GPU-hours P90", "gpu_hours_p90", "si")] if bands else []
    columns = _columns(DERIVATIVES, DERIVATIVE_HEAD) + band + _columns(DERIVATIVES, DERIVATIVE_TAIL)
    rows = [[_cell(d.get(key), style) for _, key, style in columns] for d in derivatives]
    notes = []
    for technique, formula in dict((d["technique"], d["formula"]) for d in derivatives).items():
        notes.append(f"{technique}: {formula}")
    notes.append("Generation steps are timed by the serving roofline (or the group's decode_mfu), every other step runs at the training MFU; days need the group's hardware.count.")
    return Table(
        title="Post-training: derivative groups",
        columns=[header for header, _, _ in columns],
        rows=rows,
        notes=notes,
        numeric={i for i, (_, _, style) in enumerate(columns) if style != "text"},
    )


def step_table(derivatives: list[dict[str, Any]]) -> Table:
    """Every step of the groups that take more than one, with its share of the group's GPU-hours."""
    columns = [STEP_GROUP, *_columns(STEPS, STEP_KEYS), STEP_SHARE]
    rows = []
    for derivative in derivatives:
        steps = derivative.get("steps") or []
        if len(steps) < 2:
            continue
        total = derivative.get("gpu_hours")
        for step in steps:
            share = None if not total or step.get("gpu_hours") is None else step["gpu_hours"] / total
            values = {**step, "group": derivative["name"], "share": share}
            rows.append([_cell(values.get(key), style) for _, key, style in columns])
    return Table(
        title="Post-training: steps (FLOP per model; FLOP and GPU-hours for the whole group)",
        columns=[header for header, _, _ in columns],
        rows=rows,
        numeric={i for i, (_, _, style) in enumerate(columns) if style != "text"},
        keys=(0, 1),
    )


def _cell(value: Any, style: str) -> Any:
    if style == "text" or value is None or isinstance(value, str):
        return value
    if style == "pct":
        return "<1%" if value < 0.005 else f"{value:.0%}"
    return Num(value, style)
