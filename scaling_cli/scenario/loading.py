"""Scenario file -> validated ``Scenario``, with every problem located as ``FILE:LINE:COL: field: message``."""

from __future__ import annotations

import copy
import datetime
import os
import re
from importlib import resources
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from scaling_cli.catalog.fits import find_fit
from scaling_cli.engine.scaling_laws import UnreachableLoss
from scaling_cli.errors import InputError, Problem, UsageError, shown
from scaling_cli.scenario.ranges import Range
from scaling_cli.scenario.root import Scenario
from scaling_cli.yaml_source import PathKey, YamlDocument, YamlSyntaxError, dotted, parse_yaml, read_yaml_file

DEFAULT_SCENARIO_NAME = "<built-in default scenario>"
OVERRIDE_SOURCE = "--set"


@dataclass
class LoadedScenario:
    scenario: Scenario
    document: YamlDocument
    overrides: dict[PathKey, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return self.document.file


def default_scenario_text() -> str:
    """The built-in scenario ``scaling plan`` uses when no file is given."""
    return resources.files("scaling_cli.data").joinpath("default_scenario.yaml").read_text(encoding="utf-8")


def load_scenario(path: str | None, overrides: list[str] | tuple[str, ...] = ()) -> LoadedScenario:
    """Read, override and validate a scenario; ``path=None`` loads the built-in default."""
    document = parse_yaml(default_scenario_text(), DEFAULT_SCENARIO_NAME) if path is None else read_yaml_file(path)
    return validate_document(document, overrides)


def validate_document(document: YamlDocument, overrides: list[str] | tuple[str, ...] = ()) -> LoadedScenario:
    data = document.data
    if data is None:
        raise InputError([Problem(document.file, 1, 1, "", "file is empty; a scenario needs at least `name` and `model.params`")])
    if not isinstance(data, dict):
        raise InputError([document.problem((), "", f"a scenario must be a mapping of keys (name, model, ...), not {_kind_of(data)}")])
    parsed = parse_overrides(overrides)
    data = apply_overrides(data, parsed)
    _refuse_control_characters(data, document, parsed)
    try:
        scenario = Scenario.model_validate(data, context={"config_base_dir": config_base_dir(document, parsed)})
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, document, data, parsed)) from None
    _refuse_unreachable_loss(scenario, document, parsed)
    return LoadedScenario(scenario=scenario, document=document, overrides=parsed)


def config_base_dir(document: YamlDocument, overrides: dict[PathKey, Any]) -> str:
    """Where a relative ``model.config`` path starts: the scenario file's directory, or the working
    directory for standard input, the built-in default and a path given by ``--set``."""
    if ("model", "config") in overrides or not os.path.isfile(document.file):
        return os.getcwd()
    return os.path.dirname(os.path.abspath(document.file))


def _locate(document: YamlDocument, overrides: dict[PathKey, Any], path: PathKey, message: str, *, prefer_key: bool = False) -> Problem:
    """A problem at ``path``: in the file, or on the command line when a ``--set`` put it there."""
    if any(path[: len(p)] == p for p in overrides):
        return Problem(OVERRIDE_SOURCE, None, None, dotted(path), message)
    return document.problem(path, dotted(path), message, prefer_key=prefer_key)


#: Characters no text of a scenario may hold, however written (YAML escapes such as "\e" and "\x1b",
#: --set): C0 and C1 controls and DEL would reach the terminal as escape sequences, line and
#: paragraph separators break table rows, bidirectional overrides reorder what is shown.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: Free text (the description) may also hold line breaks and tabs.
_FREE_TEXT_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_FREE_TEXT = {("description",)}


def _refuse_control_characters(data: Any, document: YamlDocument, overrides: dict[PathKey, Any], path: PathKey = ()) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and _CONTROL.search(key):
                message = f"key {shown(key)} holds control character U+{ord(_CONTROL.search(key).group()):04X}; keys are plain names"
                raise InputError([_locate(document, overrides, path, message)])
            _refuse_control_characters(value, document, overrides, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            _refuse_control_characters(value, document, overrides, (*path, index))
    elif isinstance(data, str):
        found = (_FREE_TEXT_CONTROL if path in _FREE_TEXT else _CONTROL).search(data)
        if found:
            message = f"control character U+{ord(found.group()):04X} is not allowed in text ({shown(data)}): it would reach the terminal as an escape sequence or break a line"
            raise InputError([_locate(document, overrides, path, message)])


def _refuse_unreachable_loss(scenario: Scenario, document: YamlDocument, overrides: dict[PathKey, Any]) -> None:
    """A ``pretraining.target_loss`` (or the low end of its range) at or below the fit's irreducible
    loss sizes no model: refused here, at the field, rather than when the plan is solved."""
    run = scenario.pretraining
    if run is None or run.target_loss is None:
        return
    lowest = run.target_loss.low if isinstance(run.target_loss, Range) else run.target_loss
    try:
        find_fit(run.fit).cheapest_for_loss(lowest)
    except UnreachableLoss as exc:
        raise InputError([_locate(document, overrides, ("pretraining", "target_loss"), str(exc))]) from None


_PATH_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def parse_path(text: str) -> PathKey:
    """``post_training[0].count`` -> ``("post_training", 0, "count")``; raises ``ValueError``."""
    parts: list[str | int] = []
    position = 0
    text = text.strip()
    while position < len(text):
        if text[position] == "." and parts and position + 1 < len(text):
            position += 1
        match = _PATH_PART.match(text, position)
        if match is None:
            raise ValueError(f"cannot read path {text!r} at {text[position:]!r}; write e.g. hardware.count or post_training[0].count")
        name, index = match.groups()
        parts.append(int(index) if index is not None else name)
        position = match.end()
    if not parts or isinstance(parts[0], int):
        raise ValueError(f"path {text!r} must start with a key, e.g. hardware.count")
    return tuple(parts)


def parse_overrides(overrides: list[str] | tuple[str, ...]) -> dict[PathKey, Any]:
    """``["hardware.count=1024"]`` -> ``{("hardware", "count"): 1024}``; values are read as in a
    scenario file (the same safe reader: a tag beyond plain YAML values is refused, not constructed)."""
    parsed: dict[PathKey, Any] = {}
    for item in overrides:
        path_text, sep, value_text = item.partition("=")
        if not sep:
            raise UsageError(f"--set {item!r}: expected PATH=VALUE, e.g. --set hardware.count=1024")
        try:
            path = parse_path(path_text)
        except ValueError as exc:
            raise UsageError(f"--set {shown(item, 80)}: {exc}") from None
        parsed[path] = override_value(path, value_text)
    return parsed


def override_value(path: PathKey, text: str) -> Any:
    """The value of ``--set PATH=TEXT``: YAML read like a file's values; text that is not YAML at all
    stays text (the field's validation then says what it should be)."""
    if not text.strip():
        return None
    try:
        return parse_yaml(text, OVERRIDE_SOURCE).data
    except YamlSyntaxError:
        return text
    except InputError as exc:
        raise InputError([Problem(OVERRIDE_SOURCE, None, None, dotted(path), exc.problems[0].message)]) from None


def apply_overrides(data: dict[str, Any], overrides: dict[PathKey, Any], option: str = OVERRIDE_SOURCE) -> dict[str, Any]:
    """A copy of ``data`` with each override set, creating intermediate mappings as needed;
    ``option`` names the command-line option in errors (``--set``, ``--vary``)."""
    if not overrides:
        return data
    result = copy.deepcopy(data)
    for path, value in overrides.items():
        target: Any = result
        for depth, part in enumerate(path[:-1]):
            nxt = path[depth + 1]
            if isinstance(part, int):
                if not isinstance(target, list) or part >= len(target):
                    raise UsageError(f"{option} {dotted(path)}: {dotted(path[: depth + 1])} does not exist")
                target = target[part]
            else:
                if not isinstance(target, dict):
                    raise UsageError(f"{option} {dotted(path)}: {dotted(path[:depth])} is not a mapping")
                if target.get(part) is None:
                    if isinstance(nxt, int):
                        raise UsageError(f"{option} {dotted(path)}: {dotted(path[: depth + 1])} has no item {nxt}")
                    target[part] = {}
                target = target[part]
        last = path[-1]
        if isinstance(last, int):
            if not isinstance(target, list) or last >= len(target):
                raise UsageError(f"{option} {dotted(path)}: no such list item")
        elif not isinstance(target, dict):
            raise UsageError(f"{option} {dotted(path)}: {dotted(path[:-1])} is not a mapping")
        target[last] = value
    return result


def _document_path(loc: tuple[Any, ...], data: Any) -> PathKey:
    """Drop the segments pydantic adds that are not keys in the file (union tags, function names)."""
    path: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
        elif index == len(loc) - 1 and isinstance(part, str) and isinstance(node, dict) and "[" not in part and "-" not in part:
            if part not in {v for v in node.values() if isinstance(v, str)}:  # a union tag is not a key
                path.append(part)  # a missing key: name it, locate its parent
    return tuple(path)


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    message = error["msg"]
    if kind == "missing":
        return "required key is missing"
    if kind in ("model_type", "model_attributes_type", "dict_type"):  # not the class name pydantic would show
        return f"must be a mapping of keys (key: value), not {_kind_of(error.get('input'))}"
    if kind == "string_type":  # `name: no` is false in YAML 1.1, `name: 2024-01-01` a date
        value = error.get("input")
        return "must be text, not empty" if value is None else f"must be text, not {_kind_of(value)}; put the value in quotes"
    if kind == "list_type":
        return f"must be a list (entries starting with -), not {_kind_of(error.get('input'))}"
    own = _own_words(kind, error.get("ctx") or {}, error.get("input"))
    if own is not None:
        return own
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if message.startswith("Input should be "):
        message = "must be " + message[len("Input should be ") :]
    return message


_BOUNDS = {"greater_than": ("gt", "greater than"), "greater_than_equal": ("ge", "greater than or equal to"), "less_than": ("lt", "less than"), "less_than_equal": ("le", "less than or equal to")}


def _own_words(kind: str, context: dict[str, Any], value: Any) -> str | None:
    """The message of a pydantic error type in the project's words, from the error's structured
    context, so that what users read (and tests check) does not change with pydantic's wording."""
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        got = f" (got {value!r})" if isinstance(value, str) else f" (got {value:g})" if isinstance(value, (int, float)) else ""
        return f"must be {words} {context.get(key)}{got}"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false, not {_kind_of(value)}"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        if choices:
            return "must be " + (f"{', '.join(repr(c) for c in choices[:-1])} or {choices[-1]!r}" if len(choices) > 1 else repr(choices[0]))
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {context.get('max_length', 0):,} characters long"
    return None


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime.date):
        return f"a date ({value})"
    if isinstance(value, bool):
        return f"{str(value).lower()} (YAML reads yes, no, on and off as true or false)"
    return "null" if value is None else f"a single value ({shown(value)})"


def problems_from_validation(
    exc: ValidationError, document: YamlDocument, data: dict[str, Any], overrides: dict[PathKey, Any]
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[PathKey, str]] = set()
    for error in exc.errors(include_url=False):
        context = error.get("ctx") or {}
        loc = tuple(error["loc"])
        path = _document_path(loc, data)
        if context.get("key") is not None:  # one key, as written: `1.5` or `''` is not a path
            path = (*path, str(context["key"]))
        elif context.get("field") is not None:  # a dotted path relative to the model
            path = (*path, *(int(part) if part.isdigit() else part for part in str(context["field"]).split(".")))
        message = _message(error)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        problems.append(_locate(document, overrides, path, message, prefer_key=error["type"] in ("unknown_key", "extra_forbidden")))
    return problems
