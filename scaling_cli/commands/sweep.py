"""``scaling sweep``: evaluate the whole plan over a grid of inputs in vectorized passes.

Each ``--vary`` sets one scenario number to an array; several form a grid (their outer product,
flattened to P points; ``commands.sweep_spec``). The planner then runs once per chunk of points with
those arrays in place of floats — the very code ``scaling plan`` runs — so there is no Python loop
over points. With Monte Carlo samples the grid axis is (P, 1) against (S,) samples, and P10/P90 are
taken along the sample axis.

The first pass finds what the grid moves: a figure that comes out a single number (not an array
over the points) does not depend on the varied inputs, so it is kept once, as a scalar, and a part
of the plan with no such array at all (the resolved hardware, a section) is reused by later passes
instead of being computed again. Later passes carry only the figures that vary, in chunks sized so
that points × varying figures stays near what fits in cache.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from scaling_cli.commands.sweep_spec import MAX_POINTS, Condition, Vary, check_values, parse_vary, parse_varies, parse_where, set_path  # noqa: F401 (parse_vary: the API)
from scaling_cli.engine.uncertainty import Sampler, band_settings, quantiles
from scaling_cli.errors import UsageError
from scaling_cli.metrics import is_banded, metric
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.plan import evaluate
from scaling_cli.render import views
from scaling_cli.scenario.inputs import Inputs, freeze
from scaling_cli.scenario.loading import LoadedScenario, load_scenario
from scaling_cli.tree import Item, Path, index_label, label, pattern, pattern_of, walk

#: Points of the first pass (and every pass's floor): small enough that numpy's intermediates stay
#: in cache (measured on a 1M-point grid when every figure was carried: 16K points per pass 17M
#: points/s pretraining-only, 4M points per pass 4M points/s).
CHUNK_POINTS = 16_384
#: Later passes: points × figures that vary, at most this many, and at most MAX_CHUNK points: each
#: intermediate (up to 512 KB) then stays in a core's L2 cache (2 MB here). Measured on the 10M-point
#: pretraining-only sweep (22 varying figures), CPU time of the passes: 143K points per pass 0.87 s,
#: 65K 0.73 s, 48K 0.67 s, 33K 0.69 s; the full lifecycle did not move measurably.
CHUNK_CELLS = 1_048_576
MAX_CHUNK = 65_536
#: With Monte Carlo, cap points × samples per pass (1M float64 = 8 MB per intermediate).
MAX_CELLS = 1_048_576
#: JSON document version of a sweep: 2.0 describes each axis by its spec and gives the figures that
#: do not vary once, in ``constants`` (1.0 listed every grid value, and every figure in every point).
SWEEP_SCHEMA_VERSION = "2.0"


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
    #: metric path -> values of the selected points (best first), inputs first; a figure that does
    #: not vary over the grid is a read-only broadcast of its one value
    columns: dict[str, np.ndarray]
    uncertainty: dict[str, Any] | None = None
    all_points: bool = False
    #: metric path -> value, for the figures that do not depend on the varied inputs
    constants: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> list[Any]:
        return views.sweep_tables(self)

    def csv_table(self) -> Any:
        return views.sweep_csv_table(self)

    def to_dict(self) -> dict[str, Any]:
        per_point = {path: values for path, values in self.columns.items() if path not in self.constants or path == self.objective}
        n = len(next(iter(self.columns.values()))) if self.columns else 0
        points = [{path: _plain(values[i], path) for path, values in per_point.items()} for i in range(n)]
        return {
            "schema_version": SWEEP_SCHEMA_VERSION,
            "scenario": self.scenario,
            "vary": [v.spec() for v in self.varies],
            "objective": self.objective,
            "direction": "minimize" if self.minimize else "maximize",
            "where": [str(c) for c in self.conditions],
            "points_evaluated": self.evaluated,
            "points_feasible": self.feasible,
            "points_not_finite": self.not_finite,
            "uncertainty": self.uncertainty,
            "constants": {path: _plain(value, path) for path, value in self.constants.items()},
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


def _numeric_leaves(tree: Any) -> Iterator[tuple[Path, Any]]:
    """Every numeric figure of a plan tree (text, flags and missing figures left out)."""
    for path, value in walk(tree):
        if value is not None and not isinstance(value, (str, bool)):
            yield path, value


def _at(tree: Any, path: Path) -> Any:
    for step in path:
        tree = tree[step.index] if isinstance(step, Item) else tree[step]
    return tree


def _with_grid(loaded: LoadedScenario, varies: list[Vary], grid: list[np.ndarray], sampler: Sampler) -> Inputs:
    """The scenario's frozen inputs for ``sampler`` with the grid's values in place: a column (points, 1)
    against a Monte Carlo sample axis, a flat array for the point plan."""
    inputs = freeze(loaded.scenario, sampler)
    for vary, values in zip(varies, grid):
        inputs = set_path(inputs, vary.path, values if sampler.is_point else values[:, None])
    return inputs


def _depends_on_grid(part: Any, grid_ndim: int) -> bool:
    """True when ``part`` (a section, or a dataclass such as the resolved hardware) holds an array
    with the grid's axis: ``grid_ndim`` dimensions or more (1 for point values, 2 against samples)."""
    if isinstance(part, np.ndarray):
        return part.ndim >= grid_ndim
    if isinstance(part, dict):
        return any(_depends_on_grid(v, grid_ndim) for v in part.values())
    if isinstance(part, (list, tuple)):
        return any(_depends_on_grid(v, grid_ndim) for v in part)
    if dataclasses.is_dataclass(part) and not isinstance(part, type):
        return any(_depends_on_grid(getattr(part, f.name), grid_ndim) for f in dataclasses.fields(part))
    return False


@dataclass
class _Pass:
    """One kind of evaluation over the grid (point values, or Monte Carlo samples) and what its
    first pass found: parts to reuse, and the paths of the figures that vary."""

    sampler: Sampler
    reuse: dict[str, Any] | None = None
    varying: list[tuple[str, Path]] = field(default_factory=list)

    def evaluate(self, loaded: LoadedScenario, varies: list[Vary], grid: list[np.ndarray]) -> dict[str, Any]:
        record: dict[str, Any] | None = {} if self.reuse is None else None
        tree = evaluate(_with_grid(loaded, varies, grid, self.sampler), self.sampler, Assumptions(), reuse=self.reuse, record=record)
        if record is not None:
            grid_ndim = 1 if self.sampler.is_point else 2
            self.reuse = {name: part for name, part in record.items() if not _depends_on_grid(part, grid_ndim)}
        return tree


@dataclass
class _Layout:
    """The grid's figures as the first pass found them: every name in order (inputs, figures, then
    bands), the ones that do not vary (one value each), and each figure's index spelling."""

    names: list[str] = field(default_factory=list)
    constants: dict[str, Any] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    point: _Pass = field(default_factory=lambda: _Pass(Sampler.point()))
    sampled: _Pass | None = None
    banded: list[tuple[str, Path]] = field(default_factory=list)


def _first_chunk(loaded: LoadedScenario, varies: list[Vary], grid: list[np.ndarray], samples: int, seed: int) -> tuple[_Layout, dict[str, np.ndarray]]:
    """The first chunk's varying figures, and the layout every later chunk follows."""
    layout = _Layout()
    points = grid[0].shape[0]
    metrics: dict[str, np.ndarray] = {}
    for path, value in _numeric_leaves(layout.point.evaluate(loaded, varies, grid)):
        name = label(path)
        layout.names.append(name)
        layout.aliases[index_label(path)] = name
        if np.ndim(value) == 0:
            layout.constants[name] = float(value)
        else:
            layout.point.varying.append((name, path))
            metrics[name] = np.broadcast_to(np.asarray(value, dtype=float), (points,))
    if samples:
        layout.sampled = _Pass(Sampler(samples, seed))
        for path, value in _numeric_leaves(layout.sampled.evaluate(loaded, varies, grid)):
            _first_band(layout, metrics, label(path), path, value, points, samples)
    return layout, metrics


def _first_band(layout: _Layout, metrics: dict[str, np.ndarray], name: str, path: Path, value: Any, points: int, samples: int) -> None:
    """A figure's P10/P90 when it is banded or its samples vary: once, as constants, when its
    samples do not depend on the grid (no point axis), else per point on every chunk."""
    if np.ndim(value) <= 1:
        row = np.broadcast_to(np.asarray(value, dtype=float), (samples,))
        if is_banded(pattern(path)) or bool(np.any(row != row[:1])):
            low, high = quantiles(row, (0.1, 0.9))
            layout.names += [f"{name}_p10", f"{name}_p90"]
            layout.constants.update({f"{name}_p10": low, f"{name}_p90": high})
        return
    full = np.broadcast_to(np.asarray(value, dtype=float), (points, samples))
    if is_banded(pattern(path)) or bool(np.any(full != full[:, :1])):
        layout.names += [f"{name}_p10", f"{name}_p90"]
        layout.banded.append((name, path))
        metrics[f"{name}_p10"], metrics[f"{name}_p90"] = quantiles(full, (0.1, 0.9), axis=1)


def _next_chunk(layout: _Layout, loaded: LoadedScenario, varies: list[Vary], grid: list[np.ndarray], samples: int) -> dict[str, np.ndarray]:
    """A later chunk's varying figures (and their bands), reusing what does not depend on the grid."""
    points = grid[0].shape[0]
    tree = layout.point.evaluate(loaded, varies, grid)
    metrics = {name: _column(_at(tree, path), points) for name, path in layout.point.varying}
    if layout.sampled is not None:
        sampled = layout.sampled.evaluate(loaded, varies, grid)
        for name, path in layout.banded:
            full = np.broadcast_to(np.asarray(_at(sampled, path), dtype=float), (points, samples))
            metrics[f"{name}_p10"], metrics[f"{name}_p90"] = quantiles(full, (0.1, 0.9), axis=1)
    return metrics


def _column(value: Any, points: int) -> np.ndarray:
    """A figure over the chunk's points as floats (a figure that varies is one already: no view made)."""
    array = np.asarray(value, dtype=float)
    return array if array.shape == (points,) else np.broadcast_to(array, (points,))


def _chunk_size(layout: _Layout, samples: int) -> int:
    if samples:
        return max(1, MAX_CELLS // samples)
    return max(CHUNK_POINTS, min(MAX_CHUNK, CHUNK_CELLS // max(1, len(layout.point.varying))))


def _grid(varies: list[Vary], start: int, stop: int) -> list[np.ndarray]:
    """Points ``start`` to ``stop`` of the outer product of all --vary values, flattened."""
    if len(varies) == 1:
        return [varies[0].between(start, stop)]
    index = np.unravel_index(np.arange(start, stop), tuple(v.size for v in varies))
    return [v.at(i) for v, i in zip(varies, index)]


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
    total = math.prod(v.size for v in varies)
    if total > MAX_POINTS:
        raise UsageError(f"the grid has {total:,} points; the limit is {MAX_POINTS:,}")
    for vary in varies:
        check_values(loaded, vary)
    kept: dict[str, list[np.ndarray]] = {}
    feasible = done = not_finite = 0
    layout: _Layout | None = None
    objective_path = objective or ""
    while done < total:
        with np.errstate(all="ignore"):  # overflow shows up as a non-finite figure, dropped below
            if layout is None:
                grid = _grid(varies, 0, min(total, max(1, MAX_CELLS // samples) if samples else CHUNK_POINTS))
                layout, metrics = _first_chunk(loaded, varies, grid, samples, seed)
                objective_path, conditions = _resolve(layout.names, layout.aliases, objective, conditions)
            else:
                grid = _grid(varies, done, min(total, done + _chunk_size(layout, samples)))
                metrics = _next_chunk(layout, loaded, varies, grid, samples)
        points = grid[0].shape[0]
        if objective_path in layout.constants:  # every point ties; ranked as before, in grid order
            metrics[objective_path] = np.full(points, layout.constants[objective_path])
        index, dropped = _feasible(metrics, layout.constants, conditions, points)
        not_finite += dropped
        feasible += len(index)
        if top is not None and len(index) > top:  # gather only this chunk's best candidates
            index = index[_best_indices(metrics[objective_path][index], minimize, top)]
        columns = {v.name: values[index] for v, values in zip(varies, grid)}
        columns.update({name: values[index] for name, values in metrics.items() if name not in columns})
        kept = _keep(kept, columns, objective_path, minimize, top)
        done += points
        if progress is not None:
            progress(done, total)
    assert layout is not None
    return _result(loaded, varies, layout, kept, objective_path, minimize, conditions, (total, feasible, not_finite), band_settings(samples, seed), top is None)


def _result(loaded: LoadedScenario, varies: list[Vary], layout: _Layout, kept: dict[str, list[np.ndarray]], objective: str, minimize: bool, conditions: list[Condition], counts: tuple[int, int, int], uncertainty: dict[str, Any] | None, all_points: bool) -> SweepResult:
    """The kept points best first, every figure a column (inputs first, then the plan's order); a
    figure that does not vary is a read-only broadcast of its one value."""
    merged = {k: np.concatenate(v) for k, v in kept.items()}
    if merged:
        order = _order(merged[objective], minimize)
        merged = {k: v[order] for k, v in merged.items()}
    n = len(next(iter(merged.values()))) if merged else 0
    columns = {v.name: merged[v.name] for v in varies if v.name in merged}
    for name in layout.names:
        if name not in columns:
            columns[name] = merged[name] if name in merged else np.broadcast_to(np.float64(layout.constants[name]), (n,))
    evaluated, feasible, not_finite = counts
    constants = {name: value for name, value in layout.constants.items() if name not in {v.name for v in varies}}
    return SweepResult(
        scenario=loaded.scenario.name, varies=varies, objective=objective, minimize=minimize, conditions=conditions,
        evaluated=evaluated, feasible=feasible, not_finite=not_finite, columns=columns if merged else {},
        uncertainty=uncertainty, all_points=all_points, constants=constants,
    )  # fmt: skip


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


def _feasible(metrics: dict[str, np.ndarray], constants: dict[str, Any], conditions: list[Condition], points: int) -> tuple[np.ndarray, int]:
    """Indices of the chunk's points that are planned and meet every condition, and how many were left out for
    overflowing. A point whose figures overflowed (inf, or NaN from inf − inf) is not planned, like a plan that
    `scaling plan` refuses; only the crossover day may be NaN (serving never overtakes). A figure that does not
    vary is checked once: if it overflowed, or fails a condition, no point is kept."""
    planned = all(np.isfinite(value) for name, value in constants.items() if not name.startswith("total.crossover_day"))
    finite = np.full(points, planned)
    for name, values in metrics.items():
        if not name.startswith("total.crossover_day"):
            finite &= np.isfinite(values)
    index = np.flatnonzero(finite)
    for condition in conditions:
        if condition.metric in metrics:
            index = index[condition.holds(metrics[condition.metric][index])]
        elif not condition.holds(constants[condition.metric]):
            index = index[:0]
    return index, int((~finite).sum())


def _order(values: np.ndarray, minimize: bool) -> np.ndarray:
    return np.argsort(values if minimize else -values, kind="stable")

def _best_indices(values: np.ndarray, minimize: bool, top: int) -> np.ndarray:
    """Indices of the ``top`` best values (unordered), by partial sort; for one, the first best (one pass)."""
    if len(values) <= top:
        return np.arange(len(values))
    if top == 1:
        return np.array([np.argmin(values) if minimize else np.argmax(values)])
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
