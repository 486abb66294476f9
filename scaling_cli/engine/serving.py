"""Serving roofline: decode step time, prefill, batch, replica size and generation GPU-seconds.

A decode step of a replica of g tensor-parallel GPUs, running B sequences whose mean context is c,
is two groups of kernels that run one after the other, each at its own roofline (per-operator
rooflines, as LLM-Viewer sums them, docs/PEER_TOOLS.md §2.8):

    matmuls   = max(B·2·N_active / (g · peak · compute efficiency · fill), weights read / (g · HBM bandwidth · bandwidth efficiency))
    attention = max(B·4·L·w·c / (g · peak · compute efficiency · fill), B · KV bytes per token · c · replication / (g · HBM bw · bw eff.))
    step      = matmuls + attention + all-reduces(B tokens) + per-step overhead

The matrix multiplies read the weights once per step and the attention kernels read every sequence's
KV cache; neither hides under the other. Decoding is bandwidth-bound at small batch and its matmuls
compute-bound once B·2·N_active outgrows weights read × peak/bandwidth (the roofline; docs/DOMAIN.md
§3.3; llm-analysis takes one max(compute, memory) over the whole step, docs/PEER_TOOLS.md §2.2, which
hides the KV reads under the matmuls' FLOP at large batch). Continuous batching keeps sequences at
every stage of their chain, so the batch's mean context is the chain's mean context and the KV term
is exact in expectation.
Tensor-parallel all-reduces and mixture-of-experts reads: ``engine/parallelism.py``; the KV cache:
``engine/kv_cache.py``.

The compute efficiency is scaled by T / (T + T½) for a pass of T tokens (``engine/gemm.py``).

Prefill of one request (its time to first token at light load) is compute-bound work with a memory
floor: it reads every weight at least once, so it is never shorter than one decode step's weight
reads: prefill = max(FLOP / (g·peak·eff·fill(P)), weights / (g·bandwidth·eff)) + all-reduces(P
tokens) + per-step overhead. At load, prefills ride the running batch's steps (in-flight batching,
chunked prefill): their FLOP, at fill(max(P, budget)), join the decode's compute inside each step's
roofline (``mixed_step_seconds``), so a prompt's compute hides under the decode's weight reads
when many requests start per step and adds to them when a long prompt comes now and then; its
all-reduce volume is paid without the per-call latency.

Defaults, each with its source (``scaling_cli/defaults.py``):
- KV cache element: FP8 when the weights are 8-bit or narrower (TensorRT-LLM), else bf16.
- Memory: the weights, then a fraction of what is left for the KV cache: TensorRT-LLM's
  ``free_gpu_memory_fraction`` 0.9; HBM in true bytes (the catalog's "80 GB" HBM is 80 GiB).
- Largest batch: what fits, capped at TensorRT-LLM's ``max_batch_size`` 2048; a sequence counted at its
  prompt + every output token when the engine reserves whole requests (TensorRT-LLM's default
  GUARANTEED_NO_EVICT), else at its mean resident context (``RequestShape.admitted_context``).
- Replica size: a power of two (tensor parallelism splits attention heads, Shoeybi et al. 2019 §3),
  the smallest that holds the weights plus one full-length sequence.
- Mixture-of-experts: all experts stay in memory; a step reads the experts its tokens touch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scaling_cli.engine import parallelism, pipeline
from scaling_cli.engine.gemm import gemm_fill
from scaling_cli.engine.selection import choose, take, take_choice, target_excess
from scaling_cli.engine.kv_cache import BYTES_PER_ELEMENT, Architecture, approximate_architecture, kv_cache_bytes_per_element, kv_cache_bytes_per_token, kv_head_replication
from scaling_cli.engine.request_shape import RequestShape
from scaling_cli.engine.served_model import MAX_RUNNING_SEQUENCES, MEMORY_FRACTION, Device, ServedModel
from scaling_cli.engine.types import ArrayLike
from scaling_cli.engine.units import SECONDS_PER_DAY

__all__ = [
    "BYTES_PER_ELEMENT", "MAX_RUNNING_SEQUENCES", "MEMORY_FRACTION", "Architecture", "Device", "RequestShape", "ServedModel",
    "approximate_architecture", "kv_cache_bytes_per_element", "kv_cache_bytes_per_token", "kv_head_replication",
]  # fmt: skip

MAX_REPLICA_EXPONENT = 16  # largest replica considered: 2**16 GPUs


def allreduce_seconds(model: ServedModel, device: Device, gpus: ArrayLike, tokens: ArrayLike, per_call: bool = True) -> ArrayLike:
    """Tensor-parallel all-reduce time of a forward pass over ``tokens`` tokens (``engine/parallelism.py``).
    ``per_call=False`` leaves out the fixed latency per call: the share of ``tokens`` in a forward pass
    that other tokens also ride (a prompt prefilled inside a running batch)."""
    a = model.architecture
    latency = device.allreduce_latency if per_call else 0.0
    return parallelism.allreduce_seconds(tokens, a.hidden, a.layers, pipeline.tensor_parallel(device, gpus), device.link_bandwidth, latency)


def fits(model: ServedModel, device: Device, gpus: ArrayLike, context: ArrayLike) -> ArrayLike:
    """True where a replica of ``gpus`` holds the weights plus one sequence of ``context`` tokens."""
    return kv_capacity_bytes(model, device, gpus) >= replica_kv_bytes(model, device, gpus, context)


def kv_capacity_bytes(model: ServedModel, device: Device, gpus: ArrayLike) -> ArrayLike:
    """Replica memory for the KV cache: the memory fraction of what the weights leave (negative
    when they do not fit; TensorRT-LLM sizes its cache as ``free_gpu_memory_fraction`` of the free memory)."""
    free = gpus * device.memory_bytes - model.weight_bytes
    return np.where(free > 0, free * device.memory_fraction, free)


def replica_kv_bytes(model: ServedModel, device: Device, gpus: ArrayLike, context: ArrayLike) -> ArrayLike:
    """KV cache of one sequence of ``context`` tokens across a replica, KV heads copied as each
    pipeline stage's tensor-parallel GPUs need."""
    return model.kv_bytes(context) * kv_head_replication(pipeline.tensor_parallel(device, gpus), model.architecture.kv_heads, model.architecture.latent_dim is not None)


def max_batch(model: ServedModel, device: Device, gpus: ArrayLike, context: ArrayLike) -> ArrayLike:
    """Most sequences of ``context`` KV tokens each whose KV cache fits (0 or less: none)."""
    return np.floor(kv_capacity_bytes(model, device, gpus) / replica_kv_bytes(model, device, gpus, context))


def _ndim(*values: object) -> int:
    """Dimensions of the broadcast of every number in ``values`` (dataclasses are opened)."""
    flat: list[object] = []
    for value in values:
        if isinstance(value, (ServedModel, Device, Architecture, RequestShape)):
            flat.append(_ndim(*vars(value).values()))
        else:
            flat.append(np.ndim(value))
    return max((int(n) for n in flat), default=0)


def min_replica_gpus(model: ServedModel, device: Device, context: ArrayLike) -> ArrayLike:
    """Smallest power-of-two replica holding the weights plus one sequence of ``context`` tokens.

    Closed form of ``fits`` (f·(g·M − W) ≥ KV of one sequence): up to g = kv_heads each GPU holds
    its own KV heads, so g ≥ (W + kv·C / f) / M; beyond, KV heads are copied (× g / kv_heads), so
    g·(M − kv·C / (f·kv_heads)) ≥ W (a latent cache counts as one KV head). Rounded up to powers of
    two and checked against ``fits`` (one step either way absorbs rounding at exact boundaries). A
    model too large even for 2**16 GPUs gets that size (its batch then comes out below 1, which
    callers report).
    """
    kv = model.kv_bytes(context) / device.memory_fraction
    capacity = device.memory_bytes
    kv_heads = 1.0 if model.architecture.latent_dim is not None else model.architecture.kv_heads
    largest = 2.0**MAX_REPLICA_EXPONENT
    with np.errstate(divide="ignore", invalid="ignore"):
        dense = _power_of_two_at_least((model.weight_bytes + kv) / capacity)
        room = capacity - kv / kv_heads
        replicated = np.maximum(2.0 ** (np.floor(np.log2(kv_heads)) + 1), _power_of_two_at_least(np.where(room > 0, model.weight_bytes / room, np.inf)))
    smallest = np.minimum(np.where(dense <= kv_heads, dense, replicated), largest)
    smallest = np.where(fits(model, device, smallest, context) | (smallest >= largest), smallest, np.minimum(2 * smallest, largest))
    half = smallest / 2
    return np.where((half >= 1) & fits(model, device, half, context), half, smallest)


def _power_of_two_at_least(value: ArrayLike) -> ArrayLike:
    """2^ceil(log2(value)), at least 1; infinity stays infinity."""
    return 2.0 ** np.ceil(np.log2(np.maximum(value, 1.0)))


def pass_fill(model: ServedModel, device: Device, gpus: ArrayLike, tokens: ArrayLike, expert_tokens: ArrayLike | None = None, flops_per_token: ArrayLike | None = None) -> ArrayLike:
    """Share of the large-problem rate a pass of ``tokens`` tokens (``flops_per_token`` each) reaches: its token fill
    (``ServedModel.fill``) × its width fill, as tensor parallelism leaves each GPU matrices d_model / t wide."""
    width = model.architecture.hidden / pipeline.tensor_parallel(device, gpus)
    return model.fill(tokens, device.half_fill_tokens, expert_tokens, flops_per_token) * gemm_fill(width, device.half_fill_width)


def compute_seconds(flops: ArrayLike, device: Device, gpus: ArrayLike, fill: ArrayLike) -> ArrayLike:
    """Wall time of compute-bound work on a replica of g GPUs: FLOP / (g · peak · compute efficiency ·
    fill), ``fill`` the share of the large-problem rate its passes reach (``ServedModel.fill``)."""
    return flops / (gpus * device.peak_flops * device.compute_efficiency * fill)


def at_load_prefill_tokens(device: Device, prompt_tokens: ArrayLike) -> ArrayLike:
    """Tokens in a prefill forward pass at load: prompts are packed up to the engine's token budget."""
    return np.maximum(prompt_tokens, device.prefill_token_budget)


def weight_read_seconds(model: ServedModel, device: Device, gpus: ArrayLike, tokens: ArrayLike) -> ArrayLike:
    """Reading the weights a forward pass over ``tokens`` tokens touches, spread over the replica."""
    return model.read_params(tokens) * model.weight_bytes_per_param / (gpus * device.bandwidth * device.bandwidth_efficiency)


def prefill_seconds(model: ServedModel, device: Device, gpus: ArrayLike, flops: ArrayLike, tokens: ArrayLike) -> ArrayLike:
    """Time to first token of one request alone: max(compute, one read of the weights) + all-reduces of its ``tokens``
    + the per-step overhead (module docstring); a pipelined replica's stages take the prompt one after another."""
    stages = pipeline.stages(device, gpus)
    floor = stages * weight_read_seconds(model, device, gpus, np.maximum(tokens, 1.0))
    compute = stages * compute_seconds(flops, device, gpus, pass_fill(model, device, gpus, tokens, flops_per_token=flops / np.maximum(tokens, 1.0)))
    links = allreduce_seconds(model, device, gpus, tokens) + pipeline.send_seconds(model, device, gpus, tokens)
    return np.maximum(compute, floor) + links + device.step_overhead


@dataclass(frozen=True)
class DecodeStep:
    """The two kernel groups of a decode step, each at its own roofline: the matrix multiplies against
    the weights they read, attention against the KV cache it reads; they run one after the other."""

    compute_seconds: ArrayLike
    memory_seconds: ArrayLike
    #: tensor-parallel all-reduces + per-step overhead
    fixed_seconds: ArrayLike
    #: attention over the KV cache: max(its FLOP, its KV reads)
    attention_seconds: ArrayLike = 0.0
    attention_compute_bound: ArrayLike = False

    @property
    def seconds(self) -> ArrayLike:
        """max(matmul compute, weight reads) + attention + all-reduces + overhead (module docstring)."""
        return np.maximum(self.compute_seconds, self.memory_seconds) + self.attention_seconds + self.fixed_seconds

    @property
    def compute_bound(self) -> ArrayLike:
        """True where most of the step's roofline time runs at the FLOP limit (``flop_bound``)."""
        return flop_bound(self.compute_seconds, self.memory_seconds, self.attention_seconds, self.attention_compute_bound)


def flop_bound(matmul_compute: ArrayLike, weight_reads: ArrayLike, attention: ArrayLike, attention_compute_bound: ArrayLike) -> ArrayLike:
    """True where the kernel groups limited by FLOP/s (matmuls, attention) take at least as long as those
    limited by HBM bandwidth: a step whose matmuls are compute-bound but which spends most of its time
    reading KV caches is bandwidth-bound."""
    matmuls = np.maximum(matmul_compute, weight_reads)
    at_flops = np.where(matmul_compute >= weight_reads, matmuls, 0.0) + np.where(attention_compute_bound, attention, 0.0)
    return at_flops >= matmuls + attention - at_flops


def attention_seconds(model: ServedModel, device: Device, gpus: ArrayLike, batch: ArrayLike, context: ArrayLike, fill: ArrayLike) -> tuple[ArrayLike, ArrayLike]:
    """Decode attention of ``batch`` sequences at mean ``context``: max(its FLOP, its KV reads), and whether FLOP bind."""
    flops = batch * (model.flops_per_token(context) - 2.0 * model.active_params)
    compute = compute_seconds(flops, device, gpus, fill)
    kv = batch * replica_kv_bytes(model, device, gpus, context) / (gpus * device.bandwidth * device.bandwidth_efficiency)
    return np.maximum(compute, kv), compute >= kv


def decode_step(model: ServedModel, device: Device, gpus: ArrayLike, batch: ArrayLike, context: ArrayLike) -> DecodeStep:
    """One decode step of ``batch`` sequences at mean ``context`` on replicas of ``gpus`` (pipelined
    beyond the scale-up domain: P micro-batches of B / P, ``engine/pipeline.py``); its compute runs at
    the device's decode share of the compute efficiency."""
    stages = pipeline.stages(device, gpus)
    micro = pipeline.micro_batch(batch, stages)
    fill = pass_fill(model, device, gpus, micro) * device.decode_compute_ratio
    compute = compute_seconds(stages * micro * 2.0 * model.active_params, device, gpus, fill)
    weights = stages * weight_read_seconds(model, device, gpus, micro)
    attention, attention_bound = attention_seconds(model, device, gpus, batch, context, gemm_fill(micro, device.half_fill_tokens) * device.decode_compute_ratio)
    fixed = allreduce_seconds(model, device, gpus, micro) + pipeline.send_seconds(model, device, gpus, micro) + device.step_overhead
    return DecodeStep(compute, weights, fixed, attention, attention_bound)


def default_batch(model: ServedModel, device: Device, gpus: ArrayLike, context: ArrayLike) -> ArrayLike:
    """The largest batch that fits, capped at the device's running-sequence limit, at least 1."""
    return np.clip(max_batch(model, device, gpus, context), 1.0, device.max_sequences)


def generation_gpu_seconds(tokens: ArrayLike, step_seconds: ArrayLike, gpus: ArrayLike, batch: ArrayLike, upfront_seconds: ArrayLike) -> ArrayLike:
    """GPU-seconds to generate ``tokens`` tokens after ``upfront_seconds`` of compute-bound work
    (prefill, scoring): g × (upfront + tokens × step time / B), as each step of a replica of g GPUs
    emits B tokens (module docstring: continuous batching keeps the batch full)."""
    return gpus * (upfront_seconds + tokens * step_seconds / batch)


def mixed_step_seconds(step: DecodeStep, prefill_seconds_per_request: ArrayLike, batch: ArrayLike, tokens_per_request: ArrayLike, prompt_steps: ArrayLike) -> ArrayLike:
    """Mean forward step when prompts are prefilled inside the running batch (in-flight batching with
    chunked prefill: Agrawal et al. 2023, SARATHI, arXiv 2308.16369 §3; TensorRT-LLM and vLLM schedule
    context and generation tokens in one step). B / n requests start per step (n tokens each) and each
    prompt takes k steps (its tokens over the engine's token budget), so a share f = min(1, k·B / n) of
    steps carries prefill, the mean prefill compute per step C_p = (B / n)·U spread over them:

        step = f · max(C_d + C_p / f, M) + (1 − f) · max(C_d, M) + attention + fixed

    f = 1 (many requests start per step): prefill compute hides under the decode's weight reads;
    f → 0 (a long prompt now and then): its step is compute-bound and prefill and decode add up."""
    starts = batch / np.maximum(tokens_per_request, 1.0)  # requests starting per step (a request emits at least one token)
    per_step = starts * prefill_seconds_per_request
    share = np.clip(prompt_steps * starts, 1e-12, 1.0)
    busy = np.maximum(step.compute_seconds + per_step / share, step.memory_seconds)
    return share * busy + (1.0 - share) * np.maximum(step.compute_seconds, step.memory_seconds) + step.attention_seconds + step.fixed_seconds


def fleet_gpus(gpu_seconds_per_day: ArrayLike, replica_gpus: ArrayLike, load_factor: ArrayLike = 1.0) -> ArrayLike:
    """GPUs (whole replicas) that deliver ``gpu_seconds_per_day`` × ``load_factor`` within a day.

    ``load_factor`` is 1 for the average load and the peak-to-average ratio for the peak; docs/DOMAIN.md §3:
    fleet = daily GPU-seconds / 86,400 × peak-to-average, rounded up to whole replicas.
    """
    return np.ceil(gpu_seconds_per_day * load_factor / SECONDS_PER_DAY / replica_gpus) * replica_gpus


#: Replica sizes tried above the smallest that fits: ×1, ×2, ×4, ×8 (more KV room, more all-reduce time).
REPLICA_MULTIPLES = (1.0, 2.0, 4.0, 8.0)
#: Batches tried when a latency target caps the batch: powers of two up to the running-sequence cap.
BATCH_GRID = tuple(2.0**k for k in range(int(np.log2(MAX_RUNNING_SEQUENCES)) + 1))


@dataclass(frozen=True)
class ServingChoice:
    """The replica and batch chosen for a request stream, and what they deliver."""

    gpus: ArrayLike
    batch: ArrayLike
    max_batch: ArrayLike
    step_seconds: ArrayLike
    compute_bound: ArrayLike
    #: compute-bound work + the serial chain × step time; parallel chains run concurrently, on
    #: ``replicas_per_request`` replicas when they outnumber one replica's batch
    latency_seconds: ArrayLike
    replicas_per_request: ArrayLike
    gpu_seconds_per_request: ArrayLike
    tokens_per_second_per_gpu: ArrayLike
    #: prefill alone (memory floor, all-reduces, overhead) and the first token: the time to first token
    ttft_seconds: ArrayLike
    #: GPU-seconds of the request's compute-bound work (prefill, scoring), the rest being decode
    upfront_gpu_seconds: ArrayLike
    #: GPU-seconds of the prompt's prefill alone (at load: its FLOP, plus its all-to-all under expert parallelism)
    prefill_gpu_seconds: ArrayLike


def _request_metrics(model: ServedModel, device: Device, request: RequestShape, gpus: ArrayLike, batch: ArrayLike) -> dict[str, ArrayLike]:
    """The figures of ``serve_requests`` for given replicas and batches (each side of the decode
    roofline computed once: this runs over every candidate). The prefill emits the first token, so
    latency = TTFT + (C − 1) steps + the work after the prompt's prefill (scoring)."""
    step = decode_step(model, device, gpus, batch, request.attended_context)
    seconds = step.seconds
    prefill = request.compute_flops if request.prefill_flops is None else request.prefill_flops
    ttft = prefill_seconds(model, device, gpus, prefill, request.prompt_tokens)
    # at load the prompt rides a running forward pass: its FLOP and its all-reduce volume, not its latency
    prompt_allreduce = allreduce_seconds(model, device, gpus, request.prompt_tokens, per_call=False) + pipeline.send_seconds(model, device, gpus, request.prompt_tokens, per_call=False)
    per_token = prefill / np.maximum(request.prompt_tokens, 1.0)
    packed = pass_fill(model, device, gpus, at_load_prefill_tokens(device, request.prompt_tokens), flops_per_token=per_token)
    upfront = compute_seconds(request.compute_flops, device, gpus, packed) + prompt_allreduce
    after = compute_seconds(request.compute_flops - prefill, device, gpus, pass_fill(model, device, gpus, request.prompt_tokens, flops_per_token=per_token))
    tokens = request.chains * request.chain_tokens
    prefill_at_load = compute_seconds(prefill, device, gpus, packed)
    if request.streamed:
        prompt_steps = np.ceil(request.prompt_tokens / device.prefill_token_budget)
        mixed, apart = mixed_step_seconds(step, prefill_at_load, batch, tokens, prompt_steps), upfront - prefill_at_load
    else:
        mixed, apart = seconds, upfront
    return {
        "step_seconds": seconds,
        "ttft_seconds": ttft,
        "latency_seconds": ttft + after + np.maximum(request.chain_tokens - 1.0, 0.0) * seconds,
        "gpu_seconds_per_request": generation_gpu_seconds(tokens, mixed, gpus, batch, apart),
        "upfront_gpu_seconds": gpus * upfront,
        "prefill_gpu_seconds": gpus * (prefill_at_load + prompt_allreduce),
        "tokens_per_second_per_gpu": batch / (seconds * gpus),
        "compute_bound": step.compute_bound,
    }


def serve_requests(
    model: ServedModel,
    device: Device,
    request: RequestShape,
    latency_target: ArrayLike | None = None,
    gpus: ArrayLike | None = None, max_batch: ArrayLike | None = None,
    step_target: ArrayLike | None = None,
) -> ServingChoice:
    """Replica size and batch for a stream of identical requests, and their latency and GPU-seconds.

    Without a latency target the batch is the largest that fits (≤ the device's sequence cap) and the replica, among the
    smallest power of two that holds the weights plus one full-length chain and 2×, 4×, 8× that, the
    one with the fewest GPU-seconds per request (more GPUs buy KV room for larger batches but pay
    more all-reduce time). With a target the batch is the largest on the grid 1, 2, 4, ... (or
    the memory limit) whose latency meets it, and the replica the cheapest that meets it; when none
    can, the fastest. A ``step_target`` (time per output token) is a second target, met the same way. ``gpus`` fixes the replica size; ``max_batch`` caps the batch (the sequences in flight). Vectorized over candidates: no Python loop
    over values that may be arrays.

    Latency = time to first token + (chain tokens − 1) × step time + scoring: the chains of one
    request run concurrently, spread over ceil(chains / batch) replicas when one cannot hold them all.
    """
    ndim = _ndim(model, device, request, latency_target, step_target)
    if gpus is None:
        smallest = min_replica_gpus(model, device, request.full_context)
        sizes = smallest * np.reshape(REPLICA_MULTIPLES, (-1,) + (1,) * ndim)
    else:
        sizes = np.reshape(np.asarray(gpus, dtype=float), (1,) + np.shape(gpus) + (1,) * (ndim - np.ndim(gpus)))
    admitted = default_batch(model, device, sizes, request.admitted_context(device))
    memory_batch = admitted if max_batch is None else np.clip(np.minimum(admitted, max_batch), 1.0, None)
    if latency_target is None and step_target is None:
        batch = memory_batch
    else:
        grid = np.minimum(np.reshape(BATCH_GRID, (-1,) + (1,) * (ndim + 1)), memory_batch)
        grid = np.concatenate([grid, np.broadcast_to(memory_batch, (1, *grid.shape[1:]))])
        batch = take_choice(grid, target_excess(_request_metrics(model, device, request, sizes, grid), latency_target, step_target))
    metrics = _request_metrics(model, device, request, sizes, batch)
    shape = np.broadcast_shapes(*(np.shape(v) for v in (sizes, batch, memory_batch, *metrics.values())))
    excess = target_excess(metrics, latency_target, step_target)
    meets = None if excess is None else np.broadcast_to(excess <= 1.0, shape)
    pick = choose(np.broadcast_to(metrics["gpu_seconds_per_request"], shape), meets, np.broadcast_to(metrics["latency_seconds"] if excess is None else excess, shape))
    chosen_gpus, chosen_batch = take(sizes, pick, shape), take(batch, pick, shape)
    return ServingChoice(
        gpus=chosen_gpus,
        batch=chosen_batch,
        max_batch=take(memory_batch, pick, shape),
        replicas_per_request=np.ceil(request.chains / chosen_batch),
        **_request_metrics(model, device, request, chosen_gpus, chosen_batch),  # recomputed: cheaper than gathering each
    )
