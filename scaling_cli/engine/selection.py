"""Picking among candidate serving configurations (replica sizes × batches along axis 0), vectorized:
the cheapest that meets the targets, else the closest to them (``engine/serving.py``,
``engine/expert_parallel.py``)."""

from __future__ import annotations

import numpy as np

from scaling_cli.engine.types import ArrayLike


def take(values: ArrayLike, index: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The entry ``index`` picks along axis 0, after broadcasting ``values`` to the candidates' ``shape``."""
    return np.take_along_axis(np.broadcast_to(values, shape), index[None], axis=0)[0]


def choose(key: np.ndarray, feasible: np.ndarray | None, fallback: np.ndarray) -> np.ndarray:
    """Index along axis 0 minimizing ``key`` among feasible entries, or ``fallback`` where none is."""
    if feasible is None:
        return np.argmin(key, axis=0)
    any_ok = np.any(feasible, axis=0)
    return np.where(any_ok, np.argmin(np.where(feasible, key, np.inf), axis=0), np.argmin(fallback, axis=0))


def target_excess(metrics: dict[str, ArrayLike], latency_target: ArrayLike | None, step_target: ArrayLike | None) -> ArrayLike | None:
    """How far the figures overshoot the targets: the largest of latency ÷ its target and step time
    ÷ the time-per-output-token target (≤ 1 meets both), or ``None`` without targets."""
    parts = []
    if latency_target is not None:
        parts.append(metrics["latency_seconds"] / latency_target)
    if step_target is not None:
        parts.append(metrics["step_seconds"] / step_target)
    return None if not parts else np.maximum(parts[0], parts[-1])


def take_choice(grid: np.ndarray, excess: ArrayLike) -> np.ndarray:
    """The largest batch on ``grid`` (axis 0) that meets the targets (``excess`` ≤ 1), or the one
    closest to them where none does."""
    shape = np.broadcast_shapes(np.shape(excess), grid.shape)
    largest_meeting = choose(-np.broadcast_to(grid, shape), np.broadcast_to(excess, shape) <= 1.0, np.broadcast_to(excess, shape))
    return take(grid, largest_meeting, shape)
