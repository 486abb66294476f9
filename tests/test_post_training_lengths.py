"""RL response lengths as distributions (#15 item 2) and generation replicas against a group's GPUs
(#15 item 3): order statistics by hand, the tail a synchronous step waits, and the CLI's warnings."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from scaling_cli.engine.post_training import capped_exponential_quantile, expected_longest, rollout_tail_share
from tests.test_post_training_plan import H100_PEAK, with_groups

GRPO = """\
    - name: rl
      technique: rl
      algorithm: grpo
      prompts_per_step: 32
      steps: 100
      samples_per_prompt: 16
      prompt_tokens: 500
      verifiable_rewards: true
      decode_mfu: 0.1
      hardware: {{count: 8}}
      response_tokens: {lengths}
"""


def _group(lengths: str, extra: str = "") -> dict:
    return with_groups(GRPO.format(lengths=lengths) + extra)["post_training"]["derivatives"][0]


def _trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    return float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)))


def _steps(group: dict) -> dict:
    return {s["step"]: s for s in group["steps"]}


# --- the order statistic ------------------------------------------------------------------------


def test_expected_longest_of_uniform_lengths_by_hand():
    # n draws from U[a, b]: E[max] = a + (b - a)·n/(n + 1); 512 draws from U[1000, 9000]: 1000 + 8000·512/513 = 8984.4
    uniform = lambda u: 1000 + 8000 * u  # noqa: E731
    assert expected_longest(uniform, 512) == pytest.approx(1000 + 8000 * 512 / 513, rel=1e-3)
    assert expected_longest(uniform, 1) == pytest.approx(5000, rel=1e-6)  # n = 1: the mean


def test_expected_longest_of_exponential_lengths_is_the_harmonic_number():
    # n exponential draws of mean μ: E[max] = μ·H_n; H_512 = Σ 1/k = 6.8152 (no cap in reach)
    harmonic = sum(1 / k for k in range(1, 513))
    quantile = capped_exponential_quantile(1000.0, 1e12)
    assert expected_longest(quantile, 512) == pytest.approx(1000 * harmonic, rel=3e-3)
    assert expected_longest(quantile, 1) == pytest.approx(1000, rel=3e-3)


def test_a_cap_cuts_the_expected_longest_as_the_cdf_integral_does():
    # E[min(max, M)] = ∫₀ᴹ 1 − (1 − e^(−x/μ))ⁿ dx: a second route, through the CDF instead of the quantile
    mean, cap, n = 5000.0, 32768.0, 512
    x = np.linspace(0, cap, 200_001)
    by_cdf = _trapezoid(1 - (1 - np.exp(-x / mean)) ** n, x)
    assert expected_longest(capped_exponential_quantile(mean, cap), n) == pytest.approx(by_cdf, rel=2e-3)
    assert by_cdf < cap < mean * sum(1 / k for k in range(1, n + 1))


def test_tail_share_by_hand():
    # longest 9000 against a mean of 5000: 0.8 of the decode time more; a replica that decodes a
    # quarter of its queue at once waits that long only for its last batch: 0.8 / 4 = 0.2
    assert rollout_tail_share(5000.0, 9000.0, 64.0, 64.0) == pytest.approx(0.8)
    assert rollout_tail_share(5000.0, 9000.0, 16.0, 64.0) == pytest.approx(0.2)
    assert rollout_tail_share(5000.0, 5000.0, 64.0, 64.0) == 0.0


# --- in a plan ----------------------------------------------------------------------------------


def test_a_range_counts_its_mean_and_waits_for_its_longest():
    """U[1000, 9000] has mean 5000: the same FLOP as response_tokens: 5000, plus the wait.

    Decode at decode_mfu 0.1: 32 × 100 prompts × 16 samples × 5000 tokens = 2.56e8 tokens,
    2 × 7e9 × 2.56e8 = 3.584e18 FLOP / (989.5e12 × 0.1 × 3600) = 10.061 productive hours, / 0.8
    goodput = 12.58 GPU-hours. One step's 32 × 16 = 512 samples wait for E[max] = 8984.4 tokens:
    tail = 12.58 × (8984.4 / 5000 − 1) = 10.02 GPU-hours."""
    fixed, spread = _group("5000"), _group("{low: 1000, high: 9000}")
    assert spread["flops"] == pytest.approx(fixed["flops"], rel=1e-3)
    assert spread["longest_response_tokens"] == pytest.approx(1000 + 8000 * 512 / 513, rel=1e-3)
    assert fixed["longest_response_tokens"] is None and "rollout_tail" not in _steps(fixed)
    decode_hours = 2 * 7e9 * 32 * 100 * 16 * 5000 / (H100_PEAK * 0.1 * 3600) / 0.8
    expected_tail = decode_hours * ((1000 + 8000 * 512 / 513) / 5000 - 1)
    tail = _steps(spread)["rollout_tail"]
    assert tail["kind"] == "idle" and tail["gpu_hours"] == pytest.approx(expected_tail, rel=2e-3)
    assert spread["gpu_hours"] == pytest.approx(fixed["gpu_hours"] + expected_tail, rel=2e-3)


def test_a_mean_with_a_maximum_is_an_exponential_cut_there():
    group = _group("5000", "      max_response_tokens: 32K\n")
    mean, cap = 5000.0, 32_000.0  # 32K: the quantity K is 10³
    x = np.linspace(0, cap, 200_001)
    by_cdf = _trapezoid(1 - (1 - np.exp(-x / mean)) ** 512, x)
    assert group["longest_response_tokens"] == pytest.approx(by_cdf, rel=2e-3)
    assert group["flops"] == pytest.approx(_group("5000")["flops"])  # GPU-seconds count the stated mean


def test_bands_with_a_length_distribution_are_finite():
    document = with_groups(GRPO.format(lengths="{low: 1000, high: 9000, dist: loguniform}") + "      count: {low: 8, high: 32}\n", samples=200)
    group = document["post_training"]["derivatives"][0]
    assert all(math.isfinite(group[key]) for key in ("gpu_hours", "gpu_hours_p10", "gpu_hours_p90"))
    # loguniform mean (b − a) / ln(b / a) = 8000 / ln 9 = 3641, not the geometric centre 3000
    tokens = _steps(group)["policy_training"]["tokens"]
    assert tokens == pytest.approx(32 * 100 * 16 * (500 + 8000 / math.log(9)), rel=1e-3)


# --- through the CLI ----------------------------------------------------------------------------


def _cli(text: str, tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "scaling_cli", "plan", str(path), "-f", "json", "--samples", "0"], capture_output=True, text=True)


RL_LINE = "  - {{name: rl, technique: rl, algorithm: {algorithm}, prompts_per_step: 32, steps: 10, prompt_tokens: 100, response_tokens: {lengths}, {extra}}}\n"


def test_max_below_the_shortest_length_is_one_located_line(tmp_path):
    text = "name: t\nmodel: {params: 7B}\npost_training:\n" + RL_LINE.format(algorithm="grpo", lengths="{low: 1000, high: 9000}", extra="verifiable_rewards: true, max_response_tokens: 500")
    run = _cli(text, tmp_path)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and ":4:" in run.stderr and "max_response_tokens" in run.stderr


def test_max_response_tokens_does_not_apply_to_dpo(tmp_path):
    text = "name: t\nmodel: {params: 7B}\npost_training:\n" + RL_LINE.format(algorithm="dpo", lengths="500", extra="max_response_tokens: 4K")
    run = _cli(text, tmp_path)
    assert run.returncode == 1 and "max_response_tokens" in run.stderr and "Traceback" not in run.stderr


def test_a_generation_replica_larger_than_the_group_is_warned(tmp_path):
    """671B in bf16 is 1.34e12 bytes of weights; an H800 holds 80 GiB = 8.59e10: 15.6 GPUs, so the
    smallest power-of-two replica is 16, more than the group's 8 GPUs; 256 GPUs hold it."""
    text = """\
        name: big
        hardware: {accelerator: h800}
        model: {params: 671B, active_params: 37B}
        post_training:
          - {name: small, technique: rl, algorithm: grpo, prompts_per_step: 32, steps: 10, prompt_tokens: 100, response_tokens: 100, verifiable_rewards: true, hardware: {count: 8}}
          - {name: large, technique: rl, algorithm: grpo, prompts_per_step: 32, steps: 10, prompt_tokens: 100, response_tokens: 100, verifiable_rewards: true, hardware: {count: 256}}
          - {name: teacher, technique: distillation, student_params: 8B, tokens: 1B, teacher_generated_tokens: 1B, hardware: {count: 8}}
        """
    run = _cli(text, tmp_path)
    assert run.returncode == 0
    warnings = [line for line in run.stderr.splitlines() if "generation replica" in line]
    assert warnings == [
        "warning: post_training[0] (small): one generation replica needs at least 16 GPUs to hold the weights and a full-length sequence, "
        "but the group has 8 GPUs: it does not fit",
        "warning: post_training[2] (teacher): one generation replica needs at least 16 GPUs to hold the weights and a full-length sequence, "
        "but the group has 8 GPUs: it does not fit",
    ]
    groups = json.loads(run.stdout)["post_training"]["derivatives"]
    assert [g["replica_gpus"] for g in groups] == [16, 16, 16] and groups[1]["rollout_gpus"] == 256


def test_split_placement_checks_the_rollout_pool(tmp_path):
    # 70B in bf16 = 1.4e11 bytes on 80 GiB H100s: 1.6 GPUs -> a 2-GPU replica; a 1-GPU inference engine cannot hold it
    text = """\
        name: t
        hardware: {accelerator: h100}
        model: {params: 70B}
        post_training:
          - {name: ppo, technique: rl, algorithm: ppo, prompts_per_step: 64, steps: 10, prompt_tokens: 100, response_tokens: 100, reward_model_params: 7B, placement: split, rollout_gpus: 1, hardware: {count: 32}}
        """
    run = _cli(text, tmp_path)
    assert run.returncode == 0
    assert "but the group has 1 rollout GPUs: it does not fit" in run.stderr
