"""Resolve a ``hardware:`` block into the numbers the engine needs, recording every default used."""

from __future__ import annotations

from dataclasses import dataclass

from scaling_cli.catalog.calibration import EfficiencyPrior, goodput_default, prior_for
from scaling_cli.catalog.hardware import Accelerator, find_accelerator
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.scenario.hardware import HardwareSpec

#: Power usage effectiveness when the scenario gives none.
DEFAULT_PUE = 1.2
DEFAULT_PUE_SOURCE = (
    "default; OLMo 2 reports PUE 1.2 and 1.12 for its H100 clusters (arXiv 2501.00656 Table 19), "
    "Epoch AI uses 1.1 for hyperscalers and 1.25 otherwise (Cottier et al. 2024, arXiv 2405.21015)"
)


@dataclass(frozen=True)
class ResolvedHardware:
    """Hardware with every figure filled in (``None`` only where no source has it)."""

    accelerator: Accelerator
    precision: str
    peak_flops: float
    count: int | None
    mfu: float
    goodput: float
    prior: EfficiencyPrior
    mfu_given: bool
    price_per_hour: float | None
    power_w: float | None
    pue: float
    carbon_kg_per_kwh: float | None

    @property
    def efficiency(self) -> float:
        """Whole-run efficiency MFU × goodput."""
        return self.mfu * self.goodput


def resolve_hardware(spec: HardwareSpec, assumptions: Assumptions, scope: str = "hardware") -> ResolvedHardware:
    """Fill in catalog figures and calibrated defaults for ``spec`` (``scope`` names it in assumptions)."""
    given = spec.model_fields_set
    accel = find_accelerator(spec.accelerator)
    precision = spec.precision or "bf16"
    peak = accel.peak_flops(precision)
    catalog_source = f"accelerator catalog, {accel.name} (sources: `scaling hardware show {accel.id}`)"
    if "accelerator" not in given:
        assumptions.add(f"{scope}.accelerator", accel.id, "", "default accelerator (no hardware.accelerator given)")
    if "precision" not in given:
        assumptions.add(f"{scope}.precision", precision, "", "default: bf16, or fp16 where the accelerator has no bf16")
    assumptions.add(f"{scope}.peak_flops", peak, "FLOP/s", f"dense {precision} peak, {catalog_source}")

    goodput, goodput_source = goodput_default()
    if spec.goodput is not None:
        goodput = spec.goodput
    else:
        assumptions.add(f"{scope}.goodput", goodput, "fraction", goodput_source)

    prior = prior_for(accel.efficiency_class)
    if spec.mfu is not None:
        mfu = spec.mfu
    else:
        default_goodput = goodput_default()[0]
        mfu = prior.efficiency / default_goodput
        assumptions.add(
            f"{scope}.mfu",
            round(mfu, 4),
            "fraction",
            f"calibrated whole-run efficiency {prior.efficiency:.3f} for class '{prior.efficiency_class}' "
            f"÷ default goodput {default_goodput}; {prior.basis}",
        )

    price = spec.price_per_hour
    if price is None and accel.price is not None:
        price = accel.price.central
        spread = f"midpoint of {accel.price.low}-{accel.price.high}" if accel.price.value is None else "published value"
        assumptions.add(
            f"{scope}.price_per_hour",
            price,
            "USD/GPU-h",
            f"indicative catalog price ({spread}; {accel.price.basis}; as of {accel.price.as_of})",
        )

    if accel.power_w is not None:
        assumptions.add(f"{scope}.power_w", accel.power_w, "W", f"vendor max board power, {catalog_source}")
    pue = spec.pue if spec.pue is not None else DEFAULT_PUE
    if spec.pue is None:
        assumptions.add(f"{scope}.pue", DEFAULT_PUE, "", DEFAULT_PUE_SOURCE)

    return ResolvedHardware(
        accelerator=accel,
        precision=precision,
        peak_flops=peak,
        count=spec.count,
        mfu=mfu,
        goodput=goodput,
        prior=prior,
        mfu_given=spec.mfu is not None,
        price_per_hour=price,
        power_w=accel.power_w,
        pue=pue,
        carbon_kg_per_kwh=spec.carbon_kg_per_kwh,
    )
