"""``scaling compare``: several scenarios side by side, with differences and ratios to the first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scaling_cli.planner import build_plan
from scaling_cli.result import SCHEMA_VERSION, Plan
from scaling_cli.scenario.loading import load_scenario

_BANDS = ("_p10", "_p90")


def _numeric_leaves(tree: Any, prefix: str = "") -> dict[str, float]:
    """Point values of every numeric metric (bands left out: compare point estimates)."""
    found: dict[str, float] = {}
    if isinstance(tree, dict):
        for key, value in tree.items():
            if not key.endswith(_BANDS):
                found.update(_numeric_leaves(value, f"{prefix}.{key}" if prefix else key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            found.update(_numeric_leaves(value, f"{prefix}[{index}]"))
    elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
        found[prefix] = float(tree)
    return found


@dataclass
class Comparison:
    plans: list[Plan]
    metrics: dict[str, list[float | None]]

    def differences(self, path: str) -> list[float | None]:
        values = self.metrics[path]
        base = values[0]
        return [None if base is None or v is None else v - base for v in values]

    def ratios(self, path: str) -> list[float | None]:
        values = self.metrics[path]
        base = values[0]
        return [None if base in (None, 0) or v is None else v / base for v in values]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "scenarios": [{"name": p.name, "source": p.source} for p in self.plans],
            "metrics": {
                path: {"values": values, "difference": self.differences(path), "ratio": self.ratios(path)} for path, values in self.metrics.items()
            },
        }


def compare_scenarios(paths: list[str | None]) -> Comparison:
    plans = [build_plan(load_scenario(path), samples=0) for path in paths]
    leaves = [_numeric_leaves({name: section for name, section in plan.sections.items() if section is not None}) for plan in plans]
    order: dict[str, None] = {}
    for leaf in leaves:
        order.update(dict.fromkeys(leaf))
    return Comparison(plans=plans, metrics={path: [leaf.get(path) for leaf in leaves] for path in order})
