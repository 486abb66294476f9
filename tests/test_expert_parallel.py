"""Wide expert parallelism (engine/expert_parallel.py): hand calculations, properties, and the CLI."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from scaling_cli.engine import expert_parallel as ep
from scaling_cli.engine.kv_cache import Architecture, mla_decode_width
from scaling_cli.engine.serving import Device, RequestShape, ServedModel

# A small mixture-of-experts model, numbers chosen to be checked by hand:
# 16B total, 4B active, 16 experts, top-2  →  one expert e = (16 − 4)/(16 − 2) = 0.857142857B,
# dense part = 4 − 2·e = 2.285714286B.  FP8 weights (1 byte), GQA KV 2·10·2·100·1 = 4,000 B/token.
MODEL = ServedModel(16e9, 4e9, Architecture(layers=10, attention_width=1000, kv_heads=2, head_dim=100, d_model=1000), 1.0, 1.0, 16, 2)
DEVICE = Device(peak_flops=1e15, bandwidth=2e12, memory_bytes=80e9, compute_efficiency=0.5, bandwidth_efficiency=0.5, memory_fraction=0.9, max_sequences=1e9)
FABRIC = ep.Fabric(domain_gpus=8, scale_up_bandwidth=400e9, scale_out_bandwidth=50e9, latency=0.0)
E = 12e9 / 14
DENSE = 4e9 - 2 * E


def test_decode_step_by_hand():
    """G = 16 GPUs, B = 64 sequences per GPU at context 1,000."""
    step = ep.decode_step(MODEL, DEVICE, FABRIC, 16.0, 64.0, 1000.0)
    # matmuls: 64 × 2·4e9 FLOP / (1e15 × 0.5)
    assert step.compute_seconds == pytest.approx(64 * 8e9 / 5e14)
    # weights: the 1,024 tokens of the group touch all 16 experts (1 − (7/8)^1024 ≈ 1), each GPU reads
    # dense + 16/16 experts at 2e12 × 0.5
    assert step.memory_seconds == pytest.approx((DENSE + E) / 1e12)
    # attention: max(64 × 4·10·1000·1000 FLOP / 5e14, 64 × 4,000 B × 1,000 of KV / 1e12) = max(5.1 µs, 256 µs)
    assert step.attention_seconds == pytest.approx(max(64 * 4e7 / 5e14, 64 * 4000 * 1000 / 1e12))
    # all-to-all: half the destinations leave the 8-GPU node, 7/16 stay on NVLink;
    # 64 tokens × 2 copies × 1,000 × (1 + 2) bytes, the NIC share 0.5 / 50e9 s per byte is the slower, × 10 layers
    assert step.all_to_all_seconds == pytest.approx(10 * 64 * 2 * 3000 * max(0.5 / 50e9, (7 / 16) / 400e9))
    assert step.seconds == pytest.approx(max(step.compute_seconds, step.memory_seconds) + step.attention_seconds + step.all_to_all_seconds)


def test_experts_receive_the_whole_groups_tokens():
    """With a fill curve (T½ = 100 tokens): a GPU's 64 sequences fill its attention and dense GEMMs at
    64 / 164, while each expert receives the tokens the whole group routes to it: 16 GPUs × 64 × 2 of
    16 experts = 128 tokens, fill 128 / 228. The experts do 2·2e of a token's 2 × 4e9 matmul FLOP (0.43 of
    it); attention over the 1,000 positions is timed apart, at the sequences' fill 64 / 164."""
    import dataclasses

    step = ep.decode_step(MODEL, dataclasses.replace(DEVICE, half_fill_tokens=100.0), FABRIC, 16.0, 64.0, 1000.0)
    share = 2 * 2 * E / 8e9
    routed = 16 * 64 * 2 / (16 * (1 - (1 - 2 / 16) ** 1024))
    assert routed == pytest.approx(128, rel=1e-9)
    fill = 1 / ((1 - share) / (64 / 164) + share / (routed / (routed + 100)))
    assert step.compute_seconds == pytest.approx(64 * 8e9 / (5e14 * fill), rel=1e-12)
    assert step.attention_seconds == pytest.approx(max(64 * 4e7 / (5e14 * 64 / 164), 64 * 4000 * 1000 / 1e12), rel=1e-12)


def test_each_gpu_holds_the_dense_part_and_its_share_of_the_experts():
    for group in (2.0, 4.0, 16.0):
        assert ep.resident_weight_bytes(MODEL, group) == pytest.approx(DENSE + E * 16 / group)
    # what is left for the KV cache: 0.9 × (80e9 − resident), 4,000 B per token at 1,000 tokens each
    assert ep.batch_per_gpu(MODEL, DEVICE, 16.0, 1000.0) == np.floor(0.9 * (80e9 - DENSE - E) / 4e6)


def test_inside_one_nvlink_domain_nothing_crosses_the_nic():
    fast_nic = ep.Fabric(8, 400e9, 1e30, 0.0)
    slow_nic = ep.Fabric(8, 400e9, 1.0, 0.0)
    for fabric in (fast_nic, slow_nic):  # G = 8 = the domain: the NIC's speed cannot matter
        assert ep.decode_all_to_all_seconds(MODEL, fabric, 8.0, 64.0) == pytest.approx(10 * 64 * 2 * 3000 * (7 / 8) / 400e9)


def test_prefill_sends_a_token_once_per_remote_node():
    """Two nodes (G = 16): a token with k = 2 experts touches 2·(1 − (1/2)²) = 1.5 nodes, half of them remote."""
    per_token = ep.prefill_all_to_all_seconds_per_token(MODEL, FABRIC, 16.0)
    assert per_token == pytest.approx(10 * 3000 * max(1.5 * 0.5 / 50e9, 2 * (7 / 16) / 400e9))


def test_communication_grows_and_weights_shrink_with_the_group():
    groups = np.array([16.0, 32.0, 64.0])  # at the same per-GPU batch
    a2a = ep.decode_all_to_all_seconds(MODEL, FABRIC, groups, 64.0)
    assert np.all(np.diff(a2a) > 0)
    assert np.all(np.diff(ep.resident_weight_bytes(MODEL, groups)) < 0)


def test_latent_attention_decodes_at_its_absorbed_width():
    # DeepSeek-V3: 128 heads, latent 512, RoPE 64: 2·(512 + 64) + 2·512 = 2,176 FLOP per head and position
    assert 4 * mla_decode_width(128, 512, 64) == 128 * 2176


def test_latency_target_lowers_the_batch():
    request = RequestShape(prompt_tokens=1000.0, chains=1.0, chain_tokens=200.0, compute_flops=1000 * 8e9)
    free = ep.serve_expert_parallel(MODEL, DEVICE, FABRIC, request, 16.0)
    bound = ep.serve_expert_parallel(MODEL, DEVICE, FABRIC, request, 16.0, latency_target=float(free.latency_seconds) / 2)
    assert bound.batch < free.batch and bound.latency_seconds < free.latency_seconds
    # one GPU emits B tokens per step: GPU-seconds per request = prefill + 200 × step / B
    b = float(free.batch) / 16
    assert free.gpu_seconds_per_request == pytest.approx(float(free.upfront_gpu_seconds) + 200 * float(free.step_seconds) / b)



def test_an_engine_that_reserves_whole_requests_admits_fewer_sequences_per_gpu():
    """16 GPUs: each holds 2.2857B dense + 16/16 × 0.857B of experts = 3.1429e9 B of FP8 weights, so
    0.9 × (80e9 − 3.1429e9) = 69.17e9 B of KV room; 4,000 B a token. A 1,000 + 200-token chain:
    ⌊69.17e9 ÷ (4,000 × 1,100.5)⌋ = 15,713 per GPU as the cache grows, ⌊69.17e9 ÷ (4,000 × 1,200)⌋ =
    14,410 when the whole request is reserved (TensorRT-LLM's GUARANTEED_NO_EVICT)."""
    request = RequestShape(prompt_tokens=1000.0, chains=1.0, chain_tokens=200.0, compute_flops=1000 * 8e9)
    room = 0.9 * (80e9 - (DENSE + E))
    grows = ep.serve_expert_parallel(MODEL, DEVICE, FABRIC, request, 16.0)
    reserved = ep.serve_expert_parallel(MODEL, dataclasses.replace(DEVICE, reserves_whole_request=True), FABRIC, request, 16.0)
    assert float(grows.batch) == 16 * np.floor(room / (4000 * 1100.5)) == 16 * 15_713
    assert float(reserved.batch) == 16 * np.floor(room / (4000 * 1200)) == 16 * 14_410

DEEPSEEK = """
name: ep
model: {params: 671B, active_params: 37B, layers: 61, d_model: 7168, heads: 128, head_dim: 128, experts: 256, top_k: 8,
        attention: mla, kv_lora_rank: 512, rope_head_dim: 64}
hardware: {accelerator: h100, precision: fp8}
test_time:
- {name: chat, queries_per_day: 1e6, prompt_tokens: 2000, output_tokens: 100, WORKLOAD}
"""


def _plan(tmp_path, workload: str) -> subprocess.CompletedProcess[str]:
    text = DEEPSEEK.replace("WORKLOAD", workload)
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return subprocess.run([sys.executable, "-m", "scaling_cli", "plan", str(path), "--format", "json"], capture_output=True, text=True)


def test_wide_expert_parallel_plan_outruns_tensor_parallel(tmp_path):
    wide = _plan(tmp_path, "expert_parallel: 72")
    narrow = _plan(tmp_path, "gpus_per_replica: 16")
    assert wide.returncode == 0 and narrow.returncode == 0, wide.stderr + narrow.stderr
    w = json.loads(wide.stdout)["test_time"]["workloads"][0]
    t = json.loads(narrow.stdout)["test_time"]["workloads"][0]
    assert w["expert_parallel"] == 72 and w["gpus_per_replica"] == 72 and t["expert_parallel"] is None
    # SGLang measured 5.2× the TP16 decode throughput with EP72 (lmsys.org/blog/2025-05-05-large-scale-ep)
    assert w["tokens_per_second_per_gpu"] > 3 * t["tokens_per_second_per_gpu"]
    assert w["batch_size"] % 72 == 0


@pytest.mark.parametrize(
    "workload, field",
    [
        ("expert_parallel: 16, gpus_per_replica: 16", "gpus_per_replica"),
        ("expert_parallel: 1", "expert_parallel"),
        ("expert_parallel: 512", "expert_parallel"),
        ("expert_parallel: 2", "expert_parallel"),  # 2 H100s cannot hold half of 671B at FP8
    ],
)
def test_impossible_groups_are_located_errors(tmp_path, workload, field):
    result = _plan(tmp_path, workload)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert field in result.stderr and "s.yaml" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


def test_dense_model_cannot_be_expert_parallel(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: d\nmodel: {params: 8B}\nhardware: {accelerator: h100}\n"
        "test_time:\n- {name: chat, queries_per_day: 1e6, prompt_tokens: 100, output_tokens: 100, expert_parallel: 8}\n"
    )
    result = subprocess.run([sys.executable, "-m", "scaling_cli", "plan", str(path)], capture_output=True, text=True)
    assert result.returncode == 1 and "expert_parallel" in result.stderr and "experts" in result.stderr
