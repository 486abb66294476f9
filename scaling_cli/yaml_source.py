"""Read YAML safely and remember where every key and value came from.

PyYAML's ``safe_load`` forgets positions, so this module reads the file (size-capped, UTF-8) and
has the safe (C, when available) parser's events turned into plain Python objects by
``scaling_cli.yaml_build``, recording each path's line and column; parser errors become one located
problem in the project's words. Approach after dagster's ``parse_yaml_with_source_positions``
(github.com/dagster-io/dagster, ``dagster._utils.source_position``); own code.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scaling_cli.errors import InputError, Problem
from scaling_cli.yaml_build import MAX_NODES, Builder, PathKey, Position, YamlSyntaxError, dotted, one_pass

__all__ = ["MAX_NODES", "PathKey", "Position", "YamlDocument", "YamlSyntaxError", "dotted", "parse_yaml", "read_yaml_file"]

MAX_FILE_BYTES = 10 * 1024 * 1024


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
    document = YamlDocument(file=file, data=None)
    builder = Builder(document)
    try:
        node = None if one_pass(text, loader_class, builder) else yaml.compose(text, Loader=loader_class)
    except yaml.MarkedYAMLError as exc:
        raise YamlSyntaxError([_problem_from_yaml_error(exc, file, text)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids, e.g. NUL or ESC
        raise YamlSyntaxError([_problem_from_reader_error(exc, file, text)]) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError([Problem(file, 1, 1, "", f"YAML error: {' '.join(str(exc).split())}")]) from None
    except RecursionError:
        raise InputError([Problem(file, 1, 1, "", "YAML nesting is too deep")]) from None
    if node is None:  # built from the events
        return document
    document = YamlDocument(file=file, data=None)  # anchors, aliases or merge keys: from the nodes, afresh
    try:
        document.data = Builder(document).build(node, ())
    except RecursionError:
        raise InputError([Problem(file, 1, 1, "", "YAML nesting is too deep")]) from None
    return document


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


