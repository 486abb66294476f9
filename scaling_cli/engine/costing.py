"""From FLOP to GPU-hours, wall-clock, dollars, energy and CO2 (docs/DOMAIN.md §1 "Energy and cost"), and back.

productive GPU-hours = FLOP / (peak FLOP/s × MFU × 3600)       (MFU: PaLM 2022 §4.1)
reserved GPU-hours   = productive / goodput                    (Llama 3 §3.3.4 "effective training time")
wall-clock days      = reserved / GPUs / 24
cost                 = reserved × USD per GPU-hour
energy               = reserved × board power × PUE            (board TDP only: host CPUs,
                                                                networking and cooling beyond PUE
                                                                are not counted)
CO2                  = energy × grid intensity

The planner's budgets run the other way: each inverse sits beside its formula (FLOP a number of
reserved GPU-hours buy, GPU-hours of GPUs × days, GPU-hours a dollar budget buys, and the whole-run
efficiency MFU × goodput implied by a run's reported GPU-hours).
"""

from __future__ import annotations

from scaling_cli.engine.types import ArrayLike
from scaling_cli.engine.units import HOURS_PER_DAY, SECONDS_PER_HOUR, WATT_HOURS_PER_MWH


def productive_gpu_hours(flops: ArrayLike, peak_flops: ArrayLike, mfu: ArrayLike) -> ArrayLike:
    """Accelerator-hours spent computing, at ``mfu`` of the dense peak (MFU: PaLM 2022 §4.1)."""
    return flops / (peak_flops * mfu * SECONDS_PER_HOUR)


def reserved_gpu_hours(productive_hours: ArrayLike, goodput: ArrayLike) -> ArrayLike:
    """Accelerator-hours reserved (billed), including restarts and downtime (Llama 3 §3.3.4 "effective
    training time": productive = reserved × goodput)."""
    return productive_hours / goodput


def training_gpu_hours(flops: ArrayLike, peak_flops: ArrayLike, mfu: ArrayLike, goodput: ArrayLike) -> ArrayLike:
    """Reserved accelerator-hours of ``flops`` of training: FLOP / (peak × MFU × 3600) / goodput."""
    return reserved_gpu_hours(productive_gpu_hours(flops, peak_flops, mfu), goodput)


def training_flops_bought(gpu_hours: ArrayLike, peak_flops: ArrayLike, mfu: ArrayLike, goodput: ArrayLike) -> ArrayLike:
    """Inverse of ``training_gpu_hours``: the FLOP that ``gpu_hours`` reserved accelerator-hours
    deliver, reserved × goodput × 3600 × peak × MFU."""
    return gpu_hours * goodput * SECONDS_PER_HOUR * peak_flops * mfu


def run_efficiency(flops: ArrayLike, gpu_hours: ArrayLike, peak_flops: ArrayLike) -> ArrayLike:
    """Inverse of ``training_gpu_hours`` for the efficiency: the whole-run MFU × goodput of a run that
    reports ``gpu_hours`` for ``flops``, FLOP / (GPU-hours × 3600 × peak) (PaLM 2022 App. B for MFU)."""
    return flops / (gpu_hours * SECONDS_PER_HOUR * peak_flops)


def wall_clock_days(gpu_hours: ArrayLike, gpus: ArrayLike) -> ArrayLike:
    """Days that ``gpus`` accelerators take to spend ``gpu_hours``: GPU-hours / GPUs / 24 (module docstring)."""
    return gpu_hours / gpus / HOURS_PER_DAY


def gpus_for_deadline(gpu_hours: ArrayLike, days: ArrayLike) -> ArrayLike:
    """Accelerators needed to spend ``gpu_hours`` within ``days`` (not rounded)."""
    return gpu_hours / (days * HOURS_PER_DAY)


def gpu_hours_in(gpus: ArrayLike, days: ArrayLike) -> ArrayLike:
    """Inverse of ``wall_clock_days``: the accelerator-hours of ``gpus`` GPUs over ``days`` days."""
    return gpus * days * HOURS_PER_DAY


def cost_usd(gpu_hours: ArrayLike, usd_per_gpu_hour: ArrayLike) -> ArrayLike:
    """Reserved GPU-hours × USD per GPU-hour (module docstring)."""
    return gpu_hours * usd_per_gpu_hour


def gpu_hours_bought(usd: ArrayLike, usd_per_gpu_hour: ArrayLike) -> ArrayLike:
    """Inverse of ``cost_usd``: the accelerator-hours a budget of ``usd`` pays for."""
    return usd / usd_per_gpu_hour


def energy_mwh(gpu_hours: ArrayLike, power_w: ArrayLike, pue: ArrayLike) -> ArrayLike:
    """GPU-hours × board watts × PUE, in MWh."""
    return gpu_hours * power_w * pue / WATT_HOURS_PER_MWH


def co2_tonnes(energy: ArrayLike, kg_per_kwh: ArrayLike) -> ArrayLike:
    """MWh × kg/kWh = tonnes CO2e (1 MWh = 1000 kWh, 1 t = 1000 kg)."""
    return energy * kg_per_kwh
