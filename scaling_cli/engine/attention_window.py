"""Sliding-window attention: what a layer that attends only to its last W positions caches and costs.

A windowed layer's token at position p attends to min(p, W) positions, and the engine keeps only the
last W tokens of such a layer's K and V: vLLM's hybrid KV cache manager "reserve[s] slots only for
the most recent sliding_window_size tokens" for sliding-window layers, and TensorRT-LLM's
variable sliding-window attention allocates "one pool per window size" (docs/DOMAIN.md §3.3).
Models mix them with full-attention layers: gpt-oss alternates full and 128-token banded layers
(OpenAI 2025, gpt-oss model card, arXiv 2508.10925), Gemma 3 has five 1,024-token local layers to each global one
(Gemma Team 2025, arXiv 2503.19786 §2.1), Mistral 7B windows every layer at 4,096 (arXiv 2310.06825
§2). With L layers of which L_w are windowed:

    positions attended by n tokens after s:  (L − L_w)·Σ_{p=s+1}^{s+n} p + L_w·Σ_{p=s+1}^{s+n} min(p, W)
    KV cache of a sequence of c tokens:       per-layer bytes · ((L − L_w)·c + L_w·min(c, W))

Training's attention term (PaLM's 12·L·(H·Q)·T per token, docs/DOMAIN.md §1.2) counts a windowed layer at
min(T, W) positions instead of T (``attended_layers``). Both are carried as a full-attention equivalent (positions or context per layer, ÷ L), so the
formulas that multiply by L (``engine/test_time.py``, ``engine/kv_cache.py``) take them unchanged.
A batch is read at its mean context, min(mean c, W) for the windowed layers: exact when every
sequence is on one side of W, and otherwise never too low (min is concave, so by Jensen's inequality
the mean of min(c, W) is at most min(mean c, W)): a conservative memory and time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scaling_cli.engine.types import ArrayLike


@dataclass(frozen=True)
class AttentionWindow:
    """``layers`` of a model attend only to the last ``tokens`` positions (the rest attend to all)."""

    tokens: ArrayLike
    layers: ArrayLike


def _triangle(x: ArrayLike) -> ArrayLike:
    """1 + 2 + … + x."""
    return x * (x + 1.0) / 2.0


def windowed_positions(start: ArrayLike, count: ArrayLike, window: ArrayLike) -> ArrayLike:
    """Σ_{p=start+1}^{start+count} min(p, window), closed form: the positions below the window
    summed as a triangle, the rest at ``window`` each."""
    end = start + count
    below = _triangle(np.minimum(end, window)) - _triangle(np.minimum(start, window))
    return below + window * np.maximum(end - np.maximum(start, window), 0.0)


def equivalent_positions(layers: ArrayLike, window: AttentionWindow | None, full: ArrayLike, start: ArrayLike, count: ArrayLike) -> ArrayLike:
    """Positions attended per layer, averaged over the layers: ``full`` (the causal sum of a
    full-attention layer) where no layer is windowed."""
    if window is None:
        return full
    share = window.layers / layers
    return (1.0 - share) * full + share * windowed_positions(start, count, window.tokens)


def attended_layers(layers: ArrayLike | None, window: ArrayLike | None, windowed_layers: ArrayLike | None, seq_len: ArrayLike | None) -> ArrayLike | None:
    """The layer count PaLM's training attention term 12·L·(H·Q)·T takes (full T×T scores, App. B)
    when ``windowed_layers`` (default all) attend to ``window`` positions: a windowed layer's token
    scores min(T, W) positions instead of T, so L − L_w + L_w·min(T, W) / T. ``layers`` as given
    without a window or a sequence length."""
    if layers is None or window is None or seq_len is None:
        return layers
    windowed = layers if windowed_layers is None else windowed_layers
    return layers - windowed + windowed * np.minimum(seq_len, window) / seq_len


def equivalent_context(layers: ArrayLike, window: AttentionWindow | None, context: ArrayLike) -> ArrayLike:
    """Tokens cached per layer, averaged over the layers, for a sequence of ``context`` tokens."""
    if window is None:
        return context
    share = window.layers / layers
    return (1.0 - share) * context + share * np.minimum(context, window.tokens)
