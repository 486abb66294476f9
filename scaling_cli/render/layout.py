"""Tables fitted to a width: the terminal's for rich output, ``PIPE_WIDTH`` for plain text.

Nothing is ever cut. A number cell is an atom: it never wraps or breaks. Text wraps at spaces and,
inside a word longer than its column, after a path's dots and before its brackets
(``post_training.`` | ``derivatives`` | ``[sft].`` | ``count``). A table that does not fit as it is
first moves its ``details`` columns under their rows, across the whole width (the sources of the
assumptions); if it is still too wide with its text wrapped, it is split into column groups, each
repeating the table's key columns (its name column, and its unit column where it has one). Text
output uses a table's ``short`` headers, with their legend, where it has them (``compare``'s A, B).

Both renderers draw the same ``Grid`` lines; only the styles differ (``formats``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scaling_cli.render.model import Num, Table
from scaling_cli.render.numbers import format_cell

#: Spaces between columns.
GAP = 2
#: Piped and file output: lines stay within this many characters unless one value is longer.
PIPE_WIDTH = 200
#: Indent of a row's detail text and of continued lines.
INDENT = 4
#: Where a word too long for its column may break: after a path's dot, before its bracket, after a
#: slash or a comma that a letter follows (never inside a number: 3.1, 1,024).
_SOFT = re.compile(r"(?<=[\w\]]{2}\.)(?=[A-Za-z_])|(?<=\w)(?=\[)|(?<=/)(?=[^/\s])|(?<=,)(?=[A-Za-z{])")


def pieces(word: str) -> list[str]:
    """``post_training.derivatives[sft].count`` -> ``post_training.``, ``derivatives``, ``[sft].``,
    ``count``; ``nvidia.com/en-us/`` -> ``nvidia.``, ``com/``, ``en-us/``."""
    return [p for p in _SOFT.split(word) if p]


def _break(word: str, width: int) -> list[str]:
    """A word longer than ``width`` in lines: its pieces joined greedily; a piece longer still is
    cut every ``width`` characters (the last resort, for widths no table needs)."""
    lines = [""]
    for piece in pieces(word):
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append("")
        lines[-1] += piece
        while len(lines[-1]) > width:
            lines[-1], rest = lines[-1][:width], lines[-1][width:]
            lines.append(rest)
    return lines


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken at spaces (see ``_break``); a
    leading indent (``  of which attention``) is kept on every line."""
    indent = len(text) - len(text.lstrip(" "))
    if indent and width - indent >= 8:
        return [" " * indent + line for line in wrap(text[indent:], width - indent)]
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            if line and len(line) + 1 + len(word) <= width:
                line += " " + word
                continue
            if line:
                lines.append(line)
            if len(word) <= width:
                line = word
            else:
                *full, line = _break(word, width)
                lines.extend(full)
        lines.append(line)
    return lines or [""]


def narrowest(text: str, atom: bool) -> int:
    """The narrowest column ``text`` fits in: all of it for an atom, else its longest piece."""
    if atom:
        return len(text)
    indent = len(text) - len(text.lstrip(" "))
    return indent + max((len(p) for word in text.split() for p in pieces(word)), default=0)


@dataclass
class Grid:
    """One table shape that fits: wrapped title, column widths and alignment, wrapped cells."""

    title: list[str]
    #: The table's column index of each column shown (styles follow the source column).
    columns: list[int]
    widths: list[int]
    right: list[bool]
    header: list[list[str]]
    rows: list[list[list[str]]]
    #: Per row, its detail text in lines (indented), or none.
    details: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[list[tuple[str, str]]]:
        """Every output line as ``(text, role)`` segments; roles: title, header, rule, cell, value
        (the first numeric column), detail, note."""
        out: list[list[tuple[str, str]]] = [[(line, "title")] for line in self.title]
        out += self._row_lines(self.header, "header")
        out.append([("─" * (sum(self.widths) + GAP * (len(self.widths) - 1)), "rule")])
        for index, row in enumerate(self.rows):
            out += self._row_lines(row, "cell")
            out += [[(" " * INDENT + line, "detail")] for line in (self.details[index] if self.details else [])]
        out += [[(line, "note")] for line in self.notes]
        return out

    def _row_lines(self, cells: list[list[str]], role: str) -> list[list[tuple[str, str]]]:
        out = []
        for k in range(max(len(c) for c in cells)):
            segments = []
            for i, cell in enumerate(cells):
                text = cell[k] if k < len(cell) else ""
                text = text.rjust(self.widths[i]) if self.right[i] else text.ljust(self.widths[i])
                kind = "value" if role == "cell" and self.columns[i] == 1 and self.right[i] else role
                segments.append(((" " * GAP if i else "") + text, kind))
            last, kind = segments[-1]
            segments[-1] = (last.rstrip(), kind)
            out.append(segments)
        return out


def _distribute(floors: list[list[int]], high: list[int], room: int) -> list[int] | None:
    """Widths from ``high`` down that add up to at most ``room`` (None: even the last floor is too
    wide). Each floor in turn (headers wrapped, then text wrapped): the widest columns give way
    first, so the fewest cells wrap."""
    if sum(floors[-1]) > room:
        return None
    widths = list(high)
    for floor in floors:
        while sum(widths) > room and any(w > f for w, f in zip(widths, floor)):
            widest = max((i for i in range(len(widths)) if widths[i] > floor[i]), key=lambda i: (widths[i], i))
            widths[widest] -= 1
    return widths


def _room(width: int, columns: int) -> int:
    return width - GAP * (columns - 1)


@dataclass
class _Cells:
    """A table's cells as text, measured per column: its narrowest width (``low``), its width with
    the header wrapped but no cell (``mid``) and its natural width (``high``)."""

    table: Table
    headers: list[str]
    text: list[list[str]]
    low: list[int]
    mid: list[int]
    high: list[int]

    @classmethod
    def of(cls, table: Table, headers: list[str]) -> _Cells:
        text = [[format_cell(cell) for cell in row] for row in table.rows]
        atoms = [[isinstance(cell, Num) for cell in row] for row in table.rows]
        columns = range(len(headers))
        low = [max([narrowest(headers[i], False)] + [narrowest(r[i], a[i]) for r, a in zip(text, atoms)]) for i in columns]
        mid = [max([low[i]] + [len(r[i]) for r in text]) for i in columns]
        high = [max([len(headers[i])] + [len(r[i]) for r in text]) for i in columns]
        return cls(table, headers, text, low, mid, high)

    def natural(self, columns: list[int], width: int) -> bool:
        return sum(self.high[i] for i in columns) <= _room(width, len(columns))

    def widths(self, columns: list[int], width: int) -> list[int]:
        """The columns' widths within ``width`` (at their narrowest if even that is too wide)."""
        floors = [[self.mid[i] for i in columns], [self.low[i] for i in columns]]
        return _distribute(floors, [self.high[i] for i in columns], _room(width, len(columns))) or floors[-1]


def fit(table: Table, width: int) -> list[Grid]:
    """``table`` laid out ``width`` wide under its ``short`` headers (and their legend) where it has
    them: as it is if it fits; else with its ``details`` under their rows and its text wrapped; else
    split into column groups that each repeat the key columns."""
    everything = list(range(len(table.columns)))
    cells = _Cells.of(table, list(table.short or table.columns))
    notes = [*table.notes, *table.legend]
    shown = everything if cells.natural(everything, width) else [i for i in everything if i not in table.details]
    grids = []
    for number, part in enumerate(_split(table, cells, shown, width)):
        widths = cells.widths(part, width)
        title = table.title if number == 0 else (f"{table.title} (continued)" if table.title else "")
        grids.append(_grid(cells, part, widths, title, width, details=[i for i in table.details if i not in shown] if number == 0 else []))
    grids[-1].notes = [line for note in notes for line in wrap(note, width)]
    return grids


def _split(table: Table, cells: _Cells, shown: list[int], width: int) -> list[list[int]]:
    """Column groups that fit ``width``, each with the key columns in place: packed at the widths
    that wrap no cell if every column fits beside the keys so, else with the keys wrapped, else at
    the narrowest."""
    if sum(cells.low[i] for i in shown) <= _room(width, len(shown)):
        return [shown]
    keys = {k % len(table.columns) for k in table.keys} & set(shown)
    others = [i for i in shown if i not in keys]
    for key_size, other_size in ((cells.mid, cells.mid), (cells.low, cells.mid), (cells.low, cells.low)):
        size = {i: (key_size if i in keys else other_size)[i] for i in shown}
        if all(_fits(keys | {i}, size, width) for i in others):
            break
    parts: list[list[int]] = []
    current: set[int] = set()
    for column in others:
        if current and not _fits(keys | current | {column}, size, width):
            parts.append(sorted(keys | current))
            current = set()
        current.add(column)
    parts.append(sorted(keys | current))
    return parts


def _fits(columns: set[int], size: dict[int, int], width: int) -> bool:
    return sum(size[i] for i in columns) <= _room(width, len(columns))


def _grid(cells: _Cells, part: list[int], widths: list[int], title: str, width: int, details: list[int]) -> Grid:
    """The grid of the columns ``part``, each as narrow as its wrapped cells; the ``details``
    columns go under each row as ``Header: text``."""
    header = [wrap(cells.headers[i], w) for i, w in zip(part, widths)]
    rows = [[wrap(r[i], w) for i, w in zip(part, widths)] for r in cells.text]
    tight = [max(len(line) for cell in [header[k], *(row[k] for row in rows)] for line in cell) for k in range(len(part))]
    room = width - INDENT
    return Grid(
        title=wrap(title, width) if title else [],
        columns=part,
        widths=tight,
        right=[i in cells.table.numeric for i in part],
        header=header,
        rows=rows,
        details=[[line for i in details if r[i] not in ("", "-") for line in wrap(f"{cells.headers[i]}: {r[i]}", room)] for r in cells.text],
    )
