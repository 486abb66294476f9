"""One ledger across the three laws: totals, shares and the serving crossover.

Pure functions over floats or numpy arrays (sample axis), like the rest of the engine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scaling_cli.engine.types import ArrayLike


def shares(parts: dict[str, ArrayLike | None]) -> dict[str, ArrayLike]:
    """Each part's share of the sum (absent parts count as 0); shares add up to 1, or are all 0 where
    the sum is 0 (nothing to share: every group has count 0, or every price is 0)."""
    present = {name: value for name, value in parts.items() if value is not None}
    total = sum(present.values())
    return {name: (_share(present[name], total) if name in present else 0.0) for name in parts}


def _share(part: ArrayLike, total: ArrayLike) -> ArrayLike:
    if np.ndim(total) == 0:
        return part / total if total > 0 else 0.0
    return np.divide(part, total, out=np.zeros(np.broadcast(part, total).shape), where=total > 0)


def cumulative_serving_flops(days: ArrayLike, daily_flops: Sequence[ArrayLike], durations: Sequence[ArrayLike]) -> ArrayLike:
    """Test-time FLOP spent by day ``days``: Σ_w daily_w · min(days, duration_w)."""
    return sum(rate * np.minimum(days, duration) for rate, duration in zip(daily_flops, durations))


def crossover_day(pretraining_flops: ArrayLike, daily_flops: Sequence[ArrayLike], durations: Sequence[float]) -> ArrayLike | None:
    """The day on which cumulative test-time compute exceeds pretraining compute: ``None`` (scalar
    inputs) or NaN (array inputs, per element) if it never does while the workloads run.

    The cumulative curve Σ_w R_w·min(t, d_w) is piecewise linear with a knee at each workload's end:
    walk the segments in order of the durations d_w; on the segment where it reaches the pretraining
    FLOP P, t = start + (P − C(start)) ÷ (the daily rate of the workloads still running). With one
    rate over the whole period this is P ÷ R. Rates may be arrays (samples, sweep points); durations
    that are arrays are solved by bisection instead."""
    if not daily_flops:
        return None
    target = np.asarray(pretraining_flops, dtype=float)
    if any(np.ndim(d) for d in durations):  # durations that vary (a sweep over days): bisection
        return _crossover_by_bisection(target, daily_flops, durations)
    shape = np.broadcast_shapes(target.shape, *(np.shape(r) for r in daily_flops))
    day = np.full(shape, np.nan)
    start, reached = 0.0, np.zeros(shape)
    for end in sorted({float(d) for d in durations}):
        rate = sum((r for r, d in zip(daily_flops, durations) if float(d) > start), np.zeros(shape))
        with np.errstate(divide="ignore", invalid="ignore"):
            candidate = start + (target - reached) / rate
        at_end = reached + rate * (end - start)
        day = np.where(np.isnan(day) & (at_end >= target) & (rate > 0), candidate, day)
        start, reached = end, at_end
    if day.ndim == 0:
        return None if np.isnan(day) else float(day)
    return day


def _crossover_by_bisection(target: np.ndarray, daily_flops: Sequence[ArrayLike], durations: Sequence[ArrayLike]) -> ArrayLike:
    """The same day where durations are arrays: 100 halvings of [0, longest duration]."""
    horizon = np.maximum.reduce([np.asarray(d, dtype=float) for d in durations])
    shape = np.broadcast_shapes(target.shape, horizon.shape, *(np.shape(r) for r in daily_flops))
    low, high = np.zeros(shape), np.broadcast_to(horizon, shape).astype(float)
    reachable = cumulative_serving_flops(high, daily_flops, durations) >= target
    for _ in range(100):
        middle = (low + high) / 2
        below = cumulative_serving_flops(middle, daily_flops, durations) < target
        low, high = np.where(below, middle, low), np.where(below, high, middle)
    return np.where(reachable, (low + high) / 2, np.nan)
