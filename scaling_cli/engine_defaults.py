"""What each serving engine a workload may name (``test_time[].engine``) fills in where the workload
is silent: its batch cap, its KV-cache element and how its scheduler admits requests. The engine
choice itself and TensorRT-LLM's own figures are in ``scaling_cli/defaults.py``; these entries join
its table (``defaults.table()``), each with its source."""

from __future__ import annotations

from scaling_cli.defaults import MAX_RUNNING_SEQUENCES, Default

#: Each engine's batch cap and KV-cache element when the workload sets neither (``planner/test_time.py``).
ENGINE_MAX_RUNNING_SEQUENCES = {
    "tensorrt-llm": MAX_RUNNING_SEQUENCES,
    "vllm": Default(
        256,
        "sequences",
        "vLLM EngineArgs max_num_seqs default 256 (engine arguments docs; later releases raise it on large GPUs - set "
        "test_time[].max_running_sequences to your release's)",
        "test_time[].max_running_sequences (engine: vllm)",
    ),
    "sglang": Default(
        2048,
        "sequences",
        "SGLang sizes max_running_requests from its KV pool (no fixed default); the planner keeps its 2048 limit",
        "test_time[].max_running_sequences (engine: sglang)",
    ),
}
#: KV element per engine: None = TensorRT-LLM's rule (FP8 KV for 8-bit or narrower matmuls); "model" = the activation dtype.
ENGINE_KV_CACHE = {
    "tensorrt-llm": None,
    "vllm": Default(
        "model",
        "",
        "vLLM kv_cache_dtype default 'auto': 'If auto, will use model data type' (bf16 activations, also for FP8 weights)",
        "test_time[].kv_cache_dtype (engine: vllm)",
    ),
    "sglang": Default(
        "model",
        "",
        "SGLang --kv-cache-dtype default 'auto': the model's data type (bf16 activations, also for FP8 weights)",
        "test_time[].kv_cache_dtype (engine: sglang)",
    ),
}
#: How each engine's scheduler admits requests against its KV cache (``RequestShape.admitted_context``).
WHOLE_REQUEST = "whole request reserved"
ENGINE_ADMISSION = {
    "tensorrt-llm": Default(
        WHOLE_REQUEST,
        "",
        "TensorRT-LLM's default capacity scheduler policy GUARANTEED_NO_EVICT admits a request only when the KV cache holds "
        "it to its last token ('guarantee that a started request is never paused', nvidia.github.io/TensorRT-LLM "
        "performance-tuning-guide/useful-runtime-flags): sequences in flight = KV room / (prompt + output tokens)",
        "serving.admission",
    ),
    "vllm": Default(
        "as the cache grows",
        "",
        "vLLM allocates KV blocks as a sequence grows and preempts when they run out (PagedAttention, Kwon et al. 2023, "
        "arXiv 2309.06180 §4.5): sequences in flight = KV room / the mean resident context",
        "test_time[].admission (engine: vllm)",
    ),
    "sglang": Default(
        "as the cache grows",
        "",
        "SGLang admits by its estimate of the tokens running requests will still need and retracts requests when the pool "
        "runs out (its new_token_ratio schedule): planned as the mean resident context, like vLLM",
        "test_time[].admission (engine: sglang)",
    ),
}

#: The entries above that ``defaults.table()`` lists (TensorRT-LLM's batch cap is the table's own).
ENGINE_DEFAULTS: tuple[Default, ...] = (
    ENGINE_MAX_RUNNING_SEQUENCES["vllm"], ENGINE_MAX_RUNNING_SEQUENCES["sglang"], ENGINE_KV_CACHE["vllm"], ENGINE_KV_CACHE["sglang"],
    *ENGINE_ADMISSION.values(),
)  # fmt: skip
