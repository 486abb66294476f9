"""The README cannot drift from the CLI: commands, JSON keys, exit codes and hooks are checked."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import yaml

from scaling_cli.cli import app, main
from tests.conftest import CONFIGS, REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _command_names() -> list[str]:
    group = typer.main.get_command(app)
    names = []
    for name, command in group.commands.items():
        sub = getattr(command, "commands", None)
        names.extend(f"{name} {s}" for s in sub) if sub else names.append(name)
    return names


def test_every_command_is_in_the_readme():
    for name in _command_names():
        assert f"`scaling {name}" in README, f"README does not document `scaling {name}`"


def test_readme_opens_with_the_two_setup_commands():
    first_block = README.split("```", 2)[1]
    assert first_block.strip().splitlines()[1:] == ["pip install -e . && scaling plan", "pip install -e '.[test]' && pytest"]


def _documented_plan_keys() -> set[str]:
    """`section.key` names from the README's JSON-output tables (first column, backticked)."""
    keys = set()
    json_section = README.split("## JSON output", 1)[1].split("\n## ", 1)[0]
    for line in json_section.splitlines():
        match = re.match(r"^\| `((?:pretraining|post_training|test_time|total)\.[^`]+)`", line)
        if match:
            for part in match.group(1).split("`, `"):
                keys.add(part)
    return keys


def _real_keys(document: dict, prefix: str = "") -> set[str]:
    keys = set()
    for key, value in document.items():
        path = f"{prefix}.{key}" if prefix else key
        keys.add(path)
        if isinstance(value, dict):
            keys |= _real_keys(value, path)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            keys.add(path + "[]")
            keys |= _real_keys(value[0], path + "[]")
    return keys


def test_every_documented_json_key_exists_in_real_output(cli):
    real: set[str] = set()
    for path in [None, *CONFIGS]:
        args = ["plan", "-f", "json"] + ([str(path)] if path else [])
        real |= _real_keys(cli(*args).json())
    documented = _documented_plan_keys()
    assert documented, "no JSON keys found in the README tables"
    expanded = set()
    for key in documented:  # "pretraining.mfu, goodput" style rows list siblings without the prefix
        head = key.rsplit(".", 1)[0]
        for part in key.split(", "):
            expanded.add(part if "." in part else f"{head}.{part}")
    missing = sorted(k for k in expanded if k not in real)
    assert not missing, f"documented but never produced: {missing}"


def test_exit_codes_are_documented_and_real(cli, scenario_file, monkeypatch):
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 130 |"):
        assert code in README
    assert cli("plan").exit_code == 0
    assert cli("plan", scenario_file("name: x\nmodel: {params: 7Q}\n")).exit_code == 1
    assert cli("plan", "--no-such-option").exit_code == 2

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("scaling_cli.cli.app", interrupted)
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 130


def test_pre_commit_hook_validates_the_examples(tmp_path):
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "scaling-validate")
    pattern = re.compile(hook["files"])
    examples = [str(p.relative_to(REPO)) for p in CONFIGS]
    assert examples and all(pattern.search(p) for p in examples)
    assert hook["entry"].split() == ["scaling", "validate"]
    # pre-commit runs `entry` with the staged files appended; run the same command line here.
    ok = subprocess.run([sys.executable, "-m", "scaling_cli", "validate", *examples], cwd=REPO, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad = tmp_path / "broken.scenario.yaml"
    bad.write_text("name: b\nmodel:\n  params: 7Q\n")
    assert pattern.search(bad.name)
    failed = subprocess.run([sys.executable, "-m", "scaling_cli", "validate", str(bad)], capture_output=True, text=True)
    assert failed.returncode == 1
    assert failed.stderr.startswith(f"{bad}:3:11: model.params: ")


def test_every_example_starts_with_the_schema_modeline():
    for path in CONFIGS:
        first = Path(path).read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/scenario.schema.json", path
