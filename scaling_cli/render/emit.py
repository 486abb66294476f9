"""The single place where a result becomes text in the requested format, and goes where it is sent."""

from __future__ import annotations

import os
import sys
from typing import Any

from scaling_cli.output import write_output
from scaling_cli.render import formats

FORMATS = ("table", "json", "csv", "markdown")


def render(result: Any, fmt: str, *, terminal: bool = False, color: bool = True, width: int | None = None) -> str:
    """Text for any command result (``result.Result``) in ``fmt``; ``terminal`` selects boxed rich
    tables over plain columns."""
    if fmt == "json":
        return formats.to_json(result.to_dict())
    if fmt == "csv":
        return formats.to_csv(result.csv_table())
    tables = result.tables()
    if fmt == "markdown":
        return formats.to_markdown(tables)
    if terminal:
        return formats.to_rich_text(tables, width=width, color=color)
    return formats.to_plain_text(tables)


def emit(result: Any, fmt: str, output: str | None, force: bool) -> None:
    """Render ``result`` for where it goes: rich tables on a terminal (no colour under ``NO_COLOR``
    or ``TERM=dumb``), plain text into a pipe or file; written by ``output.write_output``."""
    terminal = output is None and sys.stdout.isatty()
    color = terminal and os.environ.get("TERM") != "dumb"
    write_output(render(result, fmt, terminal=terminal, color=color), output, force=force)
