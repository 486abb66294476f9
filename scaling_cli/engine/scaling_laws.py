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

from dataclasses import dataclass

import numpy as np

from scaling_cli.engine.pretraining import TRAINING_FLOP_PER_PARAM_TOKEN
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


#: Inference FLOP per parameter per processed token (forward pass only; Sardana et al. 2023 §2).
INFERENCE_FLOP_PER_PARAM_TOKEN = 2.0


def lifetime_optimum(
    fit: ParametricFit, target: float, inference_tokens: ArrayLike, training_weight: ArrayLike = 1.0, inference_weight: ArrayLike = 1.0
) -> tuple[ArrayLike, ArrayLike]:
    """(N, D_train) of least ``training_weight``·6·N·D + ``inference_weight``·2·N·D_inf reaching ``target``.

    Sardana, Doubov, Frankle 2023 ("Beyond Chinchilla-Optimal", arXiv 2401.00448 §2): along the
    iso-loss curve D(N) = (B / (L − E − A/N^α))^(1/β), minimize the lifetime cost over N. The weights
    turn FLOP into cost (USD per FLOP of training and of inference); 1 and 1 minimize FLOP. The
    objective is unimodal in log N, so a vectorized golden-section search finds the minimum.
    """
    excess = target - fit.E
    if excess <= 0:
        raise UnreachableLoss(f"a loss of {target:.4g} is not reachable with {fit.name}: its irreducible loss E is {fit.E:.4g}")
    smallest = (fit.A / excess) ** (1 / fit.alpha)  # below this size no amount of data reaches the loss
    inference = np.asarray(inference_tokens, dtype=float)
    shape = np.broadcast(inference, np.asarray(training_weight), np.asarray(inference_weight)).shape

    def cost(log_n: np.ndarray) -> np.ndarray:
        n = np.exp(log_n)
        tokens = (fit.B / (excess - fit.A / n**fit.alpha)) ** (1 / fit.beta)
        return training_weight * 6.0 * n * tokens + inference_weight * INFERENCE_FLOP_PER_PARAM_TOKEN * n * inference

    low = np.full(shape, np.log(smallest) + 1e-9)
    high = np.full(shape, np.log(smallest) + np.log(1e6))
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(120):  # the bracket shrinks by 0.618 per step: 14 nats to ~1e-24
        a = high - ratio * (high - low)
        b = low + ratio * (high - low)
        left_better = cost(a) < cost(b)
        high = np.where(left_better, b, high)
        low = np.where(left_better, low, a)
    params = np.exp((low + high) / 2)
    tokens = (fit.B / (excess - fit.A / params**fit.alpha)) ** (1 / fit.beta)
    if params.ndim == 0:
        return float(params), float(tokens)
    return params, tokens
