"""``scaling init``: write the commented starter scenario."""

from __future__ import annotations

from importlib import resources

from scaling_cli.output import write_output


def write_starter(path: str, *, force: bool) -> str:
    """Write the starter scenario to ``path`` (never over a file without ``force``); the next step to tell the user."""
    text = resources.files("scaling_cli.data").joinpath("init_template.yaml").read_text(encoding="utf-8")
    write_output(text, path, force=force)
    return f"wrote {path}; plan it with: scaling plan {path}"
