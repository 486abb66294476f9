"""``full_finetune``: every weight trains, 6·N·D·epochs (Kaplan et al. 2020 §2.1; docs/DOMAIN.md §2)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from scaling_cli.engine import post_training as formulas
from scaling_cli.scenario.fields import PositiveCount, PositiveQuantity
from scaling_cli.scenario.hardware import HardwareSpec
from scaling_cli.techniques.common import DerivativeGroup, Recorder, Technique, attention_flops, epochs_field, recomputes, hardware_field, recompute_field, sequence_length_field


class FullFinetune(DerivativeGroup):
    """Every weight trains: 6·N·D·epochs (Kaplan et al. 2020 §2.1)."""

    technique: Literal["full_finetune"]
    tokens: PositiveQuantity = Field(description="Fine-tuning tokens per epoch.")
    epochs: PositiveQuantity = epochs_field()
    sequence_length: PositiveCount | None = sequence_length_field()
    recompute_activations: bool = recompute_field()
    hardware: HardwareSpec | None = hardware_field()


def steps(group: Any, model: Any, scope: str, assumptions: Recorder) -> list[formulas.Step]:
    attention = attention_flops(group, model, group.tokens * group.epochs)
    return formulas.full_finetune(model.n_active, group.tokens, group.epochs, recomputes(group), attention)


TECHNIQUE = Technique(
    name="full_finetune",
    spec=FullFinetune,
    steps=steps,
    formula="6·N·D·epochs (8·N with recomputation) + attention 12·L·(H·Q)·T·D·epochs when sequence_length and the architecture are known (Kaplan et al. 2020 §2.1; PaLM App. B)",
    order=10,
)
