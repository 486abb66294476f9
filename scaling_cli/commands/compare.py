"""``scaling compare``: several scenarios side by side, with differences and ratios to the first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scaling_cli.errors import InputError, UsageError
from scaling_cli.commands.plan import plan_scenario
from scaling_cli.scenario.portfolio import is_portfolio
from scaling_cli.yaml_source import read_yaml_file
from scaling_cli.render import views
from scaling_cli.result import SCHEMA_VERSION, Plan
from scaling_cli.tree import is_band, label, walk

def _numeric_leaves(tree: Any) -> dict[str, float]:
    """Point values of every numeric metric by label, list items by name (bands left out: compare
    point estimates), so a group or workload is compared with the one of the same name."""
    return {
        label(path): float(value)
        for path, value in walk(tree)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not is_band(str(path[-1]))
    }


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

    def tables(self) -> list[Any]:
        return views.comparison_tables(self)

    def csv_table(self) -> Any:
        return self.tables()[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "scenarios": [{"name": p.name, "source": p.source} for p in self.plans],
            "metrics": {
                path: {"values": values, "difference": self.differences(path), "ratio": self.ratios(path)} for path, values in self.metrics.items()
            },
        }


def _portfolio(path: str | None) -> bool:
    """True when ``path`` is a readable portfolio file (checked before planning anything)."""
    if path is None or path == "-":
        return False
    try:
        return is_portfolio(read_yaml_file(path))
    except InputError:
        return False


def _plans(path: str | None) -> list[Plan]:
    """A scenario's point plan, or every member's of a portfolio file."""
    result = plan_scenario(path, samples=0, seed=0)
    return [plan for _, plan in result.members] if hasattr(result, "members") else [result]


def compare_scenarios(paths: list[str | None]) -> Comparison:
    """Point plans of two or more scenarios (a portfolio file stands for its members), every metric side by side by its label."""
    if len(paths) < 2 and not _portfolio(paths[0] if paths else None):
        raise UsageError("compare needs at least two scenario files, or a portfolio file of two or more members")
    plans = [plan for path in paths for plan in _plans(path)]
    if len(plans) < 2:
        raise UsageError("compare needs at least two scenario files, or a portfolio file of two or more members")
    leaves = [_numeric_leaves({name: section for name, section in plan.sections.items() if section is not None}) for plan in plans]
    order: dict[str, None] = {}
    for leaf in leaves:
        order.update(dict.fromkeys(leaf))
    return Comparison(plans=plans, metrics={path: [leaf.get(path) for leaf in leaves] for path in order})
