"""``pruning``: calibration passes over the full model, then optional retraining of the pruned one
(SparseGPT, Frantar & Alistarh 2023 §4; Wanda, Sun et al. 2023; Minitron, Muralidharan et al. 2024)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from scaling_cli.engine import post_training as formulas
from scaling_cli.scenario.ranges import central
from scaling_cli.scenario.fields import PositiveQuantity
from scaling_cli.scenario.hardware import HardwareSpec
from scaling_cli.techniques.common import CALIBRATION_TOKENS, DerivativeGroup, ModelSize, Recorder, Technique, hardware_field


class Pruning(DerivativeGroup):
    """Calibration passes, then optional retraining of the pruned model (SparseGPT; Minitron)."""

    technique: Literal["pruning"]
    target_params: PositiveQuantity = Field(description="Parameters after pruning.")
    calibration_tokens: PositiveQuantity | None = Field(None, description="Calibration tokens; default 128 × 2,048 (SparseGPT, Wanda).")
    retraining_tokens: PositiveQuantity | None = Field(None, description="Tokens to retrain the pruned model on; none by default.")
    hardware: HardwareSpec | None = hardware_field()


def steps(group: Any, model: Any, scope: str, assumptions: Recorder) -> list[formulas.Step]:
    calibration = CALIBRATION_TOKENS.unless(group.calibration_tokens, f"{scope}.calibration_tokens", assumptions)
    return formulas.pruning(model.n_active, calibration, group.target_params, group.retraining_tokens)


def warnings(group: Any, model: Any, size: ModelSize) -> list[str]:
    target = central(group.target_params)
    if size.total is not None and target >= size.total:
        return [f"target_params ({target:.3g}) is not below the model's {size.total:.3g} parameters; pruning removes parameters"]
    return []


TECHNIQUE = Technique(
    name="pruning",
    spec=Pruning,
    steps=steps,
    formula="calibration 2·N·D_cal + retraining 6·N_pruned·D (SparseGPT; Minitron)",
    order=50,
    warnings=warnings,
)
