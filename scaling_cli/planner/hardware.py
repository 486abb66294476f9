"""Resolve a ``hardware:`` block into the numbers the engine needs, recording every default used."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scaling_cli import defaults
from scaling_cli.catalog.calibration import EfficiencyPrior, prior_for
from scaling_cli.catalog.efficiency_model import SIZE_PIVOT
from scaling_cli.catalog.hardware import Accelerator, find_accelerator
from scaling_cli.engine.types import clipped
from scaling_cli.engine.uncertainty import Z90, Sampler, median
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.scenario.hardware import HardwareSpec
from scaling_cli.scenario.inputs import Inputs, freeze
from scaling_cli.scenario.ranges import Range

#: Monte Carlo keys: one shared draw per systematic error, so phases on the same estimate move together.
TRAINING_EFFICIENCY_KEY = "training-efficiency"
GOODPUT_KEY = "goodput"


@dataclass(frozen=True)
class ResolvedHardware:
    """Hardware with every figure filled in (``None`` only where no source has it)."""

    accelerator: Accelerator
    precision: str
    peak_flops: float
    count: Any
    deadline_days: Any
    #: floats for a point estimate, numpy arrays of samples under a Monte Carlo sampler
    mfu: Any
    goodput: Any
    prior: EfficiencyPrior
    mfu_given: bool
    #: goodput set in the scenario: it wins over the goodput a pretraining run's GPU count implies
    goodput_given: bool
    price_per_hour: Any
    power_w: float | None
    pue: Any
    carbon_kg_per_kwh: Any

    @property
    def efficiency(self) -> float:
        """Whole-run efficiency MFU × goodput."""
        return self.mfu * self.goodput


def resolve_hardware(
    spec: Inputs, assumptions: Assumptions, sampler: Sampler | None = None, scope: str = "hardware", size: tuple[Any, Any] | None = None
) -> ResolvedHardware:
    """Fill in catalog figures and calibrated defaults for a frozen ``hardware:`` block.

    ``size`` is (active, total) parameters of the model the hardware trains: the calibrated
    efficiency depends on it (``catalog/efficiency_model.py``); without it, a 10B dense model.
    ``scope`` names the block in assumptions. Under a Monte Carlo ``sampler`` the defaults become
    samples: MFU from the class's log-normal efficiency prior (shared draw across phases), goodput
    from ``defaults.GOODPUT_SPREAD`` when only MFU is given, and a catalog price range uniformly.
    """
    sampler = sampler or Sampler.point()
    accel = find_accelerator(spec.accelerator)
    precision = spec.precision or accel.default_precision
    peak = accel.peak_flops(precision)
    if "accelerator" not in spec.given:
        assumptions.use(defaults.ACCELERATOR, f"{scope}.accelerator", value=accel.id)
    if "precision" not in spec.given:
        assumptions.use(defaults.PRECISION, f"{scope}.precision", value=precision)
    assumptions.add(f"{scope}.peak_flops", peak, "FLOP/s", f"dense {precision} peak, {_catalog_source(accel)}")
    # in this order, the order of the plan's assumptions
    goodput = _goodput(spec, sampler, assumptions, scope)
    active, total = size if size is not None else (SIZE_PIVOT, SIZE_PIVOT)
    prior = prior_for(accel.efficiency_class, active, total)
    mfu = spec.mfu if spec.mfu is not None else _calibrated_mfu(accel, precision, prior, sampler, assumptions, scope)
    price = _price(spec, accel, sampler, assumptions, scope)
    if accel.power_w is not None:
        assumptions.add(f"{scope}.power_w", accel.power_w, "W", f"vendor max board power, {_catalog_source(accel)}")
    pue = spec.pue if spec.pue is not None else assumptions.use(defaults.PUE, f"{scope}.pue")
    return ResolvedHardware(
        accelerator=accel,
        precision=precision,
        peak_flops=peak,
        count=spec.count,
        deadline_days=spec.deadline_days,
        mfu=mfu,
        goodput=goodput,
        prior=prior,
        mfu_given=spec.mfu is not None,
        goodput_given=spec.goodput is not None,
        price_per_hour=price,
        power_w=accel.power_w,
        pue=pue,
        carbon_kg_per_kwh=spec.carbon_kg_per_kwh,
    )


def _catalog_source(accel: Accelerator) -> str:
    return f"accelerator catalog, {accel.name} (sources: `scaling hardware show {accel.id}`)"


def _goodput(spec: Inputs, sampler: Sampler, assumptions: Assumptions, scope: str) -> Any:
    """The given goodput, else the default: fixed when MFU is calibrated too (the calibration fits
    their product), spread by ``defaults.GOODPUT_SPREAD`` when only MFU is given."""
    if spec.goodput is not None:
        return spec.goodput
    goodput: Any = defaults.GOODPUT.value
    source = defaults.GOODPUT.source
    if spec.mfu is not None:
        spread = defaults.GOODPUT_SPREAD
        goodput = clipped(sampler.lognormal(goodput, spread.log_sigma, GOODPUT_KEY), high=1.0)
        source += f"; band: {spread.source}"
    assumptions.use(defaults.GOODPUT, f"{scope}.goodput", source=source)
    return goodput


def _calibrated_mfu(accel: Accelerator, precision: str, prior: EfficiencyPrior, sampler: Sampler, assumptions: Assumptions, scope: str) -> Any:
    """The class's calibrated whole-run efficiency ÷ the default goodput (docs/CALIBRATION.md), as a
    log-normal shared by every phase on the same estimate. Efficiency is calibrated against the 16-bit
    peak, so faster formats get no throughput credit. A pretraining run at a GPU count multiplies it
    by the scale efficiency there (``planner/costing.py:at_scale``)."""
    format_factor = min(1.0, accel.reference_peak() / accel.peak_flops(precision))
    point_mfu = prior.efficiency * format_factor / defaults.GOODPUT.value
    low, high = point_mfu * np.exp(-Z90 * prior.log_sigma), point_mfu * np.exp(Z90 * prior.log_sigma)
    fp8_note = (
        f" × {format_factor:.3g} (16-bit peak ÷ {precision} peak: no whole-run speed-up credited for {precision}, "
        "as DeepSeek-V3's FP8 run matched BF16 runs; set mfu to credit a measured one)"
        if format_factor < 1
        else ""
    )
    assumptions.use(
        defaults.MFU,
        f"{scope}.mfu",
        value=round(float(median(point_mfu)), 4),
        source=f"calibrated whole-run efficiency {float(median(prior.efficiency)):.3f} for this model{fp8_note} ÷ goodput {defaults.GOODPUT.value}; "
        f"{prior.basis}; a pretraining run on a known GPU count × its scale efficiency (engine/reliability.py); P10-P90 {float(median(low)):.3f}-{float(median(high)):.3f} (σ {float(median(prior.log_sigma)):.2f} with the fit's own uncertainty)",
    )
    return sampler.lognormal(point_mfu, prior.log_sigma, TRAINING_EFFICIENCY_KEY)


def _price(spec: Inputs, accel: Accelerator, sampler: Sampler, assumptions: Assumptions, scope: str) -> Any:
    """The given price, else the catalog's: a published value, or a range sampled uniformly for the band."""
    if spec.price_per_hour is not None or accel.price is None:
        return spec.price_per_hour
    catalog = accel.price
    if catalog.value is None and catalog.low is not None and catalog.high is not None:
        price: Any = Range(catalog.low, catalog.high).draw(sampler, f"price:{accel.id}")
        spread = f"midpoint of {catalog.low}-{catalog.high}, sampled uniformly over that range for the band"
    else:
        price, spread = catalog.central, "published value"
    source = f"indicative catalog price ({spread}; {catalog.basis}; as of {catalog.as_of})"
    assumptions.use(defaults.PRICE, f"{scope}.price_per_hour", value=catalog.central, source=source)
    return price


def model_size(model: Any) -> tuple[Any, Any]:
    """(active, total) parameters of a frozen ``model:`` block, for the calibrated efficiency."""
    return model.n_active, model.params if model.params is not None else model.n_active


#: Properties of the site rather than of the accelerator: a phase on other GPUs keeps them.
SITE_FIELDS = ("pue", "carbon_kg_per_kwh")
#: Properties tied to the accelerator: inherited only when the override keeps the same accelerator.
ACCELERATOR_FIELDS = ("accelerator", "precision", "mfu", "goodput", "price_per_hour")


def merge_hardware(base: Inputs, override: Inputs | None, *, keep_count: bool = False) -> Inputs:
    """The hardware a phase runs on: ``override`` (e.g. a derivative group's own ``hardware:``)
    completed from the scenario's ``base`` hardware (both frozen inputs).

    Site fields (PUE, carbon intensity) are inherited unless set; accelerator fields (precision,
    MFU, goodput, price) are inherited only when the override names no other accelerator; the GPU
    count is inherited only with ``keep_count`` (a fine-tune rarely runs on the pretraining cluster).
    Fields the user set in either block count as given, so ``resolve_hardware`` does not list them
    as defaults.
    """
    given = override.given if override is not None else frozenset()
    same_accelerator = "accelerator" not in given or (override is not None and override.accelerator == base.accelerator)
    inherited: dict[str, Any] = {}
    for name in SITE_FIELDS:
        if name not in given and name in base.given:
            inherited[name] = getattr(base, name)
    if same_accelerator:
        for name in ACCELERATOR_FIELDS:
            if name not in given and name in base.given:
                inherited[name] = getattr(base, name)
        if "precision" not in given:
            # The override's own default was chosen for the default accelerator (bf16 for an H100);
            # the base's is the one for the accelerator inherited (fp16 for a V100, which has no bf16).
            inherited.setdefault("precision", base.precision)
    if "count" not in given:
        inherited["count"] = base.count if keep_count else None
    if "accelerator" not in given:
        inherited.setdefault("accelerator", base.accelerator)
    source = override if override is not None else _DEFAULT_HARDWARE
    user_set = set(given) | {name for name in inherited if name in base.given}
    return source.replace(given=frozenset(user_set), **inherited)


#: A ``hardware:`` block with nothing given: what a phase without its own block starts from.
_DEFAULT_HARDWARE = freeze(HardwareSpec(), Sampler.point())
