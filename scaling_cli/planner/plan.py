"""Scenario -> ``Plan``: resolve defaults, call the engine per law, check every number.

The plan is evaluated twice through the same code: once with point values (the figures shown) and
once with Monte Carlo samples of every uncertain input (calibrated efficiency, catalog price ranges,
scenario ranges), whose P10 and P90 become the bands. The planner never prints.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Callable

import numpy as np

from scaling_cli.engine.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED, Sampler, Scaled, band_settings
from scaling_cli.errors import InputError, PlanError, Problem
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.bands import add_bands
from scaling_cli.planner.hardware import model_size, resolve_hardware
from scaling_cli.planner.model import model_section, model_warnings, resolve_model
from scaling_cli.planner.post_training import plan_post_training, post_training_warnings
from scaling_cli.planner.pretraining import plan_pretraining, pretraining_warnings, solve_pretraining
from scaling_cli.planner.test_time import plan_test_time, test_time_warnings
from scaling_cli.planner.total import plan_total
from scaling_cli.result import Plan
from scaling_cli.scenario.loading import OVERRIDE_SOURCE, LoadedScenario, parse_path
from scaling_cli.scenario.inputs import Inputs, freeze
from scaling_cli.tree import Item, Path, index_label, walk


def evaluate(inputs: Inputs, sampler: Sampler, assumptions: Assumptions, reuse: Mapping[str, Any] | None = None, record: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every section of the plan from a scenario's frozen inputs (``scenario.inputs.freeze`` with the
    same ``sampler``), as floats (point sampler) or arrays of samples.

    ``reuse`` holds parts a sweep found independent of its grid on the first pass (the resolved
    ``"hardware"`` and sections by name), taken as they are instead of computed again; ``record``,
    when given, receives every part by the same names."""
    known = reuse or {}
    parts: dict[str, Any] = {}

    def part(name: str, compute: Callable[[], Any]) -> Any:
        parts[name] = known[name] if name in known else compute()
        return parts[name]

    realized = solve_pretraining(resolve_model(inputs), assumptions)
    hardware = part("hardware", lambda: resolve_hardware(realized.hardware, assumptions, sampler, size=model_size(realized.model)))
    pretraining = part("pretraining", lambda: None if realized.pretraining is None else plan_pretraining(realized.model, realized.pretraining, hardware, assumptions))
    sections = {
        "model": model_section(inputs, realized),
        "pretraining": pretraining,
        "post_training": per_pretraining_flop(part("post_training", lambda: plan_post_training(realized, hardware, assumptions, sampler, None if pretraining is None else UNIT_PRETRAINING)), pretraining),
        "test_time": part("test_time", lambda: plan_test_time(realized, hardware, assumptions, sampler)),
    }
    sections["total"] = part("total", lambda: plan_total(sections, sampler))
    if record is not None:
        record.update(parts)
    return sections


#: The post-training section is planned against one FLOP of pretraining: its ``ratio_to_pretraining``
#: figures are then its FLOP ÷ 1.0, exactly its FLOP, and ``per_pretraining_flop`` divides them by the
#: plan's pretraining FLOP — the same numbers, while the section itself does not depend on the
#: pretraining inputs, so a sweep over them plans it once (``commands.sweep``).
UNIT_PRETRAINING = {"flops": 1.0}


def per_pretraining_flop(section: dict[str, Any] | None, pretraining: dict[str, Any] | None) -> dict[str, Any] | None:
    """The post-training section planned against ``UNIT_PRETRAINING`` with its ratios to ``pretraining``'s FLOP."""
    if section is None or pretraining is None:
        return section
    flops = pretraining["flops"]
    derivatives = [{**group, "ratio_to_pretraining": group["ratio_to_pretraining"] / flops} for group in section["derivatives"]]
    return {**section, "ratio_to_pretraining": section["ratio_to_pretraining"] / flops, "derivatives": derivatives}


def build_plan(loaded: LoadedScenario, *, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Plan:
    """Point estimate plus, unless ``samples`` is 0, P10-P90 bands from ``samples`` Monte Carlo draws.

    A scenario that cannot be planned (a ``PlanError``: an overflowing figure, a model no replica
    holds) is an ``InputError`` located in the scenario file.
    """
    try:
        with np.errstate(all="ignore"):  # overflow and 0/0 are reported by check_plannable, not as numpy warnings
            return _build_plan(loaded, samples, seed)
    except PlanError as exc:
        raise InputError([locate(loaded, exc.field, exc.message)]) from None


def _build_plan(loaded: LoadedScenario, samples: int, seed: int) -> Plan:
    scenario = loaded.scenario
    assumptions = Assumptions()
    inputs = freeze(scenario, Sampler.point())
    point = to_plain(evaluate(inputs, Sampler.point(), assumptions))
    check_plannable(point)
    sections = point
    if samples:
        sampler = Sampler(samples, seed, compact=True)
        sampled = evaluate(freeze(scenario, sampler), sampler, Assumptions())
        check_plannable(sampled)
        sections = add_bands(point, sampled)  # plain already: the point tree's numbers and float bands
    return Plan(
        name=scenario.name,
        description=scenario.description,
        source=loaded.source,
        sections=sections,
        assumptions=assumptions.as_list(),
        warnings=[*(str(locate(loaded, field, message)) for field, message in model_warnings(inputs, sections["model"])), *plan_warnings(inputs, sections)],
        uncertainty=band_settings(samples, seed),
    )


#: Leaves that are already plain (the common case, tested first).
_PLAIN = frozenset({float, int, str, bool, type(None)})


#: The numpy scalars a plan's figures are (frozen inputs are numpy floats), and their Python twins.
_NUMPY_SCALARS = {np.float64: float, np.int64: int, np.bool_: bool}


def to_plain(tree: Any) -> Any:
    """numpy scalars and 0-d arrays -> Python numbers, throughout a tree (sample arrays are kept)."""
    if isinstance(tree, dict):  # numpy floats, the commonest leaf after plain ones, converted inline
        return {key: value if (kind := type(value)) in _PLAIN else float(value) if kind is np.float64 else _plain_leaf(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [value if (kind := type(value)) in _PLAIN else float(value) if kind is np.float64 else _plain_leaf(value) for value in tree]
    return plain_number(tree)


def _plain_leaf(value: Any) -> Any:
    twin = _NUMPY_SCALARS.get(type(value))
    return twin(value) if twin is not None else to_plain(value)


def plain_number(value: Any) -> Any:
    """A numpy scalar or 0-d array as a Python number; anything else unchanged."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, np.generic):
        value = value.item()
    return value


#: Plan lists that mirror a scenario list: ``post_training.derivatives[i]`` is ``post_training[i]``.
_PLAN_LISTS = {"post_training.derivatives[": "post_training[", "test_time.workloads[": "test_time["}


def locate(loaded: LoadedScenario, field: str, message: str) -> Problem:
    """A problem with a plan metric or scenario field, at that field in the scenario file when it is
    there, else at the nearest enclosing entry (``post_training[2]``, ``pretraining``, the document)."""
    text = field
    for plan_list, scenario_list in _PLAN_LISTS.items():
        if text.startswith(plan_list):
            text = scenario_list + text[len(plan_list) :]
    try:
        path = parse_path(text)
    except ValueError:
        path = ()
    if any(path[: len(override)] == override for override in loaded.overrides):
        return Problem(OVERRIDE_SOURCE, None, None, field, message)
    return loaded.document.problem(path, field, message)


def check_finite(tree: Any, source: str, path: str = "") -> None:
    """Refuse to report NaN, infinity or a negative figure: say which metric overflowed instead."""
    try:
        check_plannable(tree, path)
    except PlanError as exc:
        raise InputError([Problem(source, None, None, exc.field, exc.message)]) from None


def check_plannable(tree: Any, path: str = "") -> None:
    """Raise ``PlanError`` naming the first metric that is NaN, infinite or negative (nested entries
    first, so the message names the workload or group rather than the sum).

    A plain walk over the tree decides whether any figure is bad (most plans have none); only then
    is the tree walked again with paths, to name the first one."""
    if all_plannable(tree):
        return
    for steps, value in walk(tree, containers_first=True):
        if not isinstance(value, (float, np.ndarray, Scaled)) or isinstance(value, bool):
            continue
        values = np.asarray(value, dtype=float)
        if not np.all(np.isfinite(values)):
            what = "is not a finite number"
        elif np.any(values < 0) and not (steps and steps[-1] in SIGNED):
            what = "is negative"
        else:
            continue
        where = index_label(steps)
        raise PlanError(f"{path}.{where}" if path and where else path or where, f"the planned value {what}; the scenario's magnitudes are out of range")


#: Figures that are differences against a baseline and may honestly be negative: a saving in dollars
#: of a choice made on FLOP (``scaling optimal --inference-tokens``) is negative where the smaller,
#: longer-trained model costs more to train than it saves in serving.
SIGNED = frozenset({"saving_usd", "saving_flops", "saving_fraction"})

#: Leaves the finiteness check passes over: text, flags, nothing and whole numbers (never NaN).
_SKIPPED = frozenset({str, bool, type(None), int})


def all_plannable(tree: Any, seen: dict[int, tuple[np.ndarray, Any, Any]] | None = None) -> bool:
    """Every float and array in ``tree`` finite and non-negative: plain Python for floats (numpy on
    a scalar costs ~30x more), two reductions per array (a NaN fails both comparisons), once per
    array however many figures share it; a ``Scaled`` figure from its base's least and greatest
    sample × its factor (a non-negative factor keeps the order), without multiplying it out."""
    seen = {} if seen is None else seen
    for value in tree.values() if isinstance(tree, dict) else tree if isinstance(tree, list) else (tree,):
        kind = type(value)
        if kind is float or kind is np.float64:
            if not 0.0 <= value < math.inf:
                return False
        elif kind in _SKIPPED:
            continue
        elif isinstance(value, (dict, list)):
            if not all_plannable(value, seen):
                return False
        elif isinstance(value, float):
            if not 0.0 <= value < math.inf:
                return False
        elif isinstance(value, (np.ndarray, Scaled)) and value.size:
            array, factor = (value, 1.0) if isinstance(value, np.ndarray) else (value.base, value.factor)
            known = seen.get(id(array))
            if known is None or known[0] is not array:  # the tree holds the array, so its id is not reused meanwhile
                known = seen[id(array)] = (array, array.min(), array.max())
            if not (bool(known[1] * factor >= 0) and bool(known[2] * factor < math.inf)):
                return False
    return True


def plan_warnings(scenario: Inputs, sections: dict[str, Any]) -> list[str]:
    """Legal but suspicious inputs (the point plan's frozen inputs), each law contributing its own checks."""
    return [
        *pretraining_warnings(sections.get("pretraining")),
        *post_training_warnings(scenario, sections),
        *test_time_warnings(scenario, sections),
        *magnitude_warnings(sections),
    ]


#: More accelerators than exist on Earth (a few tens of millions of data-centre GPUs by 2025): a
#: figure beyond it comes from a scenario's magnitudes, not from a cluster anyone could build.
MAX_SANE_GPUS = 1e9


def magnitude_warnings(sections: dict[str, Any]) -> list[str]:
    """Figures beyond sane bounds, whatever produced them (a deadline of 1e-300 days, a model of 1e60
    parameters): one warning per figure, the figure in scientific notation."""
    found: list[tuple[Path, Any]] = []
    _gpu_counts_beyond({key: sections.get(key) for key in ("pretraining", "post_training", "test_time")}, (), found)
    return [f"{index_label(steps)}: {float(value):.3g} GPUs is more than the {MAX_SANE_GPUS:.0e} accelerators on Earth; check the scenario's magnitudes" for steps, value in found]


#: The figures that count GPUs (not their _p10/_p90 bands).
GPU_COUNTS = frozenset({"gpus", "gpus_needed", "gpus_needed_peak", "min_gpus_for_memory"})


def _gpu_counts_beyond(tree: Any, steps: Path, found: list[tuple[Path, Any]]) -> None:
    """GPU counts over ``MAX_SANE_GPUS`` in ``tree``, with their paths, in walk order (a plain walk:
    a path is made for each dict and list, not for each figure)."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if isinstance(value, (dict, list)):
                _gpu_counts_beyond(value, (*steps, key), found)
            elif key in GPU_COUNTS and isinstance(value, (int, float)) and not isinstance(value, bool) and value > MAX_SANE_GPUS:
                found.append(((*steps, key), value))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            if isinstance(value, (dict, list)):
                _gpu_counts_beyond(value, (*steps, Item(index)), found)
