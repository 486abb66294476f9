"""A workload's fleet at the peak load: capacity, service levels, prefill/decode pools, and the bill.

Capacity: GPUs = daily GPU-seconds ÷ 86,400 × peak-to-average, in whole replicas (docs/DOMAIN.md §3).
Service levels (``engine/queueing.py``): queries queue for batch slots at the peak arrival rate, then
wait out the scheduling round in progress (``scheduler_steps`` decode steps); a ``ttft_p95_seconds``
target adds replicas until the 95th-percentile wait plus the request's own prefill meets it.

Prefill and decode on the same GPUs (the default, chunked prefill as vLLM and TensorRT-LLM run it)
share each step: at peak utilization u a share s of the GPU time goes to prefill and scoring, so
the running batch's steps stretch to TPOT / (1 − s·u) (the interference DistServe, Zhong et al. 2024
arXiv 2401.09670 §2.2, and Splitwise, Patel et al. 2024 arXiv 2311.18677, measure). With
``disaggregated: true`` prefill runs on a pool of its own, sized from the prefill GPU-seconds alone,
and decode on another; a request's KV cache crosses the network once (added to its time to first
token), decode steps are not stretched, and the prefill pool's queue is one request at a time per
replica (M/D/1, the same queueing formulas with one slot).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scaling_cli.engine import costing, queueing, serving
from scaling_cli.engine.types import whole
from scaling_cli.engine.uncertainty import Scaled
from scaling_cli.engine.units import SECONDS_PER_DAY
from scaling_cli.planner.hardware import ResolvedHardware
from scaling_cli.scenario.test_time import TestTimeWorkload

#: A TTFT target below the prefill alone: the fleet is sized for a P95 wait of this share of the prefill
#: (a planning convention, not a measurement; a warning names the target and the floor).
UNREACHABLE_WAIT_SHARE = 0.1


@dataclass(frozen=True)
class Load:
    peak_to_average: Any
    days: Any
    #: sequences one query decodes side by side
    chains: Any
    #: seconds to move one prompt's KV cache between pools (0 unless disaggregated)
    kv_transfer_seconds: Any = 0.0


@dataclass(frozen=True)
class Pool:
    """One queue of the fleet: servers of ``gpus`` GPUs with ``slots`` each, holding a query ``hold`` s."""

    gpus: Any
    slots: Any
    hold: Any
    #: time to first token outside the queue (prefill, transfer)
    service: Any
    #: a scheduling round a new request waits out at a busy server (``queueing.round_wait_quantile``); 0 for a prefill pool
    round_seconds: Any = 0.0

    def outside_queue(self, quantile: float) -> Any:
        """Time to first token beyond the slot wait at ``quantile``: the round in progress, then the service."""
        return self.service + queueing.round_wait_quantile(1.0, self.round_seconds, quantile)


def _queue_pool(workload: TestTimeWorkload, choice: serving.ServingChoice, load: Load) -> Pool:
    """The pool whose queue sets the time to first token: the prefill pool when disaggregated (one
    prompt at a time per replica, its first token the prefill's output), else the batch slots."""
    if workload.disaggregated:
        return Pool(choice.gpus, 1.0, choice.ttft_seconds, choice.ttft_seconds + load.kv_transfer_seconds)
    slots = np.maximum(np.floor(choice.batch * choice.replicas_per_request / load.chains), 1.0)
    return Pool(choice.gpus * choice.replicas_per_request, slots, choice.latency_seconds, choice.ttft_seconds, workload.scheduler_steps * choice.step_seconds)


def _capacity(workload: TestTimeWorkload, choice: serving.ServingChoice, load: Load) -> tuple[Any, Any]:
    """GPUs at the peak by GPU-seconds: one pool, or the prefill pool and the decode pool apart."""
    per_day = workload.queries_per_day
    least = choice.replicas_per_request * choice.gpus  # holding at least one query's chains at once
    if not workload.disaggregated:
        return np.maximum(serving.fleet_gpus(per_day * choice.gpu_seconds_per_request, choice.gpus, load.peak_to_average), least), 0.0
    prefill = serving.fleet_gpus(per_day * choice.upfront_gpu_seconds, choice.gpus, load.peak_to_average)
    decode = np.maximum(serving.fleet_gpus(per_day * (choice.gpu_seconds_per_request - choice.upfront_gpu_seconds), choice.gpus, load.peak_to_average), least)
    return decode, np.maximum(prefill, choice.gpus)


def _ttft_gpus(workload: TestTimeWorkload, pool: Pool, rate: Any) -> Any:
    """Fewest GPUs of ``pool`` whose P95 wait plus its service time meets ``ttft_p95_seconds``."""
    wait = workload.ttft_p95_seconds - pool.outside_queue(0.95)
    wait = np.where(wait > 0, wait, UNREACHABLE_WAIT_SHARE * pool.service)
    servers = queueing.replicas_for_wait(rate, pool.slots, pool.hold, wait, 0.95)
    return np.ceil(servers * (1.0 - 1e-12)) * pool.gpus


def _service_levels(workload: TestTimeWorkload, pool: Pool, pool_gpus: Any, rate: Any) -> dict[str, Any]:
    """P50 and P95 time to first token on ``pool_gpus`` at the peak (with a TTFT target only: a pool
    sized to exactly its peak capacity has no finite tail), and the slots' utilization."""
    offered = rate * pool.hold / (pool_gpus / pool.gpus)
    out: dict[str, Any] = {"slot_utilization_at_peak": offered / pool.slots}
    for name, q in (("ttft_p50_seconds", 0.5), ("ttft_p95_seconds", 0.95)):
        out[name] = None if workload.ttft_p95_seconds is None else queueing.wait_quantile(pool.slots, offered, pool.hold, q) + pool.outside_queue(q)
    return out


def _bill(gpus_peak: Any, hw: ResolvedHardware, queries_per_day: Any, days: Any) -> dict[str, Any]:
    """GPU-hours, cost, energy and CO2 of the peak fleet provisioned all day: the costing formulas
    applied to one GPU-day, times ``gpus_peak``. Kept as ``Scaled`` multiples of the one sampled
    GPU count where the per-GPU-day figure is a plain number, so their bands share one sort
    (``engine/uncertainty.Scaled``); multiplied out where it is sampled (a price range)."""
    def times(per_gpu_day: Any) -> Any:
        return None if per_gpu_day is None else Scaled.of(gpus_peak, per_gpu_day)

    hours = costing.gpu_hours_in(1.0, 1.0)
    cost = None if hw.price_per_hour is None else costing.cost_usd(hours, hw.price_per_hour)
    energy = None if hw.power_w is None else costing.energy_mwh(hours, hw.power_w, hw.pue) * days
    co2 = None if energy is None or hw.carbon_kg_per_kwh is None else costing.co2_tonnes(energy, hw.carbon_kg_per_kwh)
    return {
        "gpu_hours_per_day": times(hours),
        "gpu_hours": times(hours * days),
        "cost_per_query_usd": None if cost is None else times(cost / queries_per_day),
        "cost_per_day_usd": times(cost),
        "cost_usd": None if cost is None else times(cost * days),
        "energy_mwh": times(energy),
        "co2_tonnes": times(co2),
    }


def fleet_and_bill(workload: TestTimeWorkload, choice: serving.ServingChoice, hw: ResolvedHardware, load: Load) -> dict[str, Any]:
    """GPUs for the average and peak load, service levels at the peak, and what the peak fleet,
    provisioned all day, costs."""
    gpu_seconds_per_day = workload.queries_per_day * choice.gpu_seconds_per_request
    decode_gpus, prefill_gpus = _capacity(workload, choice, load)
    pool, tpot = _queue_pool(workload, choice, load), choice.step_seconds
    rate = workload.queries_per_day / SECONDS_PER_DAY * load.peak_to_average
    queued = prefill_gpus if workload.disaggregated else decode_gpus
    if workload.ttft_p95_seconds is not None:
        queued = np.maximum(queued, _ttft_gpus(workload, pool, rate))
    prefill_gpus, decode_gpus = (queued, decode_gpus) if workload.disaggregated else (0.0, queued)
    gpus_peak = prefill_gpus + decode_gpus
    if not workload.disaggregated:  # prefill stretches the running batch's steps (module docstring)
        share = choice.upfront_gpu_seconds / choice.gpu_seconds_per_request
        utilization = np.minimum(gpu_seconds_per_day * load.peak_to_average / SECONDS_PER_DAY / gpus_peak, 1.0)
        tpot = choice.step_seconds / (1.0 - share * utilization)
    return {
        "gpu_seconds_per_query": choice.gpu_seconds_per_request,
        "gpus_needed": whole(serving.fleet_gpus(gpu_seconds_per_day, choice.gpus)),
        "peak_to_average": load.peak_to_average,
        "gpus_needed_peak": whole(gpus_peak),
        "prefill_gpus_peak": whole(prefill_gpus) if workload.disaggregated else None,
        "decode_gpus_peak": whole(decode_gpus) if workload.disaggregated else None,
        **_bill(gpus_peak, hw, workload.queries_per_day, load.days),
        "tpot_at_peak_seconds": tpot,
        "ttft_p95_target_seconds": workload.ttft_p95_seconds,
        "tpot_target_seconds": workload.tpot_seconds,
        **_service_levels(workload, pool, queued, rate),
    }
