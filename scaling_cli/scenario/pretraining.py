"""``pretraining:`` — the foundation model's training run."""

from __future__ import annotations

from pydantic import Field

from scaling_cli.scenario.fields import PositiveCount, PositiveQuantity, StrictModel


class PretrainingSpec(StrictModel):
    """Tokens seen in pretraining and the sequence length (for the attention term)."""

    tokens: PositiveQuantity = Field(description="Training tokens, e.g. 15T.")
    seq_len: PositiveCount | None = Field(None, description="Training sequence length; with the architecture it adds the attention FLOPs.")
