"""Service levels: the queueing formulas (engine/queueing.py) by hand, and sizing by TTFT/TPOT targets
as a user runs it (planner/fleet.py through the CLI)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from scaling_cli.engine import queueing


def _erlang_c_by_the_textbook(c: int, a: float) -> float:
    """Erlang C written out (Kleinrock 1975 eq. 3.40): (a^c/c! · c/(c−a)) / (Σ_{k<c} a^k/k! + a^c/c! · c/(c−a)),
    each term in log space so that large c does not overflow."""
    log_terms = [k * math.log(a) - math.lgamma(k + 1) for k in range(c)]
    log_top = c * math.log(a) - math.lgamma(c + 1) + math.log(c / (c - a))
    peak = max(max(log_terms), log_top)
    return math.exp(log_top - peak) / (sum(math.exp(t - peak) for t in log_terms) + math.exp(log_top - peak))


@pytest.mark.parametrize("c, a", [(1, 0.5), (2, 1.0), (8, 6.0), (30, 27.0), (64, 50.0), (160, 140.0), (256, 240.0)])
def test_waiting_probability_is_erlang_c(c, a):
    assert queueing.waiting_probability(c, a) == pytest.approx(_erlang_c_by_the_textbook(c, a), rel=1e-9)


@pytest.mark.parametrize("c, rho", [(300, 0.8), (300, 0.95), (500, 0.9), (1000, 0.95), (2000, 0.7), (2000, 0.98)])
def test_halfin_whitt_beyond_the_exact_range_gives_the_same_p95_wait(c, rho):
    """Above 256 slots the planner uses the Halfin–Whitt limit. Where a request waits at all at P95
    (P_W > 5%) its P_W is within 15% of Erlang C; where it does not, both say so."""
    a = rho * c
    exact, approx = _erlang_c_by_the_textbook(c, a), float(queueing.waiting_probability(c, a))
    if exact > 0.05:
        assert approx == pytest.approx(exact, rel=0.15)
    else:
        assert approx < 0.05
        assert queueing.wait_quantile(c, a, 1.0, 0.95) == 0.0


def test_single_slot_wait_by_hand():
    """M/D/1 at ρ = 0.5, service 1 s: P(wait) = ρ = 0.5; the M/M/1 tail P(W > t) = ρ·e^{−(1−ρ)t};
    its 95th percentile ln(0.5/0.05)/0.5 = 4.605 s, halved for identical requests → 2.303 s; the median is 0."""
    assert queueing.wait_quantile(1.0, 0.5, 1.0, 0.95) == pytest.approx(math.log(10.0) / 0.5 / 2.0)
    assert queueing.wait_quantile(1.0, 0.5, 1.0, 0.5) == 0.0


def test_more_servers_wait_less_and_a_saturated_queue_never_empties():
    waits = queueing.wait_quantile(64.0, np.array([60.0, 50.0, 40.0]), 10.0, 0.95)
    assert np.all(np.diff(waits) <= 0) and waits[0] > 0
    assert queueing.waiting_probability(8.0, 8.0) == 1.0


def test_replicas_for_a_wait_target_meet_it_and_one_fewer_does_not():
    rate, slots, hold, target = 50.0, 16.0, 4.0, 0.2  # offered load 200 slots: at least 12.5 replicas
    n = math.ceil(queueing.replicas_for_wait(rate, slots, hold, target, 0.95))
    assert n >= 13
    assert queueing.wait_quantile(slots, rate * hold / n, hold, 0.95) <= target
    assert queueing.wait_quantile(slots, rate * hold / (n - 1), hold, 0.95) > target


SCENARIO = """
name: slo
model: {params: 70B, layers: 80, d_model: 8192, heads: 64, kv_heads: 8}
hardware: {accelerator: h100, precision: fp8}
test_time:
- {name: chat, queries_per_day: 10M, prompt_tokens: 1000, output_tokens: 300, EXTRA}
"""


def _workload(tmp_path, extra: str) -> tuple[dict, str]:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.replace("EXTRA", extra))
    run = subprocess.run([sys.executable, "-m", "scaling_cli", "plan", str(path), "--format", "json"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)["test_time"]["workloads"][0], run.stderr


def test_a_ttft_target_is_met_at_the_peak_and_costs_gpus(tmp_path):
    free, _ = _workload(tmp_path, "peak_to_average: 2")
    bound, _ = _workload(tmp_path, "peak_to_average: 2, ttft_p95_seconds: 0.2")
    assert free["ttft_p95_seconds"] is None and free["ttft_p95_target_seconds"] is None
    assert bound["ttft_p95_seconds"] <= 0.2 and bound["ttft_p50_seconds"] <= bound["ttft_p95_seconds"]
    assert bound["ttft_p95_seconds"] >= bound["ttft_seconds"]  # a request's own prefill is the floor
    assert bound["gpus_needed_peak"] >= free["gpus_needed_peak"]
    assert 0 < bound["slot_utilization_at_peak"] < 1


def test_a_tpot_target_caps_the_decode_step(tmp_path):
    free, _ = _workload(tmp_path, "gpus_per_replica: 4")
    bound, _ = _workload(tmp_path, f"gpus_per_replica: 4, tpot_seconds: {free['tpot_seconds'] / 2}")
    assert bound["tpot_seconds"] <= free["tpot_seconds"] / 2 and bound["batch_size"] < free["batch_size"]


def test_unreachable_targets_are_warned_with_the_best_figure(tmp_path):
    out, stderr = _workload(tmp_path, "ttft_p95_seconds: 0.0001, tpot_seconds: 0.0001")
    assert "ttft_p95_seconds" in stderr and "tpot_seconds" in stderr and "chat" in stderr
    assert out["tpot_seconds"] > 0.0001 and out["batch_size"] == 1


def test_disaggregated_pools_add_up_and_do_not_stretch_decode(tmp_path):
    together, _ = _workload(tmp_path, "gpus_per_replica: 4")
    apart, _ = _workload(tmp_path, "gpus_per_replica: 4, disaggregated: true")
    assert apart["prefill_gpus_peak"] + apart["decode_gpus_peak"] == apart["gpus_needed_peak"]
    assert together["prefill_gpus_peak"] is None
    assert apart["tpot_at_peak_seconds"] == pytest.approx(apart["tpot_seconds"])
    # together, prefill takes a share of every GPU-second at the peak, and decode steps stretch by it
    assert together["tpot_at_peak_seconds"] > together["tpot_seconds"]


def test_a_request_waits_out_the_round_in_progress():
    # arrivals uniform over a round of n steps of s seconds: the wait is uniform on [0, n·s]
    assert queueing.round_wait_quantile(1.0, 0.024, 0.5) == pytest.approx(0.012)
    assert queueing.round_wait_quantile(10.0, 0.024, 0.5) == pytest.approx(0.12)
    assert queueing.round_wait_quantile(10.0, 0.024, 0.95) == pytest.approx(0.228)


def test_multi_step_scheduling_delays_the_first_token_by_half_a_round(tmp_path):
    one, _ = _workload(tmp_path, "ttft_p95_seconds: 2")
    ten, _ = _workload(tmp_path, "ttft_p95_seconds: 2, scheduler_steps: 10")
    # the prefill alone and the step do not change; a busy replica adds half of 1 or of 10 steps
    assert ten["ttft_seconds"] == one["ttft_seconds"] and ten["tpot_seconds"] == one["tpot_seconds"]
    assert one["ttft_busy_seconds"] == pytest.approx(one["ttft_seconds"] + 0.5 * one["tpot_seconds"])
    assert ten["ttft_busy_seconds"] == pytest.approx(ten["ttft_seconds"] + 5.0 * ten["tpot_seconds"])
    # under load the percentiles carry the round too: the P95 at least 0.95 of ten steps above the prefill
    assert ten["ttft_p95_seconds"] >= ten["ttft_seconds"] + 9.5 * ten["tpot_seconds"] - 1e-12
    assert ten["ttft_p95_seconds"] <= 2.0


def test_disaggregated_prefill_waits_for_no_decode_round(tmp_path):
    out, _ = _workload(tmp_path, "disaggregated: true, scheduler_steps: 10")
    assert out["ttft_busy_seconds"] == out["ttft_seconds"]


def test_an_absurd_scheduling_round_is_refused_where_it_stands(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.replace("EXTRA", "scheduler_steps: 100000"))
    run = subprocess.run([sys.executable, "-m", "scaling_cli", "plan", str(path)], capture_output=True, text=True)
    assert run.returncode == 1 and run.stdout == ""
    # the workload is on line 6 (SCENARIO opens with a newline)
    assert run.stderr.startswith(f"{path}:6:") and "test_time[0].scheduler_steps" in run.stderr.splitlines()[0]
