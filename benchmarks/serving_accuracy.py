"""How well the serving model predicts published inference measurements (issue #14).

    python benchmarks/serving_accuracy.py

For every bundled measurement (scaling_cli/data/serving_measurements.yaml) the planner plans the
equivalent workload with its defaults only (no per-case tuning) and compares predicted with measured
throughput (output tokens/s/GPU), time to first token and time per output token. Prints each case's
ratio, then the median |error| and the worst case overall and per metric. Aim (#14): median within 12%
and no case beyond 2×.
"""

from __future__ import annotations

from scaling_cli.commands.reference_serving import serving_reference


def _line(name: str, s: dict) -> str:
    return f"  {name:24s} {s['cases']:3d} cases  median |error| {s['median_abs_error']:6.1%}  worst {s['worst_ratio']:.3f}× ({s['worst_case']})  beyond 2×: {s['beyond_2x']}"


def main() -> None:
    report = serving_reference()
    for r in report.rows:
        print(f"  {r['id']:48s} {r['metric']:24s} measured {r['measured']:10.4g}  predicted {r['predicted']:10.4g}  ratio {r['ratio']:.3f}  batch {r['batch']}")
    print(_line("all", report.summary) + "  (aim: median <= 12%, none beyond 2×)")
    for name, summary in report.by_metric.items():
        print(_line(name, summary))


if __name__ == "__main__":
    main()
