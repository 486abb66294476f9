"""The ``post_training`` section of a plan (derivative models). Filled in by issue #4."""

from __future__ import annotations

from typing import Any

from scaling_cli.engine.uncertainty import Sampler
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.hardware import ResolvedHardware
from scaling_cli.scenario.root import Scenario


def plan_post_training(
    scenario: Scenario, hardware: ResolvedHardware, assumptions: Assumptions, sampler: Sampler, pretraining: dict[str, Any] | None
) -> dict[str, Any] | None:
    """``None`` until derivative-model groups are computed."""
    return None


def post_training_warnings(scenario: Scenario, sections: dict[str, Any]) -> list[str]:
    """Legal but suspicious post-training inputs, printed on stderr and listed in JSON ``warnings``."""
    return []
