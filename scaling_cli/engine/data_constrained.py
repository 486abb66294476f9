"""Data-constrained pretraining: what repeated tokens and excess parameters are worth.

Muennighoff et al. 2023, "Scaling Data-Constrained Language Models" (arXiv 2305.16264, §3) replace
the data D and parameters N of the Chinchilla form L = E + A/N^α + B/D^β by their effective values:

    U_D = min(D, unique tokens),      R_D = D/U_D − 1                     (repetitions: epochs − 1)
    D'  = U_D + U_D·R*_D·(1 − exp(−R_D/R*_D))
    U_N = min(N, N_opt(U_D)),         R_N = N/U_N − 1                     (parameters beyond those
    N'  = U_N + U_N·R*_N·(1 − exp(−R_N/R*_N))                              the unique data supports)

where N_opt(U_D) is the compute-optimal model for U_D tokens under the same fit. Each repetition is
worth exp(−R_D/R*_D) of a unique token (dD'/dD), so D' tends to U_D·(1 + R*_D) however long one
trains; N' likewise tends to U_N·(1 + R*_N). The fitted decay constants R*_D = 15.387756 and
R*_N = 5.309743 (with the paper's C4 fit ln A = 6.255414, ln B = 7.3049974, ln E = 0.6254804,
α = β = 0.3526596) are published with the paper's code (github.com/huggingface/datablations, README,
"Parametric Fit"). The paper's finding (abstract): up to about 4 epochs, repeated data is almost as
good as unique data; beyond, the value of more compute decays towards zero. Every function takes
floats or numpy arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scaling_cli.engine.pretraining import TRAINING_FLOP_PER_PARAM_TOKEN
from scaling_cli.engine.types import ArrayLike

#: Repetitions after which a repeated token is worth 1/e of a unique one (Muennighoff et al. 2023 §3, fitted).
R_D_STAR = 15.387756
#: The same for parameters beyond those the unique data supports (Muennighoff et al. 2023 §3, fitted).
R_N_STAR = 5.309743
#: Epochs past which repeated data's value falls fast: 1 + R*_D ≈ 16.4, where the last token is worth 1/e.
RAPID_DECAY_EPOCHS = 1 + R_D_STAR
#: Epochs up to which repeated data is "almost as good" as unique data (Muennighoff et al. 2023, abstract).
NEAR_UNIQUE_EPOCHS = 4.0
#: The paper's experiments: up to 9B parameters and 900B training tokens (abstract); beyond is extrapolation.
MAX_FITTED_PARAMS = 9e9
MAX_FITTED_TOKENS = 900e9


def epochs(tokens: ArrayLike, unique_tokens: ArrayLike) -> ArrayLike:
    """Passes over the unique data: D ÷ U (below 1 when not all of it is used)."""
    return np.asarray(tokens, dtype=float) / unique_tokens


def _effective(total: ArrayLike, unique: ArrayLike, r_star: float) -> ArrayLike:
    """U + U·R*·(1 − exp(−R/R*)) with U = min(total, unique), R = total/U − 1 (the paper's decay)."""
    base = np.minimum(total, unique)
    repeats = np.maximum(np.asarray(total, dtype=float) / base - 1, 0.0)
    return base + base * r_star * -np.expm1(-repeats / r_star)


def effective_tokens(tokens: ArrayLike, unique_tokens: ArrayLike) -> ArrayLike:
    """D' of ``tokens`` drawn from ``unique_tokens`` unique ones (Muennighoff et al. 2023 §3)."""
    return _effective(tokens, unique_tokens, R_D_STAR)


def effective_params(params: ArrayLike, unique_params: ArrayLike) -> ArrayLike:
    """N' of a model of ``params`` whose unique data supports ``unique_params`` (Muennighoff et al. 2023 §3)."""
    return _effective(params, unique_params, R_N_STAR)


def repeated_token_value(epochs_: ArrayLike) -> ArrayLike:
    """What the last token of epoch ``epochs_`` is worth against a unique one: exp(−(epochs − 1)/R*_D)."""
    return np.exp(-np.maximum(np.asarray(epochs_, dtype=float) - 1, 0.0) / R_D_STAR)


def supported_params(law: Any, tokens: ArrayLike, unique_tokens: ArrayLike) -> ArrayLike:
    """U_N: the compute-optimal model size, under ``law``, of the unique tokens a run uses."""
    return law.optimal_params(np.minimum(tokens, unique_tokens))


def constrained_loss(law: Any, params: ArrayLike, tokens: ArrayLike, unique_tokens: ArrayLike) -> ArrayLike:
    """L(N', D') under ``law``'s E, A, B, α, β (a ``ParametricFit`` or a ``RatioRule``)."""
    n_eff = effective_params(params, supported_params(law, tokens, unique_tokens))
    return law.loss(n_eff, effective_tokens(tokens, unique_tokens))


def loss_floor(law: Any, unique_tokens: ArrayLike) -> ArrayLike:
    """The loss unlimited compute approaches on ``unique_tokens``: L(U_N·(1 + R*_N), U_D·(1 + R*_D))."""
    return law.loss(law.optimal_params(unique_tokens) * (1 + R_N_STAR), np.asarray(unique_tokens, dtype=float) * (1 + R_D_STAR))


#: Search span around the unconstrained optimum, in nats of N (e^-12 ≈ 6e-6 to e^5 ≈ 150 times).
_SPAN = (-12.0, 5.0)
_GRID = 681  # 0.025 nats apart, then refined by golden section


def constrained_optimum(law: Any, flops: ArrayLike, unique_tokens: float) -> tuple[ArrayLike, ArrayLike]:
    """(N, D) of least L(N', D') under 6·N·D = ``flops`` with ``unique_tokens`` unique tokens.

    The loss along the budget is unimodal in log N (N' grows and D' shrinks with N), so a grid of
    log N around the unconstrained optimum brackets the minimum and a golden-section search refines
    it (the paper's code searches a grid too). Vectorized over ``flops``.
    """
    budget = np.atleast_1d(np.asarray(flops, dtype=float))
    half = budget / TRAINING_FLOP_PER_PARAM_TOKEN
    centre = np.log(law.optimal_allocation(budget)[0])

    def loss(log_n: np.ndarray) -> np.ndarray:
        n = np.exp(log_n)
        return constrained_loss(law, n, half[:, None] / n if n.ndim == 2 else half / n, unique_tokens)

    offsets = np.linspace(*_SPAN, _GRID)
    grid = centre[:, None] + offsets[None, :]
    best = np.argmin(loss(grid), axis=1)
    step = offsets[1] - offsets[0]
    low, high = centre + offsets[best] - step, centre + offsets[best] + step
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(60):  # 0.05 nats × 0.618^60: far below float precision
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        left = loss(a) < loss(b)
        high, low = np.where(left, b, high), np.where(left, low, a)
    params = np.exp((low + high) / 2)
    tokens = half / params
    if np.ndim(flops) == 0:
        return float(params[0]), float(tokens[0])
    return params, tokens


#: "Extra compute stops helping": ten times the compute buys less than this share of the loss it
#: buys with unlimited unique data.
SATURATION_SHARE = 0.1


def _gain_share(law: Any, flops: float, unique_tokens: float) -> float:
    """Loss bought by 10× more compute under the data cap ÷ the same with unlimited unique data."""
    capped = [float(constrained_loss(law, *constrained_optimum(law, c, unique_tokens), unique_tokens)) for c in (flops, 10 * flops)]
    free = [float(law.loss(*law.optimal_allocation(c))) for c in (flops, 10 * flops)]
    return (capped[0] - capped[1]) / (free[0] - free[1])


def saturation_flops(law: Any, unique_tokens: float) -> float:
    """The budget beyond which 10× more compute buys under ``SATURATION_SHARE`` of what it buys with
    unlimited data (bisection in log C; the share falls as the budget outgrows the data)."""
    start = np.log(TRAINING_FLOP_PER_PARAM_TOKEN * float(law.optimal_params(unique_tokens)) * unique_tokens)  # uses U once
    low, high = start, start
    while _gain_share(law, float(np.exp(low)), unique_tokens) < SATURATION_SHARE and low > start - np.log(1e6):
        low -= np.log(100.0)
    while _gain_share(law, float(np.exp(high)), unique_tokens) >= SATURATION_SHARE:
        high += np.log(100.0)
    for _ in range(40):
        middle = (low + high) / 2
        if _gain_share(law, float(np.exp(middle)), unique_tokens) < SATURATION_SHARE:
            high = middle
        else:
            low = middle
    return float(np.exp(high))
