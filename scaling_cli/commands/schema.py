"""``scaling schema``: the scenario format's JSON Schema (draft-07)."""

from __future__ import annotations

from scaling_cli.output import write_output
from scaling_cli.scenario.schema import schema_text


def write_schema(output: str | None, *, force: bool) -> None:
    write_output(schema_text(), output, force=force)
