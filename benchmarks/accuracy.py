"""How well the planner predicts published training runs (issues #3 and #13).

    python benchmarks/accuracy.py

For the bundled runs with reported GPU-hours (scaling_cli/data/published_runs*.yaml): the median
absolute error of the point estimate of reserved GPU-hours, the share of runs whose reported hours
fall inside the P10-P90 band, and the band's median width (P90/P10) — leave-one-out (each run
predicted from an efficiency model refitted without it: the honest figure), overall and per hardware
generation, size group and architecture, then in-sample. Aims (#13): median error <= 12%, coverage
within 70-90% in every generation. Runs that publish their GPU count are read, and predicted, at the
goodput and scale efficiency of that count (docs/CALIBRATION.md §1.1); the last line says how many.

First, apart: each batch of runs added to the supplement after the model was built (``extra.added``),
each run predicted by the model fitted WITHOUT that batch or any later one (``first_sight_report``):
a true held-out check of the model as it stood before they were bundled. They are in every figure
after it.
"""

from __future__ import annotations

from scaling_cli.catalog.calibration import run_efficiencies
from scaling_cli.commands.reference import batches, first_sight_report, reference_report


def _line(name: str, g: dict) -> str:
    return f"  {name:24s} {g['runs']:3d} runs  median |error| {g['median_abs_error']:6.1%}  coverage {g['band_coverage']:4.0%}  width {g['band_median_width']:.2f}"


def first_sight(batch: str) -> None:
    """One batch, predicted from the fit without it (or any later batch)."""
    report = first_sight_report(batch)
    s = report.summary
    if not s["runs_with_gpu_hours"]:
        return
    print(
        f"first sight (added {report.first_sight}, fitted without them): {s['runs_with_gpu_hours']} runs, median |GPU-hour error| "
        f"{s['gpu_hours_median_abs_error']:.1%}, band coverage {s['gpu_hours_band_coverage']:.0%}, median band width P90/P10 {s['gpu_hours_band_median_width']:.2f}"
    )
    for name, group in report.groups.items():
        print(_line(name, group))
    rows = [f"{r['name']} ({r['gpu_hours_error']:+.0%}{'' if r['in_band'] else ', outside'})" for r in report.runs if r["gpu_hours"] is not None]
    print(f"first sight: {', '.join(rows)}")


def main() -> None:
    for batch in batches():
        first_sight(batch)
    for leave_one_out in (True, False):
        report = reference_report(leave_one_out=leave_one_out)
        s = report.summary
        mode = "leave-one-out" if leave_one_out else "in-sample"
        print(
            f"{mode}: {s['runs_with_gpu_hours']} runs, median |GPU-hour error| {s['gpu_hours_median_abs_error']:.1%} (aim <= 12%), "
            f"band coverage {s['gpu_hours_band_coverage']:.0%} (aim 70-90%), median band width P90/P10 {s['gpu_hours_band_median_width']:.2f}"
        )
        for name, group in report.groups.items():
            print(_line(name, group))
        misses = [f"{r['name']} ({r['gpu_hours_error']:+.0%})" for r in report.runs if r["in_band"] is False]
        print(f"{mode}: outside the band: {', '.join(misses) or 'none'}")
    s = reference_report().summary
    print(f"FLOP: {s['runs_with_flops']} runs with reported FLOP, median |6ND - reported| {s['flops_median_abs_error']:.1%}")
    at_count = [r for r in run_efficiencies() if (r.run.get("extra") or {}).get("cluster_size")]
    factors = sorted(r.scale_factor for r in at_count)
    print(f"scale: {len(at_count)} runs read at their GPU count (goodput x scale efficiency / 0.90 from {factors[0]:.3f} to {factors[-1]:.3f}), the rest at the flat 0.90")


if __name__ == "__main__":
    main()
