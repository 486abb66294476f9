"""Field types shared by the scenario models.

Every numeric field accepts plain numbers and quantity strings (``70B``, ``1.2e24``) through the one
parser in ``scaling_cli.quantity``, and advertises both forms in the JSON Schema so editors accept
what the CLI accepts.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from scaling_cli.quantity import QUANTITY_PATTERN, parse_count, parse_quantity

_NUMBER_OR_QUANTITY = {
    "anyOf": [
        {"type": "number"},
        {"type": "string", "pattern": QUANTITY_PATTERN},
    ]
}
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


#: A finite number; strings with suffixes allowed. Combine with ``Field(gt=...)`` for ranges.
Quantity = Annotated[float, BeforeValidator(_quantity), WithJsonSchema(_NUMBER_OR_QUANTITY)]
#: A whole number; suffixes allowed (``16K`` GPUs), fractions rejected.
Count = Annotated[int, BeforeValidator(_count), WithJsonSchema(_INTEGER_OR_QUANTITY)]

PositiveQuantity = Annotated[Quantity, Field(gt=0)]
NonNegativeQuantity = Annotated[Quantity, Field(ge=0)]
PositiveCount = Annotated[Count, Field(ge=1)]
NonNegativeCount = Annotated[Count, Field(ge=0)]
#: A fraction in (0, 1], e.g. MFU or goodput.
Fraction = Annotated[Quantity, Field(gt=0, le=1)]


class StrictModel(BaseModel):
    """Base of every scenario section: unknown keys are errors that name the closest valid key."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)

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
                raise user_error("unknown_key", f"unknown key {str(key)!r}; {hint}valid keys: {', '.join(valid)}", key=str(key))
        return data
