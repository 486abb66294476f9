"""Uncertain scenario numbers: ``{low, high, dist, mode}`` and the prior each one is sampled from.

A ``Range`` belongs to the scenario side: it is what a user writes. Its point value (``central``) is
what the plan shows; under a Monte Carlo ``Sampler`` it becomes an array of draws by the inverse of
its distribution's CDF applied to the sampler's uniform draws for its key (the field's path), so a
range draws the same samples whatever else the scenario holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from scaling_cli.engine.types import ArrayLike
from scaling_cli.engine.uncertainty import Sampler

#: Distributions a scenario range may name.
DISTRIBUTIONS = ("uniform", "loguniform", "triangular")


@dataclass(frozen=True)
class Range:
    """An uncertain scenario number: ``{low, high, dist, mode}``."""

    low: float
    high: float
    dist: str = "uniform"
    mode: float | None = None

    @property
    def central(self) -> float:
        """The point estimate: midpoint (uniform), geometric midpoint (loguniform), mode (triangular)."""
        if self.dist == "loguniform":
            return math.sqrt(self.low * self.high)
        if self.dist == "triangular" and self.mode is not None:
            return self.mode
        return (self.low + self.high) / 2

    def draw(self, sampler: Sampler, key: str) -> ArrayLike:
        """``central`` for a point sampler; else ``sampler.size`` draws keyed by ``key``."""
        uniform = sampler.uniform(key)
        return self.central if uniform is None else self.quantile(uniform)

    def quantile(self, uniform: np.ndarray) -> np.ndarray:
        """The inverse CDF of the range's distribution at ``uniform`` (values in [0, 1])."""
        if self.dist == "loguniform":
            return np.exp(np.log(self.low) + uniform * (np.log(self.high) - np.log(self.low)))
        if self.dist == "triangular":
            return _triangular(uniform, self.low, self.central if self.mode is None else self.mode, self.high)
        return self.low + uniform * (self.high - self.low)


def _triangular(u: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    """Inverse CDF of the triangular distribution."""
    if high == low:
        return np.full_like(u, low)
    split = (mode - low) / (high - low)
    left = low + np.sqrt(u * (high - low) * (mode - low))
    right = high - np.sqrt((1 - u) * (high - low) * (high - mode))
    return np.where(u < split, left, right)


def central(value: Any) -> Any:
    """The point value of a number or ``Range`` (other values pass through)."""
    return value.central if isinstance(value, Range) else value
