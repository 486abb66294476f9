"""Human-friendly quantities: ``405B``, ``15.6T``, ``16K``, ``1.2e24``, ``1_000``.

One parser serves the scenario models (pydantic ``BeforeValidator``), the CLI options
(typer ``parser=``) and the JSON Schema (``QUANTITY_PATTERN``), so the three never disagree.

Suffixes follow the LLM-community convention ("70B params", "15T tokens"; docs/DOMAIN.md §4) and are
case-sensitive. Lowercase ``m`` is rejected on purpose: it is *milli* in SI and *million* in finance.
PyYAML reads ``1.2e24`` as a string (YAML 1.1 needs a dot in the mantissa), so strings must parse.
"""

from __future__ import annotations

import math
import re

from scaling_cli.errors import shown

SUFFIXES: dict[str, float] = {
    "K": 1e3,
    "M": 1e6,
    "B": 1e9,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
}
SUFFIX_HELP = "K (1e3), M (1e6), B or G (1e9), T (1e12), P (1e15)"

_DIGITS = r"\d(?:_?\d)*"
_NUMBER = rf"(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?\d+)?"
#: The pattern a quantity string must match; also published in the JSON Schema.
QUANTITY_PATTERN = rf"^\s*[+-]?{_NUMBER}\s*[KMBGTP]?\s*$"
_QUANTITY_RE = re.compile(rf"^\s*([+-]?{_NUMBER})\s*([A-Za-z]*)\s*$")


def parse_quantity(value: object) -> float:
    """Return ``value`` as a finite float; strings may carry a suffix (``"70B"`` -> 7e10).

    Raises ``ValueError`` with a message meant for the user (no type names, the valid suffixes listed).
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()} (a YAML boolean)")
    if isinstance(value, int):
        try:
            result = float(value)  # exact up to 2**53, rounded above, up to ~1.8e308
        except OverflowError:
            result = math.inf
    elif isinstance(value, float):
        result = value
    elif isinstance(value, str):
        result = _parse_string(value)
    else:
        raise ValueError(f"expected a number such as 70B or 1.2e24, got {_describe(value)}")
    if not math.isfinite(result):
        raise ValueError(f"{shown(value)} is not a finite number")
    return result


#: The largest count a double holds exactly (2**53): the planner's arithmetic is in doubles, and a
#: larger integer overflows float conversions (a LoRA rank of 1e300 raised OverflowError).
MAX_COUNT = 2**53


def parse_count(value: object) -> int:
    """Parse a whole number (GPUs, layers, samples): quantities are allowed, fractions are not."""
    result = parse_quantity(value)
    if result != math.floor(result):
        raise ValueError(f"expected a whole number, got {shown(value)}")
    if abs(result) > MAX_COUNT:
        raise ValueError(f"{shown(value)} is too large for a count (at most 2^53 = {MAX_COUNT:,})")
    return int(result)


def _parse_string(text: str) -> float:
    match = _QUANTITY_RE.match(text)
    if match is None:
        raise ValueError(f"{shown(text)} is not a number; write e.g. 70B, 15.6T, 1.2e24 or 1_000")
    number, suffix = match.groups()
    if suffix and suffix not in SUFFIXES:
        hint = " (lowercase m would mean milli; write M for million)" if suffix == "m" else ""
        raise ValueError(f"unknown suffix {shown(suffix)} in {shown(text)}{hint}; valid suffixes: {SUFFIX_HELP}")
    try:
        base = float(number.replace("_", ""))
    except ValueError:  # pragma: no cover - the regex admits only float syntax
        raise ValueError(f"{shown(text)} is not a number") from None
    return base * SUFFIXES[suffix] if suffix else base


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def format_quantity(value: float, digits: int = 3) -> str:
    """Short human form with the same suffixes the parser accepts: 7e10 -> ``70B``.

    Values of 1e18 and above use scientific notation (FLOP budgets), below 1e3 plain digits.
    ``parse_quantity(format_quantity(x))`` equals ``x`` to ``digits`` significant digits.
    """
    if value is None or not math.isfinite(value):
        return "-"
    magnitude = abs(value)
    if magnitude >= 1e18:
        return f"{value:.{digits - 1}e}".replace("e+", "e")
    for suffix, scale in (("P", 1e15), ("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if magnitude >= scale * (1 - 0.5 * 10 ** (-digits)):
            return f"{_significant(value / scale, digits)}{suffix}"
    return _significant(value, digits)


def _significant(value: float, digits: int) -> str:
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text:  # e.g. 1e+03 from rounding 999.9
        text = f"{float(text):.0f}"
    return text
