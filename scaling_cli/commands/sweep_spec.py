"""``scaling sweep``'s words: ``--vary`` axes (their spec, their values, checked with the scenario's
own rules) and ``--where`` conditions. ``commands.sweep`` evaluates the plan over the grid."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from scaling_cli.errors import InputError, UsageError, shown
from scaling_cli.quantity import parse_count, parse_quantity
from scaling_cli.scenario.inputs import Inputs
from scaling_cli.scenario.loading import LoadedScenario, apply_overrides, parse_path, validate_document
from scaling_cli.yaml_source import PathKey, dotted

MAX_POINTS = 50_000_000
#: A range axis of at most this many values lists them in JSON besides its spec; a longer one is
#: given by its spec alone, so a sweep's document does not grow with its grid.
LISTED_VALUES = 100


@dataclass(frozen=True)
class Vary:
    """One varied input: its path, how its values were asked for (``scale`` "linear" or "log" with
    ``start``/``stop`` and ``count`` for a range, ``None`` for a list of values, kept in ``listed``),
    and its values: ``at(index)`` computes a range's values at grid indices as ``np.linspace`` or
    ``np.geomspace`` gives them, bit for bit, without making all of them (a 10M-point axis is 80 MB)."""

    path: PathKey
    listed: np.ndarray | None
    start: float | None = None
    stop: float | None = None
    scale: str | None = None
    count: int = 0

    @property
    def name(self) -> str:
        return dotted(self.path)

    @property
    def size(self) -> int:
        return len(self.listed) if self.listed is not None else self.count

    @property
    def values(self) -> np.ndarray:
        """Every value, in order."""
        return self.listed if self.listed is not None else self.at(np.arange(self.count))

    def at(self, index: np.ndarray) -> np.ndarray:
        """The values at ``index`` (integers below ``size``)."""
        if self.listed is not None:
            return self.listed[index]
        return self._range(index.astype(np.float64), index == 0, index == self.count - 1)

    def between(self, first: int, end: int) -> np.ndarray:
        """The values at indices ``first`` to ``end`` (exclusive): ``at(np.arange(first, end))``."""
        if self.listed is not None:
            return self.listed[first:end]
        return self._range(np.arange(first, end, dtype=np.float64), slice(0, 1 if first == 0 else 0), slice(self.count - 1 - first, end - first if end == self.count else 0))

    def _range(self, index: np.ndarray, first: Any, last: Any) -> np.ndarray:
        """A range's values at ``index`` (floats, changed in place); ``first`` and ``last`` select
        the positions of its two ends, which are its ``start`` and ``stop`` exactly."""
        assert self.start is not None and self.stop is not None
        if self.scale == "log":
            values = _geometric(self.start, self.stop, self.count, index, last)
            values[first] = self.start
        else:
            values = _linear(self.start, self.stop, self.count, index, last)
        if min(abs(self.start), abs(self.stop)) >= _ALWAYS_WHOLE and (self.start > 0) == (self.stop > 0):
            return np.round(values, out=values)  # every value is within 1e-9 of its nearest whole number
        return _snapped(values)

    def spec(self) -> dict[str, Any]:
        """The axis as JSON: a range by its spec (its values follow from it; listed too when there are
        at most ``LISTED_VALUES``), a list by its values; a whole GPU count as an integer (#13)."""
        if self.scale is None:
            return {"path": self.name, "count": self.size, "values": [self._number(x) for x in self.values]}
        spec = {"path": self.name, "start": self._number(self.start), "stop": self._number(self.stop), "count": self.size, "scale": self.scale}
        if self.size <= LISTED_VALUES:  # a short axis also lists its values, as schema 1.0 did
            spec["values"] = [self._number(x) for x in self.values]
        return spec

    def _number(self, value: Any) -> float | int:
        value = float(value)
        return int(value) if self.name.endswith(".count") and value.is_integer() else value


#: A value of at least this magnitude is within 1e-9 (relative) of its nearest whole number (0.5
#: at most), so ``_snapped`` makes it that number: a range between two such ends of one sign is
#: rounded in one pass, and has no fractional value.
_ALWAYS_WHOLE = 1e9


def _linear(start: float, stop: float, count: int, index: np.ndarray, last: Any) -> np.ndarray:
    """``np.linspace(start, stop, count)`` at ``index`` (floats, changed in place; ``last`` selects
    the last value's position) in linspace's own arithmetic: index × step + start, the last value
    ``stop``; a degenerate range (one value, a zero or subnormal step) from linspace itself."""
    step = np.subtract(np.float64(stop), np.float64(start)) / (count - 1) if count > 1 else 0.0
    if step == 0 or not np.isfinite(step):
        return np.linspace(start, stop, count)[index.astype(np.intp)]
    index *= step
    index += np.float64(start)
    index[last] = stop
    return index


def _geometric(start: float, stop: float, count: int, index: np.ndarray, last: Any) -> np.ndarray:
    """``np.geomspace(start, stop, count)`` at ``index`` for positive ends, in geomspace's arithmetic:
    10 to the power of the linear range of the ends' log10, the ends themselves at the ends (the
    caller sets the first)."""
    values = np.power(10.0, _linear(float(np.log10(np.float64(start))), float(np.log10(np.float64(stop))), count, index, last), out=index)
    values[last] = stop
    return values


def parse_vary(text: str) -> Vary:
    """``PATH=START:STOP[:N][:log]`` (N defaults to 10) or ``PATH=a,b,c``; quantities allowed."""
    return parse_varies([text])[0]


def parse_varies(texts: Sequence[str]) -> list[Vary]:
    """Every ``--vary``, checked whole (syntax, one per path, the grid's size) before any grid
    value is allocated."""
    specs = [_vary_spec(text) for text in texts]
    paths = [path for path, _, _ in specs]
    if (twice := next((path for index, path in enumerate(paths) if path in paths[:index]), None)) is not None:
        raise UsageError(f"--vary {dotted(twice)} is given twice; list every value in one --vary (PATH=a,b,c)")
    total = math.prod(count for _, count, _ in specs)
    if total > MAX_POINTS:
        raise UsageError(f"the grid has {total:,} points; the limit is {MAX_POINTS:,}")
    return [make() for _, _, make in specs]


def _vary_spec(text: str) -> tuple[PathKey, int, Callable[[], Vary]]:
    """The path of a ``--vary``, how many values it has, and how to make it (values not yet made)."""
    path_text, sep, spec = text.partition("=")
    if not sep or not spec.strip():
        raise UsageError(f"--vary {shown(text, 80)}: expected PATH=START:STOP[:N][:log] or PATH=a,b,c")
    try:
        path = parse_path(path_text)
        if "," in spec or ":" not in spec:
            values = [parse_quantity(v) for v in spec.split(",")]
            return path, len(values), lambda: Vary(path, np.array(values, dtype=float))
        parts = spec.split(":")
        log = parts[-1].strip().lower() == "log"
        parts = parts[:-1] if log else parts
        if len(parts) not in (2, 3):
            raise ValueError("expected START:STOP[:N][:log]")
        start, stop = parse_quantity(parts[0]), parse_quantity(parts[1])
        count = _point_count(parts[2]) if len(parts) == 3 else 10
        if log and (start <= 0 or stop <= 0):
            raise ValueError("a log range needs positive START and STOP")
    except ValueError as exc:
        raise UsageError(f"--vary {shown(text, 80)}: {exc}") from None
    return path, count, lambda: Vary(path, None, start, stop, "log" if log else "linear", count)


def _snapped(values: np.ndarray) -> np.ndarray:
    """Grid values within float noise of a whole number (a log range 1024:32768 yields
    2048.000000000001) made that whole number, so GPU counts stay integers; true fractions stay."""
    whole = np.round(values)
    close = np.abs(values - whole) <= 1e-9 * np.abs(whole)  # np.isclose(rtol=1e-9, atol=0) for finite values, at a third of its cost
    return np.where(close, whole, values)


def _point_count(text: str) -> int:
    """N of ``START:STOP:N``: a whole number of points, at least 1."""
    try:
        count = parse_count(text)  # a fraction (2.5) is refused, not truncated
    except ValueError:
        raise ValueError(f"N (the number of points) must be a whole number, got {shown(text.strip())}") from None
    if count < 1:
        raise ValueError(f"N (the number of points) must be at least 1 (got {count})")
    return count


OPERATORS: dict[str, Callable[[Any, Any], Any]] = {"<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt}
_WHERE = re.compile(r"^\s*([^<>=!\s]+)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Condition:
    metric: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.value:g}"

    def holds(self, values: Any) -> Any:
        return OPERATORS[self.op](values, self.value)


def parse_where(text: str) -> Condition:
    match = _WHERE.match(text)
    if match is None:
        raise UsageError(f"--where {text!r}: expected METRIC<=VALUE (operators: {', '.join(OPERATORS)})")
    metric, op, value = match.groups()
    try:
        return Condition(metric, op, parse_quantity(value))
    except ValueError as exc:
        raise UsageError(f"--where {text!r}: {exc}") from None


def set_path(inputs: Inputs, path: PathKey, value: Any) -> Inputs:
    """The frozen scenario with the field at ``path`` set to ``value`` (no re-validation: the
    endpoints were validated by ``check_values``)."""
    try:
        return inputs.replace_path(path, value)
    except KeyError:
        raise UsageError(f"--vary {dotted(path)}: no such scenario field") from None
    except AttributeError as exc:
        raise UsageError(f"--vary {dotted(path)}: {exc}; it is not set in the scenario, so it cannot be varied below it") from None


def check_values(loaded: LoadedScenario, vary: Vary) -> None:
    """Validate a --vary with the scenario's own rules (bounds, types): its extreme values, and its
    first fractional value, if any, so that a whole-number field (a GPU count) varied to fractions
    is refused rather than planned with 1.5 GPUs. A path that is not in the scenario is a --vary error."""
    apply_overrides(apply_overrides(loaded.document.data, loaded.overrides), {vary.path: 0}, option="--vary")
    for point in sorted(_checked_points(vary)):
        value: Any = int(point) if point.is_integer() else point
        try:
            validate_document(loaded.document, [f"{dotted(p)}={v}" for p, v in loaded.overrides.items()] + [f"{vary.name}={value!r}"])
        except InputError as exc:
            raise UsageError(f"--vary {vary.name}: {exc.problems[0].message} (at {value:g})") from None


#: Values per block when a long axis is searched for its first fraction.
_BLOCK = 1 << 20


def _checked_points(vary: Vary) -> set[float]:
    """The axis's least and greatest value and its first fractional one, if any: a range is
    monotonic, so its extremes are its ends; the rest is searched block by block."""
    if vary.listed is not None:
        values = vary.listed
        ends = {float(values.min()), float(values.max())}
    else:
        ends = {float(x) for x in vary.at(np.array([0, vary.size - 1]))}
        if vary.start is not None and vary.stop is not None and min(abs(vary.start), abs(vary.stop)) >= _ALWAYS_WHOLE and (vary.start > 0) == (vary.stop > 0):
            return ends
    for first in range(0, vary.size, _BLOCK):
        block = vary.between(first, min(vary.size, first + _BLOCK))
        fractional = block[block != np.floor(block)]
        if fractional.size:
            return ends | {float(fractional[0])}
    return ends
