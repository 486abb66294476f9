"""Serving roofline (engine.serving): KV cache, decode step, batch, replica, fleet — by hand."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaling_cli.engine import serving

H100_PEAK = 989.5e12  # dense BF16 FLOP/s, catalog
H100_BANDWIDTH = 3.35e12  # bytes/s, catalog
H100_MEMORY = 80e9  # bytes (80 GB)

# Llama 3 8B (arXiv 2407.21783 Table 3): 32 layers, d_model 4096, 32 heads, 8 KV heads, head dim 128.
LLAMA3_8B = serving.Architecture(layers=32, attention_width=4096, kv_heads=8, head_dim=128)
# Llama 3 70B: 80 layers, d_model 8192, 64 heads, 8 KV heads.
LLAMA3_70B = serving.Architecture(layers=80, attention_width=8192, kv_heads=8, head_dim=128)


def model_8b() -> serving.ServedModel:
    return serving.ServedModel(8e9, 8e9, LLAMA3_8B, weight_bytes_per_param=2.0, kv_bytes_per_element=2.0)


def h100(compute: float = 0.5, bandwidth: float = 0.8) -> serving.Device:
    return serving.Device(H100_PEAK, H100_BANDWIDTH, H100_MEMORY, compute, bandwidth)


def test_kv_cache_counts_kv_heads_not_query_heads():
    # 2 (K and V) × 80 layers × 8 KV heads × 128 head dim × 2 bytes = 327,680 bytes per token.
    assert serving.kv_cache_bytes_per_token(80, 8, 128, 2) == 2 * 80 * 8 * 128 * 2 == 327_680
    # The same model costed as multi-head (64 KV heads), the peer-tool bug: 8× more.
    assert serving.kv_cache_bytes_per_token(80, 64, 128, 2) == 8 * 327_680
    model = serving.ServedModel(70.6e9, 70.6e9, LLAMA3_70B, 2.0, 2.0)
    assert model.kv_bytes_per_token == 327_680
    # 128K tokens of context: 327,680 × 131,072 = 42.9 GB, more than half an H100.
    assert model.kv_bytes_per_token * 131_072 == pytest.approx(42.95e9, rel=1e-3)


def test_kv_cache_element_is_fp8_for_8_bit_weights_as_tensorrt_llm_stores_it():
    assert serving.kv_cache_bytes_per_element("fp8") == 1.0
    assert serving.kv_cache_bytes_per_element("fp4") == 1.0
    assert serving.kv_cache_bytes_per_element("bf16") == 2.0
    assert serving.kv_cache_bytes_per_element("fp32") == 4.0
    assert serving.kv_cache_bytes_per_element("fp8", "bf16") == 2.0  # an explicit kv_cache_dtype wins


def test_latent_attention_caches_one_latent_per_token():
    # DeepSeek-V3: 61 layers × (512 latent + 64 RoPE) × 1 byte (FP8) = 35,136 bytes per token,
    # against 2 × 61 × 128 heads × 128 × 1 = 1,998,848 as multi-head attention.
    assert serving.kv_cache_bytes_per_token(61, 128, 128, 1.0, 576) == 61 * 576 == 35_136
    assert serving.kv_cache_bytes_per_token(61, 128, 128, 1.0) == 2 * 61 * 128 * 128


def test_decode_is_bandwidth_bound_at_batch_1():
    """Two kernel groups, each at its roofline, one after the other: the matmuls (2·N FLOP against the
    weights) and attention (4·L·w·c FLOP against the KV cache)."""
    model, device = model_8b(), h100()
    matmul_flops = 2 * 8e9 / (989.5e12 * 0.5)  # 3.23e-5 s
    weights = 8e9 * 2 / (3.35e12 * 0.8)  # 5.97e-3 s
    attention_flops = 4 * 32 * 4096 * 1000 / (989.5e12 * 0.5)  # 1.06e-6 s
    kv_per_token = 2 * 32 * 8 * 128 * 2  # 131,072
    kv_reads = kv_per_token * 1000 / (3.35e12 * 0.8)  # 4.89e-5 s
    step = serving.decode_step(model, device, 1, 1, 1000)
    assert step.compute_seconds == pytest.approx(matmul_flops, rel=1e-12)
    assert step.memory_seconds == pytest.approx(weights, rel=1e-12)
    assert step.attention_seconds == pytest.approx(max(attention_flops, kv_reads), rel=1e-12)  # the KV reads bind
    assert step.seconds == pytest.approx(weights + kv_reads, rel=1e-12)
    assert step.seconds == pytest.approx(6.019e-3, rel=1e-3)
    assert not step.compute_bound and not step.attention_compute_bound


def test_decode_is_compute_bound_at_a_large_batch():
    """At batch 1,024 the matmuls are compute-bound; the KV reads do not hide under them (one max over
    the whole step, llm-analysis' roofline, would give max(33.2, 11.0) = 33.2 ms)."""
    model, device = model_8b(), h100()
    batch, context = 1024, 100
    matmul_flops = batch * 2 * 8e9 / (989.5e12 * 0.5)  # 0.03311 s
    weights = 8e9 * 2 / (3.35e12 * 0.8)  # 0.00597 s
    attention_flops = batch * 4 * 32 * 4096 * context / (989.5e12 * 0.5)  # 1.09e-4 s
    kv_reads = batch * 131_072 * context / (3.35e12 * 0.8)  # 0.00501 s
    step = serving.decode_step(model, device, 1, batch, context)
    assert step.compute_bound and not step.attention_compute_bound
    assert step.seconds == pytest.approx(matmul_flops + kv_reads, rel=1e-12)
    assert step.seconds == pytest.approx(0.03812, rel=1e-3)
    assert attention_flops < kv_reads and weights < matmul_flops


def test_tensor_parallel_all_reduces_by_hand():
    from scaling_cli.engine import parallelism

    # Llama 3 70B on 4 GPUs, 256 tokens: 2 × 80 all-reduces of 256 × 8192 × 2 bytes = 4.19 MB, ring
    # volume 2 × 3/4 of it over 450 GB/s, plus 10 µs each: 160 × (10e-6 + 1.5 × 4,194,304 / 450e9).
    seconds = parallelism.allreduce_seconds(256, 8192, 80, 4, 450e9, 10e-6)
    assert seconds == pytest.approx(160 * (10e-6 + 1.5 * 256 * 8192 * 2 / 450e9), rel=1e-12)  # 3.84 ms
    assert parallelism.allreduce_seconds(256, 8192, 80, 1, 450e9, 10e-6) == 0.0  # one GPU: none


def test_expected_experts_a_batch_touches():
    from scaling_cli.engine import parallelism

    # Mixtral (8 experts, top 2): one token reads 2; two tokens 8 × (1 − (6/8)²) = 3.5; many tokens all 8.
    assert parallelism.expected_experts(8, 2, 1) == pytest.approx(2.0)
    assert parallelism.expected_experts(8, 2, 2) == pytest.approx(3.5)
    assert parallelism.expected_experts(8, 2, 1000) == pytest.approx(8.0)
    # Reads: expert size e = (46.7B − 12.9B) / 6 = 5.63B, dense part 12.9B − 2e = 1.63B.
    assert parallelism.moe_read_params(46.7e9, 12.9e9, 8, 2, 1) == pytest.approx(12.9e9)
    assert parallelism.moe_read_params(46.7e9, 12.9e9, 8, 2, 1e6) == pytest.approx(46.7e9)


def test_replica_of_several_gpus_divides_weights_and_replicates_kv_heads():
    model = serving.ServedModel(70.6e9, 70.6e9, LLAMA3_70B, 2.0, 2.0)
    device = h100()
    # 141.2 GB of weights against 80 GB per GPU: one GPU cannot hold them; on two, 0.9 × (160 − 141.2) GB
    # = 16.9 GB of KV cache, > 327,680 × 1,500 = 0.49 GB for one 1,500-token sequence.
    assert not serving.fits(model, device, 1, 1500)
    assert serving.fits(model, device, 2, 1500)
    assert serving.min_replica_gpus(model, device, 1500) == 2
    # 16 GPUs for 8 KV heads: every head is held twice.
    assert serving.kv_head_replication(16, 8) == 2.0
    assert serving.kv_head_replication(4, 8) == 1.0
    # Largest batch on 4 GPUs at 2,000 resident tokens: 0.9 × (320e9 − 141.2e9) / (327,680 × 2,000) = 245.5 → 245.
    assert serving.max_batch(model, device, 4, 2000) == np.floor(0.9 * (4 * 80e9 - 141.2e9) / (327_680 * 2000)) == 245


def test_moe_reads_only_the_experts_a_batch_can_touch():
    # 671B total, 37B active (DeepSeek-V3): batch 1 reads 37B parameters, batch 64 at most all 671B.
    arch = serving.Architecture(61, 7168, 128, 128)
    moe = serving.ServedModel(671e9, 37e9, arch, 1.0, 2.0)
    device = h100()
    one = serving.decode_step(moe, device, 16, 1, 0.0).memory_seconds
    assert one == pytest.approx(37e9 * 1.0 / (16 * 3.35e12 * 0.8))
    many = serving.decode_step(moe, device, 16, 64, 0.0).memory_seconds
    assert many == pytest.approx(671e9 * 1.0 / (16 * 3.35e12 * 0.8))


def test_generation_gpu_seconds_by_hand():
    # 1M tokens at 0.02 s a step, batch 200, on 4 GPUs, after 0.5 s of prefill: 4 × (0.5 + 1e6 × 0.02 / 200) = 402.
    assert serving.generation_gpu_seconds(1e6, 0.02, 4, 200, 0.5) == pytest.approx(402.0, rel=1e-15)


def test_pass_fill_by_hand():
    """A forward pass's fill is its token fill × its width fill (engine/serving.pass_fill): Llama 3 70B
    (d_model 8,192) on 8 tensor-parallel GPUs has matrices 1,024 wide per GPU; at a width half-fill of
    256 and a token half-fill of 128, a 512-token pass reaches 1024 / 1280 × 512 / 640 = 0.64 of the
    large-problem rate; on one GPU 8192 / 8448 × 0.8 = 0.7758."""
    model = serving.ServedModel(70.6e9, 70.6e9, LLAMA3_70B, 2.0, 2.0)
    device = dataclasses.replace(h100(), half_fill_tokens=128.0, half_fill_width=256.0)
    assert serving.pass_fill(model, device, 8, 512) == pytest.approx(0.64, rel=1e-12)
    assert serving.pass_fill(model, device, 1, 512) == pytest.approx(8192 / 8448 * 0.8, rel=1e-12)
    assert serving.pass_fill(model, h100(), 8, 512) == model.fill(512, 0.0) == 1.0  # no half-fills: full rate


def test_mixed_step_by_hand():
    """Prefill inside the running batch (engine/serving.mixed_step_seconds), a decode step of 10 ms compute,
    30 ms memory and 2 ms fixed:
    - 100 sequences, 50 tokens a request: 2 requests start per step, so every step carries prefill (f = 1);
      a 40 ms prefill each adds 80 ms of compute to the step: max(0.01 + 0.08, 0.03) + 0.002 = 0.092 s
      (adding them up would give 0.03 + 0.08 + 0.002 = 0.112 s);
    - a 5 ms prefill each (10 ms a step) hides under the memory time: max(0.02, 0.03) + 0.002 = 0.032 s;
    - 10 sequences, 1,000 tokens a request: 1 step in 100 carries a whole 40 ms prefill:
      0.01 × max(0.05, 0.03) + 0.99 × 0.03 + 0.002 = 0.0322 s, next to the 0.0324 s of adding up;
    - the same prompt over 4 passes (the token budget) spreads over 4 times the steps: f = 0.04, each
      carrying 10 ms of prefill, hidden under the memory time: 0.032 s."""
    step = serving.DecodeStep(0.01, 0.03, 0.002)
    assert serving.mixed_step_seconds(step, 0.04, 100, 50, 1) == pytest.approx(0.092, rel=1e-12)
    assert serving.mixed_step_seconds(step, 0.005, 100, 50, 1) == pytest.approx(0.032, rel=1e-12)
    assert serving.mixed_step_seconds(step, 0.04, 10, 1000, 1) == pytest.approx(0.0322, rel=1e-12)
    assert serving.mixed_step_seconds(step, 0.04, 10, 1000, 4) == pytest.approx(0.04 * max(0.01 + 0.01, 0.03) + 0.96 * 0.03 + 0.002, rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    compute=st.floats(1e-5, 1.0), memory=st.floats(1e-5, 1.0), prefill=st.floats(0.0, 10.0),
    batch=st.floats(1.0, 4096.0), tokens=st.floats(1.0, 1e5), passes=st.integers(1, 64),
)  # fmt: skip
def test_mixed_step_lies_between_full_overlap_and_adding_up(compute, memory, prefill, batch, tokens, passes):
    """Whatever the spread, the mean step is no shorter than all prefill hidden in every step's roofline,
    max(C_d + C_p, M), and no longer than prefill and decode added up, max(C_d, M) + C_p (convexity of max)."""
    step = serving.DecodeStep(compute, memory, 0.0)
    per_step = batch / tokens * prefill
    mixed = serving.mixed_step_seconds(step, prefill, batch, tokens, passes)
    assert max(compute + per_step, memory) * (1 - 1e-9) <= mixed <= (max(compute, memory) + per_step) * (1 + 1e-9)


def test_served_request_by_hand_on_a_tensor_parallel_replica():
    """What ``serve_requests`` reports is the roofline by hand: prefill with its memory floor, decode
    step, latency, GPU-seconds and tokens/s for Llama 3 70B on a fixed 4-GPU replica (no link given:
    all-reduces free, no step overhead)."""
    model = serving.ServedModel(70.6e9, 70.6e9, LLAMA3_70B, 2.0, 2.0)
    request = serving.RequestShape(prompt_tokens=1000, chains=2, chain_tokens=999, compute_flops=1e15)
    choice = serving.serve_requests(model, h100(), request, gpus=4)
    # Resident context 1000 / 2 + (999 + 1) / 2 = 1,000 tokens; KV room 0.9 × (4 × 80e9 − 141.2e9) =
    # 160.9e9 bytes for 327,680 × 1,000 each: 491 sequences (under the 2,048 cap).
    batch = np.floor(0.9 * (4 * 80e9 - 141.2e9) / (327_680 * 1000))
    assert batch == 491 and choice.max_batch == choice.batch == batch
    # Mean context 1,500 (the prompt and half the chain). Matmuls: max(491 × 2 × 70.6e9 FLOP, 141.2e9 bytes);
    # attention: max(491 × 4 × 80 × 8192 × 1500 FLOP, 491 × 327,680 × 1500 bytes), over 4 GPUs.
    compute, memory = batch * 2 * 70.6e9 / (4 * 989.5e12 * 0.5), 70.6e9 * 2 / (4 * 3.35e12 * 0.8)
    matmuls = max(compute, memory)
    attention = max(batch * 4 * 80 * 8192 * 1500 / (4 * 989.5e12 * 0.5), batch * 327_680 * 1500 / (4 * 3.35e12 * 0.8))
    step = matmuls + attention  # 35.0 ms + 18.0 ms
    ttft = max(1e15 / (4 * 989.5e12 * 0.5), 141.2e9 / (4 * 3.35e12 * 0.8))  # compute-bound: 0.505 s
    assert choice.step_seconds == pytest.approx(step, rel=1e-12)
    assert choice.ttft_seconds == pytest.approx(ttft, rel=1e-12)
    assert choice.latency_seconds == pytest.approx(ttft + 998 * step, rel=1e-12)
    # Prompts ride the running steps (mixed_step_seconds): B / n = 491 / 1,998 requests start per step, each
    # prompt in one pass (no token budget given), so a share f = 491 / 1,998 of steps also carries a 0.505 s prefill.
    prefill = 1e15 / (4 * 989.5e12 * 0.5)
    share = batch / 1998
    mixed = share * max(compute + prefill, memory) + (1 - share) * matmuls + attention
    assert choice.gpu_seconds_per_request == pytest.approx(4 * 1998 * mixed / batch, rel=1e-12)
    # submitted at once (an RL rollout batch), the prompts are prefilled before the batch decodes: the two add up
    at_once = serving.serve_requests(model, h100(), dataclasses.replace(request, streamed=False), gpus=4)
    assert at_once.gpu_seconds_per_request == pytest.approx(4 * (prefill + 1998 * step / batch), rel=1e-12)
    assert choice.tokens_per_second_per_gpu == pytest.approx(batch / (step * 4), rel=1e-12)
    assert choice.replicas_per_request == 1


def test_prefill_is_never_shorter_than_one_read_of_the_weights():
    """Issue #14's repro: 70B, 16 prompt tokens on 4 GPUs: the prefill reads the same 141 GB a decode step does."""
    model = serving.ServedModel(70.6e9, 70.6e9, LLAMA3_70B, 2.0, 2.0)
    prefill = serving.prefill_seconds(model, h100(), 4, 2 * 70.6e9 * 16, 16)
    assert prefill == pytest.approx(141.2e9 / (4 * 3.35e12 * 0.8), rel=1e-12)  # 13.2 ms, not 1.1 ms of FLOP
    assert serving.compute_seconds(2 * 70.6e9 * 16, h100(), 4, 1.0) < prefill / 10  # the FLOP alone: 1.1 ms


def test_fleet_counts_gpus_in_whole_replicas():
    # 10.5 GPU-days of work per day on 4-GPU replicas: 3 replicas (12 GPUs); at a peak of 2×, 21 → 6 replicas.
    work = 10.5 * 86_400
    assert serving.fleet_gpus(work, 4) == 12
    assert serving.fleet_gpus(work, 4, 2.0) == 24


def test_latency_target_trades_batch_for_speed():
    model, device = model_8b(), h100()
    request = serving.RequestShape(prompt_tokens=1000, chains=1, chain_tokens=500)
    free = serving.serve_requests(model, device, request, gpus=1)
    assert free.batch == np.floor(0.9 * (80e9 - 16e9) / (131_072 * 1250.5))  # 351
    tight = serving.serve_requests(model, device, request, latency_target=5.0, gpus=1)
    assert tight.latency_seconds <= 5.0 < free.latency_seconds
    assert tight.batch < free.batch
    assert tight.gpu_seconds_per_request > free.gpu_seconds_per_request


def test_automatic_replica_is_the_cheapest_candidate():
    model = serving.ServedModel(70.6e9, 70.6e9, LLAMA3_70B, 2.0, 2.0)
    request = serving.RequestShape(prompt_tokens=1000, chains=8, chain_tokens=20_500)
    auto = serving.serve_requests(model, h100(), request)
    for gpus in (2, 4, 8, 16):
        fixed = serving.serve_requests(model, h100(), request, gpus=gpus)
        assert auto.gpu_seconds_per_request <= fixed.gpu_seconds_per_request * (1 + 1e-12)


@settings(max_examples=30, deadline=None)
@given(
    prompt=st.lists(st.floats(0, 50_000), min_size=3, max_size=3),
    chain=st.lists(st.floats(1, 100_000), min_size=3, max_size=3),
    bandwidth=st.floats(0.3, 1.0),
    target=st.one_of(st.none(), st.floats(1, 5000)),
)
def test_arrays_give_what_each_scalar_gives(prompt, chain, bandwidth, target):
    """The Monte Carlo path (arrays) and the point path (floats) run the same code."""
    model = serving.ServedModel(70.6e9, 70.6e9, LLAMA3_70B, 2.0, 2.0)
    request = serving.RequestShape(np.array(prompt), 4, np.array(chain))
    together = serving.serve_requests(model, h100(bandwidth=bandwidth), request, latency_target=target)
    for i in range(3):
        alone = serving.serve_requests(model, h100(bandwidth=bandwidth), serving.RequestShape(prompt[i], 4, chain[i]), latency_target=target)
        for name in ("gpus", "batch", "latency_seconds", "gpu_seconds_per_request", "tokens_per_second_per_gpu"):
            assert getattr(together, name)[i] == pytest.approx(float(getattr(alone, name)), rel=1e-12), name


def test_approximate_architecture_from_size_alone():
    # 70.6B: L = cbrt(70.6e9 / (12 × 128²)) = cbrt(359,090) = 71.07 → 71 layers, d = 128 × 71 = 9,088.
    arch = serving.approximate_architecture(70.6e9)
    assert arch.layers == 71 and arch.attention_width == 9088
    assert arch.kv_heads == 8 and arch.head_dim == 128
    # A given width fixes the layers through the same ratio.
    assert serving.approximate_architecture(70.6e9, d_model=8192).layers == 64


def _brute_force_min_replica(model, device, context):
    """The definition: the first of 1, 2, 4, ... 2**16 GPUs that holds the weights and one sequence."""
    for exponent in range(serving.MAX_REPLICA_EXPONENT + 1):
        if serving.fits(model, device, 2.0**exponent, context):
            return 2.0**exponent
    return 2.0**serving.MAX_REPLICA_EXPONENT


@given(
    params=st.floats(1e8, 5e13),
    kv_heads=st.sampled_from([1, 2, 4, 6, 8, 16, 32, 128]),
    context=st.floats(1, 2e6),
    memory=st.sampled_from([16e9, 24e9, 80e9, 192e9]),
)
def test_closed_form_min_replica_matches_the_definition(params, kv_heads, context, memory):
    arch = serving.Architecture(layers=80.0, attention_width=8192.0, kv_heads=float(kv_heads), head_dim=128.0)
    model = serving.ServedModel(params, params, arch, 2.0, 2.0)
    device = serving.Device(989.5e12, 3.35e12, memory, 0.5, 0.8)
    assert serving.min_replica_gpus(model, device, context) == _brute_force_min_replica(model, device, context)


def test_gemm_fill_by_hand():
    """T / (T + T½): half the large-problem efficiency at T = T½, all of it without a curve or at T = ∞."""
    from scaling_cli.engine.gemm import gemm_fill

    assert gemm_fill(128.0, 128.0) == pytest.approx(0.5)
    assert gemm_fill(1000.0, 128.0) == pytest.approx(1000 / 1128)
    assert gemm_fill(np.inf, 128.0) == 1.0 and gemm_fill(7.0, 0.0) == 1.0
    # batch 1 decode is a 1-token pass: 1 / 129 of the large-problem rate
    assert gemm_fill(1.0, 128.0) == pytest.approx(1 / 129)


def test_decode_compute_side_follows_the_fill_curve():
    """The compute side of a decode step of B tokens is FLOP / (g · peak · eff · B / (B + T½)), for the
    matmuls and for attention alike; at B = T½ both run at half the large-problem rate."""
    model = serving.ServedModel(70.6e9, 70.6e9, LLAMA3_70B, 2.0, 2.0)
    device = serving.Device(H100_PEAK, H100_BANDWIDTH, H100_MEMORY, 0.5, 0.8, half_fill_tokens=256.0)
    step = serving.decode_step(model, device, 4, 256, 1000.0)
    assert step.compute_seconds == pytest.approx(256 * 2 * 70.6e9 / (4 * H100_PEAK * 0.5 * 0.5), rel=1e-12)
    # attention: FLOP 256 × 4 × 80 × 8192 × 1000 at half rate (0.68 ms) against 256 × 327,680 × 1000 bytes
    # (7.8 ms): grouped-query attention does 8 FLOP per KV byte, far below the ridge, so it reads
    attention = max(256 * 4 * 80 * 8192 * 1000 / (4 * H100_PEAK * 0.5 * 0.5), 256 * 327_680 * 1000 / (4 * H100_BANDWIDTH * 0.8))
    assert not step.attention_compute_bound
    assert step.attention_seconds == pytest.approx(attention, rel=1e-12)


def test_prompt_all_reduce_volume_is_paid_at_load_but_not_its_latency():
    """At load a prompt rides a running forward pass: its GPU-seconds carry the all-reduce volume of its
    tokens, 2·L · 2(g−1)/g · P · d · 2 bytes / link, but not the per-call latency; its time to first
    token alone pays both (Llama 3 70B, 4 GPUs, 450 GB/s links, 10 µs per call, 2,000-token prompt)."""
    model = serving.ServedModel(70.6e9, 70.6e9, LLAMA3_70B, 2.0, 2.0)
    request = serving.RequestShape(prompt_tokens=2000, chains=1, chain_tokens=100, compute_flops=2 * 70.6e9 * 2000)
    free = serving.serve_requests(model, h100(), request, gpus=4, max_batch=16)
    linked = serving.Device(H100_PEAK, H100_BANDWIDTH, H100_MEMORY, 0.5, 0.8, link_bandwidth=450e9, allreduce_latency=10e-6)
    paid = serving.serve_requests(model, linked, request, gpus=4, max_batch=16)
    volume = 2 * 80 * (2 * 3 / 4) * 2000 * 8192 * 2 / 450e9  # 17.5 ms of links per forward pass
    assert paid.upfront_gpu_seconds - free.upfront_gpu_seconds == pytest.approx(4 * volume, rel=1e-12)
    assert paid.prefill_gpu_seconds - free.prefill_gpu_seconds == pytest.approx(4 * volume, rel=1e-12)
    assert paid.ttft_seconds - free.ttft_seconds == pytest.approx(volume + 2 * 80 * 10e-6, rel=1e-12)


def test_experts_fill_with_the_tokens_routed_to_them():
    """A mixture-of-experts pass of T tokens: each of the E·(1 − (1 − k/E)^T) experts it touches gets
    T·k / that many tokens; the experts' FLOP share s = k·e / N_active runs at their fill, the rest at
    fill(T), and the times add. Qwen3-30B-A3B-like: 30.5B total, 3.3B active, 128 experts, 8 per token."""
    from scaling_cli.engine.gemm import gemm_fill, mixed_fill

    arch = serving.Architecture(layers=48, attention_width=4096, kv_heads=4, head_dim=128)
    moe = serving.ServedModel(30.5e9, 3.3e9, arch, 1.0, 1.0, experts=128, top_k=8)
    per_expert = (30.5e9 - 3.3e9) / (128 - 8)  # 0.227B
    share = 8 * per_expert / 3.3e9  # 0.55 of the active FLOP
    touched = 128 * (1 - (1 - 8 / 128) ** 2048)  # all 128
    assert touched == pytest.approx(128, rel=1e-9)
    routed = 2048 * 8 / touched  # 128 tokens per expert
    assert moe.routed_tokens(2048) == pytest.approx(routed)
    expected = 1 / ((1 - share) / (2048 / (2048 + 128)) + share / (routed / (routed + 128)))
    assert moe.fill(2048, 128.0) == pytest.approx(expected, rel=1e-12)
    assert moe.fill(2048, 128.0) < gemm_fill(2048, 128.0)  # the experts' short GEMMs slow the pass
    # Decoding at a 32K context: attention adds 4·L·w·c = 4 × 48 × 4,096 × 32,768 = 25.8 GFLOP a token to the
    # weights' 2 × 3.3 = 6.6, and it is no expert's work: the routed share is 2 × 8 × 0.227B / 32.4 GFLOP = 0.11.
    long = 2 * 3.3e9 + 4 * 48 * 4096 * 32768
    assert moe.flops_per_token(32768) == pytest.approx(long)
    routed_share = 2 * 8 * per_expert / long
    expected_long = 1 / ((1 - routed_share) / (2048 / (2048 + 128)) + routed_share / (routed / (routed + 128)))
    assert moe.fill(2048, 128.0, flops_per_token=long) == pytest.approx(expected_long, rel=1e-12)
    assert moe.fill(2048, 128.0) < moe.fill(2048, 128.0, flops_per_token=long) < gemm_fill(2048, 128.0)
    # a dense model, or no curve, is unaffected by routing
    assert mixed_fill(2048, 128, share, 0.0) == 1.0
    dense = serving.ServedModel(8e9, 8e9, arch, 1.0, 1.0)
    assert dense.fill(2048, 128.0) == gemm_fill(2048, 128.0)


@settings(max_examples=200, deadline=None)
@given(
    prompt=st.floats(0, 1e5), chains=st.integers(1, 64), chain=st.floats(1, 1e5), shared=st.booleans(),
)  # fmt: skip
def test_an_engine_that_reserves_whole_requests_counts_each_chains_last_token(prompt, chains, chain, shared):
    """TensorRT-LLM's GUARANTEED_NO_EVICT admits a chain at its prompt share + every token it will
    generate; an engine that allocates as the cache grows counts the mean resident context, which is
    never more (the last token's context is the largest a chain reaches)."""
    request = serving.RequestShape(prompt, chains, chain, shared)
    reserving = dataclasses.replace(h100(), reserves_whole_request=True)
    prompt_share = prompt / chains if shared else prompt
    assert request.admitted_context(reserving) == pytest.approx(prompt_share + chain, rel=1e-12)
    assert request.admitted_context(h100()) == request.resident_context
    assert request.admitted_context(reserving) >= request.resident_context * (1 - 1e-12)


def test_reserving_whole_requests_runs_fewer_sequences_by_the_ratio_of_contexts():
    """8B bf16 on one H100, 1,000 + 1,000 tokens: KV room ÷ (131,072 B × 2,000) sequences when whole
    requests are reserved, ÷ (131,072 B × 1,500.5) when the cache grows; the step reads the same
    1,500.5-token mean context either way."""
    model, device = model_8b(), h100()
    request = serving.RequestShape(1000, 1, 1000, True)
    grows = serving.serve_requests(model, device, request, gpus=1)
    reserved = serving.serve_requests(model, dataclasses.replace(device, reserves_whole_request=True), request, gpus=1)
    room = serving.kv_capacity_bytes(model, device, 1)
    per_token = serving.replica_kv_bytes(model, device, 1, 1.0)
    assert float(grows.batch) == min(np.floor(room / (per_token * 1500.5)), device.max_sequences)
    assert float(reserved.batch) == np.floor(room / (per_token * 2000))
    assert float(reserved.batch) < float(grows.batch)


def test_a_step_reading_kv_caches_most_of_the_time_is_bandwidth_bound():
    """The label follows where the time goes: matmuls at the FLOP limit for 9 ms (weights 7 ms) and
    attention reading KV caches for 23 ms is a bandwidth-bound step; 30 ms of compute-bound matmuls
    beside 5 ms of KV reads is compute-bound; compute-bound attention counts on the FLOP side."""
    assert not serving.flop_bound(0.009, 0.007, 0.023, False)
    assert serving.flop_bound(0.030, 0.007, 0.005, False)
    assert serving.flop_bound(0.004, 0.007, 0.010, True)
    assert not serving.DecodeStep(0.009, 0.007, 0.001, 0.023, False).compute_bound
