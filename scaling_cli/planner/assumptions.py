"""Collect the defaults a plan used, once each, in the order they were first used."""

from __future__ import annotations

from typing import Any

from scaling_cli.result import Assumption


class Assumptions:
    def __init__(self) -> None:
        self._items: dict[str, Assumption] = {}

    def add(self, key: str, value: Any, unit: str, source: str) -> None:
        self._items.setdefault(key, Assumption(key=key, value=value, unit=unit, source=source))

    def as_list(self) -> list[Assumption]:
        return list(self._items.values())
