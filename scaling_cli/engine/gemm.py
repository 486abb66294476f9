"""Matrix-multiply efficiency against problem size: the fill curve of the serving roofline, and its
mixture-of-experts form (experts see only the tokens routed to them)."""

from __future__ import annotations

import numpy as np

from scaling_cli.engine.types import ArrayLike


def gemm_fill(tokens: ArrayLike, half_fill_tokens: ArrayLike) -> ArrayLike:
    """Share of its large-problem efficiency a matrix multiply with ``tokens`` rows reaches: T / (T + T½).

    Tensor-core GEMMs fill the GPU's streaming multiprocessors with output tiles; a short token
    dimension leaves tiles and waves partly empty and the operand reads less amortised, so achieved
    FLOP/s rise with the rows and saturate (NVIDIA, "Matrix Multiplication Background User's Guide",
    Deep Learning Performance docs: tile and wave quantization, arithmetic intensity). T / (T + T½) is
    the simplest curve with that shape; T½ is fitted (docs/CALIBRATION.md §4). The same curve in the
    matrices' width per GPU (d_model over the tensor-parallel GPUs) instead of their rows gives the
    width fill of ``engine/serving.pass_fill``, with its own fitted half-fill.
    """
    return 1.0 / (1.0 + half_fill_tokens / np.maximum(tokens, 1.0))  # = T / (T + T½), and 1 for T = ∞


def mixed_fill(tokens: ArrayLike, routed_tokens: ArrayLike, routed_share: ArrayLike, half_fill_tokens: ArrayLike) -> ArrayLike:
    """Fill of a mixture-of-experts pass: the routed experts' share s of the FLOP runs at the fill of
    the tokens each expert receives, the rest (attention, dense and shared layers) at the pass's
    tokens; their times add, so the fills combine harmonically: 1 / ((1 − s) / fill(T) + s / fill(T_e))."""
    share = np.clip(routed_share, 0.0, 1.0)
    return 1.0 / ((1.0 - share) / gemm_fill(tokens, half_fill_tokens) + share / gemm_fill(routed_tokens, half_fill_tokens))
