"""Read YAML safely and remember where every key and value came from.

PyYAML's ``safe_load`` forgets positions, so this module composes the node graph with the safe
(C, when available) loader and builds plain Python objects itself, recording each path's line and
column. Along the way it rejects what ``safe_load`` would silently accept: duplicate keys (the last
one would win), and documents whose aliases expand without bound ("billion laughs").
Approach after dagster's ``parse_yaml_with_source_positions`` (github.com/dagster-io/dagster,
``dagster._utils.source_position``); own code.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scaling_cli.errors import InputError, Problem, shown

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_NODES = 100_000
#: Collections inside collections; a scenario needs 5 (post_training[0].hardware.mfu.low). libyaml's
#: composer recurses in C without a limit: 100,000 nested `[` crash the interpreter.
MAX_DEPTH = 100
#: Every key of a scenario is a short name; a longer key would fill messages that quote it.
MAX_KEY_LENGTH = 100
_MERGE_TAG = "tag:yaml.org,2002:merge"
_INT_TAG = "tag:yaml.org,2002:int"
_STR_TAG = "tag:yaml.org,2002:str"
_SCALAR_KINDS = {
    _INT_TAG: "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true or false",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:binary": "base64 data",
}
_COLLECTION_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int  #: 1-based
    column: int  #: 1-based


@dataclass
class YamlDocument:
    """A parsed document plus the positions of its keys and values, addressed by path."""

    file: str
    data: Any
    key_positions: dict[PathKey, Position] = field(default_factory=dict)
    value_positions: dict[PathKey, Position] = field(default_factory=dict)

    def locate(self, path: PathKey, *, prefer_key: bool = False) -> Position | None:
        """Position of the longest prefix of ``path`` that exists in the document."""
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            tables = (self.key_positions, self.value_positions)
            for table in tables if prefer_key else reversed(tables):
                if prefix in table:
                    return table[prefix]
        return None

    def problem(self, path: PathKey, field_name: str, message: str, *, prefer_key: bool = False) -> Problem:
        position = self.locate(path, prefer_key=prefer_key)
        return Problem(
            file=self.file,
            line=position.line if position else None,
            column=position.column if position else None,
            field=field_name,
            message=message,
        )


class YamlSyntaxError(InputError):
    """Text that is not YAML at all (a syntax error, a character YAML forbids), as opposed to YAML
    whose values are refused (a tag, an alias bomb, a duplicate key)."""


#: The scenario path that means standard input, and the name its problems are reported under.
STDIN_PATH, STDIN_NAME = "-", "<stdin>"


def read_yaml_file(path: str | Path) -> YamlDocument:
    """Read and parse ``path`` (``-``: standard input); every failure is an ``InputError`` naming the file."""
    name = STDIN_NAME if str(path) == STDIN_PATH else str(path)
    try:
        raw = _read_capped(path, name)
    except InputError:
        raise
    except IsADirectoryError:
        raise InputError([Problem(name, None, None, "", "is a directory, not a scenario file")]) from None
    except FileNotFoundError:
        raise InputError([Problem(name, None, None, "", "no such file")]) from None
    except OSError as exc:
        raise InputError([Problem(name, None, None, "", f"cannot read file: {exc.strerror or exc}")]) from None
    return parse_yaml(raw, name)


def _read_capped(path: str | Path, name: str) -> bytes:
    """At most ``MAX_FILE_BYTES`` of the file. A regular file's size is checked before reading, but
    whatever the file is (a device such as /dev/zero, a pipe, a /proc file reporting size 0), it is
    read with a cap rather than trusting its reported size."""
    limit = f"scenario files are limited to {MAX_FILE_BYTES // (1024 * 1024)} MB"
    with open(0 if str(path) == STDIN_PATH else path, "rb", closefd=str(path) != STDIN_PATH) as stream:
        info = os.fstat(stream.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", name)
        if stat.S_ISREG(info.st_mode) and info.st_size > MAX_FILE_BYTES:
            raise InputError([Problem(name, 1, 1, "", f"file is {info.st_size / 1e6:.0f} MB; {limit}")])
        raw = stream.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise InputError([Problem(name, 1, 1, "", f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; {limit}")])
    return raw


def parse_yaml(raw: bytes | str, file: str) -> YamlDocument:
    """Parse one YAML document from bytes (UTF-8) or text."""
    text = _decode(raw, file) if isinstance(raw, bytes) else raw
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise InputError([Problem(file, 1, 1, "", f"document is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")])
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        _check_depth(text, file, loader_class)
        node = yaml.compose(text, Loader=loader_class)
    except yaml.MarkedYAMLError as exc:
        raise YamlSyntaxError([_problem_from_yaml_error(exc, file, text)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids, e.g. NUL or ESC
        raise YamlSyntaxError([_problem_from_reader_error(exc, file, text)]) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError([Problem(file, 1, 1, "", f"YAML error: {' '.join(str(exc).split())}")]) from None
    except RecursionError:
        raise InputError([Problem(file, 1, 1, "", "YAML nesting is too deep")]) from None
    document = YamlDocument(file=file, data=None)
    if node is None:
        return document
    builder = _Builder(document)
    try:
        document.data = builder.build(node, ())
    except RecursionError:
        raise InputError([Problem(file, 1, 1, "", "YAML nesting is too deep")]) from None
    return document


def _check_depth(text: str, file: str, loader_class: type) -> None:
    """Refuse nesting deeper than ``MAX_DEPTH`` from the event stream, before anything recurses.

    libyaml's scanner reads flow collections ahead of the events it hands out and, since PyYAML
    6.0.4, stops at its own depth limit before the first event reaches this check. When the fast
    parser fails, the pure-Python parser (which yields events as it goes) repeats the check: a
    nesting problem is then reported in the project's own words, any other error as libyaml said it.
    """
    try:
        _count_depth(text, file, loader_class)
    except yaml.YAMLError:
        if loader_class is yaml.SafeLoader:
            raise
        try:
            _count_depth(text, file, yaml.SafeLoader)
        except yaml.YAMLError:
            pass
        raise


def _count_depth(text: str, file: str, loader_class: type) -> None:
    """One pass over the events: nesting depth, a second document, an alias to no anchor (the
    project's own words for what the composer would refuse in its own)."""
    depth = documents = 0
    anchors: set[str] = set()
    for event in yaml.parse(text, Loader=loader_class):
        if type(event) is yaml.ScalarEvent and event.anchor is None:  # most events: nothing to count
            continue
        mark = event.start_mark
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlSyntaxError([Problem(file, mark.line + 1, mark.column + 1, "", f"YAML nesting is deeper than {MAX_DEPTH} levels")])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise YamlSyntaxError([Problem(file, mark.line + 1, mark.column + 1, "", "YAML syntax error: a second document starts here; a scenario file holds one")])
        elif isinstance(event, yaml.AliasEvent) and event.anchor not in anchors:
            raise YamlSyntaxError([Problem(file, mark.line + 1, mark.column + 1, "", f"YAML syntax error: alias *{event.anchor} refers to no anchor (&{event.anchor}) defined before it")])
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None and not isinstance(event, yaml.AliasEvent):
            anchors.add(event.anchor)


def _decode(raw: bytes, file: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError([Problem(file, line, column, "", f"file is not valid UTF-8 text (byte 0x{raw[exc.start]:02x})")]) from None


def _problem_from_yaml_error(exc: yaml.MarkedYAMLError, file: str, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
    if mark is None:
        return Problem(file, 1, 1, "", f"YAML syntax error: {message}")
    hint = ""
    if "\t" in text[max(0, mark.index - 1) : mark.index + 1] or "tab" in message.lower():
        hint = " (YAML indentation must use spaces, not tabs)"
    return Problem(file, mark.line + 1, mark.column + 1, "", f"YAML syntax error: {message}{hint}")


def _problem_from_reader_error(exc: yaml.reader.ReaderError, file: str, text: str) -> Problem:
    position = exc.position if isinstance(exc.position, int) and 0 <= exc.position <= len(text) else 0
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
    return Problem(file, line, column, "", f"character U+{code:04X} is not allowed in YAML ({exc.reason}); is this a text file?")


def _position(mark: yaml.Mark) -> Position:
    return Position(mark.line + 1, mark.column + 1)


class _Builder:
    """Turn composed nodes into dicts, lists and scalars, recording positions."""

    def __init__(self, document: YamlDocument) -> None:
        self.document = document
        self.constructor = yaml.constructor.SafeConstructor()
        self.nodes_built = 0
        self.active: set[int] = set()

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.nodes_built += 1
        if self.nodes_built > MAX_NODES:
            raise InputError([self._problem(node, path, f"document expands to more than {MAX_NODES:,} values (alias bomb?)")])
        self.document.value_positions.setdefault(path, _position(node.start_mark))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if id(node) in self.active:
            raise InputError([self._problem(node, path, "recursive alias: a collection contains itself")])
        if node.tag not in _COLLECTION_TAGS:
            raise InputError([self._problem(node, path, f"tag {node.tag!r} is not allowed (only plain YAML values are read)")])
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
            return self._mapping(node, path)
        finally:
            self.active.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        if node.tag == _STR_TAG:  # SafeConstructor.construct_yaml_str: the scalar's text as it stands
            return node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            problem = exc.problem or "cannot read value"
            if "could not determine a constructor" in problem:
                problem = f"tag {shown(node.tag, 80)} is not allowed (only plain YAML values are read)"
            raise InputError([self._problem(node, path, problem)]) from None
        except Exception:  # noqa: BLE001 - PyYAML's constructors fail in many ways on hostile text
            # e.g. `!!float x` (ValueError), `!!bool x` (KeyError), `2024-13-45` (ValueError: month),
            # a 5,000-digit integer (ValueError: Python's 4,300-digit limit), `!!timestamp x`.
            kind = _SCALAR_KINDS.get(node.tag, shown(node.tag, 80))
            hint = " (at most 4,300 digits)" if node.tag == _INT_TAG and len(node.value) > 4300 else ""
            raise InputError([self._problem(node, path, f"cannot read {shown(node.value)} as {kind}{hint}")]) from None

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        result: dict[str, Any] = {}
        explicit: set[str] = set()
        merged: list[tuple[yaml.Node, PathKey]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.append((value_node, path))
                continue
            key = self._key(key_node, path)
            child = (*path, key)
            if key in explicit:
                first = self.document.key_positions[child]
                raise InputError([self._problem(key_node, child, f"duplicate key {key!r} (first defined at line {first.line})", field_path=child)])
            explicit.add(key)
            self.document.key_positions.setdefault(child, _position(key_node.start_mark))
            result[key] = self.build(value_node, child)
        for value_node, _ in merged:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise InputError([self._problem(source, path, "a merge key (<<) must refer to a mapping")])
                for key, value in self._mapping(source, path).items():
                    result.setdefault(key, value)
        return result

    def _key(self, key_node: yaml.Node, path: PathKey) -> str:
        if not isinstance(key_node, yaml.ScalarNode):
            raise InputError([self._problem(key_node, path, "a key must be a plain name, not a list or mapping")])
        if len(key_node.value) > MAX_KEY_LENGTH:
            raise InputError([self._problem(key_node, path, f"a key of {len(key_node.value):,} characters; keys are short names such as hardware or count")])
        key = self._scalar(key_node, path)
        if not isinstance(key, str):
            # YAML 1.1 reads `yes:` / `1:` as bool/int keys; every key in a scenario is a name.
            return str(key_node.value)
        return key

    def _problem(self, node: yaml.Node, path: PathKey, message: str, field_path: PathKey | None = None) -> Problem:
        mark = node.start_mark
        return Problem(self.document.file, mark.line + 1, mark.column + 1, dotted(field_path if field_path is not None else path), message)


def dotted(path: PathKey) -> str:
    """``("post_training", 0, "count")`` -> ``post_training[0].count``; a key that is not a plain
    name (``1.5``, ``''``) is quoted, ``model['1.5']``, so the path still reads as one."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not _PLAIN_KEY.fullmatch(part):
            text += f"[{shown(part)}]"
        else:
            text += f".{part}" if text else part
    return text


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
