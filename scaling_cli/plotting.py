"""``scaling plot``: pictures of a plan (matplotlib, an optional extra). Implemented for issue #6."""

from __future__ import annotations

from typing import Any

from scaling_cli.errors import ScalingError


def draw_plan(plan: Any, kind: str) -> bytes:
    """The plan's figure as SVG or PNG bytes."""
    raise ScalingError("scaling plot is not implemented yet")
