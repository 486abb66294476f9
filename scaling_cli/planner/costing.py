"""Turn a phase's FLOP (or GPU-hours) into the GPU-hour, wall-clock, cost and energy block every section shares."""

from __future__ import annotations

from typing import Any

from scaling_cli.engine import costing
from scaling_cli.planner.hardware import ResolvedHardware


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
        "gpus": hardware.count,
        "wall_clock_days": None if hardware.count is None else costing.wall_clock_days(reserved, hardware.count),
        "cost_usd": None if hardware.price_per_hour is None else costing.cost_usd(reserved, hardware.price_per_hour),
        "energy_mwh": energy,
        "co2_tonnes": None if energy is None or hardware.carbon_kg_per_kwh is None else costing.co2_tonnes(energy, hardware.carbon_kg_per_kwh),
    }
