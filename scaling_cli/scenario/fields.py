"""Field types shared by the scenario models.

Every numeric field accepts plain numbers and quantity strings (``70B``, ``1.2e24``) through the one
parser in ``scaling_cli.quantity``, and advertises both forms in the JSON Schema so editors accept
what the CLI accepts.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from scaling_cli.scenario.ranges import DISTRIBUTIONS, Range
from scaling_cli.errors import shown
from scaling_cli.quantity import QUANTITY_PATTERN, parse_count, parse_quantity

_INTEGER_OR_QUANTITY = {
    "anyOf": [
        {"type": "integer"},
        {"type": "string", "pattern": QUANTITY_PATTERN},
    ]
}


def user_error(error_type: str, message: str, **context: Any) -> PydanticCustomError:
    """A validation error whose message is shown to users verbatim (braces in it are safe)."""
    return PydanticCustomError(error_type, "{message}", {"message": message, **context})


def _quantity(value: Any) -> float:
    try:
        return parse_quantity(value)
    except ValueError as exc:
        raise user_error("quantity", str(exc)) from None


def _count(value: Any) -> int:
    try:
        return parse_count(value)
    except ValueError as exc:
        raise user_error("quantity", str(exc)) from None


#: A whole number; suffixes allowed (``16K`` GPUs), fractions rejected.
Count = Annotated[int, BeforeValidator(_count), WithJsonSchema(_INTEGER_OR_QUANTITY)]
PositiveCount = Annotated[Count, Field(ge=1)]
NonNegativeCount = Annotated[Count, Field(ge=0)]

_RANGE_KEYS = ("low", "high", "dist", "mode")


def _bounds_text(gt: float | None, ge: float | None, lt: float | None, le: float | None) -> list[tuple[str, Any]]:
    checks = []
    if gt is not None:
        checks.append((f"greater than {gt:g}", lambda x: x > gt))
    if ge is not None:
        checks.append((f"greater than or equal to {ge:g}", lambda x: x >= ge))
    if lt is not None:
        checks.append((f"less than {lt:g}", lambda x: x < lt))
    if le is not None:
        checks.append((f"less than or equal to {le:g}", lambda x: x <= le))
    return checks


def uncertain(*, gt: float | None = None, ge: float | None = None, lt: float | None = None, le: float | None = None) -> Any:
    """A number, quantity string, or range ``{low, high, dist: uniform|loguniform|triangular, mode}``.

    Bounds apply to the number and to every bound of a range. The value is a ``float`` or a
    ``Range``; the planner turns ranges into their central value or into Monte Carlo samples.
    """
    checks = _bounds_text(gt, ge, lt, le)

    def check(value: float, what: str = "") -> float:
        for text, ok in checks:
            if not ok(value):
                raise user_error("out_of_range", f"{what}must be {text} (got {value:g})")
        return value

    def validate(value: Any) -> float | Range:
        if isinstance(value, Range):
            return value
        if not isinstance(value, dict):
            return check(_quantity(value))
        unknown = [k for k in value if k not in _RANGE_KEYS]
        if unknown:
            raise user_error("range_key", f"unknown key {shown(unknown[0])} in a range; valid keys: {', '.join(_RANGE_KEYS)}")
        if "low" not in value or "high" not in value:
            raise user_error("range_bounds", "a range needs both low and high, e.g. {low: 0.3, high: 0.5}")
        low = check(_quantity(value["low"]), "low ")
        high = check(_quantity(value["high"]), "high ")
        if low > high:
            raise user_error("range_order", f"low ({low:g}) is above high ({high:g})")
        dist = value.get("dist", "uniform")
        if dist not in DISTRIBUTIONS:
            raise user_error("range_dist", f"unknown dist {shown(dist)}; valid: {', '.join(DISTRIBUTIONS)}")
        if dist == "loguniform" and low <= 0:
            raise user_error("range_dist", "a loguniform range needs low > 0")
        mode = value.get("mode")
        if mode is not None:
            if dist != "triangular":
                raise user_error("range_mode", "mode applies only to dist: triangular")
            mode = _quantity(mode)
            if not low <= mode <= high:
                raise user_error("range_mode", f"mode ({mode:g}) must lie between low and high")
        return Range(low=low, high=high, dist=dist, mode=mode)

    number_schema: dict[str, Any] = {"type": "number"}
    for key, bound in (("exclusiveMinimum", gt), ("minimum", ge), ("exclusiveMaximum", lt), ("maximum", le)):
        if bound is not None:
            number_schema[key] = bound
    range_schema = {
        "type": "object",
        "description": "An uncertain value: sampled in Monte Carlo, its central value used for the point estimate.",
        "properties": {
            "low": {"anyOf": [number_schema, {"type": "string", "pattern": QUANTITY_PATTERN}]},
            "high": {"anyOf": [number_schema, {"type": "string", "pattern": QUANTITY_PATTERN}]},
            "dist": {"enum": list(DISTRIBUTIONS), "default": "uniform"},
            "mode": {"anyOf": [{"type": "number"}, {"type": "string", "pattern": QUANTITY_PATTERN}]},
        },
        "required": ["low", "high"],
        "additionalProperties": False,
    }
    schema = {"anyOf": [number_schema, {"type": "string", "pattern": QUANTITY_PATTERN}, range_schema]}
    return Annotated[Union[float, Range], PlainValidator(validate), WithJsonSchema(schema)]


#: Any finite number (or range).
Quantity = uncertain()
PositiveQuantity = uncertain(gt=0)
NonNegativeQuantity = uncertain(ge=0)
#: A fraction in (0, 1], e.g. MFU or goodput.
Fraction = uncertain(gt=0, le=1)


#: Valid keys an unknown-key error lists before pointing to ``scaling schema`` (one line stays readable).
LISTED_KEYS = 12


class StrictModel(BaseModel):
    """Base of every scenario section: unknown keys are errors that name the closest valid key."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False, defer_build=True)

    #: Keys accepted besides the fields (none by default).
    extra_keys: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        valid = [*cls.model_fields, *cls.extra_keys]
        for key in data:
            if key not in valid:
                import difflib

                close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}? " if close else ""
                listed = ", ".join(valid) if len(valid) <= LISTED_KEYS else f"{', '.join(valid[:LISTED_KEYS])}, ... (`scaling schema` lists all {len(valid)})"
                raise user_error("unknown_key", f"unknown key {shown(str(key))}; {hint}valid keys: {listed}", key=str(key))
        return data
