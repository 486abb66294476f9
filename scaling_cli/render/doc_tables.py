"""The README's generated tables: JSON keys from the metric registry, defaults from the table of
defaults (so neither can drift from the code).

``tests/test_metrics.py`` and ``tests/test_defaults.py`` check that the README holds exactly these
tables between its ``<!-- metrics: PREFIX ... -->`` / ``<!-- defaults -->`` markers and their
closing ``<!-- /metrics -->`` / ``<!-- /defaults -->``, and rewrite them with ``SCALING_UPDATE_README=1``.
"""

from __future__ import annotations

import re
from typing import Any

from scaling_cli.defaults import table
from scaling_cli.metrics import REGISTRY

#: ``<!-- metrics: pretraining total -->`` ... ``<!-- /metrics -->``: one generated key table.
MARKER = re.compile(r"(<!-- metrics: ([^>]*?) -->\n)(.*?)(<!-- /metrics -->)", re.DOTALL)
#: ``<!-- defaults -->`` ... ``<!-- /defaults -->``: the table of defaults.
DEFAULTS_MARKER = re.compile(r"(<!-- defaults -->\n)(.*?)(<!-- /defaults -->)", re.DOTALL)


def key_table(prefixes: list[str]) -> str:
    """``| key | unit | band | meaning |`` rows for every registered metric under ``prefixes``."""
    lines = ["| key | unit | band | meaning |", "|---|---|---|---|"]
    for path, metric in REGISTRY.items():
        if any(path.startswith(f"{prefix}.") for prefix in prefixes):
            unit = metric.unit or ("text" if metric.style == "text" else "—")
            lines.append(f"| `{path}` | {unit} | {'always' if metric.banded else ''} | {metric.meaning} |")
    return "\n".join(lines) + "\n"


def defaults_table() -> str:
    """``| key | default | prior | unit | source |`` for every default the planner can use."""
    lines = ["| key | default | prior | unit | source |", "|---|---|---|---|---|"]
    for default in table():
        prior = f"log-normal σ {default.log_sigma:g}" if default.log_sigma else ""
        lines.append(f"| `{default.key}` | {_shown(default.value)} | {prior} | {default.unit or '—'} | {default.source.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return " + ".join(str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def with_tables(readme: str) -> str:
    """``readme`` with every marked table regenerated."""
    readme = MARKER.sub(lambda m: m.group(1) + key_table(m.group(2).split()) + m.group(4), readme)
    return DEFAULTS_MARKER.sub(lambda m: m.group(1) + defaults_table() + m.group(3), readme)
