"""Human formatting of numbers for tables (never used for JSON or CSV, which keep raw values)."""

from __future__ import annotations

import math

from scaling_cli.quantity import format_quantity
from scaling_cli.render.model import Cell, Num

MISSING = "-"


def format_number(value: float | int | None, style: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING
    if style == "text":
        return str(value)
    if style in ("int", "frac") and abs(value) >= 1e18:  # digits past a float's precision are noise
        return format_quantity(value)
    if style == "int":
        return f"{int(round(value)):,}"
    if style == "sci":
        return f"{value:.3g}".replace("e+", "e") if abs(value) >= 1e6 else format_quantity(value)
    if style == "fine":
        return f"{value:.5g}"
    if style == "frac":
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    if style == "usd":
        return ("-$" if value < 0 else "$") + (format_quantity(abs(value)) if abs(value) >= 1000 else f"{abs(value):.3g}")
    return format_quantity(value)


def format_cell(cell: Cell) -> str:
    if isinstance(cell, Num):
        return format_number(cell.value, cell.style)
    return MISSING if cell is None else str(cell)
