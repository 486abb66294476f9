"""Serving roofline: KV cache, decode step time, batch, replica size and generation GPU-seconds.

A decode step of a replica of g tensor-parallel GPUs, running B sequences whose mean context is c:

    compute = B·(2·N_active + 4·L·w·c) / (g · peak · compute efficiency)
    memory  = (weights read + B · KV bytes per token · c · replication) / (g · HBM bandwidth · bandwidth efficiency)
    step    = max(compute, memory) / tensor-parallel efficiency(g)

Decoding reads every weight and the whole KV cache once per step, so it is bandwidth-bound at small
batch and compute-bound once B·FLOP per token outgrows bytes read × peak/bandwidth (the roofline;
docs/DOMAIN.md §3; LLM-Viewer and llm-analysis use the same max(compute, memory) form, docs/PEER_TOOLS.md §2.2,
§2.8). Continuous batching keeps sequences at every stage of their chain, so the batch's mean context
is the chain's mean context and the memory term is exact in expectation.

Defaults, each with its source:
- KV cache per token = 2 (K and V) · L · kv_heads · head_dim · bytes, counting grouped-query attention
  by its KV heads (Ainslie et al. 2023, GQA); LLM-Viewer #12 and the cookbook costed GQA models as
  multi-head (docs/PEER_TOOLS.md §2.1, §3). Tensor parallelism beyond kv_heads GPUs replicates KV heads
  (each GPU holds at least one), multiplying the cache by g / kv_heads.
- KV cache element: the activation dtype, bf16 (2 bytes) even for FP8/FP4 weights: vLLM's
  ``kv_cache_dtype="auto"`` keeps the model's activation dtype unless FP8 KV is asked for.
- Memory for weights + KV: 90% of HBM, vLLM's default ``gpu_memory_utilization=0.9`` (the rest holds
  activations, CUDA graphs and the runtime).
- Largest batch: what fits in that memory, capped at 256 running sequences, vLLM's default
  ``max_num_seqs`` (docs.vllm.ai engine arguments).
- Tensor-parallel efficiency: 0.796^(log2 g / 3), a fit to Megatron-LM's weak model-parallel scaling
  (NVIDIA ADLR, "MegatronLM's Supercharged V1.0", Table 1: 2-way 90.7%, 4-way 86.5%, 8-way 79.6%;
  the fit gives 92.7%, 85.9%, 79.6%), extrapolated beyond 8 GPUs.
- Replica size: a power of two (tensor parallelism splits attention heads, Shoeybi et al. 2019 §3),
  the smallest that holds the weights plus one full-length sequence.
- Mixture-of-experts: all experts stay in memory; a step reads at most min(N_total, B·N_active)
  parameters (the distinct experts B tokens can touch; an upper bound).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scaling_cli import defaults
from scaling_cli.engine.test_time import forward_flops_over
from scaling_cli.engine.types import ArrayLike
from scaling_cli.engine.units import SECONDS_PER_DAY

#: Bytes per weight of each precision a scenario may name (format widths: IEEE 754, OCP MX formats).
BYTES_PER_ELEMENT: dict[str, float] = {"fp64": 8.0, "fp32": 4.0, "tf32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "fp6": 0.75, "fp4": 0.5, "int4": 0.5}
#: KV cache in the activation dtype (bf16) unless the weights are wider (vLLM kv_cache_dtype="auto").
KV_CACHE_MIN_BYTES = defaults.KV_CACHE_BYTES_PER_ELEMENT.value
#: Share of HBM for weights and KV cache (vLLM gpu_memory_utilization default).
MEMORY_FRACTION = defaults.MEMORY_FRACTION.value
#: Most sequences a replica runs at once (vLLM max_num_seqs default).
MAX_RUNNING_SEQUENCES = defaults.MAX_RUNNING_SEQUENCES.value
#: Megatron-LM 8-way weak model-parallel scaling efficiency (ADLR "Supercharged V1.0", Table 1).
TENSOR_PARALLEL_EFFICIENCY_8 = 0.796
#: Largest replica considered: 2**16 GPUs.
MAX_REPLICA_EXPONENT = 16
#: d_model / n_layer of the approximated architecture: Llama 3 8B 128, 70B 102, 405B 130 (arXiv
#: 2407.21783 Table 3), GPT-3 175B 128 (Brown et al. 2020 Table 2.1).
ASPECT_RATIO = 128
#: Head dimension and KV heads of the approximated architecture (Llama 3, every size: Table 3).
APPROX_HEAD_DIM = 128
APPROX_KV_HEADS = 8
#: Non-embedding parameters ≈ 12·L·d² (Kaplan et al. 2020 Table 1).
PARAMS_PER_LAYER_WIDTH2 = 12.0


@dataclass(frozen=True)
class Architecture:
    """What attention and the KV cache depend on (floats, or arrays when derived from a range)."""

    layers: ArrayLike
    #: H·Q, query heads × head dimension (d_model for most models)
    attention_width: ArrayLike
    kv_heads: ArrayLike
    head_dim: ArrayLike


def approximate_architecture(active_params: ArrayLike, layers: ArrayLike | None = None, d_model: ArrayLike | None = None) -> Architecture:
    """An architecture for a model given only by its size: N ≈ 12·L·d² with d = 128·L, so
    L = (N / (12·128²))^(1/3) (70.6B → 71 layers, d 9,088; Llama 3 70B has 80 and 8,192); a given
    ``layers`` or ``d_model`` fixes the other through the same ratio. Head dimension 128 and 8 KV heads
    (fewer when there are fewer heads), as in every Llama 3 size. Uses active parameters for MoE.
    """
    if layers is None and d_model is None:
        layers = np.maximum(1.0, np.round(np.cbrt(np.asarray(active_params, dtype=float) / (PARAMS_PER_LAYER_WIDTH2 * ASPECT_RATIO**2))))
    if layers is None:
        layers = np.maximum(1.0, np.round(np.asarray(d_model, dtype=float) / ASPECT_RATIO))
    width = ASPECT_RATIO * np.asarray(layers, dtype=float) if d_model is None else np.asarray(d_model, dtype=float)
    heads = np.maximum(1.0, width / APPROX_HEAD_DIM)
    return Architecture(layers=layers, attention_width=width, kv_heads=np.minimum(float(APPROX_KV_HEADS), heads), head_dim=float(APPROX_HEAD_DIM))


def kv_cache_bytes_per_token(layers: ArrayLike, kv_heads: ArrayLike, head_dim: ArrayLike, bytes_per_element: ArrayLike) -> ArrayLike:
    """2 (K and V) · L · kv_heads · head_dim · bytes: the cache one token of context occupies."""
    return 2.0 * layers * kv_heads * head_dim * bytes_per_element


def kv_cache_bytes_per_element(precision: str) -> float:
    """KV cache element width at a serving precision (activation dtype, at least bf16)."""
    return max(KV_CACHE_MIN_BYTES, BYTES_PER_ELEMENT[precision])


@dataclass(frozen=True)
class ServedModel:
    """The model as the roofline sees it: sizes in parameters, widths in bytes."""

    total_params: ArrayLike
    active_params: ArrayLike
    architecture: Architecture
    weight_bytes_per_param: float
    kv_bytes_per_element: float

    @property
    def weight_bytes(self) -> ArrayLike:
        return self.total_params * self.weight_bytes_per_param

    @property
    def kv_bytes_per_token(self) -> ArrayLike:
        a = self.architecture
        return kv_cache_bytes_per_token(a.layers, a.kv_heads, a.head_dim, self.kv_bytes_per_element)

    def flops_per_token(self, context: ArrayLike) -> ArrayLike:
        """Forward FLOP of one token attending to ``context`` positions (``engine/test_time.py``)."""
        a = self.architecture
        return forward_flops_over(self.active_params, a.layers, a.attention_width, 1.0, context)


@dataclass(frozen=True)
class Device:
    """One accelerator's serving figures; efficiencies are fractions of its peaks."""

    peak_flops: ArrayLike
    #: HBM bandwidth in bytes/s
    bandwidth: ArrayLike
    memory_bytes: ArrayLike
    compute_efficiency: ArrayLike
    bandwidth_efficiency: ArrayLike
    memory_fraction: float = MEMORY_FRACTION


def tensor_parallel_efficiency(gpus: ArrayLike) -> ArrayLike:
    """Share of g GPUs' combined throughput a tensor-parallel replica achieves (1 for one GPU)."""
    # e8^(log2 g / 3) = g^(ln e8 / (3 ln 2)): one power instead of a log and a power
    return np.power(gpus, np.log(TENSOR_PARALLEL_EFFICIENCY_8) / (3.0 * np.log(2.0)))


def fits(model: ServedModel, device: Device, gpus: ArrayLike, context: ArrayLike) -> ArrayLike:
    """True where a replica of ``gpus`` holds the weights plus one sequence of ``context`` tokens."""
    return kv_capacity_bytes(model, device, gpus) >= replica_kv_bytes_per_token(model, gpus) * context


def kv_head_replication(gpus: ArrayLike, kv_heads: ArrayLike) -> ArrayLike:
    """Copies of each KV head across a replica: g / kv_heads once g exceeds the KV heads, else 1."""
    return np.maximum(1.0, gpus / kv_heads)


def kv_capacity_bytes(model: ServedModel, device: Device, gpus: ArrayLike) -> ArrayLike:
    """Replica memory left for the KV cache after the weights (negative when they do not fit)."""
    return gpus * device.memory_bytes * device.memory_fraction - model.weight_bytes


def replica_kv_bytes_per_token(model: ServedModel, gpus: ArrayLike) -> ArrayLike:
    return model.kv_bytes_per_token * kv_head_replication(gpus, model.architecture.kv_heads)


def max_batch(model: ServedModel, device: Device, gpus: ArrayLike, context: ArrayLike) -> ArrayLike:
    """Most sequences of mean resident ``context`` tokens whose KV cache fits (0 or less: none)."""
    return np.floor(kv_capacity_bytes(model, device, gpus) / (replica_kv_bytes_per_token(model, gpus) * context))


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

    Closed form of ``fits``: up to g = kv_heads each GPU holds its own KV heads, so g·M·f − W ≥
    kv·C gives g ≥ (W + kv·C) / (M·f); beyond, KV heads are copied (× g / kv_heads), so
    g·(M·f − kv·C / kv_heads) ≥ W. Rounded up to powers of two and checked against ``fits`` (one
    step either way absorbs rounding at exact boundaries). A model too large even for 2**16 GPUs gets
    that size (its batch then comes out below 1, which callers report).
    """
    kv = model.kv_bytes_per_token * context
    capacity = device.memory_bytes * device.memory_fraction
    kv_heads = model.architecture.kv_heads
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


def compute_seconds(flops: ArrayLike, device: Device, gpus: ArrayLike, parallel_efficiency: ArrayLike) -> ArrayLike:
    """Wall time of compute-bound work on a replica of g GPUs: FLOP / (g · peak · compute efficiency ·
    tensor-parallel efficiency) (the compute side of the roofline, module docstring). Prefill and
    scoring pass ``tensor_parallel_efficiency(g)``; a decode step passes 1, as its tensor-parallel loss
    divides the roofline's max."""
    return flops / (gpus * device.peak_flops * device.compute_efficiency * parallel_efficiency)


def decode_memory_seconds(model: ServedModel, device: Device, gpus: ArrayLike, batch: ArrayLike, context: ArrayLike) -> ArrayLike:
    """Memory side of a decode step: weights touched plus every sequence's KV cache, read once."""
    weights = np.minimum(model.total_params, batch * model.active_params) * model.weight_bytes_per_param
    kv = batch * replica_kv_bytes_per_token(model, gpus) * context
    return (weights + kv) / (gpus * device.bandwidth * device.bandwidth_efficiency)


@dataclass(frozen=True)
class DecodeStep:
    """Both sides of the decode roofline for candidate replicas and batches, each computed once."""

    #: compute side, before tensor-parallel losses
    compute_seconds: ArrayLike
    memory_seconds: ArrayLike
    parallel_efficiency: ArrayLike

    @property
    def seconds(self) -> ArrayLike:
        """max(compute, memory) / tensor-parallel efficiency (the roofline, module docstring)."""
        return np.maximum(self.compute_seconds, self.memory_seconds) / self.parallel_efficiency

    @property
    def compute_bound(self) -> ArrayLike:
        """True where the step is limited by FLOP/s rather than by HBM bandwidth."""
        return self.compute_seconds >= self.memory_seconds


def decode_step(model: ServedModel, device: Device, gpus: ArrayLike, batch: ArrayLike, context: ArrayLike) -> DecodeStep:
    """One decode step of ``batch`` sequences at mean ``context`` on replicas of ``gpus``."""
    compute = compute_seconds(batch * model.flops_per_token(context), device, gpus, 1.0)
    return DecodeStep(compute, decode_memory_seconds(model, device, gpus, batch, context), tensor_parallel_efficiency(gpus))


def default_batch(model: ServedModel, device: Device, gpus: ArrayLike, context: ArrayLike) -> ArrayLike:
    """The largest batch that fits, capped at ``MAX_RUNNING_SEQUENCES``, at least 1."""
    return np.clip(max_batch(model, device, gpus, context), 1.0, MAX_RUNNING_SEQUENCES)


def generation_gpu_seconds(tokens: ArrayLike, step_seconds: ArrayLike, gpus: ArrayLike, batch: ArrayLike, upfront_seconds: ArrayLike) -> ArrayLike:
    """GPU-seconds to generate ``tokens`` tokens after ``upfront_seconds`` of compute-bound work
    (prefill, scoring): g × (upfront + tokens × step time / B), as each step of a replica of g GPUs
    emits B tokens (module docstring: continuous batching keeps the batch full)."""
    return gpus * (upfront_seconds + tokens * step_seconds / batch)


def fleet_gpus(gpu_seconds_per_day: ArrayLike, replica_gpus: ArrayLike, load_factor: ArrayLike = 1.0) -> ArrayLike:
    """GPUs (whole replicas) that deliver ``gpu_seconds_per_day`` × ``load_factor`` within a day.

    ``load_factor`` is 1 for the average load and the peak-to-average ratio for the peak; docs/DOMAIN.md §3:
    fleet = daily GPU-seconds / 86,400 × peak-to-average, rounded up to whole replicas.
    """
    return np.ceil(gpu_seconds_per_day * load_factor / SECONDS_PER_DAY / replica_gpus) * replica_gpus


#: Replica sizes tried above the smallest that fits: ×1, ×2, ×4, ×8 (more KV room, more TP losses).
REPLICA_MULTIPLES = (1.0, 2.0, 4.0, 8.0)
#: Batches tried when a latency target caps the batch: powers of two up to the running-sequence cap.
BATCH_GRID = tuple(2.0**k for k in range(int(np.log2(MAX_RUNNING_SEQUENCES)) + 1))


@dataclass(frozen=True)
class RequestShape:
    """A request as the server sees it: a prompt, then ``chains`` sequences decoded side by side."""

    prompt_tokens: ArrayLike
    chains: ArrayLike
    #: tokens each chain generates, one step after another
    chain_tokens: ArrayLike
    #: the chains share one copy of the prompt's KV cache (prefix caching)
    prefix_shared: bool = True
    #: compute-bound work per request on the same replica: prefill, verifier or reward-model scoring
    compute_flops: ArrayLike = 0.0

    @property
    def attended_context(self) -> ArrayLike:
        """Mean positions a generated token attends to: P + (C + 1) / 2."""
        return self.prompt_tokens + (self.chain_tokens + 1) / 2

    @property
    def resident_context(self) -> ArrayLike:
        """Mean KV tokens a running chain keeps in memory (the shared prompt split among its chains)."""
        prompt = self.prompt_tokens / self.chains if self.prefix_shared else self.prompt_tokens
        return prompt + (self.chain_tokens + 1) / 2

    @property
    def full_context(self) -> ArrayLike:
        return self.prompt_tokens + self.chain_tokens


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


def _request_metrics(model: ServedModel, device: Device, request: RequestShape, gpus: ArrayLike, batch: ArrayLike) -> dict[str, ArrayLike]:
    """The figures of ``serve_requests`` for given replicas and batches (each side of the decode
    roofline and the tensor-parallel efficiency computed once: this runs over every candidate)."""
    step = decode_step(model, device, gpus, batch, request.attended_context)
    seconds = step.seconds
    upfront = compute_seconds(request.compute_flops, device, gpus, step.parallel_efficiency)
    return {
        "step_seconds": seconds,
        "latency_seconds": upfront + request.chain_tokens * seconds,
        "gpu_seconds_per_request": generation_gpu_seconds(request.chains * request.chain_tokens, seconds, gpus, batch, upfront),
        "tokens_per_second_per_gpu": batch / (seconds * gpus),
        "compute_bound": step.compute_bound,
    }


def _take(values: ArrayLike, index: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The entry ``index`` picks along axis 0, after broadcasting ``values`` to the candidates' ``shape``."""
    return np.take_along_axis(np.broadcast_to(values, shape), index[None], axis=0)[0]


def _choose(key: np.ndarray, feasible: np.ndarray | None, fallback: np.ndarray) -> np.ndarray:
    """Index along axis 0 minimizing ``key`` among feasible entries, or ``fallback`` where none is."""
    if feasible is None:
        return np.argmin(key, axis=0)
    any_ok = np.any(feasible, axis=0)
    return np.where(any_ok, np.argmin(np.where(feasible, key, np.inf), axis=0), np.argmin(fallback, axis=0))


def serve_requests(
    model: ServedModel,
    device: Device,
    request: RequestShape,
    latency_target: ArrayLike | None = None,
    gpus: ArrayLike | None = None, max_batch: ArrayLike | None = None,
) -> ServingChoice:
    """Replica size and batch for a stream of identical requests, and their latency and GPU-seconds.

    Without a latency target the batch is the largest that fits (≤ 256) and the replica, among the
    smallest power of two that holds the weights plus one full-length chain and 2×, 4×, 8× that, the
    one with the fewest GPU-seconds per request (more GPUs buy KV room for larger batches but lose
    tensor-parallel efficiency). With a target the batch is the largest on the grid 1, 2, 4, ... (or
    the memory limit) whose latency meets it, and the replica the cheapest that meets it; when none
    can, the fastest. ``gpus`` fixes the replica size; ``max_batch`` caps the batch (the sequences in flight). Vectorized over candidates: no Python loop
    over values that may be arrays.

    Latency = compute-bound work (prefill, scoring) + chain tokens × step time: the chains of one
    request run concurrently, spread over ceil(chains / batch) replicas when one cannot hold them all.
    """
    ndim = _ndim(model, device, request, latency_target)
    if gpus is None:
        smallest = min_replica_gpus(model, device, request.full_context)
        sizes = smallest * np.reshape(REPLICA_MULTIPLES, (-1,) + (1,) * ndim)
    else:
        sizes = np.reshape(np.asarray(gpus, dtype=float), (1,) + np.shape(gpus) + (1,) * (ndim - np.ndim(gpus)))
    memory_batch = default_batch(model, device, sizes, request.resident_context) if max_batch is None else np.clip(np.minimum(default_batch(model, device, sizes, request.resident_context), max_batch), 1.0, None)
    if latency_target is None:
        batch = memory_batch
    else:
        grid = np.minimum(np.reshape(BATCH_GRID, (-1,) + (1,) * (ndim + 1)), memory_batch)
        grid = np.concatenate([grid, np.broadcast_to(memory_batch, (1, *grid.shape[1:]))])
        latency = _request_metrics(model, device, request, sizes, grid)["latency_seconds"]
        shape = np.broadcast_shapes(np.shape(latency), grid.shape)
        largest_meeting = _choose(-np.broadcast_to(grid, shape), np.broadcast_to(latency, shape) <= latency_target, np.broadcast_to(latency, shape))
        batch = _take(grid, largest_meeting, shape)
    metrics = _request_metrics(model, device, request, sizes, batch)
    shape = np.broadcast_shapes(*(np.shape(v) for v in (sizes, batch, memory_batch, *metrics.values())))
    meets = None if latency_target is None else np.broadcast_to(metrics["latency_seconds"] <= latency_target, shape)
    pick = _choose(np.broadcast_to(metrics["gpu_seconds_per_request"], shape), meets, np.broadcast_to(metrics["latency_seconds"], shape))
    chosen_gpus, chosen_batch = _take(sizes, pick, shape), _take(batch, pick, shape)
    return ServingChoice(
        gpus=chosen_gpus,
        batch=chosen_batch,
        max_batch=_take(memory_batch, pick, shape),
        replicas_per_request=np.ceil(request.chains / chosen_batch),
        **_request_metrics(model, device, request, chosen_gpus, chosen_batch),  # recomputed: cheaper than gathering each
    )
