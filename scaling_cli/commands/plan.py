"""``scaling plan``: a scenario file (or the built-in default) -> ``Plan``."""

from __future__ import annotations

from collections.abc import Sequence

from scaling_cli.planner.plan import build_plan
from scaling_cli.result import Plan
from scaling_cli.scenario.loading import load_scenario


def plan_scenario(scenario: str | None, overrides: Sequence[str] = (), *, samples: int, seed: int, fit: str | None = None) -> Plan:
    """Load, validate and plan ``scenario`` with ``--set`` overrides; ``fit`` overrides ``pretraining.fit``."""
    extra = [f"pretraining.fit={fit}"] if fit else []
    return build_plan(load_scenario(scenario, [*overrides, *extra]), samples=samples, seed=seed)
