"""Collect the defaults a plan used, once each, in the order they were first used.

Every entry comes from a ``defaults.Default`` record (``use``, ``sample``, ``Default.unless``) or a
catalog figure with its source, so the *Assumptions* section is built from the one table of
defaults (``scaling_cli/defaults.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scaling_cli.defaults import Default
from scaling_cli.engine.types import clipped
from scaling_cli.engine.uncertainty import Z90, Sampler
from scaling_cli.result import Assumption


class Assumptions:
    def __init__(self) -> None:
        self._items: dict[str, Assumption] = {}
        #: the same entries in the order they were listed, so ``since`` slices instead of walking them all
        self._listed: list[Assumption] = []

    def add(self, key: str, value: Any, unit: str, source: str) -> None:
        if key not in self._items:
            self._items[key] = entry = Assumption(key=key, value=value, unit=unit, source=source)
            self._listed.append(entry)

    def use(self, default: Default, key: str | None = None, *, value: Any = None, source: str | None = None) -> Any:
        """List ``default`` (under ``key``, else its own key; with a ``value`` or ``source`` worked out
        for this plan where given) and return its value."""
        shown = default.value if value is None else value
        self.add(key or default.key, shown, default.unit, default.source if source is None else source)
        return shown

    def sample(self, default: Default, sampler: Sampler, key: str | None = None, **bounds: float) -> Any:
        """A log-normal default (median ``value``, σ ``log_sigma``) listed with its P10-P90 band and
        drawn by ``sampler``; ``key`` (default: its own) names the draw, so every phase using the same
        default shares it. ``bounds`` (``low``, ``high``) clip the draws."""
        key = key or default.key
        median, sigma = default.value, default.log_sigma
        low, high = (clipped(median * np.exp(z * sigma), **bounds) for z in (-Z90, Z90))
        self.add(key, median, default.unit, f"{default.source}; band P10-P90 {low:.3g}-{high:.3g} (log-normal σ {sigma})")
        return clipped(sampler.lognormal(median, sigma, key), **bounds)

    def mark(self) -> int:
        """How many entries are listed so far: ``since(mark())`` later gives what was added meanwhile."""
        return len(self._listed)

    def since(self, mark: int) -> list[Assumption]:
        """The entries added after ``mark``, in order."""
        return self._listed[mark:]

    def replay(self, entries: list[Assumption], scope: str, into_scope: str) -> None:
        """Add ``entries`` again, keys under ``scope`` (``post_training[3].x``) moved to ``into_scope``:
        what planning the same inputs under ``into_scope`` would have listed (keys outside ``scope``
        were listed already, and stay as they are)."""
        prefix = scope + "."
        for entry in entries:
            key = into_scope + entry.key[len(scope):] if entry.key.startswith(prefix) else entry.key
            self.add(key, entry.value, entry.unit, entry.source)

    def as_list(self) -> list[Assumption]:
        return list(self._listed)
