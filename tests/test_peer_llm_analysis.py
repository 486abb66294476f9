"""benchmarks/peer_llm_analysis.py: how a bundled serving case becomes llm-analysis' inputs (the
peer itself is optional and not needed here)."""

from __future__ import annotations

import importlib.util

import pytest

from scaling_cli.commands.reference_serving import measurements
from tests.conftest import REPO

_SPEC = importlib.util.spec_from_file_location("peer_llm_analysis", REPO / "benchmarks" / "peer_llm_analysis.py")
peer = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(peer)


def _case(case_id: str) -> dict:
    return next(c for c in measurements() if c["id"] == case_id)


def test_what_llm_analysis_cannot_express_is_named():
    assert peer.expressible(_case("sglang-dsv3-h100-ep72-decode-2000")) == "latent attention (MLA)"
    assert peer.expressible(_case("trt1x-qwen3-235b-a22b-h200-dep4-fp8-1000-1000")) == "expert parallelism"
    assert peer.expressible(_case("trt017-llama31-70b-h100-tp2-fp8-1000-1000")) is None
    assert peer.expressible({"model": {}, "hardware": {"tensor_parallel": 1}, "precision": "int4"}) == "precision int4"


def test_model_and_gpu_fields_by_hand():
    """Llama 3.1 70B: FFN 28,672 over d_model 8,192 is an expansion ratio of 3.5 (llm-analysis asserts
    divisibility unless the ratio is given); H100 SXM: 80 GiB = 85.9e9 bytes, 3.35 TB/s."""
    case = _case("trt017-llama31-70b-h100-tp2-fp8-1000-1000")
    fields = peer.model_fields(case)
    assert (fields["num_layers"], fields["hidden_dim"], fields["n_head"], fields["num_key_value_heads"]) == (80, 8192, 64, 8)
    assert fields["expansion_ratio"] == 3.5 and fields["moe_num_experts"] == 1
    gpu = peer.gpu_fields(case)
    assert gpu["mem_per_GPU_in_GB"] == pytest.approx(80 * 2**30 / 1e9)
    assert gpu["hbm_bandwidth_in_GB_per_sec"] == pytest.approx(3350)
    # Mixtral 8x7B: 8 experts, 2 per token, each expert's FFN 14,336
    moe = peer.model_fields(_case("trt017-mixtral-8x7b-h100-tp2-fp8-1000-1000"))
    assert (moe["moe_num_experts"], moe["moe_top_k"], moe["ffn_embed_dim"]) == (8, 2, 14336)


def test_kv_cache_element_follows_the_case_then_the_planner_rule():
    assert peer.kv_cache_bytes(_case("trt017-llama31-70b-h100-tp2-fp8-1000-1000")) == 1  # FP8 weights: FP8 KV
    assert peer.kv_cache_bytes(_case("trt014-llama31-8b-h100-bf16-467-256-qps2")) == 2
    assert peer.kv_cache_bytes(_case("trt1x-gpt-oss-120b-h200-tp1-fp8-1000-1000")) == 2  # stated: bf16
    assert peer.DTYPES["fp8"] == "w8a8e16" and peer.DTYPES["fp4"] == "w4a4e16"


def test_weights_narrower_than_the_matmuls_name_their_own_dtype_config():
    # GPT-OSS 120B on H200: MXFP4 experts multiplied in bf16 (TensorRT-LLM's MoE backend matrix)
    assert peer.dtype_name(_case("trt1x-gpt-oss-120b-h200-tp1-fp8-1000-1000")) == "w4a16e16"
    assert peer.dtype_name(_case("trt017-llama31-70b-h100-tp2-fp8-1000-1000")) == "w8a8e16"


def test_throughput_per_gpu_by_hand():
    # 100 requests of 1,000 output tokens finishing in 50 s on a 2-GPU replica: 100 000 / 50 / 2
    assert peer.throughput_per_gpu(100, 1000, 50.0, 2) == pytest.approx(1000.0)
