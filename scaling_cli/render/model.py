"""What renderers draw: tables of cells, where numbers keep their raw value and a display style."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class Num:
    """A number cell: ``value`` goes to CSV untouched, ``style`` decides the human form."""

    value: float | int | None
    style: str = "si"


Cell = Union[str, Num, None]


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Columns that hold numbers (right-aligned in text output).
    numeric: set[int] = field(default_factory=set)
    #: Columns every column group repeats when the table is split to fit a width (negative counts
    #: from the end: ``(0, -1)`` is the name and the unit column); see ``render.layout``.
    keys: tuple[int, ...] = (0,)
    #: Columns of long text shown under their row, across the width, when the table is too wide.
    details: tuple[int, ...] = ()
    #: Headers for text output when ``columns`` (kept by CSV and Markdown) are too long to read
    #: side by side (``A``, ``B − A``), and the notes that say what they stand for.
    short: list[str] | None = None
    legend: list[str] = field(default_factory=list)


def cell_raw(cell: Cell) -> Any:
    return cell.value if isinstance(cell, Num) else cell


@dataclass
class BarChart:
    """Horizontal bars (drawn under the tables): one per item, length proportional to its value."""

    title: str
    items: list[tuple[str, float]]
    style: str = "sci"
    unit: str = ""
