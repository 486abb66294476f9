"""KV cache and the architecture it depends on: bytes per token of context, element width, and an
architecture for a model given only by its size.

    KV bytes per token = 2 (K and V) · L · kv_heads · head_dim · bytes     (grouped-query attention)
                       = L · (latent + rope) · bytes                        (multi-head latent attention)

Grouped-query attention caches each KV head once (Ainslie et al. 2023, GQA); LLM-Viewer #12 and the
cookbook costed GQA models as multi-head (docs/PEER_TOOLS.md §2.1, §3). Multi-head latent attention
caches one compressed latent of ``kv_lora_rank`` plus a decoupled RoPE key of ``rope_head_dim`` per
token and layer, shared by every head (DeepSeek-V2, arXiv 2405.04434 §2.1.2: "(d_c + d_h^R)·l"
elements per token; DeepSeek-V3 512 + 64). Tensor parallelism beyond ``kv_heads`` GPUs replicates
KV heads (each GPU holds at least one); a latent cache is replicated on every GPU of the replica.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scaling_cli.engine.attention_window import AttentionWindow
from scaling_cli.engine.types import ArrayLike

#: Bytes per weight of each precision a scenario may name (format widths: IEEE 754, OCP MX formats).
BYTES_PER_ELEMENT: dict[str, float] = {"fp64": 8.0, "fp32": 4.0, "tf32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "fp6": 0.75, "fp4": 0.5, "int4": 0.5}
#: Activation dtype (bf16): the KV cache's width for 16-bit and wider serving.
ACTIVATION_BYTES = 2.0
#: Narrowest KV cache element engines store by default (FP8; TensorRT-LLM, defaults.KV_CACHE_DTYPE).
FP8_BYTES = 1.0
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
    #: multi-head latent attention: latent + RoPE elements cached per token and layer (else None)
    latent_dim: ArrayLike | None = None
    #: hidden size (the width of the activations tensor parallelism all-reduces); default attention_width
    d_model: ArrayLike | None = None
    #: the width a decoded token's attention costs (``mla_decode_width``); default attention_width
    decode_width: ArrayLike | None = None
    #: sliding-window attention on some layers (``engine/attention_window.py``), else None
    window: AttentionWindow | None = None

    @property
    def hidden(self) -> ArrayLike:
        return self.attention_width if self.d_model is None else self.d_model

    @property
    def decode_attention_width(self) -> ArrayLike:
        return self.attention_width if self.decode_width is None else self.decode_width


def mla_decode_width(heads: ArrayLike, kv_lora_rank: ArrayLike, rope_head_dim: ArrayLike) -> ArrayLike:
    """Attention width of a decoded token under multi-head latent attention with the up-projections
    absorbed into the query and output (DeepSeek-V2, arXiv 2405.04434 §2.1.2; how FlashMLA and
    SGLang decode): per head and attended position, scores over the cached latent and RoPE key,
    2·(d_c + d_R) FLOP, and the weighted sum over the latent, 2·d_c; in the 4·w per position
    convention of ``forward_flops_over``, w = H·(2·d_c + d_R) / 2 (DeepSeek-V3: 128 heads, 512 + 64 →
    69,632, 4.25× its 128 × 128 value width)."""
    return heads * (2.0 * kv_lora_rank + rope_head_dim) / 2.0


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


def kv_cache_bytes_per_token(layers: ArrayLike, kv_heads: ArrayLike, head_dim: ArrayLike, bytes_per_element: ArrayLike, latent_dim: ArrayLike | None = None) -> ArrayLike:
    """2 (K and V) · L · kv_heads · head_dim · bytes, or L · latent · bytes for latent attention."""
    if latent_dim is not None:
        return layers * latent_dim * bytes_per_element
    return 2.0 * layers * kv_heads * head_dim * bytes_per_element


def kv_cache_bytes_per_element(precision: str, kv_dtype: str | None = None) -> float:
    """KV cache element width: ``kv_dtype`` when given; else FP8 (1 byte) when the weights are 8-bit
    or narrower, as TensorRT-LLM stores it by default for FP8 checkpoints, and the activation dtype
    (at least bf16) otherwise (``defaults.KV_CACHE_DTYPE``)."""
    if kv_dtype is not None:
        return BYTES_PER_ELEMENT[kv_dtype]
    width = BYTES_PER_ELEMENT[precision]
    return FP8_BYTES if width <= FP8_BYTES else max(ACTIVATION_BYTES, width)


def kv_head_replication(gpus: ArrayLike, kv_heads: ArrayLike, latent: bool = False) -> ArrayLike:
    """Copies of each KV head across a replica: g / kv_heads once g exceeds the KV heads, else 1; a
    latent cache (one per token, not per head) is held whole by every GPU: g copies."""
    if latent:
        return np.asarray(gpus, dtype=float)
    return np.maximum(1.0, gpus / kv_heads)
