"""Pipeline parallelism for a serving replica larger than one scale-up domain.

Tensor parallelism all-reduces every layer's activations, which only the scale-up fabric (NVLink
inside an 8-GPU HGX node) carries at speed; across nodes engines split the model into pipeline
stages instead: "The tensor parallel size is the number of GPUs you want to use in each node, and the
pipeline parallel size is the number of nodes you want to use" (vLLM docs, *Distributed Inference and
Serving*, v0.5.5–v0.8); TensorRT-LLM combines both the same way (``tp_size`` × ``pp_size``). A replica of g GPUs on an
accelerator whose scale-up domain holds D is therefore t = min(g, 2^⌊log₂ D⌋) tensor-parallel GPUs
per stage and P = g / t stages, each holding L / P layers (Narayanan et al. 2021, arXiv 2104.04473 §2).

Decoding B sequences, the engine keeps P micro-batches of B / P in flight so that every stage works
(GPipe's micro-batches, Huang et al. 2019, arXiv 1811.06965, as inference engines schedule them).
A micro-batch's token passes the P stages in turn, so per generated token (one round):

    compute = P·b·FLOP per token / (g · peak · eff · fill(b)),  b = max(B / P, 1) per micro-batch
    weights = P × (weights a pass of b tokens reads) / (g · bandwidth · eff)   (each stage re-reads its shard per micro-batch)
    KV      = the batch's KV cache / (g · bandwidth · eff), KV heads copied only within a stage (t GPUs)
    links   = all-reduces of b tokens over t GPUs in all L layers + (P − 1) sends of their activations

With B ≥ P compute is that of tensor parallelism over g and the price is P reads of the weights per
token; with B < P stages idle. Either way more stages add capacity, not speed: at batch 1 a token
still reads all the weights through t GPUs' bandwidth.

A single prompt alone crosses the stages one after another: its prefill runs on t GPUs at a time.
At load, prompts fill the pipeline and their GPU-seconds are those of tensor parallelism over g.
"""

from __future__ import annotations

import numpy as np

from scaling_cli.engine.parallelism import ACTIVATION_BYTES
from scaling_cli.engine.served_model import Device, ServedModel
from scaling_cli.engine.types import ArrayLike


def tensor_parallel(device: Device, gpus: ArrayLike) -> ArrayLike:
    """GPUs per pipeline stage: the replica, or the largest power of two within the scale-up domain."""
    domain = 2.0 ** np.floor(np.log2(np.maximum(device.scale_up_domain, 1.0)))
    return np.minimum(np.asarray(gpus, dtype=float), domain)


def stages(device: Device, gpus: ArrayLike) -> ArrayLike:
    """Pipeline stages of a replica of ``gpus`` (1 within the scale-up domain)."""
    return np.asarray(gpus, dtype=float) / tensor_parallel(device, gpus)


def micro_batch(batch: ArrayLike, stages: ArrayLike) -> ArrayLike:
    """Sequences per micro-batch: B / P, at least one (with fewer sequences than stages, stages idle
    and a round still takes P stage passes of one sequence)."""
    return np.maximum(batch / stages, 1.0)


def send_seconds(model: ServedModel, device: Device, gpus: ArrayLike, tokens: ArrayLike, per_call: bool = True) -> ArrayLike:
    """The (P − 1) stage-to-stage sends of ``tokens`` tokens' activations (d_model × 2 bytes each)
    over each GPU's scale-out link; ``per_call=False`` leaves out the fixed latency (a prompt riding
    a running pass). Each send pays the device's per-call collective latency
    (``defaults.ALLREDUCE_LATENCY``, a planning value measured for small all-reduces inside a node;
    no cross-node point-to-point figure is bundled)."""
    latency = device.allreduce_latency if per_call else 0.0
    message = tokens * model.architecture.hidden * ACTIVATION_BYTES
    return (stages(device, gpus) - 1.0) * (latency + message / device.scale_out_bandwidth)
