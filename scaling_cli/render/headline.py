"""The headline a plan opens with: one 80×24 screen that answers "what will this cost us?".

Per phase and in total: FLOP, GPU-hours and cost with their P10–P90, wall-clock days and energy;
then the three figures the laws are about: post-training ÷ pretraining compute, the test-time
multiplier of the hardest workload over a single pass, and the day serving compute overtakes
pretraining. Every figure is read from the plan's sections; the days of a phase the plan does not
time as one run are composed here (see ``DAYS_NOTE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scaling_cli.metrics import PHASES, metric
from scaling_cli.render.model import Cell, Num, Table
from scaling_cli.render.numbers import format_number

#: (row label, key, whether a P10–P90 row follows it).
ROWS = (
    ("Compute (FLOP)", "flops", False),
    ("GPU-hours (reserved)", "gpu_hours", True),
    ("Wall-clock (days)", "wall_clock_days", False),
    ("Cost", "cost_usd", True),
    ("Energy (MWh)", "energy_mwh", False),
)
COLUMN_TITLES = {"pretraining": "Pretraining", "post_training": "Post-training", "test_time": "Test-time", "total": "Total"}
DAYS_NOTE = (
    "Days: the phases in sequence; post-training: each group's models in sequence on its GPUs "
    "(- if a group has no hardware.count); test-time: its longest workload."
)


def headline_tables(plan: Any) -> list[Table]:
    """The headline table and the three laws' figures (nothing for a plan without a phase)."""
    phases = [name for name in PHASES if plan.sections.get(name)]
    if not phases:
        return []
    columns = phases + (["total"] if len(phases) > 1 and plan.sections.get("total") else [])
    sections = {name: {**plan.sections[name], "wall_clock_days": _days(name, plan.sections)} for name in columns}
    bands = any(f"{key}_p10" in section for section in sections.values() for _, key, banded in ROWS if banded)
    rows: list[list[Cell]] = []
    for label, key, banded in ROWS:
        style = metric(f"total.{key}").style if key != "wall_clock_days" else "frac"
        rows.append([label, *(Num(sections[name].get(key), style) for name in columns)])
        if banded and bands:
            rows.append(["  P10–P90", *(_band(sections[name], key, style) for name in columns)])
    title = f"{plan.name}: the plan at a glance" + (" (P10–P90 under GPU-hours and cost)" if bands else "")
    headline = Table(title=title, columns=["", *(COLUMN_TITLES[name] for name in columns)], rows=rows, numeric=set(range(1, len(columns) + 1)))
    if len(phases) > 1:
        headline.notes.append(DAYS_NOTE)
    laws = law_table(plan.sections)
    return [headline, *([laws] if laws.rows else [])]


def _band(section: dict[str, Any], key: str, style: str) -> str:
    low, high = section.get(f"{key}_p10"), section.get(f"{key}_p90")
    if low is None or high is None:
        return "-"
    return f"{format_number(low, style)}–{format_number(high, style)}"


def _days(name: str, sections: dict[str, Any]) -> float | None:
    """Wall-clock days of a phase: pretraining's run; post-training's groups and their models one
    after another; test-time's longest workload; in total, the phases one after another (``None``
    where a part is unknown)."""
    section = sections.get(name) or {}
    if name == "pretraining":
        return section.get("wall_clock_days")
    if name == "post_training":
        groups = section.get("derivatives") or []
        spans = [None if g.get("wall_clock_days_per_model") is None else g["wall_clock_days_per_model"] * g["count"] for g in groups]
        return None if not spans or None in spans else sum(spans)  # type: ignore[arg-type]
    if name == "test_time":
        return max((w["days"] for w in section.get("workloads") or []), default=None)
    parts = [_days(phase, sections) for phase in PHASES if sections.get(phase)]
    return None if None in parts else sum(parts)  # type: ignore[arg-type]


def law_table(sections: dict[str, Any]) -> Table:
    """Post-training ÷ pretraining compute, the hardest workload's multiplier over a single pass and
    the crossover day: the rows the scenario's phases make meaningful."""
    total = sections.get("total") or {}
    rows: list[list[Cell]] = []
    if sections.get("pretraining") and sections.get("post_training"):
        rows.append(["Post-training ÷ pretraining compute", Num(total.get("post_training_to_pretraining"), "frac"), "×"])
    workloads = (sections.get("test_time") or {}).get("workloads") or []
    if workloads:
        hardest = max(workloads, key=lambda w: w["multiplier_vs_single_pass"])
        rows.append(["Hardest workload's compute ÷ a single pass", Num(hardest["multiplier_vs_single_pass"], "frac"), f"× ({hardest['name']})"])
    if workloads and sections.get("pretraining"):
        day = total.get("crossover_day")
        longest = format_number(max(w["days"] for w in workloads), "frac")
        rows.append(["Day serving compute overtakes pretraining", Num(day, "frac"), "day" if day is not None else f"not within {longest} days"])
    return Table(title="Across the three laws", columns=["", "Value", ""], rows=rows, numeric={1})


@dataclass
class Headline:
    """A plan shown as its headline alone (``scaling plan --brief``); its JSON and CSV stay whole."""

    plan: Any

    def tables(self) -> list[Table]:
        return headline_tables(self.plan)

    def csv_table(self) -> Table:
        return self.plan.csv_table()

    def long_figures(self) -> tuple[dict[str, Any], str]:
        return self.plan.long_figures()

    def to_dict(self) -> dict[str, Any]:
        return self.plan.to_dict()
