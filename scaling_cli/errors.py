"""Domain errors and the documented exit codes (README "Exit codes").

The CLI has one error boundary (``cli.main``) that turns these into one line on stderr and the exit
code below; nothing else in the package prints or exits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    BAD_INPUT = 1  #: a scenario, catalog entry or option value that cannot be planned
    USAGE = 2  #: wrong command line (unknown option, missing argument, conflicting flags)
    INTERNAL = 70  #: a bug in scaling-cli (EX_SOFTWARE); SCALING_DEBUG=1 shows the traceback
    INTERRUPTED = 130  #: Ctrl-C


class ScalingError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code: ExitCode = ExitCode.BAD_INPUT


class UsageError(ScalingError):
    """The command line itself is wrong."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file: rendered ``FILE:LINE:COL: field.path: message``."""

    file: str
    line: int | None
    column: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class PlanError(ScalingError):
    """A scenario that validates but cannot be planned, because of one field or metric (a dotted path
    such as ``test_time[0].gpus_per_replica`` or ``pretraining.flops``). The planner raises it;
    ``build_plan`` turns it into an ``InputError`` located in the scenario file."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def shown(value: object, limit: int = 40) -> str:
    """``repr(value)`` for a message, cut to ``limit`` characters: users' values can be megabytes long."""
    if isinstance(value, int) and value.bit_length() > 128:  # repr of a huge int is slow, or refused past 4,300 digits
        return f"a {int(value.bit_length() * 0.30103) + 1:,}-digit number"
    text = repr(value)
    if len(text) <= limit:
        return text
    return text[:limit] + "…" + (f" ({len(value):,} characters)" if isinstance(value, str) else "")


class InputError(ScalingError):
    """Bad input: one or more located problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
