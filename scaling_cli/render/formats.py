"""Table -> text (rich on a terminal, plain aligned columns when piped), Markdown and CSV; dict -> JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from scaling_cli.render.model import Table, cell_raw
from scaling_cli.render.numbers import format_cell


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


def to_markdown(tables: list[Table]) -> str:
    parts = []
    for table in tables:
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


def to_plain_text(tables: list[Table]) -> str:
    """Aligned columns, no box drawing, no truncation: what a pipe or a log file gets."""
    parts = []
    for table in tables:
        cells = [list(table.columns)] + [[format_cell(c) for c in row] for row in table.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(table.columns))]
        lines = [table.title] if table.title else []
        for row in cells:
            padded = [c.rjust(widths[i]) if i in table.numeric else c.ljust(widths[i]) for i, c in enumerate(row)]
            lines.append("  ".join(padded).rstrip())
        lines.extend(table.notes)
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def to_rich_text(tables: list[Table], *, width: int | None = None, color: bool = True) -> str:
    """Boxed tables for a terminal. Numbers never wrap or truncate (``no_wrap`` + fold overflow)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text

    console = Console(file=io.StringIO(), width=width, force_terminal=True, no_color=None if color else True, highlight=False, soft_wrap=False)
    for index, table in enumerate(tables):
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
