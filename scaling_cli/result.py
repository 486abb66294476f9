"""Plain result objects handed from the planner to the renderers.

A ``Plan`` is data only: numbers in SI units (FLOP, hours, USD, MWh), strings, ``None`` where an
input is missing. Its ``to_dict`` is the JSON contract documented in the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from scaling_cli.render.model import BarChart, Table

SCHEMA_VERSION = "1.0"


def _views() -> Any:
    """``render.views``, imported when a table is drawn: JSON output never needs it (start-up)."""
    from scaling_cli.render import views

    return views


class Result(Protocol):
    """What every data command returns: its JSON document and its view (tables for table and
    Markdown output, one table for CSV). ``render.emit`` renders any of them the same way."""

    def to_dict(self) -> dict[str, Any]: ...

    def tables(self) -> list[Table | BarChart]: ...

    def csv_table(self) -> Table: ...


@dataclass(frozen=True)
class Assumption:
    """A number the plan used that the scenario did not give, and where it comes from."""

    key: str
    value: Any
    unit: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "unit": self.unit, "source": self.source}


@dataclass
class Plan:
    """The planned compute of one scenario, section by section (``pretraining``, ...)."""

    name: str
    description: str | None
    source: str
    sections: dict[str, dict[str, Any] | None]
    assumptions: list[Assumption] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Monte Carlo settings behind the ``_p10``/``_p90`` bands, or ``None`` without bands.
    uncertainty: dict[str, Any] | None = None

    def tables(self) -> list[Table | BarChart]:
        return _views().plan_tables(self)

    def csv_table(self) -> Table:
        return _views().plan_csv_table(self)

    def long_figures(self) -> tuple[dict[str, Any], str]:
        """What ``--format csv-long`` exports: every section present, units from the registry's root."""
        return {name: section for name, section in self.sections.items() if section is not None}, ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "scenario": {"name": self.name, "description": self.description, "source": self.source},
            "assumptions": [a.to_dict() for a in self.assumptions],
            "warnings": list(self.warnings),
            "uncertainty": self.uncertainty,
            **self.sections,
        }


def accelerator_dict(accel: Any) -> dict[str, Any]:
    """JSON form of a catalog ``Accelerator``: peaks in TFLOP/s (dense), memory as labelled by the vendor."""
    price = accel.price
    return {
        "id": accel.id,
        "name": accel.name,
        "vendor": accel.vendor,
        "architecture": accel.architecture,
        "release_year": accel.release_year,
        "aliases": list(accel.aliases),
        "efficiency_class": accel.efficiency_class,
        "peak_tflops_dense": dict(accel.peak_tflops),
        "not_supported": list(accel.not_supported),
        "memory_capacity": accel.memory_capacity,
        "memory_unit": accel.memory_unit,
        "memory_bandwidth_tb_s": accel.bandwidth_tb_s,
        "power_w": accel.power_w,
        "price_usd_per_hour": None
        if price is None
        else {"value": price.value, "low": price.low, "high": price.high, "central": price.central, "basis": price.basis, "as_of": price.as_of, "sources": list(price.sources)},
        "sources": list(accel.sources),
        "notes": accel.notes,
    }


@dataclass
class HardwareList:
    accelerators: list[Any]
    catalog: dict[str, Any]

    def tables(self) -> list[Table | BarChart]:
        return [_views().hardware_list_table(self)]

    def csv_table(self) -> Table:
        return _views().hardware_list_table(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "catalog": self.catalog,
            "accelerators": [accelerator_dict(a) for a in self.accelerators],
        }


@dataclass
class HardwareDetail:
    accelerator: Any

    def tables(self) -> list[Table | BarChart]:
        return _views().hardware_detail_tables(self)

    def csv_table(self) -> Table:
        return self.tables()[0]  # type: ignore[return-value]

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, "accelerator": accelerator_dict(self.accelerator)}


@dataclass
class FileCheck:
    file: str
    problems: list[Any]

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass
class ValidationReport:
    files: list[FileCheck]

    def tables(self) -> list[Table | BarChart]:
        return [_views().validation_table(self)]

    def csv_table(self) -> Table:
        return _views().validation_table(self)

    @property
    def valid(self) -> bool:
        return all(f.valid for f in self.files)

    def messages(self) -> list[str]:
        """What a person reads on stderr: each problem as FILE:LINE:COL: field: message, then a summary."""
        lines = [str(problem) for check in self.files for problem in check.problems]
        valid = sum(check.valid for check in self.files)
        return [*lines, f"{valid} of {len(self.files)} scenario file{'s' if len(self.files) != 1 else ''} valid"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "valid": self.valid,
            "files": [
                {
                    "file": f.file,
                    "valid": f.valid,
                    "problems": [{"file": p.file, "line": p.line, "column": p.column, "field": p.field, "message": p.message} for p in f.problems],
                }
                for f in self.files
            ],
        }
