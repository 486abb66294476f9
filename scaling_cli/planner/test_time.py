"""The ``test_time`` section of a plan (reasoning workloads). Filled in by issue #5."""

from __future__ import annotations

from typing import Any

from scaling_cli.engine.uncertainty import Sampler
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.hardware import ResolvedHardware
from scaling_cli.scenario.root import Scenario


def plan_test_time(scenario: Scenario, hardware: ResolvedHardware, assumptions: Assumptions, sampler: Sampler) -> dict[str, Any] | None:
    """``None`` until inference workloads are computed."""
    return None


def test_time_warnings(scenario: Scenario, sections: dict[str, Any]) -> list[str]:
    """Legal but suspicious test-time inputs, printed on stderr and listed in JSON ``warnings``."""
    return []
