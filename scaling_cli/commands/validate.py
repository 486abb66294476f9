"""``scaling validate``: check scenario files as the planner would plan them."""

from __future__ import annotations

from collections.abc import Sequence

from scaling_cli.errors import InputError
from scaling_cli.commands.plan import plan_scenario
from scaling_cli.engine.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from scaling_cli.result import FileCheck, ValidationReport


def validate_files(files: Sequence[str]) -> ValidationReport:
    """Every file loaded, validated and planned (with its bands, as ``scaling plan`` would); its
    problems, each located at file, line and field."""
    checks = []
    for name in files:
        try:
            plan_scenario(name, samples=DEFAULT_SAMPLES, seed=DEFAULT_SEED)  # a portfolio file checks each member
            checks.append(FileCheck(name, []))
        except InputError as exc:
            checks.append(FileCheck(name, exc.problems))
    return ValidationReport(checks)
