"""Pretraining FLOPs and GPU-hours against published figures and written-out hand calculations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaling_cli.engine import costing
from scaling_cli.engine.pretraining import attention_training_flops, dense_forward_flops, dense_training_factor, dense_training_flops, min_gpus_for_training_state


def test_gpt3_6nd_matches_the_paper():
    # Brown et al. 2020 Table D.1: 3.14e23 FLOP for 175B params on 300B tokens; 6ND = 3.15e23.
    flops = dense_training_flops(175e9, 300e9)
    assert flops == pytest.approx(3.15e23, rel=1e-12)
    assert flops == pytest.approx(3.14e23, rel=0.005)


def test_palm_with_attention_term_within_5_percent_of_reported(cli, scenario_file):
    # PaLM 540B (Chowdhery et al. 2022): 118 layers, d_model 18432, 48 heads of dim 256, 2048-token
    # sequences, 780B tokens; App. B Table 22 reports 2.56e24 training FLOP.
    path = scenario_file(
        """
        name: palm
        hardware: {accelerator: tpu-v4}
        model: {params: 540.35B, layers: 118, d_model: 18432, heads: 48, head_dim: 256}
        pretraining: {tokens: 780B, seq_len: 2048}
        """
    )
    section = cli("plan", path, "--format", "json").json()["pretraining"]
    # by hand: 6·N·D = 6 × 540.35e9 × 780e9 = 2.52884e24; attention 12·L·H·Q·T·D =
    # 12 × 118 × 48 × 256 × 2048 × 780e9 = 2.77952e22; total 2.55663e24.
    assert section["flops_6nd"] == pytest.approx(2.52884e24, rel=1e-5)
    assert section["attention_flops"] == pytest.approx(2.77952e22, rel=1e-5)
    assert section["flops"] == pytest.approx(2.56e24, rel=0.05)
    assert "PaLM" in section["flops_convention"]


def test_attention_term_uses_heads_times_head_dim():
    assert attention_training_flops(2, 48 * 256, 2048, 1.0) == 12 * 2 * 12288 * 2048


def test_moe_uses_active_parameters(cli, scenario_file):
    # DeepSeek-V3: 671B total, 37B active, 14.8T tokens -> 6 × 37e9 × 14.8e12 = 3.2856e24
    # (published_runs.yaml lists six_N_active_D 3.29e24), not 6 × 671e9 × 14.8e12 = 5.96e25.
    path = scenario_file("name: moe\nmodel: {params: 671B, active_params: 37B}\npretraining: {tokens: 14.8T}\n")
    section = cli("plan", path, "--format", "json").json()["pretraining"]
    assert section["flops"] == pytest.approx(3.2856e24, rel=1e-9)
    assert section["attention_flops"] is None
    assert "omitted" in section["flops_convention"]
    # memory still counts every expert: 16 B/param × 671e9 / (80 × 2^30 B per H100) = 124.97 -> 125 GPUs
    assert section["min_gpus_for_memory"] == 125


def test_gpu_hours_cost_energy_by_hand(cli, scenario_file):
    path = scenario_file(
        """
        name: hand
        hardware: {accelerator: a100-80gb, count: 64, mfu: 0.5, goodput: 0.8, price_per_hour: 2, pue: 1.1, carbon_kg_per_kwh: 0.5}
        model: {params: 10B}
        pretraining: {tokens: 1T}
        """
    )
    s = cli("plan", path, "--format", "json").json()["pretraining"]
    flops = 6 * 10e9 * 1e12  # 6e22
    productive = flops / (312e12 * 0.5 * 3600)  # A100 dense BF16 peak 312 TFLOP/s -> 106,837.6 h
    reserved = productive / 0.8  # 133,547.0 h
    assert s["flops"] == pytest.approx(6e22)
    assert s["productive_gpu_hours"] == pytest.approx(106_837.6, rel=1e-6)
    assert s["gpu_hours"] == pytest.approx(reserved, rel=1e-12)
    assert s["gpu_hours"] == pytest.approx(133_547.0, rel=1e-6)
    assert s["wall_clock_days"] == pytest.approx(133_547.0 / 64 / 24, rel=1e-6)  # 86.94 days
    assert s["cost_usd"] == pytest.approx(267_094.0, rel=1e-6)
    assert s["energy_mwh"] == pytest.approx(133_547.0 * 400 * 1.1 / 1e6, rel=1e-6)  # 400 W board power -> 58.76 MWh
    assert s["co2_tonnes"] == pytest.approx(58.7607 * 0.5, rel=1e-5)
    assert s["min_gpus_for_memory"] == 2  # 16 × 10e9 B / 80e9 B


def test_missing_inputs_give_null_not_zero(cli, scenario_file):
    path = scenario_file("name: t\nhardware: {accelerator: gaudi3}\nmodel: {params: 7B}\npretraining: {tokens: 1T}\n")
    s = cli("plan", path, "--format", "json").json()["pretraining"]
    assert s["wall_clock_days"] is None  # no GPU count
    assert s["cost_usd"] is None  # the catalog has no Gaudi 3 price
    assert s["co2_tonnes"] is None  # no grid intensity
    assert s["gpu_hours"] > 0


def test_min_gpus_for_405b_on_h100():
    # 16 bytes/param (ZeRO §3) × 405e9 = 6.48e12 B over 80e9 B per GPU = 81
    assert min_gpus_for_training_state(405e9, 80e9) == 81


@given(st.floats(1e6, 1e13), st.floats(1e6, 1e15), st.floats(0.05, 1.0))
def test_doubling_tokens_doubles_flops_and_gpu_hours(params, tokens, mfu):
    once = costing.productive_gpu_hours(dense_training_flops(params, tokens), 989.5e12, mfu)
    twice = costing.productive_gpu_hours(dense_training_flops(params, 2 * tokens), 989.5e12, mfu)
    assert twice == pytest.approx(2 * once, rel=1e-12)


@given(st.lists(st.floats(1e8, 1e12), min_size=1, max_size=20))
def test_arrays_give_the_same_numbers_as_scalars(params):
    tokens = 2e12
    vector = costing.reserved_gpu_hours(costing.productive_gpu_hours(dense_training_flops(np.array(params), tokens), 312e12, 0.4), 0.9)
    for p, v in zip(params, vector):
        scalar = costing.reserved_gpu_hours(costing.productive_gpu_hours(dense_training_flops(p, tokens), 312e12, 0.4), 0.9)
        assert v == pytest.approx(scalar, rel=1e-12)


def test_units_round_trip():
    hours = 1234.5
    days = costing.wall_clock_days(hours, 10)
    assert costing.gpus_for_deadline(hours, days) == pytest.approx(10)


def test_six_nd_inverse_and_two_n_forward_by_hand():
    # 3.15e23 FLOP on 300B tokens: N = 3.15e23 / (6 × 300e9) = 175e9; on 175B params, D = 300e9.
    assert dense_training_factor(3.15e23, 300e9) == pytest.approx(175e9, rel=1e-12)
    assert dense_training_factor(3.15e23, 175e9) == pytest.approx(300e9, rel=1e-12)
    # Serving 1e12 tokens through 7e9 weights: 2 × 7e9 × 1e12 = 1.4e22 FLOP.
    assert dense_forward_flops(7e9, 1e12) == pytest.approx(1.4e22, rel=1e-15)


def test_costing_inverses_by_hand():
    # 4,096 GPUs for 90 days = 4,096 × 90 × 24 = 8,847,360 GPU-hours.
    assert costing.gpu_hours_in(4096, 90) == 8_847_360
    # $10M at $2.50 per GPU-hour buys 4M GPU-hours.
    assert costing.gpu_hours_bought(10e6, 2.5) == pytest.approx(4e6, rel=1e-15)
    # 1M reserved H100-hours at goodput 0.9 and MFU 0.4: 1e6 × 0.9 × 3600 × 989.5e12 × 0.4 = 1.282392e24 FLOP.
    assert costing.training_flops_bought(1e6, 989.5e12, 0.4, 0.9) == pytest.approx(1.282392e24, rel=1e-12)
    # ... and back: 1.282392e24 / (989.5e12 × 0.4 × 3600) / 0.9 = 1e6 reserved GPU-hours.
    assert costing.training_gpu_hours(1.282392e24, 989.5e12, 0.4, 0.9) == pytest.approx(1e6, rel=1e-12)


def test_run_efficiency_of_llama3_405b_by_hand():
    # Llama 3 405B (arXiv 2407.21783): 15.6T tokens, 30.84M H100-hours reported. 6 × 405e9 × 15.6e12 =
    # 3.7908e25 FLOP over 30.84e6 × 3600 × 989.5e12 = 1.098582e26 FLOP at peak: MFU × goodput = 0.3451.
    assert costing.run_efficiency(3.7908e25, 30.84e6, 989.5e12) == pytest.approx(3.7908e25 / 1.09858248e26, rel=1e-12)
    assert costing.run_efficiency(3.7908e25, 30.84e6, 989.5e12) == pytest.approx(0.3451, abs=1e-4)


@given(st.floats(1e3, 1e9), st.floats(1e12, 3e15), st.floats(0.05, 1.0), st.floats(0.3, 1.0))
def test_budget_inverse_plans_back_to_the_same_gpu_hours(gpu_hours, peak, mfu, goodput):
    flops = costing.training_flops_bought(gpu_hours, peak, mfu, goodput)
    assert costing.training_gpu_hours(flops, peak, mfu, goodput) == pytest.approx(gpu_hours, rel=1e-12)
    assert costing.run_efficiency(flops, gpu_hours, peak) == pytest.approx(mfu * goodput, rel=1e-12)
