"""Sweep throughput, peak memory, and the vectorized engine against a Python loop (issue #7).

    python benchmarks/sweep.py

Each figure is measured in a fresh interpreter (so peak memory, ru_maxrss, is the sweep's own):
  1. a 1,000 × 1,000 = 1M-point pretraining-only grid (configs/frontier-dense.scenario.yaml: tokens ×
     params) - target >= 10M points/s;
  2. the same 1M-point grid over the built-in default scenario, which plans all three laws
     (pretraining, 3 derivative groups, 2 serving workloads, the ledger) - target >= 1M points/s;
  3. peak memory of each - target <= 1 GB;
  4. the scalar path in a Python loop (one `build_plan` per point, no bands) on 200 points of the
     full-lifecycle grid, against the sweep on the same points: the per-point speed-up.
Prints one line per figure. Plain Python and the project; run by hand, not in CI.
"""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
from scaling_cli.planner.plan import build_plan
from scaling_cli.commands.sweep import parse_vary, run_sweep
from scaling_cli.scenario.loading import load_scenario

config, n, mode = sys.argv[1] or None, int(sys.argv[2]), sys.argv[3]
loaded = load_scenario(config)
tokens, params = f"pretraining.tokens=1T:30T:{n}:log", f"model.params=10B:500B:{n}:log"
varies = [parse_vary(tokens), parse_vary(params)]
objective = "total.cost_usd"
run_sweep(load_scenario(config), [parse_vary(tokens.replace(f":{n}:", ":4:")), parse_vary(params.replace(f":{n}:", ":4:"))],
          objective=objective, minimize=True, conditions=[], top=5, samples=0, seed=0)  # warm-up: lazy imports
if mode == "sweep":
    start = time.perf_counter()
    result = run_sweep(loaded, varies, objective=objective, minimize=True, conditions=[], top=10, samples=0, seed=0)
    seconds = time.perf_counter() - start
    points = result.evaluated
else:  # the scalar path, one plan per point
    start = time.perf_counter()
    points = 0
    for t in varies[0].values:
        for p in varies[1].values:
            build_plan(load_scenario(config, [f"pretraining.tokens={float(t)!r}", f"model.params={float(p)!r}"]), samples=0)
            points += 1
    seconds = time.perf_counter() - start
print(json.dumps({"points": points, "seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(config: str, n: int, mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, config, str(n), mode], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main() -> None:
    for label, config, target in (("pretraining-only", "configs/frontier-dense.scenario.yaml", 10e6), ("full-lifecycle", "", 1e6)):
        r = run(config, 1000, "sweep")
        rate = r["points"] / r["seconds"]
        print(f"{label} sweep: {r['points']:,} points in {r['seconds']:.2f} s = {rate / 1e6:.2f}M points/s (target >= {target / 1e6:.0f}M); peak memory {r['peak_mb']:.0f} MB (target <= 1024)")
    loop = run("", 14, "loop")  # 196 points through the scalar path
    vector = run("", 14, "sweep")
    per_loop, per_vector = loop["seconds"] / loop["points"], vector["seconds"] / vector["points"]
    print(f"python loop over build_plan: {1 / per_loop:,.0f} points/s; sweep on the same {vector['points']} points: {1 / per_vector:,.0f} points/s")
    big = run("", 1000, "sweep")
    print(f"vectorized sweep vs python loop, full lifecycle: {per_loop / (big['seconds'] / big['points']):,.0f}x faster per point (1M-point sweep vs 196-point loop)")


if __name__ == "__main__":
    main()
