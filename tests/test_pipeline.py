"""Pipeline-parallel serving replicas beyond the scale-up domain (engine/pipeline.py), by hand."""

from __future__ import annotations

import pytest

from scaling_cli.engine import pipeline, serving

PEAK = 989.5e12  # H100 SXM dense BF16 FLOP/s
BANDWIDTH = 3.35e12  # HBM3 bytes/s
MEMORY = 80 * 2**30  # 80 GiB
# Llama 3.1 405B (arXiv 2407.21783 Table 3): 126 layers, d_model 16,384, 128 heads, 8 KV heads of 128
LLAMA_405B = serving.Architecture(layers=126, attention_width=16384, kv_heads=8, head_dim=128)


def model() -> serving.ServedModel:
    return serving.ServedModel(405.9e9, 405.9e9, LLAMA_405B, weight_bytes_per_param=2.0, kv_bytes_per_element=2.0)


def device(domain: float = 8.0) -> serving.Device:
    # no fill curve, no overhead, no link costs: the roofline terms alone
    return serving.Device(PEAK, BANDWIDTH, MEMORY, 0.5, 0.5, scale_up_domain=domain)


def test_stages_split_a_replica_at_the_domain():
    h100 = device(8.0)
    assert pipeline.tensor_parallel(h100, 16.0) == 8 and pipeline.stages(h100, 16.0) == 2
    assert pipeline.stages(h100, 8.0) == 1 and pipeline.stages(h100, 4.0) == 1
    # an NVL72 rack: 64 GPUs (the largest power of two within 72) per stage
    assert pipeline.stages(device(72.0), 16.0) == 1 and pipeline.stages(device(72.0), 128.0) == 2


def test_batch_one_reads_all_weights_through_one_stage_s_bandwidth():
    # TP8 x PP2 at batch 1: 405.9e9 x 2 bytes read by 8 GPUs at 0.5 x 3.35 TB/s each, plus one token's KV
    step = serving.decode_step(model(), device(), 16.0, 1.0, 1.0)
    weights = 405.9e9 * 2 / (8 * BANDWIDTH * 0.5)
    kv = 2 * 126 * 8 * 128 * 2 / (16 * BANDWIDTH * 0.5)
    assert step.memory_seconds == pytest.approx(weights, rel=1e-12)
    assert step.attention_seconds == pytest.approx(kv, rel=1e-12)
    # tensor parallelism over 16 GPUs (an NVL domain of 16) would read the weights twice as fast
    assert serving.decode_step(model(), device(16.0), 16.0, 1.0, 1.0).memory_seconds == pytest.approx(weights / 2, rel=1e-12)


def test_a_full_pipeline_computes_as_tensor_parallelism_over_all_gpus():
    # 1,024 sequences in 2 micro-batches of 512: the compute term equals TP16's
    piped = serving.decode_step(model(), device(8.0), 16.0, 1024.0, 2000.0)
    flat = serving.decode_step(model(), device(16.0), 16.0, 1024.0, 2000.0)
    assert piped.compute_seconds == pytest.approx(flat.compute_seconds)
    # ... and each stage reads its weights once per micro-batch: twice the weight reads
    assert piped.memory_seconds == pytest.approx(2 * flat.memory_seconds, rel=1e-12)
    # the KV cache is read once either way, but TP16 holds each of the 8 KV heads twice
    kv = 1024 * 2 * 126 * 8 * 128 * 2 * 2000 / (16 * BANDWIDTH * 0.5)
    assert piped.attention_seconds == pytest.approx(kv, rel=1e-12)
    assert flat.attention_seconds == pytest.approx(2 * kv, rel=1e-12)


def test_kv_heads_are_copied_only_within_a_stage():
    # 16 GPUs of tensor parallelism hold 8 KV heads twice; 2 stages of 8 hold each once
    piped = serving.replica_kv_bytes(model(), device(8.0), 16.0, 1000.0)
    flat = serving.replica_kv_bytes(model(), device(16.0), 16.0, 1000.0)
    assert flat == 2 * piped == 2 * 1000 * 2 * 126 * 8 * 128 * 2


def test_a_prompt_alone_crosses_the_stages_one_after_another():
    flops = 2 * 405.9e9 * 4096
    piped = serving.prefill_seconds(model(), device(8.0), 16.0, flops, 4096.0)
    # compute-bound: 8 GPUs at a time, 0.5 of peak
    assert piped == pytest.approx(flops / (8 * PEAK * 0.5))


def test_within_the_domain_nothing_changes():
    for gpus in (1.0, 2.0, 4.0, 8.0):
        a = serving.decode_step(model(), device(8.0), gpus, 64.0, 3000.0)
        b = serving.decode_step(model(), device(float("inf")), gpus, 64.0, 3000.0)
        assert (a.compute_seconds, a.memory_seconds, a.fixed_seconds) == (b.compute_seconds, b.memory_seconds, b.fixed_seconds)


def test_the_plan_names_its_stages(cli, tmp_path):
    path = tmp_path / "s.scenario.yaml"
    path.write_text(
        "name: t\nmodel: {params: 405.9B, layers: 126, d_model: 16384, heads: 128, kv_heads: 8, ffn_dim: 53248, vocab: 128256}\n"
        "hardware: {accelerator: h100, precision: bf16}\n"
        "test_time:\n  - {name: chat, queries_per_day: 1e5, prompt_tokens: 1000, output_tokens: 500}\n",
        encoding="utf-8",
    )
    result = cli("plan", str(path), "-f", "json", "--samples", "0")
    assert result.exit_code == 0, result.stderr
    plan = result.json()
    workload = plan["test_time"]["workloads"][0]
    # 812 GB of bf16 weights need more than one 8 x 80 GiB node: two stages of eight
    assert (workload["gpus_per_replica"], workload["pipeline_stages"]) == (16, 2)
    assert "test_time[0].pipeline_stages" in {a["key"] for a in plan["assumptions"]}
