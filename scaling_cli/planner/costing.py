"""Turn a phase's FLOP (or GPU-hours) into the GPU-hour, wall-clock, cost and energy block every section
shares, and put a training run's hardware at its scale (goodput and scale efficiency from the GPU count)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from scaling_cli import defaults
from scaling_cli.engine import costing, reliability
from scaling_cli.engine.types import clipped, whole
from scaling_cli.engine.units import HOURS_PER_DAY
from scaling_cli.errors import PlanError
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.hardware import ResolvedHardware

#: Fixed-point iterations for the GPU count a deadline needs (each one a vectorized pass; a count the
#: deadline admits converges in a handful, one it does not keeps growing).
DEADLINE_ITERATIONS = 200


def training_time_and_cost(flops: Any, hardware: ResolvedHardware) -> dict[str, Any]:
    """Compute-bound work at the hardware's MFU: FLOP ÷ (peak × MFU × 3600) productive GPU-hours."""
    return time_and_cost(costing.productive_gpu_hours(flops, hardware.peak_flops, hardware.mfu), hardware)


def time_and_cost(productive_hours: Any, hardware: ResolvedHardware) -> dict[str, Any]:
    """GPU-hours (productive and reserved = productive ÷ goodput), days on ``hardware.count`` GPUs,
    USD, MWh and t CO2e. A figure whose input is missing (no GPU count, no price, no power figure, no
    carbon intensity) is ``None``."""
    reserved = costing.reserved_gpu_hours(productive_hours, hardware.goodput)
    energy = None if hardware.power_w is None else costing.energy_mwh(reserved, hardware.power_w, hardware.pue)
    return {
        "productive_gpu_hours": productive_hours,
        "gpu_hours": reserved,
        "gpus": whole(hardware.count),
        "wall_clock_days": None if hardware.count is None else costing.wall_clock_days(reserved, hardware.count),
        "cost_usd": None if hardware.price_per_hour is None else costing.cost_usd(reserved, hardware.price_per_hour),
        "energy_mwh": energy,
        "co2_tonnes": None if energy is None or hardware.carbon_kg_per_kwh is None else costing.co2_tonnes(energy, hardware.carbon_kg_per_kwh),
    }


def _scale(flops: Any, hardware: ResolvedHardware, gpus: Any) -> tuple[Any, Any, reliability.Goodput | None]:
    """(MFU, goodput, parts) of a training run of ``flops`` on ``gpus`` GPUs: the calibrated MFU × the
    scale efficiency (a given MFU is taken as measured at its scale), and goodput from the count and
    the run's failure-free length (a given goodput wins). A sampled goodput spread (MFU given, goodput
    not) moves the derived goodput by the same factor."""
    mfu = hardware.mfu if hardware.mfu_given else hardware.mfu * reliability.default_scale_efficiency(gpus)
    if hardware.goodput_given:
        return mfu, hardware.goodput, None
    run_days = costing.productive_gpu_hours(flops, hardware.peak_flops, mfu) / gpus / HOURS_PER_DAY
    parts = reliability.default_goodput(gpus, run_days)
    spread = hardware.goodput / defaults.GOODPUT.value  # 1 unless the goodput band is sampled
    return mfu, clipped(parts.goodput * spread, high=1.0), parts


def gpus_for_deadline(flops: Any, hardware: ResolvedHardware, days: Any) -> Any:
    """The fewest whole GPUs that finish ``flops`` within ``days``, goodput and scale efficiency
    falling with the count: the smallest fixed point of N = reserved GPU-hours(N) ÷ (24 × days),
    iterated up from the failure-free count (each step raises N, so it stops at the first count that
    works), then rounded up. A deadline no count meets (goodput falls faster than GPUs are added) is
    a ``PlanError`` for a point plan; under arrays such a draw runs at the fastest count instead.""" 
    gpus = costing.gpus_for_deadline(costing.productive_gpu_hours(flops, hardware.peak_flops, hardware.mfu), days)
    if not np.all(np.isfinite(gpus) & (gpus > 0)):  # no work, or magnitudes out of range: check_plannable names the figure
        return whole(np.ceil(gpus))
    converged: Any = False
    for _ in range(DEADLINE_ITERATIONS):
        mfu, goodput, _ = _scale(flops, hardware, gpus)
        new = costing.gpus_for_deadline(costing.training_gpu_hours(flops, hardware.peak_flops, mfu, goodput), days)
        converged = np.abs(new - gpus) <= 1e-9 * gpus
        gpus = new
        if np.all(converged):
            break
    if np.ndim(gpus) == 0:
        if not converged:
            raise PlanError("hardware.deadline_days", "no GPU count meets this deadline: goodput and scale efficiency fall faster than GPUs are added")
        return whole(float(np.ceil(gpus * (1 - 1e-12))))
    if np.all(converged):
        return np.ceil(gpus * (1 - 1e-12))
    # Monte Carlo draws (or sweep points) whose deadline no count meets run at the fastest count: the
    # most a run can be sped up (their days then exceed the deadline; the point plan decides the error)
    return np.where(converged, np.ceil(gpus * (1 - 1e-12)), _fastest_count(flops, hardware))


#: GPU counts searched for the fastest a run can go: 1 to 10^8 on a log grid, 20 per decade.
FASTEST_GRID = np.logspace(0.0, 8.0, 161)


def _fastest_count(flops: Any, hardware: ResolvedHardware) -> Any:
    """The count that finishes ``flops`` soonest: the largest N × MFU(N) × goodput(N) on ``FASTEST_GRID``."""
    grid = np.reshape(FASTEST_GRID, (-1,) + (1,) * max(np.ndim(flops), np.ndim(hardware.mfu), np.ndim(hardware.goodput)))
    mfu, goodput, _ = _scale(flops, hardware, grid)
    best = np.argmax(np.broadcast_to(grid * mfu * goodput, np.broadcast_shapes(grid.shape, np.shape(mfu), np.shape(goodput))), axis=0)
    return FASTEST_GRID[best]


def at_scale(flops: Any, hardware: ResolvedHardware, assumptions: Assumptions | None = None) -> tuple[ResolvedHardware, dict[str, Any]]:
    """The hardware of a pretraining run at its GPU count (solved from the deadline when only that is
    given), with MFU and goodput at that scale, and the figures that show how: the scale efficiency
    and goodput's parts (``None`` without a count, where the flat default goodput holds)."""
    count = hardware.count
    if count is None and hardware.deadline_days is not None:
        count = gpus_for_deadline(flops, hardware, hardware.deadline_days)
    if count is None:
        return hardware, _figures(None, None, "flat default (no hardware.count): " + defaults.GOODPUT.source)
    if np.ndim(count) == 0 and not (0 < count < np.inf):  # no work or magnitudes out of range: check_plannable names the count
        return dataclasses.replace(hardware, count=count), _figures(None, None, "flat default (the GPU count is out of range)")
    mfu, goodput, parts = _scale(flops, hardware, count)
    if assumptions is not None:
        _record(hardware, assumptions)
    basis = (
        "given (hardware.goodput)" if parts is None
        else "from the GPU count and the run's length: 1 ÷ (1 + δ/τ + τ/(2M) + R/M + R/T), τ = √(2δM) (Young 1974; Daly 2006; engine/reliability.py)"
    )  # fmt: skip
    scale = None if hardware.mfu_given else reliability.default_scale_efficiency(count)
    return dataclasses.replace(hardware, count=count, mfu=mfu, goodput=goodput), _figures(parts, scale, basis)


def _figures(parts: reliability.Goodput | None, scale: Any, basis: str) -> dict[str, Any]:
    shares = ("checkpoint", "lost_work", "restart")
    return {
        "goodput_basis": basis,
        **{f"goodput_{name}": None if parts is None else getattr(parts, name) for name in shares},
        "job_mtbf_hours": None if parts is None else parts.mtbf_hours,
        "checkpoint_interval_minutes": None if parts is None else parts.interval_hours * 60.0,
        "interruptions": None if parts is None else parts.interruptions,
        "scale_efficiency": scale,
    }


def _record(hardware: ResolvedHardware, assumptions: Assumptions) -> None:
    """List the reliability constants a plan at a GPU count used."""
    if not hardware.goodput_given:
        for default in (defaults.FAILURE_RATE, defaults.CHECKPOINT_SECONDS, defaults.RESTART_SECONDS):
            assumptions.use(default, value=float(f"{default.value:.4g}"))
    if not hardware.mfu_given:
        assumptions.use(defaults.SCALE_COMMUNICATION, value=float(f"{defaults.SCALE_COMMUNICATION.value:.4g}"))
