"""``synthetic_data``: a generator writes data and an optional filter or reward model reads it
(docs/DOMAIN.md §2); training on the data is a separate group."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from scaling_cli.engine import post_training as formulas
from scaling_cli.scenario.fields import Fraction, PositiveQuantity
from scaling_cli.scenario.hardware import HardwareSpec
from scaling_cli.techniques.common import (
    SAMPLE_TOKENS,
    DerivativeGroup,
    Recorder,
    Technique,
    always_generates,
    decode_mfu_field,
    hardware_field,
    model_default,
    sample_tokens_field,
)


class SyntheticData(DerivativeGroup):
    """A generator writes data, an optional filter or reward model reads it (docs/DOMAIN.md §2)."""

    technique: Literal["synthetic_data"]
    generated_tokens: PositiveQuantity = Field(description="Tokens generated.")
    generator_params: PositiveQuantity | None = Field(None, description="Generator parameters per token; default: the scenario's model.")
    filter_params: PositiveQuantity | None = Field(None, description="Filter or reward model that reads every generated token; none by default.")
    sample_tokens: PositiveQuantity | None = sample_tokens_field()
    decode_mfu: Fraction | None = decode_mfu_field()
    hardware: HardwareSpec | None = hardware_field()


def steps(group: Any, model: Any, scope: str, assumptions: Recorder) -> list[formulas.Step]:
    generator = model_default(group.generator_params, model, f"{scope}.generator_params", assumptions)
    sample = SAMPLE_TOKENS.unless(group.sample_tokens, f"{scope}.sample_tokens", assumptions)
    return formulas.synthetic_data(generator, group.generated_tokens, group.filter_params, sample)


TECHNIQUE = Technique(
    name="synthetic_data",
    spec=SyntheticData,
    steps=steps,
    formula="generation 2·N_gen per token + filter 2·N_F per token (docs/DOMAIN.md §2)",
    order=70,
    generates=always_generates,
)
