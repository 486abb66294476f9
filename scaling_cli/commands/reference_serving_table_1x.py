"""TensorRT-LLM 1.x's published throughput tables as held-out reference cases for ``scaling reference --serving``.

``data/trtllm_1x_throughput.yaml`` holds the cells of five models (Llama 3.3 70B, Llama 4 Maverick,
Qwen3 235B-A22B, Qwen3 30B-A3B, GPT-OSS 120B) on B200, GB200, H200 and H100 (NVIDIA/TensorRT-LLM
docs/source/developer-guide/perf-overview.md @ 585c7565). Each cell becomes a case cloned from the
model's hand-entered ``trt1x`` case in ``data/serving_measurements.yaml`` (its ``template``: the
architecture, and the reading of what the source leaves unstated), with the cell's accelerator,
mapping (``tp``: tensor parallel; ``dep``: attention data parallel with expert parallelism), GPU count,
precision, KV element where the source's options set one, and lengths. Figures are per GPU already.
A model no hand-entered case states (GPT-OSS 20B) names a sibling's case as its template and gives
the fields of its own ``model`` that differ; one whose only case comes from another engine (DeepSeek R1
0528, SGLang's DeepSeek-V3 case) names this page's ``engine``, which drops that source's settings. Cells a hand-entered case holds are left out. The batch
is the planner's (what fits): the source sets no ``max_batch_size`` and trtllm-bench's heuristic
gives different caps under the readings it leaves open (docs/CALIBRATION.md §4). These cases were added after the serving fit and are left out of it;
the admission rule of 2026-12-03 was looked up after they had been seen, so their figures are no
longer a clean held-out check (their first-sight figure is in docs/CALIBRATION.md §4).
"""

from __future__ import annotations

import copy
from typing import Any

from scaling_cli.commands.reference_serving_table import load_table

TABLE_FILE = "trtllm_1x_throughput.yaml"
TABLE_NAME = "TensorRT-LLM 1.x table (not fitted)"


def _key(case: dict[str, Any]) -> tuple[Any, ...]:
    hw = case["hardware"]
    mapping = "dep" if "expert_parallel" in hw else "tp"
    return (case["model"]["name"], hw["accelerator"], mapping, int(hw["count"]), case["precision"], int(case["input_tokens"]), int(case["output_tokens"]))


def table_cases(hand_entered: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One case per cell of the file not among ``hand_entered``, in file order."""
    by_id = {c["id"]: c for c in hand_entered}
    taken = {_key(c) for c in hand_entered if c["metric"] == "output_tokens_per_gpu_s"}
    cases = []
    for entry in load_table(TABLE_FILE)["models"].values():
        template = by_id[entry["template"]]
        if entry.get("model"):  # a sibling of the template's model: its own size and shape, the same reading
            template = {**template, "model": {**template["model"], **entry["model"]}}
        if entry.get("engine"):  # the template's model served by this page's engine, with none of its source's settings
            template = {**template, "engine": entry["engine"], "workload": {}}
        for isl, osl, figures in entry["rows"]:
            for column, figure in zip(entry["columns"], figures):
                if figure is not None:
                    case = _case(template, column, int(isl), int(osl), float(figure))
                    if _key(case) not in taken:
                        cases.append(case)
    return cases


def _case(template: dict[str, Any], column: dict[str, Any], isl: int, osl: int, figure: float) -> dict[str, Any]:
    gpus, accelerator, precision = int(column["gpus"]), column["accelerator"], column["precision"]
    hardware: dict[str, Any] = {"accelerator": accelerator, "count": gpus}
    hardware.update({"expert_parallel": gpus} if column["mapping"] == "dep" else {"tensor_parallel": gpus, "replicas": 1})
    workload = {k: v for k, v in (template.get("workload") or {}).items() if k not in ("kv_cache_dtype", "weight_dtype")}
    workload.update({key: column[key] for key in ("kv_cache_dtype", "weight_dtype") if key in column})
    name = template["model"]["name"].lower().replace(" ", "-").replace(".", "")
    return {
        "id": f"trt1xt-{name}-{accelerator.lower()}-{column['mapping']}{gpus}-{precision}-{isl}-{osl}",
        "table": TABLE_NAME,
        "held_out": True,
        "model": copy.deepcopy(template["model"]),
        "hardware": hardware,
        "precision": precision,
        "input_tokens": isl,
        "output_tokens": osl,
        "engine": template["engine"],
        "metric": "output_tokens_per_gpu_s",
        "measured_per_gpu": figure,
        "workload": workload,
        "source": load_table(TABLE_FILE)["source"],
    }
