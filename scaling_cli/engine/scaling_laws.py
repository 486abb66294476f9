"""Chinchilla-style scaling laws: predicted loss and compute-optimal model size and data.

Parametric form (Hoffmann et al. 2022, eq. 2 and App. D.2): L(N, D) = E + A/N^α + B/D^β.
Under the budget C = 6·N·D its minimum lies at (eq. 4)

    N_opt(C) = G · (C/6)^a,   D_opt(C) = G⁻¹ · (C/6)^b,
    G = (α·A / (β·B))^(1/(α+β)),   a = β/(α+β),   b = α/(α+β),

where the two loss terms stand in the ratio α·A/N^α = β·B/D^β (Lagrange condition). The same
condition gives the cheapest (N, D) reaching a target loss L in closed form:

    A/N^α = β·(L−E)/(α+β),   B/D^β = α·(L−E)/(α+β).

A ratio rule (≈20 tokens per parameter, Chinchilla Table 3) allocates D = r·N, i.e.
N = √(C / (6r)), and borrows a parametric fit for its loss. Every function takes floats or numpy
arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scaling_cli.engine.pretraining import TRAINING_FLOP_PER_PARAM_TOKEN, dense_forward_flops, dense_training_flops
from scaling_cli.engine.types import ArrayLike


class UnreachableLoss(ValueError):
    """A target loss at or below the fit's irreducible loss E."""


@dataclass(frozen=True)
class ParametricFit:
    """L(N, D) = E + A/N^α + B/D^β with its closed-form compute-optimal frontier."""

    name: str
    E: float
    A: float
    B: float
    alpha: float
    beta: float
    source: str

    def loss(self, params: ArrayLike, tokens: ArrayLike) -> ArrayLike:
        return self.E + self.A / np.power(params, self.alpha) + self.B / np.power(tokens, self.beta)

    @property
    def _g(self) -> float:
        return (self.alpha * self.A / (self.beta * self.B)) ** (1 / (self.alpha + self.beta))

    def optimal_allocation(self, flops: ArrayLike) -> tuple[ArrayLike, ArrayLike]:
        """(N_opt, D_opt) minimizing L under 6·N·D = ``flops`` (Hoffmann et al. 2022 eq. 4)."""
        total = self.alpha + self.beta
        half = np.asarray(flops, dtype=float) / TRAINING_FLOP_PER_PARAM_TOKEN
        return self._g * half ** (self.beta / total), half ** (self.alpha / total) / self._g

    def optimal_tokens(self, params: ArrayLike) -> ArrayLike:
        """D on the frontier for a model of ``params``: α·A/N^α = β·B/D^β solved for D."""
        return (self.beta * self.B * np.power(params, self.alpha) / (self.alpha * self.A)) ** (1 / self.beta)

    def optimal_params(self, tokens: ArrayLike) -> ArrayLike:
        """N on the frontier for ``tokens`` of data (the same condition solved for N)."""
        return (self.alpha * self.A * np.power(tokens, self.beta) / (self.beta * self.B)) ** (1 / self.alpha)

    def cheapest_for_loss(self, target: ArrayLike) -> tuple[ArrayLike, ArrayLike]:
        """(N, D) of least 6·N·D whose predicted loss equals ``target`` (must exceed E)."""
        excess = np.asarray(target, dtype=float) - self.E
        if np.any(excess <= 0):
            raise UnreachableLoss(f"a loss of {np.min(target):.4g} is not reachable with {self.name}: its irreducible loss E is {self.E:.4g}")
        total = self.alpha + self.beta
        params = (self.A * total / (self.beta * excess)) ** (1 / self.alpha)
        tokens = (self.B * total / (self.alpha * excess)) ** (1 / self.beta)
        return params, tokens


@dataclass(frozen=True)
class RatioRule:
    """Allocate D = ``tokens_per_param`` · N; losses come from ``loss_fit``."""

    name: str
    tokens_per_param: float
    loss_fit: ParametricFit
    source: str

    def loss(self, params: ArrayLike, tokens: ArrayLike) -> ArrayLike:
        return self.loss_fit.loss(params, tokens)

    def optimal_allocation(self, flops: ArrayLike) -> tuple[ArrayLike, ArrayLike]:
        params = np.sqrt(np.asarray(flops, dtype=float) / (TRAINING_FLOP_PER_PARAM_TOKEN * self.tokens_per_param))
        return params, self.tokens_per_param * params

    def optimal_tokens(self, params: ArrayLike) -> ArrayLike:
        return self.tokens_per_param * np.asarray(params, dtype=float)

    def optimal_params(self, tokens: ArrayLike) -> ArrayLike:
        return np.asarray(tokens, dtype=float) / self.tokens_per_param

    def cheapest_for_loss(self, target: ArrayLike) -> tuple[ArrayLike, ArrayLike]:
        """Solve loss(N, r·N) = target for N by bisection in log N (loss falls monotonically in N)."""
        goal = np.asarray(target, dtype=float)
        if np.any(goal <= self.loss_fit.E):
            raise UnreachableLoss(f"a loss of {np.min(goal):.4g} is not reachable: the irreducible loss E of {self.loss_fit.name} is {self.loss_fit.E:.4g}")
        low = np.full(goal.shape, np.log(1e3))
        high = np.full(goal.shape, np.log(1e18))
        for _ in range(80):  # halves a 35-nat interval to ~3e-23: far below float precision
            middle = (low + high) / 2
            too_big = self.loss(np.exp(middle), self.tokens_per_param * np.exp(middle)) < goal
            high = np.where(too_big, middle, high)
            low = np.where(too_big, low, middle)
        params = np.exp((low + high) / 2)
        params = params.item() if params.ndim == 0 else params
        return params, self.tokens_per_param * params


ScalingLaw = ParametricFit | RatioRule


def iso_loss_tokens(fit: ParametricFit, target: float, params: ArrayLike) -> ArrayLike:
    """Training tokens a model of ``params`` needs to reach ``target``: D(N) = (B / (L − E − A/N^α))^(1/β)
    (infinite where N is too small to ever reach it)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        room = target - fit.E - fit.A / np.power(params, fit.alpha)
        return np.where(room > 0, (fit.B / np.where(room > 0, room, 1.0)) ** (1 / fit.beta), np.inf)


def lifetime_optimum(fit: ParametricFit, target: float, lifetime_cost: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> tuple[float, float]:
    """(N, D_train) of least ``lifetime_cost(N, D)`` among the models reaching ``target``.

    Sardana, Doubov, Frankle 2023 ("Beyond Chinchilla-Optimal", arXiv 2401.00448 §2) minimize
    training + inference cost along the iso-loss curve D(N); ``lifetime_cost`` gets arrays of
    candidate N and their D(N) and returns their costs (FLOP or dollars). The cost is unimodal in
    log N, so a golden-section search over the sizes that can reach the loss finds the minimum.
    """
    excess = target - fit.E
    if excess <= 0:
        raise UnreachableLoss(f"a loss of {target:.4g} is not reachable with {fit.name}: its irreducible loss E is {fit.E:.4g}")
    smallest = (fit.A / excess) ** (1 / fit.alpha)  # below this size no amount of data reaches the loss

    def cost(log_n: np.ndarray) -> np.ndarray:
        n = np.exp(log_n)
        return lifetime_cost(n, iso_loss_tokens(fit, target, n))

    low, high = np.log(smallest) + 1e-9, np.log(smallest) + np.log(1e6)
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(120):  # the bracket shrinks by 0.618 per step: 14 nats to ~1e-24
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if cost(np.array([a]))[0] < cost(np.array([b]))[0]:
            high = b
        else:
            low = a
    params = float(np.exp((low + high) / 2))
    return params, float(iso_loss_tokens(fit, target, params))


def lifetime_flops(params: ArrayLike, tokens: ArrayLike, inference_tokens: ArrayLike) -> ArrayLike:
    """6·N·D_train + 2·N·D_inference (Sardana et al. 2023 §2)."""
    return dense_training_flops(params, tokens) + dense_forward_flops(params, inference_tokens)
