"""How well the planner predicts published post-training jobs (issue #15).

    python benchmarks/post_training_accuracy.py

For every bundled case (scaling_cli/data/post_training_measurements.yaml: fine-tuning and RL jobs
with their recipe and measured GPU-hours), the equivalent derivative group planned with defaults
only: predicted ÷ measured GPU-hours per case, then median |error| and the worst case, overall and
per technique. Aim (#15): median |error| <= 25% and no case beyond 2x.
"""

from __future__ import annotations

from scaling_cli.commands.reference_post_training import post_training_reference


def _line(name: str, g: dict) -> str:
    return (
        f"  {name:14s} {g['cases']:2d} cases  median |error| {g['median_abs_error']:6.1%}  median ratio {g['median_ratio']:.2f}  "
        f"worst {g['worst_ratio']:.2f} ({g['worst_case']})  within 2x {g['cases'] - g['beyond_2x']}/{g['cases']}"
    )


def main() -> None:
    report = post_training_reference()
    for row in report.rows:
        print(f"  {row['name'][:64]:64s} predicted {row['predicted_gpu_hours']:9.2f}  measured {row['measured_gpu_hours']:9.2f}  ratio {row['ratio']:.2f}")
    print("median |error| aim <= 25%, no case beyond 2x:")
    print(_line("all", report.summary))
    for name, group in report.by_technique.items():
        print(_line(name, group))


if __name__ == "__main__":
    main()
