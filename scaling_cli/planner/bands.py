"""Merge a point plan with its Monte Carlo twin: ``<metric>_p10`` / ``<metric>_p90`` beside each value."""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from scaling_cli.engine.uncertainty import quantiles
from scaling_cli.metrics import is_banded
from scaling_cli.tree import Item, Path, pattern, rebuild


def add_bands(point: Any, samples: Any, prefix: str = "") -> Any:
    """A copy of the point tree where a numeric leaf gets a P10-P90 band when its metric is banded
    (time, cost, energy: always present) or when its samples vary (any output a scenario range moves).
    ``prefix`` is the tree's own path in the metric registry (``optimal`` for that command's figures)."""

    def entries(path: Path, value: Any) -> Iterator[tuple[str, Any]]:
        yield "", value
        band = _band(pattern((prefix, *path) if prefix else path), value, _lookup(samples, path))
        if band is not None:
            yield "_p10", band[0]
            yield "_p90", band[1]

    return rebuild(point, entries)


def _lookup(tree: Any, path: Path) -> Any:
    """The entry of ``tree`` at ``path`` (``None`` where the sampled tree has no such entry)."""
    for step in path:
        if isinstance(step, Item):
            tree = tree[step.index] if isinstance(tree, list) and step.index < len(tree) else None
        else:
            tree = tree.get(step) if isinstance(tree, dict) else None
    return tree


def _band(path: str, point: Any, sample: Any) -> tuple[Any, Any] | None:
    if isinstance(point, bool) or not isinstance(point, (int, float)) and point is not None:
        return None
    varies = isinstance(sample, np.ndarray) and sample.ndim == 1 and sample.size > 1 and bool(np.ptp(sample) > 0)
    if not (is_banded(path) or varies):
        return None
    if point is None:
        return None, None
    if not varies:
        return point, point
    low, high = quantiles(sample)
    return low, high
