"""The ``pretraining`` section of a plan."""

from __future__ import annotations

from typing import Any

from scaling_cli.engine import pretraining as formulas
from scaling_cli.engine.types import whole
from scaling_cli.planner.costing import training_time_and_cost
from scaling_cli.planner.hardware import ResolvedHardware
from scaling_cli.scenario.model import ModelSpec
from scaling_cli.scenario.pretraining import PretrainingSpec

CONVENTION_6ND = "6·N_active·D (Kaplan et al. 2020 §2.1)"
CONVENTION_PALM = "6·N_active·D + 12·L·H·Q·T·D attention (PaLM, Chowdhery et al. 2022 App. B; full context, not causal-halved)"


def plan_pretraining(model: ModelSpec, spec: PretrainingSpec, hardware: ResolvedHardware) -> dict[str, Any]:
    tokens = spec.tokens
    dense = formulas.dense_training_flops(model.n_active, tokens)
    width = model.attention_width
    if model.layers is not None and width is not None and spec.seq_len is not None:
        attention = formulas.attention_training_flops(model.layers, width, spec.seq_len, tokens)
        convention = CONVENTION_PALM
    else:
        attention = None
        convention = CONVENTION_6ND + "; attention term omitted (needs model.layers, d_model or heads, and pretraining.seq_len)"
    flops = dense if attention is None else dense + attention
    memory = hardware.accelerator.memory_bytes
    min_gpus = None if memory is None else formulas.min_gpus_for_training_state(model.params, memory)
    return {
        "params": model.params,
        "active_params": model.n_active,
        "tokens": tokens,
        "tokens_per_param": tokens / model.n_active,
        "flops": flops,
        "flops_6nd": dense,
        "attention_flops": attention,
        "flops_convention": convention,
        "accelerator": hardware.accelerator.id,
        "precision": hardware.precision,
        "mfu": hardware.mfu,
        "goodput": hardware.goodput,
        **training_time_and_cost(flops, hardware),
        "min_gpus_for_memory": whole(min_gpus),
    }
