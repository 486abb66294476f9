"""Table views of the ``post_training`` section: one row per derivative group, then the steps of
every multi-step group (RL, distillation, best-of-n, ...) so the costly step is visible."""

from __future__ import annotations

from typing import Any

from scaling_cli.render.model import Num, Table

DERIVATIVE_COLUMNS = [
    # (header, key, style)
    ("Group", "name", "text"),
    ("Technique", "technique", "text"),
    ("Count", "count", "si"),
    ("FLOP per model", "flops_per_model", "sci"),
    ("FLOP (group)", "flops", "sci"),
    ("× pretraining", "ratio_to_pretraining", "frac"),
    ("GPU-hours", "gpu_hours", "si"),
]
DERIVATIVE_TAIL = [
    ("Cost (USD)", "cost_usd", "usd"),
    ("Energy (MWh)", "energy_mwh", "frac"),
    ("Days per model", "wall_clock_days_per_model", "frac"),
]
STEP_COLUMNS = [
    ("Group", "group", "text"),
    ("Step", "step", "text"),
    ("Kind", "kind", "text"),
    ("Params", "params", "si"),
    ("Tokens per model", "tokens", "si"),
    ("FLOP per model", "flops_per_model", "sci"),
    ("FLOP (group)", "flops", "sci"),
    ("GPU-hours (group)", "gpu_hours", "si"),
    ("Share of group GPU-hours", "share", "pct"),
]


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
    columns = DERIVATIVE_COLUMNS + ([("P10", "gpu_hours_p10", "si"), ("P90", "gpu_hours_p90", "si")] if bands else []) + DERIVATIVE_TAIL
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
    rows = []
    for derivative in derivatives:
        steps = derivative.get("steps") or []
        if len(steps) < 2:
            continue
        total = derivative.get("gpu_hours")
        for step in steps:
            share = None if not total or step.get("gpu_hours") is None else step["gpu_hours"] / total
            values = {**step, "group": derivative["name"], "share": share}
            rows.append([_cell(values.get(key), style) for _, key, style in STEP_COLUMNS])
    return Table(
        title="Post-training: steps (FLOP per model; FLOP and GPU-hours for the whole group)",
        columns=[header for header, _, _ in STEP_COLUMNS],
        rows=rows,
        numeric={i for i, (_, _, style) in enumerate(STEP_COLUMNS) if style != "text"},
    )


def _cell(value: Any, style: str) -> Any:
    if style == "text" or value is None or isinstance(value, str):
        return value
    if style == "pct":
        return "<1%" if value < 0.005 else f"{value:.0%}"
    return Num(value, style)
