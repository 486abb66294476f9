"""Plain Python objects, and the position of every key and value, from YAML's events or nodes.

``one_pass`` reads the parser's events once: it checks the nesting depth, a second document and
aliases to no anchor before anything recurses, and builds the objects of a document without anchors,
aliases or merge keys from the same events; those need the node graph (``yaml.compose``), which
``Builder`` turns into the same objects. Either way what ``safe_load`` would silently accept is
refused: duplicate keys (the last one would win), tags beyond plain YAML, and documents whose aliases
expand without bound ("billion laughs"). Own code (``scaling_cli/yaml_source.py`` reads and locates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from scaling_cli.errors import InputError, Problem, shown

if TYPE_CHECKING:
    from scaling_cli.yaml_source import YamlDocument

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


class YamlSyntaxError(InputError):
    """Text that is not YAML at all (a syntax error, a character YAML forbids), as opposed to YAML
    whose values are refused (a tag, an alias bomb, a duplicate key)."""


def one_pass(text: str, loader_class: type, builder: Builder) -> bool:
    """Check the event stream and, for a document without anchors, aliases or merge keys (which
    need the node graph, so ``yaml.compose`` and ``Builder.build`` follow), build its objects from
    the same pass; True when the document is built (``builder.document.data``).

    libyaml's scanner reads flow collections ahead of the events it hands out and, since PyYAML
    6.0.4, stops at its own depth limit before the first event reaches this check. When the fast
    parser fails, the pure-Python parser (which yields events as it goes) repeats the check: a
    nesting problem is then reported in the project's own words, any other error as libyaml said it.
    """
    events = _Events(builder.document.file, builder)
    try:
        events.run(yaml.parse(text, Loader=loader_class))
    except yaml.YAMLError:
        if loader_class is yaml.SafeLoader:
            raise
        try:
            _Events(builder.document.file, None).run(yaml.parse(text, Loader=yaml.SafeLoader))
        except yaml.YAMLError:
            pass
        raise
    if events.error is not None:  # refused values are reported once the whole text is known to be YAML
        raise events.error
    return events.builder is not None


#: The frame of a mapping whose next node is a key.
_KEY = object()
#: Scalars whose value depends on their text alone, so equal texts are constructed once.
_CACHED_TAGS = frozenset({_INT_TAG, "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"})


class _Events:
    """One pass over the parser's events: nesting depth, a second document, an alias to no anchor
    (the project's own words for what the composer would refuse in its own), and, while ``builder``
    is set, the document's objects and positions exactly as ``Builder`` makes them from nodes."""

    def __init__(self, file: str, builder: Builder | None) -> None:
        self.file, self.builder, self.error = file, builder, None
        self.stack: list[list[Any]] = []  # [container, path, key (_KEY: a key comes next)] per open collection
        self.resolver = yaml.resolver.Resolver()
        self.tags: dict[str, str] = {}  # a plain scalar's text -> its implicit tag
        self.values: dict[tuple[str, str], Any] = {}  # (tag, text) -> value, for _CACHED_TAGS

    def run(self, events: Any) -> None:
        depth = documents = 0
        anchors: set[str] = set()
        for event in events:
            kind = type(event)
            if kind is yaml.ScalarEvent and event.anchor is None:  # most events
                if self.builder is not None:
                    self._place(event, self._node(event))
                continue
            mark = event.start_mark
            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                depth += 1
                if depth > MAX_DEPTH:
                    raise self._syntax(mark, f"YAML nesting is deeper than {MAX_DEPTH} levels")
                if self.builder is not None and event.anchor is None:
                    container: Any = {} if kind is yaml.MappingStartEvent else []
                    path = self._place(event, container)
                    if path is not None:
                        self.stack.append([container, path, _KEY if kind is yaml.MappingStartEvent else None])
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                depth -= 1
                if self.builder is not None:
                    self.stack.pop()
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise self._syntax(mark, "YAML syntax error: a second document starts here; a scenario file holds one")
            elif kind is yaml.AliasEvent and event.anchor not in anchors:
                raise self._syntax(mark, f"YAML syntax error: alias *{event.anchor} refers to no anchor (&{event.anchor}) defined before it")
            if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
                self.builder = None  # anchors and aliases: the node graph is built after this pass
                if kind is not yaml.AliasEvent:
                    anchors.add(event.anchor)

    def _syntax(self, mark: yaml.Mark, message: str) -> YamlSyntaxError:
        return YamlSyntaxError([Problem(self.file, mark.line + 1, mark.column + 1, "", message)])

    def _place(self, event: Any, value: Any) -> PathKey | None:
        """Put ``value`` (the node of ``event``) where the stream is: the root, a list's next item, a
        mapping's value (a key is checked instead); its path, or None once building has stopped."""
        builder = self.builder
        assert builder is not None
        path: PathKey = ()
        if self.stack:
            frame = self.stack[-1]
            container, parent, key = frame
            if key is _KEY:
                self._key(event, value, frame)
                return None
            path = (*parent, key) if key is not None else (*parent, len(container))
        builder.nodes_built += 1
        if builder.nodes_built > MAX_NODES:
            return self._refuse(builder.problem_at(event.start_mark, path, f"document expands to more than {MAX_NODES:,} values (alias bomb?)"))
        builder.document.value_positions.setdefault(path, _position(event.start_mark))
        if type(value) is yaml.ScalarNode:
            try:
                value = self._constructed(value, path)
            except InputError as exc:
                return self._refuse(exc)
        elif event.tag not in (None, "!") and event.tag not in _COLLECTION_TAGS:
            return self._refuse(builder.problem_at(event.start_mark, path, f"tag {event.tag!r} is not allowed (only plain YAML values are read)"))
        if not self.stack:
            builder.document.data = value
        elif key is None:
            container.append(value)
        else:
            container[key] = value
            frame[2] = _KEY
        return path

    def _key(self, event: Any, node: Any, frame: list[Any]) -> None:
        """A mapping's key: a plain name said once; a merge key leaves the document to the node graph."""
        builder, (container, path, _) = self.builder, frame
        assert builder is not None
        if type(node) is not yaml.ScalarNode:
            self._refuse(builder.problem_at(event.start_mark, path, "a key must be a plain name, not a list or mapping"))
        elif node.tag == _MERGE_TAG:
            self.builder = None
        else:
            try:
                key = builder.key(node, path)
            except InputError as exc:
                self._refuse(exc)
                return
            child = (*path, key)
            if key in container:
                first = builder.document.key_positions[child]
                self._refuse(builder.problem_at(event.start_mark, child, f"duplicate key {key!r} (first defined at line {first.line})"))
                return
            builder.document.key_positions.setdefault(child, _position(event.start_mark))
            frame[2] = key

    def _node(self, event: yaml.ScalarEvent) -> yaml.ScalarNode:
        """The node the composer would make (``yaml.composer.Composer.compose_scalar_node``)."""
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0]:
                tag = _STR_TAG
            else:
                tag = self.tags.get(event.value)
                if tag is None:
                    tag = self.tags[event.value] = self.resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        return yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)

    def _constructed(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        if node.tag == _STR_TAG:
            return node.value
        assert self.builder is not None
        if node.tag not in _CACHED_TAGS:
            return self.builder.scalar(node, path)
        known = self.values.get((node.tag, node.value), _KEY)
        if known is _KEY:
            known = self.values[node.tag, node.value] = self.builder.scalar(node, path)
        return known

    def _refuse(self, error: InputError | Problem) -> None:
        """Stop building; the first refusal is raised once the rest of the text has parsed."""
        self.error = error if isinstance(error, InputError) else InputError([error])
        self.builder = None

def _position(mark: yaml.Mark) -> Position:
    return Position(mark.line + 1, mark.column + 1)


class Builder:
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
            return self.scalar(node, path)
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

    def scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
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
            key = self.key(key_node, path)
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

    def key(self, key_node: yaml.Node, path: PathKey) -> str:
        if not isinstance(key_node, yaml.ScalarNode):
            raise InputError([self._problem(key_node, path, "a key must be a plain name, not a list or mapping")])
        if len(key_node.value) > MAX_KEY_LENGTH:
            raise InputError([self._problem(key_node, path, f"a key of {len(key_node.value):,} characters; keys are short names such as hardware or count")])
        key = self.scalar(key_node, path)
        if not isinstance(key, str):
            # YAML 1.1 reads `yes:` / `1:` as bool/int keys; every key in a scenario is a name.
            return str(key_node.value)
        return key

    def _problem(self, node: yaml.Node, path: PathKey, message: str, field_path: PathKey | None = None) -> Problem:
        return self.problem_at(node.start_mark, field_path if field_path is not None else path, message)

    def problem_at(self, mark: yaml.Mark, path: PathKey, message: str) -> Problem:
        return Problem(self.document.file, mark.line + 1, mark.column + 1, dotted(path), message)


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
