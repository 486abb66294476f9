"""``scaling levers``: where the next dollar goes — each lever's capability gain per extra dollar.

Every lever is priced by planning the scenario again with that one input moved (finite
differences through the planner itself, so the formulas stay in one place):

- **larger model** (``model.params`` × (1 + step), tokens fixed) and **more data**
  (``pretraining.tokens`` × (1 + step)): the change in predicted pretraining loss;
- **more samples** per query (``test_time[i].samples`` × 2) for every workload with a ``pass_rate``:
  the change in its expected accuracy (``docs/DOMAIN.md`` §3.5);
- **more RL compute** (an RL group's ``steps``, else ``prompts``, × (1 + step)) for every group with a
  ``reward_curve``: the change in its expected reward (``engine/rl_returns.py``).

The cost of a lever is the change in the plan's whole bill (``total.cost_usd``, or GPU-hours when
the plan has no price), so a larger model also pays for serving it at the scenario's query volume
for the workloads' days and more samples pay for every query (inference-aware accounting, Sardana
et al. 2023 arXiv 2401.00448, extended to test-time samples as in Snell et al. 2024 arXiv 2408.03314).
Each lever reports its own measure of capability (loss in nats per token, accuracy as a fraction):
the planner has no exchange rate between them, and says so rather than invent one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scaling_cli.commands.plan import plan_scenario
from scaling_cli.errors import UsageError
from scaling_cli.render.model import BarChart, Num, Table
from scaling_cli.result import SCHEMA_VERSION
from scaling_cli.scenario.loading import load_scenario

#: Relative step of the size levers.
STEP = 0.10
#: Million dollars (or million GPU-hours) per gain figure.
PER = 1e6


def _bill(sections: dict[str, Any]) -> tuple[float, str]:
    total = sections.get("total") or {}
    if total.get("cost_usd") is not None:
        return float(total["cost_usd"]), "USD"
    return float(total.get("gpu_hours") or 0.0), "GPU-h"


def _plan(scenario: str | None, overrides: Sequence[str]) -> dict[str, Any]:
    return plan_scenario(scenario, overrides, samples=0, seed=0).sections


def _size_levers(scenario: str | None, overrides: Sequence[str], base: dict[str, Any]) -> list[dict[str, Any]]:
    pre = base.get("pretraining")
    if not pre or pre.get("loss") is None:
        return []
    levers = []
    for name, key, value in (("larger model", "model.params", pre["params"]), ("more data", "pretraining.tokens", pre["tokens"])):
        moved = _plan(scenario, [*overrides, f"{key}={value * (1 + STEP):.6g}"])
        levers.append(_row(name, f"{key} +{STEP:.0%}", "pretraining.loss", -1.0, pre["loss"], moved["pretraining"]["loss"], base, moved))
    return levers


def _sample_levers(scenario: str | None, overrides: Sequence[str], base: dict[str, Any]) -> list[dict[str, Any]]:
    levers = []
    for index, workload in enumerate((base.get("test_time") or {}).get("workloads") or []):
        if workload.get("expected_accuracy") is None:
            continue
        moved = _plan(scenario, [*overrides, f"test_time[{index}].samples={int(workload['samples']) * 2}", f"test_time[{index}].target_accuracy="])
        after = moved["test_time"]["workloads"][index]["expected_accuracy"]
        levers.append(_row(f"more samples ({workload['name']})", f"test_time[{index}].samples ×2", f"test_time.workloads[{workload['name']}].expected_accuracy", 1.0, workload["expected_accuracy"], after, base, moved))
    return levers


def _rl_levers(scenario: str | None, overrides: Sequence[str], base: dict[str, Any]) -> list[dict[str, Any]]:
    """More RL compute for every RL group with a ``reward_curve``: its steps (or prompts) + STEP."""
    groups = load_scenario(scenario, list(overrides)).scenario.post_training
    levers = []
    for index, (group, out) in enumerate(zip(groups, (base.get("post_training") or {}).get("derivatives") or [])):
        if out.get("expected_reward") is None:
            continue
        key = "steps" if group.steps is not None else "prompts"
        value = float(getattr(group, key))
        moved = _plan(scenario, [*overrides, f"post_training[{index}].{key}={value * (1 + STEP):.6g}"])
        after = moved["post_training"]["derivatives"][index]["expected_reward"]
        levers.append(_row(f"more RL compute ({group.name})", f"post_training[{index}].{key} +{STEP:.0%}", f"post_training.derivatives[{group.name}].expected_reward", 1.0, out["expected_reward"], after, base, moved))
    return levers


def _row(name: str, change: str, metric: str, better: float, before: float, after: float, base: dict[str, Any], moved: dict[str, Any]) -> dict[str, Any]:
    """One lever: what it changes, its gain (positive = better: lower loss, higher accuracy), its cost."""
    bill, unit = _bill(base)
    cost = _bill(moved)[0] - bill
    gain = better * (after - before)
    return {
        "lever": name, "change": change, "metric": metric, "before": before, "after": after, "gain": gain,
        "extra_cost": cost, "cost_unit": unit, "gain_per_million": None if cost <= 0 else gain / cost * PER,
    }  # fmt: skip


@dataclass
class LeversResult:
    scenario: str
    levers: list[dict[str, Any]]
    not_available: list[dict[str, str]]

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, "scenario": self.scenario, "levers": self.levers, "not_available": self.not_available}

    def tables(self) -> list[Table | BarChart]:
        rows = [
            [l["lever"], l["change"], l["metric"], Num(l["before"], "frac"), Num(l["after"], "frac"), Num(l["gain"], "frac"),
             Num(l["extra_cost"], "usd" if l["cost_unit"] == "USD" else "si"), "-" if l["gain_per_million"] is None else Num(l["gain_per_million"], "frac")]
            for l in self.levers
        ]  # fmt: skip
        unit = self.levers[0]["cost_unit"] if self.levers else "USD"
        per = "per $1M" if unit == "USD" else "per 1M GPU-h"
        table = Table(
            title=f"Where the next dollar goes: {self.scenario} (each lever's own measure; lower loss and higher accuracy are gains)",
            columns=["Lever", "Change", "Measure", "Before", "After", "Gain", "Extra cost", f"Gain {per}"],
            rows=rows, numeric={3, 4, 5, 6, 7},
            notes=[f"not available: {n['lever']} ({n['reason']})" for n in self.not_available],
        )  # fmt: skip
        return [table, *self.charts()]

    def charts(self) -> list[BarChart]:
        """One bar chart per measure (loss, each workload's accuracy, each group's reward): gain per extra
        $1M (or 1M GPU-hours) of every lever that moves it, so levers of one measure compare at a glance."""
        by_measure: dict[str, list[tuple[str, float]]] = {}
        for lever in self.levers:
            if lever["gain_per_million"] is not None and lever["gain_per_million"] > 0:
                by_measure.setdefault(lever["metric"], []).append((lever["lever"], lever["gain_per_million"]))
        per = "per $1M" if not self.levers or self.levers[0]["cost_unit"] == "USD" else "per 1M GPU-h"
        return [BarChart(f"{measure}: gain {per}", items, "frac") for measure, items in by_measure.items()]

    def csv_table(self) -> Table:
        return self.tables()[0]  # type: ignore[return-value]


def levers(scenario: str | None, overrides: Sequence[str] = ()) -> LeversResult:
    """Each applicable lever of ``scenario`` priced by replanning with it moved (module docstring)."""
    result = plan_scenario(scenario, overrides, samples=0, seed=0)
    if not hasattr(result, "sections"):
        raise UsageError("levers plans one scenario; give a member of the portfolio")
    base = result.sections
    found = [*_size_levers(scenario, overrides, base), *_sample_levers(scenario, overrides, base), *_rl_levers(scenario, overrides, base)]
    missing = []
    if not base.get("pretraining"):
        missing.append({"lever": "larger model / more data", "reason": "the scenario has no pretraining run"})
    if not any("samples" in l["change"] for l in found):
        missing.append({"lever": "more samples", "reason": "no workload states a pass_rate"})
    if not any("RL compute" in l["lever"] for l in found):
        missing.append({"lever": "more RL compute", "reason": "no RL group gives a reward_curve"})
    if not found:
        raise UsageError("no lever applies: give pretraining (model.params and pretraining.tokens) or a workload's pass_rate")
    return LeversResult(result.name, found, missing)
