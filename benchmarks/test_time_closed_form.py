"""Planning a 100K-token reasoning chain costs what a 1K one costs: per-query compute is a closed form.

    python benchmarks/test_time_closed_form.py [--runs 15] [--samples 5000]

Plans the same workload (70B model, 8 samples, 1K-token prompt) with 1K and with 100K reasoning
tokens per sample, interleaved, in this process after a warm-up (imports excluded), and prints
the median time of each and their ratio (issue #5 target: about 1), twice:
  compute  the planner's arithmetic: the point pass plus the Monte Carlo pass (``evaluate``);
  plan     the whole ``build_plan``, whose P10-P90 bands partially sort every sampled metric: that
           cost depends on how the samples are spread (how many ties), not on the token count.
For contrast it also times a per-token loop over the 100K-token chain's attention sum, what the
roofline tool that loops once per generated token does (docs/PEER_TOOLS.md §2.8).
Plain Python and the project only; run by hand, not in CI.
"""

from __future__ import annotations

import argparse
import statistics
import time

from scaling_cli.engine.uncertainty import Sampler
from scaling_cli.planner.plan import build_plan, evaluate
from scaling_cli.scenario.inputs import freeze
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.scenario.loading import validate_document
from scaling_cli.yaml_source import parse_yaml

SCENARIO = """
name: closed-form-benchmark
model: {{params: 70.6B, layers: 80, d_model: 8192, heads: 64, kv_heads: 8}}
test_time:
  - {{name: think, queries_per_day: 10K, prompt_tokens: 1K, reasoning_tokens: {reasoning}, output_tokens: 500, samples: 8}}
"""


def _per_token_loop(layers: int, width: int, prompt: int, chain: int) -> float:
    """What a per-token tool does: one step per generated token (here only the attention sum)."""
    total = 0.0
    for t in range(prompt + 1, prompt + chain + 1):
        total += 4.0 * layers * width * t
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--samples", type=int, default=5_000)
    args = parser.parse_args()
    loaded = {r: validate_document(parse_yaml(SCENARIO.format(reasoning=r), f"<{r} reasoning tokens>")) for r in (1_000, 100_000)}
    steps = {
        "compute": lambda scenario: (
            evaluate(freeze(scenario.scenario, Sampler.point()), Sampler.point(), Assumptions()),
            evaluate(freeze(scenario.scenario, Sampler(args.samples)), Sampler(args.samples), Assumptions()),
        ),
        "plan": lambda scenario: build_plan(scenario, samples=args.samples),
    }
    for scenario in loaded.values():  # warm-up: lazy imports, catalog caches
        build_plan(scenario, samples=args.samples)
    timings: dict[tuple[str, int], list[float]] = {(step, r): [] for step in steps for r in loaded}
    loop: list[float] = []
    for index in range(args.runs):
        for step, run in steps.items():
            order = list(loaded.items())
            for reasoning, scenario in order if index % 2 else order[::-1]:  # alternate who runs first
                start = time.perf_counter()
                run(scenario)
                timings[step, reasoning].append(time.perf_counter() - start)
        start = time.perf_counter()
        _per_token_loop(80, 8192, 1_000, 100_500)
        loop.append(time.perf_counter() - start)
    medians = {key: statistics.median(v) * 1000 for key, v in timings.items()}
    for step in steps:
        for reasoning in loaded:
            print(f"{step:7s} {reasoning:>7,} reasoning tokens per sample ({args.samples:,} samples): {medians[step, reasoning]:7.2f} ms")
        print(f"{step:7s} ratio 100K / 1K: {medians[step, 100_000] / medians[step, 1_000]:.2f} (median of {args.runs})")
    print(f"per-token loop over one 100K-token chain's attention alone: {statistics.median(loop) * 1000:.1f} ms")

if __name__ == "__main__":
    main()
