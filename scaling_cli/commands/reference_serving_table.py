"""TensorRT-LLM v0.17's published throughput table as reference cases for ``scaling reference --serving``.

``data/trtllm_v017_throughput.yaml`` holds every figure of the table's H200, H100 and A100 columns
(Llama 3.1 8B/70B/405B, Mixtral 8x7B/8x22B at tensor-parallel sizes 1–8 and nine input/output
lengths; NVIDIA/TensorRT-LLM docs/source/performance/perf-overview.md @ 258c7540). Each cell becomes
a case of the same shape as a hand-entered one in ``data/serving_measurements.yaml``: output tokens/s
per GPU = the table's figure ÷ the tensor-parallel size. Cells the hand-entered cases already hold are
left out, so no figure counts twice.

The source leaves the batch to ``trtllm-bench build``'s heuristic (tensorrt_llm/bench/build/tuning.py,
``calc_engine_setting`` and ``finetune_setting``; the same source the hand-entered cases'
``engine_settings`` cite), so each case states the max_batch_size that heuristic sets:
requests = (GPUs × memory − weights) × 0.95 ÷ (KV bytes per token × (input + output)), with the KV
heads counted at least once per tensor-parallel GPU; then at least 64 and rounded up to a multiple of
32 below 256, of 128 below 1024, of 256 above, and never above 4096.
"""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

TABLE_FILE = "trtllm_v017_throughput.yaml"
TABLE_NAME = "TensorRT-LLM v0.17 table"
#: ``kv_cache_gpu_mem_fraction`` of calc_engine_setting, and the doc's 'In majority of cases ... 0.95'.
KV_MEMORY_FRACTION = 0.95
#: Bytes per weight and per KV element: FP8 engines store an FP8 KV cache ('If you specify FP8
#: quantization, the KV cache will automatically be set to FP8 as well!'); FP16 engines 2 bytes.
BYTES = {"fp8": 1.0, "fp16": 2.0}
GIB = 1024.0**3


@lru_cache(maxsize=4)
def load_table(file: str = TABLE_FILE) -> dict[str, Any]:
    """A bundled table of published figures (``scaling_cli/data/<file>``), read once: the reference plans
    every cell on every call, and the serving fit calls it at every point it tries."""
    return yaml.safe_load(resources.files("scaling_cli.data").joinpath(file).read_text(encoding="utf-8"))


def trtllm_bench_max_batch(model: dict[str, Any], tensor_parallel: int, input_tokens: int, output_tokens: int, precision: str, memory_gib: float) -> int:
    """max_batch_size as ``trtllm-bench build --dataset`` sets it (module docstring; pipeline size 1)."""
    width = BYTES[precision]
    kv_per_token = 2 * model["layers"] * max(tensor_parallel, model["kv_heads"]) * model["head_dim"] * width / GIB
    free = tensor_parallel * memory_gib - model["params"] * width / GIB
    raw = min(free * KV_MEMORY_FRACTION / (kv_per_token * (input_tokens + output_tokens)), 4096.0)
    if raw < 256:
        return max(64, 32 * math.ceil(raw / 32))
    if raw < 1024:
        return 128 * math.ceil(raw / 128)
    return 256 * math.ceil(raw / 256)


def _key(model: str, accelerator: str, tensor_parallel: int, input_tokens: int, output_tokens: int) -> tuple[Any, ...]:
    return (model, accelerator, int(tensor_parallel), int(input_tokens), int(output_tokens))


def table_cases(hand_entered: list[dict[str, Any]], memory_gib: dict[str, float]) -> list[dict[str, Any]]:
    """One case per planned cell of the table not among ``hand_entered`` (the serving cases), in table
    order; ``memory_gib`` is each accelerator's HBM in GiB (the catalog's, for the batch heuristic)."""
    doc = load_table()
    taken = {
        _key(c["model"]["name"], c["hardware"]["accelerator"], c["hardware"]["tensor_parallel"], c["input_tokens"], c["output_tokens"])
        for c in hand_entered
        if c["metric"] == "output_tokens_per_gpu_s" and "tensor_parallel" in c["hardware"]
    }
    cases = []
    for name, tp, isl, osl, figures in doc["rows"]:
        for column, figure in zip(doc["columns"], figures):
            if figure is None or not column["planned"] or _key(name, column["accelerator"], tp, isl, osl) in taken:
                continue
            cases.append(_case(doc, name, column, int(tp), int(isl), int(osl), float(figure), memory_gib[column["accelerator"]]))
    return cases


def _case(doc: dict[str, Any], name: str, column: dict[str, Any], tp: int, isl: int, osl: int, figure: float, memory_gib: float) -> dict[str, Any]:
    accelerator, precision = column["accelerator"], column["precision"]
    model = doc["models"][name]
    batch = trtllm_bench_max_batch(model, tp, isl, osl, precision, memory_gib)
    return {
        "id": f"trt017t-{name.lower().replace(' ', '-').replace('.', '')}-{accelerator.lower()}-tp{tp}-{precision}-{isl}-{osl}",
        "table": TABLE_NAME,
        "model": {"name": name, **model},
        "hardware": {"accelerator": accelerator, "count": tp, "tensor_parallel": tp, "replicas": 1},
        "precision": precision,
        "input_tokens": isl,
        "output_tokens": osl,
        "engine": "TensorRT-LLM v0.17 (trtllm-bench throughput, TRT engine)",
        "metric": "output_tokens_per_gpu_s",
        "measured_per_gpu": figure / tp,
        "workload": {"max_running_sequences": batch},
        "source": doc["source"],
    }
