"""The single place where a result becomes text in the requested format."""

from __future__ import annotations

from typing import Any

from scaling_cli.render import formats, views
from scaling_cli.render.model import Table
from scaling_cli.result import HardwareDetail, HardwareList, Plan, ValidationReport

FORMATS = ("table", "json", "csv", "markdown")


def tables_for(result: Any) -> list[Table]:
    if isinstance(result, Plan):
        return views.plan_tables(result)
    if isinstance(result, HardwareList):
        return [views.hardware_list_table(result)]
    if isinstance(result, HardwareDetail):
        return views.hardware_detail_tables(result)
    if isinstance(result, ValidationReport):
        return [views.validation_table(result)]
    from scaling_cli.planner.compare import Comparison
    from scaling_cli.planner.optimal import OptimalResult
    from scaling_cli.planner.reference import ReferenceReport
    from scaling_cli.planner.sweep import SweepResult

    if isinstance(result, SweepResult):
        return views.sweep_tables(result)
    if isinstance(result, Comparison):
        return views.comparison_tables(result)
    if isinstance(result, OptimalResult):
        return views.optimal_tables(result)
    if isinstance(result, ReferenceReport):
        return views.reference_tables(result)
    raise TypeError(f"no table view for {type(result).__name__}")


def csv_table_for(result: Any) -> Table:
    if isinstance(result, Plan):
        return views.plan_csv_table(result)
    if hasattr(result, "varies"):
        return views.sweep_csv_table(result)
    if hasattr(result, "values"):
        return views.flat_csv_table(result.values, "optimal")
    if hasattr(result, "runs"):
        return views.flat_csv_table({"runs": result.runs}, "reference")
    tables = tables_for(result)
    return tables[0]


def render(result: Any, fmt: str, *, terminal: bool = False, color: bool = True, width: int | None = None) -> str:
    """Text for ``result`` in ``fmt``; ``terminal`` selects boxed rich tables over plain columns."""
    if fmt == "json":
        return formats.to_json(result.to_dict())
    if fmt == "csv":
        return formats.to_csv(csv_table_for(result))
    tables = tables_for(result)
    if fmt == "markdown":
        return formats.to_markdown(tables)
    if terminal:
        return formats.to_rich_text(tables, width=width, color=color)
    return formats.to_plain_text(tables)
