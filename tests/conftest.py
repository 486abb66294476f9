from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scaling_cli.cli import app

REPO = Path(__file__).resolve().parent.parent
CONFIGS = sorted((REPO / "configs").glob("*.yaml"))


class Run:
    def __init__(self, result: Any) -> None:
        self.exit_code = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.exception = result.exception

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def cli():
    """Invoke the CLI in-process: ``cli("plan", "--format", "json")``."""

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Run:
        runner = CliRunner()
        return Run(runner.invoke(app, list(args), env=env, input=input))

    return invoke


@pytest.fixture
def scenario_file(tmp_path: Path):
    """Write a scenario (dedented) to a file and return its path as a string."""

    def write(text: str, name: str = "s.scenario.yaml") -> str:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return str(path)

    return write


def run_subprocess(*args: str, env: dict[str, str] | None = None, cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m scaling_cli ARGS`` in a fresh interpreter (the real entry point)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "scaling_cli", *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120)
