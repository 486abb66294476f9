"""The ``total`` section: the lifecycle ledger across pretraining, post-training and test-time."""

from __future__ import annotations

from typing import Any

from scaling_cli.engine import ledger
from scaling_cli.engine.uncertainty import Sampler

PHASES = ("pretraining", "post_training", "test_time")
#: Summed across phases; a total is ``None`` when a phase that is present lacks the figure.
SUMMED = ("flops", "gpu_hours", "cost_usd", "energy_mwh", "co2_tonnes")


def _sum(sections: dict[str, Any], key: str) -> Any:
    values = [sections[phase].get(key) for phase in PHASES if sections.get(phase) is not None]
    if not values or any(v is None for v in values):
        return None
    return sum(values)


def _ratio(sections: dict[str, Any], phase: str) -> Any:
    base = sections.get("pretraining")
    other = sections.get(phase)
    if base is None or other is None:
        return None
    return other["flops"] / base["flops"]


def plan_total(sections: dict[str, Any], sampler: Sampler) -> dict[str, Any] | None:
    """Totals, shares by FLOP and by cost, phase ratios and (point estimate only) the day on which
    serving compute overtakes pretraining compute."""
    present = [phase for phase in PHASES if sections.get(phase) is not None]
    if not present:
        return None
    total = {key: _sum(sections, key) for key in SUMMED}
    flops = {phase: (sections[phase]["flops"] if phase in present else None) for phase in PHASES}
    costs = {phase: (sections[phase].get("cost_usd") if phase in present else None) for phase in PHASES}
    serving = sections.get("test_time")
    workloads = serving["workloads"] if serving is not None else []
    daily = [w["flops_per_query"] * w["queries_per_day"] for w in workloads]
    durations = [w["days"] for w in workloads]
    crossover = None
    if sampler.is_point and sections.get("pretraining") is not None and workloads:
        crossover = ledger.crossover_day(sections["pretraining"]["flops"], daily, durations)
    return {
        **total,
        "shares": ledger.shares(flops),
        "cost_shares": ledger.shares(costs) if all(costs[p] is not None for p in present) else None,
        "post_training_to_pretraining": _ratio(sections, "post_training"),
        "test_time_to_pretraining": _ratio(sections, "test_time"),
        "test_time_flops_per_day": sum(daily) if workloads else None,
        "crossover_day": crossover,
    }
