"""The ``test_time`` section end to end: hand-checked serving figures, bands, errors and warnings."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaling_cli import defaults
from scaling_cli.planner.plan import build_plan
from scaling_cli.commands.sweep import parse_vary, run_sweep
from scaling_cli.scenario.loading import load_scenario, validate_document
from scaling_cli.yaml_source import parse_yaml
from tests.conftest import assert_one_located_line

CHAT_8B = """
name: chat-8b
model: {params: 8B, layers: 32, d_model: 4096, heads: 32, kv_heads: 8}
hardware: {accelerator: h100, price_per_hour: 2.0}
test_time:
  - name: chat
    queries_per_day: 1M
    days: 30
    prompt_tokens: 1000
    output_tokens: 500
    gpus_per_replica: 1
    peak_to_average: 2
"""


def _plan(cli, scenario_file, text: str, *args: str) -> dict:
    result = cli("plan", scenario_file(text), "-f", "json", *args)
    assert result.exit_code == 0, result.stderr
    return result.json()


#: The serving fit as docs/CALIBRATION.md §4 states it, written out (the test below checks defaults.py agrees):
#: compute efficiency at 16 bits, decode's share of it, GEMM half-fill in tokens and in width per GPU,
#: bandwidth efficiency, per-step overhead.
FIT_COMPUTE, FIT_DECODE_RATIO, FIT_HALF_FILL, FIT_HALF_WIDTH, FIT_BANDWIDTH, FIT_OVERHEAD = 0.94, 0.99, 164.0, 500.0, 0.69, 1.3e-3


def test_chat_workload_by_hand(cli, scenario_file):
    """Llama-3-8B-class chat on one H100 (989.5 TFLOP/s, 3.35 TB/s, 80 GiB of HBM) in bf16 (no format
    discount), the serving fit (FIT_*: docs/CALIBRATION.md §4), KV share 0.9; at
    load, prompts are prefilled 8,192 tokens at a time, inside the running decode steps."""
    assert (
        defaults.COMPUTE_EFFICIENCY.value, defaults.DECODE_COMPUTE_RATIO.value, defaults.GEMM_HALF_FILL_TOKENS.value,
        defaults.GEMM_HALF_FILL_WIDTH.value, defaults.BANDWIDTH_EFFICIENCY.value,
    ) == (FIT_COMPUTE, FIT_DECODE_RATIO, FIT_HALF_FILL, FIT_HALF_WIDTH, FIT_BANDWIDTH)  # fmt: skip
    # one GPU: its matrices are the whole d_model = 4,096 wide, filling 4096 / (4096 + W½) of the large-problem rate
    width = 4096 / (4096 + FIT_HALF_WIDTH)
    assert defaults.STEP_OVERHEAD.value == FIT_OVERHEAD
    w = _plan(cli, scenario_file, CHAT_8B, "--samples", "0")["test_time"]["workloads"][0]
    kv_per_token = 2 * 32 * 8 * 128 * 2  # 131,072 bytes (bf16 serving: bf16 KV)
    assert w["kv_cache_bytes_per_token"] == kv_per_token
    # Memory: 0.9 × (80 GiB − 16 GB of weights) = 0.9 × 69.9e9 = 62.9e9 bytes of KV cache; TensorRT-LLM
    # admits a chain only when the cache holds it to its last token (GUARANTEED_NO_EVICT), 1,000 + 500
    # tokens: floor(62.9e9 / (131,072 × 1,500)) = 319 sequences (cap 2048); running chains keep
    # 1,000 + 501/2 tokens on average, which is what a step reads.
    kv_room = 0.9 * (80 * 2**30 - 16e9)
    batch = np.floor(kv_room / (kv_per_token * 1500))
    assert batch == 319
    assert w["max_batch_in_memory"] == w["batch_size"] == 319
    # Decode step at batch 319, mean context 1,250.5; one GPU: no all-reduce. The matmuls (2 × 8e9 FLOP a
    # token at the fill of 319 tokens and of the full width) outlast the 16e9 bytes of weights: 9.4 ms
    # against 6.9 ms; attention (4 × 32 × 4096 × 1,250.5 FLOP a token, at the fill of 319 tokens) reads
    # 319 × 131,072 × 1,250.5 bytes of KV in 22.6 ms, 66 times its FLOP time: most of the step reads memory.
    decode_rate = 989.5e12 * FIT_COMPUTE * FIT_DECODE_RATIO * 319 / (319 + FIT_HALF_FILL)
    compute, memory = 319 * 2 * 8e9 / (decode_rate * width), 16e9 / (3.35e12 * FIT_BANDWIDTH)
    attention_flops, kv_reads = 319 * 4 * 32 * 4096 * 1250.5 / decode_rate, 319 * kv_per_token * 1250.5 / (3.35e12 * FIT_BANDWIDTH)
    assert compute > memory and kv_reads > 60 * attention_flops and kv_reads > compute
    assert w["decode_bound"] == "memory bandwidth"
    step = compute + kv_reads + FIT_OVERHEAD
    assert w["decode_step_seconds"] == pytest.approx(step, rel=1e-12)
    assert w["tpot_seconds"] == w["decode_step_seconds"]
    assert w["tokens_per_second_per_gpu"] == pytest.approx(319 / step, rel=1e-12)
    # Prefill alone (compute-bound, a 1,000-token pass at fill 1000 / (1000 + T½), above its floor of one
    # weight read):
    prefill_flops = 2 * 8e9 * 1000 + 524_288 * 500_500
    prefill = prefill_flops / (989.5e12 * FIT_COMPUTE * width * 1000 / (1000 + FIT_HALF_FILL))
    assert prefill > 16e9 / (3.35e12 * FIT_BANDWIDTH)
    assert w["ttft_seconds"] == pytest.approx(prefill + FIT_OVERHEAD, rel=1e-12)
    # The prefill emits the first token; 499 decode steps follow.
    assert w["latency_seconds"] == pytest.approx(prefill + FIT_OVERHEAD + 499 * step, rel=1e-12)
    # GPU-seconds: at load the prompt is prefilled in an 8,192-token pass inside the running steps:
    # 319 / 500 requests start per step, so that share of steps carries a prompt, whose roofline is
    # max(decode matmuls + the prompt's compute, weight reads), then the step's attention.
    packed = prefill_flops / (989.5e12 * FIT_COMPUTE * width * 8192 / (8192 + FIT_HALF_FILL))
    share = 319 / 500
    mixed = share * max(compute + packed, memory) + (1 - share) * max(compute, memory) + kv_reads + FIT_OVERHEAD
    per_query = 500 * mixed / 319
    assert w["gpu_seconds_per_query"] == pytest.approx(per_query, rel=1e-12)
    assert per_query == pytest.approx(packed + 500 * step / 319, rel=1e-12)  # matmuls already compute-bound: nothing hides the prompt
    assert w["output_tokens_per_second_per_gpu"] == pytest.approx(500 / per_query, rel=1e-12)
    # $2/GPU-h: the prefill priced per prompt token, the rest of the query's GPU-seconds per output token.
    assert w["usd_per_million_input_tokens"] == pytest.approx(packed / 1000 * 2 / 3600 * 1e6, rel=1e-9)
    assert w["usd_per_million_output_tokens"] == pytest.approx((per_query - packed) / 500 * 2 / 3600 * 1e6, rel=1e-9)
    # Fleet: 1M queries a day, whole GPUs at the average and at a 2× peak, a GPU-day each.
    gpus, peak = math.ceil(1e6 * per_query / 86_400), math.ceil(2 * 1e6 * per_query / 86_400)
    assert w["gpus_needed"] == gpus and w["gpus_needed_peak"] == peak
    assert w["gpu_hours_per_day"] == 24 * peak and w["gpu_hours"] == 24 * peak * 30
    assert w["cost_per_day_usd"] == pytest.approx(2 * 24 * peak) and w["cost_per_query_usd"] == pytest.approx(2 * 24 * peak / 1e6)
    assert w["energy_mwh"] == pytest.approx(24 * peak * 700 * 1.2 / 1e6 * 30)  # 700 W, PUE 1.2
    # Compute: a single pass is the whole query: 2 × 8e9 × 1,500 + 524,288 × (1,500 × 1,501 / 2).
    single = 2 * 8e9 * 1500 + 524_288 * 1_125_750
    assert w["flops_per_query"] == pytest.approx(single) and w["multiplier_vs_single_pass"] == 1.0
    assert w["flops"] == pytest.approx(single * 1e6 * 30)


def test_fp8_prefill_is_faster_than_bf16_by_less_than_its_peak():
    """The format exponent γ (defaults.COMPUTE_FORMAT_EXPONENT, docs/CALIBRATION.md §4): FP8 on an H100
    has twice the 16-bit peak (1,979 vs 989.5 TFLOP/s) and keeps 0.5^γ of the compute efficiency, so a
    compute-bound prefill (a 1,000-token prompt of an 8B model) takes 0.5^(1 − γ) of its bf16 time:
    0.5^0.52 = 0.697 at γ = 0.48 (twice as fast would be 0.5)."""
    gamma = defaults.COMPUTE_FORMAT_EXPONENT.value
    assert gamma == 0.48
    fp8 = CHAT_8B.replace("hardware: {accelerator: h100,", "hardware: {accelerator: h100, precision: fp8,")
    plans = [build_plan(validate_document(parse_yaml(text, "<chat>")), samples=0).sections["test_time"]["workloads"][0] for text in (CHAT_8B, fp8)]
    bf16_ttft, fp8_ttft = (p["ttft_seconds"] - defaults.STEP_OVERHEAD.value for p in plans)  # the prefill's compute alone
    assert fp8_ttft / bf16_ttft == pytest.approx(0.5 ** (1 - 0.48), rel=1e-9) == pytest.approx(0.697, abs=1e-3)


def test_decode_runs_at_its_share_of_the_compute_efficiency():
    """A decode step whose matmuls are compute-bound (a 1B model's batch of 2,048 short chains) runs them
    at DECODE_COMPUTE_RATIO × the prefill's efficiency: planned at a ratio of 0.5 and of 1, the step
    differs by the matmul time at 1, 2,048 × 2 × 1e9 FLOP / (989.5e12 × FIT_COMPUTE × width fill × token
    fill); attention over 24 positions reads its KV cache either way."""
    text = CHAT_8B.replace("model: {params: 8B, layers: 32, d_model: 4096, heads: 32, kv_heads: 8}", "model: {params: 1B, layers: 16, d_model: 2048, heads: 16, kv_heads: 8}").replace(
        "prompt_tokens: 1000\n    output_tokens: 500", "prompt_tokens: 16\n    output_tokens: 16"
    )
    saved = defaults.DECODE_COMPUTE_RATIO
    plans = {}
    try:
        for ratio in (0.5, 1.0):
            defaults.DECODE_COMPUTE_RATIO = dataclasses.replace(saved, value=ratio)
            plans[ratio] = build_plan(validate_document(parse_yaml(text, "<tiny>")), samples=0).sections["test_time"]["workloads"][0]
    finally:
        defaults.DECODE_COMPUTE_RATIO = saved
    assert plans[0.5]["decode_bound"] == plans[1.0]["decode_bound"] == "compute"
    assert plans[0.5]["batch_size"] == plans[1.0]["batch_size"] == 2048
    matmuls = 2048 * 2 * 1e9 / (989.5e12 * FIT_COMPUTE * 2048 / (2048 + FIT_HALF_WIDTH) * 2048 / (2048 + FIT_HALF_FILL))
    assert matmuls > 2e9 / (3.35e12 * FIT_BANDWIDTH)  # 5.4 ms of FLOP against 0.9 ms of weight reads
    assert plans[0.5]["decode_step_seconds"] - plans[1.0]["decode_step_seconds"] == pytest.approx(matmuls, rel=1e-9)


def test_workload_mfu_sets_the_compute_efficiency(cli, scenario_file):
    # The scenario's own MFU replaces the compute efficiency at every batch (no fill curve, no decode
    # share): the chat query's prefill by hand above takes FLOP / (peak × 0.2) instead of FLOP / (peak ×
    # FIT_COMPUTE × fill(1000)), and its decode matmuls 319 × 2 × 8e9 / (peak × 0.2) = 25.8 ms instead of
    # the 9.4 ms at the fitted rate; attention still reads its KV cache in the same time.
    text = CHAT_8B.replace("    gpus_per_replica: 1\n", "    gpus_per_replica: 1\n    hardware: {mfu: 0.2}\n")
    slow = _plan(cli, scenario_file, text, "--samples", "0")["test_time"]["workloads"][0]
    fast = _plan(cli, scenario_file, CHAT_8B, "--samples", "0")["test_time"]["workloads"][0]
    prefill = (2 * 8e9 * 1000 + 524_288 * 500_500) / 989.5e12
    fill = 4096 / (4096 + FIT_HALF_WIDTH) * 1000 / (1000 + FIT_HALF_FILL)
    assert slow["ttft_seconds"] - fast["ttft_seconds"] == pytest.approx(prefill / 0.2 - prefill / (FIT_COMPUTE * fill), rel=1e-9)
    decode_fill = FIT_DECODE_RATIO * 4096 / (4096 + FIT_HALF_WIDTH) * 319 / (319 + FIT_HALF_FILL)
    matmuls = 319 * 2 * 8e9 / 989.5e12
    assert slow["decode_step_seconds"] - fast["decode_step_seconds"] == pytest.approx(matmuls / 0.2 - matmuls / (FIT_COMPUTE * decode_fill), rel=1e-9)


def test_json_keys_bands_and_totals(cli, scenario_file):
    text = CHAT_8B + "  - {name: think, queries_per_day: 10K, prompt_tokens: 1000, output_tokens: 500, reasoning_tokens: {low: 8K, high: 16K}, samples: 4}\n"
    plan = _plan(cli, scenario_file, text)
    section = plan["test_time"]
    chat, think = section["workloads"]
    for key in ("flops_per_query", "single_pass_flops_per_query", "multiplier_vs_single_pass", "latency_seconds", "tokens_per_second_per_gpu",
                "gpus_needed", "gpus_needed_peak", "gpu_hours_per_day", "cost_per_query_usd"):  # fmt: skip
        assert key in think
    for key in ("latency_seconds", "tokens_per_second_per_gpu", "gpus_needed_peak", "gpu_hours_per_day", "cost_per_query_usd"):
        assert think[f"{key}_p10"] <= think[key] <= think[f"{key}_p90"], key
        assert f"{key}_p10" in chat
    # A range on reasoning tokens moves the compute, so the compute gets a band too.
    assert think["flops_per_query_p10"] < think["flops_per_query"] < think["flops_per_query_p90"]
    assert section["flops"] == pytest.approx(chat["flops"] + think["flops"])
    assert section["gpu_hours"] == pytest.approx(chat["gpu_hours"] + think["gpu_hours"])
    assert section["cost_usd"] == pytest.approx(chat["cost_usd"] + think["cost_usd"])
    assert think["days"] == 365 and any(a["key"] == "test_time[1].days" for a in plan["assumptions"])


def test_verifier_and_search_add_their_reads(cli, scenario_file):
    base = "name: t\nmodel: {params: 8B, layers: 32, d_model: 4096, heads: 32, kv_heads: 8}\ntest_time:\n"
    text = base + (
        "  - {name: bon, queries_per_day: 1K, prompt_tokens: 1000, output_tokens: 500, reasoning_tokens: 2000, samples: 8,\n"
        "     aggregation: best_of_n, verifier_params: 7B}\n"
        "  - {name: beam, queries_per_day: 1K, prompt_tokens: 1000, output_tokens: 500,\n"
        "     search: {beam_width: 4, steps: 10, tokens_per_step: 200, prm_params: 1B}}\n"
    )
    bon, beam = _plan(cli, scenario_file, text, "--samples", "0")["test_time"]["workloads"]
    # Verifier reads the shared prompt once and each of 8 chains of 2,500 tokens: 2 × 7e9 × 21,000.
    assert bon["scoring_flops_per_query"] == pytest.approx(2 * 7e9 * (1000 + 8 * 2500))
    # Search: 4 beams of 10 × 200 reasoning + 500 answer tokens, all read by the 1B PRM.
    assert beam["parallel_chains"] == 4 and beam["chain_tokens"] == 2500
    assert beam["scoring_flops_per_query"] == pytest.approx(2 * 1e9 * (1000 + 4 * 2500))


def test_mixture_of_experts_computes_with_active_parameters(cli, scenario_file):
    text = "name: moe\nmodel: {params: 671B, active_params: 37B}\ntest_time:\n  - {name: chat, queries_per_day: 1K, prompt_tokens: 0, output_tokens: 1}\n"
    w = _plan(cli, scenario_file, text, "--samples", "0")["test_time"]["workloads"][0]
    # One token, no prompt: 2 × 37e9 + attention over 1 position (4 × L × d × 1).
    assert w["flops_per_query"] == pytest.approx(2 * 37e9, rel=1e-4)
    # 671 GB at bf16 does not fit 8 H100s (576 GB usable), so the replica has 16 or more GPUs.
    assert w["gpus_per_replica"] >= 16


def test_model_without_architecture_is_approximated_and_said_so(cli, scenario_file):
    text = "name: t\nmodel: {params: 70.6B}\ntest_time:\n  - {name: chat, queries_per_day: 1K, prompt_tokens: 100, output_tokens: 100}\n"
    plan = _plan(cli, scenario_file, text, "--samples", "0")
    architecture = next(a for a in plan["assumptions"] if a["key"] == "serving.architecture")
    assert "layers 71" in architecture["value"] and "Kaplan" in architecture["source"]
    # 2 × 71 layers × 8 KV heads × 128 × 2 bytes
    assert plan["test_time"]["workloads"][0]["kv_cache_bytes_per_token"] == 2 * 71 * 8 * 128 * 2


def test_workload_hardware_overrides_the_scenario(cli, scenario_file):
    text = CHAT_8B.replace("    gpus_per_replica: 1\n", "    hardware: {accelerator: h200, precision: fp8}\n")
    plan = _plan(cli, scenario_file, text, "--samples", "0")
    w = plan["test_time"]["workloads"][0]
    assert w["accelerator"] == "nvidia-h200-sxm-141gb" and w["precision"] == "fp8"
    keys = {a["key"] for a in plan["assumptions"]}
    assert "test_time[0].hardware.peak_flops" in keys
    assert "test_time[0].hardware.mfu" not in keys  # a training default, unused for serving


def test_weights_stored_narrower_than_the_matmul_format_free_memory_not_flops(cli, scenario_file):
    """W4A16 (4-bit weights multiplied in bf16, as TensorRT-LLM serves MXFP4 GPT-OSS on Hopper): the
    weights take N/2 bytes, so the KV cache gets the rest, while prefill runs at the bf16 peak as before."""
    bf16 = _plan(cli, scenario_file, CHAT_8B, "--samples", "0")["test_time"]["workloads"][0]
    text = CHAT_8B.replace("    gpus_per_replica: 1\n", "    gpus_per_replica: 1\n    weight_dtype: int4\n")
    w4 = _plan(cli, scenario_file, text, "--samples", "0")["test_time"]["workloads"][0]
    assert (w4["precision"], w4["weight_dtype"], bf16["weight_dtype"]) == ("bf16", "int4", "bf16")
    # KV cache in the matmul format (bf16), 131,072 bytes a token; 0.9 × (80 GiB − 4e9 bytes of weights)
    # held at 1,500 tokens a chain: floor(73.71e9 / 196.6e6) = 374 sequences (319 with bf16 weights).
    assert w4["kv_cache_bytes_per_token"] == bf16["kv_cache_bytes_per_token"] == 131_072
    assert w4["batch_size"] == np.floor(0.9 * (80 * 2**30 - 4e9) / (131_072 * 1500)) == 374
    # One request alone is compute-bound at the same bf16 peak: the same time to first token.
    assert w4["ttft_seconds"] == pytest.approx(bf16["ttft_seconds"], rel=1e-12)
    # A decode step at batch 374: its bf16 matmuls, 374 × 2 × 8e9 FLOP (10.5 ms), outlast reading 4e9 bytes
    # of weights (1.7 ms); then attention reads 374 sequences' KV cache (26.5 ms, its FLOP 0.4 ms).
    rate = 989.5e12 * FIT_COMPUTE * FIT_DECODE_RATIO * 374 / (374 + FIT_HALF_FILL)
    matmuls = max(374 * 2 * 8e9 / (rate * 4096 / (4096 + FIT_HALF_WIDTH)), 4e9 / (3.35e12 * FIT_BANDWIDTH))
    attention = max(374 * 524_288 * 1250.5 / rate, 374 * 131_072 * 1250.5 / (3.35e12 * FIT_BANDWIDTH))
    assert w4["decode_step_seconds"] == pytest.approx(matmuls + attention + FIT_OVERHEAD, rel=1e-12)


def test_sweep_over_reasoning_tokens_equals_single_plans(scenario_file):
    path = scenario_file(CHAT_8B)
    loaded = load_scenario(path)
    values = [0, 1000, 30_000]
    result = run_sweep(
        loaded, [parse_vary("test_time[0].reasoning_tokens=" + ",".join(map(str, values)))], objective="test_time.gpu_hours",
        minimize=True, conditions=[], top=None, samples=0, seed=0,
    )  # fmt: skip
    for i, tokens in enumerate(result.columns["test_time[0].reasoning_tokens"]):
        single = build_plan(load_scenario(path, [f"test_time[0].reasoning_tokens={float(tokens)!r}"]), samples=0).to_dict()["test_time"]["workloads"][0]
        for key in ("flops_per_query", "latency_seconds", "gpus_needed_peak", "cost_per_query_usd"):
            assert result.columns[f"test_time.workloads[{single['name']}].{key}"][i] == pytest.approx(single[key], rel=1e-12), key


# --- bad input: one located line, exit 1 -----------------------------------------------------

WORKLOAD = "name: t\nmodel:\n  params: 8B\ntest_time:\n  - name: w\n    queries_per_day: 1K\n    prompt_tokens: 100\n    output_tokens: 100\n"

ERRORS = {
    # name: (extra lines, expected line, column, fragment)
    "misspelt key": ("    sample: 4\n", 9, 5, "unknown key 'sample'; did you mean 'samples'?"),
    "best_of_n without verifier": ("    samples: 4\n    aggregation: best_of_n\n", 10, 18, "best_of_n needs verifier_params"),
    "verifier with majority vote": ("    samples: 4\n    verifier_params: 7B\n", 10, 22, "verifier_params applies only to aggregation: best_of_n"),
    "unknown aggregation": ("    aggregation: vote\n", 9, 18, "must be 'majority_vote', 'best_of_n' or 'oracle'"),
    "zero samples": ("    samples: 0\n", 9, 14, "greater than or equal to 1"),
    "fractional samples": ("    samples: 2.5\n", 9, 14, "whole number"),
    "negative reasoning": ("    reasoning_tokens: -5\n", 9, 23, "greater than or equal to 0"),
    "peak below average": ("    peak_to_average: 0.5\n", 9, 22, "greater than or equal to 1"),
    "search and reasoning": (
        "    reasoning_tokens: 1K\n    search: {beam_width: 4, steps: 10, tokens_per_step: 100, prm_params: 7B}\n", 9, 23, "remove reasoning_tokens",
    ),
    "search without a PRM": ("    search: {beam_width: 4, steps: 10, tokens_per_step: 100}\n", 9, 13, "search.prm_params: required key is missing"),
    "unknown accelerator": ("    hardware: {accelerator: h10}\n", 9, 29, "did you mean 'h100'"),
    "weights wider than the matmul": ("    weight_dtype: bf16\n    hardware: {accelerator: h100, precision: fp8}\n", 9, 19, "wider than the matmul precision fp8"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_invalid_workload_is_one_located_line(case, cli, scenario_file):
    extra, line, column, fragment = ERRORS[case]
    path = scenario_file(WORKLOAD + extra)
    assert_one_located_line(cli("plan", path, "-f", "json"), path, line, column, fragment, "test_time[0].")


def test_missing_key_points_at_the_workload(cli, scenario_file):
    path = scenario_file(WORKLOAD.replace("    output_tokens: 100\n", ""))
    first = cli("plan", path).stderr.splitlines()[0]
    assert first.startswith(f"{path}:5:") and "test_time[0].output_tokens: required key is missing" in first


def test_replica_too_small_for_the_weights_is_an_error(cli, scenario_file):
    text = "name: t\nmodel: {params: 70B}\ntest_time:\n  - {name: w, queries_per_day: 1K, prompt_tokens: 100, output_tokens: 100, gpus_per_replica: 1}\n"
    path = scenario_file(text)
    result = cli("plan", path)
    assert result.exit_code == 1 and result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{path}:4:94: test_time[0].gpus_per_replica: 1 × H100 SXM5 80GB cannot hold")  # the value 1
    assert "needs 2 GPUs per replica" in result.stderr


# --- suspicious but legal: warnings -------------------------------------------------------------

WARNINGS = {
    "latency target out of reach": ("    reasoning_tokens: 20K\n    latency_target_seconds: 10\n", "exceeds latency_target_seconds 10"),
    "context beyond 128K": ("    reasoning_tokens: 100K\n    revisions: 1\n", "beyond the 128K window"),
    "fleet above the given count": ("    queries_per_day: 100M\n    hardware: {count: 1}\n", "but hardware.count is 1"),
    "aggregation with one sample": ("    aggregation: majority_vote\n", "has no effect with samples: 1"),
}


@pytest.mark.parametrize("case", sorted(WARNINGS))
def test_suspicious_workload_warns(case, cli, scenario_file):
    extra, fragment = WARNINGS[case]
    text = WORKLOAD.replace("    queries_per_day: 1K\n", "") if "queries_per_day" in extra else WORKLOAD
    result = cli("plan", scenario_file(text + extra), "-f", "json", "--samples", "0")
    assert result.exit_code == 0, result.stderr
    assert any(fragment in w for w in result.json()["warnings"]), result.json()["warnings"]
    assert "warning: test_time[0] (w): " in result.stderr


def test_plain_workload_does_not_warn(cli, scenario_file):
    result = cli("plan", scenario_file(WORKLOAD), "-f", "json")
    assert result.exit_code == 0 and result.stderr == "" and result.json()["warnings"] == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    params=st.sampled_from(["1B", "8B", "70B", "405B"]),
    prompt=st.integers(0, 50_000),
    reasoning=st.integers(0, 60_000),
    samples=st.integers(1, 256),
    revisions=st.integers(0, 2),
    caching=st.booleans(),
    qpd=st.floats(0.01, 1e8),
    target=st.one_of(st.none(), st.floats(0.5, 1e4)),
)
def test_any_workload_plans_to_finite_consistent_figures(params, prompt, reasoning, samples, revisions, caching, qpd, target):
    text = (
        f"name: p\nmodel: {{params: {params}}}\ntest_time:\n  - {{name: w, queries_per_day: {qpd!r}, prompt_tokens: {prompt}, output_tokens: 300, "
        f"reasoning_tokens: {reasoning}, samples: {samples}, revisions: {revisions}, prefix_caching: {str(caching).lower()}"
        + ("" if target is None else f", latency_target_seconds: {target!r}")
        + "}\n"
    )
    plan = build_plan(validate_document(parse_yaml(text, "<p>")), samples=200)
    w = plan.sections["test_time"]["workloads"][0]
    assert w["multiplier_vs_single_pass"] >= 1 - 1e-12
    assert w["gpus_needed"] <= w["gpus_needed_peak"] and w["gpus_needed_peak"] % w["gpus_per_replica"] == 0
    assert 1 <= w["batch_size"] <= 2048
    # Latency is at least the first token and then the serial chain, one decode step a token; the
    # first token is never faster than one read of the weights (the prefill's memory floor).
    assert w["latency_seconds"] >= (w["ttft_seconds"] + (w["chain_tokens"] - 1) * w["decode_step_seconds"]) * (1 - 1e-12)
    assert w["ttft_seconds"] > 0 and w["tpot_seconds"] == w["decode_step_seconds"]
    # Bands are ordered (the point estimate, taken at central inputs through discrete replica and
    # batch choices, need not lie inside them).
    for key in ("latency_seconds", "gpu_hours_per_day", "cost_per_query_usd"):
        assert 0 <= w[f"{key}_p10"] <= w[f"{key}_p90"]


ENGINES_70B = """
name: engines
model: {params: 70.6B, layers: 80, d_model: 8192, heads: 64, kv_heads: 8}
hardware: {accelerator: h100, precision: fp8}
test_time:
  - {name: trt, queries_per_day: 1M, prompt_tokens: 1000, output_tokens: 1000, gpus_per_replica: 2}
  - {name: vllm, engine: vllm, queries_per_day: 1M, prompt_tokens: 1000, output_tokens: 1000, gpus_per_replica: 2}
  - {name: vllm-own, engine: vllm, max_running_sequences: 4096, kv_cache_dtype: fp8, queries_per_day: 1M, prompt_tokens: 1000, output_tokens: 1000, gpus_per_replica: 2}
  - {name: sglang-8b, engine: sglang, queries_per_day: 1M, prompt_tokens: 100, output_tokens: 100, gpus_per_replica: 8}
"""


def test_engine_sets_the_kv_cache_element_and_batch_cap(cli, scenario_file):
    """FP8 70B on 2 H100s (2 × 80 GiB, 70.6 GB of weights), chains of 1,000 prompt + 1,000 output tokens.
    TensorRT-LLM keeps an FP8 KV cache: 2·80·8·128 bytes = 163,840 per token, and admits a chain only
    when the cache holds all 2,000 of its tokens: floor(0.9 × (2 × 80 GiB − 70.6e9) / (163,840 × 2,000))
    = 277 sequences. vLLM keeps the model's dtype (bf16, 327,680 bytes) and takes chains as their cache
    grows, at 1,000 + 1,001/2 resident tokens: 185 sequences, under its cap of 256 (370 with the FP8 KV
    and cap the third workload sets: given settings win over the engine's); SGLang's 8-GPU replica holding 8 × 80 GiB has room for far more than 2,048 short
    chains, and the cap stays the planner's 2,048."""
    plan = _plan(cli, scenario_file, ENGINES_70B, "--samples", "0")
    trt, vllm, own, sglang = plan["test_time"]["workloads"]
    room = 0.9 * (2 * 80 * 2**30 - 70.6e9)
    assert trt["kv_cache_bytes_per_token"] == 163_840 and trt["batch_size"] == np.floor(room / (163_840 * 2000)) == 277
    assert vllm["kv_cache_bytes_per_token"] == 327_680 and vllm["batch_size"] == np.floor(room / (327_680 * 1500.5)) == 185
    assert own["kv_cache_bytes_per_token"] == 163_840 and own["batch_size"] == np.floor(room / (163_840 * 1500.5)) == 370
    assert sglang["kv_cache_bytes_per_token"] == 327_680 and sglang["batch_size"] == 2048
    used = {a["key"]: a["value"] for a in plan["assumptions"]}
    assert used["test_time[1].max_running_sequences"] == 256 and "test_time[2].max_running_sequences" not in used
    assert used["test_time[3].kv_cache_dtype"] == "model"
    assert used["serving.admission"] == "whole request reserved" and "test_time[0].admission" not in used
    assert [used[f"test_time[{i}].admission"] for i in (1, 2, 3)] == ["as the cache grows"] * 3


def test_vllm_batch_cap_binds_where_memory_would_allow_more(cli, scenario_file):
    """An 8B model in bf16 on one H100 with 100 + 101/2 resident tokens a chain would fit ~3,000 sequences:
    TensorRT-LLM runs its cap of 2,048, vLLM its max_num_seqs of 256."""
    text = CHAT_8B.replace("prompt_tokens: 1000\n    output_tokens: 500", "prompt_tokens: 100\n    output_tokens: 100")
    trt = _plan(cli, scenario_file, text, "--samples", "0")["test_time"]["workloads"][0]
    vllm = _plan(cli, scenario_file, text.replace("    gpus_per_replica: 1\n", "    gpus_per_replica: 1\n    engine: vllm\n"), "--samples", "0")["test_time"]["workloads"][0]
    assert np.floor(0.9 * (80 * 2**30 - 16e9) / (131_072 * 150.5)) > 2048
    assert trt["batch_size"] == 2048 and vllm["batch_size"] == 256
    assert vllm["tokens_per_second_per_gpu"] < trt["tokens_per_second_per_gpu"]


def test_unknown_engine_is_a_located_error(cli, scenario_file):
    result = cli("plan", scenario_file(CHAT_8B.replace("    gpus_per_replica: 1\n", "    gpus_per_replica: 1\n    engine: ollama\n")))
    assert result.exit_code == 1
    assert "engine" in result.stderr and ":" in result.stderr.splitlines()[0] and "Traceback" not in result.stderr
