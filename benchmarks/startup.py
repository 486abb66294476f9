"""Cold start: each command a user runs often, against the import floor of the CLI's dependencies.

    python benchmarks/startup.py [--runs N] [--before DIR]

Every command runs in a fresh interpreter, interleaved with the others, N times (default 21); the
figures are medians and the ratios are taken between medians of this one run (benchmarks/_timing.py).
The floor is ``python -c "import typer, pydantic, rich.table, numpy, yaml"``, as a user's shell runs
it; the issue's target (#16) is ``scaling plan FILE --format json`` within 1.3x of it. Because the
CLI starts OpenBLAS with one thread when the user has not configured it (README: Performance), the
floor is also shown under ``OPENBLAS_NUM_THREADS=1``, so the part of the gain that comes from not
starting BLAS threads is visible on its own.

  floor             python -c "import typer, pydantic, rich.table, numpy, yaml"
  floor, 1 thread   the same with OPENBLAS_NUM_THREADS=1
  floor + a model   the 1-thread floor that also defines and validates one two-field pydantic model:
                    what any program that validates with pydantic v2 pays before its own work, as
                    ``import pydantic`` is lazy and the floor never loads its schema machinery
  typer command     a no-op Typer app with ``plan``'s options that imports numpy and yaml and prints
                    {} (1 thread): what any Typer >= 0.29 command costs, as Typer validates every
                    option through a pydantic TypeAdapter, which the floor's lazy ``import pydantic``
                    does not load
  plan (small)      scaling plan configs/frontier-dense.scenario.yaml --format json
  plan (largest)    scaling plan <largest file in configs/> --format json
  plan (default)    scaling plan --format json   (the built-in full-lifecycle scenario)
  plan, piped       scaling plan <largest> (the plain table a pipe gets; never imports rich)
  validate          scaling validate configs/*.yaml
  help              scaling --help
  no-op help        a two-command Typer app's --help (Typer's defaults): issue #7's target for
                    ``scaling --help`` is <= 1.2x it

``--before DIR`` also runs the plan and validate commands in another checkout (e.g. ``git worktree
add /tmp/before main``), interleaved with these, for a before/after comparison within one run.

Plain Python and the standard library only; run by hand, not in CI.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

from _timing import FLOOR, PYTHON, REPO, SCALING, Command, measure, shown, table


TYPER_COMMAND = '''
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
         overrides: Annotated[Optional[list[str]], typer.Option("--set")] = None,
         samples: int = 5000, seed: int = 0, fit: Optional[str] = None, brief: bool = False) -> None:
    import json, numpy, yaml
    print(json.dumps({}))
app()
'''


#: The floor's own imports, then one two-field pydantic model defined and validated.
PYDANTIC_MODEL = FLOOR[-1] + "\nclass M(pydantic.BaseModel):\n    a: int = 1\n    b: str = 'x'\nM(a=2)"


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


def _configs() -> list[str]:
    return sorted(str(p.relative_to(REPO)) for p in (REPO / "configs").glob("*.yaml"))


def commands(typer_app: Path, noop_app: Path) -> list[Command]:
    configs = _configs()
    largest = max(configs, key=lambda c: (REPO / c).stat().st_size)
    return [
        Command("floor", FLOOR),
        Command("floor, 1 thread", FLOOR, {"OPENBLAS_NUM_THREADS": "1"}),
        Command("floor + a model", [PYTHON, "-c", PYDANTIC_MODEL], {"OPENBLAS_NUM_THREADS": "1"}),
        Command("typer command", [PYTHON, str(typer_app), "plan", "--format", "json"], {"OPENBLAS_NUM_THREADS": "1"}),
        Command("plan (small)", [*SCALING, "plan", "configs/frontier-dense.scenario.yaml", "--format", "json"]),
        Command("plan (largest)", [*SCALING, "plan", largest, "--format", "json"]),
        Command("plan (default)", [*SCALING, "plan", "--format", "json"]),
        Command("plan, piped", [*SCALING, "plan", largest]),
        Command("validate", [*SCALING, "validate", *configs]),
        Command("help", [*SCALING, "--help"]),
        Command("no-op help", [PYTHON, str(noop_app), "--help"]),
    ]


LABELS = {"floor + a model": "the floor, 1 thread, plus one pydantic model defined and validated", "typer command": "a no-op Typer command with plan's options", "no-op help": "a no-op two-command Typer app's --help"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--before", type=Path, default=None, metavar="DIR", help="another checkout to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        typer_app = Path(tmp) / "typer_command.py"
        typer_app.write_text(TYPER_COMMAND, encoding="utf-8")
        noop_app = Path(tmp) / "noop_app.py"
        noop_app.write_text(NOOP_APP, encoding="utf-8")
        todo = commands(typer_app, noop_app)
        if args.before:
            todo += [replace(c, name=f"{c.name}, before", cwd=args.before.resolve()) for c in todo if c.name.startswith(("plan", "validate"))]
        results = measure(todo, args.runs)
    floor, floor1 = results["floor"].median, results["floor, 1 thread"].median
    rows = [["command", "median", "÷ floor", "÷ floor (1 thread)"]]
    for command in todo:
        median = results[command.name].median
        line = LABELS.get(command.name) or shown(command.argv) if len(command.argv) < 8 else shown(command.argv[:5]) + " ..."
        env = " ".join(f"{k}={v}" for k, v in command.env.items())
        where = " (before)" if command.name.endswith(", before") else ""
        rows.append([f"`{env + ' ' if env else ''}{line}`{where}", f"{median * 1000:.0f} ms", f"{median / floor:.2f}", f"{median / floor1:.2f}"])
    print(table(rows))
    print(f"\nmedians of {args.runs} cold runs each, interleaved; target (#16): plan --format json <= 1.3x the floor")
    model = results["floor + a model"].median
    print(f"the floor plus one pydantic model: {model / floor1:.2f}x the 1-thread floor; plan --format json ÷ it: "
          + ", ".join(f"{name} {results[name].median / model:.2f}" for name in ("plan (small)", "plan (largest)", "plan (default)")))
    print(f"scaling --help / no-op Typer --help: {results['help'].median / results['no-op help'].median:.2f} (target (#7) <= 1.2)")


if __name__ == "__main__":
    main()
