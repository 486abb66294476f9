"""``scaling optimal``: compute-optimal (or inference-aware) sizing for one budget or target loss."""

from __future__ import annotations

from typing import Any

from scaling_cli.planner.optimal import OptimalRequest, OptimalResult, solve_optimal


def optimal(*, hardware: dict[str, Any], samples: int, seed: int, **budget: Any) -> OptimalResult:
    """``budget`` holds the request's plain fields (``compute``, ``gpu_hours``, ``target_loss``, ...)."""
    return solve_optimal(OptimalRequest(hardware=hardware, **budget), samples=samples, seed=seed)
