"""The post-training constants fitted on the bundled published jobs, and refitted without one job
for leave-one-out (issue #15; docs/CALIBRATION.md §1.4).

What each job implies, read from its planned steps (their FLOP) and its measured GPU-hours:

- a supervised job (every planned step trains: full fine-tuning, LoRA, distillation from given
  data): its whole-job efficiency e = training FLOP ÷ (measured GPU-hours × 3600 × dense peak);
  e = e₁₀·(N / 10B)^b is fitted by least squares of ln e on ln N (with a single size, b = 0 and e₁₀
  the geometric mean);
- an RL job with measured stage times (``measured.stage_gpu_hours_all_gpus``: training,
  logits_reward, weight_sync, each × every GPU of the job): the training stage's efficiency on the
  GPUs that train, the scoring stage's on the GPUs that do not generate, and the weight-sync
  bandwidth (bf16 weights ÷ seconds); each constant is the geometric mean over such jobs;
- a Hybrid Engine job with a measured generation throughput at its own GPU count
  (``measured.stage_tflops_per_gpu``, DeepSpeed-Chat's Figure 6): the share of the serving
  roofline's rate its ``generate()`` loop reaches, measured ÷ planned TFLOP/s × the share it was
  planned at (generation GPU-hours scale as its inverse); the geometric mean over such jobs, and 1
  (the roofline itself) when no job informs it.

A case marked ``held_out: true`` (added after the fit) is never fitted on. The fit on every other
case is what ``defaults.py`` states, rounded (a test checks it).
"""

from __future__ import annotations

import math
from typing import Any

from scaling_cli.catalog.hardware import find_accelerator
from scaling_cli.defaults import (
    HYBRID_ENGINE_GENERATION_EFFICIENCY,
    Default,
    FINETUNE_EFFICIENCY_AT_10B,
    FINETUNE_EFFICIENCY_EXPONENT,
    FORWARD_EFFICIENCY,
    RL_TRAINING_EFFICIENCY,
    WEIGHT_SYNC_BANDWIDTH,
)
from scaling_cli.engine.post_training import FORWARD, GENERATION, TRAINING
from scaling_cli.engine.units import SECONDS_PER_HOUR
from scaling_cli.planner.assumptions import Assumptions

#: The fitted defaults, in the order the report lists them.
FITTED: tuple[Default, ...] = (
    FINETUNE_EFFICIENCY_AT_10B,
    FINETUNE_EFFICIENCY_EXPONENT,
    RL_TRAINING_EFFICIENCY,
    FORWARD_EFFICIENCY,
    WEIGHT_SYNC_BANDWIDTH,
    HYBRID_ENGINE_GENERATION_EFFICIENCY,
)
#: What a fitted constant is when no case informs it, where that is not its stated default: the
#: Hybrid Engine at the serving roofline's own rate (so a leave-one-out fit never keeps a figure
#: taken from the case it leaves out).
UNINFORMED = {HYBRID_ENGINE_GENERATION_EFFICIENCY.key: 1.0}
#: Size the supervised power law is pivoted at (N / 10B).
PIVOT_PARAMS = 1e10
#: Bytes per weight sent at each sync: bf16 (OpenRLHF broadcasts bf16 weights to vLLM).
SYNC_BYTES_PER_PARAM = 2.0


def implied_figures(case: dict[str, Any], group: dict[str, Any], generation_efficiency: float = HYBRID_ENGINE_GENERATION_EFFICIENCY.value) -> dict[str, float]:
    """What one case implies (``supervised_efficiency`` with ``params``, the RL stage figures, the
    Hybrid Engine's generation share), from its planned ``group`` (the FLOP and hours of its steps,
    its generation planned at ``generation_efficiency``) and its measured figures; ``{}`` for a case
    that informs no constant (a held-out one, one of several phases, or a run without the figures above)."""
    if case.get("held_out") or "phases" in group:
        return {}
    return {**_job_figures(case, group), **_hybrid_engine_figure(case, group, generation_efficiency)}


def _hybrid_engine_figure(case: dict[str, Any], group: dict[str, Any], generation_efficiency: float) -> dict[str, float]:
    """The share of the roofline's rate a Hybrid Engine job's measured generation throughput implies,
    where it was measured at the job's own GPU count."""
    stage = case["measured"].get("stage_tflops_per_gpu") or {}
    spec = case["scenario"]["group"] if "group" in case["scenario"] else {}
    if "generation" not in stage or spec.get("rollout_engine") != "hybrid_engine" or stage.get("gpus") != spec["hardware"]["count"]:
        return {}
    generation = [s for s in group["steps"] if s["kind"] == GENERATION]
    planned = sum(s["flops"] for s in generation) / (sum(s["gpu_hours"] for s in generation) * SECONDS_PER_HOUR)
    return {"hybrid_engine_generation_efficiency": generation_efficiency * stage["generation"] * 1e12 / planned}


def _job_figures(case: dict[str, Any], group: dict[str, Any]) -> dict[str, float]:
    """The supervised efficiency or the RL stage figures of one case's whole job (module docstring)."""
    peak = find_accelerator(group["accelerator"]).reference_peak()
    steps = group["steps"]
    flops = {kind: sum(s["flops_per_model"] for s in steps if s["kind"] == kind) for kind in (TRAINING, FORWARD)}
    measured = case["measured"]
    if steps and all(s["kind"] == TRAINING for s in steps):
        trained = max(s["params"] for s in steps)
        return {"params": trained, "supervised_efficiency": flops[TRAINING] / (measured["gpu_hours"] * SECONDS_PER_HOUR * peak)}
    stages = measured.get("stage_gpu_hours_all_gpus") or {}
    spec = case["scenario"]["group"]
    if not {"training", "logits_reward", "weight_sync"} <= set(stages) or "rollout_gpus" not in spec or "training_gpus" not in spec:
        return {}
    gpus = group["gpus"]
    seconds = {stage: hours * SECONDS_PER_HOUR / gpus for stage, hours in stages.items()}  # wall-clock of each stage
    policy = next(s["params"] for s in steps if s["step"] == "weight_sync")
    return {
        "rl_training_efficiency": flops[TRAINING] / (seconds["training"] * spec["training_gpus"] * peak),
        "forward_efficiency": flops[FORWARD] / (seconds["logits_reward"] * (gpus - spec["rollout_gpus"]) * peak),
        "weight_sync_bandwidth": policy * SYNC_BYTES_PER_PARAM / seconds["weight_sync"],
    }


def _geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def power_law(sizes: list[float], efficiencies: list[float]) -> tuple[float, float]:
    """(e₁₀, b) of ln e = ln e₁₀ + b·ln(N / 10B), least squares; b = 0 when every size is one."""
    xs = [math.log(n / PIVOT_PARAMS) for n in sizes]
    ys = [math.log(e) for e in efficiencies]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = 0.0 if spread < 1e-12 else sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread
    return math.exp(mean_y - slope * mean_x), slope


def fit(figures: list[dict[str, float]]) -> dict[str, float]:
    """The constants (by default key) the figures of some cases give; a constant no case informs
    keeps its stated default (or its ``UNINFORMED`` value)."""
    fitted = {default.key: default.value for default in FITTED}
    supervised = [f for f in figures if "supervised_efficiency" in f]
    if supervised:
        at_10b, exponent = power_law([f["params"] for f in supervised], [f["supervised_efficiency"] for f in supervised])
        fitted[FINETUNE_EFFICIENCY_AT_10B.key], fitted[FINETUNE_EFFICIENCY_EXPONENT.key] = at_10b, exponent
    averaged = (
        ("rl_training_efficiency", RL_TRAINING_EFFICIENCY),
        ("forward_efficiency", FORWARD_EFFICIENCY),
        ("weight_sync_bandwidth", WEIGHT_SYNC_BANDWIDTH),
        ("hybrid_engine_generation_efficiency", HYBRID_ENGINE_GENERATION_EFFICIENCY),
    )
    for name, default in averaged:
        values = [f[name] for f in figures if name in f]
        if values:
            fitted[default.key] = _geometric_mean(values)
        elif default.key in UNINFORMED:
            fitted[default.key] = UNINFORMED[default.key]
    return fitted


class Refitted(Assumptions):
    """Assumptions whose fitted post-training constants are replaced by ``values`` (by default key):
    how a case is planned with the constants refitted without it."""

    def __init__(self, values: dict[str, float]) -> None:
        super().__init__()
        self._values = values

    def use(self, default: Default, key: str | None = None, *, value: Any = None, source: str | None = None) -> Any:
        if value is None and default.key in self._values:
            value, source = self._values[default.key], "refitted without this case (leave-one-out)"
        return super().use(default, key, value=value, source=source)
