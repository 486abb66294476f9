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


class InputError(ScalingError):
    """Bad input: one or more located problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
