"""Serving defaults shared by every phase that decodes: test-time workloads and the generation
steps of post-training (RL rollouts, teacher outputs, synthetic data, best-of-n samples).

The roofline itself is ``engine.serving``; this module fills in its uncertain efficiencies and the
model's architecture, and records them as assumptions under ``serving.*``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from scaling_cli import defaults, engine_defaults
from scaling_cli.engine import expert_parallel, serving
from scaling_cli.engine.attention_window import AttentionWindow
from scaling_cli.engine.kv_cache import mla_decode_width
from scaling_cli.engine.uncertainty import Sampler, median
from scaling_cli.engine.units import BYTES_PER_GB, BYTES_PER_TB
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.hardware import ResolvedHardware
from scaling_cli.scenario.model import ModelSpec

@dataclass(frozen=True)
class ServingDefaults:
    """What every decoding phase of one plan shares: the model's architecture and the efficiencies."""

    architecture: serving.Architecture
    compute_efficiency: Any
    bandwidth_efficiency: Any


def serving_defaults(model: ModelSpec, sampler: Sampler, assumptions: Assumptions) -> ServingDefaults:
    add_fixed_assumptions(assumptions)
    return ServingDefaults(
        architecture=serving_architecture(model, assumptions),
        compute_efficiency=assumptions.sample(defaults.COMPUTE_EFFICIENCY, sampler, high=1.0),
        bandwidth_efficiency=assumptions.sample(defaults.BANDWIDTH_EFFICIENCY, sampler, high=1.0),
    )


def _described(value: Any) -> str:
    return f"{median(value):.0f}"



def serving_architecture(model: ModelSpec, assumptions: Assumptions) -> serving.Architecture:
    """The model's architecture for attention and KV cache, completed by a documented approximation;
    ``attention_window`` on ``windowed_layers`` of its layers (default all, at most all)."""
    found = _attention_architecture(model, assumptions)
    if model.attention_window is None:
        return found
    windowed = found.layers if model.windowed_layers is None else np.minimum(float(model.windowed_layers), found.layers)
    return dataclasses.replace(found, window=AttentionWindow(float(model.attention_window), windowed))


def _attention_architecture(model: ModelSpec, assumptions: Assumptions) -> serving.Architecture:
    heads, head_dim = model.heads, model.resolved_head_dim
    if model.layers is not None and model.attention_width is not None and heads is not None and head_dim is not None:
        kv_heads = heads if model.kv_heads is None else model.kv_heads
        decode_width = None if model.kv_lora_rank is None else mla_decode_width(heads, model.kv_lora_rank, model.rope_head_dim or 0)
        return serving.Architecture(model.layers, model.attention_width, kv_heads, head_dim, model.latent_dim, model.d_model, decode_width)
    derived = serving.approximate_architecture(model.n_active, model.layers, model.attention_width)
    if heads is not None and head_dim is not None:  # heads given, layers derived from the width
        derived = serving.Architecture(derived.layers, derived.attention_width, heads if model.kv_heads is None else model.kv_heads, head_dim)
    assumptions.use(
        defaults.ARCHITECTURE,
        value=f"layers {_described(derived.layers)}, attention width {_described(derived.attention_width)}, "
        f"kv_heads {_described(derived.kv_heads)}, head_dim {_described(derived.head_dim)}",
    )
    return derived


def served_model(
    total_params: Any,
    active_params: Any,
    architecture: serving.Architecture,
    precision: str,
    kv_dtype: str | None = None,
    model: ModelSpec | None = None,
    weight_dtype: str | None = None,
) -> serving.ServedModel:
    """The model as the roofline sees it; ``model`` supplies mixture-of-experts routing when given.
    Weights are stored in ``weight_dtype`` when given (narrower weights multiplied at ``precision``,
    e.g. W4A8), else in the matmul precision; the KV cache rule follows the matmul precision."""
    experts = None if model is None else getattr(model, "experts", None)
    top_k = None if model is None else getattr(model, "top_k", None)
    weight_bytes = serving.BYTES_PER_ELEMENT[weight_dtype or precision]
    return serving.ServedModel(
        total_params, active_params, architecture, weight_bytes, serving.kv_cache_bytes_per_element(precision, kv_dtype), experts, top_k
    )


def format_factor(hardware: ResolvedHardware) -> float:
    """(16-bit peak ÷ the precision's peak)^γ: the share of the serving compute efficiency a narrower
    format keeps (``defaults.COMPUTE_FORMAT_EXPONENT``); 1 at 16 bits and for formats no faster than them."""
    return min(1.0, hardware.accelerator.reference_peak() / hardware.peak_flops) ** defaults.COMPUTE_FORMAT_EXPONENT.value


def serving_device(
    hardware: ResolvedHardware, compute_efficiency: Any, bandwidth_efficiency: Any, max_sequences: Any = None, measured: bool = False, engine: str | None = None
) -> serving.Device | None:
    """The accelerator as the roofline sees it, or ``None`` when the catalog lacks its memory or bandwidth.
    Without a published scale-up bandwidth a replica's all-reduces cost only their latency. A
    ``measured`` compute efficiency (the scenario's own MFU) is taken as is, at every batch. ``engine``
    (a serving engine's name) sets how requests are admitted (``engine_defaults.ENGINE_ADMISSION``); without
    one (generation inside a training job) the KV cache is taken as it grows."""
    accel = hardware.accelerator
    if accel.bandwidth_tb_s is None or accel.memory_bytes is None:
        return None
    if not measured:
        compute_efficiency = compute_efficiency * format_factor(hardware)
    link = float("inf") if accel.interconnect_gb_s is None else accel.interconnect_gb_s * BYTES_PER_GB * defaults.ALLREDUCE_BANDWIDTH_EFFICIENCY.value
    domain = defaults.SCALE_UP_DOMAIN.value if accel.scale_up_domain is None else accel.scale_up_domain
    scale_out = defaults.SCALE_OUT_BANDWIDTH.value if accel.scale_out_gb_s is None else accel.scale_out_gb_s * BYTES_PER_GB
    return serving.Device(
        hardware.peak_flops,
        accel.bandwidth_tb_s * BYTES_PER_TB,
        accel.memory_bytes,
        compute_efficiency,
        bandwidth_efficiency,
        link_bandwidth=link,
        allreduce_latency=defaults.ALLREDUCE_LATENCY.value,
        step_overhead=defaults.STEP_OVERHEAD.value,
        max_sequences=defaults.MAX_RUNNING_SEQUENCES.value if max_sequences is None else max_sequences,
        half_fill_tokens=0.0 if measured else defaults.GEMM_HALF_FILL_TOKENS.value,
        decode_compute_ratio=1.0 if measured else defaults.DECODE_COMPUTE_RATIO.value,
        half_fill_width=0.0 if measured else defaults.GEMM_HALF_FILL_WIDTH.value,
        prefill_token_budget=defaults.PREFILL_TOKEN_BUDGET.value,
        scale_up_domain=float(domain),
        scale_out_bandwidth=float(scale_out),
        reserves_whole_request=engine is not None and engine_defaults.ENGINE_ADMISSION[engine].value == engine_defaults.WHOLE_REQUEST,
    )


def serving_fabric(hardware: ResolvedHardware, assumptions: Assumptions, scope: str) -> expert_parallel.Fabric:
    """The links of an expert-parallel group: the catalog's fabric for the accelerator, or the
    defaults (recorded as assumptions under ``scope``) where the catalog states none."""
    accel = hardware.accelerator
    domain, scale_out = accel.scale_up_domain, None if accel.scale_out_gb_s is None else accel.scale_out_gb_s * BYTES_PER_GB
    if accel.fabric_source is not None:
        assumptions.add(f"{scope}.fabric", f"{domain} GPUs per scale-up domain, {accel.scale_out_gb_s:g} GB/s scale-out per GPU", "", accel.fabric_source)
    if domain is None:
        domain = assumptions.use(defaults.SCALE_UP_DOMAIN, f"{scope}.scale_up_domain")
    if scale_out is None:
        scale_out = assumptions.use(defaults.SCALE_OUT_BANDWIDTH, f"{scope}.scale_out_bandwidth")
    link = float("inf") if accel.interconnect_gb_s is None else accel.interconnect_gb_s * BYTES_PER_GB
    return expert_parallel.Fabric(float(domain), link, float(scale_out), defaults.ALLREDUCE_LATENCY.value)


def add_fixed_assumptions(assumptions: Assumptions) -> None:
    """The roofline's fixed defaults (``scaling_cli/defaults.py``; used by ``engine.serving``)."""
    fixed = (defaults.COMPUTE_FORMAT_EXPONENT, defaults.DECODE_COMPUTE_RATIO, defaults.MEMORY_FRACTION, defaults.MAX_RUNNING_SEQUENCES, defaults.TENSOR_PARALLEL_EFFICIENCY, defaults.ALLREDUCE_BANDWIDTH_EFFICIENCY, defaults.ALLREDUCE_LATENCY, defaults.STEP_OVERHEAD, defaults.GEMM_HALF_FILL_TOKENS, defaults.GEMM_HALF_FILL_WIDTH, defaults.PREFILL_TOKEN_BUDGET)
    for default in (*fixed, defaults.KV_CACHE_BYTES_PER_ELEMENT):
        assumptions.use(default)
