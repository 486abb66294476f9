"""Pretraining compute and memory.

Sources: Kaplan et al. 2020 §2.1 (C ≈ 6·N·D: 2N forward + 4N backward per token); Chowdhery et al.
2022 (PaLM) App. B (model FLOPs per token 6N + 12·L·H·Q·T, counting QK^T and AV in forward and
backward over the full, unmasked context); Rajbhandari et al. 2020 (ZeRO) §3 (16 bytes/param of
mixed-precision Adam state).
"""

from __future__ import annotations

import numpy as np

from scaling_cli.engine.types import ArrayLike

#: Forward pass FLOP per (active) parameter per token: one multiply-add per weight (Kaplan et al.
#: 2020 §2.1 and Table 1, C_forward ≈ 2N). The one definition of the 2·N rule.
FORWARD_FLOP_PER_PARAM_TOKEN = 2.0
#: Forward (2) + backward (4) FLOP per parameter per token (Kaplan et al. 2020 §2.1).
TRAINING_FLOP_PER_PARAM_TOKEN = 6.0
#: PaLM's attention FLOP per layer, attention width and context position in training (Chowdhery et
#: al. 2022 App. B): QK^T and AV (4 per position forward, ``engine/test_time.py``), ×3 for backward.
ATTENTION_TRAINING_FLOP_PER_LAYER_WIDTH_POSITION = 12.0
#: bf16 weights 2 + bf16 grads 2 + fp32 master weights 4 + fp32 Adam moments 8 (ZeRO §3).
TRAINING_STATE_BYTES_PER_PARAM = 16.0
#: A frozen weight kept in bf16 for the forward and backward passes (LoRA's base model; Hu et al. 2021 §4.2).
FROZEN_BYTES_PER_PARAM = 2.0


def dense_training_flops(active_params: ArrayLike, tokens: ArrayLike) -> ArrayLike:
    """6·N·D with N the parameters used per token (active parameters for MoE) (Kaplan et al. 2020 §2.1)."""
    return TRAINING_FLOP_PER_PARAM_TOKEN * active_params * tokens


def dense_training_factor(flops: ArrayLike, known: ArrayLike) -> ArrayLike:
    """Inverse of ``dense_training_flops``: the other factor of C = 6·N·D given one of them,
    N = C / (6·D) or D = C / (6·N) (Kaplan et al. 2020 §2.1)."""
    return flops / (TRAINING_FLOP_PER_PARAM_TOKEN * known)


def dense_forward_flops(params: ArrayLike, tokens: ArrayLike) -> ArrayLike:
    """2·N·D: a forward pass over ``tokens`` tokens through ``params`` weights, attention not counted
    (Kaplan et al. 2020 §2.1, C_forward ≈ 2N; Sardana et al. 2023 §2 for inference tokens)."""
    return FORWARD_FLOP_PER_PARAM_TOKEN * params * tokens


def attention_training_flops(layers: ArrayLike, attention_width: ArrayLike, seq_len: ArrayLike, tokens: ArrayLike) -> ArrayLike:
    """PaLM's attention term: 12·L·(H·Q)·T FLOP per token, times D tokens.

    ``attention_width`` is H·Q (heads × head dimension, usually d_model). The count is PaLM's
    convention: the full T×T score matrix, not halved for the causal mask.
    """
    return ATTENTION_TRAINING_FLOP_PER_LAYER_WIDTH_POSITION * layers * attention_width * seq_len * tokens


def min_gpus_for_training_state(total_params: ArrayLike, memory_bytes: ArrayLike, bytes_per_param: float = TRAINING_STATE_BYTES_PER_PARAM) -> ArrayLike:
    """Fewest accelerators that hold weights, gradients and Adam state fully sharded (ZeRO-3/FSDP).

    ceil(16·N_total / HBM per GPU); ``bytes_per_param`` 2 for weights that stay frozen in bf16 (LoRA's base). Activations, buffers and fragmentation are not counted, so
    this is a lower bound.
    """
    return np.ceil(bytes_per_param * np.asarray(total_params, dtype=float) / memory_bytes)
