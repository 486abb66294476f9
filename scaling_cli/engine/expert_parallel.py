"""Wide expert parallelism with data-parallel attention: how DeepSeek-V3/R1 is served at scale.

A group of G GPUs serves one mixture-of-experts model (DeepSeek's inference system overview, Feb
2025: "Routed Expert EP144, MLA/Shared Expert DP144" for decoding, EP32 for prefill; SGLang's
large-scale EP, lmsys.org/blog/2025-05-05-large-scale-ep). Every GPU holds the dense part of the
model (attention, embeddings, dense and shared-expert FFNs) and runs its own B sequences with their
own KV cache (data-parallel attention: nothing is replicated per sequence); the E routed experts of
each layer are spread over the G GPUs, E/G each. Per MoE layer every token is sent to the GPUs
holding its k experts (dispatch) and their outputs are sent back (combine): two all-to-alls.

A decode step of one GPU of the group, B sequences at mean context c:

    matmuls    = max(B · 2·N_active / (peak · compute efficiency · fill), (dense bytes + e bytes · X(B·G) / G) / (HBM bw · bandwidth eff.))
    attention  = max(B · 4·L·w·c / (peak · compute efficiency · fill), B · KV bytes per token · c / (HBM bw · bandwidth eff.))
    all-to-all = L · (2α + B · k · d · (s_dispatch + s_combine) · t)
    step       = matmuls + attention + all-to-all + per-step overhead (``engine/serving.py``: the two kernel groups in turn)

with X(T) = E·(1 − (1 − k/E)^T) the distinct experts T tokens touch per layer (``parallelism``), e
the parameters of one expert, d the hidden size, dispatch in FP8 (1 byte) and combine in BF16 (2
bytes) as DeepSeek serves ("dispatch transmissions adopt the FP8 format ... combine transmissions
use the BF16 format"), and t the seconds per byte a GPU sends: destinations inside its scale-up
domain (an 8-GPU NVLink node; 72 GPUs on GB200 NVL72) go over NVLink, the rest over the scale-out
NIC (400 Gb/s InfiniBand per GPU, "IB (50 GB/s)", DeepSeek-V3 report arXiv 2412.19437 §3.2.2), both
at once, so t is the larger of the two shares' times. Decoding uses DeepEP's low-latency kernels,
which send one copy per routed expert; communication is added to the step, not hidden (DeepSeek and
SGLang overlap two micro-batches, which SGLang measures at +25.5% decode throughput at 256 sequences
per GPU: this model is the conservative side of that overlap).

Prefill at load processes long chunks of tokens per GPU (SGLang: 16,384 per device), so the weights
are read once per chunk and a prompt token costs its FLOP plus its all-to-all; DeepEP's normal
(prefill) kernels send a token once to each node that holds one of its experts and forward it inside
the node over NVLink, so the scale-out traffic counts distinct remote nodes, n·(1 − (1 − 1/n)^k) of n
nodes (uniform routing), not experts.

At light load one request's prefill runs on one GPU of the group: max(FLOP, one read of that GPU's
weights) + its all-to-all + the overhead (the memory floor of ``engine/serving.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scaling_cli.engine import parallelism
from scaling_cli.engine.gemm import gemm_fill
from scaling_cli.engine.selection import take_choice, target_excess
from scaling_cli.engine.serving import BATCH_GRID, Device, RequestShape, ServedModel, ServingChoice, at_load_prefill_tokens, attention_seconds, compute_seconds, flop_bound, generation_gpu_seconds, pass_fill
from scaling_cli.engine.types import ArrayLike

#: Bytes per element a token's activations travel in: dispatch in FP8, combine in BF16 (DeepSeek inference system overview).
DISPATCH_BYTES = 1.0
COMBINE_BYTES = 2.0


@dataclass(frozen=True)
class Fabric:
    """The links an expert-parallel group's all-to-alls use, per GPU and one direction."""

    #: GPUs that share one scale-up (NVLink) domain
    domain_gpus: ArrayLike
    #: scale-up link bandwidth per GPU, bytes/s
    scale_up_bandwidth: ArrayLike
    #: scale-out (NIC) bandwidth per GPU, bytes/s
    scale_out_bandwidth: ArrayLike
    #: fixed time of one all-to-all call
    latency: ArrayLike


def resident_weight_bytes(model: ServedModel, group: ArrayLike) -> ArrayLike:
    """Weights one GPU holds: the dense part plus E/G routed experts."""
    dense, per_expert = parallelism.moe_split(model.total_params, model.active_params, model.experts, model.top_k)
    return (dense + per_expert * model.experts / group) * model.weight_bytes_per_param


def read_weight_bytes(model: ServedModel, group: ArrayLike, batch: ArrayLike) -> ArrayLike:
    """Weights one GPU reads in a step of B tokens on each of G GPUs: the dense part and its share
    of the distinct experts the group's B·G tokens touch."""
    dense, per_expert = parallelism.moe_split(model.total_params, model.active_params, model.experts, model.top_k)
    touched = parallelism.expected_experts(model.experts, model.top_k, batch * group)
    return (dense + per_expert * touched / group) * model.weight_bytes_per_param


def _send_seconds_per_byte(fabric: Fabric, group: ArrayLike, copies_out_of_domain: ArrayLike, copies_in_domain: ArrayLike) -> ArrayLike:
    """Both links carry their share at once: the slower share sets the time."""
    return np.maximum(copies_out_of_domain / fabric.scale_out_bandwidth, copies_in_domain / fabric.scale_up_bandwidth)


def decode_all_to_all_seconds(model: ServedModel, fabric: Fabric, group: ArrayLike, batch: ArrayLike) -> ArrayLike:
    """Dispatch and combine of one decode step, B tokens per GPU, one copy per routed expert."""
    g = np.asarray(group, dtype=float)
    domain = np.minimum(fabric.domain_gpus, g)
    out_share = (g - domain) / g
    in_share = (domain - 1.0) / g
    per_copy = batch * model.architecture.hidden * (DISPATCH_BYTES + COMBINE_BYTES)
    per_layer = 2.0 * fabric.latency + per_copy * model.top_k * _send_seconds_per_byte(fabric, g, out_share, in_share)
    return model.architecture.layers * per_layer


def prefill_all_to_all_seconds_per_token(model: ServedModel, fabric: Fabric, group: ArrayLike) -> ArrayLike:
    """Dispatch and combine of one prompt token: once per distinct remote node over the NIC, and
    the copies for experts inside the node over NVLink (DeepEP normal kernels)."""
    g = np.asarray(group, dtype=float)
    domain = np.minimum(fabric.domain_gpus, g)
    nodes = g / domain
    remote_nodes = nodes * (1.0 - np.power(1.0 - 1.0 / nodes, model.top_k)) * (nodes - 1.0) / nodes
    in_domain = model.top_k * (domain - 1.0) / g
    per_copy = model.architecture.hidden * (DISPATCH_BYTES + COMBINE_BYTES)
    return model.architecture.layers * per_copy * _send_seconds_per_byte(fabric, g, remote_nodes, in_domain)


def kv_capacity_bytes(model: ServedModel, device: Device, group: ArrayLike) -> ArrayLike:
    """One GPU's memory for its KV cache: the memory fraction of what its weights leave."""
    free = device.memory_bytes - resident_weight_bytes(model, group)
    return np.where(free > 0, free * device.memory_fraction, free)


def fits(model: ServedModel, device: Device, group: ArrayLike, context: ArrayLike) -> ArrayLike:
    """True where one GPU of the group holds its weights plus one sequence of ``context`` tokens."""
    return kv_capacity_bytes(model, device, group) >= model.kv_bytes(context)


def batch_per_gpu(model: ServedModel, device: Device, group: ArrayLike, context: ArrayLike) -> ArrayLike:
    """Sequences of ``context`` KV tokens (``RequestShape.admitted_context``) one GPU's KV cache holds,
    capped at the device's running-sequence limit (per GPU: each data-parallel attention rank
    schedules its own), at least 1."""
    fit = np.floor(kv_capacity_bytes(model, device, group) / model.kv_bytes(context))
    return np.clip(fit, 1.0, device.max_sequences)


@dataclass(frozen=True)
class ExpertParallelStep:
    compute_seconds: ArrayLike
    memory_seconds: ArrayLike
    all_to_all_seconds: ArrayLike
    overhead_seconds: ArrayLike
    #: attention over the GPU's own KV cache: max(its FLOP, its KV reads) (``serving.attention_seconds``)
    attention_seconds: ArrayLike = 0.0
    attention_compute_bound: ArrayLike = False

    @property
    def seconds(self) -> ArrayLike:
        """max(matmul compute, weight reads) + attention + all-to-all + overhead (module docstring)."""
        return np.maximum(self.compute_seconds, self.memory_seconds) + self.attention_seconds + self.all_to_all_seconds + self.overhead_seconds

    @property
    def compute_bound(self) -> ArrayLike:
        """True where most of the step's roofline time runs at the FLOP limit (``serving.flop_bound``)."""
        return flop_bound(self.compute_seconds, self.memory_seconds, self.attention_seconds, self.attention_compute_bound)


def decode_step(model: ServedModel, device: Device, fabric: Fabric, group: ArrayLike, batch: ArrayLike, context: ArrayLike) -> ExpertParallelStep:
    """One decode step of one GPU running ``batch`` sequences at mean ``context``."""
    # each GPU's experts receive the tokens of the whole group's B·G
    fill = pass_fill(model, device, 1.0, batch, model.routed_tokens(batch * group)) * device.decode_compute_ratio
    compute = compute_seconds(batch * 2.0 * model.active_params, device, 1.0, fill)
    memory = read_weight_bytes(model, group, batch) / (device.bandwidth * device.bandwidth_efficiency)
    attention, attention_bound = attention_seconds(model, device, 1.0, batch, context, gemm_fill(batch, device.half_fill_tokens) * device.decode_compute_ratio)
    return ExpertParallelStep(compute, memory, decode_all_to_all_seconds(model, fabric, group, batch), device.step_overhead, attention, attention_bound)


def _metrics(model: ServedModel, device: Device, fabric: Fabric, group: ArrayLike, request: RequestShape, batch: ArrayLike) -> dict[str, ArrayLike]:
    """The figures of a ``ServingChoice`` for per-GPU batches ``batch`` (module docstring)."""
    step = decode_step(model, device, fabric, group, batch, request.attended_context)
    seconds = step.seconds
    prefill = request.compute_flops if request.prefill_flops is None else request.prefill_flops
    a2a_per_token = prefill_all_to_all_seconds_per_token(model, fabric, group)
    floor = resident_weight_bytes(model, group) / (device.bandwidth * device.bandwidth_efficiency)
    per_token = prefill / np.maximum(request.prompt_tokens, 1.0)
    alone = pass_fill(model, device, 1.0, request.prompt_tokens, flops_per_token=per_token)
    packed = at_load_prefill_tokens(device, request.prompt_tokens)
    ttft = np.maximum(compute_seconds(prefill, device, 1.0, alone), floor) + request.prompt_tokens * a2a_per_token + device.step_overhead
    at_load = pass_fill(model, device, 1.0, packed, model.routed_tokens(packed * group), per_token)
    prefill_gpu_seconds = compute_seconds(prefill, device, 1.0, at_load) + request.prompt_tokens * a2a_per_token
    after = compute_seconds(request.compute_flops - prefill, device, 1.0, alone)  # scoring after the prompt's prefill
    upfront = prefill_gpu_seconds + after
    return {
        "step_seconds": seconds,
        "ttft_seconds": ttft,
        "latency_seconds": ttft + after + np.maximum(request.chain_tokens - 1.0, 0.0) * seconds,
        # the group's G GPUs emit B·G tokens per step: per request, upfront on one GPU + its tokens' share
        "gpu_seconds_per_request": generation_gpu_seconds(request.chains * request.chain_tokens, seconds, 1.0, batch, upfront),
        "upfront_gpu_seconds": upfront,
        "prefill_gpu_seconds": prefill_gpu_seconds,
        "tokens_per_second_per_gpu": batch / seconds,
        "compute_bound": step.compute_bound,
    }


def serve_expert_parallel(
    model: ServedModel,
    device: Device,
    fabric: Fabric,
    request: RequestShape,
    group: ArrayLike,
    latency_target: ArrayLike | None = None,
    max_batch: ArrayLike | None = None,
    step_target: ArrayLike | None = None,
) -> ServingChoice:
    """Per-GPU batch of a G-GPU expert-parallel group for a stream of identical requests, and what it
    delivers. Without a latency target the batch is what one GPU's KV cache holds (≤ the sequence
    cap; ≤ ``max_batch`` / G sequences in flight); with one, the largest batch on the grid 1, 2, 4,
    ... that meets it (and the time-per-output-token ``step_target``), or the closest when none does. ``batch`` and ``gpus`` of the choice describe
    the whole group (B·G sequences on G GPUs)."""
    memory_batch = batch_per_gpu(model, device, group, request.admitted_context(device))
    if max_batch is not None:
        memory_batch = np.clip(np.minimum(memory_batch, np.floor(max_batch / group)), 1.0, None)
    batch = memory_batch
    if latency_target is not None or step_target is not None:
        ndim = max(np.ndim(memory_batch), np.ndim(latency_target), np.ndim(step_target), np.ndim(request.attended_context))
        grid = np.minimum(np.reshape(BATCH_GRID, (-1,) + (1,) * ndim), memory_batch)
        grid = np.concatenate([grid, np.broadcast_to(memory_batch, (1, *grid.shape[1:]))])
        batch = take_choice(grid, target_excess(_metrics(model, device, fabric, group, request, grid), latency_target, step_target))
    metrics = _metrics(model, device, fabric, group, request, batch)
    g = np.asarray(group, dtype=float)
    return ServingChoice(
        gpus=g + 0.0 * batch,
        batch=batch * g,
        max_batch=memory_batch * g,
        replicas_per_request=np.ceil(request.chains / (batch * g)),
        **metrics,
    )
