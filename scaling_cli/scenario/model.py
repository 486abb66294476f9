"""``model:`` — the foundation model: its size and, optionally, its architecture (given key by key or
read from a Hugging Face ``config.json``, ``scenario/hf_config.py``)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from pydantic import Field, PlainValidator, ValidationInfo, WithJsonSchema, model_validator

from scaling_cli.engine import architecture as formulas
from scaling_cli.scenario.hf_config import ConfigError, HFConfig, read_hf_config
from scaling_cli.scenario.ranges import central
from scaling_cli.scenario.fields import NonNegativeCount, PositiveCount, PositiveQuantity, StrictModel, user_error


def _config_value(value: Any) -> HFConfig | None:
    if value is None or isinstance(value, HFConfig):
        return value
    raise user_error("hf_config", "must be the path of a config.json file")


#: The ``config`` key: a path in the file, an ``HFConfig`` once read (by ``ModelSpec._read_config``).
ConfigPath = Annotated[
    HFConfig | None,
    PlainValidator(_config_value),
    WithJsonSchema({"type": "string", "minLength": 1, "description": "Path of a Hugging Face config.json (a local file)."}),
]

#: Architecture fields whose absence stops parameters being counted, by what needs them.
_NEEDED = ("layers", "d_model", "heads", "vocab")
_MLA_NEEDED = ("rope_head_dim", "nope_head_dim", "v_head_dim")


class ModelSpec(StrictModel):
    """Parameter counts and optional architecture (needed for attention FLOPs and KV-cache sizes)."""

    params: PositiveQuantity | None = Field(
        None,
        description="Total parameters, e.g. 70B (for mixture-of-experts, all experts). Default: counted from the architecture when it is complete; omit it too to size the model from pretraining.compute.",
    )
    active_params: PositiveQuantity | None = Field(None, description="Parameters used per token (MoE); default: counted from the architecture, else params.")
    config: ConfigPath = Field(
        None,
        description="Path of a Hugging Face config.json, read from the local file (never fetched), relative to this scenario file; fills the architecture. Keys given here win.",
    )
    layers: PositiveCount | None = Field(None, description="Transformer layers (n_layer).")
    d_model: PositiveCount | None = Field(None, description="Hidden size.")
    heads: PositiveCount | None = Field(None, description="Attention (query) heads.")
    kv_heads: PositiveCount | None = Field(None, description="Key/value heads (grouped-query attention); default: heads.")
    head_dim: PositiveCount | None = Field(None, description="Dimension per head; default: d_model / heads.")
    vocab: PositiveCount | None = Field(None, description="Vocabulary size.")
    ffn_dim: PositiveCount | None = Field(None, description="Feed-forward hidden size (of the dense layers; of each expert unless moe_ffn_dim is given).")
    gated_ffn: bool = Field(True, description="Gated feed-forward (SwiGLU, GeGLU: gate, up and down matrices); false for a two-matrix MLP (GPT-2, GPT-3).")
    tied_embeddings: bool = Field(False, description="Output head shares the input embedding matrix (Gemma, small Llama 3.2 and Qwen models).")
    experts: PositiveCount | None = Field(None, description="Mixture-of-experts: routed experts per layer (with top_k; the step reads the experts its tokens touch).")
    top_k: PositiveCount | None = Field(None, description="Mixture-of-experts: routed experts per token.")
    shared_experts: NonNegativeCount | None = Field(None, description="Mixture-of-experts: always-on shared experts per MoE layer (DeepSeek-V3: 1); default 0.")
    moe_ffn_dim: PositiveCount | None = Field(None, description="Mixture-of-experts: hidden size of each expert (DeepSeek-V3: 2048); default ffn_dim.")
    dense_layers: NonNegativeCount | None = Field(None, description="Mixture-of-experts: layers with a dense feed-forward of ffn_dim instead of experts (DeepSeek-V3: 3); default 0.")
    attention: Literal["gqa", "mla"] = Field(
        "gqa", description="gqa (multi-head or grouped-query: K and V per KV head) or mla (multi-head latent attention: one latent per token, DeepSeek-V2/V3)."
    )
    kv_lora_rank: PositiveCount | None = Field(None, description="mla: dimension of the cached KV latent (DeepSeek-V3: 512).")
    q_lora_rank: PositiveCount | None = Field(None, description="mla: dimension of the compressed query (DeepSeek-V3: 1536); none: queries not compressed.")
    rope_head_dim: PositiveCount | None = Field(None, description="mla: dimension of the decoupled RoPE key, cached beside the latent (DeepSeek-V3: 64).")
    nope_head_dim: PositiveCount | None = Field(None, description="mla: per-head query/key dimension without RoPE (DeepSeek-V3: 128).")
    v_head_dim: PositiveCount | None = Field(None, description="mla: per-head value dimension (DeepSeek-V3: 128).")
    attention_window: PositiveCount | None = Field(
        None, description="Sliding-window attention: positions a windowed layer attends to and keeps in its KV cache (gpt-oss 128, Gemma 3 1024, Mistral 7B 4096)."
    )
    windowed_layers: NonNegativeCount | None = Field(
        None, description="Layers with attention_window, the rest attending to everything (gpt-oss-120b: 18 of 36; Gemma 3 27B: 52 of 62); default: every layer."
    )

    @model_validator(mode="before")
    @classmethod
    def _read_config(cls, data: Any, info: ValidationInfo) -> Any:
        """Read ``config`` (a path) into an ``HFConfig`` and fill the fields it gives that the block
        does not; a bad file is one problem on the ``config`` key."""
        if not isinstance(data, dict) or data.get("config") is None or isinstance(data["config"], HFConfig):
            return data
        path = data["config"]
        if not isinstance(path, str) or not path.strip():
            raise user_error("hf_config", "must be the path of a config.json file", field="config")
        base = (info.context or {}).get("config_base_dir")
        try:
            config = read_hf_config(path, base)
        except ConfigError as exc:
            raise user_error("hf_config", str(exc), field="config") from None
        overridden = tuple(key for key in config.fields if key in data)
        config = dataclasses.replace(config, values=tuple((k, v) for k, v in config.values if k not in overridden))
        return {**config.fields, **data, "config": config}

    @model_validator(mode="after")
    def _consistent(self) -> ModelSpec:
        if self.params is None:
            if self.active_params is not None and self.architecture_counts is None:
                raise user_error("active_without_total", "active_params needs params (the total, all experts included)", field="active_params")
            return self._architecture_consistent()
        if self.active_params is not None and central(self.active_params) > central(self.params):
            raise user_error(
                "active_exceeds_total", f"active_params ({central(self.active_params):.4g}) exceeds params ({central(self.params):.4g})", field="active_params"
            )
        return self._architecture_consistent()

    def _origin(self, field: str) -> str:
        """Where a field's value came from: ``config`` when the config.json gave it, else the field."""
        return "config" if self.config is not None and field in self.config.fields else field

    def _architecture_consistent(self) -> ModelSpec:
        if (self.experts is None) != (self.top_k is None):
            missing, present = ("experts", "top_k") if self.experts is None else ("top_k", "experts")
            field = "config" if self._origin(present) == "config" else missing
            raise user_error("moe_routing", "experts and top_k go together (routed experts per layer and per token)", field=field)
        if self.experts is not None and self.top_k >= self.experts:
            raise user_error("top_k_experts", f"top_k ({self.top_k}) must be below experts ({self.experts})", field=self._origin("top_k"))
        for name in ("shared_experts", "moe_ffn_dim", "dense_layers"):
            if getattr(self, name) is not None and self.experts is None:
                raise user_error("moe_only", f"{name} applies only to a mixture-of-experts model (with experts and top_k)", field=self._origin(name))
        if self.dense_layers is not None and self.layers is not None and self.dense_layers > self.layers:
            raise user_error("dense_layers", f"dense_layers ({self.dense_layers}) exceeds layers ({self.layers})", field=self._origin("dense_layers"))
        if (self.attention == "mla") != (self.kv_lora_rank is not None):
            raise user_error("mla_latent", "attention: mla needs kv_lora_rank (and kv_lora_rank applies only to mla)", field=self._origin("kv_lora_rank"))
        for name in ("q_lora_rank", "nope_head_dim", "v_head_dim"):
            if getattr(self, name) is not None and self.attention != "mla":
                raise user_error("mla_only", f"{name} applies only to attention: mla", field=self._origin(name))
        if self.windowed_layers is not None:
            if self.attention_window is None:
                raise user_error("window_layers", "windowed_layers needs attention_window (the positions a windowed layer attends to)", field=self._origin("windowed_layers"))
            if self.layers is not None and self.windowed_layers > self.layers:
                raise user_error("window_layers", f"windowed_layers ({self.windowed_layers}) exceeds layers ({self.layers})", field=self._origin("windowed_layers"))
        if self.kv_heads is not None:
            if self.heads is None:
                raise user_error("kv_heads_without_heads", "kv_heads needs heads", field=self._origin("kv_heads"))
            if self.kv_heads > self.heads or self.heads % self.kv_heads:
                raise user_error("kv_heads_divide", f"kv_heads ({self.kv_heads}) must divide heads ({self.heads})", field=self._origin("kv_heads"))
        if self.head_dim is None and self.heads is not None and self.d_model is not None and self.d_model % self.heads:
            raise user_error("head_dim_ambiguous", f"d_model ({self.d_model}) is not a multiple of heads ({self.heads}); set head_dim", field=self._origin("heads"))
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

    @property
    def architecture_missing(self) -> tuple[str, ...]:
        """The fields parameters cannot be counted without (empty when the architecture is complete)."""
        missing = [name for name in _NEEDED if getattr(self, name) is None]
        dense_needed = self.experts is None or (self.dense_layers or 0) > 0 or self.moe_ffn_dim is None
        if dense_needed and self.ffn_dim is None:
            missing.append("ffn_dim")
        if self.attention == "mla":
            missing += [name for name in _MLA_NEEDED if getattr(self, name) is None]
        return tuple(missing)

    @property
    def architecture_counts(self) -> formulas.ParameterCounts | None:
        """Parameters counted from the architecture (``engine/architecture.py``), or None when it is
        incomplete (``architecture_missing``)."""
        if self.architecture_missing:
            return None
        moe = None
        if self.experts is not None:
            expert = self.moe_ffn_dim if self.moe_ffn_dim is not None else self.ffn_dim
            moe = formulas.MixtureOfExperts(self.experts, self.top_k, expert, self.shared_experts or 0, self.dense_layers or 0)
        latent = None
        if self.attention == "mla":
            latent = formulas.LatentAttention(self.kv_lora_rank, self.rope_head_dim, self.nope_head_dim, self.v_head_dim, self.q_lora_rank)
        kv_heads = self.heads if self.kv_heads is None else self.kv_heads
        return formulas.parameter_counts(
            self.layers, self.d_model, self.heads, kv_heads, self.resolved_head_dim, self.vocab, self.ffn_dim,
            gated=self.gated_ffn, tied=self.tied_embeddings, moe=moe, latent=latent,
        )
