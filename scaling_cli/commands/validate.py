"""``scaling validate``: check scenario files as the planner would plan them."""

from __future__ import annotations

from collections.abc import Sequence

from scaling_cli.errors import InputError
from scaling_cli.planner.plan import build_plan
from scaling_cli.result import FileCheck, ValidationReport
from scaling_cli.scenario.loading import load_scenario


def validate_files(files: Sequence[str]) -> ValidationReport:
    """Every file loaded, validated and planned (with its bands, as ``scaling plan`` would); its
    problems, each located at file, line and field."""
    checks = []
    for name in files:
        try:
            build_plan(load_scenario(name))
            checks.append(FileCheck(name, []))
        except InputError as exc:
            checks.append(FileCheck(name, exc.problems))
    return ValidationReport(checks)
