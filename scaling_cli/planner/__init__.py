"""Scenario -> ``Plan``: resolve defaults, call the engine per law, check every number.

The planner is the only place that knows both the scenario format and the engine; it never prints.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scaling_cli.errors import InputError, Problem
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.hardware import resolve_hardware
from scaling_cli.planner.pretraining import plan_pretraining
from scaling_cli.result import Plan
from scaling_cli.scenario.loading import LoadedScenario
from scaling_cli.scenario.root import Scenario


def build_plan(loaded: LoadedScenario) -> Plan:
    scenario = loaded.scenario
    assumptions = Assumptions()
    hardware = resolve_hardware(scenario.hardware, assumptions)
    sections: dict[str, Any] = {
        "pretraining": None if scenario.pretraining is None else plan_pretraining(scenario.model, scenario.pretraining, hardware),
    }
    sections = {name: to_plain(value) for name, value in sections.items()}
    check_finite(sections, loaded.source)
    return Plan(
        name=scenario.name,
        description=scenario.description,
        source=loaded.source,
        sections=sections,
        assumptions=assumptions.as_list(),
        warnings=plan_warnings(scenario, sections),
    )


def to_plain(value: Any) -> Any:
    """numpy scalars and 0-d arrays -> Python numbers, recursively."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, np.generic):
        value = value.item()
    return value


def check_finite(tree: Any, source: str, path: str = "") -> None:
    """Refuse to report NaN, infinity or a negative figure: say which metric overflowed instead."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            check_finite(value, source, f"{path}.{key}" if path else key)
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            check_finite(value, source, f"{path}[{index}]")
    elif isinstance(tree, float) and (not math.isfinite(tree) or tree < 0):
        what = "is not a finite number" if not math.isfinite(tree) else "is negative"
        raise InputError([Problem(source, None, None, path, f"the planned value {what}; the scenario's magnitudes are out of range")])


def plan_warnings(scenario: Scenario, sections: dict[str, Any]) -> list[str]:
    """Legal but suspicious inputs (issue #8 extends this list)."""
    return []
