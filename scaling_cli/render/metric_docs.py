"""The README's JSON key tables, generated from the metric registry (so they cannot drift).

``tests/test_metrics.py`` checks that the README holds exactly these tables between its
``<!-- metrics: PREFIX ... -->`` and ``<!-- /metrics -->`` markers, and rewrites them when run with
``SCALING_UPDATE_README=1``.
"""

from __future__ import annotations

import re

from scaling_cli.metrics import REGISTRY

#: ``<!-- metrics: pretraining total -->`` ... ``<!-- /metrics -->``: one generated table.
MARKER = re.compile(r"(<!-- metrics: ([^>]*?) -->\n)(.*?)(<!-- /metrics -->)", re.DOTALL)


def key_table(prefixes: list[str]) -> str:
    """``| key | unit | band | meaning |`` rows for every registered metric under ``prefixes``."""
    lines = ["| key | unit | band | meaning |", "|---|---|---|---|"]
    for path, metric in REGISTRY.items():
        if any(path.startswith(f"{prefix}.") for prefix in prefixes):
            unit = metric.unit or ("text" if metric.style == "text" else "—")
            lines.append(f"| `{path}` | {unit} | {'always' if metric.banded else ''} | {metric.meaning} |")
    return "\n".join(lines) + "\n"


def with_tables(readme: str) -> str:
    """``readme`` with every marked table regenerated."""
    return MARKER.sub(lambda m: m.group(1) + key_table(m.group(2).split()) + m.group(4), readme)
