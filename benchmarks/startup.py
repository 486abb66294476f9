"""Cold start of `scaling plan CONFIG --format json`, as a ratio to importing the dependency set.

    python benchmarks/startup.py [--runs N] [--config configs/frontier-dense.scenario.yaml]

Runs four commands in fresh interpreters, interleaved, N times each, and prints their median wall
times and ratios to the dependency-import baseline (issue #2 target: plan <= 1.3x baseline):

  baseline  python -c "import typer, pydantic, rich, numpy, yaml"
  floor     a no-op Typer app with `plan`'s exact options that imports numpy and yaml and prints {}:
            what any Typer >= 0.29 command costs (it validates every option through pydantic)
  plan      python -m scaling_cli plan CONFIG --format json
  bare      python -c pass

Plain Python and the standard library only; run by hand, not in CI.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

FLOOR_APP = '''
from enum import Enum
from typing import Annotated, Optional
import typer
app = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False)
class Format(str, Enum):
    table = "table"
    json = "json"
@app.callback()
def root(version: bool = False) -> None:
    pass
@app.command()
def plan(scenario: Optional[str] = None, fmt: Annotated[Format, typer.Option("--format")] = Format.table,
         output: Optional[str] = None, force: bool = False,
         overrides: Annotated[Optional[list[str]], typer.Option("--set")] = None) -> None:
    import json, numpy, yaml
    print(json.dumps({}))
app()
'''


def _time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--config", default="configs/frontier-dense.scenario.yaml")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        floor_app = Path(tmp) / "floor_app.py"
        floor_app.write_text(FLOOR_APP)
        commands = {
            "bare": [sys.executable, "-c", "pass"],
            "baseline": [sys.executable, "-c", "import typer, pydantic, rich, numpy, yaml"],
            "floor": [sys.executable, str(floor_app), "plan", "--format", "json"],
            "plan": [sys.executable, "-m", "scaling_cli", "plan", args.config, "--format", "json"],
        }
        for command in commands.values():  # warm the .pyc caches once
            _time(command)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(_time(command))
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, command in commands.items():
        print(f"{name:9s} {median[name] * 1000:6.0f} ms  {' '.join(Path(c).name if c == sys.executable else c for c in command[:3])} ...")
    print(f"ratio plan / baseline: {median['plan'] / median['baseline']:.2f} (target <= 1.3)")
    print(f"ratio floor / baseline: {median['floor'] / median['baseline']:.2f} (any Typer command with these options)")
    print(f"planner's own cost above the floor: {(median['plan'] - median['floor']) * 1000:.0f} ms (median of {args.runs} runs)")


if __name__ == "__main__":
    main()
