"""Table -> text (rich on a terminal, plain aligned columns when piped), Markdown and CSV; dict -> JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from scaling_cli.render.model import BarChart, Table, cell_raw
from scaling_cli.render.numbers import format_cell, format_number

BAR_WIDTH = 40


def to_json(document: dict[str, Any]) -> str:
    """Strict JSON: NaN and infinity raise instead of producing invalid output."""
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if cell_raw(c) is None else _csv_value(cell_raw(c)) for c in row])
    return buffer.getvalue()


def _csv_value(value: Any) -> Any:
    return repr(value) if isinstance(value, float) else value


def bar_lines(chart: BarChart, glyph: str, tiny: str) -> list[str]:
    """``label  ████████  1.2e24 FLOP  37%`` lines, bars scaled to the largest item; a non-zero value
    too small for one ``glyph`` gets a ``tiny`` mark so it is not mistaken for zero."""
    items = [(label, value) for label, value in chart.items if value is not None]
    if not items:
        return []
    largest = max(value for _, value in items) or 1.0
    total = sum(value for _, value in items) or 1.0
    width = max(len(label) for label, _ in items)
    lines = []
    for label, value in items:
        length = int(round(BAR_WIDTH * (value / largest)))  # the ratio first: BAR_WIDTH × 1.7e308 is inf
        bar = glyph * length if length else (tiny if value else "")
        shown = format_number(value, chart.style) + (f" {chart.unit}" if chart.unit else "")
        lines.append(f"{label.ljust(width)}  {bar.ljust(BAR_WIDTH)}  {shown}  {100 * (value / total):.1f}%")
    return lines


def to_markdown(tables: list[Table | BarChart]) -> str:
    parts = []
    for table in tables:
        if isinstance(table, BarChart):
            parts.append("\n".join([f"### {table.title}", "", "```", *bar_lines(table, "█", "▏"), "```"]))
            continue
        lines = [f"### {table.title}", ""] if table.title else []
        lines.append("| " + " | ".join(_md(c) for c in table.columns) + " |")
        lines.append("|" + "|".join("---:" if i in table.numeric else "---" for i in range(len(table.columns))) + "|")
        for row in table.rows:
            lines.append("| " + " | ".join(_md(format_cell(c)) for c in row) + " |")
        lines.extend(f"\n{note}" for note in table.notes)
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def to_plain_text(tables: list[Table | BarChart]) -> str:
    """Aligned columns, no box drawing, no truncation: what a pipe or a log file gets."""
    parts = []
    for table in tables:
        if isinstance(table, BarChart):
            parts.append("\n".join([table.title, *bar_lines(table, "#", ".")]))
            continue
        cells = [list(table.columns)] + [[format_cell(c) for c in row] for row in table.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(table.columns))]
        lines = [table.title] if table.title else []
        for row in cells:
            padded = [c.rjust(widths[i]) if i in table.numeric else c.ljust(widths[i]) for i, c in enumerate(row)]
            lines.append("  ".join(padded).rstrip())
        lines.extend(table.notes)
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def to_rich_text(tables: list[Table | BarChart], *, width: int | None = None, color: bool = True) -> str:
    """Boxed tables for a terminal. Numbers never wrap or truncate (``no_wrap`` + fold overflow)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text

    console = Console(file=io.StringIO(), width=width, force_terminal=True, no_color=None if color else True, highlight=False, soft_wrap=False)
    for index, table in enumerate(tables):
        if isinstance(table, BarChart):
            console.print()
            console.print(Text(table.title, style="bold"))
            for line in bar_lines(table, "█", "▏"):
                console.print(Text(line, style="green"))
            continue
        rich_table = RichTable(title=Text(table.title, style="bold") if table.title else None, box=box.SIMPLE_HEAD, title_justify="left")
        for i, column in enumerate(table.columns):
            numeric = i in table.numeric
            rich_table.add_column(
                column,
                justify="right" if numeric else "left",
                no_wrap=numeric,
                overflow="fold",
                style="cyan" if numeric and i == 1 else None,
            )
        for row in table.rows:
            rich_table.add_row(*(Text(format_cell(c)) for c in row))
        if index:
            console.print()
        console.print(rich_table)
        for note in table.notes:
            console.print(Text(note, style="dim"))
    return console.file.getvalue()  # type: ignore[attr-defined]
