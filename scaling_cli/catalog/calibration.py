"""Default training efficiency per accelerator class, fitted to published runs with reported GPU-hours.

Whole-run efficiency = MFU × goodput = 6·N_active·D / (GPU-hours × 3600 × 16-bit peak) (PaLM 2022
App. B for MFU; docs/DOMAIN.md §1), computed by ``engine/costing.py:run_efficiency``. For each efficiency
class (``hardware_overlay.yaml``) the centre is the median over its runs and the spread a log-normal
whose σ is the pooled within-class standard deviation of log efficiency, widened by √(1 + 1/n) so
it predicts a new run rather than describing the fitted ones. Classes without runs use reported MFU ×
default goodput (``efficiency.yaml``), or every run pooled.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


from scaling_cli import defaults
from scaling_cli.catalog.source import REFERENCE_JSON
from scaling_cli.catalog.hardware import find_accelerator, run_hardware
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
    in_fit: bool
    note: str
    run: dict[str, Any]


@dataclass(frozen=True)
class EfficiencyPrior:
    """Default whole-run efficiency of a class: log-normal with median ``efficiency``."""

    efficiency_class: str
    efficiency: float
    log_sigma: float
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
                in_fit=not excluded,
                note=str(excluded or ""),
                run=run,
            )
        )
    return tuple(result)


def _log_sd(values: list[float]) -> float:
    """Sample standard deviation (n - 1) of the natural logs of ``values``."""
    logs = [math.log(v) for v in values]
    if len(logs) < 2:
        return 0.0
    mean = sum(logs) / len(logs)
    return math.sqrt(sum((x - mean) ** 2 for x in logs) / (len(logs) - 1))


@lru_cache(maxsize=64)
def efficiency_priors(leave_out: str | None = None) -> dict[str, EfficiencyPrior]:
    """The fitted prior of every efficiency class, optionally fitted without the run ``leave_out``
    (leave-one-out validation in ``scaling reference``)."""
    settings = reference_data()["efficiency"]
    goodput, _ = goodput_default()
    by_class: dict[str, list[RunEfficiency]] = {}
    for run in run_efficiencies():
        if run.in_fit and run.name != leave_out:
            by_class.setdefault(run.efficiency_class, []).append(run)
    everything = [r.efficiency for runs in by_class.values() for r in runs]
    groups = [[r.efficiency for r in runs] for runs in by_class.values() if len(runs) > 1]
    dof = sum(len(g) - 1 for g in groups)
    within = math.sqrt(sum(_log_sd(g) ** 2 * (len(g) - 1) for g in groups) / dof) if dof else 0.0
    total = _log_sd(everything)
    priors: dict[str, EfficiencyPrior] = {}
    for name, runs in by_class.items():
        values = [r.efficiency for r in runs]
        priors[name] = EfficiencyPrior(
            efficiency_class=name,
            efficiency=median(values),
            log_sigma=within * math.sqrt(1 + 1 / len(values)),
            runs=tuple(r.name for r in runs),
            basis=f"median whole-run efficiency of {len(values)} published {name} run(s): "
            + ", ".join(f"{r.name} {r.efficiency:.3f}" for r in runs),
        )
    for name, entry in settings.get("reported_mfu", {}).items():
        if name not in priors:
            priors[name] = EfficiencyPrior(
                efficiency_class=name,
                efficiency=float(entry["value"]) * goodput,
                log_sigma=total,
                runs=(),
                basis=f"reported MFU {entry['value']} ({entry['source']}) × default goodput {goodput}",
            )
    pooled = settings["pooled_class"]
    priors[pooled] = EfficiencyPrior(
        efficiency_class=pooled,
        efficiency=median(everything),
        log_sigma=total * math.sqrt(1 + 1 / len(everything)),
        runs=tuple(r.name for runs in by_class.values() for r in runs),
        basis=f"no published run on this class; median of all {len(everything)} bundled runs with reported GPU-hours",
    )
    return priors


def prior_for(efficiency_class: str, leave_out: str | None = None) -> EfficiencyPrior:
    priors = efficiency_priors(leave_out)
    return priors.get(efficiency_class) or priors[reference_data()["efficiency"]["pooled_class"]]
