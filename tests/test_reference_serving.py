"""`scaling reference --serving`: the serving model against published inference measurements."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from scaling_cli.commands.reference_serving import ACCELERATORS, METRICS, case_metrics, case_scenario, engine_settings, measurements, serving_reference, table_cases
from scaling_cli.planner.hardware import find_accelerator

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "serving_measurements.yaml"


def test_every_case_keeps_its_source_and_figures():
    cases = measurements()
    assert len(cases) >= 15
    for case in cases:
        assert case["source"].get("url") or case["source"].get("repo"), case["id"]
        assert set(case_metrics(case)) <= set(METRICS), case["id"]
    assert len({c["id"] for c in cases}) == len(cases)


@pytest.mark.skipif(not SHARED.exists(), reason="shared reference list not present")
def test_bundled_copy_holds_the_shared_list_verbatim():
    shared = yaml.safe_load(SHARED.read_text())["cases"]
    bundled = {c["id"]: c for c in measurements()}
    for case in shared:
        assert bundled[case["id"]] == case


def test_scenarios_state_only_what_the_source_states():
    """No per-case tuning: the scenario is the model, accelerator, precision, TP size and tokens."""
    for case in measurements():
        for light in (False, True):
            scenario = case_scenario(case, light)
            workload = scenario["test_time"][0]
            assert set(scenario["hardware"]) == {"accelerator", "precision"}
            if "expert_parallel" in case["hardware"]:
                assert workload["expert_parallel"] == case["hardware"]["expert_parallel"] and "gpus_per_replica" not in workload
            else:
                assert workload["gpus_per_replica"] == case["hardware"]["tensor_parallel"]
            assert (workload["prompt_tokens"], workload["output_tokens"]) == (case["input_tokens"], case["output_tokens"])
            # engine settings a case overrides are the ones its source states (its kv_cache_dtype or notes name them)
            stated = set(case.get("workload") or {})
            for key in stated:
                if key == "weight_dtype":  # read from the engine's documentation, quoted among the case's readings
                    assert any("weight_dtype" in a and "MoE Backend Support Matrix" in a for a in case["assumed"]), case["id"]
                    continue
                assert key == "kv_cache_dtype" or str(case["workload"][key]) in case["notes"] + str(case.get("quote", "")), (case["id"], key)
            # and those the engine's documented heuristic fixes where the source is silent (engine_settings)
            derived = engine_settings().get(case["id"], {})
            assert all(workload[key] == value for key, value in derived.items()), case["id"]
            stated |= set(derived)
            allowed = {"name", "queries_per_day", "prompt_tokens", "output_tokens", "gpus_per_replica", "expert_parallel", "latency_target_seconds", "engine"}
            # the engine is the one the source names: vLLM or SGLang by name, else the default (TensorRT-LLM's)
            named = case["engine"].lower()
            if "engine" in workload:
                assert named.startswith(workload["engine"]), case["id"]
            else:
                assert not named.startswith(("vllm", "sglang")), case["id"]
            assert set(workload) <= allowed | stated


def _trtllm_bench_batch(case: dict, gib: float, fraction: float, kv_bytes: float, engine_unit: float) -> int:
    """trtllm-bench's max_batch_size when none is given (tensorrt_llm/bench/build/tuning.py, restated):
    requests whose ISL + OSL tokens of KV fit in ``fraction`` of the GPUs' memory minus the weights,
    capped at 4096, rounded up to 32 (at least 64) below 256, to 128 below 1024, else to 256."""
    model, tp = case["model"], case["hardware"]["tensor_parallel"]
    weight_bytes = {"fp16": 2, "bf16": 2, "fp8": 1, "fp4": 0.5}[case["precision"]]
    free = tp * gib - model["params"] * weight_bytes / engine_unit
    per_request = 2 * model["layers"] * max(tp, model["kv_heads"]) * model["head_dim"] * kv_bytes / 2**30 * (case["input_tokens"] + case["output_tokens"])
    requests = min(free * fraction / per_request, 4096)
    step = 32 if requests < 256 else 128 if requests < 1024 else 256
    return max(64, step * math.ceil(requests / step))


def _settings_entries() -> list[dict]:
    path = Path(__file__).resolve().parent.parent / "scaling_cli" / "data" / "serving_measurements.yaml"
    return yaml.safe_load(path.read_text())["engine_settings"]


def test_engine_settings_are_trtllm_bench_batch_heuristic_under_every_reading():
    """Each derived max_running_sequences is what trtllm-bench's heuristic gives for the case's own
    model, accelerator and tokens, and the same under every reading the sources leave open: memory
    as the catalog's or 1% less (NVML), engine size in GB or GiB, kv_cache_free_gpu_mem_fraction 0.95
    (v0.17 builds with the default) or also 0.90 with FP8 or BF16 KV (1.x). Hand check of one:
    Llama 3.1 70B FP8 on 8 H100, 1000/1000: (640 - 70.6) x 0.95 / (2 x 80 x 8 x 128 B x 2000 / 2^30)
    = 1,773 requests -> 256 x 7 = 1792."""
    by_id = {c["id"]: c for c in measurements()}
    settings = engine_settings()
    assert settings["trt017-llama31-70b-h100-tp8-fp8-1000-1000"] == {"max_running_sequences": 1792}
    assert (640 - 70.6) * 0.95 / (2 * 80 * 8 * 128 * 2000 / 2**30) == pytest.approx(1773, abs=1)
    derivations = {e["case"]: e["derivation"] for e in _settings_entries()}
    for case_id, keys in settings.items():
        case = by_id[case_id]
        assert set(keys) == {"max_running_sequences"} and "TensorRT-LLM" in case["engine"], case_id
        gib = find_accelerator(ACCELERATORS[case["hardware"]["accelerator"]]).memory_bytes / 2**30
        v017 = case["engine"].startswith("TensorRT-LLM v0.17")
        kv = [1.0] if v017 and case["precision"] == "fp8" else [2.0] if v017 else [1.0, 2.0]
        fractions = (0.95,) if v017 else (0.90, 0.95)
        readings = {
            _trtllm_bench_batch(case, gib * shrink, fraction, kv_bytes, unit)
            for shrink in (1.0, 0.99) for fraction in fractions for kv_bytes in kv for unit in (1e9, 2**30)
        }
        assert readings == {keys["max_running_sequences"]}, (case_id, readings)
        assert str(keys["max_running_sequences"]) in derivations[case_id], case_id


def test_report_rows_ratios_and_summary_by_hand():
    report = serving_reference()
    assert len(report.rows) == sum(len(case_metrics(c)) for c in measurements() + table_cases())
    for row in report.rows:
        assert row["ratio"] == pytest.approx(row["predicted"] / row["measured"])
        if METRICS[row["metric"]][1]:  # light load: the fastest configuration, one sequence
            assert row["batch"] == 1
    errors = sorted(abs(r["ratio"] - 1) for r in report.rows)
    n = len(errors)
    expected = errors[n // 2] if n % 2 else (errors[n // 2 - 1] + errors[n // 2]) / 2
    assert report.summary["median_abs_error"] == pytest.approx(expected)
    worst = max(report.rows, key=lambda r: abs(math.log(r["ratio"])))
    assert report.summary["worst_ratio"] == worst["ratio"]
    assert sum(s["cases"] for s in report.by_metric.values()) == n
    assert sum(s["cases"] for s in report.by_source.values()) == n


def test_cli_prints_table_and_json(cli):
    result = cli("reference", "--serving", "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert set(data["by_metric"]) == set(METRICS)
    assert data["summary"]["cases"] == len(data["cases"])
    text = cli("reference", "--serving")
    assert text.exit_code == 0 and "Serving accuracy" in text.stdout


def test_held_out_cases_are_appended_dated_and_quoted():
    """Cases added after the fit say so (held_out, added) and come after every fitted case."""
    cases = measurements()
    flags = [bool(c.get("held_out")) for c in cases]
    assert sum(flags) >= 12
    first = flags.index(True)
    assert all(flags[first:]), "held-out cases are appended after the fitted ones"
    for case in cases[first:]:
        assert str(case["added"]) and case["quote"].strip() and case["assumed"], case["id"]
    # spread the brief asks for: engines, accelerators (AMD among them), metrics
    held = cases[first:]
    assert {c["hardware"]["accelerator"] for c in held} >= {"H100", "H200", "B200", "GB200", "MI300X", "MI325X"}
    assert {m for c in held for m in case_metrics(c)} >= {"output_tokens_per_gpu_s", "itl_s", "ttft_s", "latency_s"}


def test_per_gpu_figures_are_the_quoted_totals_divided_by_hand():
    """Figures a source gives per system are divided by its GPU count: 1,993 and 2,794 output
    tokens/s on 8 MI300X (OCI), 3,856.01 on 4 H100 (SGLang), 31,302.7 on 8 H200 (MLPerf v4.1)."""
    by_id = {c["id"]: c for c in measurements()}
    for case_id, total, gpus in [
        ("vllm-oci-llama31-405b-mi300x-tp8-fp8-128-128", 1993, 8),
        ("vllm-oci-llama31-405b-mi300x-tp8-fp8-128-2048", 2794, 8),
        ("sglang030-llama31-70b-h100-tp4-bf16-sharegpt-offline", 3856.01, 4),
        ("mlperf41-llama2-70b-h200x8-tp1-fp8-offline", 31302.7, 8),
    ]:
        case = by_id[case_id]
        assert str(total) in case["quote"] and case["hardware"]["count"] == gpus
        assert case["measured_per_gpu"] == pytest.approx(total / gpus)
    # 249.125 = 1993 / 8 written out
    assert by_id["vllm-oci-llama31-405b-mi300x-tp8-fp8-128-128"]["measured_per_gpu"] == pytest.approx(249.125)


def test_request_latency_is_at_least_the_weight_reads_of_every_step():
    """A batch-1 request of n output tokens reads each GPU's weight shard n times: for Llama 3.1 70B
    in FP8 on 8 MI300X (5.3 TB/s each), 70.6e9 B / 8 / 5.3e12 B/s = 1.665 ms a step, 2048 steps =
    3.41 s at the least. The planner's figure must not be below that floor."""
    report = serving_reference()
    row = next(r for r in report.rows if r["id"] == "vllm-rocm-llama31-70b-mi300x-tp8-fp8-128-2048-bs1")
    assert row["metric"] == "latency_s" and row["batch"] == 1
    floor = 2048 * 70.6e9 / 8 / 5.3e12
    assert floor == pytest.approx(3.41, abs=0.01)
    assert row["predicted"] >= floor


def test_held_out_summary_is_the_held_out_rows_alone():
    report = serving_reference()
    held = [r for r in report.rows if r["held_out"]]
    assert report.held_out["cases"] == len(held) > 0
    errors = sorted(abs(r["ratio"] - 1) for r in held)
    n = len(errors)
    expected = errors[n // 2] if n % 2 else (errors[n // 2 - 1] + errors[n // 2]) / 2
    assert report.held_out["median_abs_error"] == pytest.approx(expected)
    assert report.to_dict()["held_out"] == report.held_out


def test_tensor_parallel_throughput_per_gpu_falls_from_tp2_to_tp8():
    """Issue #14: TensorRT-LLM measures Llama 3.1 70B FP8 (1000/1000 tokens, H100) at 2,195 output
    tokens/s per GPU on TP2 and 1,431 on TP8 (0.65×); the planner's figure must fall too, not stay flat
    (it stayed within 3% before prompts paid their all-reduce volume and matrix multiplies their fill)."""
    rows = {row["id"]: row for row in serving_reference().rows}
    tp2, tp8 = rows["trt017-llama31-70b-h100-tp2-fp8-1000-1000"], rows["trt017-llama31-70b-h100-tp8-fp8-1000-1000"]
    assert tp8["measured"] / tp2["measured"] == pytest.approx(1431 / 2195, rel=1e-3)
    assert tp8["predicted"] / tp2["predicted"] < 0.93  # a fall of more than a fifth of the measured 35%
