"""Replace every range in a validated scenario by its central value or by Monte Carlo samples.

The result is the same pydantic model type, built with ``model_copy`` (no re-validation), whose
numeric fields are numpy floats (point estimate) or numpy arrays (samples); planner code reads it
the same way in both cases.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

from scaling_cli.engine.uncertainty import Range, Sampler

M = TypeVar("M", bound=BaseModel)


def realize(model: M, sampler: Sampler, path: str = "") -> M:
    """A copy of ``model`` with each ``Range`` drawn by ``sampler`` under its field path."""
    changes: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        realized = _realize_value(value, sampler, f"{path}.{name}" if path else name)
        if realized is not value:
            changes[name] = realized
    return model.model_copy(update=changes) if changes else model


def _realize_value(value: Any, sampler: Sampler, path: str) -> Any:
    if isinstance(value, Range):
        value = sampler.draw(value, path)
    if type(value) is float:
        # numpy's IEEE arithmetic, as for samples: a magnitude that underflows to 0 (params 5e-324)
        # then gives inf or NaN, which the planner reports, instead of a ZeroDivisionError.
        return np.float64(value)
    if isinstance(value, BaseModel):
        return realize(value, sampler, path)
    if isinstance(value, list):
        items = [_realize_value(item, sampler, f"{path}[{index}]") for index, item in enumerate(value)]
        return items if any(a is not b for a, b in zip(items, value)) else value
    return value


def has_ranges(model: Any) -> bool:
    """True when any field (at any depth) is a ``Range``."""
    if isinstance(model, Range):
        return True
    if isinstance(model, BaseModel):
        return any(has_ranges(getattr(model, name)) for name in type(model).model_fields)
    if isinstance(model, list):
        return any(has_ranges(item) for item in model)
    return False
