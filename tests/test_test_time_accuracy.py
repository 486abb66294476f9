"""Test-time accuracy: pass@k over a distribution of pass rates (Brown et al. 2024, "Large Language
Monkeys", arXiv 2407.21787), majority voting in the model of Chen et al. 2024 (arXiv 2403.02419),
best-of-n with a verifier of stated accuracy, and the samples a target accuracy needs."""

from __future__ import annotations

import math
from math import comb

import numpy as np
import pytest

from scaling_cli.engine import test_time_accuracy as acc
from scaling_cli.scenario.ranges import Range
from scaling_cli.scenario.test_time import PassRates
from tests.conftest import assert_one_located_line

NODES, WEIGHTS = acc.quantile_nodes()


def _mean(aggregation: str, spread: Range, k: int, verifier: float | None = None) -> float:
    return float(WEIGHTS @ acc.accuracy_curve(aggregation, PassRates(spread).quantile(NODES), k, verifier)[:, -1])


def test_quadrature_weights_sum_to_one():
    assert WEIGHTS.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all((NODES > 0) & (NODES < 1))


@pytest.mark.parametrize("k", [1, 4, 10, 100, 1000, 10_000])
def test_coverage_of_uniform_pass_rates_by_hand(k):
    # p ~ U(0, 1): E[1 − (1 − p)^k] = 1 − ∫(1 − p)^k dp = 1 − 1/(k + 1)
    assert _mean("oracle", Range(0.0, 1.0), k) == pytest.approx(k / (k + 1), abs=1e-9)


def test_coverage_failure_falls_as_a_power_law_in_samples():
    # p ~ U(0, h): E[(1 − p)^k] = (1 − (1 − h)^(k+1)) / (h (k + 1)) → failure ≈ 1/(h k): a power law of exponent −1
    h = 0.2
    for k in (50, 500, 5000):
        failure = 1 - _mean("oracle", Range(0.0, h), k)
        assert failure == pytest.approx((1 - (1 - h) ** (k + 1)) / (h * (k + 1)), rel=1e-6)
    slope = math.log((1 - _mean("oracle", Range(0.0, h), 5000)) / (1 - _mean("oracle", Range(0.0, h), 50))) / math.log(100)
    assert slope == pytest.approx(-1.0, abs=0.01)


def test_log_uniform_pass_rates_give_log_linear_coverage():
    """Brown et al.'s log-linear coverage: p ~ LogU(1e-4, 1) gives, for 1e-4 ≪ 1/k ≪ 1,
    E[(1 − p)^k] ≈ (E1(k·1e-4) − E1(k)) / ln 1e4 ≈ (−γ − ln(k·1e-4)) / 9.2103, so coverage ≈
    (γ + ln k) / 9.2103: 0.5627 at k = 100, rising ln 10 / 9.2103 = 0.25 per decade of samples."""
    spread = Range(1e-4, 1.0, "loguniform")
    assert _mean("oracle", spread, 100) == pytest.approx((0.5772 + math.log(100)) / 9.2103, abs=0.005)
    for k in (10, 100):
        assert _mean("oracle", spread, 10 * k) - _mean("oracle", spread, k) == pytest.approx(0.25, abs=0.01)


def _vote_by_hand(k: int, p: float) -> float:
    win = sum(comb(k, j) * p**j * (1 - p) ** (k - j) for j in range(k + 1) if 2 * j > k)
    return win + 0.5 * sum(comb(k, j) * p**j * (1 - p) ** (k - j) for j in range(k + 1) if 2 * j == k)


def test_majority_vote_is_the_binomial_majority():
    rates = np.array([0.0, 0.2, 0.5, 0.6, 0.93, 1.0])
    curve = acc.majority_vote_curve(rates, 25)
    expected = np.array([[_vote_by_hand(k, p) for k in range(1, 26)] for p in rates])
    assert np.max(np.abs(curve - expected)) < 1e-12
    assert curve[3, 2] == pytest.approx(0.648)  # k = 3, p = 0.6: 0.6³ + 3·0.6²·0.4 = 0.216 + 0.432
    assert np.all(curve[:, 1] == curve[:, 0])  # two samples tie as often as they agree: no better than one


def test_voting_lifts_easy_queries_and_sinks_hard_ones():
    curve = acc.majority_vote_curve(np.array([0.7, 0.4]), 10_000)
    assert curve[0, -1] > 0.999 and curve[1, -1] < 1e-3
    assert np.all(np.diff(curve[0, ::2]) >= 0) and np.all(np.diff(curve[1, ::2]) <= 0)


def test_a_mix_of_easy_and_hard_queries_rises_then_falls():
    """Chen et al. 2024's non-monotone vote: 30% easy queries (p 0.9), 70% hard (p 0.45).
    F(1) = 0.3·0.9 + 0.7·0.45 = 0.585; F(3) = 0.3·0.972 + 0.7·0.42525 = 0.5893; F(∞) = 0.3."""
    curve = np.array([0.3, 0.7]) @ acc.majority_vote_curve(np.array([0.9, 0.45]), 2001)
    assert curve[0] == pytest.approx(0.585) and curve[2] == pytest.approx(0.5893, abs=1e-4)
    assert curve[-1] == pytest.approx(0.3, abs=0.01)


def test_best_of_n_by_hand():
    p = np.array([0.3])
    # v = 0.9: a = 0.27, b = 0.07, rejected r = 0.66, of which right 0.03; k = 2:
    # (1 − 0.66²)·0.27/0.34 + 0.66·0.03 = 0.5644 × 0.794118 + 0.0198 = 0.448200 + 0.0198 = 0.468000
    assert acc.best_of_n_curve(p, 2, 0.9)[0, 1] == pytest.approx(0.4680, abs=1e-4)
    assert acc.best_of_n_curve(p, 1, 0.9)[0, 0] == pytest.approx(0.3)  # one sample: the verifier has nothing to choose
    assert acc.accuracy_limit("best_of_n", p, 0.9)[0] == pytest.approx(0.27 / 0.34)  # the verifier's precision 0.794
    assert np.allclose(acc.best_of_n_curve(p, 50, 1.0), acc.oracle_curve(p, 50))  # a perfect verifier is the oracle
    assert np.allclose(acc.best_of_n_curve(p, 50, 0.5), 0.3)  # a coin is no better than one sample


def test_smallest_reaching():
    assert acc.smallest_reaching(np.array([0.2, 0.5, 0.8, 0.9]), 0.8) == 3
    assert acc.smallest_reaching(np.array([0.2, 0.5]), 0.8) is None


WORKLOAD = """\
name: acc
model: {{params: 8B}}
test_time:
  - name: code
    queries_per_day: 100K
    prompt_tokens: 500
    output_tokens: 400
{extra}
"""


def _workload(cli, scenario_file, extra: str, *flags: str):
    result = cli("plan", scenario_file(WORKLOAD.format(extra=extra)), "-f", "json", *(flags or ("--samples", "0")))
    assert result.exit_code == 0, result.stderr
    data = result.json()
    return data["test_time"]["workloads"][0], data


def test_oracle_accuracy_in_the_plan_by_hand(cli, scenario_file):
    out, _ = _workload(cli, scenario_file, "    pass_rate: 0.3\n    aggregation: oracle\n    samples: 4")
    assert out["expected_accuracy"] == pytest.approx(1 - 0.7**4)  # 0.7599
    assert out["pass_rate"] == pytest.approx(0.3) and out["accuracy_limit"] == 1.0


def test_target_chooses_the_fewest_samples_and_compute_follows(cli, scenario_file):
    # 1 − 0.7^k ≥ 0.9 ⇔ k ≥ ln 0.1 / ln 0.7 = 6.46, so 7 samples
    chosen, data = _workload(cli, scenario_file, "    pass_rate: 0.3\n    aggregation: oracle\n    target_accuracy: 0.9")
    assert chosen["samples"] == 7 and chosen["expected_accuracy"] == pytest.approx(1 - 0.7**7)
    assert any(a["key"] == "test_time[0].samples" and a["value"] == 7 for a in data["assumptions"])
    given, _ = _workload(cli, scenario_file, "    pass_rate: 0.3\n    aggregation: oracle\n    samples: 7")
    for key in ("flops_per_query", "gpus_needed_peak", "latency_seconds", "cost_usd"):
        assert chosen[key] == given[key], key
    assert data["warnings"] == []


def test_majority_vote_below_one_half_cannot_reach_the_target(cli, scenario_file):
    out, data = _workload(cli, scenario_file, "    pass_rate: 0.4\n    aggregation: majority_vote\n    target_accuracy: 0.6")
    assert out["samples"] == 1 and out["expected_accuracy"] == pytest.approx(0.4) and out["accuracy_limit"] == 0.0
    assert any("target_accuracy 0.6 is not reachable with majority_vote" in w for w in data["warnings"]), data["warnings"]


def test_a_given_sample_count_short_of_the_target_is_warned(cli, scenario_file):
    _, data = _workload(cli, scenario_file, "    pass_rate: 0.3\n    aggregation: oracle\n    samples: 2\n    target_accuracy: 0.9")
    assert any("target_accuracy 0.9 is not reached with samples: 2" in w for w in data["warnings"])


def test_a_range_of_pass_rates_is_averaged_and_banded_over_queries(cli, scenario_file):
    extra = "    pass_rate: {low: 0, high: 1}\n    aggregation: oracle\n    samples: 4"
    bare, _ = _workload(cli, scenario_file, extra)
    assert bare["expected_accuracy"] == pytest.approx(0.8, abs=1e-9)  # 4/5, the mean over U(0, 1)
    assert "expected_accuracy_p10" not in bare  # --samples 0: no bands
    banded, _ = _workload(cli, scenario_file, extra, "--samples", "2000")
    # the 10th-percentile query has p = 0.1: 1 − 0.9^4 = 0.3439; the 90th p = 0.9: 1 − 0.1^4 = 0.9999
    assert banded["expected_accuracy"] == pytest.approx(0.8, abs=1e-9)
    assert banded["expected_accuracy_p10"] == pytest.approx(0.3439, abs=0.03)
    assert banded["expected_accuracy_p90"] == pytest.approx(0.9999, abs=0.001)


def test_the_vote_limit_is_the_share_of_queries_above_one_half(cli, scenario_file):
    out, _ = _workload(cli, scenario_file, "    pass_rate: {low: 0.2, high: 0.9}\n    samples: 9")
    assert out["accuracy_limit"] == pytest.approx(0.4 / 0.7, abs=1e-12)  # P[p > 0.5] for p ~ U(0.2, 0.9)
    assert out["expected_accuracy"] < out["accuracy_limit"]


def test_best_of_n_in_the_plan(cli, scenario_file):
    out, _ = _workload(cli, scenario_file, "    pass_rate: 0.3\n    aggregation: best_of_n\n    verifier_params: 8B\n    verifier_accuracy: 0.9\n    samples: 2")
    assert out["expected_accuracy"] == pytest.approx(0.4680, abs=1e-4)  # test_best_of_n_by_hand
    assert out["accuracy_limit"] == pytest.approx(0.27 / 0.34)


def test_samples_beyond_ten_thousand_are_an_extrapolation(cli, scenario_file):
    out, data = _workload(cli, scenario_file, "    pass_rate: 0.001\n    aggregation: oracle\n    samples: 100000")
    assert out["expected_accuracy"] == pytest.approx(1 - 0.999**100_000)  # the closed form at any k
    assert any("100,000 samples is beyond the 10,000" in w for w in data["warnings"]), data["warnings"]


def test_accuracy_at_matches_the_curves():
    rates = np.array([0.05, 0.5, 0.8])
    for aggregation, verifier in (("oracle", None), ("majority_vote", None), ("best_of_n", 0.8)):
        curve = acc.accuracy_curve(aggregation, rates, 30, verifier)
        assert np.allclose(acc.accuracy_at(aggregation, rates[:, None], np.arange(1, 31)[None, :], verifier), curve)


def test_without_pass_rate_there_is_no_accuracy(cli, scenario_file):
    out, _ = _workload(cli, scenario_file, "    samples: 2")
    assert out["expected_accuracy"] is None and out["pass_rate"] is None


@pytest.mark.parametrize(
    "extra,line,column,fragment",
    [
        ("    target_accuracy: 0.9", 8, 22, "target_accuracy needs pass_rate"),
        ("    pass_rate: 1.5", 8, 16, "pass_rate"),
        ("    pass_rate: 0.5\n    verifier_accuracy: 0.9", 9, 24, "verifier_accuracy applies only to aggregation: best_of_n"),
        ("    pass_rate: 0.5\n    aggregation: best_of_n\n    verifier_params: 1B", 8, 16, "needs verifier_accuracy"),
        ("    aggregation: oracle\n    verifier_params: 1B", 9, 22, "verifier_params applies only to aggregation: best_of_n"),
    ],
)
def test_bad_accuracy_inputs_are_one_located_line(cli, scenario_file, extra, line, column, fragment):
    path = scenario_file(WORKLOAD.format(extra=extra))
    assert_one_located_line(cli("plan", path), path, line, column, fragment)


def test_sweep_over_pass_rate(cli, scenario_file):
    path = scenario_file(WORKLOAD.format(extra="    pass_rate: 0.5\n    aggregation: oracle\n    samples: 3"))
    result = cli("sweep", path, "--vary", "test_time[0].pass_rate=0.1,0.5", "--top", "0", "-f", "json")
    assert result.exit_code == 0, result.stderr
    values = sorted(p["test_time.workloads[code].expected_accuracy"] for p in result.json()["points"])
    assert values == pytest.approx([1 - 0.9**3, 1 - 0.5**3])
