"""What the Monte Carlo bands cost: plans with 5,000 (the default) and 100,000 samples against one without.

    python benchmarks/monte_carlo.py [--config configs/frontier-dense.scenario.yaml] [--runs 15]

Both plans run in this process after a warm-up (imports excluded), interleaved; the script prints
the median time of each and their difference (issue #3 target: a few tens of milliseconds).
"""

from __future__ import annotations

import argparse
import statistics
import time

from scaling_cli.planner.plan import build_plan
from scaling_cli.scenario.loading import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/derivative-ecosystem.scenario.yaml")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    loaded = load_scenario(args.config)
    build_plan(loaded, samples=100_000)  # warm-up: lazy imports, caches
    timings: dict[int, list[float]] = {0: [], 5_000: [], 100_000: []}
    for _ in range(args.runs):
        for samples in timings:
            start = time.perf_counter()
            build_plan(loaded, samples=samples)
            timings[samples].append(time.perf_counter() - start)
    medians = {k: statistics.median(v) * 1000 for k, v in timings.items()}
    for samples, ms in medians.items():
        print(f"plan {args.config} with {samples:>7,} samples: {ms:7.1f} ms")
    print(f"Monte Carlo cost: +{medians[5_000] - medians[0]:.1f} ms at the default 5,000 samples, +{medians[100_000] - medians[0]:.1f} ms at 100,000 (median of {args.runs})")


if __name__ == "__main__":
    main()
