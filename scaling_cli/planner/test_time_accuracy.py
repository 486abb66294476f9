"""A workload's expected accuracy and, with ``target_accuracy``, the samples that reach it
(formulas in ``engine/test_time_accuracy.py``, docs/DOMAIN.md §3.5).

``pass_rate`` is the chance one sample answers a query right: a number (every query alike) or a
range, read as the distribution of pass rates over the workload's queries (harder queries exist).
The point figure is the mean over that distribution, by quadrature; under the Monte Carlo sampler
each draw is one query, so the P10-P90 band of ``expected_accuracy`` is the spread over queries of
a query's chance of being answered right.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from scaling_cli.engine import test_time_accuracy as accuracy
from scaling_cli.engine.uncertainty import Sampler
from scaling_cli.errors import PlanError
from scaling_cli.scenario.test_time import PassRates, TestTimeWorkload


def _nodes(pass_rate: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per-query pass rates and their weights: quadrature over a distribution, or one rate."""
    if isinstance(pass_rate, PassRates):
        points, weights = accuracy.quantile_nodes()
        return pass_rate.quantile(points), weights
    return np.array([float(pass_rate)]), np.array([1.0])


@lru_cache(maxsize=64)
def expected_curve(aggregation: str, pass_rate: Any, k_max: int, verifier_accuracy: float | None) -> np.ndarray:
    """Mean accuracy over the queries for k = 1..k_max samples."""
    rates, weights = _nodes(pass_rate)
    return weights @ accuracy.accuracy_curve(aggregation, rates, k_max, verifier_accuracy)


def _limit(workload: TestTimeWorkload) -> float:
    """The mean accuracy with unlimited samples; for a vote over a spread, exactly the share of
    queries with p > ½ (the quantile where p crosses ½, by bisection: a quadrature would blur the step)."""
    if workload.aggregation == "majority_vote" and isinstance(workload.pass_rate, PassRates):
        low, high = 0.0, 1.0
        for _ in range(60):
            middle = (low + high) / 2
            low, high = (middle, high) if float(workload.pass_rate.quantile(middle)) <= 0.5 else (low, middle)
        return 1.0 - high
    rates, weights = _nodes(workload.pass_rate)
    return float(weights @ accuracy.accuracy_limit(workload.aggregation, rates, workload.verifier_accuracy))


def _choosing(workload: TestTimeWorkload) -> bool:
    return workload.target_accuracy is not None and "samples" not in workload.given


def planned_samples(workload: TestTimeWorkload) -> Any:
    """``samples`` as given, or with ``target_accuracy`` (and no ``samples``) the fewest reaching it;
    where none up to ``MAX_SAMPLES`` does, the count of highest expected accuracy."""
    if not _choosing(workload):
        return workload.samples
    if np.ndim(workload.pass_rate) or np.ndim(workload.target_accuracy):
        raise PlanError("target_accuracy", "choosing samples for a target needs one pass_rate and one target (not a sweep grid); give samples instead")
    return _choice(workload.aggregation, workload.pass_rate, float(workload.target_accuracy), workload.verifier_accuracy)


@lru_cache(maxsize=64)
def _choice(aggregation: str, pass_rate: Any, target: float, verifier_accuracy: float | None) -> int:
    curve = expected_curve(aggregation, pass_rate, accuracy.MAX_SAMPLES, verifier_accuracy)
    chosen = accuracy.smallest_reaching(curve, target)
    return chosen if chosen is not None else int(np.argmax(curve)) + 1


def accuracy_figures(index: int, workload: TestTimeWorkload, samples: Any, sampler: Sampler) -> dict[str, Any]:
    """``pass_rate`` (mean over queries), ``expected_accuracy``, ``accuracy_limit`` and the target."""
    figures = {"aggregation": workload.aggregation, "pass_rate": None, "verifier_accuracy": workload.verifier_accuracy,
               "expected_accuracy": None, "accuracy_limit": None, "target_accuracy": workload.target_accuracy}  # fmt: skip
    if workload.pass_rate is None:
        return figures
    if np.ndim(workload.pass_rate) or np.ndim(samples):  # a sweep's grid of pass rates or sample counts
        grid = np.broadcast_to(np.asarray(workload.pass_rate, dtype=float), np.broadcast_shapes(np.shape(workload.pass_rate), np.shape(samples)))
        figures["pass_rate"] = grid
        figures["accuracy_limit"] = accuracy.accuracy_limit(workload.aggregation, grid, workload.verifier_accuracy)
        figures["expected_accuracy"] = accuracy.accuracy_at(workload.aggregation, grid, samples, workload.verifier_accuracy)
        return figures
    rates, weights = _nodes(workload.pass_rate)
    figures["pass_rate"] = float(weights @ rates)
    figures["accuracy_limit"] = _limit(workload)
    at_k = _at_samples(workload.aggregation, workload.pass_rate, int(samples), workload.verifier_accuracy)
    uniform = sampler.uniform(f"test_time[{index}].pass_rate")
    if isinstance(workload.pass_rate, PassRates) and uniform is not None:  # one query per draw; accuracy rises with p
        figures["expected_accuracy"] = np.interp(workload.pass_rate.quantile(uniform), rates, at_k)
    else:
        figures["expected_accuracy"] = float(weights @ at_k)
    return figures


@lru_cache(maxsize=64)
def _at_samples(aggregation: str, pass_rate: Any, samples: int, verifier_accuracy: float | None) -> np.ndarray:
    """Each quadrature node's accuracy with ``samples`` samples."""
    return accuracy.accuracy_at(aggregation, _nodes(pass_rate)[0], samples, verifier_accuracy)


def accuracy_warnings(label: str, workload: TestTimeWorkload, out: dict[str, Any]) -> list[str]:
    """A target the plan does not reach: with the samples given, or by any count up to ``MAX_SAMPLES``."""
    warnings = []
    if out.get("expected_accuracy") is not None and out["samples"] > accuracy.MAX_SAMPLES:
        warnings.append(
            f"{label}: {out['samples']:,} samples is beyond the 10,000 over which repeated sampling has been measured "
            "(Brown et al. 2024); expected_accuracy is an extrapolation" + (" (majority vote read at 10,000)" if workload.aggregation == "majority_vote" else "")
        )
    return warnings + _target_warnings(label, workload, out)


def _target_warnings(label: str, workload: TestTimeWorkload, out: dict[str, Any]) -> list[str]:
    target, reached = out.get("target_accuracy"), out.get("expected_accuracy")
    if target is None or reached is None or reached >= target - 1e-12:
        return []
    if not _choosing(workload):
        return [f"{label}: target_accuracy {target:.3g} is not reached with samples: {out['samples']} (expected accuracy {reached:.3g}); omit samples to choose the fewest that reach it"]
    why = {
        "majority_vote": "a vote only lifts queries the model answers right more often than wrong (pass rate above 0.5)",
        "best_of_n": "a verifier's picks plateau at its precision",
        "oracle": f"coverage grows too slowly within {accuracy.MAX_SAMPLES:,} samples",
    }[workload.aggregation]
    return [
        f"{label}: target_accuracy {target:.3g} is not reachable with {workload.aggregation}: {why}; the best expected accuracy is "
        f"{reached:.3g} at {out['samples']} sample{'s' if out['samples'] != 1 else ''} (the limit with unlimited samples is {out['accuracy_limit']:.3g}), planned with those"
    ]
