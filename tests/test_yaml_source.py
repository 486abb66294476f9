"""Safe YAML with positions: what PyYAML's safe_load would get wrong or silently accept."""

from __future__ import annotations

import pytest

from scaling_cli.errors import InputError
from scaling_cli.yaml_source import MAX_NODES, Position, parse_yaml


def test_positions_of_keys_and_values_are_one_based():
    doc = parse_yaml("name: t\nmodel:\n  params: 7B\nlist:\n  - a: 1\n", "f.yaml")
    assert doc.key_positions[("model", "params")] == Position(3, 3)
    assert doc.value_positions[("model", "params")] == Position(3, 11)
    assert doc.key_positions[("list", 0, "a")] == Position(5, 5)


def test_scientific_notation_without_dot_stays_a_string_for_the_quantity_parser():
    # YAML 1.1 (PyYAML) needs a dot in the mantissa: 1.2e24 is a string, 1.2e+24 a float.
    doc = parse_yaml("a: 1.2e24\nb: 1.2e+24\n", "f.yaml")
    assert doc.data == {"a": "1.2e24", "b": 1.2e24}


def test_duplicate_keys_are_errors():
    with pytest.raises(InputError, match="duplicate key 'a'"):
        parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")


def test_merge_keys_keep_explicit_values():
    doc = parse_yaml("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n", "f.yaml")
    assert doc.data["other"] == {"x": 1, "y": 3}


def test_alias_bomb_is_refused_quickly():
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        levels.append(f"a{i}: &a{i} [{refs}]")
    with pytest.raises(InputError, match=f"more than {MAX_NODES:,} values"):
        parse_yaml("\n".join(levels) + "\n", "f.yaml")


def test_recursive_alias_is_refused():
    with pytest.raises(InputError, match="recursive alias"):
        parse_yaml("a: &a [1, *a]\n", "f.yaml")


@pytest.mark.parametrize("text", ["a: !!python/object/apply:os.system [ls]\n", "a: !!python/name:os.system\n", "a: !custom 1\n", "a: !!set {x}\n"])
def test_tags_beyond_plain_yaml_are_refused(text):
    with pytest.raises(InputError, match="is not allowed"):
        parse_yaml(text, "f.yaml")


def test_non_utf8_bytes_are_located():
    with pytest.raises(InputError) as info:
        parse_yaml(b"name: t\nmodel: \xff\xfe\n", "f.yaml")
    problem = info.value.problems[0]
    assert (problem.line, problem.column) == (2, 8)
    assert "not valid UTF-8" in problem.message


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(InputError, match="nesting is deeper than 100 levels") as info:
        parse_yaml("[" * 5000 + "]" * 5000, "f.yaml")
    assert (info.value.problems[0].line, info.value.problems[0].column) == (1, 101)  # the 101st `[`


def test_multiple_documents_are_refused():
    with pytest.raises(InputError, match="a second document starts here"):
        parse_yaml("a: 1\n---\nb: 2\n", "f.yaml")


# --- regressions found by the hostile corpus and fuzzing (issue #8) -------------------------------


def _problem(text: str):
    with pytest.raises(InputError) as info:
        parse_yaml(text, "f.yaml")
    (problem,) = info.value.problems
    return problem


@pytest.mark.parametrize(
    "value, message",
    [
        ("!!float x", "cannot read 'x' as a number"),  # was ValueError out of PyYAML's constructor
        ("!!int x", "cannot read 'x' as an integer"),  # ValueError
        ("!!bool x", "cannot read 'x' as true or false"),  # KeyError
        ("!!timestamp x", "cannot read 'x' as a date"),  # AttributeError
        ("2024-13-45", "cannot read '2024-13-45' as a date"),  # an implicit date: ValueError (month)
        ("1" + "0" * 5000, "as an integer (at most 4,300 digits)"),  # Python's int-string limit
    ],
)
def test_scalars_no_constructor_can_read_are_located_errors(value, message):
    problem = _problem(f"name: t\nmodel:\n  params: {value}\n")
    assert (problem.line, problem.column, problem.field) == (3, 11, "model.params")
    assert message in problem.message and len(problem.message) < 120


def test_a_control_character_is_located_at_its_position():
    problem = _problem("name: t\nmodel: {params: 7B\x00}\n")  # was a two-line "YAML error ... position 17" at 1:1
    assert (problem.line, problem.column) == (2, 19)
    assert problem.message.startswith("character U+0000 is not allowed in YAML") and "\n" not in problem.message


def test_a_key_longer_than_any_scenario_key_is_refused_without_quoting_it():
    problem = _problem("name: t\nmodel:\n  ? " + "k" * 100_000 + "\n  : 1\n")  # explicit: implicit keys stop at 1,024
    assert (problem.line, problem.column) == (3, 5)
    assert problem.message == "a key of 100,000 characters; keys are short names such as hardware or count"


# --- one pass over the events (issue #16) ---------------------------------------------------------


def _count_passes(monkeypatch) -> list[str]:
    """Record each event pass and composition PyYAML makes."""
    import yaml

    calls: list[str] = []
    parse, compose = yaml.parse, yaml.compose
    monkeypatch.setattr(yaml, "parse", lambda *a, **k: (calls.append("parse"), parse(*a, **k))[1])
    monkeypatch.setattr(yaml, "compose", lambda *a, **k: (calls.append("compose"), compose(*a, **k))[1])
    return calls


def test_a_plain_document_is_read_in_one_event_pass(monkeypatch):
    calls = _count_passes(monkeypatch)
    doc = parse_yaml("name: t\nmodel: {params: 7B, layers: 32}\nlist:\n  - a: 1\n  - [x, 2.5, null, true]\n", "f.yaml")
    assert calls == ["parse"]
    assert doc.data == {"name": "t", "model": {"params": "7B", "layers": 32}, "list": [{"a": 1}, ["x", 2.5, None, True]]}
    assert doc.value_positions[("list", 1, 3)] == Position(5, 20)  # `true`: column 20 of `  - [x, 2.5, null, true]`
    assert doc.key_positions[("model", "layers")] == Position(2, 21)


def test_anchors_and_merge_keys_are_built_from_the_node_graph(monkeypatch):
    calls = _count_passes(monkeypatch)
    doc = parse_yaml("base: &b {x: 1}\nother:\n  <<: *b\n  y: [*b]\n", "f.yaml")
    assert calls == ["parse", "compose"]
    assert doc.data == {"base": {"x": 1}, "other": {"y": [{"x": 1}], "x": 1}}
    assert doc.value_positions[("other", "y", 0, "x")] == Position(1, 14)  # where the anchored value stands


def test_a_syntax_error_later_in_the_text_is_reported_before_a_refused_value():
    # the whole text is parsed before a value is refused, as when the node graph came first
    problem = _problem("a: !!python/name:os.system\nb: [1,\n")
    assert "tag" not in problem.message
    assert problem.line == 3
