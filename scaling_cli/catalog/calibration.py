"""Training efficiency from published runs with reported GPU-hours: the runs, and the model fitted to them.

Whole-run efficiency = MFU × goodput = 6·N_active·D / (GPU-hours × 3600 × 16-bit peak) (PaLM 2022
App. B for MFU; docs/DOMAIN.md §1), computed by ``engine/costing.py:run_efficiency`` for every
bundled run whose hardware maps onto the catalog (``hardware_overlay.yaml``). The prediction for a
new run comes from ``catalog/efficiency_model.py``: a regression on hardware generation, size and
mixture-of-experts sparsity with shrinkage and predictive bands (docs/CALIBRATION.md).

Goodput and scale efficiency fall with the GPU count (``engine/reliability.py``), so the fit sees each
run at the flat default goodput: its efficiency × ``GOODPUT`` ÷ (goodput × scale efficiency at the
run's own GPU count and length), ``scale_factor``; a run without a published GPU count is taken at
the flat default (factor 1). A plan on a run's GPU count multiplies the factor back and reproduces it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from scaling_cli import defaults
from scaling_cli.catalog.efficiency_model import ACTIVE_RANGE, EfficiencyFit, Observation, describe, fit
from scaling_cli.catalog.hardware import find_accelerator, run_hardware
from scaling_cli.catalog.source import REFERENCE_JSON
from scaling_cli.engine import reliability
from scaling_cli.engine.costing import run_efficiency
from scaling_cli.engine.pretraining import dense_training_flops
from scaling_cli.engine.uncertainty import median
from scaling_cli.engine.units import FLOP_PER_TFLOP


@dataclass(frozen=True)
class RunEfficiency:
    """One published run, mapped to the catalog, with its implied whole-run efficiency."""

    name: str
    efficiency_class: str
    accelerator: str | None
    precision: str
    peak_flops: float
    efficiency: float
    #: (goodput × scale efficiency) at the run's GPU count ÷ the flat default goodput; 1 without a count
    scale_factor: float
    in_fit: bool
    note: str
    run: dict[str, Any]


@dataclass(frozen=True)
class EfficiencyPrior:
    """Predicted whole-run efficiency of a run: log-normal with median ``efficiency``."""

    efficiency_class: str
    #: median and log-normal σ: floats, or arrays when the model's size is sampled
    efficiency: Any
    log_sigma: Any
    runs: tuple[str, ...]
    basis: str


@lru_cache(maxsize=1)
def reference_data() -> dict[str, Any]:
    return json.loads(REFERENCE_JSON.read_text(encoding="utf-8"))


def published_runs() -> list[dict[str, Any]]:
    """All bundled runs (shared reference list, then scaling-cli's supplement)."""
    return reference_data()["runs"]


def goodput_default() -> tuple[float, str]:
    """The goodput a plan assumes (``defaults.GOODPUT``): calibration divides whole-run efficiency by it."""
    return float(defaults.GOODPUT.value), defaults.GOODPUT.source


def run_peak(run: dict[str, Any]) -> tuple[str, str | None, str, float] | None:
    """(efficiency class, accelerator id, training precision, 16-bit dense peak FLOP/s) of a run,
    or None if its hardware is not mapped. Efficiency is measured against the 16-bit peak whatever
    the run's precision, so FP8 runs (DeepSeek-V3) sit on the same scale as BF16 runs."""
    mapping = run_hardware().get(run.get("hardware") or "")
    if mapping is None:
        return None
    if "accelerator" not in mapping:
        return mapping["efficiency_class"], None, "bf16", float(mapping["peak_tflops"]) * FLOP_PER_TFLOP
    accel = find_accelerator(mapping["accelerator"])
    precision = run.get("precision") or mapping["precision"]
    return accel.efficiency_class, accel.id, precision, accel.reference_peak()


@lru_cache(maxsize=1)
def run_efficiencies() -> tuple[RunEfficiency, ...]:
    """Every run with reported GPU-hours, tokens and mapped hardware."""
    result = []
    for run in published_runs():
        if not run.get("gpu_hours") or not run.get("tokens"):
            continue
        mapped = run_peak(run)
        if mapped is None:
            continue
        efficiency_class, accelerator, precision, peak = mapped
        efficiency = run_efficiency(dense_training_flops(run["active_params"], run["tokens"]), run["gpu_hours"], peak)
        excluded = (run.get("extra") or {}).get("exclude_from_fit")
        result.append(
            RunEfficiency(
                name=run["name"],
                efficiency_class=efficiency_class,
                accelerator=accelerator,
                precision=precision,
                peak_flops=peak,
                efficiency=efficiency,
                scale_factor=scale_factor(run),
                in_fit=not excluded,
                note=str(excluded or ""),
                run=run,
            )
        )
    return tuple(result)


#: What a fit leaves out: no run, one run's name (leave-one-out), or a set of names (the runs added
#: in one batch, predicted at first sight by the fit without any of them).
LeaveOut = str | frozenset[str] | None


def left_out(name: str, leave_out: LeaveOut) -> bool:
    return name == leave_out if isinstance(leave_out, str) else bool(leave_out) and name in leave_out


def observations(leave_out: LeaveOut = None) -> list[Observation]:
    """The runs the efficiency model is fitted on (less ``leave_out``), plus a pseudo-run for each
    generation whose only evidence is a reported steady-state MFU (``efficiency.yaml``: MFU × the
    default goodput, at that run's size)."""
    found = [
        Observation(r.name, r.efficiency_class, float(r.run["active_params"]), float(r.run.get("params") or r.run["active_params"]), r.efficiency / r.scale_factor, includes_more(r.run))
        for r in run_efficiencies()
        if r.in_fit and not left_out(r.name, leave_out)
    ]
    seen = {o.efficiency_class for o in found}
    goodput, _ = goodput_default()
    for name, entry in reference_data()["efficiency"].get("reported_mfu", {}).items():
        if name not in seen and not left_out(entry.get("run", name), leave_out):
            size = float(entry["active_params"])
            found.append(Observation(entry.get("run", name), name, size, size, float(entry["value"]) * goodput))
    return found


def scale_factor(run: dict[str, Any], gpu_hours: float | None = None) -> float:
    """Goodput × scale efficiency at the run's published GPU count (``extra.cluster_size``) and length
    (``extra.wall_clock_days``, else GPU-hours ÷ GPUs ÷ 24, from ``gpu_hours`` when given), ÷ the flat
    default goodput: what its whole-run efficiency is divided by before the fit, and what a
    prediction for it is multiplied by. 1 for a run without a GPU count (the flat default holds)."""
    extra = run.get("extra") or {}
    gpus = extra.get("cluster_size")
    if not gpus:
        return 1.0
    hours = run.get("gpu_hours") if gpu_hours is None else gpu_hours
    days = extra.get("wall_clock_days") or hours / gpus / 24.0
    goodput, _ = goodput_default()
    return float(reliability.default_goodput(gpus, days).goodput * reliability.default_scale_efficiency(gpus) / goodput)


def includes_more(run: dict[str, Any]) -> bool:
    """True when the run's source says its GPU-hours cover more than the final pretraining run."""
    return (run.get("extra") or {}).get("scope") == "includes_more"


@lru_cache(maxsize=128)
def efficiency_fit(leave_out: LeaveOut = None) -> EfficiencyFit:
    """The efficiency model fitted on every bundled run, or on all but ``leave_out`` (one run:
    leave-one-out validation in ``scaling reference``; a set: the first-sight check of a batch)."""
    return fit(observations(leave_out))


def prior_for(efficiency_class: str, active: Any, total: Any, leave_out: LeaveOut = None, more: bool = False) -> EfficiencyPrior:
    """The predicted whole-run efficiency of the final pretraining run (or, with ``more``, of a
    figure that covers more than it) of ``active``/``total`` parameters on ``efficiency_class``
    hardware (floats or arrays of samples), with its predictive band."""
    model = efficiency_fit(leave_out)
    centre, log_sigma = model.predict(efficiency_class, active, total, more)
    shape = describe(model, efficiency_class)
    seen = efficiency_class in model.classes
    basis = (
        f"regression on {len(model.runs)} published runs (docs/CALIBRATION.md): "
        + (f"{efficiency_class} {shape['efficiency_at_10b']:.3f} at 10B active, ×{shape['per_decade']:.2f} per decade"
           if seen else f"no run on {efficiency_class}: the common level, spread between generations added")
        + f", σ {model.sigma:.2f}"
    )  # fmt: skip
    own = [o for o in observations(leave_out) if o.efficiency_class == efficiency_class]
    if own:
        size = float(np.clip(median(active), *ACTIVE_RANGE))  # 0 or inf sizes: the nearest end
        nearest = sorted(own, key=lambda o: abs(math.log(o.active_params / size)))[:NEAREST_RUNS_SHOWN]
        basis += f"; nearest of its {len(own)} runs: " + ", ".join(f"{o.name} {o.efficiency:.3f}" for o in nearest)
    return EfficiencyPrior(efficiency_class, centre, log_sigma, tuple(o.name for o in own), basis)


#: Runs an assumption names as the evidence nearest the planned model.
NEAREST_RUNS_SHOWN = 3
