"""Cold start: `scaling plan CONFIG --format json` and `scaling --help` against their baselines.

    python benchmarks/startup.py [--runs N] [--config PATH]   (default: the largest file in configs/)

Runs these commands in fresh interpreters, interleaved, N times each, and prints their median wall
times and the ratios the issues set targets for (#2: plan <= 1.3x baseline; #7: plan on the largest
example <= 1.2x baseline, `scaling --help` <= 1.2x a no-op Typer app's --help):

  bare        python -c pass
  baseline    python -c "import typer, pydantic, rich, numpy, yaml"
  floor       a no-op Typer app with `plan`'s exact options that imports numpy and yaml and prints {}:
              what any Typer >= 0.29 command costs (it validates every option through pydantic)
  plan        python -m scaling_cli plan CONFIG --format json
  noop-help   a one-command Typer app's --help (Typer's defaults)
  help        python -m scaling_cli --help

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


NOOP_APP = '''
import typer
app = typer.Typer()
@app.command()
def run(name: str = "x") -> None:
    """Do nothing."""
@app.command()
def other() -> None:
    """Do nothing else."""
app()
'''


def _largest_config() -> str:
    return str(max((REPO / "configs").glob("*.yaml"), key=lambda p: p.stat().st_size).relative_to(REPO))


def _time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--config", default=None)
    args = parser.parse_args()
    config = args.config or _largest_config()
    with tempfile.TemporaryDirectory() as tmp:
        floor_app = Path(tmp) / "floor_app.py"
        floor_app.write_text(FLOOR_APP)
        noop_app = Path(tmp) / "noop_app.py"
        noop_app.write_text(NOOP_APP)
        commands = {
            "bare": [sys.executable, "-c", "pass"],
            "baseline": [sys.executable, "-c", "import typer, pydantic, rich, numpy, yaml"],
            "floor": [sys.executable, str(floor_app), "plan", "--format", "json"],
            "plan": [sys.executable, "-m", "scaling_cli", "plan", config, "--format", "json"],
            "noop-help": [sys.executable, str(noop_app), "--help"],
            "help": [sys.executable, "-m", "scaling_cli", "--help"],
        }
        for command in commands.values():  # warm the .pyc caches once
            _time(command)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(_time(command))
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, command in commands.items():
        print(f"{name:10s} {median[name] * 1000:6.0f} ms  {' '.join(Path(c).name if c == sys.executable else c for c in command[:4])} ...")
    print(f"ratio plan / baseline: {median['plan'] / median['baseline']:.2f} (targets <= 1.3 and <= 1.2), on {config}")
    print(f"ratio floor / baseline: {median['floor'] / median['baseline']:.2f} (any Typer command with these options)")
    print(f"planner's own cost above the floor: {(median['plan'] - median['floor']) * 1000:.0f} ms")
    print(f"ratio scaling --help / no-op Typer --help: {median['help'] / median['noop-help']:.2f} (target <= 1.2; median of {args.runs} runs)")


if __name__ == "__main__":
    main()
