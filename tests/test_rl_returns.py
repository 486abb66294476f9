"""The RL reward curve (engine/rl_returns.py, Khatri et al. 2025 Eq. 1) by hand."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from scaling_cli.engine.rl_returns import expected_reward, gpu_hours_for_reward

CURVE = dict(baseline=0.2, asymptote=0.6, midpoint_gpu_hours=10_000.0, exponent=1.5)


def test_half_the_gain_at_the_midpoint_and_the_asymptote_far_beyond():
    assert expected_reward(10_000.0, **CURVE) == pytest.approx(0.2 + 0.4 / 2)
    # at 4 × C_mid: (1/4)^1.5 = 0.125, so R = 0.2 + 0.4 / 1.125
    assert expected_reward(40_000.0, **CURVE) == pytest.approx(0.2 + 0.4 / 1.125)
    assert expected_reward(1e12, **CURVE) == pytest.approx(0.6, abs=1e-6)
    assert expected_reward(0.0, **CURVE) == pytest.approx(0.2)


def test_the_inverse_gives_back_the_compute():
    hours = np.array([500.0, 10_000.0, 123_456.0])
    assert gpu_hours_for_reward(expected_reward(hours, **CURVE), **CURVE) == pytest.approx(hours)


def test_targets_outside_the_curve():
    assert gpu_hours_for_reward(0.6, **CURVE) == np.inf  # the asymptote is never reached
    assert gpu_hours_for_reward(0.9, **CURVE) == np.inf
    assert gpu_hours_for_reward(0.1, **CURVE) == 0.0  # already there before RL


RL = """
name: rl
model: {params: 8B}
hardware: {accelerator: h100, price_per_hour: 2}
post_training:
- {name: grpo, technique: rl, algorithm: grpo, prompts_per_step: 512, steps: 500, prompt_tokens: 300, response_tokens: 4000,
   verifiable_rewards: true, hardware: {accelerator: h100, count: 64},
   reward_curve: {baseline: 0.3, asymptote: 0.6, midpoint_gpu_hours: 20000, exponent: 1.2}, TARGET}
"""


def _run(tmp_path, target: str, command: str = "plan") -> subprocess.CompletedProcess[str]:
    path = tmp_path / "rl.yaml"
    path.write_text(RL.replace("TARGET", target))
    extra = ["--samples", "0"] if command == "plan" else []
    return subprocess.run([sys.executable, "-m", "scaling_cli", command, str(path), "--format", "json", *extra], capture_output=True, text=True)


def test_the_plan_reads_the_curve_at_its_own_gpu_hours(tmp_path):
    run = _run(tmp_path, "target_reward: 0.55")
    assert run.returncode == 0, run.stderr
    group = json.loads(run.stdout)["post_training"]["derivatives"][0]
    c = group["gpu_hours"]  # one model: the group's GPU-hours are the curve's C
    assert group["expected_reward"] == pytest.approx(0.3 + 0.3 / (1 + (20000 / c) ** 1.2))
    # (A − R0)/(R − R0) − 1 = 0.3/0.25 − 1 = 0.2, so C = 20000 / 0.2^(1/1.2)
    assert group["gpu_hours_for_target_reward"] == pytest.approx(20000 / 0.2 ** (1 / 1.2))


def test_an_unreachable_target_is_a_located_error(tmp_path):
    run = _run(tmp_path, "target_reward: 0.6")
    assert run.returncode == 1 and "target_reward" in run.stderr and "asymptote" in run.stderr and "rl.yaml:" in run.stderr


def test_levers_prices_more_rl_compute(tmp_path):
    run = _run(tmp_path, "target_reward: 0.5", command="levers")
    assert run.returncode == 0, run.stderr
    lever = json.loads(run.stdout)["levers"][0]
    assert lever["lever"] == "more RL compute (grpo)" and lever["gain"] > 0 and lever["extra_cost"] > 0
