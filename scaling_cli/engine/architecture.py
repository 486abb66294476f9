"""Parameters of a decoder-only transformer counted from its architecture: total and per token.

    N = V·d·(1 if tied else 2)                                           embeddings (input + output head)
      + L · attention                                                    every layer
      + L_dense · m·d·f                                                  dense feed-forward layers
      + L_moe · ((E + S)·m·d·f_e + d·E)                                  mixture-of-experts layers
    N_active = the same with top_k routed experts (k + S) in place of E + S

    attention (multi-head / grouped-query) = d·H·h (Q) + 2·d·KV·h (K, V) + H·h·d (output)
    attention (latent, MLA)                = d·r_q + r_q·H·(h_nope + h_rope)   (Q; d·H·(h_nope + h_rope) without r_q)
                                           + d·(r_kv + h_rope) + r_kv·H·(h_nope + h_v)   (compressed K, V)
                                           + H·h_v·d                                 (output)

with m = 3 matrices for a gated feed-forward (SwiGLU/GeGLU: gate, up, down; Shazeer 2020, "GLU
Variants Improve Transformer", arXiv 2002.05202) and 2 otherwise (Vaswani et al. 2017); the
attention projections of Vaswani et al. 2017 with KV heads shared by query groups (Ainslie et al.
2023, GQA, arXiv 2305.13245); the latent attention matrices of DeepSeek-V2 (arXiv 2405.04434 §2.1:
W^DQ, W^UQ, W^DKV with the decoupled RoPE key W^KR, W^UK, W^UV, W^O); routed and always-on shared
experts of DeepSeekMoE (arXiv 2401.06066 §3) and a router of d·E weights per MoE layer; the first
L_dense layers dense where a model says so (DeepSeek-V3, arXiv 2412.19437 §4.2: 3 of 61). Norms,
biases and rotary tables are left out (under 0.1% of any model here); so is a multi-token
prediction module (DeepSeek-V3's 14B beyond the 671B). Kaplan et al. 2020 Table 1 is the same count
for a non-gated multi-head model (2·d·L·(2·d_attn + d_ff) beyond the embeddings). Active
parameters include both embedding matrices, as Mixtral's 12.9B and Qwen3-30B-A3B's 3.3B do
(DeepSeek-V3's weight notes count the output head only: 36.6B against 37.4B here).
"""

from __future__ import annotations

from dataclasses import dataclass

from scaling_cli.engine.types import ArrayLike

#: Weight matrices of a gated feed-forward block (gate, up, down: SwiGLU, GeGLU) and of a plain one.
GATED_FFN_MATRICES = 3.0
PLAIN_FFN_MATRICES = 2.0


@dataclass(frozen=True)
class LatentAttention:
    """Multi-head latent attention ranks (DeepSeek-V2 §2.1); ``q_lora_rank`` None: Q not compressed."""

    kv_lora_rank: ArrayLike
    rope_head_dim: ArrayLike
    nope_head_dim: ArrayLike
    v_head_dim: ArrayLike
    q_lora_rank: ArrayLike | None = None


@dataclass(frozen=True)
class MixtureOfExperts:
    """Routed experts per MoE layer, chosen per token, always-on shared experts, each expert's
    hidden size, and the layers that keep a dense feed-forward instead."""

    experts: ArrayLike
    top_k: ArrayLike
    expert_ffn_dim: ArrayLike
    shared_experts: ArrayLike = 0.0
    dense_layers: ArrayLike = 0.0


@dataclass(frozen=True)
class ParameterCounts:
    """Parameters by part; ``ffn`` is every expert's, ``ffn_active`` those one token uses."""

    embedding: ArrayLike
    attention: ArrayLike
    ffn: ArrayLike
    ffn_active: ArrayLike

    @property
    def total(self) -> ArrayLike:
        return self.embedding + self.attention + self.ffn

    @property
    def active(self) -> ArrayLike:
        return self.embedding + self.attention + self.ffn_active


def embedding_params(vocab: ArrayLike, d_model: ArrayLike, tied: bool) -> ArrayLike:
    """V·d for the input embedding, once more for an untied output head."""
    return vocab * d_model * (1.0 if tied else 2.0)


def attention_params(d_model: ArrayLike, heads: ArrayLike, kv_heads: ArrayLike, head_dim: ArrayLike, latent: LatentAttention | None = None) -> ArrayLike:
    """One layer's attention weights: Q, K, V and output projections (grouped-query), or the
    latent attention's down- and up-projections (DeepSeek-V2 §2.1)."""
    if latent is None:
        return d_model * head_dim * (2.0 * heads + 2.0 * kv_heads)
    qk_dim = latent.nope_head_dim + latent.rope_head_dim
    if latent.q_lora_rank is None:
        query = d_model * heads * qk_dim
    else:
        query = d_model * latent.q_lora_rank + latent.q_lora_rank * heads * qk_dim
    key_value = d_model * (latent.kv_lora_rank + latent.rope_head_dim) + latent.kv_lora_rank * heads * (latent.nope_head_dim + latent.v_head_dim)
    return query + key_value + heads * latent.v_head_dim * d_model


def ffn_params(d_model: ArrayLike, ffn_dim: ArrayLike, gated: bool) -> ArrayLike:
    """One feed-forward block (one expert): 3·d·f gated, 2·d·f plain."""
    return (GATED_FFN_MATRICES if gated else PLAIN_FFN_MATRICES) * d_model * ffn_dim


def parameter_counts(
    layers: ArrayLike,
    d_model: ArrayLike,
    heads: ArrayLike,
    kv_heads: ArrayLike,
    head_dim: ArrayLike,
    vocab: ArrayLike,
    ffn_dim: ArrayLike | None,
    *,
    gated: bool = True,
    tied: bool = False,
    moe: MixtureOfExperts | None = None,
    latent: LatentAttention | None = None,
) -> ParameterCounts:
    """Total and active parameters by part (module docstring); ``ffn_dim`` is the dense layers'
    hidden size (unused by a mixture-of-experts model without dense layers)."""
    attention = layers * attention_params(d_model, heads, kv_heads, head_dim, latent)
    if moe is None:
        ffn = layers * ffn_params(d_model, ffn_dim, gated)
        return ParameterCounts(embedding_params(vocab, d_model, tied), attention, ffn, ffn)
    dense = moe.dense_layers * ffn_params(d_model, ffn_dim, gated) if ffn_dim is not None else 0.0
    expert = ffn_params(d_model, moe.expert_ffn_dim, gated)
    moe_layers = layers - moe.dense_layers
    router = d_model * moe.experts
    ffn = dense + moe_layers * ((moe.experts + moe.shared_experts) * expert + router)
    ffn_active = dense + moe_layers * ((moe.top_k + moe.shared_experts) * expert + router)
    return ParameterCounts(embedding_params(vocab, d_model, tied), attention, ffn, ffn_active)
