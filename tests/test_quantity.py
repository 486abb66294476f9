"""The one quantity parser behind YAML fields, CLI options and the JSON Schema pattern."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaling_cli.quantity import QUANTITY_PATTERN, SUFFIXES, format_quantity, parse_count, parse_quantity


@pytest.mark.parametrize(
    "text, expected",
    [
        ("70B", 70e9),
        ("405B", 405e9),
        ("15.6T", 15.6e12),
        ("16K", 16_000),
        ("2.5M", 2.5e6),
        ("70G", 70e9),
        ("1P", 1e15),
        ("1.2e24", 1.2e24),  # PyYAML hands this over as a string
        ("6e23", 6e23),
        ("1_000", 1000),
        ("1_000_000", 1e6),
        (" 70B ", 70e9),
        ("70 B", 70e9),
        ("+3", 3),
        (".5", 0.5),
        ("5.", 5.0),
        (1024, 1024.0),
        (0.45, 0.45),
    ],
)
def test_parses(text, expected):
    assert parse_quantity(text) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ("70m", "lowercase m"),
        ("70b", "unknown suffix 'b'"),
        ("7X", "unknown suffix 'X'"),
        ("70BB", "unknown suffix"),
        ("1e400", "not a finite number"),
        (float("nan"), "not a finite number"),
        (float("inf"), "not a finite number"),
        ("seventy", "is not a number"),
        ("1,000", "is not a number"),
        ("1__000", "is not a number"),
        ("_1", "is not a number"),
        ("", "is not a number"),
        (True, "YAML boolean"),
        (None, "null"),
        ([1], "a list"),
        ({"a": 1}, "a mapping"),
        (10**400, "not a finite number"),
    ],
)
def test_rejects_with_a_useful_message(bad, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        parse_quantity(bad)


def test_an_integer_is_finite_up_to_the_largest_double():
    """int(1e308) is above 10**308 but below the largest double (~1.8e308): it was refused as infinite."""
    assert parse_quantity(int(1e308)) == 1e308
    assert parse_quantity(int(1.7976931348623157e308)) == 1.7976931348623157e308
    with pytest.raises(ValueError, match="a 309-digit number is not a finite number"):
        parse_quantity(2**1024)


def test_a_count_beyond_2_to_the_53_is_refused():
    """Above 2**53 a double no longer holds every whole number; a LoRA rank of 1e300 overflowed int-to-float."""
    assert parse_count(2**53) == 2**53
    with pytest.raises(ValueError, match=re.escape("'1e20' is too large for a count (at most 2^53 = 9,007,199,254,740,992)")):
        parse_count("1e20")


def test_unknown_suffix_message_lists_valid_suffixes():
    with pytest.raises(ValueError) as info:
        parse_quantity("3Q")
    for suffix in SUFFIXES:
        assert suffix in str(info.value)


def test_counts_reject_fractions():
    assert parse_count("16K") == 16_000
    assert parse_count(8) == 8
    with pytest.raises(ValueError, match="whole number"):
        parse_count("1.5")


@given(st.floats(min_value=1e-3, max_value=1e30, allow_nan=False, allow_infinity=False))
def test_format_then_parse_round_trips_to_three_digits(value):
    shown = format_quantity(value)
    assert parse_quantity(shown) == pytest.approx(value, rel=5e-3)


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(sorted(SUFFIXES)))
def test_suffix_scales_integers_exactly(number, suffix):
    assert parse_quantity(f"{number}{suffix}") == pytest.approx(number * SUFFIXES[suffix], rel=1e-15)


@given(st.integers(min_value=1, max_value=10**12))
def test_underscore_grouping_is_ignored(number):
    grouped = f"{number:_}"
    assert parse_quantity(grouped) == number


_PATTERN = re.compile(QUANTITY_PATTERN)


@given(st.text(alphabet="0123456789._eE+-KMBGTPmbkx ", max_size=12))
def test_json_schema_pattern_agrees_with_the_parser(text):
    """A string the editor accepts (pattern) is exactly one the CLI accepts, up to overflow."""
    matches = _PATTERN.match(text) is not None
    try:
        value = parse_quantity(text)
        parses = True
    except ValueError as exc:
        parses = False
        if matches:  # the only disagreement allowed: a well-formed number too large for a float
            assert "finite" in str(exc)
            return
    assert parses == matches, text
    if parses:
        assert math.isfinite(value)
