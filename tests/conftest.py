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


@pytest.fixture(scope="session", autouse=True)
def catalog_cache_dir(tmp_path_factory: pytest.TempPathFactory):
    """Compiled catalogs go to a temporary directory, never the real home (subprocesses inherit it)."""
    with pytest.MonkeyPatch.context() as patch:
        path = tmp_path_factory.mktemp("catalog-cache")
        patch.setenv("SCALING_CACHE_DIR", str(path))
        yield path


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


def assert_one_located_line(result: Run, path: str, line: int, column: int, fragment: str, field_prefix: str = "") -> str:
    """Bad input: exit 1, nothing on stdout, no traceback, and a first stderr line
    ``PATH:LINE:COLUMN: <field_prefix>...`` containing ``fragment``. Returns that line."""
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}:{line}:{column}: {field_prefix}"), first
    assert fragment in first, first
    return first
