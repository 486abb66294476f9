"""What RL compute buys: the sigmoidal reward-versus-compute curve of Khatri et al. 2025, "The Art
of Scaling Reinforcement Learning Compute for LLMs" (arXiv 2510.13786, Eq. 1):

    R(C) − R₀ = (A − R₀) / (1 + (C_mid / C)^B)

R₀ the reward before RL, A the asymptote the recipe saturates at, C_mid the compute (GPU-hours) at
which half of the gain A − R₀ is reached, B > 0 the exponent (how sharply it rises); the paper
fits it on the first part of a run (after its noisy first ~1.5K GPU-hours) and extrapolates, as a
user of the planner does. Its inverse gives the compute a target reward needs:

    C(R) = C_mid / ((A − R₀)/(R − R₀) − 1)^(1/B),   R₀ < R < A.
"""

from __future__ import annotations

import numpy as np

from scaling_cli.engine.types import ArrayLike


def expected_reward(gpu_hours: ArrayLike, baseline: ArrayLike, asymptote: ArrayLike, midpoint_gpu_hours: ArrayLike, exponent: ArrayLike) -> ArrayLike:
    """R(C) of the module docstring at ``gpu_hours`` of RL compute."""
    c = np.maximum(np.asarray(gpu_hours, dtype=float), 0.0)
    with np.errstate(divide="ignore"):
        ratio = np.where(c > 0, np.power(midpoint_gpu_hours / np.where(c > 0, c, 1.0), exponent), np.inf)
    return baseline + (asymptote - baseline) / (1.0 + ratio)


def gpu_hours_for_reward(target: ArrayLike, baseline: ArrayLike, asymptote: ArrayLike, midpoint_gpu_hours: ArrayLike, exponent: ArrayLike) -> ArrayLike:
    """C(R) of the module docstring; infinite where the target is at or beyond the asymptote, 0 at or below the baseline."""
    gain, wanted = asymptote - baseline, target - baseline
    reachable = (wanted > 0) & (wanted < gain)
    with np.errstate(divide="ignore", invalid="ignore"):
        hours = midpoint_gpu_hours / np.power(np.where(reachable, gain / np.where(wanted > 0, wanted, 1.0) - 1.0, 1.0), 1.0 / exponent)
    return np.where(wanted <= 0, 0.0, np.where(reachable, hours, np.inf))
