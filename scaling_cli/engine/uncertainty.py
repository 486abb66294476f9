"""Monte Carlo without Python loops: uncertain inputs become arrays of samples, the same engine runs.

A ``Sampler`` is either a *point* sampler (every uncertain input takes its central value, a float)
or a *Monte Carlo* sampler (every uncertain input becomes an array of ``size`` draws). Planner code
is written once and broadcasts over both. Draws are keyed by name and seeded from (seed, key), so a
result does not depend on the order in which inputs are drawn, and two inputs that share a key are
perfectly correlated (used for systematic errors such as the training-efficiency estimate).
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from scaling_cli.defaults import MONTE_CARLO_SAMPLES, MONTE_CARLO_SEED
from scaling_cli.engine.types import ArrayLike

DEFAULT_SAMPLES = MONTE_CARLO_SAMPLES
DEFAULT_SEED = MONTE_CARLO_SEED
#: z-score of the 90th percentile of a standard normal (P10-P90 = median × exp(∓1.2816 σ)).
Z90 = 1.2815515655446004


def band_settings(samples: int, seed: int) -> dict[str, Any] | None:
    """The ``uncertainty`` entry of a JSON document: what its ``_p10``/``_p90`` bands come from."""
    return {"samples": samples, "seed": seed, "band": "P10-P90"} if samples else None


class Sampler:
    """Point values (``size=None``) or arrays of ``size`` Monte Carlo draws."""

    def __init__(self, size: int | None = None, seed: int = DEFAULT_SEED, *, compact: bool = False) -> None:
        self.size = size
        self.seed = seed
        #: a plan's bands (``planner.plan.build_plan``): identical derivative groups are computed once
        #: and a figure that is a positive multiple of a shared array is kept as ``Scaled`` (sweeps,
        #: which broadcast every figure against their grid, keep plain arrays)
        self.compact = compact and size is not None
        self._normals: dict[str, np.ndarray] = {}

    @classmethod
    def point(cls) -> Sampler:
        return cls(None)

    @property
    def is_point(self) -> bool:
        return self.size is None

    def _rng(self, key: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(key.encode("utf-8"))])

    def standard_normal(self, key: str) -> ArrayLike:
        """0.0 in point mode; otherwise N(0, 1) draws, identical for identical keys."""
        if self.size is None:
            return 0.0
        if key not in self._normals:
            self._normals[key] = self._rng(key).standard_normal(self.size)
        return self._normals[key]

    def lognormal(self, median: float, log_sigma: float, key: str) -> ArrayLike:
        """``median`` in point mode; else median × exp(σ·z) with z shared by ``key``."""
        if self.size is None or (np.ndim(log_sigma) == 0 and log_sigma == 0):
            return median
        return median * np.exp(log_sigma * self.standard_normal(key))

    def uniform(self, key: str) -> np.ndarray | None:
        """``None`` in point mode; otherwise U(0, 1) draws for ``key`` (a scenario range's inverse
        CDF turns them into its samples: ``scenario.ranges.Range.draw``)."""
        if self.size is None:
            return None
        return self._rng(key).random(self.size)


class Scaled:
    """Monte Carlo samples ``base × factor`` (a non-negative finite float) kept unmultiplied: the
    figures of N derivative groups that differ only in their count are N multiples of one array.

    Multiplying by a non-negative number keeps the samples' order (IEEE rounding is monotone), so
    the k-th smallest of ``base × factor`` is the k-th smallest of ``base`` × ``factor``, bit for bit:
    quantiles and the finiteness check read the base's order statistics once (``SharedQuantiles``,
    ``planner.plan.all_plannable``). Arithmetic with it (a section's sum) works on ``values()``."""

    __slots__ = ("base", "factor")
    __array_ufunc__ = None  # ``array + scaled`` defers to ``__radd__`` instead of making an object array

    def __init__(self, base: np.ndarray, factor: float) -> None:
        self.base = base
        self.factor = factor

    @classmethod
    def of(cls, base: Any, factor: Any) -> Any:
        """``base × factor``: kept as ``Scaled`` when ``base`` is a 1-D array of samples and ``factor``
        a non-negative finite float, else multiplied out."""
        if isinstance(base, Scaled):
            base, factor = base.values(), factor
        if isinstance(base, np.ndarray) and base.ndim == 1 and base.dtype == np.float64 and isinstance(factor, float) and 0.0 <= factor < math.inf:
            return cls(base, factor)
        return base * factor

    def values(self) -> np.ndarray:
        return self.base * self.factor

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        values = self.values()
        return values if dtype is None else values.astype(dtype)

    @property
    def ndim(self) -> int:
        return 1

    @property
    def shape(self) -> tuple[int, ...]:
        return self.base.shape

    @property
    def size(self) -> int:
        return self.base.size

    def __add__(self, other: Any) -> Any:
        return self.values() + _plain(other)

    def __radd__(self, other: Any) -> Any:
        return _plain(other) + self.values()

    def __sub__(self, other: Any) -> Any:
        return self.values() - _plain(other)

    def __rsub__(self, other: Any) -> Any:
        return _plain(other) - self.values()

    def __mul__(self, other: Any) -> Any:
        return self.values() * _plain(other)

    def __rmul__(self, other: Any) -> Any:
        return _plain(other) * self.values()

    def __truediv__(self, other: Any) -> Any:
        return self.values() / _plain(other)

    def __rtruediv__(self, other: Any) -> Any:
        return _plain(other) / self.values()


def _plain(value: Any) -> Any:
    return value.values() if isinstance(value, Scaled) else value


def fingerprint(value: Any, arrays: dict[int, tuple[np.ndarray, Any]] | None = None) -> Any:
    """A hashable key of a value built from numbers, text, arrays, tuples, lists and dataclasses:
    equal keys mean equal values, bit for bit (an array by its dtype, shape and bytes, a float by its
    exact ``hex``, every leaf with its type), so a computation keyed by it can be reused for a second
    identical input. ``None`` when some part is of another kind (nothing is reused then). ``arrays``
    remembers each array's key by identity (it keeps the array, so the identity is not reused)."""
    kind = type(value)
    if kind in _PLAIN_KEYS:
        return (kind, value)
    if isinstance(value, float):
        return (kind, value.hex())
    if isinstance(value, np.ndarray):
        if arrays is None:
            return (value.dtype.str, value.shape, value.tobytes())
        known = arrays.get(id(value))
        if known is None or known[0] is not value:
            known = arrays[id(value)] = (value, (value.dtype.str, value.shape, value.tobytes()))
        return known[1]
    if isinstance(value, (tuple, list)):
        parts: tuple[Any, ...] = (kind, *(fingerprint(v, arrays) for v in value))
    else:
        names = _FIELDS.get(kind)
        if names is None:
            if not dataclasses.is_dataclass(kind):
                return None
            names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
        parts = (kind, *(fingerprint(getattr(value, name), arrays) for name in names))
    return None if None in parts else parts


_PLAIN_KEYS = frozenset({type(None), bool, int, str})
#: A dataclass's field names, by class (``dataclasses.fields`` builds a tuple on every call).
_FIELDS: dict[type, tuple[str, ...]] = {}


def quantiles(samples: ArrayLike | Sequence[float], probabilities: tuple[float, ...] = (0.1, 0.9), axis: int | None = None) -> list[Any]:
    """Linear-interpolated quantiles (numpy's default method, Hyndman & Fan 1996 type 7) via partial
    sorting: at h = (n − 1)·p, x[⌊h⌋] + (h − ⌊h⌋)·(x[⌈h⌉] − x[⌊h⌋]) of the sorted samples.

    ``axis=None`` takes every sample and returns floats; an ``axis`` returns one array per
    probability, over the other axes. ``np.percentile`` would do the same but loads ``numpy.ma``
    (~9 ms of start-up).
    """
    every = axis is None
    data, axis = _along(samples, axis)
    n = data.shape[axis]
    positions = [(n - 1) * p for p in probabilities]
    bounds = [(int(math.floor(h)), int(math.ceil(h))) for h in positions]
    part = np.partition(data, sorted({i for pair in bounds for i in pair}), axis=axis)
    result = []
    for h, (lo, hi) in zip(positions, bounds):
        low, high = np.take(part, lo, axis=axis), np.take(part, hi, axis=axis)
        result.append(low + (h - lo) * (high - low))
    return [float(q) for q in result] if every else result


def linear_quantile(samples: ArrayLike | Sequence[float], probability: float) -> float:
    """``np.quantile(samples, probability)`` of 1-D floats, the same numbers in the same arithmetic
    (numpy's default method, Hyndman & Fan 1996 type 7, and its ``_lerp``: a + (b − a)·t below
    t = 0.5, b − (b − a)·(1 − t) from it), without ``np.quantile``'s ``np.unique`` (which loads
    ``numpy.ma``, ~10 ms of start-up). NaN when any sample is NaN, as numpy gives."""
    data = np.array(samples, dtype=float).ravel()
    n = data.size
    h = (n - 1) * np.float64(probability)
    lo = int(np.floor(h))
    hi = min(lo + 1, n - 1)
    data.partition(sorted({0, n - 1, lo, hi}))
    if np.isnan(data[-1]):
        return math.nan
    t = h - lo
    a, b = data[lo], data[hi]
    difference = b - a
    return float(b - difference * (1 - t) if t >= 0.5 else a + difference * t)


class SharedQuantiles:
    """``quantiles`` of many 1-D sample arrays of one Monte Carlo run, sorting once per order.

    Most figures of a plan are positive multiples of a few sampled arrays (GPU-hours, cost and
    energy of a group all scale one efficiency draw), and a positive multiple has the same sorted
    order. Arrays are grouped by (size, position of their minimum, position of their maximum); the
    second array of a group is sorted (``argsort``), and each later one is taken in that order and
    checked to be non-decreasing, in which case its quantiles are read off directly. The check makes
    the result exact: the order statistics, and so the quantiles, are those ``quantiles`` computes,
    bit for bit; an array that fails it is partially sorted on its own. The same array object seen
    twice is answered from memory.
    """

    def __init__(self, probabilities: tuple[float, ...] = (0.1, 0.9)) -> None:
        self.probabilities = probabilities
        self._orders: dict[tuple[int, int, int], np.ndarray | None] = {}
        self._known: dict[int, tuple[np.ndarray, list[float] | None]] = {}
        self._stats: dict[int, tuple[np.ndarray, Any]] = {}

    def __call__(self, samples: np.ndarray | Scaled) -> list[float] | None:
        """The quantiles of ``samples`` (floats), or ``None`` when every sample is the same."""
        if isinstance(samples, Scaled):
            return self._scaled(samples)
        known = self._known.get(id(samples))
        if known is not None and known[0] is samples:
            return known[1]
        result = self._compute(samples)
        self._known[id(samples)] = (samples, result)  # the array is kept, so its id is not reused
        return result

    def _compute(self, samples: np.ndarray) -> list[float] | None:
        data = np.asarray(samples, dtype=float).ravel()
        low, high = int(data.argmin()), int(data.argmax())
        if not data[high] > data[low]:
            return None
        key = (data.size, low, high)
        if key not in self._orders:
            self._orders[key] = None  # first of its kind: most figures are alone, sort only a second
            return quantiles(data, self.probabilities)
        order = self._orders[key]
        if order is None:
            order = self._orders[key] = np.argsort(data, kind="stable")
        ordered = data[order]
        if not bool((ordered[1:] >= ordered[:-1]).all()):
            return quantiles(data, self.probabilities)
        return [_from_sorted(ordered, p) for p in self.probabilities]


    def _scaled(self, samples: Scaled) -> list[float] | None:
        """The quantiles of ``base × factor`` from the base's order statistics (``Scaled``): the same
        interpolation on the same numbers as ``quantiles`` of the multiplied-out array."""
        stats = self._stats.get(id(samples.base))
        if stats is None or stats[0] is not samples.base:
            stats = self._stats[id(samples.base)] = (samples.base, order_statistics(samples.base, self.probabilities))
        factor = samples.factor
        low, high, pairs = stats[1]
        if not factor * high > factor * low:
            return None
        result = []
        for h, below, above in pairs:
            lo, hi = below * factor, above * factor
            result.append(float(lo + (h - math.floor(h)) * (hi - lo)))
        return result


def order_statistics(samples: np.ndarray, probabilities: tuple[float, ...]) -> tuple[Any, Any, list[tuple[float, Any, Any]]]:
    """The smallest and largest sample, and for each probability p its position h = (n − 1)·p and
    the order statistics x[⌊h⌋] and x[⌈h⌉] that ``quantiles`` interpolates between."""
    n = samples.size
    positions = [(n - 1) * p for p in probabilities]
    bounds = [(int(math.floor(h)), int(math.ceil(h))) for h in positions]
    part = np.partition(samples, sorted({0, n - 1, *(i for pair in bounds for i in pair)}))
    return part[0], part[n - 1], [(h, part[lo], part[hi]) for h, (lo, hi) in zip(positions, bounds)]


def _from_sorted(ordered: np.ndarray, probability: float) -> float:
    """``quantiles``' interpolation, on samples already in order (the same arithmetic, bit for bit)."""
    h = (ordered.size - 1) * probability
    lo, hi = int(math.floor(h)), int(math.ceil(h))
    low, high = ordered[lo], ordered[hi]
    return float(low + (h - lo) * (high - low))


def median(samples: ArrayLike | Sequence[float], axis: int | None = None) -> Any:
    """The middle sample, or the mean of the two middle ones, as ``np.median`` (NaN if any sample is
    NaN), via partial sorting; ``axis=None`` takes every sample and returns a float. ``np.median``
    would load ``numpy.ma`` (~9 ms of start-up)."""
    every = axis is None
    data, axis = _along(samples, axis)
    n = data.shape[axis]
    lo, hi = (n - 1) // 2, n // 2
    part = np.partition(data, sorted({lo, hi, n - 1}), axis=axis)
    value = np.take(part, lo, axis=axis)
    if hi != lo:
        value = (value + np.take(part, hi, axis=axis)) / 2
    value = np.where(np.isnan(np.take(part, n - 1, axis=axis)), np.nan, value)
    return float(value) if every else value


def _along(samples: ArrayLike | Sequence[float], axis: int | None) -> tuple[np.ndarray, int]:
    """The samples as floats and the axis to reduce: every sample, flattened, when ``axis`` is None."""
    data = np.asarray(samples, dtype=float)
    return (data.ravel(), 0) if axis is None else (data, axis)
