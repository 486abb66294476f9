"""How well the planner predicts published training runs (issue #3 acceptance figures).

    python benchmarks/accuracy.py

Prints, for the bundled runs with reported GPU-hours (scaling_cli/data/published_runs*.yaml): the
median absolute error of the point estimate of reserved GPU-hours, the fraction of runs whose reported
GPU-hours fall inside the P10-P90 band, and the band's median width (P90/P10) — first leave-one-out
(each run predicted from an efficiency fit that excludes it: the honest figure), then in-sample.
Targets: median error <= 15%, coverage >= 80%, median width <= 2.0.
"""

from __future__ import annotations

from scaling_cli.commands.reference import reference_report


def main() -> None:
    for leave_one_out in (True, False):
        report = reference_report(leave_one_out=leave_one_out)
        s = report.summary
        mode = "leave-one-out" if leave_one_out else "in-sample"
        print(
            f"{mode}: {s['runs_with_gpu_hours']} runs, median |GPU-hour error| {s['gpu_hours_median_abs_error']:.1%} (target <= 15%), "
            f"band coverage {s['gpu_hours_band_coverage']:.0%} (target >= 80%), median band width P90/P10 {s['gpu_hours_band_median_width']:.2f} (target <= 2.0)"
        )
        misses = [f"{r['name']} ({r['gpu_hours_error']:+.0%})" for r in report.runs if r["in_band"] is False]
        print(f"{mode}: outside the band: {', '.join(misses) or 'none'}")
    s = reference_report().summary
    print(f"FLOP: {s['runs_with_flops']} runs with reported FLOP, median |6ND - reported| {s['flops_median_abs_error']:.1%}")


if __name__ == "__main__":
    main()
