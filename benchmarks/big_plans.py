"""Big scenarios end to end: plan time and memory against the number of derivative groups and workloads.

    python benchmarks/big_plans.py [--runs N] [--quick] [--before DIR]

Writes scenarios of a 70B model (Llama 3.1 70B's architecture, arXiv 2407.21783 Table 3; 15T tokens)
with G LoRA groups (distinct names, 10-50M tokens each, 10-100 adapters a group) and W chat
workloads (distinct names and demand), then runs ``scaling plan FILE --format json`` on each in
fresh interpreters with the default bands (5,000 samples), and ``scaling validate`` on the largest,
interleaved, medians of N runs (benchmarks/_timing.py). Prints wall time, peak memory (the child's
own ``ru_maxrss``), and ratios to the one-group plan and to the import floor. Targets (#16):
1,000 groups within 2x a one-group plan; 10,000 groups plus 1,000 workloads under 5 s and 1 GB.
``--quick`` leaves out the 10,000-group scenarios; ``--before DIR`` also runs the 1,000-group and the
largest plans in another checkout, interleaved, for a before/after comparison within one run. Plain
Python and the standard library only.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

from _timing import FLOOR, SCALING, Command, measure, table

HEAD = """\
name: ecosystem-{groups}-groups-{workloads}-workloads
hardware:
  accelerator: nvidia-h100-sxm5-80gb
model:
  params: 70B
  layers: 80
  d_model: 8192
  heads: 64
  kv_heads: 8
  vocab: 128256
  ffn_dim: 28672
pretraining:
  tokens: 15T
  seq_len: 8192
"""


def scenario(groups: int, workloads: int) -> str:
    lines = [HEAD.format(groups=groups, workloads=workloads)]
    if groups:
        lines.append("post_training:")
    for i in range(groups):
        lines.append(f"  - {{name: lora-{i}, technique: lora, count: {10 + i % 91}, tokens: {10 + i % 41}M, rank: 16}}")
    if workloads:
        lines.append("test_time:")
    for i in range(workloads):
        lines.append(f"  - {{name: chat-{i}, queries_per_day: {1000 + 37 * i}, days: 365, prompt_tokens: 1000, output_tokens: 400}}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="leave out the 10,000-group scenarios")
    parser.add_argument("--before", type=Path, default=None, metavar="DIR", help="another checkout to compare with")
    args = parser.parse_args()
    sizes = [(1, 0), (100, 0), (1000, 0), (1000, 1000)] + ([] if args.quick else [(10_000, 0), (10_000, 1000)])
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for groups, workloads in sizes:
            files[groups, workloads] = path = Path(tmp) / f"g{groups}-w{workloads}.scenario.yaml"
            path.write_text(scenario(groups, workloads), encoding="utf-8")
        largest = files[sizes[-1]]
        commands = [Command("floor", FLOOR)]
        commands += [Command(f"plan: {g:,} groups, {w:,} workloads", [*SCALING, "plan", str(files[g, w]), "--format", "json"]) for g, w in sizes]
        commands.append(Command(f"validate: {sizes[-1][0]:,} groups, {sizes[-1][1]:,} workloads", [*SCALING, "validate", str(largest)]))
        if args.before:
            compared = (commands[1].name, "plan: 1,000 groups, 0 workloads", f"plan: {sizes[-1][0]:,} groups, {sizes[-1][1]:,} workloads")
            commands += [replace(c, name=f"{c.name} (before)", cwd=args.before.resolve()) for c in commands if c.name in compared]
        results = measure(commands, args.runs)
    floor = results["floor"].median
    rows = [["command", "median", "peak memory", "÷ one-group plan", "÷ floor"]]
    for command in commands:
        r = results[command.name]
        before = " (before)" if command.name.endswith(" (before)") else ""
        one = results[commands[1].name + before].median  # the one-group plan of the same code
        rows.append([command.name, f"{r.median:.2f} s", f"{r.peak:.0f} MB", f"{r.median / one:.2f}", f"{r.median / floor:.2f}"])
    print(table(rows))
    print(f"\nmedians of {args.runs} cold runs each (scaling plan FILE --format json, default 5,000-sample bands)")
    print("targets (#16): 1,000 groups <= 2x the one-group plan; 10,000 groups + 1,000 workloads < 5 s and < 1 GB")


if __name__ == "__main__":
    main()
