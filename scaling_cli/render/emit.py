"""The single place where a result becomes text in the requested format, and goes where it is sent."""

from __future__ import annotations

import os
import sys
from typing import Any

from scaling_cli.output import write_output
from scaling_cli.render import formats

FORMATS = ("table", "json", "csv", "csv-long", "markdown")
#: Keys of a JSON document that describe the run rather than hold its figures (left out of csv-long).
META_KEYS = ("schema_version", "scenario", "inputs", "assumptions", "warnings", "uncertainty")


def render(result: Any, fmt: str, *, terminal: bool = False, color: bool = True, width: int | None = None) -> str:
    """Text for any command result (``result.Result``) in ``fmt``; ``terminal`` selects boxed rich
    tables over plain columns."""
    if fmt == "json":
        return formats.to_json(result.to_dict())
    if fmt == "csv":
        return formats.to_csv(result.csv_table())
    if fmt == "csv-long":
        return formats.to_csv_long(*long_figures(result))
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


def long_figures(result: Any) -> tuple[dict[str, Any], str]:
    """The tree of figures ``csv-long`` exports and the metric prefix of its units: the result's own
    (``Plan.long_figures``: the plan's sections), else its JSON document without the run's description."""
    own = getattr(result, "long_figures", None)
    if own is not None:
        return own()
    return {key: value for key, value in result.to_dict().items() if key not in META_KEYS}, ""
