"""``scaling reference --serving``: the serving model against published inference measurements.

For every bundled measurement (``data/serving_measurements.yaml``: engine makers' published
throughput and latency, each with its source), plan the equivalent workload with the planner's
defaults only — the case's model, accelerator, precision, tensor-parallel size and token counts, no
per-case constant (engine settings its source leaves to the engine, where the engine's documented
heuristic fixes them: the file's ``engine_settings``) — and compare the predicted figure with the measured one per metric:

- ``output_tokens_per_gpu_s``: offline / maximum-load output tokens per second per GPU, prefill on
  the same GPUs (the workload planned without a latency target: the largest batch that fits);
- ``decode_output_tokens_per_gpu_s`` and ``prefill_input_tokens_per_gpu_s``: the decode pool and the
  prefill pool of a disaggregated deployment measured apart (wide expert parallelism, DeepSeek and
  SGLang): the plan's decode throughput per GPU and its prefill throughput per GPU at load;
- ``itl_s`` (time per output token), ``ttft_s`` (time to first token) and ``latency_s`` (end-to-end
  time of one request) at light load: the workload planned for its fastest configuration (a latency
  target below any reachable, so batch 1). Every TTFT figure was measured with requests arriving at
  2–4 per second, a few in flight, so it is read as ``ttft_busy_seconds`` (the request waits out the
  scheduling round in progress), not as the prefill of a request alone.

Beside the hand-entered cases, every other cell of TensorRT-LLM v0.17's published throughput table
(``commands/reference_serving_table.py``), each a case of the same shape with trtllm-bench's batch
heuristic, and the cells of the 1.x tables, held out of the fit (``commands/reference_serving_table_1x.py``);
the summary reports the three sources apart (``by_source``).

A case marked ``held_out: true`` was added after the first serving fit and was held out of it (its
first-sight figures are in docs/CALIBRATION.md §4); the current constants are fitted on every case,
with leave-one-out in ``benchmarks/fit_serving.py``. Its rows carry ``held_out`` and the summary
reports them apart (``held_out``).

The summary is the median |predicted ÷ measured − 1| and the worst case (largest |log ratio|),
overall and per metric. Nothing here is fitted to the measurements.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from scaling_cli.catalog.hardware import find_accelerator
from scaling_cli.commands import reference_serving_table, reference_serving_table_1x
from scaling_cli.planner.plan import build_plan
from scaling_cli.render.model import Num, Table
from scaling_cli.commands.ratios import ratio_summary
from scaling_cli.result import SCHEMA_VERSION
from scaling_cli.scenario.loading import validate_document
from scaling_cli.scenario.model import ModelSpec
from scaling_cli.yaml_source import parse_yaml

MEASUREMENTS_FILE = "serving_measurements.yaml"
#: The measurements' accelerator names → catalog aliases (SXM parts with the memory the sources state).
ACCELERATORS = {
    "H100": "h100", "H200": "h200", "A100": "a100", "H800": "h800", "H20": "h20",
    "B200": "b200", "GB200": "gb200", "B300": "b300", "GB300": "gb300", "MI300X": "mi300x", "MI325X": "mi325x", "MI355X": "mi355x",
}
#: Metric names of the measurement file, their labels, and whether they are measured at light load.
METRICS = {
    "output_tokens_per_gpu_s": ("throughput (output tokens/s/GPU)", False),
    "decode_output_tokens_per_gpu_s": ("decode pool (output tokens/s/GPU)", False),
    "prefill_input_tokens_per_gpu_s": ("prefill pool (input tokens/s/GPU)", False),
    "ttft_s": ("TTFT (s)", True),
    "itl_s": ("TPOT (s)", True),
    "latency_s": ("request latency (s)", True),
}
#: The two sources' names in the summary: cases entered one by one, and the table's cells.
HAND_ENTERED = "hand-entered cases"
TABLE = reference_serving_table.TABLE_NAME
TABLE_1X = reference_serving_table_1x.TABLE_NAME
#: A latency target no configuration reaches: the planner then picks its fastest (batch 1).
FASTEST = 1e-9


def _document() -> dict[str, Any]:
    text = resources.files("scaling_cli.data").joinpath(MEASUREMENTS_FILE).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def _engine_settings() -> tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]:
    """Read once: ``case_scenario`` asks for every case, and the fit plans every case at every grid point."""
    return tuple((entry["case"], tuple(entry["workload"].items())) for entry in _document().get("engine_settings") or ())


def measurements() -> list[dict[str, Any]]:
    """The bundled cases, in file order."""
    return list(_document()["cases"])


def table_cases() -> list[dict[str, Any]]:
    """The cells of TensorRT-LLM v0.17's throughput table the hand-entered cases do not hold
    (``commands/reference_serving_table.py``), each with the batch trtllm-bench's heuristic sets, then
    those of the 1.x tables, held out of the fit (``commands/reference_serving_table_1x.py``)."""
    memory = {name: find_accelerator(alias).memory_bytes / reference_serving_table.GIB for name, alias in ACCELERATORS.items()}
    return reference_serving_table.table_cases(measurements(), memory) + reference_serving_table_1x.table_cases(measurements())


def engine_settings() -> dict[str, dict[str, Any]]:
    """Workload keys per case id that an engine's documented defaults fix where the case's source is
    silent (``engine_settings``: trtllm-bench's max_batch_size heuristic, each entry with its arithmetic)."""
    return {case: dict(keys) for case, keys in _engine_settings()}


def case_metrics(case: dict[str, Any]) -> dict[str, float]:
    """Every measured figure of a case: its main metric and its secondary ones."""
    found = {case["metric"]: float(case["measured_per_gpu"])}
    for extra in case.get("secondary") or ():
        found[extra["metric"]] = float(extra["value"])
    return found


def case_scenario(case: dict[str, Any], light_load: bool) -> dict[str, Any]:
    """The scenario a user would write for the case: what the source states, nothing tuned."""
    model = {k: v for k, v in case["model"].items() if k in ModelSpec.model_fields and v is not None}
    workload: dict[str, Any] = {
        "name": case["id"],
        "queries_per_day": 1e6,
        "prompt_tokens": case["input_tokens"],
        "output_tokens": case["output_tokens"],
    }
    if "expert_parallel" in case["hardware"]:
        workload["expert_parallel"] = case["hardware"]["expert_parallel"]
    else:
        workload["gpus_per_replica"] = case["hardware"]["tensor_parallel"]
    engine = engine_of(case)
    if engine is not None:
        workload["engine"] = engine
    workload.update(case.get("workload") or {})
    workload.update(engine_settings().get(case["id"], {}))
    if light_load:
        workload["latency_target_seconds"] = FASTEST
    hardware = {"accelerator": ACCELERATORS[case["hardware"]["accelerator"]], "precision": case["precision"]}
    return {"name": case["id"], "model": model, "hardware": hardware, "test_time": [workload]}


def engine_of(case: dict[str, Any]) -> str | None:
    """The scenario's ``engine`` for the engine a source names (vLLM, SGLang), or None for TensorRT-LLM
    and sources that name none: the engine's documented defaults then apply where the source is silent."""
    named = str(case.get("engine", "")).lower()
    return next((key for key in ("vllm", "sglang") if named.startswith(key)), None)


def _planned(scenario: dict[str, Any]) -> dict[str, Any]:
    loaded = validate_document(parse_yaml(yaml.safe_dump(scenario, sort_keys=False), f"<{scenario['name']}>"))
    return build_plan(loaded, samples=0).sections["test_time"]["workloads"][0]


def predicted(metric: str, workload: dict[str, Any]) -> float:
    """The planner's figure for a measured metric, read from its workload keys."""
    if metric == "output_tokens_per_gpu_s":
        if "output_tokens_per_second_per_gpu" in workload:
            return workload["output_tokens_per_second_per_gpu"]
        return workload["output_tokens"] / workload["gpu_seconds_per_query"]
    if metric == "decode_output_tokens_per_gpu_s":
        return workload["tokens_per_second_per_gpu"]
    if metric == "prefill_input_tokens_per_gpu_s":
        return workload["prefill_tokens_per_second_per_gpu"]
    if metric == "itl_s":
        return workload.get("tpot_seconds", workload["decode_step_seconds"])
    if metric == "latency_s":
        return workload["latency_seconds"]
    if "ttft_busy_seconds" in workload:
        return workload["ttft_busy_seconds"]
    return workload["latency_seconds"] - (workload["chain_tokens"] - 1) * workload["decode_step_seconds"]


def _row(case: dict[str, Any], metric: str, measured: float, workload: dict[str, Any]) -> dict[str, Any]:
    value = predicted(metric, workload)
    return {
        "id": case["id"],
        "model": case["model"]["name"],
        "hardware": f"{case['hardware']['count']}× {case['hardware']['accelerator']} {case['precision']}",
        "tokens": f"{case['input_tokens']}/{case['output_tokens']}",
        "metric": metric,
        "measured": measured,
        "predicted": value,
        "ratio": value / measured,
        "batch": workload["batch_size"],
        "gpus_per_replica": workload["gpus_per_replica"],
        "held_out": bool(case.get("held_out")),
        "table": case.get("table"),
    }


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The shared ratio summary (``commands/ratios.py``), each figure named by case and metric."""
    return ratio_summary(rows, lambda r: f"{r['id']} ({r['metric']})")


@dataclass
class ServingReference:
    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    by_metric: dict[str, dict[str, Any]]
    held_out: dict[str, Any]
    #: the hand-entered cases alone, and the table's cells alone
    by_source: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION, "summary": self.summary, "by_source": self.by_source, "by_metric": self.by_metric,
            "held_out": self.held_out, "cases": self.rows,
        }  # fmt: skip

    def tables(self) -> list[Table]:
        rows = [
            [r["id"], r["hardware"], r["tokens"], METRICS[r["metric"]][0], Num(r["measured"], "frac"), Num(r["predicted"], "frac"), Num(r["ratio"], "frac"), Num(r["batch"], "int")]
            for r in self.rows
        ]
        cases = Table(
            title="Serving: predicted vs measured (defaults only)",
            columns=["Case", "Hardware", "In/out tokens", "Metric", "Measured", "Predicted", "Ratio", "Batch"],
            rows=rows,
            numeric={4, 5, 6, 7},
        )
        summary = [
            [name, Num(s["cases"], "int"), Num(s["median_abs_error"], "frac"), Num(s["worst_ratio"], "frac"), s["worst_case"], Num(s["beyond_2x"], "int")]
            for name, s in [("all", self.summary), *self.by_source.items(), *self.by_metric.items(), ("added after the first fit", self.held_out)]
        ]
        totals = Table(
            title="Serving accuracy", columns=["Metric", "Cases", "Median |error|", "Worst ratio", "Worst case", "Beyond 2×"], rows=summary, numeric={1, 2, 3, 5}
        )
        return [cases, totals]

    def csv_table(self) -> Table:
        columns = ["id", "metric", "measured", "predicted", "ratio", "batch", "gpus_per_replica"]
        return Table(title="", columns=columns, rows=[[r[c] for c in columns] for r in self.rows], numeric={2, 3, 4, 5, 6})


def serving_reference() -> ServingReference:
    """Every bundled measurement against the planner's defaults: the hand-entered cases, then the
    table's cells."""
    rows = []
    for case in measurements() + table_cases():
        metrics = case_metrics(case)
        for light_load in (False, True):
            wanted = {m: v for m, v in metrics.items() if METRICS[m][1] == light_load}
            if wanted:
                workload = _planned(case_scenario(case, light_load))
                rows.extend(_row(case, m, v, workload) for m, v in wanted.items())
    by_metric = {m: summarize([r for r in rows if r["metric"] == m]) for m in METRICS}
    held_out = summarize([r for r in rows if r["held_out"]])
    by_source = {name: summarize([r for r in rows if r["table"] == table]) for name, table in ((HAND_ENTERED, None), (TABLE, TABLE), (TABLE_1X, TABLE_1X))}
    return ServingReference(rows=rows, summary=summarize(rows), by_metric=by_metric, held_out=held_out, by_source=by_source)
