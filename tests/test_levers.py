"""`scaling levers`: each lever priced by replanning with one input moved, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SCENARIO = """
name: levers
model: {params: 70B}
pretraining: {tokens: 2T}
hardware: {accelerator: h100, count: 4096, price_per_hour: 2}
test_time:
- {name: chat, queries_per_day: 10M, prompt_tokens: 500, output_tokens: 200}
"""
WITH_PASS_RATE = SCENARIO + """- {name: math, queries_per_day: 1M, prompt_tokens: 500, output_tokens: 200, reasoning_tokens: 2000, samples: 4, aggregation: oracle, pass_rate: 0.3}
"""


def _levers(tmp_path, text: str = SCENARIO) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return subprocess.run([sys.executable, "-m", "scaling_cli", "levers", str(path), "--format", "json"], capture_output=True, text=True)


def _plan(tmp_path, *sets: str) -> dict:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    args = [a for s in sets for a in ("--set", s)]
    run = subprocess.run([sys.executable, "-m", "scaling_cli", "plan", str(path), "--format", "json", "--samples", "0", *args], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_each_lever_is_the_difference_of_two_plans(tmp_path):
    run = _levers(tmp_path)
    assert run.returncode == 0, run.stderr
    levers = {l["lever"]: l for l in json.loads(run.stdout)["levers"]}
    base, bigger = _plan(tmp_path), _plan(tmp_path, "model.params=7.7e+10")
    lever = levers["larger model"]
    assert lever["gain"] == pytest.approx(base["pretraining"]["loss"] - bigger["pretraining"]["loss"])
    assert lever["extra_cost"] == pytest.approx(bigger["total"]["cost_usd"] - base["total"]["cost_usd"])
    assert lever["gain"] > 0 and lever["extra_cost"] > 0  # a larger model has lower loss and costs more, serving included
    assert lever["gain_per_million"] == pytest.approx(lever["gain"] / lever["extra_cost"] * 1e6)
    assert levers["more data"]["gain"] > 0


def test_more_samples_buy_accuracy_by_pass_at_k(tmp_path):
    """oracle aggregation at a single pass rate p = 0.3: accuracy 1 − 0.7^k, so 4 → 8 samples gains 0.7^4 − 0.7^8."""
    run = _levers(tmp_path, WITH_PASS_RATE)
    assert run.returncode == 0, run.stderr
    lever = {l["lever"]: l for l in json.loads(run.stdout)["levers"]}["more samples (math)"]
    assert lever["before"] == pytest.approx(1 - 0.7**4)
    assert lever["after"] == pytest.approx(1 - 0.7**8)
    assert lever["gain"] == pytest.approx(0.7**4 - 0.7**8)
    assert lever["extra_cost"] > 0


def test_a_scenario_without_levers_is_a_usage_error(tmp_path):
    run = _levers(tmp_path, "name: s\nmodel: {params: 8B}\n")
    assert run.returncode == 2 and "lever" in run.stderr and "Traceback" not in run.stderr


def test_the_table_is_followed_by_a_bar_chart_per_measure(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(WITH_PASS_RATE)
    run = subprocess.run([sys.executable, "-m", "scaling_cli", "levers", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    # two measures: the pretraining loss (two levers) and the math workload's accuracy (one)
    assert "pretraining.loss: gain per $1M" in run.stdout
    assert "test_time.workloads[math].expected_accuracy: gain per $1M" in run.stdout
