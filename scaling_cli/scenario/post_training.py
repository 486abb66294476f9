"""``post_training:`` — derivative-model groups (post-training law, DOMAIN.md §2).

Each group is ``{name, technique, count, ...}``. ``technique`` selects the group's fields (a
discriminated union); an unknown field is rejected with the valid ones listed. Groups adapt the
scenario's ``model`` unless they say otherwise. Formulas and their sources: ``engine/post_training.py``.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, model_validator

from scaling_cli.engine.uncertainty import central
from scaling_cli.errors import shown
from scaling_cli.scenario.fields import Fraction, NonNegativeQuantity, PositiveCount, PositiveQuantity, StrictModel, uncertain, user_error
from scaling_cli.scenario.hardware import HardwareSpec

TECHNIQUES = ("full_finetune", "lora", "distillation", "rl", "pruning", "quantization", "synthetic_data", "best_of_n")
RL_ALGORITHMS = ("ppo", "grpo", "dpo")

GroupName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
#: At least one: a sample count or a group size.
AtLeastOne = uncertain(ge=1)


def _whole_number(value: Any) -> Any:
    if isinstance(value, float) and not value.is_integer():
        raise user_error("whole_number", f"must be a whole number of models (got {value:g}); write a range {{low, high}} for an uncertain count")
    return value


#: How many derivatives a group builds: a whole number, or a range when uncertain.
DerivativeCount = Annotated[uncertain(ge=0), AfterValidator(_whole_number)]


def _hardware() -> Any:
    return Field(None, description="Accelerators for this group; unset fields come from the scenario's hardware, except its GPU count.")


def _decode_mfu() -> Any:
    return Field(
        None,
        description="Decode utilization of generation steps, as a fraction of the dense peak; default: the serving roofline (batch, KV-cache reads, bandwidth).",
    )


def _sample_tokens() -> Any:
    return Field(None, description="Mean length of one generated sample in tokens (sets the KV cache the decoder reads); default 1,024.")


def _epochs() -> Any:
    return Field(1, description="Passes over the tokens.")


def _given(model: StrictModel, name: str) -> bool:
    """True when the scenario set ``name`` to something other than null or false."""
    return name in model.model_fields_set and getattr(model, name) not in (None, False)


class DerivativeGroup(StrictModel):
    """What every group has; each technique narrows ``technique`` to its own tag and adds its fields."""

    name: GroupName = Field(description="Shown in every output.")
    technique: str = Field(description=f"One of: {', '.join(TECHNIQUES)}.")
    count: DerivativeCount = Field(1, description="Derivative models built this way (whole number, or a range {low, high}); 0 switches the group off.")

    @model_validator(mode="after")
    def _no_deadline(self) -> DerivativeGroup:
        hardware = getattr(self, "hardware", None)
        if hardware is not None and "deadline_days" in hardware.model_fields_set:
            raise user_error("group_deadline", "deadline_days sizes the pretraining cluster; give a derivative group hardware.count instead", field="hardware.deadline_days")
        return self


class FullFinetune(DerivativeGroup):
    """Every weight trains: 6·N·D·epochs (Kaplan et al. 2020 §2.1)."""

    technique: Literal["full_finetune"]
    tokens: PositiveQuantity = Field(description="Fine-tuning tokens per epoch.")
    epochs: PositiveQuantity = _epochs()
    hardware: HardwareSpec | None = _hardware()


class Lora(DerivativeGroup):
    """Low-rank adapters on a frozen base: ≈ 4·N·D·epochs (Hu et al. 2021, arXiv 2106.09685)."""

    technique: Literal["lora"]
    tokens: PositiveQuantity = Field(description="Fine-tuning tokens per epoch.")
    epochs: PositiveQuantity = _epochs()
    rank: PositiveCount | None = Field(None, description="Adapter rank r; with model.layers and d_model it adds the adapters' own 6·N_A·D.")
    hardware: HardwareSpec | None = _hardware()


class Distillation(DerivativeGroup):
    """A teacher writes and/or labels data; a student trains on it (Hinton et al. 2015; DOMAIN.md §2)."""

    technique: Literal["distillation"]
    student_params: PositiveQuantity = Field(description="Student parameters (per token), e.g. 8B.")
    tokens: PositiveQuantity = Field(description="Tokens the student trains on per epoch.")
    epochs: PositiveQuantity = _epochs()
    teacher_params: PositiveQuantity | None = Field(None, description="Teacher parameters per token; default: the scenario's model.")
    teacher_generated_tokens: NonNegativeQuantity | None = Field(None, description="Tokens the teacher generates (decoded).")
    teacher_labelled_tokens: NonNegativeQuantity | None = Field(None, description="Tokens the teacher labels with a forward pass (e.g. logits for soft targets).")
    sample_tokens: PositiveQuantity | None = _sample_tokens()
    decode_mfu: Fraction | None = _decode_mfu()
    hardware: HardwareSpec | None = _hardware()

    @model_validator(mode="after")
    def _teacher_does_work(self) -> Distillation:
        if self.teacher_generated_tokens is None and self.teacher_labelled_tokens is None:
            raise user_error("teacher_work", "give teacher_generated_tokens (the teacher writes the data) and/or teacher_labelled_tokens (it labels it)")
        if self.decode_mfu is not None and self.teacher_generated_tokens is None:
            raise user_error("decode_without_generation", "decode_mfu applies only with teacher_generated_tokens", field="decode_mfu")
        return self


#: RL fields that only some algorithms use, and why the others reject them.
_RL_ONLY = {
    "critic_params": (("ppo",), "GRPO takes advantages from its group instead of a critic (Shao et al. 2024 §4.1), and DPO has none"),
    "reward_model_params": (("ppo", "grpo"), "DPO trains on given preference pairs (Rafailov et al. 2023): nothing is scored"),
    "verifiable_rewards": (("ppo", "grpo"), "DPO trains on given preference pairs (Rafailov et al. 2023): nothing is scored"),
    "decode_mfu": (("ppo", "grpo"), "DPO trains on given preference pairs: nothing is generated"),
    "updates_per_batch": (("ppo", "grpo"), "DPO has no rollout batches; use epochs"),
}


class ReinforcementLearning(DerivativeGroup):
    """RLHF / RLAIF / RLVR: rollouts, scoring, reference and critic passes, policy training (DOMAIN.md §2)."""

    technique: Literal["rl"]
    algorithm: Literal["ppo", "grpo", "dpo"] = Field(description="ppo (with a critic), grpo (group-relative, no critic) or dpo (offline preference pairs).")
    prompts: PositiveQuantity | None = Field(None, description="Distinct prompts, each visited `epochs` times (or give prompts_per_step and steps).")
    epochs: PositiveQuantity | None = Field(None, description="Passes over `prompts`; default 1.")
    prompts_per_step: PositiveQuantity | None = Field(None, description="Prompts per RL step (with steps, instead of prompts).")
    steps: PositiveQuantity | None = Field(None, description="RL steps (with prompts_per_step).")
    samples_per_prompt: AtLeastOne | None = Field(None, description="Responses per prompt; default ppo 1, grpo 64 (DeepSeekMath), dpo 2 (a pair).")
    prompt_tokens: NonNegativeQuantity = Field(description="Average prompt length in tokens.")
    response_tokens: PositiveQuantity = Field(description="Average response length in tokens.")
    reward_model_params: PositiveQuantity | None = Field(None, description="Reward model parameters (ppo, grpo).")
    verifiable_rewards: bool = Field(False, description="Rewards checked by rules or tests (no reward model), e.g. math answers.")
    reference_model: bool = Field(True, description="Run the frozen reference policy for the KL penalty (or DPO's reference log-probabilities).")
    critic_params: PositiveQuantity | None = Field(None, description="PPO critic (value model) parameters; default: the reward model's, else the policy's.")
    updates_per_batch: PositiveQuantity | None = Field(None, description="Gradient passes over each batch of experience (PPO epochs); default 1.")
    decode_mfu: Fraction | None = _decode_mfu()
    hardware: HardwareSpec | None = _hardware()

    @model_validator(mode="after")
    def _consistent(self) -> ReinforcementLearning:
        self._check_schedule()
        for name, (algorithms, reason) in _RL_ONLY.items():
            if _given(self, name) and self.algorithm not in algorithms:
                raise user_error("algorithm_field", f"{name} does not apply to {self.algorithm}: {reason}", field=name)
        if self.algorithm != "dpo":
            if self.reward_model_params is None and not self.verifiable_rewards:
                raise user_error(
                    "reward_missing", f"{self.algorithm} needs a reward: give reward_model_params, or verifiable_rewards: true for rule-checked answers", field="algorithm"
                )
            if self.reward_model_params is not None and self.verifiable_rewards:
                raise user_error("reward_twice", "give reward_model_params or verifiable_rewards: true, not both", field="verifiable_rewards")
        if self.samples_per_prompt is not None and self.algorithm != "ppo" and central(self.samples_per_prompt) < 2:
            what = "a group needs at least 2 samples to compare" if self.algorithm == "grpo" else "a preference pair needs 2 responses"
            raise user_error("samples_too_few", f"{self.algorithm}: {what}", field="samples_per_prompt")
        return self

    def _check_schedule(self) -> None:
        if self.prompts is not None:
            for name in ("prompts_per_step", "steps"):
                if name in self.model_fields_set:
                    raise user_error("schedule_twice", "give prompts (and epochs), or prompts_per_step and steps, not both", field=name)
        elif self.prompts_per_step is None and self.steps is None:
            raise user_error("schedule_missing", "give prompts (and optionally epochs), or prompts_per_step and steps")
        else:
            if self.epochs is not None:
                raise user_error("schedule_epochs", "epochs counts passes over prompts; with steps, give prompts_per_step", field="epochs")
            for name, other in (("prompts_per_step", "steps"), ("steps", "prompts_per_step")):
                if getattr(self, name) is None:
                    raise user_error("schedule_incomplete", f"{other} needs {name}", field=other)

    @property
    def prompt_visits(self) -> Any:
        """Prompts processed over the whole run: prompts × epochs, or prompts_per_step × steps."""
        if self.prompts is not None:
            return self.prompts * (1 if self.epochs is None else self.epochs)
        return self.prompts_per_step * self.steps


class Pruning(DerivativeGroup):
    """Calibration passes, then optional retraining of the pruned model (SparseGPT; Minitron)."""

    technique: Literal["pruning"]
    target_params: PositiveQuantity = Field(description="Parameters after pruning.")
    calibration_tokens: PositiveQuantity | None = Field(None, description="Calibration tokens; default 128 × 2,048 (SparseGPT, Wanda).")
    retraining_tokens: PositiveQuantity | None = Field(None, description="Tokens to retrain the pruned model on; none by default.")
    hardware: HardwareSpec | None = _hardware()


class Quantization(DerivativeGroup):
    """Post-training quantization (calibration only) or quantization-aware training (like fine-tuning)."""

    technique: Literal["quantization"]
    method: Literal["ptq", "qat"] = Field(description="ptq (calibration passes only) or qat (quantization-aware training).")
    calibration_tokens: PositiveQuantity | None = Field(None, description="ptq calibration tokens; default 128 × 2,048 (GPTQ).")
    training_tokens: PositiveQuantity | None = Field(None, description="qat training tokens (required for qat).")
    hardware: HardwareSpec | None = _hardware()

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


class SyntheticData(DerivativeGroup):
    """A generator writes data, an optional filter or reward model reads it (DOMAIN.md §2)."""

    technique: Literal["synthetic_data"]
    generated_tokens: PositiveQuantity = Field(description="Tokens generated.")
    generator_params: PositiveQuantity | None = Field(None, description="Generator parameters per token; default: the scenario's model.")
    filter_params: PositiveQuantity | None = Field(None, description="Filter or reward model that reads every generated token; none by default.")
    sample_tokens: PositiveQuantity | None = _sample_tokens()
    decode_mfu: Fraction | None = _decode_mfu()
    hardware: HardwareSpec | None = _hardware()


class BestOfN(DerivativeGroup):
    """n samples per prompt from the scenario's model, each scored by a reward model (rejection sampling)."""

    technique: Literal["best_of_n"]
    prompts: PositiveQuantity = Field(description="Prompts sampled.")
    n: AtLeastOne = Field(description="Samples per prompt.")
    prompt_tokens: NonNegativeQuantity = Field(description="Average prompt length in tokens.")
    response_tokens: PositiveQuantity = Field(description="Average response length in tokens.")
    reward_model_params: PositiveQuantity = Field(description="Reward model that scores every sample.")
    decode_mfu: Fraction | None = _decode_mfu()
    hardware: HardwareSpec | None = _hardware()


def _known_technique(value: Any) -> Any:
    """Name the valid techniques (and the closest one) before the union tries to dispatch."""
    if not isinstance(value, dict):
        return value
    technique = value.get("technique")
    if technique is None:
        raise user_error("technique_missing", f"required key is missing; valid techniques: {', '.join(TECHNIQUES)}", field="technique")
    if technique not in TECHNIQUES:
        close = difflib.get_close_matches(str(technique), TECHNIQUES, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise user_error("unknown_technique", f"unknown technique {shown(technique)}; {hint}valid: {', '.join(TECHNIQUES)}", field="technique")
    return value


PostTrainingGroup = Annotated[
    Union[FullFinetune, Lora, Distillation, ReinforcementLearning, Pruning, Quantization, SyntheticData, BestOfN],
    Field(discriminator="technique"),
    BeforeValidator(_known_technique),
]
