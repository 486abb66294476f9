"""How well the serving model predicts published inference measurements (issue #14).

    python benchmarks/serving_accuracy.py

For every bundled measurement (scaling_cli/data/serving_measurements.yaml) the planner plans the
equivalent workload with its defaults only (no per-case tuning) and compares predicted with measured
throughput (output tokens/s/GPU), time to first token, time per output token and request latency.
Prints each case's ratio (cases added after the first fit marked), then the median |error| and the
worst case overall, per metric, and for the first fit's cases and the later ones apart
(``held_out: true``: held out of the first fit, their first-sight figures in docs/CALIBRATION.md §4;
the current constants are fitted on every case, and benchmarks/fit_serving.py reports
leave-one-out). Aim (#14): median within 12% and no case beyond 2×.
"""

from __future__ import annotations

from scaling_cli.commands.reference_serving import serving_reference, summarize


def _line(name: str, s: dict) -> str:
    if not s["cases"]:
        return f"  {name:24s}   0 cases"
    return f"  {name:24s} {s['cases']:3d} cases  median |error| {s['median_abs_error']:6.1%}  worst {s['worst_ratio']:.3f}× ({s['worst_case']})  beyond 2×: {s['beyond_2x']}"


def main() -> None:
    report = serving_reference()
    for r in report.rows:
        mark = "  (added later)" if r["held_out"] else ""
        print(f"  {r['id']:48s} {r['metric']:24s} measured {r['measured']:10.4g}  predicted {r['predicted']:10.4g}  ratio {r['ratio']:.3f}  batch {r['batch']}{mark}")
    print(_line("all", report.summary) + "  (aim: median <= 12%, none beyond 2×)")
    for name, summary in report.by_metric.items():
        print(_line(name, summary))
    print(_line("the first fit's cases", summarize([r for r in report.rows if not r["held_out"]])))
    print(_line("added after the first fit", report.held_out))
    for name in report.by_metric:
        held = [r for r in report.rows if r["held_out"] and r["metric"] == name]
        if held:
            print(_line(f"  added later: {name}", summarize(held)))


if __name__ == "__main__":
    main()
