"""``scaling validate``: check scenario files as the planner would plan them."""

from __future__ import annotations

from collections.abc import Sequence

from scaling_cli.errors import InputError
from scaling_cli.commands.plan import plan_scenario
from scaling_cli.engine.uncertainty import DEFAULT_SEED
from scaling_cli.result import FileCheck, ValidationReport


def validate_files(files: Sequence[str]) -> ValidationReport:
    """Every file loaded, validated and planned at its point values (no Monte Carlo: a check does not
    need bands, and drawing them would cost more than the rest); its problems, each located at file,
    line and field."""
    checks = []
    for name in files:
        try:
            plan_scenario(name, samples=0, seed=DEFAULT_SEED)  # a portfolio file checks each member
            checks.append(FileCheck(name, []))
        except InputError as exc:
            checks.append(FileCheck(name, exc.problems))
    return ValidationReport(checks)
