"""Table views of the ``test_time`` section: one column per workload, so a chat workload and a
long-thinking one on the same model read side by side."""

from __future__ import annotations

from typing import Any

from scaling_cli.metrics import Metric, under
from scaling_cli.render.model import Cell, Num, Table
from scaling_cli.render.numbers import format_number

WORKLOAD = "test_time.workloads[]"
#: Figures that name the workload rather than measure it: the column header and the notes.
IDENTITY = ("name", "accelerator", "precision")


def _rows() -> list[tuple[str, Metric]]:
    """Rows of the workload table: every workload metric in the registry's reading order."""
    return [(m.path.rsplit(".", 1)[-1], m) for m in under(WORKLOAD) if m.path.rsplit(".", 1)[-1] not in IDENTITY]


def _cell(workload: dict[str, Any], key: str, style: str) -> Cell:
    """The value, with its P10-P90 band folded in as ``value (p10-p90)`` where it has one."""
    value = workload.get(key)
    if value is None or isinstance(value, str):
        return value
    low, high = workload.get(f"{key}_p10"), workload.get(f"{key}_p90")
    if low is None or high is None or low == high:
        return Num(value, style)
    return f"{format_number(value, style)} ({format_number(low, style)}-{format_number(high, style)})"


def workload_table(workloads: list[dict[str, Any]]) -> Table:
    rows = []
    for key, info in _rows():
        values = [w.get(key) for w in workloads]
        if all(v is None or v == 0 and key == "scoring_flops_per_query" for v in values):
            continue
        rows.append([info.label.strip(), *(_cell(w, key, info.style) for w in workloads), info.unit])
    banded = any(key.endswith("_p10") for w in workloads for key in w)
    return Table(
        title="Test-time: workloads" + (" (P10-P90 in brackets)" if banded else ""),
        columns=["Metric", *(str(w["name"]) for w in workloads), "Unit"],
        rows=rows,
        notes=[f"{w['name']}: {w['accelerator']}, {w['precision']}" for w in workloads],
        numeric=set(range(1, len(workloads) + 1)),
        keys=(0, -1),
    )


def test_time_tables(section: dict[str, Any]) -> list[Table]:
    workloads = section.get("workloads") or []
    return [workload_table(workloads)] if workloads else []


test_time_tables.__test__ = False  # type: ignore[attr-defined]  # not a pytest test, despite its name
