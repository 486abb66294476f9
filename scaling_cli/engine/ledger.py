"""One ledger across the three laws: totals, shares and the serving crossover.

Pure functions over floats or numpy arrays (sample axis), like the rest of the engine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scaling_cli.engine.types import ArrayLike


def shares(parts: dict[str, ArrayLike | None]) -> dict[str, ArrayLike]:
    """Each part's share of the sum (absent parts count as 0); shares add up to 1."""
    present = {name: value for name, value in parts.items() if value is not None}
    total = sum(present.values())
    return {name: (present[name] / total if name in present else 0.0) for name in parts}


def cumulative_serving_flops(days: ArrayLike, daily_flops: Sequence[ArrayLike], durations: Sequence[ArrayLike]) -> ArrayLike:
    """Test-time FLOP spent by day ``days``: Σ_w daily_w · min(days, duration_w)."""
    return sum(rate * np.minimum(days, duration) for rate, duration in zip(daily_flops, durations))


def crossover_day(pretraining_flops: float, daily_flops: Sequence[float], durations: Sequence[float]) -> float | None:
    """The day on which cumulative test-time compute exceeds pretraining compute, or ``None`` if it
    never does while the workloads run. With one daily rate R over the whole period this is
    pretraining FLOP ÷ R; with workloads of different lengths the cumulative curve is piecewise
    linear, solved here by bisection (exact to far below a second)."""
    if not daily_flops:
        return None
    horizon = max(durations)
    if cumulative_serving_flops(horizon, daily_flops, durations) < pretraining_flops:
        return None
    low, high = 0.0, float(horizon)
    for _ in range(200):
        middle = (low + high) / 2
        if cumulative_serving_flops(middle, daily_flops, durations) < pretraining_flops:
            low = middle
        else:
            high = middle
    return (low + high) / 2
