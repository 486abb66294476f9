"""``scaling reference``: the planner against published training runs — its own honesty report.

For every bundled run (``data/published_runs*.yaml``) with reported FLOP or GPU-hours, predict
FLOP as 6·N_active·D and reserved GPU-hours with the same engine and efficiency defaults a plan
uses, and say whether the reported figure falls inside the P10-P90 band. By default each run is
predicted from priors fitted *without* it (leave-one-out), so the report measures prediction, not
memory of the fit; ``in_sample=True`` uses the full fit. ``first_sight_report`` predicts the runs
added in one batch (``extra.added``) from the fit without any of them: how the model did on them
before they joined it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from scaling_cli.catalog.calibration import LeaveOut, goodput_default, includes_more, prior_for, published_runs, run_peak, scale_factor
from scaling_cli.engine import costing
from scaling_cli.engine.pretraining import dense_training_flops
from scaling_cli.engine.uncertainty import Z90, median
from scaling_cli.render import views
from scaling_cli.render.model import Num, Table
from scaling_cli.result import SCHEMA_VERSION


@dataclass
class ReferenceReport:
    runs: list[dict[str, Any]]
    summary: dict[str, Any]
    leave_one_out: bool
    #: the summary's figures per hardware generation, size group and architecture
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the batch (``extra.added``) predicted at first sight, when this is a first-sight report
    first_sight: str | None = None

    def tables(self) -> list[Any]:
        return [*views.reference_tables(self), self.groups_table()]

    def groups_table(self) -> Table:
        """Error, coverage and band width per hardware generation, size group and architecture."""
        rows = [
            [name, Num(g["runs"], "int"), Num(g["median_abs_error"], "frac"), Num(g["band_coverage"], "frac"), Num(g["band_median_width"], "frac")]
            for name, g in self.groups.items()
        ]
        mode = f"first sight, added {self.first_sight}" if self.first_sight else "leave-one-out" if self.leave_one_out else "in-sample"
        return Table(title=f"By group ({mode})", columns=["Group", "Runs", "Median |error|", "Band coverage", "Band width P90/P10"], rows=rows, numeric={1, 2, 3, 4})

    def csv_table(self) -> Any:
        return views.flat_csv_table({"runs": self.runs}, "reference")

    def long_figures(self) -> tuple[dict[str, Any], str]:
        return {"reference": {"summary": self.summary, "runs": self.runs}}, ""

    def to_dict(self) -> dict[str, Any]:
        data = {"schema_version": SCHEMA_VERSION, "leave_one_out": self.leave_one_out, "summary": self.summary, "groups": self.groups, "runs": self.runs}
        return {**data, "first_sight": self.first_sight} if self.first_sight else data


def _predict(run: dict[str, Any], leave_out: LeaveOut) -> dict[str, Any]:
    flops = dense_training_flops(run["active_params"], run["tokens"]) if run.get("tokens") else None
    row: dict[str, Any] = {
        "name": run["name"],
        "hardware": run.get("hardware"),
        "listed_in": run.get("listed_in"),
        "reported_flops": run.get("reported_flops"),
        "predicted_flops": flops,
        "flops_error": None if flops is None or not run.get("reported_flops") else flops / run["reported_flops"] - 1,
        "reported_gpu_hours": run.get("gpu_hours"),
        "gpu_hours": None,
        "gpu_hours_p10": None,
        "gpu_hours_p90": None,
        "gpu_hours_error": None,
        "in_band": None,
        "efficiency_class": None,
        "precision": None,
        "size_group": None,
        "architecture": None,
        "scope": None,
        "note": (run.get("extra") or {}).get("exclude_from_fit") or "",
    }
    mapped = run_peak(run) if flops is not None else None
    if mapped is None or not run.get("gpu_hours"):
        return row
    efficiency_class, _, precision, peak = mapped  # peak: the 16-bit peak the fit is calibrated on
    total = run.get("params") or run["active_params"]
    prior = prior_for(efficiency_class, run["active_params"], total, leave_out, more=includes_more(run))
    goodput, _ = goodput_default()
    mfu = prior.efficiency / goodput
    flat = costing.reserved_gpu_hours(costing.productive_gpu_hours(flops, peak, mfu), goodput)
    # at the run's GPU count, goodput and scale efficiency as a plan there would have them (its length
    # from the prediction, not from the reported hours being predicted)
    point = flat / scale_factor(run, gpu_hours=flat)
    # GPU-hours are inversely proportional to a log-normal efficiency, so they are log-normal with
    # the same σ: the Monte Carlo band of `scaling plan` converges to exactly these quantiles.
    low, high = point * math.exp(-Z90 * prior.log_sigma), point * math.exp(Z90 * prior.log_sigma)
    reported = run["gpu_hours"]
    row.update(
        gpu_hours=point,
        gpu_hours_p10=low,
        gpu_hours_p90=high,
        gpu_hours_error=point / reported - 1,
        in_band=low <= reported <= high,
        efficiency_class=efficiency_class,
        precision=precision,
        size_group=size_group(run["active_params"]),
        architecture="moe" if total > run["active_params"] else "dense",
        scope=(run.get("extra") or {}).get("scope", "not stated"),
    )
    return row


def _median(values: list[float]) -> float | None:
    return median(values) if values else None


#: Size groups of the report: active parameters below each bound.
SIZE_GROUPS = ((20e9, "under 20B"), (100e9, "20B-100B"), (float("inf"), "100B and over"))


def size_group(active: float) -> str:
    return next(name for bound, name in SIZE_GROUPS if active < bound)


def summarize(timed: list[dict[str, Any]]) -> dict[str, Any]:
    """Median |error|, band coverage and median band width P90/P10 of predicted runs."""
    return {
        "runs": len(timed),
        "median_abs_error": _median([abs(r["gpu_hours_error"]) for r in timed]),
        "band_coverage": sum(r["in_band"] for r in timed) / len(timed) if timed else None,
        "band_median_width": _median([r["gpu_hours_p90"] / r["gpu_hours_p10"] for r in timed]),
    }


def group_summaries(timed: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The same figures per hardware generation, per size group and per architecture."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in timed:
        for key in (f"generation: {row['efficiency_class']}", f"size: {row['size_group']}", f"architecture: {row['architecture']}"):
            groups.setdefault(key, []).append(row)
    return {name: summarize(rows) for name, rows in sorted(groups.items())}


def reference_report(*, leave_one_out: bool = True) -> ReferenceReport:
    rows = [_predict(run, run["name"] if leave_one_out else None) for run in published_runs()]
    return _report(rows, leave_one_out)


def added_in(run: dict[str, Any]) -> str | None:
    """The batch a run was added in (``extra.added``, a date), None for the runs calibrated before."""
    added = (run.get("extra") or {}).get("added")
    return str(added) if added else None


def batches() -> list[str]:
    """Every batch of runs added after the model was built (``extra.added``), oldest first."""
    return sorted(set(filter(None, map(added_in, published_runs()))))


def first_sight_report(batch: str | None = None) -> ReferenceReport:
    """The runs added in ``batch`` (default: the latest), each predicted by the efficiency model
    fitted without that batch or any later one: a held-out check, as the model stood before them."""
    runs = published_runs()
    batch = batch or max(batches(), default=None)
    held = frozenset(r["name"] for r in runs if batch and (added_in(r) or "") >= batch)
    report = _report([_predict(run, held) for run in runs if batch and added_in(run) == batch], leave_one_out=False)
    report.first_sight = batch
    return report


def _report(rows: list[dict[str, Any]], leave_one_out: bool) -> ReferenceReport:
    rows = [r for r in rows if r["flops_error"] is not None or r["gpu_hours"] is not None]
    timed = [r for r in rows if r["gpu_hours"] is not None]
    flops_rows = [r for r in rows if r["flops_error"] is not None]
    overall = summarize(timed)
    summary = {
        "runs_with_gpu_hours": overall["runs"],
        "gpu_hours_median_abs_error": overall["median_abs_error"],
        "gpu_hours_band_coverage": overall["band_coverage"],
        "gpu_hours_band_median_width": overall["band_median_width"],
        "runs_with_flops": len(flops_rows),
        "flops_median_abs_error": _median([abs(r["flops_error"]) for r in flops_rows]),
    }
    return ReferenceReport(runs=rows, summary=summary, leave_one_out=leave_one_out, groups=group_summaries(timed))
