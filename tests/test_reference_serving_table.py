"""TensorRT-LLM v0.17's throughput table as serving reference cases (commands/reference_serving_table.py)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from scaling_cli.commands.reference_serving import TABLE as V017, TABLE_1X, measurements, serving_reference, table_cases
from scaling_cli.commands.reference_serving_table import trtllm_bench_max_batch

TABLE = Path(__file__).resolve().parent.parent / "scaling_cli" / "data" / "trtllm_v017_throughput.yaml"


def _cells() -> dict[tuple, float]:
    """Every planned cell of the file: (model, accelerator, TP, input, output) -> the table's figure."""
    doc = yaml.safe_load(TABLE.read_text())
    cells = {}
    for name, tp, isl, osl, figures in doc["rows"]:
        for column, figure in zip(doc["columns"], figures):
            if figure is not None and column["planned"]:
                cells[(name, column["accelerator"], tp, isl, osl)] = figure
    return cells


def test_hand_entered_cells_agree_with_the_transcribed_table():
    """Thirteen cells were entered by hand from the same table in an earlier session; the whole-table
    transcription must give the same figures (per GPU = the cell / TP), a check of both copies."""
    cells = _cells()
    checked = 0
    for case in measurements():
        if not case["id"].startswith("trt017-"):
            continue
        hw = case["hardware"]
        key = (case["model"]["name"], hw["accelerator"], hw["tensor_parallel"], case["input_tokens"], case["output_tokens"])
        assert case["measured_per_gpu"] == pytest.approx(cells[key] / hw["tensor_parallel"]), case["id"]
        checked += 1
    assert checked == 13
    # two cells read off the source by hand: Llama 3.1 70B, 2 H100, 1000/1000 = 4390.53; Mixtral 8x22B, 8 A100, 20000/2000 = 575.02
    assert cells[("Llama 3.1 70B", "H100", 2, 1000, 1000)] == 4390.53
    assert cells[("Mixtral 8x22B", "A100", 8, 20000, 2000)] == 575.02


def test_table_cases_skip_the_hand_entered_cells_and_divide_by_tp():
    cells = _cells()
    cases = [c for c in table_cases() if c["table"] == V017]
    assert len(cases) == len(cells) - 13 == 244
    assert len({c["id"] for c in cases} | {c["id"] for c in measurements()}) == len(cases) + len(measurements())
    one = next(c for c in cases if c["id"] == "trt017t-mixtral-8x22b-a100-tp8-fp16-20000-2000")
    assert one["measured_per_gpu"] == pytest.approx(575.02 / 8)
    assert one["precision"] == "fp16" and one["hardware"]["count"] == 8


def test_batch_heuristic_by_hand():
    """trtllm-bench's max_batch_size (tensorrt_llm/bench/build/tuning.py), three cells by hand:
    - Llama 3.1 8B FP8 on one H100 (80 GiB), 128/128: (80 - 8.03e9 / 2^30) x 0.95 / (2 x 32 x 8 x 128 x 1 B / 2^30 x 256)
      = 4,409 requests -> capped at 4096;
    - Llama 3.1 70B FP8 on one H200 (141 GiB), 20000/2000: (141 - 65.75) x 0.95 / (2 x 80 x 8 x 128 / 2^30 x 22000)
      = 21.3 -> at least 64;
    - Llama 3.1 70B FP16 on 4 A100 (80 GiB), 2048/2048: (320 - 131.5) x 0.95 / (2 x 80 x 8 x 128 x 2 / 2^30 x 4096)
      = 143.3 -> 32 x 5 = 160."""
    doc = yaml.safe_load(TABLE.read_text())
    llama8, llama70 = doc["models"]["Llama 3.1 8B"], doc["models"]["Llama 3.1 70B"]
    assert (80 - 8.03e9 / 2**30) * 0.95 / (2 * 32 * 8 * 128 / 2**30 * 256) == pytest.approx(4409, abs=1)
    assert trtllm_bench_max_batch(llama8, 1, 128, 128, "fp8", 80.0) == 4096
    assert (141 - 70.6e9 / 2**30) * 0.95 / (2 * 80 * 8 * 128 / 2**30 * 22000) == pytest.approx(21.3, abs=0.1)
    assert trtllm_bench_max_batch(llama70, 1, 20000, 2000, "fp8", 141.0) == 64
    assert (320 - 2 * 70.6e9 / 2**30) * 0.95 / (2 * 80 * 8 * 128 * 2 / 2**30 * 4096) == pytest.approx(143.3, abs=0.1)
    assert trtllm_bench_max_batch(llama70, 4, 2048, 2048, "fp16", 80.0) == 160 == 32 * math.ceil(143.3 / 32)


def test_table_cases_state_the_heuristic_batch_and_nothing_else():
    for case in (c for c in table_cases() if c["table"] == V017):
        assert set(case["workload"]) == {"max_running_sequences"}
        assert case["workload"]["max_running_sequences"] >= 64


def test_no_table_cell_beyond_twice_the_planner():
    """The issue's bound on every figure (#14: no case beyond 2x), here on 244 cells."""
    rows = [r for r in serving_reference().rows if r["table"] == V017]
    assert len(rows) == 244
    worst = max(rows, key=lambda r: abs(math.log(r["ratio"])))
    assert 0.5 <= worst["ratio"] <= 2.0, worst["id"]


TABLE_1X_FILE = Path(__file__).resolve().parent.parent / "scaling_cli" / "data" / "trtllm_1x_throughput.yaml"


def test_1x_cells_clone_their_templates_and_skip_the_hand_entered_ones():
    """The 1.x tables' 123 transcribed cells (87, GPT-OSS 20B's 22 and DeepSeek R1 0528's 14), less the 8 the hand-entered trt1x
    cases hold, each cloned from its model's hand-entered case; three cells read off the source by hand:
    Qwen3 235B-A22B on 8 H100 (DEP8, FP8) at 1024/8192 = 873, GPT-OSS 120B on 4 H100 (DEP4, FP8) at
    32768/1024 = 333, GPT-OSS 20B on one H100 (TP1, FP8) at 8192/1024 = 3,366 — the 120B's case with the
    20B's own size and shape (24 layers, 12 of them windowed, 32 experts). GPT-OSS's Hopper columns are
    planned as MXFP4 weights multiplied in bf16, whatever the column's "(FP8)" label says (the file's note)."""
    doc = yaml.safe_load(TABLE_1X_FILE.read_text())
    cells = sum(f is not None for m in doc["models"].values() for _, _, figures in m["rows"] for f in figures)
    cases = [c for c in table_cases() if c["table"] == TABLE_1X]
    assert cells == 123 and len(cases) == 123 - 8
    by_id = {c["id"]: c for c in cases}
    one = by_id["trt1xt-qwen3-235b-a22b-h100-dep8-fp8-1024-8192"]
    assert one["measured_per_gpu"] == 873 and one["hardware"] == {"accelerator": "H100", "count": 8, "expert_parallel": 8}
    two = by_id["trt1xt-gpt-oss-120b-h100-dep4-bf16-32768-1024"]
    assert two["measured_per_gpu"] == 333 and two["workload"] == {"kv_cache_dtype": "bf16", "weight_dtype": "fp4"}  # 'Hopper: use auto'
    assert two["precision"] == "bf16"  # the MoE backend matrix: "H200 | BF16 | MXFP4 | TRITON"
    small = by_id["trt1xt-gpt-oss-20b-h100-tp1-bf16-8192-1024"]
    assert small["measured_per_gpu"] == 3366 and small["hardware"] == {"accelerator": "H100", "count": 1, "tensor_parallel": 1, "replicas": 1}
    assert small["workload"] == {"kv_cache_dtype": "bf16", "weight_dtype": "fp4"}
    blackwell = by_id["trt1xt-gpt-oss-20b-b200-tp1-fp8-8192-1024"]  # "B200/GB200 | MXFP8 | MXFP4"
    assert (blackwell["precision"], blackwell["workload"]) == ("fp8", {"kv_cache_dtype": "fp8", "weight_dtype": "fp4"})
    assert {k: small["model"][k] for k in ("params", "active_params", "layers", "windowed_layers", "experts", "top_k", "d_model")} == {
        "params": 20.9e9, "active_params": 3.6e9, "layers": 24, "windowed_layers": 12, "experts": 32, "top_k": 4, "d_model": 2880,
    }  # fmt: skip
    # DeepSeek R1 0528 on 8 H200 (DEP8, FP8) at 1024/8192 = 1,218: SGLang's DeepSeek-V3 case for the model only,
    # served by this page's engine (TensorRT-LLM's defaults: no SGLang settings carried over)
    r1 = by_id["trt1xt-deepseek-r1-0528-h200-dep8-fp8-1024-8192"]
    assert r1["measured_per_gpu"] == 1218 and r1["workload"] == {"kv_cache_dtype": "fp8"} and r1["engine"].startswith("TensorRT-LLM 1.x")
    assert (r1["model"]["attention"], r1["model"]["kv_lora_rank"], r1["model"]["experts"]) == ("mla", 512, 256)
    hand = {c["id"]: c for c in measurements()}
    assert all(c["held_out"] for c in cases)
    names = {(m.get("model") or {}).get("name") or hand[m["template"]]["model"]["name"] for m in doc["models"].values()}
    assert {c["model"]["name"] for c in cases} == names
