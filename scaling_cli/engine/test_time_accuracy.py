"""What more samples per query buy: expected accuracy of repeated sampling, by aggregation.

A query's samples are independent, each right with the query's pass rate p; queries differ in p
(harder ones exist), so a workload's accuracy is the mean over the distribution of p. Each function
takes an array of per-query pass rates and returns, for every one and every sample count k = 1..K,
the chance the query is answered right (rows: queries, columns: k):

- **oracle** (a verifiable answer, e.g. unit tests: success if any sample is right): pass@k =
  1 − (1 − p)^k. Over a distribution of p, coverage E[1 − (1 − p)^k] grows with k as a power law
  when much of the mass lies at small p (Brown et al. 2024, "Large Language Monkeys", arXiv
  2407.21787 §2; with p spread log-uniformly coverage grows log-linearly in k).
- **majority_vote**, in the model of Chen et al. 2024 ("Are More LLM Calls All You Need?", arXiv
  2403.02419 §3): each sample is right with p, else it gives the one competing wrong answer (wrong
  answers agree, the pessimistic case), so the vote is right when more than half the samples are,
  a tie broken by a coin: F(k) = P[X > k/2] + ½·P[X = k/2], X ~ Binomial(k, p). It rises to 1 for
  p > ½ and falls to 0 for p < ½ — voting cannot lift a query the model gets wrong more often than
  right. In closed form by odd k (the Condorcet recurrence): F(1) = p,
  F(2m+1) = F(2m−1) + (2p − 1)·C(2m−1, m)·(p(1 − p))^m, and F(2m) = F(2m−1).
- **best_of_n** with a verifier of accuracy v (it judges any sample right with probability v,
  independently): a sample is accepted-and-right with a = p·v, accepted-and-wrong with
  b = (1 − p)(1 − v), rejected with r = 1 − a − b; the answer is a random accepted sample, or a
  random (rejected) sample when none is accepted, which is right with p·(1 − v)/r, so
  F(k) = (1 − r^k)·a/(a + b) + r^(k−1)·p·(1 − v). F(1) = p; F tends to the verifier's precision
  a/(a + b), the plateau Brown et al. 2024 §4 observe for reward-model selection; v = 1 is the
  oracle, v = ½ no better than one sample.

The mean over queries is a quadrature over the pass-rate distribution's quantiles (``quantile_nodes``).
"""

from __future__ import annotations

import functools
import math

import numpy as np

#: Most samples per query searched when choosing a count for a target: Brown et al. 2024 scale to 10,000.
MAX_SAMPLES = 10_000


def oracle_curve(pass_rates: np.ndarray, k_max: int) -> np.ndarray:
    """pass@k = 1 − (1 − p)^k for k = 1..k_max (Brown et al. 2024 §2)."""
    return accuracy_at("oracle", np.asarray(pass_rates, dtype=float)[:, None], np.arange(1, k_max + 1)[None, :])


def majority_vote_curve(pass_rates: np.ndarray, k_max: int) -> np.ndarray:
    """Chen et al. 2024's vote between the right answer and one wrong answer, k = 1..k_max."""
    p = np.asarray(pass_rates, dtype=float)[:, None]
    m = np.arange(1, (k_max + 1) // 2 + 1)  # odd k = 2m + 1 from k = 3
    log_choose = np.array([math.lgamma(2 * j) - math.lgamma(j + 1) - math.lgamma(j) for j in m])
    with np.errstate(divide="ignore"):
        log_pq = np.log(p * (1 - p))
    steps = (2 * p - 1) * np.exp(log_choose[None, :] + m[None, :] * log_pq)
    odd = np.clip(p + np.concatenate([np.zeros((p.shape[0], 1)), np.cumsum(steps, axis=1)], axis=1), 0.0, 1.0)  # k = 1, 3, 5, ...
    k = np.arange(1, k_max + 1)
    return odd[:, (k - 1) // 2]  # an even k ties as often as it breaks: F(2m) = F(2m − 1)


def best_of_n_curve(pass_rates: np.ndarray, k_max: int, verifier_accuracy: float) -> np.ndarray:
    """A verifier of accuracy v picks among k samples: (1 − r^k)·a/(a + b) + r^(k−1)·p·(1 − v), k = 1..k_max."""
    return accuracy_at("best_of_n", np.asarray(pass_rates, dtype=float)[:, None], np.arange(1, k_max + 1)[None, :], verifier_accuracy)


def accuracy_curve(aggregation: str, pass_rates: np.ndarray, k_max: int, verifier_accuracy: float | None = None) -> np.ndarray:
    """Per-query chance of a right answer with k = 1..k_max samples, for one aggregation."""
    rates = np.clip(np.asarray(pass_rates, dtype=float), 0.0, 1.0)
    if aggregation == "oracle":
        return oracle_curve(rates, k_max)
    if aggregation == "majority_vote":
        return majority_vote_curve(rates, k_max)
    if aggregation == "best_of_n" and verifier_accuracy is not None:
        return best_of_n_curve(rates, k_max, verifier_accuracy)
    raise ValueError(f"no accuracy model for aggregation {aggregation!r}")


def accuracy_at(aggregation: str, pass_rates: np.ndarray, samples: np.ndarray, verifier_accuracy: float | None = None) -> np.ndarray:
    """Per-query accuracy at given sample counts (``pass_rates`` and ``samples`` broadcast): closed
    forms for oracle and best-of-n at any k; the vote's recurrence up to ``MAX_SAMPLES`` (a count
    beyond is read at ``MAX_SAMPLES``: an extrapolation the planner warns about)."""
    rates, counts = np.broadcast_arrays(np.clip(np.asarray(pass_rates, dtype=float), 0.0, 1.0), np.asarray(samples, dtype=float))
    if aggregation == "oracle":
        return -np.expm1(counts * np.log1p(-np.minimum(rates, 1.0)))
    if aggregation == "best_of_n" and verifier_accuracy is not None:
        right, wrong = rates * verifier_accuracy, (1 - rates) * (1 - verifier_accuracy)
        precision = np.divide(right, right + wrong, out=np.zeros_like(rates), where=right + wrong > 0)
        rejected = 1 - right - wrong
        return (1 - rejected**counts) * precision + rejected ** (counts - 1) * rates * (1 - verifier_accuracy)
    capped = np.minimum(counts, MAX_SAMPLES).astype(int)
    curve = accuracy_curve(aggregation, rates.ravel(), int(capped.max()), verifier_accuracy)
    return curve[np.arange(rates.size), capped.ravel() - 1].reshape(rates.shape)


def accuracy_limit(aggregation: str, pass_rates: np.ndarray, verifier_accuracy: float | None = None) -> np.ndarray:
    """Per-query accuracy as k → ∞: 1 if p > 0 (oracle); 1, ½ or 0 as p is above, at or below ½
    (majority vote); the verifier's precision a/(a + b) (best-of-n)."""
    p = np.clip(np.asarray(pass_rates, dtype=float), 0.0, 1.0)
    if aggregation == "oracle":
        return (p > 0).astype(float)
    if aggregation == "majority_vote":
        return np.where(p > 0.5, 1.0, np.where(p == 0.5, 0.5, 0.0))
    right, wrong = p * verifier_accuracy, (1 - p) * (1 - verifier_accuracy)
    return np.divide(right, right + wrong, out=np.zeros_like(p), where=right + wrong > 0)


@functools.cache
def _panels() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Panel edges in quantile space, graded towards both ends where pass@k for large k turns
    sharply, and the 16-point Gauss-Legendre rule; made on first use (``np.unique`` loads
    ``numpy.ma`` and ``leggauss`` ``numpy.polynomial``, ~20 ms a plan without accuracy never needs)."""
    edges = np.unique(np.concatenate([[0.0], 10.0 ** np.arange(-12, 0), [0.25, 0.5, 0.75], 1 - 10.0 ** np.arange(-1, -13, -1), [1.0]]))
    nodes, weights = np.polynomial.legendre.leggauss(16)
    return edges, nodes, weights


def quantile_nodes() -> tuple[np.ndarray, np.ndarray]:
    """Points u in (0, 1) and weights summing to 1: composite 16-point Gauss-Legendre on panels
    graded towards 0 and 1, so E[g(p)] = Σ w·g(F⁻¹(u)) for the pass-rate quantile function F⁻¹."""
    edges, nodes, rule = _panels()
    low, high = edges[:-1, None], edges[1:, None]
    points = (low + high) / 2 + (high - low) / 2 * nodes[None, :]
    weights = (high - low) / 2 * rule[None, :]
    return points.ravel(), weights.ravel()


def smallest_reaching(expected: np.ndarray, target: float) -> int | None:
    """The smallest k (1-based) whose expected accuracy reaches ``target``, or ``None``."""
    reached = np.flatnonzero(expected >= target - 1e-12)
    return int(reached[0]) + 1 if reached.size else None
