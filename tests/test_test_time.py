"""Test-time law: per-query FLOP in closed form, the multiplier, the planner's section — by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaling_cli.engine import test_time as tt

# A small model for hand arithmetic: 1B parameters, 16 layers, width 2,048.
N, L, W = 1e9, 16, 2048


def test_attention_sum_is_closed_form_of_the_explicit_sum():
    # Prompt of 100 tokens, then a chain of 1,000: token at 1-based position t attends to t positions.
    explicit = np.sum(4 * L * W * np.arange(100 + 1, 100 + 1000 + 1, dtype=float))
    # a model without weights (N = 0) leaves the attention term alone
    assert tt.forward_flops(0.0, L, W, 100, 1000) == pytest.approx(explicit, rel=1e-15)
    # Σ_{t=101}^{1100} t = 1000 × 100 + 1000 × 1001 / 2 = 600,500
    assert tt.attended_positions(100, 1000) == 600_500


@settings(max_examples=200, deadline=None)
@given(start=st.integers(0, 3000), count=st.integers(0, 3000), layers=st.integers(1, 128), width=st.integers(1, 16384))
def test_closed_form_matches_numpy_sum_over_positions(start, count, layers, width):
    explicit = float(np.sum(4.0 * layers * width * np.arange(start + 1, start + count + 1, dtype=float)))
    assert tt.forward_flops(0.0, layers, width, start, count) == pytest.approx(explicit, rel=1e-12, abs=0)


@settings(max_examples=100, deadline=None)
@given(a=st.integers(0, 10**6), b=st.integers(0, 10**6))
def test_processing_in_two_parts_costs_what_one_pass_costs(a, b):
    """Prefill then decode (prefix caching) equals one pass over prompt + answer."""
    whole = tt.forward_flops(N, L, W, 0, a + b)
    assert tt.forward_flops(N, L, W, 0, a) + tt.forward_flops(N, L, W, a, b) == pytest.approx(whole, rel=1e-12)


def test_forward_flops_over_counts_weights_per_token_and_attention_per_position():
    # 3 tokens attending to 10 positions in all: 2 × 1e9 × 3 + 4 × 16 × 2,048 × 10 = 6e9 + 1,310,720
    assert tt.forward_flops_over(N, L, W, 3, 10) == 6e9 + 1_310_720
    # one token attending to 1,500 positions (the serving roofline's FLOP per token)
    assert tt.forward_flops_over(N, L, W, 1.0, 1500) == 2e9 + 4 * 16 * 2048 * 1500


def test_single_pass_by_hand():
    # 100-token prompt + 50-token answer: 2 × 1e9 × 150 = 3.0e11 for the weights,
    # 4 × 16 × 2048 × (1 + 2 + ... + 150) = 131,072 × 11,325 = 1,484,390,400 for attention.
    expected = 2 * 1e9 * 150 + 131_072 * 11_325
    assert expected == 301_484_390_400
    assert tt.single_pass_flops(100, 50, N, L, W) == pytest.approx(expected, rel=1e-15)


def test_reasoning_query_and_multiplier_by_hand():
    # 4 samples of 1,000 thinking + 50 answer tokens after a shared 100-token prompt.
    shape = tt.QueryShape(prompt_tokens=100, answer_tokens=50, reasoning_tokens=1000, samples=4)
    assert shape.chains == 4 and shape.chain_tokens == 1050
    prefill = 2 * 1e9 * 100 + 131_072 * (100 * 101 / 2)  # prompt once: 200,661,913,600
    per_chain = 2 * 1e9 * 1050 + 131_072 * (1050 * 100 + 1050 * 1051 / 2)  # Σ_{t=101}^{1150} t = 656,775
    expected = prefill + 4 * per_chain  # 200,661,913,600 + 4 × 2,186,084,812,800 = 8,945,001,164,800
    assert expected == 8_945_001_164_800
    assert tt.policy_flops(shape, N, L, W) == pytest.approx(expected, rel=1e-15)
    single = 301_484_390_400
    multiplier = tt.policy_flops(shape, N, L, W) / tt.single_pass_flops(100, 50, N, L, W)
    assert multiplier == pytest.approx(expected / single, rel=1e-15)
    assert multiplier == pytest.approx(29.67, abs=0.01)  # 8.9450e12 / 3.0148e11


def test_without_prefix_caching_every_sample_prefills_the_prompt():
    cached = tt.QueryShape(100, 50, 1000, samples=4, prefix_caching=True)
    uncached = tt.QueryShape(100, 50, 1000, samples=4, prefix_caching=False)
    prefill = 2 * 1e9 * 100 + 131_072 * 5050
    assert tt.policy_flops(uncached, N, L, W) - tt.policy_flops(cached, N, L, W) == pytest.approx(3 * prefill, rel=1e-12)


def test_revisions_grow_one_chain_and_scorers_read_what_they_score():
    # Two revisions: three attempts of (1,000 + 50) tokens in one growing context.
    shape = tt.QueryShape(100, 50, 1000, samples=2, rounds=3)
    assert shape.chain_tokens == 3 * 1050
    # A verifier scoring both samples reads the prompt once (cached) and each 3,150-token chain.
    assert shape.scored_tokens(2) == 100 + 2 * 3150
    assert tt.scoring_flops(7e9, shape.scored_tokens(2)) == 2 * 7e9 * 6400


@settings(max_examples=50, deadline=None)
@given(samples=st.integers(1, 64), reasoning=st.floats(0, 1e5), prompt=st.floats(0, 1e4))
def test_multiplier_is_at_least_one_and_grows_with_samples(samples, reasoning, prompt):
    one = tt.policy_flops(tt.QueryShape(prompt, 200, reasoning, samples=samples), N, L, W)
    more = tt.policy_flops(tt.QueryShape(prompt, 200, reasoning, samples=samples + 1), N, L, W)
    single = tt.single_pass_flops(prompt, 200, N, L, W)
    assert one >= single * (1 - 1e-12)
    assert more > one


# --- a public figure: o3 on ARC-AGI (ARC Prize, "OpenAI o3 Breakthrough High Score on ARC-AGI-Pub",
# 2024-12-20): 6 samples used 33M tokens on 100 semi-private tasks, 1,024 samples 5.7B tokens,
# "roughly 172x the low-compute configuration" — about 55K tokens per sample in both.

ARC = """
name: o3-arc-agi
model:
  params: 200B
test_time:
  - name: low
    queries_per_day: 100
    days: 1
    prompt_tokens: 2K
    reasoning_tokens: 55K
    output_tokens: 500
    samples: 6
  - name: high
    queries_per_day: 100
    days: 1
    prompt_tokens: 2K
    reasoning_tokens: 55K
    output_tokens: 500
    samples: 1024
"""


def test_o3_arc_agi_compute_ratio_is_1024_over_6(cli, scenario_file):
    result = cli("plan", scenario_file(ARC), "-f", "json", "--samples", "0")
    assert result.exit_code == 0, result.stderr
    low, high = result.json()["test_time"]["workloads"]
    ratio = high["flops_per_query"] / low["flops_per_query"]
    assert ratio == pytest.approx(1024 / 6, rel=0.02)
    assert high["generated_tokens_per_query"] / low["generated_tokens_per_query"] == pytest.approx(1024 / 6)
    # The published token ratio 5.7B / 33M = 172.7 lies within 2% of the planned compute ratio too.
    assert 5.7e9 / 33e6 == pytest.approx(ratio, rel=0.02)
    # 55.5K tokens per sample × 6 samples × 100 tasks ≈ the published 33M tokens.
    assert low["generated_tokens_per_query"] * 100 == pytest.approx(33e6, rel=0.02)
