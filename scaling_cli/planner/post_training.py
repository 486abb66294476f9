"""The ``post_training`` section of a plan: derivative models, technique by technique (docs/DOMAIN.md §2).

Per group: the steps one derivative takes (its technique's module in ``techniques/``, looked up in
``techniques.registry``; formulas in ``engine/post_training.py``), each step's GPU-hours, cost
and energy (training and forward passes at the training MFU, generation at a decode efficiency), then
× ``count``. The section adds the groups and divides by pretraining FLOP: the ecosystem ratio. NVIDIA
(Briski, "How Scaling Laws Drive Smarter, More Powerful AI", 2025) puts a popular open model's
derivative ecosystem at ~30x its pretraining; one alignment pipeline is far smaller (InstructGPT's
PPO-ptx: 60 of GPT-3's 3,640 petaflop/s-days, 1.65%; Ouyang et al. 2022 §5.1).
"""

from __future__ import annotations

import dataclasses
import operator
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from scaling_cli.defaults import (
    FINETUNE_EFFICIENCY_AT_10B,
    FINETUNE_EFFICIENCY_EXPONENT,
    FORWARD_EFFICIENCY,
    GENERATION,
    RL_TRAINING_EFFICIENCY,
)
from scaling_cli.engine import post_training as formulas
from scaling_cli.engine import costing, serving
from scaling_cli.engine import rl_returns as rewards
from scaling_cli.engine.uncertainty import Sampler, Scaled, fingerprint
from scaling_cli.engine.units import SECONDS_PER_HOUR
from scaling_cli.errors import PlanError
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.costing import time_and_cost
from scaling_cli.planner.hardware import ResolvedHardware, merge_hardware, model_size, resolve_hardware
from scaling_cli.planner.serving import ServingDefaults, served_model, serving_defaults, serving_device
from scaling_cli.result import Assumption
from scaling_cli.scenario.root import Scenario
from scaling_cli.planner.post_training_checks import post_training_warnings
from scaling_cli.planner.rl_steps import RlPools, StepHours, expected_longest_response, rl_pipeline, rl_pools, rollout_replica
from scaling_cli.techniques.registry import TECHNIQUES

#: Figures that add up across steps, derivatives and groups.
ADDITIVE = ("productive_gpu_hours", "gpu_hours", "cost_usd", "energy_mwh", "co2_tonnes")
#: The subset each step of a derivative shows.
STEP_FIGURES = ("gpu_hours", "cost_usd", "energy_mwh")


def _roofline_generation(group: Any) -> bool:
    """True when a group generates and does not state its own decode utilization."""
    return TECHNIQUES[group.technique].generates(group) and getattr(group, "decode_mfu", None) is None


def plan_post_training(
    scenario: Scenario, hardware: ResolvedHardware, assumptions: Assumptions, sampler: Sampler, pretraining: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Every derivative group and their totals; ``None`` when the scenario has no ``post_training``."""
    if not scenario.post_training:
        return None
    # Without its own hardware a group runs on the scenario's hardware minus its GPU count (a
    # derivative rarely trains on the pretraining cluster): merge_hardware(base, None) resolves to
    # exactly this, and reusing the resolved block keeps its defaults listed once.
    shared = dataclasses.replace(hardware, count=None)
    pretraining_flops = None if pretraining is None else pretraining["flops"]
    decodes = any(_roofline_generation(group) for group in scenario.post_training)
    defaults = serving_defaults(scenario.model, sampler, assumptions) if decodes else None
    if decodes:
        assumptions.use(GENERATION)
    derivatives = []
    known: dict[Any, Known] = {}  # groups on the shared hardware, by all but name and count
    for index, group in enumerate(scenario.post_training):
        scope = f"post_training[{index}]"
        group_hardware = shared
        if group.hardware is not None:
            merged = merge_hardware(scenario.hardware, group.hardware)
            group_hardware = resolve_hardware(merged, assumptions, sampler, scope=f"{scope}.hardware", size=model_size(scenario.model))
        derivatives.append(plan_group(group, scope, scenario, group_hardware, assumptions, defaults, pretraining_flops, known if group.hardware is None else None))
    flops = sum((d["flops"] for d in derivatives), 0.0)
    return {
        "derivative_groups": len(derivatives),
        "derivative_models": sum((d["count"] for d in derivatives), 0),
        "flops": flops,
        "ratio_to_pretraining": None if pretraining_flops is None else flops / pretraining_flops,
        **add_blocks(derivatives, ADDITIVE),
        "derivatives": derivatives,
    }


def rl_returns(group: Any, gpu_hours_per_model: Any) -> dict[str, Any]:
    """What an RL group's compute buys on its ``reward_curve`` (``engine/rl_returns.py``): the
    expected reward at the planned GPU-hours per model, and the GPU-hours a ``target_reward`` needs."""
    curve = getattr(group, "reward_curve", None)
    target = getattr(group, "target_reward", None)
    out: dict[str, Any] = {"expected_reward": None, "target_reward": target, "gpu_hours_for_target_reward": None}
    if curve is None:
        return out
    shape = (curve.baseline, curve.asymptote, curve.midpoint_gpu_hours, curve.exponent)
    out["expected_reward"] = rewards.expected_reward(gpu_hours_per_model, *shape)
    if target is not None:
        out["gpu_hours_for_target_reward"] = rewards.gpu_hours_for_reward(target, *shape)
    return out


@dataclass(frozen=True)
class Derivative:
    """One derivative of a group, before × ``count``: its steps and their time and cost."""

    steps: list[formulas.Step]
    per_step: list[dict[str, Any]]
    per_model: dict[str, Any]
    flops_per_model: Any
    decode_mfu: Any
    replica_gpus: Any
    rollout_gpus: Any
    longest: Any
    rewards: dict[str, Any]


def plan_derivative(group: Any, scope: str, scenario: Scenario, hardware: ResolvedHardware, assumptions: Assumptions, serving_defaults: ServingDefaults | None) -> Derivative:
    """One derivative of ``group``: its technique's steps, each timed and priced, and their sum."""
    steps = TECHNIQUES[group.technique].steps(group, scenario.model, scope, assumptions)
    decode_mfu = getattr(group, "decode_mfu", None)
    pools = rl_pools(group, hardware, scope, assumptions, steps)
    timing = [
        step_hours(step, scope, scenario, hardware, decode_mfu, serving_defaults, compute_mfu(step, group, hardware, assumptions), pools) for step in steps
    ]
    longest = None
    if pools is not None:
        longest = expected_longest_response(group, steps, pools)
        steps, timing = rl_pipeline(group, steps, timing, pools, scenario, hardware, scope, assumptions, longest)
    per_step = [time_and_cost(hours.productive, hardware) for hours in timing]
    per_model = add_blocks(per_step, (*ADDITIVE, "wall_clock_days"))
    return Derivative(
        steps, per_step, per_model, formulas.total_flops(steps), effective_decode_mfu(steps, timing, hardware),
        max((h.replica_gpus for h in timing if h.replica_gpus is not None), default=None),
        None if pools is None else pools.rollout, longest, rl_returns(group, per_model["gpu_hours"]),
    )


@dataclass(frozen=True)
class Known:
    """A derivative planned once, the scope it was planned under and the defaults its planning listed."""

    derivative: Derivative
    scope: str
    listed: list[Assumption]


def _group_key(group: Any) -> Any:
    """All of a group but its name and count (``fingerprint``), or ``None`` when some field cannot be keyed."""
    names = tuple(name for name in group.fields if name not in ("name", "count"))
    key = fingerprint(tuple(getattr(group, name) for name in names))
    return None if key is None else (group.spec, names, key, group.given - {"name", "count"})


def plan_group(
    group: Any,
    scope: str,
    scenario: Scenario,
    hardware: ResolvedHardware,
    assumptions: Assumptions,
    serving_defaults: ServingDefaults | None,
    pretraining_flops: Any,
    known: dict[Any, Known] | None = None,
) -> dict[str, Any]:
    """One derivative group: per-model steps, their time and cost, × count. With ``known`` a group
    equal to an earlier one but for its name and count reuses its derivative (the defaults it listed
    are listed again under this group's scope), and sampled figures are ``Scaled`` multiples of that
    one's (point figures are plain products either way)."""
    key = None if known is None else _group_key(group)
    entry = known.get(key) if key is not None else None
    if entry is None:
        mark = assumptions.mark()
        one = plan_derivative(group, scope, scenario, hardware, assumptions, serving_defaults)
        if key is not None:
            known[key] = Known(one, scope, assumptions.since(mark))
    else:
        one = entry.derivative
        assumptions.replay(entry.listed, entry.scope, scope)
    times = Scaled.of if known is not None else operator.mul
    count = group.count
    return {
        "name": group.name,
        "technique": group.technique,
        "count": count,
        "formula": TECHNIQUES[group.technique].formula,
        "accelerator": hardware.accelerator.id,
        "flops_per_model": one.flops_per_model,
        "flops": one.flops_per_model * count,
        "ratio_to_pretraining": None if pretraining_flops is None else one.flops_per_model * count / pretraining_flops,
        "mfu": hardware.mfu,
        "decode_mfu": one.decode_mfu,
        "replica_gpus": one.replica_gpus,
        "rollout_gpus": one.rollout_gpus,
        "longest_response_tokens": one.longest,
        **scaled(one.per_model, count, ADDITIVE, times),
        "gpus": hardware.count,
        "wall_clock_days_per_model": one.per_model["wall_clock_days"],
        **one.rewards,
        "steps": [
            {
                "step": step.name,
                "kind": step.kind,
                "params": step.params,
                "tokens": step.tokens,
                "flops_per_model": step.flops,
                "flops": step.flops * count,
                **scaled(block, count, STEP_FIGURES, times),
            }
            for step, block in zip(one.steps, one.per_step)
        ],
    }


def compute_mfu(step: formulas.Step, group: Any, hardware: ResolvedHardware, assumptions: Assumptions) -> Any:
    """The MFU a compute-bound step runs at: the group's ``hardware.mfu`` when given, else the
    post-training efficiency of its kind (fine-tuning by model size, RL training, forward scoring;
    docs/CALIBRATION.md §1.4), a whole-job fraction of peak turned into MFU ÷ goodput."""
    if hardware.mfu_given or step.kind == formulas.GENERATION:
        return hardware.mfu
    if step.kind == formulas.FORWARD:
        efficiency = assumptions.use(FORWARD_EFFICIENCY)
    elif group.technique == "rl":
        efficiency = assumptions.use(RL_TRAINING_EFFICIENCY)
    else:
        at_10b, exponent = assumptions.use(FINETUNE_EFFICIENCY_AT_10B), assumptions.use(FINETUNE_EFFICIENCY_EXPONENT)
        efficiency = formulas.finetune_efficiency(step.params, at_10b, exponent)
    return efficiency / hardware.goodput


def step_hours(
    step: formulas.Step,
    scope: str,
    scenario: Scenario,
    hardware: ResolvedHardware,
    decode_mfu: Any,
    defaults: ServingDefaults | None,
    mfu: Any = None,
    pools: RlPools | None = None,
) -> StepHours:
    """Training steps and forward passes are compute-bound at ``mfu`` (``compute_mfu``); generation is
    inference: decoded by the serving roofline (or at the group's own ``decode_mfu``), an RL rollout
    at the batch in flight (``rollout_batch``, else prompts per step × samples over the replicas),
    inside DeepSpeed-Chat's Hybrid Engine at its fitted share of the roofline's rate."""
    if step.kind != formulas.GENERATION:
        return StepHours(costing.productive_gpu_hours(step.flops, hardware.peak_flops, hardware.mfu if mfu is None else mfu))
    if decode_mfu is not None:  # the group states its decode utilization: a flat rate, no roofline
        prefill = costing.productive_gpu_hours(step.prefill_flops, hardware.peak_flops, hardware.mfu)
        decode = costing.productive_gpu_hours(step.decode_flops, hardware.peak_flops, decode_mfu)
        return StepHours(prefill + decode, decode)
    assert defaults is not None  # plan_post_training builds them whenever a group decodes on the roofline
    device = serving_device(hardware, defaults.compute_efficiency, defaults.bandwidth_efficiency)
    if device is None:
        raise PlanError(scope, f"the catalog has no memory size or bandwidth for {hardware.accelerator.name}: give decode_mfu for its generation")
    model = generator_model(step.params, scenario, defaults, hardware.precision)
    # One request per prompt: its prefill, then `samples` sequences decoded side by side (prefix
    # shared), on the replica size and batch with the fewest GPU-seconds (as test-time serving does).
    prefill_per_request = step.prefill_flops / step.requests
    request = serving.RequestShape(step.prompt_tokens, step.samples, step.sample_tokens, True, prefill_per_request, streamed=False)  # a rollout batch is submitted at once
    device, replica, cap, queue = rollout_replica(pools, model, device, request, scope)
    choice = serving.serve_requests(model, device, request, gpus=replica, max_batch=cap)
    slower = 1.0 if pools is None else 1.0 / pools.generation_efficiency  # the Hybrid Engine's generate() loop
    total = slower * step.requests * choice.gpu_seconds_per_request
    decode = slower * step.requests * choice.gpus * step.samples * step.sample_tokens * choice.step_seconds / choice.batch
    share = 1.0 if queue is None else np.minimum(choice.batch / queue, 1.0)
    smallest = replica if replica is not None else serving.min_replica_gpus(model, device, request.full_context)
    return StepHours(total / SECONDS_PER_HOUR, decode / SECONDS_PER_HOUR, share, smallest, choice.batch)


def generator_model(params: Any, scenario: Scenario, defaults: ServingDefaults, precision: str) -> Any:
    """The model that generates, as the roofline sees it: the scenario's model (its total parameters,
    its architecture) when the generator has its size, else a dense model of ``params`` with the
    documented approximate architecture (``engine.serving.approximate_architecture``)."""
    model = scenario.model
    if np.shape(params) == np.shape(model.n_active) and np.all(params == model.n_active):
        return served_model(model.params, model.n_active, defaults.architecture, precision)
    return served_model(params, params, serving.approximate_architecture(params), precision)


def effective_decode_mfu(steps: list[formulas.Step], timing: list[StepHours], hardware: ResolvedHardware) -> Any:
    """Decode FLOP ÷ (decode GPU-hours × 3600 × dense peak) over a derivative's generation steps, or ``None``."""
    generation = [(step, hours) for step, hours in zip(steps, timing) if step.kind == formulas.GENERATION]
    if not generation:
        return None
    flops = sum((step.decode_flops for step, _ in generation), 0.0)
    hours = sum((h.decode for _, h in generation), 0.0)
    # zero decode hours only arise from magnitudes that underflow; the NaN is then refused by the
    # planner's finiteness check with its location, rather than shown as a silent 0
    return costing.run_efficiency(flops, hours, hardware.peak_flops)


def add_blocks(blocks: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
    """Key-wise sums; a figure missing from any block (no price, no power) is missing from the sum."""
    total: dict[str, Any] = {}
    for key in keys:
        values = [block[key] for block in blocks]
        total[key] = None if any(v is None for v in values) else sum(values, 0.0)
    return total


def scaled(block: dict[str, Any], count: Any, keys: tuple[str, ...] = ADDITIVE, times: Callable[[Any, Any], Any] | None = None) -> dict[str, Any]:
    """The additive figures of one derivative × ``count`` (``times(figure, count)`` when given: ``Scaled.of``)."""
    times = times or operator.mul
    return {key: None if block[key] is None else times(block[key], count) for key in keys}


__all__ = ["plan_post_training", "post_training_warnings"]
