"""The one walker over result trees (nested dicts and lists of numbers and text).

A path is a tuple of steps: a dict key (``str``) or a list ``Item`` (its index and, when the item is
a mapping with a ``name``, that name). Two spellings of a path serve everyone:

- its *pattern*, ``post_training.derivatives[].gpu_hours``: the key of the metric registry;
- its *label*, ``post_training.derivatives[sft].gpu_hours``: how CSV, ``compare`` and ``sweep``
  name a figure, so list items are identified by their name, never by position.

``walk`` reads a tree; ``rebuild`` copies one, letting a callback replace each leaf by one or more
entries (a value and its ``_p10``/``_p90`` band, say). Both visit keys in their dict order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Union

#: Suffixes of the Monte Carlo band entries that stand beside a banded figure.
BAND_SUFFIXES = ("_p10", "_p90")


@dataclass(frozen=True)
class Item:
    """A list position, with the item's name (``NAME_KEYS``) when it has one."""

    index: int
    name: str | None = None

    def __str__(self) -> str:
        return f"[{self.name if self.name is not None else self.index}]"


Step = Union[str, Item]
Path = tuple[Step, ...]


#: Keys that name a list item: a group's or workload's ``name``, a post-training step's ``step``.
NAME_KEYS = ("name", "step")


def _item(index: int, value: Any) -> Item:
    if isinstance(value, dict):
        for key in NAME_KEYS:
            if isinstance(value.get(key), str):
                return Item(index, value[key])
    return Item(index)


def walk(tree: Any, path: Path = (), *, containers_first: bool = False) -> Iterator[tuple[Path, Any]]:
    """Every leaf (anything not a dict or list) with its path, depth first.

    ``containers_first`` visits a dict's nested entries before its own figures, so a check that
    stops at the first bad leaf names the workload or group rather than the sum over them.
    """
    if isinstance(tree, dict):
        entries: Iterable[tuple[str, Any]] = tree.items()
        if containers_first:
            entries = sorted(entries, key=lambda entry: not isinstance(entry[1], (dict, list)))
        for key, value in entries:
            yield from walk(value, (*path, key), containers_first=containers_first)
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from walk(value, (*path, _item(index, value)), containers_first=containers_first)
    else:
        yield path, tree


def rebuild(tree: Any, entries: Callable[[Path, Any], Iterable[tuple[str, Any]]], path: Path = ()) -> Any:
    """A copy of ``tree`` whose leaves are replaced by ``entries(path, leaf)``: ``(suffix, value)``
    pairs, where suffix ``""`` is the leaf itself and e.g. ``"_p10"`` adds a sibling key ``<key>_p10``
    (a list item keeps only its ``""`` entry)."""
    if isinstance(tree, dict):
        copy: dict[str, Any] = {}
        for key, value in tree.items():
            if isinstance(value, (dict, list)):
                copy[key] = rebuild(value, entries, (*path, key))
            else:
                for suffix, entry in entries((*path, key), value):
                    copy[key + suffix] = entry
        return copy
    if isinstance(tree, list):
        items = []
        for index, value in enumerate(tree):
            step = _item(index, value)
            if isinstance(value, (dict, list)):
                items.append(rebuild(value, entries, (*path, step)))
            else:
                items.append(dict(entries((*path, step), value)).get("", value))
        return items
    return dict(entries(path, tree)).get("", tree)


def pattern(path: Path) -> str:
    """``post_training.derivatives[].gpu_hours``: the path with list positions erased."""
    return _join(path, lambda item: "[]")


def label(path: Path) -> str:
    """``post_training.derivatives[sft].gpu_hours``: list items by name (by index when unnamed)."""
    return _join(path, str)


def index_label(path: Path) -> str:
    """``post_training.derivatives[0].gpu_hours``: list items by position, as in the scenario file
    (used to locate a figure's inputs, which share the position of their list item)."""
    return _join(path, lambda item: f"[{item.index}]")


def _join(path: Path, item_text: Callable[[Item], str]) -> str:
    text = ""
    for step in path:
        if isinstance(step, Item):
            text += item_text(step)
        else:
            text += f".{step}" if text else step
    return text


def pattern_of(text: str) -> str:
    """The pattern of a label or index label: ``a.b[sft].c`` -> ``a.b[].c`` (for looking up the
    metric of a column that is named by its label)."""
    out, depth = [], 0
    for char in text:
        if char == "[":
            depth += 1
            if depth == 1:
                out.append("[]")
        elif char == "]" and depth:
            depth -= 1
        elif not depth:
            out.append(char)
    return strip_band("".join(out))


def strip_band(key: str) -> str:
    """``gpu_hours_p10`` -> ``gpu_hours``; other keys unchanged."""
    for suffix in BAND_SUFFIXES:
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return key


def is_band(key: str) -> bool:
    return key.endswith(BAND_SUFFIXES)
