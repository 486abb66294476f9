"""Whole-run training efficiency as a function of the run, fitted to published runs with shrinkage.

    ln(efficiency) = b0 + b_class + (s + s_class)·log10(N_active / 10B) + m·ln(N_total / N_active) + w·more + ε

efficiency = MFU × goodput = 6·N_active·D ÷ (GPU-hours × 3600 × 16-bit dense peak) of each bundled
run (``catalog/calibration.py``). A hardware generation (``efficiency_class``) shifts the level and
the size slope; mixture-of-experts sparsity (total ÷ active parameters) moves it too; and ``more``
is 1 for a published figure that covers more than the final pretraining run (ablations,
annealing, context extension, post-training: the source says so), so such figures inform the fit
without biasing it. A plan predicts the final run (``more`` = 0). The fit is a
Bayesian linear regression (ridge): Gaussian priors shrink each generation's level and slope toward
the common ones, so a generation with two runs borrows strength from the rest instead of taking
their median as gospel (Gelman & Hill 2007, *Data Analysis Using Regression and Multilevel Models*,
ch. 12); Huber weights keep a few outlying figures from dragging it (``HUBER_K``). The residual σ is
read off the residuals' 80th percentile (``COVERED``) with the effective degrees of freedom n − tr(H), and a
prediction's spread adds the uncertainty of the fitted coefficients, xᵀΣx, to σ², then widens a
normal band to Student's t with those degrees of freedom: few runs, wide band. A generation with no
run gets the common level with its prior spread added. Prior scales are set before looking at any
run (``PRIOR_SD``), documented in docs/CALIBRATION.md, and never tuned to a held-out run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scaling_cli.engine.types import ArrayLike
from scaling_cli.engine.uncertainty import Z90, linear_quantile

#: Size at which the level is read: log10(N_active / SIZE_PIVOT) = 0.
SIZE_PIVOT = 1e10
#: Sizes the model is read at: published runs span ~0.1B to ~1T active parameters, so a size beyond
#: this range (or a sparsity beyond 1:100) is read at its nearest end, never extrapolated.
ACTIVE_RANGE = (1e8, 1e11)
SPARSITY_RANGE = (1.0, 100.0)
#: Prior standard deviations of the coefficients (natural-log units of efficiency), chosen a priori:
#: a generation's level within ±35% of the common one, its size slope within ±0.2 per decade of the
#: common slope, the common slope within ±0.5 per decade, and a mixture-of-experts model within a
#: factor of about 1.6 of a dense model of its active size at 10× sparsity (0.2 per e-fold:
#: 0.2 × ln 10 = 0.46); the intercept is free.
PRIOR_SD = {"intercept": 10.0, "class": 0.35, "size": 0.5, "class_size": 0.2, "moe": 0.2, "more": 0.5}


@dataclass(frozen=True)
class Observation:
    """One published run as the fit sees it."""

    name: str
    efficiency_class: str
    active_params: float
    total_params: float
    efficiency: float
    #: the published hours cover more than the final pretraining run
    includes_more: bool = False


@dataclass(frozen=True)
class EfficiencyFit:
    """Posterior of the regression: coefficient means and covariance, residual σ and dof."""

    classes: tuple[str, ...]
    mean: np.ndarray
    covariance: np.ndarray
    sigma: float
    dof: float
    runs: tuple[str, ...]

    def predict(self, efficiency_class: str, active: ArrayLike, total: ArrayLike, includes_more: bool = False) -> tuple[ArrayLike, ArrayLike]:
        """(median efficiency, log-normal σ) of a new run (of its final pretraining run unless
        ``includes_more``): σ makes the log-normal's P10-P90 the predictive Student-t interval."""
        x = _features(self.classes, efficiency_class, active, total, includes_more)
        centre = np.tensordot(self.mean, x, axes=(0, 0))
        spread = np.einsum("i...,ij,j...->...", x, self.covariance, x)
        if efficiency_class not in self.classes:  # an unseen generation: its level is unknown
            spread = spread + PRIOR_SD["class"] ** 2
        log_sd = np.sqrt(self.sigma**2 + spread) * student_t90(self.dof) / Z90
        return _plain(np.exp(centre)), _plain(log_sd)


def _plain(value: np.ndarray) -> ArrayLike:
    return float(value) if np.ndim(value) == 0 else value


def _features(classes: Sequence[str], efficiency_class: str, active: ArrayLike, total: ArrayLike, includes_more: bool = False) -> np.ndarray:
    """The design vector(s): intercept, class levels, common size slope, class slopes, MoE term,
    and whether the figure covers more than the final run."""
    with np.errstate(all="ignore"):  # NaN or inf sizes stay NaN here; the planner refuses them where they arise
        size = np.log10(np.clip(np.asarray(active, dtype=float), *ACTIVE_RANGE) / SIZE_PIVOT)
        moe = np.log(np.clip(np.asarray(total, dtype=float) / np.asarray(active, dtype=float), *SPARSITY_RANGE))
    one = np.ones_like(size + moe)
    is_class = [one * (c == efficiency_class) for c in classes]
    return np.stack([one, *is_class, size * one, *(flag * size for flag in is_class), moe * one, one * float(includes_more)])


def _prior_precision(classes: Sequence[str]) -> np.ndarray:
    scales = [PRIOR_SD["intercept"], *[PRIOR_SD["class"]] * len(classes), PRIOR_SD["size"], *[PRIOR_SD["class_size"]] * len(classes), PRIOR_SD["moe"], PRIOR_SD["more"]]
    return np.diag([1.0 / s**2 for s in scales])


#: Huber's tuning constant: residuals beyond 1.345 σ get weight 1.345 σ / |r| (Huber 1964; 95%
#: efficiency at the normal), so a run whose figure is off for reasons the model cannot see (hours
#: for more than the run, a wrong token count) pulls the fit less.
HUBER_K = 1.345
#: σ from the 80th percentile of the absolute residuals ÷ z(0.90): for normal residuals it is σ,
#: and for the heavier tails published figures have it is the scale whose ±1.28σ holds 80% of the
#: runs, which is what a P10-P90 band promises (the root-mean-square would be inflated by a few
#: outlying runs, the median absolute residual would understate the tails).
COVERED = 0.8
#: Smallest σ the fit will claim: no published GPU-hour figure is rounded finer than ~2%.
SIGMA_FLOOR = 0.02


def fit(observations: Sequence[Observation], iterations: int = 100) -> EfficiencyFit:
    """Robust ridge regression of ln(efficiency): Gaussian priors on the coefficients, Huber
    weights on the runs, σ from the residuals' 80th percentile, iterated to convergence."""
    classes = tuple(sorted({o.efficiency_class for o in observations}))
    X = np.stack([_features(classes, o.efficiency_class, o.active_params, o.total_params, o.includes_more) for o in observations])
    y = np.log([o.efficiency for o in observations])
    precision = _prior_precision(classes)
    sigma, n = 0.2, len(observations)
    weights = np.ones(n)
    for _ in range(iterations):
        weighted = X.T * weights
        inverse = np.linalg.inv(weighted @ X + sigma**2 * precision)
        mean = inverse @ weighted @ y
        dof = max(n - float(np.trace(X @ inverse @ weighted)), 1.0)
        residual = y - X @ mean
        new_sigma = max(linear_quantile(np.abs(residual), COVERED) / Z90 * math.sqrt(n / dof), SIGMA_FLOOR)
        weights = np.minimum(1.0, HUBER_K * new_sigma / np.maximum(np.abs(residual), 1e-12))
        if abs(new_sigma - sigma) < 1e-10:
            break
        sigma = new_sigma
    return EfficiencyFit(classes, mean, sigma**2 * inverse, sigma, dof, tuple(o.name for o in observations))


def student_t90(dof: float) -> float:
    """The 90th percentile of Student's t with ``dof`` degrees of freedom (Cornish-Fisher expansion
    about the normal, Abramowitz & Stegun 26.7.5; within 0.5% of the exact value for dof ≥ 3, and
    conservative below)."""
    z = Z90
    nu = max(dof, 1.0)
    return z + (z**3 + z) / (4 * nu) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * nu**2) + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * nu**3)


def describe(fit_: EfficiencyFit, efficiency_class: str) -> dict[str, Any]:
    """The fitted level (at 10B active) and size slope of a generation, for docs and assumptions."""
    k = len(fit_.classes)
    level, slope = fit_.mean[0], fit_.mean[1 + k]
    if efficiency_class in fit_.classes:
        i = fit_.classes.index(efficiency_class)
        level, slope = level + fit_.mean[1 + i], slope + fit_.mean[2 + k + i]
    return {
        "efficiency_at_10b": math.exp(level),
        "per_decade": math.exp(slope),
        "moe_per_e": math.exp(fit_.mean[-2]),
        "more": math.exp(fit_.mean[-1]),
        "sigma": fit_.sigma,
        "dof": fit_.dof,
    }
