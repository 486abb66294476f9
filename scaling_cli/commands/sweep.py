"""``scaling sweep``: evaluate the whole plan over a grid of inputs in vectorized passes.

Each ``--vary`` sets one scenario number to an array; several form a grid (their outer product,
flattened to P points). The planner then runs once per chunk of points with those arrays in place
of floats — the very code ``scaling plan`` runs — so there is no Python loop over points. With
Monte Carlo samples the grid axis is (P, 1) against (S,) samples, and P10/P90 are taken along the
sample axis. Chunks bound memory and keep intermediates in cache.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Any, Callable, Iterator

import numpy as np

from scaling_cli.engine.uncertainty import Sampler, band_settings, quantiles
from scaling_cli.errors import InputError, UsageError, shown
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.plan import evaluate
from scaling_cli.quantity import parse_count, parse_quantity
from scaling_cli.render import views
from scaling_cli.result import SCHEMA_VERSION
from scaling_cli.scenario.inputs import Inputs, freeze
from scaling_cli.scenario.loading import LoadedScenario, apply_overrides, load_scenario, parse_path, validate_document
from scaling_cli.metrics import is_banded, metric
from scaling_cli.tree import Path, index_label, label, pattern, pattern_of, walk
from scaling_cli.yaml_source import PathKey, dotted

#: Points evaluated per pass: small enough that numpy's intermediates stay in cache and the
#: allocator reuses their memory (measured on a 1M-point grid: 16K points per pass 17M points/s
#: pretraining-only and 1.06M full-lifecycle; 4M per pass: 4M points/s).
CHUNK_POINTS = 16_384
#: With Monte Carlo, cap points × samples per pass (1M float64 = 8 MB per intermediate).
MAX_CELLS = 1_048_576
MAX_POINTS = 50_000_000


@dataclass(frozen=True)
class Vary:
    path: PathKey
    values: np.ndarray

    @property
    def name(self) -> str:
        return dotted(self.path)


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
    return [Vary(path, make()) for path, _, make in specs]


def _vary_spec(text: str) -> tuple[PathKey, int, Callable[[], np.ndarray]]:
    """The path of a ``--vary``, how many values it has, and how to make them (not yet made)."""
    path_text, sep, spec = text.partition("=")
    if not sep or not spec.strip():
        raise UsageError(f"--vary {shown(text, 80)}: expected PATH=START:STOP[:N][:log] or PATH=a,b,c")
    try:
        path = parse_path(path_text)
        if "," in spec or ":" not in spec:
            values = [parse_quantity(v) for v in spec.split(",")]
            return path, len(values), lambda: np.array(values, dtype=float)
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
    return path, count, lambda: _snapped((np.geomspace if log else np.linspace)(start, stop, count))


def _snapped(values: np.ndarray) -> np.ndarray:
    """Grid values within float noise of a whole number (a log range 1024:32768 yields
    2048.000000000001) made that whole number, so GPU counts stay integers; true fractions stay."""
    whole = np.round(values)
    return np.where(np.isclose(values, whole, rtol=1e-9, atol=0.0), whole, values)


def _point_count(text: str) -> int:
    """N of ``START:STOP:N``: a whole number of points, at least 1."""
    try:
        count = parse_count(text)  # a fraction (2.5) is refused, not truncated
    except ValueError:
        raise ValueError(f"N (the number of points) must be a whole number, got {shown(text.strip())}") from None
    if count < 1:
        raise ValueError(f"N (the number of points) must be at least 1 (got {count})")
    return count


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {"<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt}
_WHERE = re.compile(r"^\s*([^<>=!\s]+)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Condition:
    metric: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.value:g}"


def parse_where(text: str) -> Condition:
    match = _WHERE.match(text)
    if match is None:
        raise UsageError(f"--where {text!r}: expected METRIC<=VALUE (operators: {', '.join(_OPERATORS)})")
    metric, op, value = match.groups()
    try:
        return Condition(metric, op, parse_quantity(value))
    except ValueError as exc:
        raise UsageError(f"--where {text!r}: {exc}") from None


@dataclass
class SweepResult:
    scenario: str
    varies: list[Vary]
    objective: str
    minimize: bool
    conditions: list[Condition]
    evaluated: int
    feasible: int
    #: points dropped because a figure overflowed (inf or NaN)
    not_finite: int
    #: metric path -> values of the selected points (best first), inputs first
    columns: dict[str, np.ndarray]
    uncertainty: dict[str, Any] | None = None
    all_points: bool = False

    def tables(self) -> list[Any]:
        return views.sweep_tables(self)

    def csv_table(self) -> Any:
        return views.sweep_csv_table(self)

    def to_dict(self) -> dict[str, Any]:
        n = len(next(iter(self.columns.values()))) if self.columns else 0
        points = [{path: _plain(values[i], path) for path, values in self.columns.items()} for i in range(n)]
        return {
            "schema_version": SCHEMA_VERSION,
            "scenario": self.scenario,
            "vary": [{"path": v.name, "values": [_plain(float(x), v.name) for x in v.values]} for v in self.varies],
            "objective": self.objective,
            "direction": "minimize" if self.minimize else "maximize",
            "where": [str(c) for c in self.conditions],
            "points_evaluated": self.evaluated,
            "points_feasible": self.feasible,
            "points_not_finite": self.not_finite,
            "uncertainty": self.uncertainty,
            "points": points,
        }


def _plain(value: Any, path: str = "") -> Any:
    """numpy scalar -> Python number; NaN (a figure that does not exist at this point, such as a
    crossover that never happens) -> None, so JSON stays valid; a whole count (GPUs) -> int (#13)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    counts = path.endswith(".count") or metric(pattern_of(path)).style == "int"
    return int(value) if counts and isinstance(value, float) and value.is_integer() else value


def set_path(inputs: Inputs, path: PathKey, value: Any) -> Inputs:
    """The frozen scenario with the field at ``path`` set to ``value`` (no re-validation: the
    endpoints were validated by ``_check_values``)."""
    try:
        return inputs.replace_path(path, value)
    except KeyError:
        raise UsageError(f"--vary {dotted(path)}: no such scenario field") from None
    except AttributeError as exc:
        raise UsageError(f"--vary {dotted(path)}: {exc}; it is not set in the scenario, so it cannot be varied below it") from None


def _check_values(loaded: LoadedScenario, vary: Vary) -> None:
    """Validate a --vary with the scenario's own rules (bounds, types): its extreme values, and its
    first fractional value, if any, so that a whole-number field (a GPU count) varied to fractions
    is refused rather than planned with 1.5 GPUs. A path that is not in the scenario is a --vary error."""
    apply_overrides(apply_overrides(loaded.document.data, loaded.overrides), {vary.path: 0}, option="--vary")
    values = vary.values
    fractional = values[values != np.floor(values)]
    for point in sorted({float(values.min()), float(values.max()), *(float(f) for f in fractional[:1])}):
        value: Any = int(point) if point.is_integer() else point
        try:
            validate_document(loaded.document, [f"{dotted(p)}={v}" for p, v in loaded.overrides.items()] + [f"{vary.name}={value!r}"])
        except InputError as exc:
            raise UsageError(f"--vary {vary.name}: {exc.problems[0].message} (at {value:g})") from None


def _numeric_leaves(tree: Any) -> Iterator[tuple[Path, Any]]:
    """Every numeric figure of a plan tree (text, flags and missing figures left out)."""
    for path, value in walk(tree):
        if value is not None and not isinstance(value, (str, bool)):
            yield path, value


def _with_grid(loaded: LoadedScenario, varies: list[Vary], grid: list[np.ndarray], sampler: Sampler) -> Inputs:
    """The scenario's frozen inputs for ``sampler`` with the grid's values in place: a column (points, 1)
    against a Monte Carlo sample axis, a flat array for the point plan."""
    inputs = freeze(loaded.scenario, sampler)
    for vary, values in zip(varies, grid):
        inputs = set_path(inputs, vary.path, values if sampler.is_point else values[:, None])
    return inputs


def _evaluate_chunk(loaded: LoadedScenario, varies: list[Vary], grid: list[np.ndarray], samples: int, seed: int) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Every numeric metric of the plan for a chunk of points, arrays of shape (points,), keyed by
    label (list items by name); with ``samples``, also ``<metric>_p10``/``_p90`` over the sample axis
    for banded or varying metrics. Also the label of each figure's index spelling
    (``test_time.workloads[0].flops`` -> ``test_time.workloads[chat].flops``), so either names it."""
    points = grid[0].shape[0]
    point = Sampler.point()
    point_tree = evaluate(_with_grid(loaded, varies, grid, point), point, Assumptions())
    leaves = list(_numeric_leaves(point_tree))
    metrics = {label(path): np.broadcast_to(np.asarray(value, dtype=float), (points,)) for path, value in leaves}
    aliases = {index_label(path): label(path) for path, _ in leaves}
    if not samples:
        return metrics, aliases
    sampler = Sampler(samples, seed)
    sampled_tree = evaluate(_with_grid(loaded, varies, grid, sampler), sampler, Assumptions())
    for path, value in _numeric_leaves(sampled_tree):
        full = np.broadcast_to(np.asarray(value, dtype=float), (points, samples))
        if is_banded(pattern(path)) or bool(np.any(full != full[:, :1])):
            metrics[f"{label(path)}_p10"], metrics[f"{label(path)}_p90"] = quantiles(full, (0.1, 0.9), axis=1)
    return metrics, aliases


def _grid_chunks(varies: list[Vary], chunk: int) -> Iterator[list[np.ndarray]]:
    """The outer product of all --vary values, flattened, in chunks of at most ``chunk`` points."""
    shape = tuple(len(v.values) for v in varies)
    total = int(np.prod(shape))
    for start in range(0, total, chunk):
        index = np.unravel_index(np.arange(start, min(start + chunk, total)), shape)
        yield [v.values[i] for v, i in zip(varies, index)]


def run_sweep(
    loaded: LoadedScenario,
    varies: list[Vary],
    *,
    objective: str | None,
    minimize: bool,
    conditions: list[Condition],
    top: int | None,
    samples: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Evaluate the grid, keep feasible points, return the ``top`` best (all of them for ``top=None``)."""
    if not varies:
        raise UsageError("give at least one --vary PATH=START:STOP[:N][:log] or PATH=a,b,c")
    total = int(np.prod([len(v.values) for v in varies]))
    if total > MAX_POINTS:
        raise UsageError(f"the grid has {total:,} points; the limit is {MAX_POINTS:,}")
    for vary in varies:
        _check_values(loaded, vary)
    chunk = CHUNK_POINTS if not samples else max(1, MAX_CELLS // samples)
    kept: dict[str, list[np.ndarray]] = {}
    feasible = done = not_finite = 0
    metric_names: list[str] | None = None
    objective_path = objective
    for grid in _grid_chunks(varies, chunk):
        with np.errstate(all="ignore"):  # overflow shows up as a non-finite figure, dropped below
            metrics, aliases = _evaluate_chunk(loaded, varies, grid, samples, seed)
        if metric_names is None:
            metric_names = list(metrics)
            objective_path, conditions = _resolve(metric_names, aliases, objective, conditions)
        index, dropped = _feasible(metrics, conditions)
        not_finite += dropped
        feasible += len(index)
        if top is not None and len(index) > top:  # gather only this chunk's best candidates
            index = index[_best_indices(metrics[objective_path][index], minimize, top)]
        columns = {v.name: values[index] for v, values in zip(varies, grid)}
        columns.update({name: metrics[name][index] for name in metric_names if name not in columns})
        kept = _keep(kept, columns, objective_path, minimize, top)
        done += grid[0].shape[0]
        if progress is not None:
            progress(done, total)
    merged = {k: np.concatenate(v) for k, v in kept.items()}
    if merged:
        order = _order(merged[objective_path], minimize)
        merged = {k: v[order] for k, v in merged.items()}
    return SweepResult(
        scenario=loaded.scenario.name,
        varies=varies,
        objective=objective_path or "",
        minimize=minimize,
        conditions=conditions,
        evaluated=total,
        feasible=feasible,
        not_finite=not_finite,
        columns=merged,
        uncertainty=band_settings(samples, seed),
        all_points=top is None,
    )


def _resolve(names: list[str], aliases: dict[str, str], objective: str | None, conditions: list[Condition]) -> tuple[str, list[Condition]]:
    """The objective and the conditions' metrics by label (an index spelling is accepted); an
    unknown metric is a usage error listing the valid ones."""
    objective_path = aliases.get(objective, objective) if objective else _default_objective(names)
    conditions = [Condition(aliases.get(c.metric, c.metric), c.op, c.value) for c in conditions]
    for name in [objective_path, *(c.metric for c in conditions)]:
        if name not in names:
            raise UsageError(f"unknown metric {name!r}; valid metrics: {', '.join(names)}")
    return objective_path, conditions


def _keep(kept: dict[str, list[np.ndarray]], columns: dict[str, np.ndarray], objective: str, minimize: bool, top: int | None) -> dict[str, list[np.ndarray]]:
    """The points kept so far plus this chunk's; with ``top``, only the ``top`` best of them."""
    for name, values in columns.items():
        kept.setdefault(name, []).append(values)
    if top is None or len(kept[objective]) < 2:
        return kept
    merged = {k: np.concatenate(v) for k, v in kept.items()}
    best = _best_indices(merged[objective], minimize, top)
    return {k: [v[best]] for k, v in merged.items()}


def _feasible(metrics: dict[str, np.ndarray], conditions: list[Condition]) -> tuple[np.ndarray, int]:
    """Indices of the chunk's points that are planned and meet every condition, and how many were
    left out for overflowing. A point whose figures overflowed (inf, or NaN from inf − inf) is not
    planned, like a plan that `scaling plan` refuses; only the crossover day may be NaN (serving
    never overtakes)."""
    finite = np.ones(len(next(iter(metrics.values()))), dtype=bool)
    for name, values in metrics.items():
        if not name.startswith("total.crossover_day"):
            finite &= np.isfinite(values)
    index = np.flatnonzero(finite)
    for condition in conditions:
        index = index[_OPERATORS[condition.op](metrics[condition.metric][index], condition.value)]
    return index, int((~finite).sum())


def _order(values: np.ndarray, minimize: bool) -> np.ndarray:
    return np.argsort(values if minimize else -values, kind="stable")


def _best_indices(values: np.ndarray, minimize: bool, top: int) -> np.ndarray:
    """Indices of the ``top`` best values (unordered), by partial sort."""
    if len(values) <= top:
        return np.arange(len(values))
    return np.argpartition(values if minimize else -values, top - 1)[:top]


def _default_objective(names: list[str]) -> str:
    for candidate in ("total.cost_usd", "pretraining.cost_usd", "total.gpu_hours", "pretraining.gpu_hours"):
        if candidate in names:
            return candidate
    return names[0]


def sweep_scenario(
    scenario: str | None,
    overrides: Sequence[str],
    varies: Sequence[str],
    *,
    objective: str | None,
    maximize: bool,
    where: Sequence[str],
    top: int,
    samples: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """``scaling sweep`` from its command-line words: ``--vary`` and ``--where`` texts, ``top`` 0 = every point."""
    grid = parse_varies(varies)
    conditions = [parse_where(w) for w in where]
    loaded = load_scenario(scenario, overrides)
    return run_sweep(
        loaded, grid, objective=objective, minimize=not maximize,
        conditions=conditions, top=top or None, samples=samples, seed=seed, progress=progress,
    )  # fmt: skip
