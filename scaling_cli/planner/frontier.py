"""The throughput-per-GPU versus speed-per-user frontier of a serving workload (``scaling frontier``).

Every configuration the planner chooses among — replica sizes (the smallest that holds the model and
2×, 4×, 8× it, or the workload's own ``gpus_per_replica`` / ``expert_parallel`` group) × batches on
the grid 1, 2, 4, ... up to what fits — is timed by the same decode step as the plan
(``engine/serving.py``, ``engine/expert_parallel.py``): a user sees 1 / step tokens per second, a GPU
delivers batch ÷ (step × GPUs). The frontier keeps the configurations no other beats on both (Pareto
optimal): the trade NVIDIA's aiconfigurator ``recommend`` and SemiAnalysis InferenceMAX plot.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scaling_cli.engine import expert_parallel, serving
from scaling_cli.engine.uncertainty import Sampler
from scaling_cli.errors import PlanError
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.hardware import model_size, resolve_hardware
from scaling_cli.planner.pretraining import solve_pretraining
from scaling_cli.planner.serving import serving_fabric
from scaling_cli.planner.test_time import ServingSetup, serving_setup, test_time_context
from scaling_cli.scenario.inputs import Inputs


def _setup(inputs: Inputs, index: int) -> ServingSetup:
    sampler, assumptions = Sampler.point(), Assumptions()
    realized = solve_pretraining(inputs, assumptions)
    hardware = resolve_hardware(realized.hardware, assumptions, sampler, size=model_size(realized.model))
    context = test_time_context(realized, hardware, assumptions, sampler)
    return serving_setup(index, realized.test_time[index], realized, context, assumptions, sampler)


def _candidates(setup: ServingSetup, workload: Any) -> list[dict[str, float]]:
    """Every (GPUs, batch) the planner considers, with its decode step."""
    model, device, request = setup.model, setup.device, setup.request
    points = []
    if workload.expert_parallel is not None:
        group = float(workload.expert_parallel)
        fabric = serving_fabric(setup.hw, Assumptions(), "frontier")
        if not expert_parallel.fits(model, device, group, request.full_context):
            return []
        largest = float(expert_parallel.batch_per_gpu(model, device, group, request.admitted_context(device)))
        for batch in _grid(largest):
            step = float(expert_parallel.decode_step(model, device, fabric, group, batch, request.attended_context).seconds)
            points.append({"gpus": group, "batch": batch * group, "step": step, "per_gpu": batch / step})
        return points
    smallest = float(serving.min_replica_gpus(model, device, request.full_context))
    sizes = [float(workload.gpus_per_replica)] if workload.gpus_per_replica is not None else [smallest * m for m in serving.REPLICA_MULTIPLES]
    for gpus in sizes:
        largest = float(serving.default_batch(model, device, gpus, request.admitted_context(device)))
        if not serving.fits(model, device, gpus, request.full_context):
            continue
        for batch in _grid(largest):
            step = float(serving.decode_step(model, device, gpus, batch, request.attended_context).seconds)
            points.append({"gpus": gpus, "batch": batch, "step": step, "per_gpu": batch / (step * gpus)})
    return points


def _grid(largest: float) -> list[float]:
    return sorted({b for b in serving.BATCH_GRID if b < largest} | {largest})


def _pareto(points: list[dict[str, float]]) -> list[dict[str, float]]:
    """Points no other point beats on both tokens/s per user (1 / step) and tokens/s per GPU, fastest first."""
    ordered = sorted(points, key=lambda p: (p["step"], -p["per_gpu"]))
    kept: list[dict[str, float]] = []
    for point in ordered:
        if not kept or point["per_gpu"] > kept[-1]["per_gpu"]:
            kept.append(point)
    return kept


def workload_frontier(inputs: Inputs, index: int) -> dict[str, Any]:
    """The frontier of workload ``index`` on its accelerator: rows fastest-per-user first, each with its price per million output tokens."""
    setup = _setup(inputs, index)
    workload = inputs.test_time[index]
    price = setup.hw.price_per_hour
    points = _candidates(setup, workload)
    if not points:
        raise PlanError(f"test_time[{index}]", f"no replica size the planner weighs holds the model and one chain on {setup.hw.accelerator.name}")
    rows = []
    for point in _pareto(points):
        per_gpu = point["per_gpu"]
        rows.append({
            "gpus_per_replica": int(point["gpus"]),
            "batch_size": int(point["batch"]),
            "tpot_seconds": point["step"],
            "tokens_per_second_per_user": 1.0 / point["step"],
            "tokens_per_second_per_gpu": per_gpu,
            "usd_per_million_output_tokens": None if price is None else float(np.median(price)) / 3600.0 / per_gpu * 1e6,
            "meets_tpot": None if workload.tpot_seconds is None else bool(point["step"] <= workload.tpot_seconds * (1 + 1e-9)),
        })
    return {"accelerator": setup.hw.accelerator.id, "precision": setup.hw.precision, "workload": workload.name, "frontier": rows}
