"""Fit the serving model's four free constants on the bundled measurements, and report leave-one-out.

    python benchmarks/fit_serving.py

The roofline (engine/serving.py) has four constants no datasheet gives: the large-problem compute
efficiency of prefill and compute-bound decode, the tokens per forward pass at which matrix
multiplies reach half of it (``gemm_fill``), the achieved share of HBM bandwidth in decode, and a
fixed overhead per forward step (scheduling, kernel launches, sampling). This script plans every
bundled measurement (scaling_cli/data/serving_measurements.yaml, through `scaling reference
--serving`'s own functions) on a grid of the four, and picks the point with the least mean
|ln(predicted ÷ measured)| among those that keep every figure within 2×. Leave-one-out: each
measured figure is predicted at the grid point chosen without it, so the reported error is a
prediction. The chosen values are what scaling_cli/defaults.py states (``NAMES``); rerun this after
adding measurements.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import sys

import numpy as np

from scaling_cli import defaults
from scaling_cli.commands import reference_serving

COMPUTE = (0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)
BANDWIDTH = (0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)
OVERHEAD = (0.0, 1e-3, 2e-3)
HALF_FILL = (0.0, 64.0, 128.0, 256.0, 512.0, 1024.0)
NAMES = ("COMPUTE_EFFICIENCY", "BANDWIDTH_EFFICIENCY", "STEP_OVERHEAD", "GEMM_HALF_FILL_TOKENS")


def ratios_at(*values: float) -> list[float]:
    """predicted ÷ measured of every bundled figure, in report order, at these constants (``NAMES``)."""
    saved = [getattr(defaults, name) for name in NAMES]
    for name, old, value in zip(NAMES, saved, values):
        setattr(defaults, name, dataclasses.replace(old, value=value))
    try:
        return [row["ratio"] for row in reference_serving.serving_reference().rows]
    finally:
        for name, old in zip(NAMES, saved):
            setattr(defaults, name, old)


def best_point(logs: np.ndarray) -> int:
    """The grid point with the least mean |ln r| among those with no figure beyond 2× (the issue's
    bound), or over all points when none keeps every figure within 2×."""
    within = np.all(logs <= math.log(2), axis=1)
    score = np.where(within, logs.mean(axis=1), np.inf) if within.any() else logs.mean(axis=1)
    return int(np.argmin(score))


def main() -> None:
    grid = list(itertools.product(COMPUTE, BANDWIDTH, OVERHEAD, HALF_FILL))
    logs = np.abs(np.log(np.array([ratios_at(*point) for point in grid])))  # (points, figures)
    if len(sys.argv) > 1:  # keep the grid's errors, to study other objectives without replanning
        np.save(sys.argv[1], logs)
    best = best_point(logs)
    figures = logs.shape[1]
    held_out = [logs[best_point(np.delete(logs, i, axis=1)), i] for i in range(figures)]
    in_sample = logs[best]
    print(f"grid: {len(grid)} points of (compute efficiency, bandwidth efficiency, step overhead, GEMM half-fill tokens), {figures} measured figures")
    print(f"fit: compute {grid[best][0]}, bandwidth {grid[best][1]}, step overhead {grid[best][2] * 1e3:.1f} ms, half-fill {grid[best][3]:g} tokens")
    for name, errors in (("in-sample", in_sample), ("leave-one-out", np.array(held_out))):
        ratio_errors = np.exp(errors) - 1  # e^|ln r| - 1: 0.25 for a figure 1.25x too high or too low
        print(
            f"{name}: median |error| {float(np.median(ratio_errors)):.1%}, worst {float(np.max(ratio_errors)) + 1:.2f}x off, "
            f"beyond 2x: {int(np.sum(errors > math.log(2)))}"
        )


if __name__ == "__main__":
    main()
