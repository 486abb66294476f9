"""Merge a point plan with its Monte Carlo twin: ``<metric>_p10`` / ``<metric>_p90`` beside each value."""

from __future__ import annotations

from typing import Any

import numpy as np

from scaling_cli.engine.uncertainty import quantiles
from scaling_cli.metrics import BANDED


def add_bands(point: Any, samples: Any) -> Any:
    """Walk both trees; a numeric leaf gets a P10-P90 band when it is a banded metric (time, cost,
    energy: always present) or when its samples vary (any output a scenario range moves)."""
    if isinstance(point, dict):
        merged: dict[str, Any] = {}
        for key, value in point.items():
            sample = samples.get(key) if isinstance(samples, dict) else None
            merged[key] = add_bands(value, sample)
            band = _band(key, value, sample)
            if band is not None:
                merged[f"{key}_p10"], merged[f"{key}_p90"] = band
        return merged
    if isinstance(point, list):
        sample_list = samples if isinstance(samples, list) else [None] * len(point)
        return [add_bands(p, s) for p, s in zip(point, sample_list)]
    return point


def _band(key: str, point: Any, sample: Any) -> tuple[Any, Any] | None:
    if isinstance(point, bool) or not isinstance(point, (int, float)) and point is not None:
        return None
    varies = isinstance(sample, np.ndarray) and sample.ndim == 1 and sample.size > 1 and bool(np.ptp(sample) > 0)
    if not (key in BANDED or varies):
        return None
    if point is None:
        return None, None
    if not varies:
        return point, point
    low, high = quantiles(sample)
    return low, high
