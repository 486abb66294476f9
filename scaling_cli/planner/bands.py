"""Merge a point plan with its Monte Carlo twin: ``<metric>_p10`` / ``<metric>_p90`` beside each value."""

from __future__ import annotations

from typing import Any

import numpy as np

from scaling_cli.engine.uncertainty import Scaled, SharedQuantiles
from scaling_cli.metrics import is_banded


def add_bands(point: Any, samples: Any, prefix: str = "") -> Any:
    """A copy of the point tree where a numeric leaf gets a P10-P90 band when its metric is banded
    (time, cost, energy: always present) or when its samples vary (any output a scenario range moves).
    ``prefix`` is the tree's own path in the metric registry (``optimal`` for that command's figures).

    The two trees are walked side by side (the sampled one has the point one's shape), each leaf's
    registry pattern (``post_training.derivatives[].gpu_hours``) built on the way down, and the
    quantiles share their sorting (``SharedQuantiles``): a plan of thousands of groups costs a
    few array operations per figure."""
    return _merge(point, samples, prefix, SharedQuantiles())


def _merge(point: Any, sample: Any, pattern: str, bands: SharedQuantiles) -> Any:
    if isinstance(point, dict):
        copy: dict[str, Any] = {}
        for key, value in point.items():
            child = f"{pattern}.{key}" if pattern else key
            other = sample.get(key) if isinstance(sample, dict) else None
            if isinstance(value, (dict, list)):
                copy[key] = _merge(value, other, child, bands)
                continue
            copy[key] = value
            band = _band(child, value, other, bands)
            if band is not None:
                copy[key + "_p10"], copy[key + "_p90"] = band
        return copy
    if isinstance(point, list):
        child = pattern + "[]"
        items = sample if isinstance(sample, list) else []
        return [_merge(value, items[index] if index < len(items) else None, child, bands) if isinstance(value, (dict, list)) else value for index, value in enumerate(point)]
    return point


def _band(path: str, point: Any, sample: Any, bands: SharedQuantiles) -> tuple[Any, Any] | None:
    if isinstance(point, bool) or not isinstance(point, (int, float)) and point is not None:
        return None
    quantiles = bands(sample) if isinstance(sample, (np.ndarray, Scaled)) and sample.ndim == 1 and sample.size > 1 else None
    if not (quantiles is not None or is_banded(path)):
        return None
    if point is None:
        return None, None
    if quantiles is None:
        return point, point
    if isinstance(point, int):  # a whole-number figure (GPUs, batch): its band is whole too, widened outwards
        return int(np.floor(quantiles[0])), int(np.ceil(quantiles[1]))
    return quantiles[0], quantiles[1]
