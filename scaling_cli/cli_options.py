"""The options and choices ``scaling`` commands share (typer annotations), so each command's
signature in ``cli.py`` names them instead of repeating them. Only typer and the standard library."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    csv_long = "csv-long"
    markdown = "markdown"


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format: table (default), json, csv, csv-long (one row per figure: phase, item, metric, value, p10, p90, unit) or markdown.")]
OutputOption = Annotated[Optional[str], typer.Option("--output", "-o", help="Write to FILE (atomically) instead of stdout.", metavar="FILE")]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")]
ScenarioArgument = Annotated[
    Optional[str], typer.Argument(help="Scenario YAML file (- reads standard input); omit for the built-in default scenario.", metavar="[SCENARIO]")
]
SetOption = Annotated[
    Optional[list[str]], typer.Option("--set", help="Override a scenario value: PATH=VALUE, e.g. hardware.count=1024 (repeatable).", metavar="PATH=VALUE")
]
SamplesOption = Annotated[int, typer.Option("--samples", min=0, max=10_000_000, help="Monte Carlo samples behind the P10-P90 bands (0: no bands).")]
SeedOption = Annotated[int, typer.Option("--seed", min=0, max=2**64 - 1, help="Random seed of the Monte Carlo bands (fixed, so bands are reproducible).")]
FitOption = Annotated[Optional[str], typer.Option("--fit", help="Scaling-law fit for loss and sizing (overrides pretraining.fit).")]


class SchemaFormat(str, Enum):
    json = "json"


class Template(str, Enum):
    pretraining = "pretraining"
    lifecycle = "lifecycle"
    reasoning_service = "reasoning-service"
