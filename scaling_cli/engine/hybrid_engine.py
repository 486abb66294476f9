"""Colocated RL inside the training framework: DeepSpeed-Chat's Hybrid Engine (Yao et al. 2023, arXiv
2308.01320 §4; ``deepspeed/runtime/hybrid_engine.py``).

Every role (actor and critic training under ZeRO-3, the frozen reference and reward models) lives on
every GPU. To generate, the engine gathers the actor's ZeRO-3 shards into whole (or tensor-parallel)
inference weights once per ``generate`` call (parameters pinned, DeepSpeed-Chat's default), each GPU
(or each group of ``inference_tp`` GPUs, whose inputs are concatenated) decodes its own micro-batch
of prompts with DeepSpeed-Inference kernels, and releases the weights to train. So, unlike a serving
engine:
- the batch is the per-device generation micro-batch (× the inference TP degree), not every
  sequence in flight, and its KV cache gets only the memory the training states leave;
- each call pays one all-gather of the whole model over the GPUs' links.
The decode itself is timed on the serving roofline (``engine/serving.py``) at that batch.
"""

from __future__ import annotations

import numpy as np

from scaling_cli.engine.types import ArrayLike

#: Bytes per trained parameter resident under mixed-precision Adam: bf16 weights (2) and gradients
#: (2), fp32 master weights, momentum and variance (12) — "2Ψ + 2Ψ + KΨ, K = 12" (Rajbhandari et al.
#: 2020, ZeRO, arXiv 1910.02054 §3.1); ZeRO-3 partitions all of it over the data-parallel GPUs (§5.1).
TRAINED_BYTES_PER_PARAM = 16.0
#: Of those, what stays on the GPU with ZeRO-Offload (optimizer states and master weights in CPU
#: memory, Ren et al. 2021, arXiv 2101.06840 §4): bf16 weights and gradients.
OFFLOADED_TRAINED_BYTES_PER_PARAM = 4.0
#: A frozen model (reference, reward) in bf16; none on the GPU when offloaded to the CPU.
FROZEN_BYTES_PER_PARAM = 2.0


def resident_state_bytes(trained_params: ArrayLike, frozen_params: ArrayLike, gpus: ArrayLike, offload: bool = False) -> ArrayLike:
    """Bytes per GPU the colocated models keep between phases, ZeRO-3-partitioned over ``gpus``:
    the trained ones (actor, critic) at 16 bytes a parameter (4 with the optimizer offloaded), the
    frozen ones (reference, reward) at 2 (none when offloaded)."""
    trained = OFFLOADED_TRAINED_BYTES_PER_PARAM if offload else TRAINED_BYTES_PER_PARAM
    frozen = 0.0 if offload else FROZEN_BYTES_PER_PARAM
    return (trained * trained_params + frozen * frozen_params) / gpus


def generate_calls(sequences: ArrayLike, gpus: ArrayLike, batch_per_gpu: ArrayLike) -> ArrayLike:
    """``generate`` calls each GPU makes for ``sequences`` spread over ``gpus`` in micro-batches of
    ``batch_per_gpu``: ceil(S ÷ (G·b)), at least 1."""
    return np.maximum(np.ceil(sequences / (gpus * batch_per_gpu)), 1.0)


def gather_seconds(weight_bytes: ArrayLike, gpus: ArrayLike, domain_gpus: ArrayLike, scale_up: ArrayLike, scale_out: ArrayLike) -> ArrayLike:
    """One all-gather of ZeRO-3 shards into whole weights on every GPU: each GPU receives the
    (G − 1)/G of the bytes it lacks (ring all-gather; Thakur et al. 2005, "Optimization of
    collective communication operations in MPICH" §4), over its scale-up link within one
    NVLink domain, else over its scale-out NIC, the slowest link of the ring."""
    bandwidth = np.where(gpus <= domain_gpus, scale_up, scale_out)
    return weight_bytes * (gpus - 1.0) / gpus / bandwidth
