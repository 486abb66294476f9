"""``quantization``: post-training quantization (calibration passes only; GPTQ, Frantar et al. 2022
§4) or quantization-aware training (costed like fine-tuning; docs/DOMAIN.md §2)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from scaling_cli.engine import post_training as formulas
from scaling_cli.scenario.fields import PositiveQuantity, user_error
from scaling_cli.scenario.hardware import HardwareSpec
from scaling_cli.techniques.common import CALIBRATION_TOKENS, DerivativeGroup, Recorder, Technique, hardware_field


class Quantization(DerivativeGroup):
    """Post-training quantization (calibration only) or quantization-aware training (like fine-tuning)."""

    technique: Literal["quantization"]
    method: Literal["ptq", "qat"] = Field(description="ptq (calibration passes only) or qat (quantization-aware training).")
    calibration_tokens: PositiveQuantity | None = Field(None, description="ptq calibration tokens; default 128 × 2,048 (GPTQ).")
    training_tokens: PositiveQuantity | None = Field(None, description="qat training tokens (required for qat).")
    hardware: HardwareSpec | None = hardware_field()

    @model_validator(mode="after")
    def _method_fields(self) -> Quantization:
        if self.method == "ptq" and self.training_tokens is not None:
            raise user_error("ptq_training", "training_tokens applies to method: qat (ptq only runs calibration passes)", field="training_tokens")
        if self.method == "qat":
            if self.calibration_tokens is not None:
                raise user_error("qat_calibration", "calibration_tokens applies to method: ptq (qat trains on training_tokens)", field="calibration_tokens")
            if self.training_tokens is None:
                raise user_error("qat_tokens", "method qat needs training_tokens", field="method")
        return self


def steps(group: Any, model: Any, scope: str, assumptions: Recorder) -> list[formulas.Step]:
    if group.method == "qat":
        return formulas.qat(model.n_active, group.training_tokens)
    return formulas.ptq(model.n_active, CALIBRATION_TOKENS.unless(group.calibration_tokens, f"{scope}.calibration_tokens", assumptions))


TECHNIQUE = Technique(
    name="quantization",
    spec=Quantization,
    steps=steps,
    formula="ptq: calibration 2·N·D_cal (GPTQ); qat: 6·N·D",
    order=60,
)
