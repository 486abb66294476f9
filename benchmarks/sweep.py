"""Sweeps end to end, as a user runs them: throughput, JSON size and peak memory of ``scaling sweep``.

    python benchmarks/sweep.py [--runs N] [--before DIR]

Each command runs in a fresh interpreter (cold: start-up, loading, every pass, JSON output),
interleaved with the others, N times (default 5), medians (benchmarks/_timing.py):

  pretraining-only   scaling sweep configs/frontier-dense.scenario.yaml --vary pretraining.tokens=1T:100T:P --top 1 --format json
  full lifecycle     scaling sweep --vary pretraining.tokens=1T:100T:P --top 1 --format json
                     (the built-in scenario: pretraining, 3 derivative groups, 2 served workloads, the ledger)
  model size         scaling sweep --vary model.params=10B:100B:P ... (moves nearly every figure of the lifecycle)

for P = 1M and 10M points. It prints points per second end to end (P ÷ the wall time, start-up
included), the marginal rate between the 1M and 10M runs (9M ÷ the difference: what a pass costs
once the interpreter is up), the JSON's size and the peak memory (the child's own ``ru_maxrss``).
Targets (#16), end to end with JSON output: >= 10M points/s pretraining-only, >= 3M points/s full
lifecycle; <= 1 GB. ``--before DIR`` also runs the 1M-point commands in another checkout.
Plain Python and the standard library only; run by hand, not in CI.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from _timing import FLOOR, SCALING, Command, measure, table

CASES = {
    "pretraining-only": (["configs/frontier-dense.scenario.yaml"], "pretraining.tokens=1T:100T:{n}"),
    "full lifecycle": ([], "pretraining.tokens=1T:100T:{n}"),
    "model size (lifecycle)": ([], "model.params=10B:100B:{n}"),
}
SIZES = (1_000_000, 10_000_000)


def commands() -> list[Command]:
    found = [Command("floor", FLOOR)]
    for name, (scenario, vary) in CASES.items():
        for n in SIZES:
            found.append(Command(f"{name}, {n // 1_000_000}M", [*SCALING, "sweep", *scenario, "--vary", vary.format(n=n), "--top", "1", "--format", "json"]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", type=Path, default=None, metavar="DIR", help="another checkout to compare with (1M-point runs)")
    args = parser.parse_args()
    todo = commands()
    if args.before:
        todo += [replace(c, name=f"{c.name}, before", cwd=args.before.resolve()) for c in todo if c.name.endswith(", 1M")]
    results = measure(todo, args.runs)
    rows = [["sweep", "points", "median", "points/s end to end", "marginal points/s", "JSON", "peak memory"]]
    for name in CASES:
        for suffix in ("", ", before"):
            small, big = results.get(f"{name}, 1M{suffix}"), results.get(f"{name}, 10M{suffix}")
            for n, r in ((SIZES[0], small), (SIZES[1], big)):
                if r is None:
                    continue
                marginal = f"{(SIZES[1] - SIZES[0]) / (big.median - small.median) / 1e6:.1f}M" if n == SIZES[1] else ""
                rows.append([name + (" (before)" if suffix else ""), f"{n // 1_000_000}M", f"{r.median:.2f} s", f"{n / r.median / 1e6:.2f}M", marginal, f"{r.stdout_bytes / 1e3:,.0f} kB", f"{r.peak:.0f} MB"])
    print(table(rows))
    print(f"\nfloor (python -c \"import typer, pydantic, rich.table, numpy, yaml\"): {results['floor'].median * 1000:.0f} ms; medians of {args.runs} cold runs each")
    print("targets (#16), end to end with JSON: >= 10M points/s pretraining-only, >= 3M points/s full lifecycle, <= 1 GB")


if __name__ == "__main__":
    main()
