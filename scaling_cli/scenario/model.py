"""``model:`` — the foundation model: its size and, optionally, its architecture."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from scaling_cli.scenario.ranges import central
from scaling_cli.scenario.fields import PositiveCount, PositiveQuantity, StrictModel, user_error


class ModelSpec(StrictModel):
    """Parameter counts and optional architecture (needed for attention FLOPs and KV-cache sizes)."""

    params: PositiveQuantity | None = Field(
        None, description="Total parameters, e.g. 70B (for mixture-of-experts, all experts). Omit only to size the model from pretraining.compute."
    )
    active_params: PositiveQuantity | None = Field(None, description="Parameters used per token (MoE); default: params.")
    layers: PositiveCount | None = Field(None, description="Transformer layers (n_layer).")
    d_model: PositiveCount | None = Field(None, description="Hidden size.")
    heads: PositiveCount | None = Field(None, description="Attention (query) heads.")
    kv_heads: PositiveCount | None = Field(None, description="Key/value heads (grouped-query attention); default: heads.")
    head_dim: PositiveCount | None = Field(None, description="Dimension per head; default: d_model / heads.")
    vocab: PositiveCount | None = Field(None, description="Vocabulary size.")
    ffn_dim: PositiveCount | None = Field(None, description="Feed-forward hidden size.")
    experts: PositiveCount | None = Field(None, description="Mixture-of-experts: routed experts per layer (with top_k; the step reads the experts its tokens touch).")
    top_k: PositiveCount | None = Field(None, description="Mixture-of-experts: routed experts per token.")
    attention: Literal["gqa", "mla"] = Field(
        "gqa", description="gqa (multi-head or grouped-query: K and V per KV head) or mla (multi-head latent attention: one latent per token, DeepSeek-V2/V3)."
    )
    kv_lora_rank: PositiveCount | None = Field(None, description="mla: dimension of the cached KV latent (DeepSeek-V3: 512).")
    rope_head_dim: PositiveCount | None = Field(None, description="mla: dimension of the decoupled RoPE key, cached beside the latent (DeepSeek-V3: 64).")

    @model_validator(mode="after")
    def _consistent(self) -> ModelSpec:
        if self.params is None:
            if self.active_params is not None:
                raise user_error("active_without_total", "active_params needs params (the total, all experts included)", field="active_params")
            return self
        if self.active_params is not None and central(self.active_params) > central(self.params):
            raise user_error(
                "active_exceeds_total", f"active_params ({central(self.active_params):.4g}) exceeds params ({central(self.params):.4g})", field="active_params"
            )
        if (self.experts is None) != (self.top_k is None):
            raise user_error("moe_routing", "experts and top_k go together (routed experts per layer and per token)", field="experts" if self.top_k is None else "top_k")
        if self.experts is not None and self.top_k >= self.experts:
            raise user_error("top_k_experts", f"top_k ({self.top_k}) must be below experts ({self.experts})", field="top_k")
        if (self.attention == "mla") != (self.kv_lora_rank is not None):
            raise user_error("mla_latent", "attention: mla needs kv_lora_rank (and kv_lora_rank applies only to mla)", field="kv_lora_rank")
        if self.kv_heads is not None:
            if self.heads is None:
                raise user_error("kv_heads_without_heads", "kv_heads needs heads", field="kv_heads")
            if self.kv_heads > self.heads or self.heads % self.kv_heads:
                raise user_error("kv_heads_divide", f"kv_heads ({self.kv_heads}) must divide heads ({self.heads})", field="kv_heads")
        if self.head_dim is None and self.heads is not None and self.d_model is not None and self.d_model % self.heads:
            raise user_error("head_dim_ambiguous", f"d_model ({self.d_model}) is not a multiple of heads ({self.heads}); set head_dim", field="heads")
        return self

    @property
    def n_active(self) -> Any:
        """Parameters used per token: ``active_params`` for MoE, else ``params``."""
        return self.active_params if self.active_params is not None else self.params

    @property
    def latent_dim(self) -> int | None:
        """mla: elements cached per token and layer, latent + RoPE key (DeepSeek-V2 §2.1.2), else None."""
        return None if self.kv_lora_rank is None else self.kv_lora_rank + (self.rope_head_dim or 0)

    @property
    def resolved_head_dim(self) -> int | None:
        if self.head_dim is not None:
            return self.head_dim
        if self.heads is not None and self.d_model is not None:
            return self.d_model // self.heads
        return None

    @property
    def attention_width(self) -> int | None:
        """H·Q: query heads × head dimension (equals d_model unless head_dim is set otherwise)."""
        head_dim = self.resolved_head_dim
        if head_dim is None or self.heads is None:
            return self.d_model
        return self.heads * head_dim
