"""How close predictions are to measurements: the one summary the serving and post-training
reports share (``scaling reference --serving`` / ``--post-training``)."""

from __future__ import annotations

from typing import Any, Callable

from scaling_cli.engine.uncertainty import median


def fold_error(ratio: float) -> float:
    """How many times off a prediction is, either way: 2 for 0.5× and for 2×."""
    return max(ratio, 1 / ratio)


def ratio_summary(rows: list[dict[str, Any]], name: Callable[[dict[str, Any]], str]) -> dict[str, Any]:
    """Cases, median |predicted ÷ measured − 1|, median ratio, the worst case (largest fold error,
    named by ``name``) and how many cases are more than 2× off, of rows carrying a ``ratio``."""
    if not rows:
        return {"cases": 0, "median_abs_error": None, "median_ratio": None, "worst_ratio": None, "worst_case": None, "beyond_2x": 0}
    worst = max(rows, key=lambda r: fold_error(r["ratio"]))
    return {
        "cases": len(rows),
        "median_abs_error": median([abs(r["ratio"] - 1) for r in rows]),
        "median_ratio": median([r["ratio"] for r in rows]),
        "worst_ratio": worst["ratio"],
        "worst_case": name(worst),
        "beyond_2x": sum(fold_error(r["ratio"]) > 2 for r in rows),
    }
