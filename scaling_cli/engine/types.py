"""Type aliases for engine functions that accept scalars or numpy arrays."""

from __future__ import annotations

from typing import Union

import numpy as np

ArrayLike = Union[float, np.ndarray]


def clipped(value: ArrayLike, low: float = 0.0, high: float = np.inf) -> ArrayLike:
    """``value`` limited to [low, high], for floats and arrays alike."""
    return np.clip(value, low, high) if isinstance(value, np.ndarray) else min(max(value, low), high)


def whole(value: ArrayLike | None) -> int | np.ndarray | None:
    """A scalar whole number as ``int`` (counts read better as 15 than 15.0); arrays unchanged, and
    so are infinity and NaN, which no ``int`` holds (the planner's finiteness check reports them)."""
    if value is None or np.ndim(value) != 0 or not np.isfinite(value):
        return value
    return int(value)
