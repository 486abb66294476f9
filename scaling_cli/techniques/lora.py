"""``lora``: low-rank adapters on a frozen base, ≈ 4·N·D·epochs, plus the adapters' own 6·N_A·D when
the rank and architecture are known (Hu et al. 2021, arXiv 2106.09685 §4; docs/DOMAIN.md §2)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from scaling_cli.engine import post_training as formulas
from scaling_cli.scenario.fields import PositiveCount, PositiveQuantity
from scaling_cli.scenario.hardware import HardwareSpec
from scaling_cli.techniques.common import (
    DerivativeGroup,
    ModelSize,
    Recorder,
    Technique,
    attention_flops,
    epochs_field,
    hardware_field,
    recompute_field,
    recomputes,
    sequence_length_field,
)


class Lora(DerivativeGroup):
    """Low-rank adapters on a frozen base: ≈ 4·N·D·epochs (Hu et al. 2021, arXiv 2106.09685)."""

    technique: Literal["lora"]
    tokens: PositiveQuantity = Field(description="Fine-tuning tokens per epoch.")
    epochs: PositiveQuantity = epochs_field()
    rank: PositiveCount | None = Field(None, description="Adapter rank r; with model.layers and d_model it adds the adapters' own 6·N_A·D.")
    sequence_length: PositiveCount | None = sequence_length_field()
    recompute_activations: bool = recompute_field()
    base_bits: Literal[4, 8, 16] = Field(
        16, description="Bits per weight of the frozen base in GPU memory: 16 (bf16), 8, or 4 (QLoRA's NF4; Dettmers et al. 2023). Sets the memory check; the FLOPs stay 4·N·D."
    )
    hardware: HardwareSpec | None = hardware_field()


def _adapters_known(group: Any, model: Any) -> bool:
    """The adapters' size needs the rank and the architecture (Hu et al. 2021 §4.1)."""
    return group.rank is not None and model.layers is not None and model.d_model is not None


def steps(group: Any, model: Any, scope: str, assumptions: Recorder) -> list[formulas.Step]:
    adapters = formulas.lora_adapter_params(group.rank, model.layers, model.d_model) if _adapters_known(group, model) else None
    attention = attention_flops(group, model, group.tokens * group.epochs)
    return formulas.lora(model.n_active, group.tokens, group.epochs, adapters, recomputes(group), attention)


def warnings(group: Any, model: Any, size: ModelSize) -> list[str]:
    if group.rank is not None and not _adapters_known(group, model):
        return ["rank counts only with model.layers and model.d_model; the adapters' own FLOPs (≪1%) are left out"]
    return []


TECHNIQUE = Technique(
    name="lora",
    spec=Lora,
    steps=steps,
    formula="4·N·D·epochs frozen base, + 6·N_A·D adapters when rank and architecture are known (Hu et al. 2021)",
    order=20,
    warnings=warnings,
)
