"""``model: {config: path/to/config.json}``: a Hugging Face ``config.json`` read from a local file.

The file is never fetched: it is a path, relative to the scenario file's directory (to the working
directory for a scenario read from standard input or given by ``--set``). Its keys become the
``model:`` block's architecture fields (``num_hidden_layers`` → ``layers``, ``hidden_size`` →
``d_model``, ...); keys the scenario itself gives win. Multimodal configs that nest the language
model under ``text_config`` (Gemma 3) are read from there. A family's ``config.json`` may leave
out keys its configuration class defaults (Gemma 3's omit the vocabulary and, for the 4B, the
heads); those defaults are filled from ``FAMILY_DEFAULTS`` and named in the note.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

#: Largest config.json read: published ones are a few kilobytes.
MAX_BYTES = 1 << 20

#: scenario field <- config.json key(s), first present wins (Mixtral, Qwen-MoE and DeepSeek name
#: their routed experts differently).
KEYS: dict[str, tuple[str, ...]] = {
    "layers": ("num_hidden_layers",),
    "d_model": ("hidden_size",),
    "heads": ("num_attention_heads",),
    "kv_heads": ("num_key_value_heads",),
    "head_dim": ("head_dim",),
    "vocab": ("vocab_size",),
    "ffn_dim": ("intermediate_size",),
    "experts": ("num_local_experts", "num_experts", "n_routed_experts"),
    "top_k": ("num_experts_per_tok",),
    "shared_experts": ("n_shared_experts",),
    "moe_ffn_dim": ("moe_intermediate_size",),
    "kv_lora_rank": ("kv_lora_rank",),
    "q_lora_rank": ("q_lora_rank",),
    "rope_head_dim": ("qk_rope_head_dim",),
    "nope_head_dim": ("qk_nope_head_dim",),
    "v_head_dim": ("v_head_dim",),
}
#: Keys where 0 means "none" (no shared experts, no dense layers, no RoPE part) rather than an error.
ZERO_MEANS_NONE = {"n_shared_experts", "num_experts", "n_routed_experts", "num_local_experts", "first_k_dense_replace", "qk_rope_head_dim", "q_lora_rank"}
#: Keys without which a config describes no architecture the planner can read.
CORE = ("num_hidden_layers", "hidden_size", "num_attention_heads")

#: Defaults of each family's transformers configuration class for keys its published config.json
#: files leave out (LlamaConfig, MistralConfig, MixtralConfig, Qwen2Config, Qwen2MoeConfig,
#: Qwen3Config, Qwen3MoeConfig, DeepseekV2Config, DeepseekV3Config: untied embeddings; GemmaConfig,
#: Gemma2Config, Gemma3TextConfig: tied, and Gemma3TextConfig's vocab_size 262208, 8 heads, 4 KV
#: heads, head_dim 256).
FAMILY_DEFAULTS: dict[str, dict[str, Any]] = {
    **{name: {"tie_word_embeddings": False} for name in ("llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "deepseek_v2", "deepseek_v3")},
    "gemma": {"tie_word_embeddings": True},
    "gemma2": {"tie_word_embeddings": True},
    "gemma3_text": {"tie_word_embeddings": True, "vocab_size": 262208, "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256},
}


class ConfigError(ValueError):
    """A config.json that cannot be read as a model architecture; the message says why."""


@dataclass(frozen=True)
class HFConfig:
    """What a config.json gave the ``model:`` block, and how it was read."""

    path: str
    model_type: str
    architecture: str | None
    #: (scenario field, value) pairs
    values: tuple[tuple[str, Any], ...]
    #: what the reading assumed: family defaults used, parts left out
    notes: tuple[str, ...] = ()

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.values)

    def describe(self) -> str:
        """``config.json llama-3.1-8b.config.json (llama, LlamaForCausalLM; ...)``"""
        kind = ", ".join(filter(None, (self.model_type or "no model_type", self.architecture, *self.notes)))
        return f"config.json {self.path} ({kind})"


def read_hf_config(path: str, base_dir: str | None = None) -> HFConfig:
    """The architecture fields of the config.json at ``path`` (relative to ``base_dir``, default the
    working directory); ``ConfigError`` says what is wrong with the file."""
    raw = _load(path, os.path.normpath(os.path.join(base_dir or os.getcwd(), os.path.expanduser(path))))
    notes: list[str] = []
    if "text_config" in raw:
        if not isinstance(raw["text_config"], dict):
            raise ConfigError("text_config must be a JSON object (the language model's config)")
        if "vision_config" in raw:
            notes.append("the vision encoder is not counted")
        outer = raw.get("model_type")
        raw = {"model_type": f"{outer}_text" if isinstance(outer, str) else None, "architectures": raw.get("architectures"), **raw["text_config"]}
    model_type = raw.get("model_type") if isinstance(raw.get("model_type"), str) else ""
    defaults = FAMILY_DEFAULTS.get(model_type)
    if not any(raw.get(key) is not None for key in CORE):
        raise ConfigError(f"model_type {model_type or 'unknown'!r} has none of the keys the planner reads ({', '.join(CORE)}, ...)")
    if defaults is None:
        notes.append(f"model_type not among {', '.join(sorted(FAMILY_DEFAULTS))}: its standard keys read, feed-forward assumed gated")
        defaults = {}
    filled = [key for key in defaults if raw.get(key) is None and key != "tie_word_embeddings"]
    if filled:
        notes.append("family defaults for " + ", ".join(f"{key} {defaults[key]}" for key in filled))
    merged = {**defaults, **{key: value for key, value in raw.items() if value is not None}}
    values = _architecture(merged)
    architectures = raw.get("architectures")
    name = architectures[0] if isinstance(architectures, list) and architectures and isinstance(architectures[0], str) else None
    return HFConfig(path=path, model_type=model_type, architecture=name, values=tuple(values.items()), notes=tuple(notes))


def _load(path: str, resolved: str) -> dict[str, Any]:
    if os.path.isdir(resolved):
        raise ConfigError(f"{path} is a directory; give the config.json inside it")
    try:
        with open(resolved, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"no such file: {path} (looked for {resolved})") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{path} is over {MAX_BYTES // 1024} KiB; a model's config.json is a few KB")
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not JSON (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path} must hold a JSON object of config keys, not {type(document).__name__}")
    return document


def _whole(config: dict[str, Any], key: str) -> int | None:
    """The whole number at ``key``: None when absent (or 0 where that means none); ``ConfigError``
    for anything else that is not a positive whole number."""
    value = config.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not value.is_integer()):
        raise ConfigError(f"{key} must be a positive whole number, not {json.dumps(value)[:40]}")
    if value == 0 and key in ZERO_MEANS_NONE:
        return None
    if value <= 0:
        raise ConfigError(f"{key} must be a positive whole number (got {value:g})")
    return int(value)


def _architecture(config: dict[str, Any]) -> dict[str, Any]:
    """Scenario fields from a config's keys (``KEYS``), with the derived ones: latent attention's
    head dimension, the dense layers of a mixture-of-experts model, Qwen2-MoE's shared expert."""
    values: dict[str, Any] = {}
    for field, keys in KEYS.items():
        found = next((key for key in keys if config.get(key) is not None), None)
        number = None if found is None else _whole(config, found)
        if number is not None:
            values[field] = number
    tied = config.get("tie_word_embeddings")
    if tied is not None:
        if not isinstance(tied, bool):
            raise ConfigError(f"tie_word_embeddings must be true or false, not {json.dumps(tied)[:40]}")
        values["tied_embeddings"] = tied
    if "kv_lora_rank" in values:
        values["attention"] = "mla"
        values["head_dim"] = values.get("nope_head_dim", 0) + values.get("rope_head_dim", 0) or values.get("head_dim")
    if "experts" in values:
        values.update(_moe_layers(config, values))
    values.update(_attention_window(config, values.get("layers")))
    return {key: value for key, value in values.items() if value is not None}


#: Families whose ``sliding_window`` windows every layer when set (Mistral 7B v0.1: 4,096).
WINDOW_ON_EVERY_LAYER = ("mistral",)


def _attention_window(config: dict[str, Any], layers: int | None) -> dict[str, Any]:
    """``attention_window`` and ``windowed_layers`` from ``sliding_window``: the layers
    ``layer_types`` marks ``sliding_attention`` (gpt-oss, recent Gemma configs), else the family's
    pattern as its transformers configuration class places them (Gemma 2: every other layer from the
    first; Gemma 3: all but every ``sliding_window_pattern``-th, default 6; Mistral: every layer).
    Qwen's configs carry a ``sliding_window`` that applies only with ``use_sliding_window`` (and then
    from ``max_window_layers`` on), and other families' are not read: a window left out costs memory,
    never undercounts it."""
    if config.get("sliding_window") is None or config.get("use_sliding_window") is not None:
        return {}
    window = _whole(config, "sliding_window")
    kinds = config.get("layer_types")
    if kinds is not None:
        if not isinstance(kinds, list) or not all(isinstance(kind, str) for kind in kinds):
            raise ConfigError("layer_types must be a list of layer kinds (\"sliding_attention\", \"full_attention\")")
        return {"attention_window": window, "windowed_layers": sum(kind == "sliding_attention" for kind in kinds)}
    model_type = config.get("model_type")
    if model_type in WINDOW_ON_EVERY_LAYER:
        return {"attention_window": window}
    if layers is None:
        return {}
    if model_type == "gemma2":
        return {"attention_window": window, "windowed_layers": (layers + 1) // 2}
    if model_type == "gemma3_text":
        pattern = _whole(config, "sliding_window_pattern") or 6
        return {"attention_window": window, "windowed_layers": layers - layers // pattern}
    return {}


def _moe_layers(config: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Dense layers among a mixture-of-experts model's (DeepSeek's first_k_dense_replace and
    moe_layer_freq, Qwen-MoE's decoder_sparse_step and mlp_only_layers, as their modeling code
    places experts) and Qwen2-MoE's shared expert as a count of expert-sized blocks."""
    out: dict[str, Any] = {}
    layers = values.get("layers")
    first_dense = _whole(config, "first_k_dense_replace") or 0
    every = _whole(config, "moe_layer_freq") or 1
    step = _whole(config, "decoder_sparse_step") or 1
    dense_only = config.get("mlp_only_layers") or []
    if not isinstance(dense_only, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in dense_only):
        raise ConfigError("mlp_only_layers must be a list of layer indices")
    if layers is not None:
        moe = sum(1 for i in range(layers) if i >= first_dense and i % every == 0 and (i + 1) % step == 0 and i not in dense_only)
        out["dense_layers"] = layers - moe
    shared_size = _whole(config, "shared_expert_intermediate_size")
    expert_size = values.get("moe_ffn_dim")
    if shared_size is not None and expert_size is not None:
        if shared_size % expert_size:
            raise ConfigError(f"shared_expert_intermediate_size ({shared_size}) is not a multiple of moe_intermediate_size ({expert_size})")
        out["shared_experts"] = shared_size // expert_size
    return out
