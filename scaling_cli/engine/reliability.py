"""Goodput from the cluster's size and the run's length, and the efficiency a fixed batch loses at scale.

    job MTBF                M = 1 / (N × λ)                 λ: interruptions per GPU-day (Llama 3 §3.3.4)
    checkpoint interval     τ = √(2·δ·M)                    δ: blocking checkpoint write (Young 1974; Daly 2006 first order)
    overheads per unit of productive time (first order in δ/M and R/M):
        checkpointing       δ / τ                           one blocking write every τ of work
        lost work           τ / (2·M)                       a failure lands on average half-way through an interval
        restarts            R / M + R / T                   R: restart and re-warm per failure, plus the run's first start
    goodput                 G = 1 / (1 + δ/τ + τ/(2M) + R/M + R/T)
                              ≈ 1 − (checkpoint overhead + expected lost work + restart time) per unit time

T is the run's failure-free length (productive GPU-hours ÷ GPUs); the first start makes a short run
pay its start-up once. Written as 1 ÷ (1 + overheads), goodput stays in (0, 1] when failures come
faster than the first-order model is meant for (M comparable with R or τ), instead of turning negative;
each part's share of the reserved time is its overhead ÷ (1 + Σ overheads), so the parts add up to 1 − G.

    scale efficiency        s = 1 / (1 + k·N)

At a fixed global batch (the optimiser, not the cluster, sets it) each GPU's share of a step shrinks
as 1/N while the step's exposed communication (gradient reduce-scatter and pipeline bubble not hidden
behind compute) does not, so the exposed share grows as k·N. k is fitted exactly to Llama 3's two
published points at one 16M-token batch (Table 4: 43% BF16 MFU on 8,192 H100s, 41% on 16,384):
(1 + 16,384k) / (1 + 8,192k) = 43/41 ⇒ k = 2 / (39 × 8,192). It multiplies the calibrated MFU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scaling_cli import defaults
from scaling_cli.engine.types import ArrayLike
from scaling_cli.engine.units import HOURS_PER_DAY, SECONDS_PER_HOUR


def job_mtbf_hours(gpus: ArrayLike, failures_per_gpu_day: ArrayLike) -> ArrayLike:
    """Mean time between interruptions of a job on ``gpus`` GPUs: 24 ÷ (N × λ) hours, failures
    independent per GPU (a synchronous job stops when any of its GPUs does; Llama 3 §3.3.4)."""
    return HOURS_PER_DAY / (gpus * failures_per_gpu_day)


def checkpoint_interval_hours(checkpoint_seconds: ArrayLike, mtbf_hours: ArrayLike) -> ArrayLike:
    """Young's optimum compute time between checkpoints, τ = √(2·δ·M) (Young 1974, "A first order
    approximation to the optimum checkpoint interval", CACM 17(9); Daly 2006, FGCS 22(3) §2 first order)."""
    return np.sqrt(2.0 * (checkpoint_seconds / SECONDS_PER_HOUR) * mtbf_hours)


@dataclass(frozen=True)
class Goodput:
    """Goodput and its parts (shares of reserved time: ``checkpoint + lost_work + restart = 1 − goodput``)."""

    goodput: ArrayLike
    checkpoint: ArrayLike
    lost_work: ArrayLike
    restart: ArrayLike
    mtbf_hours: ArrayLike
    interval_hours: ArrayLike
    #: expected interruptions over the run: reserved wall-clock ÷ M
    interruptions: ArrayLike


def goodput(
    gpus: ArrayLike, run_days: ArrayLike, failures_per_gpu_day: ArrayLike, checkpoint_seconds: ArrayLike, restart_seconds: ArrayLike
) -> Goodput:
    """Goodput of a synchronous run on ``gpus`` GPUs lasting ``run_days`` of failure-free time, with
    checkpoints at Young's interval: G = 1 / (1 + δ/τ + τ/(2M) + R/M + R/T) (module docstring)."""
    mtbf = job_mtbf_hours(gpus, failures_per_gpu_day)
    tau = checkpoint_interval_hours(checkpoint_seconds, mtbf)
    restart_hours = restart_seconds / SECONDS_PER_HOUR
    checkpoint = (checkpoint_seconds / SECONDS_PER_HOUR) / tau
    lost = tau / (2.0 * mtbf)
    restart = restart_hours / mtbf + restart_hours / (run_days * HOURS_PER_DAY)
    wall = 1.0 + checkpoint + lost + restart  # reserved time per unit of productive time
    return Goodput(
        goodput=1.0 / wall,
        checkpoint=checkpoint / wall,
        lost_work=lost / wall,
        restart=restart / wall,
        mtbf_hours=mtbf,
        interval_hours=tau,
        interruptions=run_days * HOURS_PER_DAY * wall / mtbf,
    )


def scale_efficiency(gpus: ArrayLike, per_gpu: ArrayLike) -> ArrayLike:
    """The share of a step's time that is not exposed communication at a fixed global batch,
    s = 1 / (1 + k·N) (module docstring; k from Llama 3 Table 4)."""
    return 1.0 / (1.0 + per_gpu * gpus)


def default_goodput(gpus: ArrayLike, run_days: ArrayLike) -> Goodput:
    """``goodput`` with the table's constants (``defaults.FAILURE_RATE``, ``CHECKPOINT_SECONDS``,
    ``RESTART_SECONDS``): the one call the planner and the calibration share."""
    return goodput(gpus, run_days, defaults.FAILURE_RATE.value, defaults.CHECKPOINT_SECONDS.value, defaults.RESTART_SECONDS.value)


def default_scale_efficiency(gpus: ArrayLike) -> ArrayLike:
    """``scale_efficiency`` with the table's k (``defaults.SCALE_COMMUNICATION``)."""
    return scale_efficiency(gpus, defaults.SCALE_COMMUNICATION.value)
