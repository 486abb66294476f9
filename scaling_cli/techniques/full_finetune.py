"""``full_finetune``: every weight trains, 6·N·D·epochs (Kaplan et al. 2020 §2.1; docs/DOMAIN.md §2)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from scaling_cli.engine import post_training as formulas
from scaling_cli.scenario.fields import PositiveQuantity
from scaling_cli.scenario.hardware import HardwareSpec
from scaling_cli.techniques.common import DerivativeGroup, Recorder, Technique, epochs_field, hardware_field


class FullFinetune(DerivativeGroup):
    """Every weight trains: 6·N·D·epochs (Kaplan et al. 2020 §2.1)."""

    technique: Literal["full_finetune"]
    tokens: PositiveQuantity = Field(description="Fine-tuning tokens per epoch.")
    epochs: PositiveQuantity = epochs_field()
    hardware: HardwareSpec | None = hardware_field()


def steps(group: Any, model: Any, scope: str, assumptions: Recorder) -> list[formulas.Step]:
    return formulas.full_finetune(model.n_active, group.tokens, group.epochs)


TECHNIQUE = Technique(
    name="full_finetune",
    spec=FullFinetune,
    steps=steps,
    formula="6·N·D·epochs (Kaplan et al. 2020 §2.1)",
    order=10,
)
