"""llm-analysis, the best-known peer, against the same published serving measurements (issue #14).

    pip install llm-analysis            # optional, benchmark-only: not a dependency of scaling-cli
    python benchmarks/peer_llm_analysis.py

For every bundled measurement (scaling_cli/data/serving_measurements.yaml) that llm-analysis can
express — grouped-query or multi-head attention (no latent attention), tensor-parallel replicas (no
expert parallelism), 16-, 8- or 4-bit weights — this builds llm-analysis' own model, GPU and dtype
configs from what the case states (architecture, accelerator from the scaling-cli catalog, precision,
KV-cache dtype, tensor-parallel size, token counts) and asks its ``LLMAnalysis.inference`` for the
measured figure:

- throughput (``output_tokens_per_gpu_s``): at the largest batch llm-analysis says fits both phases
  (the smaller of its ``decode_max_batch_size_per_gpu`` and ``prefill_max_batch_size_per_gpu``),
  batch × output tokens ÷ total latency ÷ GPUs per replica;
- light load at batch 1: ``ttft_s`` = its prefill latency, ``itl_s`` = its decode latency per token,
  ``latency_s`` = its total latency.

Two efficiency settings are reported: llm-analysis' defaults (flops_efficiency 1, hbm_memory_efficiency
1) and flops 0.5 / HBM 0.65 (0.65 from the 0.6–0.7 its own warning cites for inference). Nothing is
fitted. The planner's ratios for the same figures come from ``scaling reference --serving``; both
medians are printed over the same figures, and again over the held-out ones.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from scaling_cli.catalog.hardware import find_accelerator
from scaling_cli.commands.ratios import ratio_summary
from scaling_cli.commands.reference_serving import ACCELERATORS, case_metrics, measurements, serving_reference

#: Case precision → llm-analysis dtype config name (weights, activations, embeddings in bits).
DTYPES = {"bf16": "w16a16e16", "fp16": "w16a16e16", "fp8": "w8a8e16", "fp4": "w4a4e16"}
#: Bits of a format, for a case whose weights are narrower than its matmuls (``weight_dtype``).
BITS = {"bf16": 16, "fp16": 16, "fp8": 8, "fp4": 4, "int4": 4}
#: KV-cache element → bytes.
KV_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2, "fp8": 1, "int8": 1, "fp4": 0.5, "int4": 0.5}
#: Efficiency settings reported: (label, flops_efficiency, hbm_memory_efficiency).
SETTINGS = (("llm-analysis defaults (flops 1, HBM 1)", 1.0, 1.0), ("llm-analysis flops 0.5, HBM 0.65", 0.5, 0.65))
#: llm-analysis' own NVLink message latency for H100 (its gpu_configs/h100-sxm-80gb.json), used for every GPU.
MESSAGE_LATENCY = 8e-6


def expressible(case: dict[str, Any]) -> str | None:
    """Why llm-analysis cannot express a case, or None when it can."""
    model = case["model"]
    if model.get("attention") == "mla":
        return "latent attention (MLA)"
    if "expert_parallel" in case["hardware"]:
        return "expert parallelism"
    if case["precision"] not in DTYPES:
        return f"precision {case['precision']}"
    return None


def dtype_name(case: dict[str, Any]) -> str:
    """llm-analysis' dtype config for the case: its matmul precision, with narrower weights when it
    states a ``weight_dtype`` (MXFP4 GPT-OSS multiplied in bf16: w4a16e16)."""
    weights = (case.get("workload") or {}).get("weight_dtype")
    if weights is None:
        return DTYPES[case["precision"]]
    return f"w{BITS[weights]}a{BITS[case['precision']]}e16"


def kv_cache_bytes(case: dict[str, Any]) -> float:
    """The case's KV-cache element: stated in its workload, else the planner's default rule (FP8 KV
    for 8-bit or narrower matmuls, else BF16) — the same element the planner is given."""
    stated = (case.get("workload") or {}).get("kv_cache_dtype")
    if stated:
        return KV_BYTES[stated]
    return 1 if case["precision"] in ("fp8", "fp4") else 2


def model_fields(case: dict[str, Any]) -> dict[str, Any]:
    """llm-analysis ``ModelConfig`` fields from the case's architecture (its FFN is each expert's for MoE)."""
    m = case["model"]
    ffn = m.get("moe_ffn_dim") or m["ffn_dim"]
    return {
        "name": case["id"],
        "num_layers": m["layers"],
        "n_head": m["heads"],
        "hidden_dim": m["d_model"],
        "vocab_size": m["vocab"],
        "num_key_value_heads": m.get("kv_heads") or m["heads"],
        "ffn_embed_dim": ffn,
        "expansion_ratio": ffn / m["d_model"],
        "moe_num_experts": m.get("experts") or 1,
        "moe_top_k": m.get("top_k") or 1,
    }


def gpu_fields(case: dict[str, Any]) -> dict[str, Any]:
    """llm-analysis ``GPUConfig`` fields from the scaling-cli catalog entry of the case's accelerator."""
    accel = find_accelerator(ACCELERATORS[case["hardware"]["accelerator"]])
    tflops = accel.peak_tflops
    bf16 = tflops.get("bf16") or tflops.get("fp16")
    return {
        "name": accel.id,
        "mem_per_GPU_in_GB": accel.memory_bytes / 1e9,
        "hbm_bandwidth_in_GB_per_sec": accel.bandwidth_tb_s * 1e3,
        "intra_node_bandwidth_in_GB_per_sec": accel.interconnect_gb_s or 1.0,
        "intra_node_min_message_latency": MESSAGE_LATENCY,
        "peak_fp16_TFLOPS": bf16,
        "peak_i8_TFLOPS": tflops.get("fp8") or tflops.get("int8") or 2 * bf16,
        "peak_i4_TFLOPS": tflops.get("fp4") or tflops.get("int4") or 4 * bf16,
    }


def throughput_per_gpu(batch: int, output_tokens: float, total_latency: float, gpus: int) -> float:
    """Output tokens per GPU-second of one replica decoding ``batch`` requests to the end."""
    return batch * output_tokens / total_latency / gpus


def _analysis(la: Any, case: dict[str, Any], flops: float, hbm: float) -> Any:
    from llm_analysis.config import GPUConfig, ModelConfig, ParallelismConfig, get_dtype_config_by_name

    return la.LLMAnalysis(
        ModelConfig(**model_fields(case)),
        GPUConfig(**gpu_fields(case)),
        get_dtype_config_by_name(dtype_name(case)),
        ParallelismConfig(tp_size=case["hardware"]["tensor_parallel"]),
        flops_efficiency=flops,
        hbm_memory_efficiency=hbm,
    )


def peer_figures(la: Any, case: dict[str, Any], flops: float, hbm: float) -> dict[str, float]:
    """llm-analysis' figure for every metric of the case it can answer (an out-of-memory case: none)."""
    kv = kv_cache_bytes(case)
    isl, osl = int(case["input_tokens"]), int(case["output_tokens"])
    found: dict[str, float] = {}
    try:
        light = _analysis(la, case, flops, hbm).inference(batch_size_per_gpu=1, seq_len=isl, num_tokens_to_generate=osl, kv_cache_dtype_bytes=kv)
        for metric in case_metrics(case):
            if metric == "output_tokens_per_gpu_s":
                batch = max(1, int(min(light["decode_max_batch_size_per_gpu"], light["prefill_max_batch_size_per_gpu"])))
                full = _analysis(la, case, flops, hbm).inference(batch_size_per_gpu=batch, seq_len=isl, num_tokens_to_generate=osl, kv_cache_dtype_bytes=kv)
                found[metric] = throughput_per_gpu(batch, osl, full["total_latency"], case["hardware"]["tensor_parallel"])
            elif metric in ("ttft_s", "itl_s", "latency_s"):
                found[metric] = light[{"ttft_s": "prefill_latency", "itl_s": "decode_latency", "latency_s": "total_latency"}[metric]]
    except AssertionError:  # llm-analysis asserts when the weights or one batch do not fit
        return {}
    return found


def _line(name: str, s: dict[str, Any]) -> str:
    if not s["cases"]:
        return f"  {name:44s}   0 figures"
    return f"  {name:44s} {s['cases']:3d} figures  median |error| {s['median_abs_error']:6.1%}  worst {s['worst_ratio']:.3f}×  beyond 2×: {s['beyond_2x']}"


def _compare(la: Any, label: str, flops: float, hbm: float, planner: dict[tuple[str, str], dict[str, Any]]) -> None:
    peer_rows, planner_rows, unanswered = [], [], []
    for case in measurements():
        if expressible(case) is not None:
            continue
        figures = peer_figures(la, case, flops, hbm)
        if not figures:
            unanswered.append(case["id"])
        for metric, value in figures.items():
            mine = planner[(case["id"], metric)]
            peer_rows.append({"id": case["id"], "metric": metric, "ratio": value / mine["measured"], "held_out": mine["held_out"]})
            planner_rows.append(mine)
    print(f"\n{label}")
    if unanswered:
        print(f"  no figure (llm-analysis' memory check fails): {', '.join(unanswered)}")
    for peer, mine in zip(peer_rows, planner_rows):
        mark = "  (held out)" if mine["held_out"] else ""
        print(f"  {peer['id']:52s} {peer['metric']:24s} llm-analysis {peer['ratio']:7.3f}  planner {mine['ratio']:7.3f}{mark}")
    name = lambda r: f"{r['id']} ({r['metric']})"  # noqa: E731
    for subset, keep in (("all expressible", lambda r: True), ("held out", lambda r: r["held_out"])):
        print(_line(f"llm-analysis, {subset}", ratio_summary([r for r in peer_rows if keep(r)], name)))
        print(_line(f"planner, {subset} (same figures)", ratio_summary([r for r in planner_rows if keep(r)], name)))


def main() -> int:
    try:
        import llm_analysis.analysis as la
    except ImportError:
        print("llm-analysis is not installed (pip install llm-analysis); it is an optional benchmark-only peer", file=sys.stderr)
        return 1
    la.logger.setLevel(logging.ERROR)
    planner = {(r["id"], r["metric"]): r for r in serving_reference().rows}
    skipped = {c["id"]: why for c in measurements() if (why := expressible(c))}
    print(f"not expressible in llm-analysis: {len(skipped)} cases ({', '.join(sorted(set(skipped.values())))})")
    for label, flops, hbm in SETTINGS:
        _compare(la, label, flops, hbm, planner)
    return 0


if __name__ == "__main__":
    sys.exit(main())
