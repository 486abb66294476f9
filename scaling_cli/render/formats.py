"""Table -> text (rich on a terminal, plain aligned columns when piped), Markdown and CSV; dict -> JSON."""

from __future__ import annotations

import csv
import io
import json
import shutil
from functools import lru_cache
from json.encoder import c_make_encoder, encode_basestring
from typing import Any, Callable

from scaling_cli.metrics import metric
from scaling_cli.render.layout import GAP, INDENT, PIPE_WIDTH, fit, wrap
from scaling_cli.render.model import BarChart, Table, cell_raw
from scaling_cli.render.numbers import format_cell, format_number
from scaling_cli.tree import BAND_SUFFIXES, Item, Path, is_band, label, pattern, walk

#: The longest bar, and the shortest worth drawing beside its label.
BAR_WIDTH = 40
MIN_BAR = 8


def to_json(document: dict[str, Any]) -> str:
    """Strict JSON: NaN and infinity raise instead of producing invalid output.

    The text is ``json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)``, character
    for character: the standard library's indenting encoder is pure Python (a chain of generators,
    slow on a plan of thousands of groups), so each run of a container's plain entries is written by
    its C encoder, one call per run, with ``,`` + newline + indent as the item separator; only the
    nesting is walked here. A key that is not text goes to ``json.dumps`` whole."""
    out: list[str] = []
    try:
        _json_into(document, out, "\n")
    except _Unusual:
        return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    out.append("\n")
    return "".join(out)


class _Unusual(Exception):
    """A document ``_json_into`` leaves to ``json.dumps``."""


_CONTAINERS = (dict, list, tuple)


@lru_cache(maxsize=None)
def _flat_encoder(inner: str) -> Callable[[Any], str]:
    """JSON of a container without nested containers, its items separated by ``,`` + ``inner``."""
    if c_make_encoder is None:  # no C accelerator: the standard library's own encoder, same text
        return json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=("," + inner, ": ")).encode
    chunks = c_make_encoder(None, json.JSONEncoder().default, encode_basestring, None, ": ", "," + inner, False, False, False)
    return lambda value: "".join(chunks(value, 0))


def _json_into(value: Any, out: list[str], pad: str) -> None:
    """``value`` as indented JSON onto ``out``; ``pad`` is a newline and the enclosing level's indent."""
    kind = type(value)
    if kind not in _CONTAINERS or not value:
        out.append(_flat_encoder(pad)(value))
        return
    inner = pad + "  "
    flat = _flat_encoder(inner)
    is_dict = kind is dict
    out.append("{" if is_dict else "[")
    run: Any = {} if is_dict else []
    separator = inner
    for key, item in value.items() if is_dict else enumerate(value):
        if type(item) not in _CONTAINERS:
            if is_dict:
                run[key] = item
            else:
                run.append(item)
            continue
        if run:
            out.append(separator + flat(run)[1:-1])
            run.clear()
            separator = "," + inner
        if is_dict:
            if type(key) is not str:
                raise _Unusual
            out.append(f"{separator}{encode_basestring(key)}: ")
        else:
            out.append(separator)
        separator = "," + inner
        _json_into(item, out, inner)
    if run:
        out.append(separator + flat(run)[1:-1])
    out.append(pad + ("}" if is_dict else "]"))


def to_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if cell_raw(c) is None else _csv_value(cell_raw(c)) for c in row])
    return buffer.getvalue()


def _csv_value(value: Any) -> Any:
    return repr(value) if isinstance(value, float) else value


#: The columns of the long CSV: one row per figure, its P10-P90 band beside it.
LONG_COLUMNS = ("phase", "item", "metric", "value", "p10", "p90", "unit")


def to_csv_long(figures: dict[str, Any], prefix: str = "") -> str:
    """Every numeric figure of a result's tree as one row: ``phase`` (the section, e.g.
    ``post_training``), ``item`` (the list items it belongs to by name, ``sft / policy_training``,
    empty for a section's own figures), ``metric`` (the key below the last item, ``gpu_hours``),
    ``value``, ``p10`` and ``p90`` (empty without a band) and the registry's ``unit``; units are
    looked up under ``prefix`` (e.g. ``optimal``). Text figures and the band entries themselves get
    no row of their own; a figure that is ``null`` keeps its row with an empty value. A spreadsheet
    pivots it by phase, item and metric."""
    leaves = list(walk(figures))
    values = {label(path): value for path, value in leaves}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LONG_COLUMNS)
    for path, value in leaves:
        name = path[-1] if path and isinstance(path[-1], str) else ""
        info = metric(".".join(filter(None, (prefix, pattern(path)))))
        if is_band(name) or isinstance(value, (str, bool)) or info.style == "text":
            continue
        phase, item, key = _long_parts(path)
        bands = [values.get(label(path) + suffix) for suffix in BAND_SUFFIXES]
        writer.writerow([phase, item, key, *("" if v is None else _csv_value(v) for v in (value, *bands)), info.unit])
    return buffer.getvalue()


def _long_parts(path: Path) -> tuple[str, str, str]:
    """(phase, item, metric) of a figure's path: its first key, the names of the list items on the
    way (their positions when unnamed), and the keys after the last item."""
    items = [index for index, step in enumerate(path) if isinstance(step, Item)]
    start = items[-1] + 1 if items else min(1, len(path) - 1)
    phase = str(path[0]) if start > 0 and not isinstance(path[0], Item) else ""
    item = " / ".join(str(step.name if step.name is not None else step.index) for step in path if isinstance(step, Item))
    return phase, item, ".".join(str(step) for step in path[start:])


def bar_lines(chart: BarChart, glyph: str, tiny: str, width: int = PIPE_WIDTH) -> list[str]:
    """``label  ████████  1.2e24 FLOP  37%`` lines, bars scaled to the largest item and at most
    ``BAR_WIDTH`` long (shorter where ``width`` is narrow); a non-zero value too small for one
    ``glyph`` gets a ``tiny`` mark so it is not mistaken for zero."""
    items = [(label, value) for label, value in chart.items if value is not None]
    if not items:
        return []
    largest = max(value for _, value in items) or 1.0
    total = sum(value for _, value in items) or 1.0
    label_width = max(len(label) for label, _ in items)
    figures = [f"{format_number(value, chart.style)}{f' {chart.unit}' if chart.unit else ''}  {100 * (value / total):.1f}%" for _, value in items]
    beside = width - label_width - max(len(f) for f in figures) - 2 * GAP
    own_line = beside < MIN_BAR  # too narrow for a bar beside its label: the label on a line of its own
    bar_width = max(1, min(BAR_WIDTH, beside + label_width + GAP - INDENT if own_line else beside))
    lines = []
    for (label, value), shown in zip(items, figures):
        length = int(round(bar_width * (value / largest)))  # the ratio first: BAR_WIDTH × 1.7e308 is inf
        bar = (glyph * length if length else (tiny if value else "")).ljust(bar_width)
        lines += [label, f"{' ' * INDENT}{bar}  {shown}"] if own_line else [f"{label.ljust(label_width)}  {bar}  {shown}"]
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
    """Aligned columns, no box drawing, no truncation: what a pipe or a log file gets. Lines stay
    within ``PIPE_WIDTH`` (text wraps, wide tables split into column groups; ``render.layout``)."""
    parts = []
    for table in tables:
        if isinstance(table, BarChart):
            parts.append("\n".join([*wrap(table.title, PIPE_WIDTH), *bar_lines(table, "#", ".")]))
            continue
        grids = fit(table, PIPE_WIDTH)
        parts.extend("\n".join("".join(text for text, _ in line).rstrip() for line in grid.lines() if line[0][1] != "rule") for grid in grids)
    return "\n\n".join(parts) + "\n"


#: How each part of a grid looks on a terminal.
STYLES = {"title": "bold", "header": "bold", "rule": "dim", "value": "cyan", "detail": "dim", "note": "dim", "cell": "", "bar": "green"}


def to_rich_text(tables: list[Table | BarChart], *, width: int | None = None, color: bool = True) -> str:
    """Tables for a terminal ``width`` columns wide (default: the terminal's): bold headers over a
    rule, the value column in colour. Laid out by ``render.layout``, so nothing is cut: numbers
    never wrap, text wraps, and a table too wide is split into column groups."""
    from rich.console import Console
    from rich.text import Text

    width = width or shutil.get_terminal_size().columns
    console = Console(file=io.StringIO(), width=width, force_terminal=True, no_color=None if color else True, highlight=False)
    for index, table in enumerate(tables):
        if isinstance(table, BarChart):
            lines = [[(line, "title")] for line in wrap(table.title, width)] + [[(line, "bar")] for line in bar_lines(table, "█", "▏", width)]
            grids = [lines]
        else:
            grids = [grid.lines() for grid in fit(table, width)]
        for number, lines in enumerate(grids):
            if index or number:
                console.print()
            for line in lines:
                console.print(Text.assemble(*((text, STYLES[role]) for text, role in line)), soft_wrap=True)
    return console.file.getvalue()  # type: ignore[attr-defined]
