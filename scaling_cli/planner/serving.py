"""Serving defaults shared by every phase that decodes: test-time workloads and the generation
steps of post-training (RL rollouts, teacher outputs, synthetic data, best-of-n samples).

The roofline itself is ``engine.serving``; this module fills in its uncertain efficiencies and the
model's architecture, and records them as assumptions under ``serving.*``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scaling_cli.engine import serving
from scaling_cli.engine.types import clipped
from scaling_cli.engine.uncertainty import Z90, Sampler, median
from scaling_cli.engine.units import BYTES_PER_TB
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.hardware import ResolvedHardware
from scaling_cli.scenario.model import ModelSpec

#: Compute efficiency of prefill, scoring and compute-bound decode steps (median, log-normal σ).
COMPUTE_EFFICIENCY = (0.5, 0.25)
COMPUTE_EFFICIENCY_SOURCE = (
    "beyond-chinchilla (Sardana et al. 2023) prefill MFU 0.5; llm-analysis warns above 0.8 as benchmarks show "
    "0.6-0.7 (research/peer_tools.md §2.2, §2.5)"
)
#: Achieved share of HBM bandwidth in decode steps (median, log-normal σ; capped at 1).
BANDWIDTH_EFFICIENCY = (0.8, 0.15)
BANDWIDTH_EFFICIENCY_SOURCE = (
    "NVIDIA aiconfigurator mem_bw_empirical_scaling_factor 0.8 (h200_sxm.yaml); band spans llm-analysis's observed "
    "0.6-0.7 and LLM-Viewer's 3,072 of 3,350 GB/s = 0.92 for H100 (research/peer_tools.md §2.2, §2.8, §2.11)"
)


def uncertain_default(prior: tuple[float, float], key: str, sampler: Sampler, assumptions: Assumptions, unit: str, source: str, **bounds: float) -> Any:
    """A log-normal default recorded with its P10-P90 band; ``key`` is the assumption key and
    names the Monte Carlo draw (shared by every phase that uses the same default)."""
    median, sigma = prior
    low, high = (clipped(median * np.exp(z * sigma), **bounds) for z in (-Z90, Z90))
    assumptions.add(key, median, unit, f"{source}; band P10-P90 {low:.3g}-{high:.3g} (log-normal σ {sigma})")
    return clipped(sampler.lognormal(median, sigma, key), **bounds)


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
        compute_efficiency=uncertain_default(COMPUTE_EFFICIENCY, "serving.compute_efficiency", sampler, assumptions, "fraction", COMPUTE_EFFICIENCY_SOURCE, high=1.0),
        bandwidth_efficiency=uncertain_default(
            BANDWIDTH_EFFICIENCY, "serving.bandwidth_efficiency", sampler, assumptions, "fraction", BANDWIDTH_EFFICIENCY_SOURCE, high=1.0
        ),
    )


def _described(value: Any) -> str:
    return f"{median(value):.0f}"


APPROXIMATION_SOURCE = (
    "N_active ≈ 12·L·d² (Kaplan et al. 2020 Table 1) with d = 128·L (Llama 3 Table 3: d/L 102-130; GPT-3 175B: 128), "
    "head_dim 128 and 8 KV heads (every Llama 3 size)"
)


def serving_architecture(model: ModelSpec, assumptions: Assumptions) -> serving.Architecture:
    """The model's architecture for attention and KV cache, completed by a documented approximation."""
    heads, head_dim = model.heads, model.resolved_head_dim
    if model.layers is not None and model.attention_width is not None and heads is not None and head_dim is not None:
        return serving.Architecture(model.layers, model.attention_width, heads if model.kv_heads is None else model.kv_heads, head_dim)
    derived = serving.approximate_architecture(model.n_active, model.layers, model.attention_width)
    if heads is not None and head_dim is not None:  # heads given, layers derived from the width
        derived = serving.Architecture(derived.layers, derived.attention_width, heads if model.kv_heads is None else model.kv_heads, head_dim)
    assumptions.add(
        "serving.architecture",
        f"layers {_described(derived.layers)}, attention width {_described(derived.attention_width)}, "
        f"kv_heads {_described(derived.kv_heads)}, head_dim {_described(derived.head_dim)}",
        "",
        f"derived (model gives no full architecture): {APPROXIMATION_SOURCE}",
    )
    return derived


def served_model(total_params: Any, active_params: Any, architecture: serving.Architecture, precision: str) -> serving.ServedModel:
    return serving.ServedModel(
        total_params, active_params, architecture, serving.BYTES_PER_ELEMENT[precision], serving.kv_cache_bytes_per_element(precision)
    )


def serving_device(hardware: ResolvedHardware, compute_efficiency: Any, bandwidth_efficiency: Any) -> serving.Device | None:
    """The accelerator as the roofline sees it, or ``None`` when the catalog lacks its memory or bandwidth."""
    accel = hardware.accelerator
    if accel.bandwidth_tb_s is None or accel.memory_bytes is None:
        return None
    return serving.Device(hardware.peak_flops, accel.bandwidth_tb_s * BYTES_PER_TB, accel.memory_bytes, compute_efficiency, bandwidth_efficiency)


def add_fixed_assumptions(assumptions: Assumptions) -> None:
    """The roofline's fixed defaults (each documented with its source in ``engine.serving``)."""
    assumptions.add("serving.memory_fraction", serving.MEMORY_FRACTION, "fraction", "HBM share for weights + KV cache: vLLM gpu_memory_utilization default")
    assumptions.add("serving.max_running_sequences", serving.MAX_RUNNING_SEQUENCES, "sequences", "batch cap: vLLM max_num_seqs default")
    assumptions.add(
        "serving.tensor_parallel_efficiency",
        "0.796^(log2 g / 3)",
        "",
        "fit to Megatron-LM weak model-parallel scaling 90.7% / 86.5% / 79.6% at 2 / 4 / 8 GPUs (NVIDIA ADLR, MegatronLM V1.0, Table 1)",
    )
    assumptions.add(
        "serving.kv_cache_bytes_per_element",
        serving.KV_CACHE_MIN_BYTES,
        "bytes",
        "KV cache in the activation dtype (bf16) even for FP8/FP4 weights: vLLM kv_cache_dtype='auto'; weights at the precision's width",
    )
