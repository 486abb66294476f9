"""Fit the serving model's three free constants on the bundled measurements, and report leave-one-out.

    python benchmarks/fit_serving.py

The roofline (engine/serving.py) has three constants no datasheet gives: the compute efficiency of
prefill and compute-bound decode, the achieved share of HBM bandwidth in decode, and a fixed
overhead per forward step (scheduling, kernel launches, sampling). This script plans every bundled
measurement (scaling_cli/data/serving_measurements.yaml, through `scaling reference --serving`'s own
functions) on a grid of the three, and picks the point with the least mean |ln(predicted ÷
measured)|. Leave-one-out: each measured figure is predicted at the grid point chosen without it,
so the reported error is a prediction. The chosen values are what scaling_cli/defaults.py states
(COMPUTE_EFFICIENCY, BANDWIDTH_EFFICIENCY, STEP_OVERHEAD); rerun this after adding measurements.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np

from scaling_cli import defaults
from scaling_cli.commands import reference_serving

COMPUTE = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)
BANDWIDTH = (0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
OVERHEAD = (0.0, 0.5e-3, 1e-3, 2e-3, 3e-3, 4e-3)


def ratios_at(compute: float, bandwidth: float, overhead: float) -> list[float]:
    """predicted ÷ measured of every bundled figure, in report order, at these constants."""
    saved = (defaults.COMPUTE_EFFICIENCY, defaults.BANDWIDTH_EFFICIENCY, defaults.STEP_OVERHEAD)
    defaults.COMPUTE_EFFICIENCY = dataclasses.replace(saved[0], value=compute)
    defaults.BANDWIDTH_EFFICIENCY = dataclasses.replace(saved[1], value=bandwidth)
    defaults.STEP_OVERHEAD = dataclasses.replace(saved[2], value=overhead)
    try:
        return [row["ratio"] for row in reference_serving.serving_reference().rows]
    finally:
        defaults.COMPUTE_EFFICIENCY, defaults.BANDWIDTH_EFFICIENCY, defaults.STEP_OVERHEAD = saved


def main() -> None:
    grid = list(itertools.product(COMPUTE, BANDWIDTH, OVERHEAD))
    logs = np.abs(np.log(np.array([ratios_at(*point) for point in grid])))  # (points, figures)
    best = int(np.argmin(logs.mean(axis=1)))
    figures = logs.shape[1]
    held_out = []
    for i in range(figures):
        others = np.delete(logs, i, axis=1).mean(axis=1)
        held_out.append(logs[int(np.argmin(others)), i])
    in_sample = logs[best]
    print(f"grid: {len(grid)} points of (compute efficiency, bandwidth efficiency, step overhead), {figures} measured figures")
    print(f"fit: compute {grid[best][0]}, bandwidth {grid[best][1]}, step overhead {grid[best][2] * 1e3:.1f} ms")
    for name, errors in (("in-sample", in_sample), ("leave-one-out", np.array(held_out))):
        ratio_errors = np.exp(errors) - 1  # e^|ln r| - 1: 0.25 for a figure 1.25x too high or too low
        print(
            f"{name}: median |error| {float(np.median(ratio_errors)):.1%}, worst {float(np.max(ratio_errors)) + 1:.2f}x off, "
            f"beyond 2x: {int(np.sum(errors > math.log(2)))}"
        )


if __name__ == "__main__":
    main()
