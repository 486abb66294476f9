"""``distillation``: a teacher writes and/or labels data, a student trains on it (Hinton et al. 2015;
docs/DOMAIN.md §2)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from scaling_cli.engine import post_training as formulas
from scaling_cli.scenario.ranges import central
from scaling_cli.scenario.fields import Fraction, NonNegativeQuantity, PositiveCount, PositiveQuantity, user_error
from scaling_cli.scenario.hardware import HardwareSpec
from scaling_cli.techniques.common import (
    SAMPLE_TOKENS,
    DerivativeGroup,
    ModelSize,
    Recorder,
    Technique,
    decode_mfu_field,
    epochs_field,
    hardware_field,
    model_default,
    recompute_field,
    recomputes,
    sample_tokens_field,
    sequence_length_field,
)


class Distillation(DerivativeGroup):
    """A teacher writes and/or labels data; a student trains on it (Hinton et al. 2015; docs/DOMAIN.md §2)."""

    technique: Literal["distillation"]
    student_params: PositiveQuantity = Field(description="Student parameters (per token), e.g. 8B.")
    tokens: PositiveQuantity = Field(description="Tokens the student trains on per epoch.")
    epochs: PositiveQuantity = epochs_field()
    teacher_params: PositiveQuantity | None = Field(None, description="Teacher parameters per token; default: the scenario's model.")
    teacher_generated_tokens: NonNegativeQuantity | None = Field(None, description="Tokens the teacher generates (decoded).")
    teacher_labelled_tokens: NonNegativeQuantity | None = Field(None, description="Tokens the teacher labels with a forward pass (e.g. logits for soft targets).")
    sample_tokens: PositiveQuantity | None = sample_tokens_field()
    teacher_logits: Literal["precomputed", "on_the_fly"] = Field(
        "precomputed",
        description="precomputed: the teacher labels teacher_labelled_tokens once; on_the_fly: it reads every token the student trains on, each epoch (2·N_T·D·epochs).",
    )
    recompute_activations: bool = recompute_field()
    sequence_length: PositiveCount | None = sequence_length_field()
    student_layers: PositiveCount | None = Field(None, description="The student's layers; with student_d_model and sequence_length it adds the student's attention FLOPs.")
    student_d_model: PositiveCount | None = Field(None, description="The student's attention width (heads × head dimension, usually d_model); see student_layers.")
    decode_mfu: Fraction | None = decode_mfu_field()
    hardware: HardwareSpec | None = hardware_field()

    @model_validator(mode="after")
    def _teacher_does_work(self) -> Distillation:
        if self.teacher_logits == "on_the_fly" and self.teacher_labelled_tokens is not None:
            raise user_error("teacher_work", "teacher_logits: on_the_fly labels every training token each epoch; teacher_labelled_tokens is for precomputed logits", field="teacher_labelled_tokens")
        if self.teacher_generated_tokens is None and self.teacher_labelled_tokens is None and self.teacher_logits != "on_the_fly":
            raise user_error(
                "teacher_work", "give teacher_generated_tokens (the teacher writes the data) and/or teacher_labelled_tokens (it labels it), or teacher_logits: on_the_fly"
            )
        if self.decode_mfu is not None and self.teacher_generated_tokens is None:
            raise user_error("decode_without_generation", "decode_mfu applies only with teacher_generated_tokens", field="decode_mfu")
        return self


def generates(group: Any) -> bool:
    """The teacher decodes only when it writes the data."""
    return group.teacher_generated_tokens is not None


def steps(group: Any, model: Any, scope: str, assumptions: Recorder) -> list[formulas.Step]:
    teacher = model_default(group.teacher_params, model, f"{scope}.teacher_params", assumptions)
    sample = SAMPLE_TOKENS.unless(group.sample_tokens, f"{scope}.sample_tokens", assumptions) if generates(group) else 1.0
    return formulas.distillation(
        teacher,
        group.student_params,
        group.tokens,
        group.epochs,
        group.teacher_generated_tokens,
        group.teacher_labelled_tokens,
        sample,
        getattr(group, "teacher_logits", "precomputed") == "on_the_fly",
        recomputes(group),
        student_attention(group),
    )


def student_attention(group: Any) -> Any:
    """The student's attention FLOP over every epoch's tokens, 12·L·(H·Q)·T per token
    (``formulas.fine_tuning_attention``), 0 unless its layers, width and the sequence length are given."""
    layers, width = getattr(group, "student_layers", None), getattr(group, "student_d_model", None)
    return formulas.fine_tuning_attention(layers, width, getattr(group, "sequence_length", None), group.tokens * group.epochs)


def warnings(group: Any, model: Any, size: ModelSize) -> list[str]:
    teacher = size.active if group.teacher_params is None else central(group.teacher_params)
    student = central(group.student_params)
    found = []
    if teacher is not None and student > teacher:
        found.append(f"student_params ({student:.3g}) exceeds the teacher's {teacher:.3g}; distillation usually trains a smaller student")
    if getattr(group, "sequence_length", None) is not None and None in (getattr(group, "student_layers", None), getattr(group, "student_d_model", None)):
        found.append("sequence_length counts only with student_layers and student_d_model; the student's attention FLOPs are left out")
    return found


TECHNIQUE = Technique(
    name="distillation",
    spec=Distillation,
    steps=steps,
    formula="teacher 2·N_T per generated or labelled token (on the fly: every student token, each epoch) + student 6·N_S·D·epochs, 8·N_S with recomputation, + its attention 12·L·(H·Q)·T·D·epochs when sequence_length and the student's architecture are given (docs/DOMAIN.md §2; PaLM App. B)",
    order=30,
    generates=generates,
    warnings=warnings,
)
