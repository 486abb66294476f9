"""How well the serving model predicts published inference measurements (issue #14).

    python benchmarks/serving_accuracy.py

For every bundled measurement (scaling_cli/data/serving_measurements.yaml) the planner plans the
equivalent workload with its defaults only (no per-case tuning) and compares predicted with measured
throughput (output tokens/s/GPU), time to first token, time per output token and request latency.
Prints each hand-entered case's ratio (cases added after the first fit marked), then the median
|error| and the worst case overall, per source (the hand-entered cases; the cells of TensorRT-LLM
v0.17's throughput table, scaling_cli/data/trtllm_v017_throughput.yaml, grouped by model, tensor-parallel
size, accelerator and input/output lengths so a shape error shows), per metric, and for the first fit's cases and the later ones apart
(``held_out: true``: held out of the first fit, their first-sight figures in docs/CALIBRATION.md §4;
the current constants are fitted on every case, and benchmarks/fit_serving.py reports
leave-one-out). Aim (#14): median within 12% and no case beyond 2×.
"""

from __future__ import annotations

from scaling_cli.commands.reference_serving import TABLE, TABLE_1X, serving_reference, summarize


def _line(name: str, s: dict) -> str:
    if not s["cases"]:
        return f"  {name:24s}   0 cases"
    return f"  {name:24s} {s['cases']:3d} cases  median |error| {s['median_abs_error']:6.1%}  worst {s['worst_ratio']:.3f}× ({s['worst_case']})  beyond 2×: {s['beyond_2x']}"


def _table_groups(rows: list[dict]) -> None:
    """The table's cells by model, tensor-parallel size, accelerator and lengths (median ratio: the sign of a shape error)."""
    for label, key in (("model", lambda r: r["model"]), ("TP", lambda r: f"TP{r['gpus_per_replica']:g}"), ("GPU", lambda r: r["hardware"].split()[1]), ("in/out", lambda r: r["tokens"])):
        for value in sorted({key(r) for r in rows}):
            group = summarize([r for r in rows if key(r) == value])
            print(f"    table {label + ' ' + value:24s} {group['cases']:3d} cases  median |error| {group['median_abs_error']:6.1%}  median ratio {group['median_ratio']:.2f}  worst {group['worst_ratio']:.2f}×")


def main() -> None:
    report = serving_reference()
    for r in (r for r in report.rows if r["table"] is None):
        mark = "  (added later)" if r["held_out"] else ""
        print(f"  {r['id']:48s} {r['metric']:24s} measured {r['measured']:10.4g}  predicted {r['predicted']:10.4g}  ratio {r['ratio']:.3f}  batch {r['batch']}{mark}")
    print(_line("all", report.summary) + "  (aim: median <= 12%, none beyond 2×)")
    for name, summary in report.by_source.items():
        print(_line(name, summary))
    _table_groups([r for r in report.rows if r["table"] == TABLE])
    print("  left out of the fit (first sight in docs/CALIBRATION.md §4): the TensorRT-LLM 1.x tables by model, accelerator and mapping")
    held = [r for r in report.rows if r["table"] == TABLE_1X]
    for key in sorted({(r["model"], r["hardware"]) for r in held}):
        group = summarize([r for r in held if (r["model"], r["hardware"]) == key])
        print(f"    {key[0] + ', ' + key[1]:44s} {group['cases']:3d} cases  median |error| {group['median_abs_error']:6.1%}  median ratio {group['median_ratio']:.2f}  worst {group['worst_ratio']:.2f}×")
    for name, summary in report.by_metric.items():
        print(_line(name, summary))
    print(_line("the first fit's cases", summarize([r for r in report.rows if not r["held_out"] and r["table"] is None])))
    print(_line("added after the first fit", summarize([r for r in report.rows if r["held_out"] and r["table"] is None])))
    for name in report.by_metric:
        held = [r for r in report.rows if r["held_out"] and r["metric"] == name]
        if held:
            print(_line(f"  added later: {name}", summarize(held)))


if __name__ == "__main__":
    main()
