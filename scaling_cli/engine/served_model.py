"""The served model and the accelerator as the serving roofline sees them (``engine/serving.py``).

A model is its parameters (total and active), its architecture and the widths of its weights and
KV cache; a mixture-of-experts model adds its routing (experts per layer, experts per token). A
device is its peaks, its memory and the engine's settings the roofline reads (KV share, batch cap,
per-step overhead, the fill curve of ``engine/gemm.py``). Defaults: ``scaling_cli/defaults.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scaling_cli import defaults
from scaling_cli.engine import parallelism
from scaling_cli.engine.attention_window import equivalent_context
from scaling_cli.engine.gemm import gemm_fill, mixed_fill
from scaling_cli.engine.kv_cache import Architecture, kv_cache_bytes_per_token
from scaling_cli.engine.test_time import forward_flops_over
from scaling_cli.engine.types import ArrayLike

#: Share of the memory left after the weights that holds the KV cache (TensorRT-LLM free_gpu_memory_fraction).
MEMORY_FRACTION = defaults.MEMORY_FRACTION.value
#: Most sequences a replica runs at once (TensorRT-LLM max_batch_size default).
MAX_RUNNING_SEQUENCES = defaults.MAX_RUNNING_SEQUENCES.value


@dataclass(frozen=True)
class ServedModel:
    """The model as the roofline sees it: sizes in parameters, widths in bytes."""

    total_params: ArrayLike
    active_params: ArrayLike
    architecture: Architecture
    weight_bytes_per_param: float
    kv_bytes_per_element: float
    #: mixture-of-experts routing (experts per layer, experts per token), or None for dense / unknown
    experts: ArrayLike | None = None
    top_k: ArrayLike | None = None

    @property
    def weight_bytes(self) -> ArrayLike:
        return self.total_params * self.weight_bytes_per_param

    @property
    def kv_bytes_per_token(self) -> ArrayLike:
        a = self.architecture
        return kv_cache_bytes_per_token(a.layers, a.kv_heads, a.head_dim, self.kv_bytes_per_element, a.latent_dim)

    def kv_bytes(self, context: ArrayLike) -> ArrayLike:
        """KV cache of one sequence of ``context`` tokens (windowed layers keep their last W only)."""
        a = self.architecture
        return self.kv_bytes_per_token * equivalent_context(a.layers, a.window, context)

    def flops_per_token(self, context: ArrayLike) -> ArrayLike:
        """Forward FLOP of one decoded token attending to ``context`` positions (``engine/test_time.py``;
        latent attention at its absorbed decode width, ``kv_cache.mla_decode_width``; a windowed layer
        attends to its last W)."""
        a = self.architecture
        return forward_flops_over(self.active_params, a.layers, a.decode_attention_width, 1.0, equivalent_context(a.layers, a.window, context))

    def routed_tokens(self, tokens: ArrayLike) -> ArrayLike:
        """Tokens each expert a pass of ``tokens`` tokens touches receives: T·k / E·(1 − (1 − k/E)^T)."""
        return tokens * self.top_k / parallelism.expected_experts(self.experts, self.top_k, tokens)

    def fill(self, tokens: ArrayLike, half_fill_tokens: ArrayLike, expert_tokens: ArrayLike | None = None, flops_per_token: ArrayLike | None = None) -> ArrayLike:
        """Share of the large-problem rate a pass of ``tokens`` tokens reaches (``gemm``); with known
        routing the routed experts' share of the pass's FLOP, 2·k·e / (FLOP per token), runs at the
        tokens each expert receives: attention over long contexts is not expert work. Without
        ``flops_per_token`` the pass is its weights' 2·N_active (share k·e / N_active)."""
        if self.experts is None or self.top_k is None:
            return gemm_fill(tokens, half_fill_tokens)
        routed_params = self.top_k * parallelism.moe_split(self.total_params, self.active_params, self.experts, self.top_k)[1]
        per_token = 2.0 * self.active_params if flops_per_token is None else flops_per_token
        routed = self.routed_tokens(tokens) if expert_tokens is None else expert_tokens
        return mixed_fill(tokens, routed, 2.0 * routed_params / per_token, half_fill_tokens)

    def read_params(self, tokens: ArrayLike) -> ArrayLike:
        """Parameters a step over ``tokens`` tokens reads: all of a dense model; for MoE the experts
        they touch (``parallelism.moe_read_params``), or at most min(N_total, B·N_active) when the
        routing is not given."""
        if self.experts is not None and self.top_k is not None:
            return np.minimum(self.total_params, parallelism.moe_read_params(self.total_params, self.active_params, self.experts, self.top_k, tokens))
        return np.minimum(self.total_params, tokens * self.active_params)


@dataclass(frozen=True)
class Device:
    """One accelerator's serving figures; efficiencies are fractions of its peaks."""

    peak_flops: ArrayLike
    #: HBM bandwidth in bytes/s
    bandwidth: ArrayLike
    #: HBM capacity in bytes
    memory_bytes: ArrayLike
    compute_efficiency: ArrayLike
    bandwidth_efficiency: ArrayLike
    memory_fraction: float = MEMORY_FRACTION
    #: scale-up link bandwidth per GPU, one direction, bytes/s (tensor-parallel all-reduces)
    link_bandwidth: ArrayLike = np.inf
    allreduce_latency: ArrayLike = 0.0
    #: fixed time of every forward step (scheduling, kernel launches, sampling)
    step_overhead: ArrayLike = 0.0
    max_sequences: ArrayLike = MAX_RUNNING_SEQUENCES
    #: the scheduler admits a request only when the KV cache can hold it through its last token
    #: (TensorRT-LLM's default GUARANTEED_NO_EVICT), rather than as its cache grows (vLLM, SGLang)
    reserves_whole_request: bool = False
    #: tokens in a forward pass at which matrix multiplies reach half their full efficiency (0: always full)
    half_fill_tokens: ArrayLike = 0.0
    #: matrix width per GPU (d_model / tensor-parallel GPUs) at which matrix multiplies reach half their full efficiency (0: always full)
    half_fill_width: ArrayLike = 0.0
    #: share of the compute efficiency a decode step reaches (1: the same as prefill)
    decode_compute_ratio: ArrayLike = 1.0
    #: tokens an engine packs into one forward pass of prefill at load (chunked / batched prefill)
    prefill_token_budget: ArrayLike = np.inf
    #: GPUs on one scale-up fabric (NVLink domain); a larger replica is pipelined (``engine/pipeline.py``)
    scale_up_domain: ArrayLike = np.inf
    #: scale-out link bandwidth per GPU, bytes/s (pipeline stages' sends)
    scale_out_bandwidth: ArrayLike = np.inf
