"""How well the planner predicts published post-training jobs (issue #15).

    python benchmarks/post_training_accuracy.py

For every bundled case (scaling_cli/data/post_training_measurements.yaml: fine-tuning and RL jobs
with their recipe and measured GPU-hours), the equivalent derivative group planned with defaults
only: predicted ÷ measured GPU-hours per case, in-sample (the defaults, fitted on every case not
held out) and leave-one-out (each case predicted with the constants refitted without it), then
median |error| and the worst case, overall and per technique. Aim (#15): median |error| <= 25% and
no case beyond 2x. The leave-one-out figures are the honest ones.
"""

from __future__ import annotations

from scaling_cli.commands.ratios import ratio_summary
from scaling_cli.commands.reference_post_training import case_groups, cases, post_training_reference


def _line(name: str, mode: str, g: dict) -> str:
    return (
        f"  {name:14s} {mode:13s} {g['cases']:2d} cases  median |error| {g['median_abs_error']:6.1%}  median ratio {g['median_ratio']:.2f}  "
        f"worst {g['worst_ratio']:.2f} ({g['worst_case']})  within 2x {g['cases'] - g['beyond_2x']}/{g['cases']}"
    )


def main() -> None:
    report = post_training_reference()
    for row in report.rows:
        mark = " (held out)" if row["held_out"] else ""
        print(
            f"  {(row['name'] + mark)[:64]:64s} measured {row['measured_gpu_hours']:9.2f}  in-sample {row['predicted_gpu_hours']:9.2f} ({row['ratio']:.2f}x)"
            f"  leave-one-out {row['loo_predicted_gpu_hours']:9.2f} ({row['loo_ratio']:.2f}x)"
        )
    print("median |error| aim <= 25%, no case beyond 2x:")
    for name, group in {"all": report.summary, **report.by_technique}.items():
        for mode in ("in_sample", "leave_one_out"):
            if group[mode]["cases"]:
                print(_line(name, mode.replace("_", "-"), group[mode]))
    print("RL by placement (leave-one-out):")
    placement = {case["name"]: case_groups(case)[0].get("placement", "colocated") for case in cases() if case_groups(case)[0]["technique"] == "rl"}
    for where in ("split", "colocated"):
        rows = [{**r, "ratio": r["loo_ratio"]} for r in report.rows if placement.get(r["name"]) == where]
        if rows:
            print(_line(f"rl {where}", "leave-one-out", ratio_summary(rows, lambda r: r["name"])))


if __name__ == "__main__":
    main()
