"""``scaling plot``: the plan as one picture (needs the ``plot`` extra, matplotlib)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scaling_cli.errors import UsageError
from scaling_cli.output import write_file_atomically
from scaling_cli.planner.plan import build_plan
from scaling_cli.plotting import draw_plan
from scaling_cli.scenario.loading import load_scenario


def plot_scenario(scenario: str | None, out: str, overrides: Sequence[str] = (), *, force: bool) -> str:
    """Draw the plan of ``scenario`` into ``out`` (.svg or .png); the message to tell the user."""
    target = Path(out)
    kind = target.suffix.lower().lstrip(".")
    if kind not in ("svg", "png"):
        raise UsageError(f"--out {out}: the picture must be a .svg or .png file")
    plan = build_plan(load_scenario(scenario, overrides))
    write_file_atomically(target, draw_plan(plan, kind), force=force)
    return f"wrote {target}"
