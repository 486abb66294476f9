"""``best_of_n``: best-of-n / rejection sampling as data generation: n samples per prompt from the
scenario's model, each scored by a reward model (docs/DOMAIN.md §2; Llama 3, arXiv 2407.21783 §4.2.2)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from scaling_cli.engine import post_training as formulas
from scaling_cli.scenario.fields import Fraction, NonNegativeQuantity, PositiveQuantity
from scaling_cli.scenario.hardware import HardwareSpec
from scaling_cli.techniques.common import AtLeastOne, DerivativeGroup, Recorder, Technique, always_generates, decode_mfu_field, hardware_field


class BestOfN(DerivativeGroup):
    """n samples per prompt from the scenario's model, each scored by a reward model (rejection sampling)."""

    technique: Literal["best_of_n"]
    prompts: PositiveQuantity = Field(description="Prompts sampled.")
    n: AtLeastOne = Field(description="Samples per prompt.")
    prompt_tokens: NonNegativeQuantity = Field(description="Average prompt length in tokens.")
    response_tokens: PositiveQuantity = Field(description="Average response length in tokens.")
    reward_model_params: PositiveQuantity = Field(description="Reward model that scores every sample.")
    decode_mfu: Fraction | None = decode_mfu_field()
    hardware: HardwareSpec | None = hardware_field()


def steps(group: Any, model: Any, scope: str, assumptions: Recorder) -> list[formulas.Step]:
    return formulas.best_of_n(model.n_active, group.prompts, group.n, group.prompt_tokens, group.response_tokens, group.reward_model_params)


TECHNIQUE = Technique(
    name="best_of_n",
    spec=BestOfN,
    steps=steps,
    formula="n samples per prompt at 2·N per token + reward model 2·N_R per scored token (docs/DOMAIN.md §2)",
    order=80,
    generates=always_generates,
)
