"""An RL group's pipeline (issue #15): its GPUs by role, the replica and batch its rollouts decode at,
the wait for a synchronous step's longest sample, weight syncs (or, inside DeepSpeed-Chat's Hybrid
Engine, the ZeRO-3 weight gather before each ``generate`` call; ``engine/hybrid_engine.py``) and,
under split placement, the idle time that makes the bill wall-clock × every GPU."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from scaling_cli.defaults import HYBRID_ENGINE_GENERATION_EFFICIENCY, ROLLOUT_GPU_SHARE, TRAINING_GPU_SHARE, WEIGHT_SYNC_BANDWIDTH
from scaling_cli.engine import hybrid_engine, serving
from scaling_cli.engine import post_training as formulas
from scaling_cli.engine.units import SECONDS_PER_HOUR
from scaling_cli.errors import PlanError
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.hardware import ResolvedHardware
from scaling_cli.planner.serving import serving_fabric
from scaling_cli.scenario.root import Scenario
from scaling_cli.techniques import rl as rl_technique
from scaling_cli.techniques.registry import TECHNIQUES

#: The Hybrid Engine's generate micro-batch per GPU when the group gives none.
HYBRID_BATCH = rl_technique.GENERATION_BATCH_PER_GPU


@dataclass(frozen=True)
class StepHours:
    """Productive GPU-hours of one step of one derivative, and its decode part (generation only)."""

    productive: Any
    decode: Any = 0.0
    #: generation on the roofline: min(1, batch ÷ sequences queued per replica), the share of a
    #: replica's decode iterations the step's longest sample extends (``formulas.rollout_tail_share``)
    tail_share: Any = 1.0
    #: generation on the roofline: GPUs of the smallest replica that holds the generator's weights
    #: and one full-length sequence (``serving.min_replica_gpus``; an RL rollout runs on it)
    replica_gpus: Any = None
    #: generation on the roofline: sequences one replica decodes at once
    batch: Any = None


@dataclass(frozen=True)
class RlPools:
    """An RL group's GPUs by role (``None`` where unknown) and its schedule, as its pipeline needs them."""

    placement: str
    rollout: Any
    forward: Any
    training: Any
    prompts_per_step: Any
    steps: Any
    rollout_batch: Any
    #: false: generation overlaps scoring and training (split placement only)
    synchronous: bool = True
    #: ``serving`` (a dedicated inference engine's roofline) or ``hybrid_engine`` (DeepSpeed-Chat)
    engine: str = "serving"
    #: hybrid_engine: prompts per GPU per ``generate`` call, the inference TP degree (``None``: the
    #: smallest that holds the weights) and the bytes per GPU the colocated training states keep
    batch_per_gpu: Any = None
    inference_tp: Any = None
    resident_bytes: Any = 0.0
    #: the rate its generation reaches, as a share of the serving roofline's (1: the roofline itself)
    generation_efficiency: Any = 1.0


def rl_pools(group: Any, hardware: ResolvedHardware, scope: str, assumptions: Assumptions, steps: list[formulas.Step] | None = None) -> RlPools | None:
    """Rollout, forward and training GPUs of an RL group that generates: all of its GPUs for every role
    when colocated; under split placement a share each (defaults from OpenRLHF's benchmark)."""
    if group.technique != "rl" or not TECHNIQUES["rl"].generates(group):
        return None
    count = hardware.count
    rollout = forward = training = count
    if group.placement == "split":
        share = assumptions.use(ROLLOUT_GPU_SHARE, f"{scope}.rollout_gpus") if group.rollout_gpus is None else None
        rollout = group.rollout_gpus if share is None else np.maximum(np.round(share * count), 1.0)
        forward = count - rollout
        if np.any(forward <= 0):
            raise PlanError(f"{scope}.rollout_gpus", "split placement leaves no GPUs to train: rollout_gpus must be fewer than hardware.count")
        share = assumptions.use(TRAINING_GPU_SHARE, f"{scope}.training_gpus") if group.training_gpus is None else None
        training = group.training_gpus if share is None else np.maximum(np.round(share * forward), 1.0)
        if np.any(training > forward):
            raise PlanError(f"{scope}.training_gpus", "training_gpus must be at most hardware.count - rollout_gpus")
    pools = RlPools(group.placement, rollout, forward, training, group.prompts_per_step, group.steps, group.rollout_batch, group.synchronous)
    if group.rollout_engine != "hybrid_engine":
        return pools
    return hybrid_pools(group, pools, count, steps or [], scope, assumptions)


def hybrid_pools(group: Any, pools: RlPools, gpus: Any, steps: list[formulas.Step], scope: str, assumptions: Assumptions) -> RlPools:
    """The Hybrid Engine's generate micro-batch (as given, else DeepSpeed-Chat's default, at most the
    prompts × samples each GPU has per step), its inference TP degree, the training states that
    stay resident on every GPU while it generates (``hybrid_engine.resident_state_bytes``) and the
    share of the serving roofline's rate its ``generate()`` loop reaches (fitted on DeepSpeed-Chat's
    Figure 6, docs/CALIBRATION.md §1.4)."""
    batch = group.generation_batch_per_gpu
    if batch is None:
        batch = assumptions.use(HYBRID_BATCH, f"{scope}.generation_batch_per_gpu")
        generation = next(s for s in steps if s.kind == formulas.GENERATION)
        if pools.prompts_per_step is not None:
            batch = np.minimum(batch, np.ceil(pools.prompts_per_step * generation.samples / gpus))
    trained = sum((s.params for s in steps if s.kind == formulas.TRAINING), 0.0)
    frozen = sum((s.params for s in steps if s.kind == formulas.FORWARD and s.name != "critic_forward"), 0.0)
    resident = hybrid_engine.resident_state_bytes(trained, frozen, gpus, group.offload)
    efficiency = assumptions.use(HYBRID_ENGINE_GENERATION_EFFICIENCY, f"{scope}.rollout_engine")
    return dataclasses.replace(pools, engine="hybrid_engine", batch_per_gpu=batch, inference_tp=group.inference_tp, resident_bytes=resident, generation_efficiency=efficiency)


def rollout_replica(pools: RlPools | None, model: Any, device: serving.Device, request: serving.RequestShape, scope: str) -> tuple[serving.Device, Any, Any, Any]:
    """The device, replica GPUs, batch cap and sequences queued per replica an RL rollout decodes
    with: a serving engine's smallest replica at the batch in flight (``rollout_batch``, else
    prompts per step × samples over the replicas); the Hybrid Engine's inference TP group at its
    micro-batch × TP, with the KV cache in what the resident training states leave; ``None`` each
    (the roofline's own choice) for other generation."""
    if pools is None:
        return device, None, None, None
    if pools.engine == "hybrid_engine":
        if np.any(pools.resident_bytes >= device.memory_bytes):
            need, have = np.max(pools.resident_bytes) / 1e9, np.min(device.memory_bytes) / 1e9
            raise PlanError(f"{scope}.offload", f"the colocated training states need {need:.0f} GB per GPU, more than its {have:.0f} GB: give offload: true or more GPUs")
        device = dataclasses.replace(device, memory_bytes=device.memory_bytes - pools.resident_bytes)
        smallest = serving.min_replica_gpus(model, device, request.full_context)
        tp = pools.inference_tp if pools.inference_tp is not None else smallest
        if pools.inference_tp is not None and np.any(tp > pools.rollout):
            raise PlanError(f"{scope}.inference_tp", f"inference_tp ({np.max(tp):g}) exceeds the group's {np.min(pools.rollout):g} GPUs")
        if np.any(tp < smallest) or np.any(smallest > pools.rollout):
            raise PlanError(
                f"{scope}.inference_tp",
                f"the generator's weights and one sequence need at least {np.max(smallest):g} GPUs beside the colocated training states; "
                f"the group gives {np.min(np.minimum(tp, pools.rollout)):g}",
            )
        return device, tp, tp * pools.batch_per_gpu, None
    if pools.rollout_batch is None and (pools.prompts_per_step is None or pools.rollout is None):
        return device, None, None, None
    replica = serving.min_replica_gpus(model, device, request.full_context)
    queue = None
    if pools.prompts_per_step is not None and pools.rollout is not None:
        queue = formulas.in_flight_per_replica(pools.prompts_per_step, request.chains, pools.rollout, replica)
    return device, replica, pools.rollout_batch if pools.rollout_batch is not None else queue, queue





def expected_longest_response(group: Any, steps: list[formulas.Step], pools: RlPools) -> Any:
    """E[longest of the n = prompts per step × samples responses of one synchronous RL step]
    (``formulas.expected_longest``), or ``None`` for one fixed length or without a schedule."""
    quantile = rl_technique.response_quantile(group)
    if quantile is None or pools.prompts_per_step is None:
        return None
    generation = next(step for step in steps if step.kind == formulas.GENERATION)
    return formulas.expected_longest(quantile, pools.prompts_per_step * generation.samples)


def rollout_tail(steps: list[formulas.Step], timing: list[StepHours], longest: Any) -> Any:
    """GPU-hours a synchronous step's rollout GPUs wait for its longest sample beyond the mean:
    decode GPU-hours × ``formulas.rollout_tail_share``."""
    generation = [(s, h) for s, h in zip(steps, timing) if s.kind == formulas.GENERATION]
    return sum((h.decode * formulas.rollout_tail_share(s.sample_tokens, longest, h.tail_share, 1.0) for s, h in generation), 0.0)


def rl_pipeline(
    group: Any,
    steps: list[formulas.Step],
    timing: list[StepHours],
    pools: RlPools,
    scenario: Scenario,
    hardware: ResolvedHardware,
    scope: str,
    assumptions: Assumptions,
    longest: Any = None,
) -> tuple[list[formulas.Step], list[StepHours]]:
    """An RL run's steps plus the wait for each step's longest response (``rollout_tail``, when
    lengths are a distribution), its weight syncs (one per RL step, all GPUs waiting) and, under
    split placement, the idle GPU-hours that make the bill wall-clock × every GPU (engine.post_training)."""
    policy = getattr(scenario.model, "params", None)
    policy = scenario.model.n_active if policy is None else policy
    sync_seconds = 0.0
    if pools.steps is not None and pools.engine != "hybrid_engine":
        bandwidth = assumptions.use(WEIGHT_SYNC_BANDWIDTH)
        sync_seconds = pools.steps * formulas.weight_sync_seconds(policy, 2.0, bandwidth)
    sync_gpu_hours = 0.0 if hardware.count is None else sync_seconds / SECONDS_PER_HOUR * hardware.count
    tail = 0.0 if longest is None else rollout_tail(steps, timing, longest)
    waits = [] if longest is None else [(formulas.Step("rollout_tail", "idle", policy, 0.0, 0.0), StepHours(tail))]
    extra = [] if pools.steps is None else [(formulas.Step("weight_sync", "sync", policy, 0.0, 0.0), StepHours(sync_gpu_hours))]
    if pools.engine == "hybrid_engine":
        extra = [(formulas.Step("weight_gather", "sync", policy, 0.0, 0.0), StepHours(gather_gpu_hours(steps, timing, pools, hardware, policy, scope, assumptions)))]
    if pools.placement == "split":
        busy = {kind: sum((h.productive for s, h in zip(steps, timing) if s.kind == kind), 0.0) for kind in (formulas.GENERATION, formulas.FORWARD, formulas.TRAINING)}
        bill = formulas.split_pipeline_hours(
            busy[formulas.GENERATION] + tail, busy[formulas.FORWARD], busy[formulas.TRAINING], sync_seconds, (pools.rollout, pools.forward, pools.training), pools.synchronous
        )
        extra = [(s, StepHours(bill["sync_gpu_hours"])) for s, _ in extra] + [(formulas.Step("idle", "idle", 0.0, 0.0, 0.0), StepHours(bill["idle_gpu_hours"]))]
    extra = waits + extra
    return [*steps, *(s for s, _ in extra)], [*timing, *(h for _, h in extra)]




def gather_gpu_hours(steps: list[formulas.Step], timing: list[StepHours], pools: RlPools, hardware: ResolvedHardware, policy: Any, scope: str, assumptions: Assumptions) -> Any:
    """GPU-hours every GPU spends gathering the actor's ZeRO-3 shards before each Hybrid Engine
    ``generate`` call: calls per RL step (its sequences over the replicas' batches; the whole run's
    sequences without a schedule) × RL steps × GPUs × one all-gather of the bf16 weights
    (``hybrid_engine.gather_seconds`` over the catalog's links)."""
    fabric = serving_fabric(hardware, assumptions, scope)
    gpus = hardware.count
    calls = 0.0
    for step, hours in zip(steps, timing):
        if step.kind != formulas.GENERATION:
            continue
        per_call = gpus / hours.replica_gpus * hours.batch
        if pools.prompts_per_step is not None:
            calls = calls + pools.steps * hybrid_engine.generate_calls(pools.prompts_per_step * step.samples, 1.0, per_call)
        else:
            calls = calls + hybrid_engine.generate_calls(step.requests * step.samples, 1.0, per_call)
    seconds = hybrid_engine.gather_seconds(2.0 * policy, gpus, fabric.domain_gpus, fabric.scale_up_bandwidth, fabric.scale_out_bandwidth)
    return calls * gpus * seconds / SECONDS_PER_HOUR
