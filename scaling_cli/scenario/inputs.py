"""Scenario -> frozen plain inputs, in one step: what the planner reads, never a pydantic model.

``freeze`` turns a validated scenario block into an ``Inputs`` record: each field's value with every
range drawn by a sampler (its central value for the point plan, an array of Monte Carlo samples for
the bands, under the field's path as the sampler's key), plain floats as numpy floats (IEEE
arithmetic everywhere: a magnitude that underflows gives inf or NaN, which the planner's finiteness
check reports, rather than a ZeroDivisionError), nested blocks and lists frozen in turn, and the set
of fields the user gave (``given``), so a default can be told from a value the file set.

An ``Inputs`` is immutable; ``replace`` and ``replace_path`` return changed copies (the solved
pretraining size, a sweep's grid values, a phase's merged hardware). Properties of the block's
scenario class (``model.n_active``, ``model.attention_width``) are read through to that class, so a
derived figure has one definition, on the scenario side.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel

from scaling_cli.engine.uncertainty import Sampler
from scaling_cli.scenario.ranges import Range


class Inputs:
    """One frozen scenario block: ``inputs.tokens``, ``inputs.given``, ``inputs.replace(...)``."""

    __slots__ = ("_spec", "_values", "given")

    def __init__(self, spec: type, values: dict[str, Any], given: frozenset[str]) -> None:
        object.__setattr__(self, "_spec", spec)
        object.__setattr__(self, "_values", dict(values))
        object.__setattr__(self, "given", frozenset(given))

    def __getattr__(self, name: str) -> Any:
        if name == "_values":  # the slot itself unset (an object being copied): no recursion
            raise AttributeError(name)
        values = self._values
        if name in values:
            return values[name]
        derived = getattr(object.__getattribute__(self, "_spec"), name, None)
        if isinstance(derived, property) and derived.fget is not None:
            return derived.fget(self)
        raise AttributeError(f"{object.__getattribute__(self, '_spec').__name__} inputs have no field {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("scenario inputs are frozen; use replace()")

    def __repr__(self) -> str:
        return f"Inputs({self._spec.__name__}, {self._values!r})"

    @property
    def spec(self) -> type:
        """The scenario class this block was validated as."""
        return object.__getattribute__(self, "_spec")

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(object.__getattribute__(self, "_values"))

    def replace(self, *, given: frozenset[str] | None = None, **changes: Any) -> Inputs:
        """A copy with ``changes``; the user-given set stays unless ``given`` says otherwise."""
        for name in changes:
            if name not in self._values:
                raise AttributeError(f"{self._spec.__name__} inputs have no field {name!r}")
        return Inputs(self._spec, {**self._values, **changes}, self.given if given is None else given)

    def replace_path(self, path: tuple[str | int, ...], value: Any) -> Inputs:
        """A copy with the field at ``path`` (keys and list indices below this block) set to
        ``value`` and counted as given (a value the user chose, e.g. a sweep's grid). ``KeyError``
        names the first step that does not exist; ``AttributeError`` a block on the way that is unset."""
        head, rest = path[0], path[1:]
        if not isinstance(head, str) or head not in self._values:
            raise KeyError(head)
        current = self._values[head]
        if not rest:
            return self.replace(given=self.given | {head}, **{head: value})
        if isinstance(current, list) and isinstance(rest[0], int):
            if not -len(current) <= rest[0] < len(current):
                raise KeyError(rest[0])
            items = list(current)
            items[rest[0]] = value if len(rest) == 1 else items[rest[0]].replace_path(rest[1:], value)
            return self.replace(**{head: items})
        if current is None:
            raise AttributeError(f"{head} is not set")
        if not isinstance(current, Inputs):
            raise KeyError(head)
        return self.replace(**{head: current.replace_path(rest, value)})


def freeze(model: BaseModel, sampler: Sampler, path: str = "") -> Inputs:
    """The frozen inputs of a validated block, ranges drawn by ``sampler`` under their field paths."""
    values = {name: _freeze_value(getattr(model, name), sampler, f"{path}.{name}" if path else name) for name in type(model).model_fields}
    return Inputs(type(model), values, frozenset(model.model_fields_set))


def _freeze_value(value: Any, sampler: Sampler, path: str) -> Any:
    if isinstance(value, Range):
        value = value.draw(sampler, path)
    if type(value) is float:
        return np.float64(value)
    if isinstance(value, BaseModel):
        return freeze(value, sampler, path)
    if isinstance(value, list):
        return [_freeze_value(item, sampler, f"{path}[{index}]") for index, item in enumerate(value)]
    return value
