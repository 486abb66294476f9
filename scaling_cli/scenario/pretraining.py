"""``pretraining:`` — the foundation model's training run."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from scaling_cli.catalog.fits import UnknownFit, find_fit
from scaling_cli.scenario.fields import PositiveCount, PositiveQuantity, StrictModel, user_error


class PretrainingSpec(StrictModel):
    """Tokens (or a FLOP budget), sequence length and the scaling-law fit used for loss and sizing.

    Give two of ``model.params``, ``tokens`` and ``compute``; with ``compute`` alone the fit picks
    the compute-optimal model size and data; with ``target_loss`` alone it picks the cheapest (or, with
    ``sizing: lifetime``, the least lifetime-compute) model reaching it (``Scenario`` checks the combination).
    """

    tokens: PositiveQuantity | None = Field(None, description="Training tokens, e.g. 15T.")
    compute: PositiveQuantity | None = Field(
        None, description="Training FLOP budget, e.g. 3e24: sizes the missing side (tokens, params, or both compute-optimally)."
    )
    seq_len: PositiveCount | None = Field(None, description="Training sequence length; with the architecture it adds the attention FLOPs.")
    fit: str | None = Field(
        None, description="Scaling-law fit for loss and sizing: besiroglu2024 (default), hoffmann2022, hoffmann2022-exact, sardana2023, rule20, muennighoff2023."
    )
    target_loss: PositiveQuantity | None = Field(
        None, description="Size the model and data to reach this predicted loss (instead of params, tokens or compute); see sizing."
    )
    unique_tokens: PositiveQuantity | None = Field(
        None,
        description="Unique tokens available; with more training tokens the data repeats and loss follows the data-constrained law "
        "(Muennighoff et al. 2023): plans report epochs and effective_tokens.",
    )
    sizing: Literal["chinchilla", "lifetime"] = Field(
        "chinchilla",
        description="With target_loss: 'chinchilla' = the cheapest training run; 'lifetime' = least training + inference FLOP, "
        "the inference demand taken from test_time (Sardana et al. 2023).",
    )

    @field_validator("fit")
    @classmethod
    def _known_fit(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return find_fit(value).name
        except UnknownFit as exc:
            raise user_error("unknown_fit", str(exc)) from None
