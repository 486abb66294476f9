"""The lifecycle ledger: totals, shares, ratios and the day serving overtakes pretraining."""

from __future__ import annotations

import numpy as np
import pytest

from scaling_cli.engine.ledger import crossover_day, shares

SCENARIO = """
name: lifecycle
hardware: {accelerator: h100, count: 1024, mfu: 0.4, goodput: 0.9, price_per_hour: 2.5, pue: 1.2, carbon_kg_per_kwh: 0.3}
model: {params: 8B, layers: 32, d_model: 4096, heads: 32, kv_heads: 8}
pretraining: {tokens: 15T}
post_training:
  - {name: sft, technique: full_finetune, count: 10, tokens: 1B}
test_time:
  - {name: chat, queries_per_day: 1B, days: 365, prompt_tokens: 500, output_tokens: 300}
"""


@pytest.fixture
def plan(cli, scenario_file):
    result = cli("plan", scenario_file(SCENARIO), "-f", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def test_totals_equal_the_sum_of_phases(plan):
    total = plan["total"]
    for key in ("flops", "gpu_hours", "cost_usd", "energy_mwh", "co2_tonnes"):
        parts = [plan[phase][key] for phase in ("pretraining", "post_training", "test_time")]
        assert total[key] == pytest.approx(sum(parts), rel=1e-12), key
    for key in ("gpu_hours", "cost_usd"):  # bands of a sum come from the same samples, so they
        assert total[f"{key}_p10"] < total[key] < total[f"{key}_p90"]  # exist and surround the point


def test_shares_sum_to_one(plan):
    total = plan["total"]
    assert sum(total["shares"][p] for p in ("pretraining", "post_training", "test_time")) == pytest.approx(1.0)
    assert sum(total["cost_shares"][p] for p in ("pretraining", "post_training", "test_time")) == pytest.approx(1.0)
    assert total["shares"]["pretraining"] == pytest.approx(plan["pretraining"]["flops"] / total["flops"])


def test_phase_ratios(plan):
    total = plan["total"]
    assert total["post_training_to_pretraining"] == pytest.approx(plan["post_training"]["flops"] / plan["pretraining"]["flops"])
    assert total["test_time_to_pretraining"] == pytest.approx(plan["test_time"]["flops"] / plan["pretraining"]["flops"])


def test_crossover_day_by_hand(plan):
    workload = plan["test_time"]["workloads"][0]
    daily = workload["flops_per_query"] * 1e9  # FLOP per query × queries per day
    assert plan["total"]["test_time_flops_per_day"] == pytest.approx(daily)
    by_hand = plan["pretraining"]["flops"] / daily  # one workload, running the whole period
    assert plan["total"]["crossover_day"] == pytest.approx(by_hand, rel=1e-9)


def test_crossover_with_workloads_of_different_lengths():
    # pretraining 100; workload A 2/day for 10 days, B 5/day for 30 days:
    # by day 10: 2·10 + 5·10 = 70; then 5/day: 70 + 5·(t − 10) = 100 -> t = 16
    assert crossover_day(100.0, [2.0, 5.0], [10.0, 30.0]) == pytest.approx(16.0)
    assert crossover_day(1000.0, [2.0, 5.0], [10.0, 30.0]) is None  # 20 + 150 = 170 < 1000: never
    assert crossover_day(100.0, [], []) is None


def test_shares_of_absent_phases_are_zero():
    assert shares({"pretraining": 3.0, "post_training": None, "test_time": 1.0}) == {"pretraining": 0.75, "post_training": 0.0, "test_time": 0.25}


def test_never_crossing_is_null(cli, scenario_file):
    text = SCENARIO.replace("queries_per_day: 1B, days: 365", "queries_per_day: 10, days: 3")
    data = cli("plan", scenario_file(text), "-f", "json").json()
    assert data["total"]["crossover_day"] is None


def test_table_shows_the_ledger_and_bars(cli, scenario_file):
    out = cli("plan", scenario_file(SCENARIO)).stdout
    assert "Lifecycle total — lifecycle" in out
    assert "Lifecycle shares" in out
    assert "Compute by phase" in out


def test_shares_of_a_zero_total_are_zero_not_a_division_error():
    """Regression (fuzzing, issue #8): only count-0 groups, or a price of 0, made the sum 0."""
    assert shares({"pretraining": None, "post_training": 0.0, "test_time": None}) == {"pretraining": 0.0, "post_training": 0.0, "test_time": 0.0}
    sampled = shares({"pretraining": None, "post_training": np.array([0.0, 2.0]), "test_time": np.array([0.0, 2.0])})
    assert sampled["post_training"].tolist() == [0.0, 0.5] and sampled["test_time"].tolist() == [0.0, 0.5]


def test_crossover_broadcasts_over_rates_and_durations():
    import numpy as np

    # rates as arrays (sweep points): P ÷ R per point; one point never crosses within 10 days
    days = crossover_day(100.0, [np.array([10.0, 20.0, 5.0])], [10.0])
    assert days[:2].tolist() == pytest.approx([10.0, 5.0]) and np.isnan(days[2])
    # durations as arrays: the bisection agrees with the piecewise walk of the scalar case
    varied = crossover_day(100.0, [2.0, 5.0], [np.array([10.0, 10.0]), np.array([30.0, 30.0])])
    assert varied.tolist() == pytest.approx([16.0, 16.0], rel=1e-9)
