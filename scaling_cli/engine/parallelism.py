"""Parallelism inside a serving replica: tensor-parallel all-reduces and mixture-of-experts reads.

Tensor parallelism (Shoeybi et al. 2019, Megatron-LM §3) splits every layer's attention and MLP
across g GPUs and all-reduces their outputs: two all-reduces per layer of the activations of the
tokens in the step, T·d_model·2 bytes (bf16) each. A ring all-reduce moves 2·(g−1)/g of the message
over each GPU's link (Patarasuk & Yuan 2009; NCCL's "bus bandwidth" convention) and pays a fixed
latency per call, so

    all-reduce seconds per step = 2·L · (α + 2·(g−1)/g · T·d·2 / link bandwidth)      (g > 1; 0 for g = 1)

with the link bandwidth the accelerator's unidirectional scale-up figure from the catalog
(``interconnect.bandwidth_gb_s_unidirectional``, e.g. NVLink 4: 450 GB/s) and α
``defaults.ALLREDUCE_LATENCY``. This replaces the earlier fit to Megatron *training* scaling.

Mixture-of-experts with top-k routing over E experts: a token picks k of E, so a batch of B tokens
reads each expert with probability 1 − (1 − k/E)^B and, in expectation, E·(1 − (1 − k/E)^B) distinct
experts per layer and step (uniform routing; the expected coverage of B draws of k of E). The step
reads the dense part (attention, embeddings, shared experts) plus that many experts' weights; with
expert parallelism the experts are spread over the replica's GPUs and each GPU reads its share.
"""

from __future__ import annotations

import numpy as np

from scaling_cli.engine.types import ArrayLike

#: Bytes per activation element all-reduced (bf16).
ACTIVATION_BYTES = 2.0
#: All-reduces per layer under tensor parallelism: after attention and after the MLP (Megatron-LM §3).
ALLREDUCES_PER_LAYER = 2.0


def allreduce_seconds(tokens: ArrayLike, hidden: ArrayLike, layers: ArrayLike, gpus: ArrayLike, link_bandwidth: ArrayLike, latency: ArrayLike) -> ArrayLike:
    """Tensor-parallel all-reduce time of one forward pass over ``tokens`` tokens (module docstring)."""
    g = np.asarray(gpus, dtype=float)
    message = tokens * hidden * ACTIVATION_BYTES
    per_call = latency + 2.0 * (g - 1.0) / g * message / link_bandwidth
    return np.where(g > 1.0, ALLREDUCES_PER_LAYER * layers * per_call, 0.0)


def expected_experts(experts: ArrayLike, top_k: ArrayLike, tokens: ArrayLike) -> ArrayLike:
    """E·(1 − (1 − k/E)^B): distinct experts B tokens touch per layer under uniform top-k routing."""
    return experts * (1.0 - np.power(1.0 - top_k / experts, tokens))


def moe_split(total: ArrayLike, active: ArrayLike, experts: ArrayLike, top_k: ArrayLike) -> tuple[ArrayLike, ArrayLike]:
    """(dense part, one routed expert) in parameters, from total = dense + E·e and active = dense + k·e:
    e = (total − active) / (E − k)."""
    per_expert = (total - active) / (experts - top_k)
    return active - top_k * per_expert, per_expert


def moe_read_params(total: ArrayLike, active: ArrayLike, experts: ArrayLike, top_k: ArrayLike, tokens: ArrayLike) -> ArrayLike:
    """Parameters a step of B tokens reads: dense part + expected distinct experts × expert size (``moe_split``)."""
    dense, per_expert = moe_split(total, active, experts, top_k)
    return dense + per_expert * expected_experts(experts, top_k, tokens)
