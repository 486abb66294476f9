"""``scaling init``: write a commented starter scenario from one of the templates in ``scaling_cli/data``."""

from __future__ import annotations

from importlib import resources

from scaling_cli.output import write_output

#: ``--template`` name -> what it starts (``scaling_cli/data/init_<name>.yaml``).
TEMPLATES = {
    "lifecycle": "one model through all three laws: pretraining, post-training groups and serving workloads",
    "pretraining": "one pretraining run: a 7B model on 256 H100s",
    "reasoning-service": "an open model you fine-tune for reasoning (RL) and serve for chat and long thinking",
}


def template_text(name: str) -> str:
    """The starter scenario ``name`` (a ``TEMPLATES`` key)."""
    return resources.files("scaling_cli.data").joinpath(f"init_{name}.yaml").read_text(encoding="utf-8")


def write_starter(path: str, template: str = "lifecycle", *, force: bool) -> str:
    """Write the starter ``template`` to ``path`` (never over a file without ``force``); the next step to tell the user."""
    write_output(template_text(template), path, force=force)
    return f"wrote {path} ({template}: {TEMPLATES[template]}); plan it with: scaling plan {path}"
