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
    return _Merge(SharedQuantiles()).merge(point, samples, prefix)


class _Merge:
    """The walk of ``add_bands``, with each (pattern, key)'s registry lookups made once: a plan of
    thousands of groups repeats the same few dozen keys under the same pattern."""

    def __init__(self, bands: SharedQuantiles) -> None:
        self.bands = bands
        self._children: dict[str, dict[str, tuple[str, bool, str, str]]] = {}

    def _child(self, pattern: str, key: str, known: dict[str, tuple[str, bool, str, str]]) -> tuple[str, bool, str, str]:
        """The key's pattern, whether its metric is always banded, and its band keys."""
        path = f"{pattern}.{key}" if pattern else key
        found = known[key] = (path, is_banded(path), key + "_p10", key + "_p90")
        return found

    def merge(self, point: Any, sample: Any, pattern: str) -> Any:
        if isinstance(point, dict):
            copy: dict[str, Any] = {}
            other = sample.get if isinstance(sample, dict) else _nothing
            children = self._children.get(pattern)
            if children is None:
                children = self._children[pattern] = {}
            for key, value in point.items():
                kind = type(value)
                if kind is str or kind is bool:  # text and flags: never banded
                    copy[key] = value
                    continue
                found = children.get(key)
                path, banded, low, high = found if found is not None else self._child(pattern, key, children)
                if kind is dict or kind is list or isinstance(value, (dict, list)):
                    copy[key] = self.merge(value, other(key), path)
                    continue
                copy[key] = value
                band = _band(value, other(key), banded, self.bands)
                if band is not None:
                    copy[low], copy[high] = band
            return copy
        if isinstance(point, list):
            child = pattern + "[]"
            items = sample if isinstance(sample, list) else []
            return [self.merge(value, items[index] if index < len(items) else None, child) if isinstance(value, (dict, list)) else value for index, value in enumerate(point)]
        return point


def _nothing(key: str) -> None:
    return None


def _band(point: Any, sample: Any, banded: bool, bands: SharedQuantiles) -> tuple[Any, Any] | None:
    if isinstance(point, bool) or not isinstance(point, (int, float)) and point is not None:
        return None
    kind = type(sample)
    if kind is Scaled:  # always 1-D samples
        quantiles = bands(sample) if sample.base.size > 1 else None
    elif kind is float or sample is None:  # a figure no draw moves (the common case)
        quantiles = None
    else:
        quantiles = bands(sample) if isinstance(sample, (np.ndarray, Scaled)) and sample.ndim == 1 and sample.size > 1 else None
    if not (quantiles is not None or banded):
        return None
    if point is None:
        return None, None
    if quantiles is None:
        return point, point
    if isinstance(point, int):  # a whole-number figure (GPUs, batch): its band is whole too, widened outwards
        return int(np.floor(quantiles[0])), int(np.ceil(quantiles[1]))
    return quantiles[0], quantiles[1]
