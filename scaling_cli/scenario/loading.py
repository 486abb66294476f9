"""Scenario file -> validated ``Scenario``, with every problem located as ``FILE:LINE:COL: field: message``."""

from __future__ import annotations

import copy
import datetime
import re
from importlib import resources
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from scaling_cli.errors import InputError, Problem, UsageError, shown
from scaling_cli.scenario.root import Scenario
from scaling_cli.yaml_source import PathKey, YamlDocument, dotted, parse_yaml, read_yaml_file

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
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, document, data, parsed)) from None
    return LoadedScenario(scenario=scenario, document=document, overrides=parsed)


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
    """``["hardware.count=1024"]`` -> ``{("hardware", "count"): 1024}``; values are YAML scalars."""
    import yaml

    parsed: dict[PathKey, Any] = {}
    for item in overrides:
        path_text, sep, value_text = item.partition("=")
        if not sep:
            raise UsageError(f"--set {item!r}: expected PATH=VALUE, e.g. --set hardware.count=1024")
        try:
            path = parse_path(path_text)
            value = yaml.safe_load(value_text) if value_text.strip() else None
        except ValueError as exc:
            raise UsageError(f"--set {item!r}: {exc}") from None
        except yaml.YAMLError:
            value = value_text
        parsed[path] = value
    return parsed


def apply_overrides(data: dict[str, Any], overrides: dict[PathKey, Any]) -> dict[str, Any]:
    """A copy of ``data`` with each override set, creating intermediate mappings as needed."""
    if not overrides:
        return data
    result = copy.deepcopy(data)
    for path, value in overrides.items():
        target: Any = result
        for depth, part in enumerate(path[:-1]):
            nxt = path[depth + 1]
            if isinstance(part, int):
                if not isinstance(target, list) or part >= len(target):
                    raise UsageError(f"--set {dotted(path)}: {dotted(path[: depth + 1])} does not exist")
                target = target[part]
            else:
                if not isinstance(target, dict):
                    raise UsageError(f"--set {dotted(path)}: {dotted(path[:depth])} is not a mapping")
                if target.get(part) is None:
                    if isinstance(nxt, int):
                        raise UsageError(f"--set {dotted(path)}: {dotted(path[: depth + 1])} has no item {nxt}")
                    target[part] = {}
                target = target[part]
        last = path[-1]
        if isinstance(last, int):
            if not isinstance(target, list) or last >= len(target):
                raise UsageError(f"--set {dotted(path)}: no such list item")
        elif not isinstance(target, dict):
            raise UsageError(f"--set {dotted(path)}: {dotted(path[:-1])} is not a mapping")
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
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if message.startswith("Input should be "):
        message = "must be " + message[len("Input should be ") :]
    value = error.get("input")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal") and isinstance(value, (int, float, str)):
        message += f" (got {value!r})" if isinstance(value, str) else f" (got {value:g})"
    return message


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
        extra = context.get("key") or context.get("field")
        path = _document_path(loc, data)
        if extra is not None:
            path = (*path, *(int(part) if part.isdigit() else part for part in str(extra).split(".")))
        message = _message(error)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        prefer_key = error["type"] in ("unknown_key", "extra_forbidden")
        overridden = next((p for p in overrides if path[: len(p)] == p), None)
        if overridden is not None:
            problems.append(Problem(OVERRIDE_SOURCE, None, None, dotted(path), message))
        else:
            problems.append(document.problem(path, dotted(path), message, prefer_key=prefer_key))
    return problems
