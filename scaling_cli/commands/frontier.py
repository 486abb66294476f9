"""``scaling frontier``: a workload's throughput-per-GPU versus tokens-per-second-per-user frontier,
on its own accelerator or on every one of the catalog (``planner/frontier.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scaling_cli.catalog.hardware import accelerators
from scaling_cli.engine.uncertainty import Sampler
from scaling_cli.errors import InputError, PlanError, ScalingError, UsageError
from scaling_cli.planner.frontier import workload_frontier
from scaling_cli.planner.plan import locate
from scaling_cli.render.model import Num, Table
from scaling_cli.result import SCHEMA_VERSION
from scaling_cli.scenario.inputs import freeze
from scaling_cli.scenario.loading import load_scenario

ALL = "all"
COLUMNS = ["Accelerator", "GPUs/replica", "Batch", "TPOT (s)", "Tokens/s per user", "Tokens/s per GPU", "USD per M output", "Meets TPOT"]


@dataclass
class FrontierResult:
    workload: str
    frontiers: list[dict[str, Any]]
    skipped: list[dict[str, str]]

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, "workload": self.workload, "frontiers": self.frontiers, "skipped": self.skipped}

    def _rows(self) -> list[list[Any]]:
        rows = []
        for frontier in self.frontiers:
            for r in frontier["frontier"]:
                meets = "" if r["meets_tpot"] is None else ("yes" if r["meets_tpot"] else "no")
                price = "" if r["usd_per_million_output_tokens"] is None else Num(r["usd_per_million_output_tokens"], "usd")
                rows.append([
                    f"{frontier['accelerator']} {frontier['precision']}", Num(r["gpus_per_replica"], "int"), Num(r["batch_size"], "int"),
                    Num(r["tpot_seconds"], "frac"), Num(r["tokens_per_second_per_user"], "frac"), Num(r["tokens_per_second_per_gpu"], "frac"), price, meets,
                ])  # fmt: skip
        return rows

    def tables(self) -> list[Table]:
        title = f"Serving frontier of {self.workload}: tokens/s per GPU against tokens/s per user (Pareto-optimal configurations)"
        return [Table(title=title, columns=COLUMNS, rows=self._rows(), numeric={1, 2, 3, 4, 5, 6})]

    def csv_table(self) -> Table:
        return self.tables()[0]


def _workload_index(loaded: Any, name: str | None) -> int:
    workloads = loaded.scenario.test_time or []
    if not workloads:
        raise UsageError("the scenario has no test_time workloads to serve")
    if name is None:
        return 0
    names = [w.name for w in workloads]
    if name not in names:
        raise UsageError(f"no workload named {name!r}; the scenario has {', '.join(repr(n) for n in names)}")
    return names.index(name)


def _one(scenario: str | None, overrides: Sequence[str], index: int, accelerator: str | None, precision: str | None = None) -> dict[str, Any]:
    extra = [] if accelerator is None else [f"test_time[{index}].hardware.accelerator={accelerator}", f"test_time[{index}].hardware.precision={precision}"]
    loaded = load_scenario(scenario, [*overrides, *extra])
    try:
        return workload_frontier(freeze(loaded.scenario, Sampler.point()), index)
    except PlanError as exc:
        raise InputError([locate(loaded, exc.field, exc.message)]) from None


def frontier(scenario: str | None, overrides: Sequence[str] = (), *, workload: str | None = None, accelerator: Sequence[str] = ()) -> FrontierResult:
    """The frontier of one workload (``workload`` by name, else the first) on its accelerator, on each
    named ``accelerator``, or on every catalog accelerator that can serve it (``all``; the others are
    listed under ``skipped`` with the reason), at the precision the workload serves at on its own."""
    loaded = load_scenario(scenario, list(overrides))
    index = _workload_index(loaded, workload)
    name = loaded.scenario.test_time[index].name
    own = _one(scenario, overrides, index, None)
    if not accelerator:
        return FrontierResult(name, [own], [])
    names = [a.id for a in accelerators()] if list(accelerator) == [ALL] else list(accelerator)
    found, skipped = [], []
    for accel in names:
        try:
            found.append(_one(scenario, overrides, index, accel, own["precision"]))
        except ScalingError as exc:
            if list(accelerator) != [ALL]:
                raise
            skipped.append({"accelerator": accel, "reason": str(exc).splitlines()[0] if str(exc) else type(exc).__name__})
    return FrontierResult(name, found, skipped)
