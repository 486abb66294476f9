"""Fit the serving model's free constants on the bundled measurements, and cross-validate them.

    python benchmarks/fit_serving.py          # ~10 min on 2 cores

The roofline (engine/serving.py) has nine constants no datasheet gives: the large-problem compute
efficiency at 16 bits, the exponent by which a narrower format keeps less of it, the share of it a
decode step reaches, the tokens per forward pass and the matrix width per GPU at which matrix
multiplies reach half of it (``pass_fill``), the achieved share of HBM bandwidth in decode, a fixed overhead per forward step,
the share of the scale-up link a tensor-parallel all-reduce reaches, and the fixed time per
all-reduce call. This script plans every bundled figure — the hand-entered cases of
scaling_cli/data/serving_measurements.yaml and the cells of TensorRT-LLM v0.17's throughput table
(scaling_cli/data/trtllm_v017_throughput.yaml), through `scaling reference --serving`'s own functions,
leaving out the cells of TensorRT-LLM 1.x's tables, which are not fitted on
— and minimises the mean over the two sources of the mean |ln(predicted ÷ measured)| (so the table's
244 cells weigh as much as the 47 cases from a dozen sources, not five times more), with every
figure beyond 2× (the issue's bound) penalised.

Search: coordinate descent from the values in scaling_cli/defaults.py, each constant in turn
multiplied or divided by a step (10% for the efficiencies, 35% for the others) while that lowers the
objective, the steps halved when no move helps. It is a local search: rerun from the fitted values it
returns them.

Cross-validation: the figures are split into 10 folds (every 10th figure of each source, in report
order); each fold is predicted by constants refitted without it (the same descent, from the full fit,
three rounds), so the reported error is a prediction. Leave-one-out would be 291 refits, too slow to
run on every change. The fitted values are what scaling_cli/defaults.py states (``NAMES``, rounded);
rerun this after adding measurements.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from scaling_cli import defaults
from scaling_cli.commands import reference_serving

NAMES = (
    "COMPUTE_EFFICIENCY", "COMPUTE_FORMAT_EXPONENT", "DECODE_COMPUTE_RATIO", "BANDWIDTH_EFFICIENCY", "STEP_OVERHEAD",
    "GEMM_HALF_FILL_TOKENS", "GEMM_HALF_FILL_WIDTH", "ALLREDUCE_BANDWIDTH_EFFICIENCY", "ALLREDUCE_LATENCY",
)  # fmt: skip
STEPS = (0.1, 0.35, 0.1, 0.1, 0.35, 0.35, 0.35, 0.1, 0.35)
#: a constant at 0 (the step overhead, the format exponent, a half-fill) moves to this value first
FROM_ZERO = (0.0, 0.05, 0.0, 0.0, 2.5e-4, 16.0, 64.0, 0.0, 1e-6)
FOLDS = 10


def logs_at(values: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """|ln(predicted ÷ measured)| of every bundled figure at these constants, and which are table cells."""
    saved = [getattr(defaults, name) for name in NAMES]
    for name, old, value in zip(NAMES, saved, values):
        setattr(defaults, name, dataclasses.replace(old, value=value))
    try:
        rows = [r for r in reference_serving.serving_reference().rows if r["table"] != reference_serving.TABLE_1X]  # not fitted on
    finally:
        for name, old in zip(NAMES, saved):
            setattr(defaults, name, old)
    return np.abs(np.log([r["ratio"] for r in rows])), np.array([r["table"] is not None for r in rows])


def objective(logs: np.ndarray, table: np.ndarray, keep: np.ndarray | None = None) -> float:
    """Mean over the two sources of mean |ln r| (of the figures in ``keep``, default all), + 10 × the
    excess of every such figure beyond 2×."""
    if keep is not None:
        logs, table = logs[keep], table[keep]
    return 0.5 * float(logs[table].mean()) + 0.5 * float(logs[~table].mean()) + 10.0 * float(np.maximum(logs - math.log(2), 0).sum())


def _moved(values: tuple[float, ...], i: int, direction: int, steps: list[float]) -> tuple[float, ...]:
    new = list(values)
    new[i] = (FROM_ZERO[i] if direction > 0 else 0.0) if values[i] == 0 else values[i] * math.exp(direction * steps[i])
    return tuple(new)


def coordinate_descent(start: tuple[float, ...], rounds: int = 6, keep: np.ndarray | None = None) -> tuple[float, ...]:
    """The local search of the module docstring, on the figures in ``keep`` (default all)."""
    values, steps = start, list(STEPS)
    best = objective(*logs_at(values), keep)
    for _ in range(rounds):
        improved = False
        for i, direction in itertools.product(range(len(NAMES)), (1, -1)):
            while (candidate := _moved(values, i, direction, steps)) != values:
                score = objective(*logs_at(candidate), keep)
                if score >= best - 1e-5:
                    break
                values, best, improved = candidate, score, True
        if not improved:
            steps = [s / 2 for s in steps]
    return values


def folds(table: np.ndarray) -> np.ndarray:
    """Fold number of each figure: every FOLDS-th figure of each source, in report order."""
    fold = np.empty(len(table), dtype=int)
    for source in (True, False):
        where = np.flatnonzero(table == source)
        fold[where] = np.arange(len(where)) % FOLDS
    return fold


def _fold_prediction(args: tuple[tuple[float, ...], np.ndarray]) -> np.ndarray:
    fit, held = args
    refit = coordinate_descent(fit, rounds=3, keep=~held)
    return logs_at(refit)[0][held]


def cross_validate(fit: tuple[float, ...], table: np.ndarray) -> np.ndarray:
    """Each figure's |ln r| at constants refitted without its fold (module docstring)."""
    fold = folds(table)
    masks = [fold == k for k in range(FOLDS)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        predictions = list(pool.map(_fold_prediction, [(fit, m) for m in masks]))
    held = np.empty(len(table))
    for mask, logs in zip(masks, predictions):
        held[mask] = logs
    return held


def _summary(name: str, logs: np.ndarray, table: np.ndarray) -> None:
    for label, mask in (("all", np.ones_like(table)), ("hand-entered", ~table), ("v0.17 table", table)):
        errors = np.exp(logs[mask]) - 1  # e^|ln r| - 1: 0.25 for a figure 1.25x too high or too low
        print(f"{name} {label:13s}: {int(mask.sum()):3d} figures, median |error| {float(np.median(errors)):.1%}, worst {float(errors.max()) + 1:.2f}x, beyond 2x: {int(np.sum(logs[mask] > math.log(2)))}")


def main() -> None:
    start = tuple(float(getattr(defaults, name).value) for name in NAMES)
    fit = coordinate_descent(start)
    logs, table = logs_at(fit)
    print("fit: " + ", ".join(f"{name} {value:.4g}" for name, value in zip(NAMES, fit)))
    print(f"objective (mean over sources of mean |ln r|): {objective(logs, table):.4f}")
    _summary("in-sample    ", logs, table)
    _summary("10-fold CV   ", cross_validate(fit, table), table)


if __name__ == "__main__":
    main()
