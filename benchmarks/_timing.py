"""Shared by the end-to-end benchmarks: commands timed as a user runs them, in fresh interpreters.

Each command runs as a subprocess (a cold interpreter: nothing imported, nothing cached in memory),
the commands interleaved so that a load spike on the shared machine hits all of them alike, and
each figure is the median of its runs; a ratio is taken between medians of one run of the script.
Bytecode is written and used as an installed package would (``PYTHONDONTWRITEBYTECODE`` is removed
from the children's environment), and one warm-up round compiles it before timing starts.
Peak memory is the child's own ``ru_maxrss`` (from ``wait4``). Plain Python and the standard library only.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
#: The import floor of the CLI's own dependencies (issue #16).
FLOOR = [PYTHON, "-c", "import typer, pydantic, rich.table, numpy, yaml"]
#: The CLI as a user runs it (``python -m scaling_cli`` is the ``scaling`` console script's code).
SCALING = [PYTHON, "-m", "scaling_cli"]


@dataclass
class Command:
    """One command line, with extra environment variables and optional standard input."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    stdin: bytes | None = None
    #: where it runs (``python -m scaling_cli`` imports the package found there first): another
    #: checkout of the project measures the code before a change, interleaved with the code after it
    cwd: Path = REPO


@dataclass
class Measured:
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    stdout_bytes: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> float:
        return max(self.peak_mb)


def _environment(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def run_once(command: Command) -> tuple[float, float, int]:
    """Wall seconds, the child's own peak resident memory in MB (``wait4``), and its stdout's size."""
    with tempfile.TemporaryFile() as stdin:
        stdin.write(command.stdin or b"")
        stdin.seek(0)
        start = time.perf_counter()
        child = subprocess.Popen(command.argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=command.cwd, env=_environment(command.env))
        size = len(child.stdout.read())  # type: ignore[union-attr]
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        child.stdout.close()  # type: ignore[union-attr]
    if child.returncode != 0:
        raise SystemExit(f"{command.name}: exit {child.returncode}: {shown(command.argv)}")
    return seconds, usage.ru_maxrss / 1024, size


def measure(commands: Sequence[Command], runs: int, warmup: int = 1) -> dict[str, Measured]:
    """Every command ``runs`` times, interleaved, after ``warmup`` untimed rounds."""
    for _ in range(warmup):
        for command in commands:
            run_once(command)
    results = {command.name: Measured() for command in commands}
    for _ in range(runs):
        for command in commands:
            seconds, peak, size = run_once(command)
            results[command.name].seconds.append(seconds)
            results[command.name].peak_mb.append(peak)
            results[command.name].stdout_bytes = size
    return results


def shown(argv: Sequence[str]) -> str:
    """A command line as a user would type it."""
    words = list(argv)
    if words[: len(SCALING)] == SCALING:
        words = ["scaling", *words[len(SCALING) :]]
    elif words and words[0] == PYTHON:
        words[0] = "python"
    return " ".join(f'"{w}"' if " " in w else w for w in words)


def table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned text columns (a Markdown table when the first row is a header)."""
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)
