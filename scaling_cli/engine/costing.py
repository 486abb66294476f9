"""From FLOP to GPU-hours, wall-clock, dollars, energy and CO2 (DOMAIN.md §1 "Energy and cost").

productive GPU-hours = FLOP / (peak FLOP/s × MFU × 3600)       (MFU: PaLM 2022 §4.1)
reserved GPU-hours   = productive / goodput                    (Llama 3 §3.3.4 "effective training time")
wall-clock days      = reserved / GPUs / 24
cost                 = reserved × USD per GPU-hour
energy               = reserved × board power × PUE            (board TDP only: host CPUs,
                                                                networking and cooling beyond PUE
                                                                are not counted)
CO2                  = energy × grid intensity
"""

from __future__ import annotations

from scaling_cli.engine.types import ArrayLike
from scaling_cli.engine.units import HOURS_PER_DAY, SECONDS_PER_HOUR, WATT_HOURS_PER_MWH


def productive_gpu_hours(flops: ArrayLike, peak_flops: ArrayLike, mfu: ArrayLike) -> ArrayLike:
    """Accelerator-hours spent computing, at ``mfu`` of the dense peak."""
    return flops / (peak_flops * mfu * SECONDS_PER_HOUR)


def reserved_gpu_hours(productive_hours: ArrayLike, goodput: ArrayLike) -> ArrayLike:
    """Accelerator-hours reserved (billed), including restarts and downtime."""
    return productive_hours / goodput


def wall_clock_days(gpu_hours: ArrayLike, gpus: ArrayLike) -> ArrayLike:
    return gpu_hours / gpus / HOURS_PER_DAY


def gpus_for_deadline(gpu_hours: ArrayLike, days: ArrayLike) -> ArrayLike:
    """Accelerators needed to spend ``gpu_hours`` within ``days`` (not rounded)."""
    return gpu_hours / (days * HOURS_PER_DAY)


def cost_usd(gpu_hours: ArrayLike, usd_per_gpu_hour: ArrayLike) -> ArrayLike:
    return gpu_hours * usd_per_gpu_hour


def energy_mwh(gpu_hours: ArrayLike, power_w: ArrayLike, pue: ArrayLike) -> ArrayLike:
    """GPU-hours × board watts × PUE, in MWh."""
    return gpu_hours * power_w * pue / WATT_HOURS_PER_MWH


def co2_tonnes(energy: ArrayLike, kg_per_kwh: ArrayLike) -> ArrayLike:
    """MWh × kg/kWh = tonnes CO2e (1 MWh = 1000 kWh, 1 t = 1000 kg)."""
    return energy * kg_per_kwh
