"""``rl``: RLHF / RLAIF / RLVR with PPO, GRPO or DPO (docs/DOMAIN.md §2): rollouts, scoring, reference
and critic passes, policy training. InstructGPT (Ouyang et al. 2022 §3.5, App. C.4); GRPO (Shao et
al. 2024, DeepSeekMath §4.1-4.2); DPO (Rafailov et al. 2023)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from scaling_cli.engine import post_training as formulas
from scaling_cli.scenario.ranges import Range, central
from scaling_cli.scenario.fields import Fraction, NonNegativeQuantity, PositiveQuantity, StrictModel, user_error
from scaling_cli.scenario.hardware import HardwareSpec
from scaling_cli.techniques.common import AtLeastOne, Default, DerivativeGroup, Recorder, Technique, decode_mfu_field, hardware_field, model_attention_layers, recompute_field, recomputes

ALGORITHMS = ("ppo", "grpo", "dpo")

#: Responses per prompt when the group does not say.
SAMPLES_PER_PROMPT = {
    "ppo": Default(1, "responses", "PPO samples one response per prompt per episode (InstructGPT, Ouyang et al. 2022 App. C.4)", "post_training[].samples_per_prompt (ppo)"),
    "grpo": Default(64, "responses", "GRPO group size: 64 outputs per question (DeepSeekMath, Shao et al. 2024 §4.2)", "post_training[].samples_per_prompt (grpo)"),
    "dpo": Default(2, "responses", "a chosen and a rejected response per prompt (DPO, Rafailov et al. 2023 §4)", "post_training[].samples_per_prompt (dpo)"),
}
#: Final-answer length a judge reads with ``reward_reads: answer``.
ANSWER_TOKENS = Default(
    689,
    "tokens",
    "DeepSeek-R1's final summaries average 689 tokens on ArenaHard (DeepSeek-AI 2025, arXiv 2501.12948): the answer after the reasoning",
    "post_training[].answer_tokens",
)
#: DeepSpeed-Chat's generate micro-batch per GPU (Hybrid Engine) when the group gives none.
GENERATION_BATCH_PER_GPU = Default(
    16,
    "prompts",
    "DeepSpeed-Chat step 3 main.py --per_device_train_batch_size default 16, 'Batch size (per device) for the training dataloader and "
    "generation purpose' (microsoft/DeepSpeedExamples applications/DeepSpeed-Chat/training/step3_rlhf_finetuning/main.py @ 0079e59d)",
    "post_training[].generation_batch_per_gpu",
)
CRITIC_SOURCE = "PPO's value model is initialized from the reward model (InstructGPT, Ouyang et al. 2022 §3.5), else from the policy"
#: For the table of defaults (``_critic`` resolves it per group).
CRITIC_PARAMS = Default("the reward model's size, else the policy's", "params", CRITIC_SOURCE, "post_training[].critic_params")

#: RL fields that only some algorithms use, and why the others reject them.
_RL_ONLY = {
    "critic_params": (("ppo",), "GRPO takes advantages from its group instead of a critic (Shao et al. 2024 §4.1), and DPO has none"),
    "reward_model_params": (("ppo", "grpo"), "DPO trains on given preference pairs (Rafailov et al. 2023): nothing is scored"),
    "verifiable_rewards": (("ppo", "grpo"), "DPO trains on given preference pairs (Rafailov et al. 2023): nothing is scored"),
    "decode_mfu": (("ppo", "grpo"), "DPO trains on given preference pairs: nothing is generated"),
    "updates_per_batch": (("ppo", "grpo"), "DPO has no rollout batches; use epochs"),
    "rollout_batch": (("ppo", "grpo"), "DPO trains on given preference pairs: nothing is generated"),
    "max_response_tokens": (("ppo", "grpo"), "DPO trains on given preference pairs: nothing is generated"),
    "reward": (("ppo", "grpo"), "DPO trains on given preference pairs (Rafailov et al. 2023): nothing is scored"),
    "reward_reads": (("ppo", "grpo"), "DPO trains on given preference pairs (Rafailov et al. 2023): nothing is scored"),
    "synchronous": (("ppo", "grpo"), "DPO has no rollouts to overlap with training"),
    "rollout_engine": (("ppo", "grpo"), "DPO trains on given preference pairs: nothing is generated"),
    "generation_batch_per_gpu": (("ppo", "grpo"), "DPO trains on given preference pairs: nothing is generated"),
    "inference_tp": (("ppo", "grpo"), "DPO trains on given preference pairs: nothing is generated"),
}
#: Fields of the Hybrid Engine only.
_HYBRID_ONLY = ("generation_batch_per_gpu", "inference_tp", "offload")


@dataclass(frozen=True)
class ResponseLengths:
    """``response_tokens`` given as a range: the distribution of one sampled response's length (its
    ``dist``), not an uncertain mean. Kept whole through ``scenario.inputs.freeze`` (it is not a
    ``Range``), so the mean and the expected longest of a batch come from the same distribution."""

    spread: Range

    def quantile(self, cap: Any = None) -> Callable[[np.ndarray], np.ndarray]:
        """The inverse CDF (``Range.draw`` on the given uniforms), cut at ``cap`` when one is given."""
        spread = self.spread

        def inverse(u: np.ndarray) -> np.ndarray:
            lengths = np.asarray(spread.draw(_Uniforms(u), "response_tokens"), dtype=float)
            return lengths if cap is None else np.minimum(lengths, cap)

        return inverse


class _Uniforms:
    """The sampler interface ``Range.draw`` reads (``uniform(key)``), answering with fixed uniforms."""

    def __init__(self, values: np.ndarray) -> None:
        self._values = values

    def uniform(self, key: str) -> np.ndarray:
        return self._values


def _given(model: StrictModel, name: str) -> bool:
    """True when the scenario set ``name`` to something other than null or false."""
    return name in model.model_fields_set and getattr(model, name) not in (None, False)


class RewardCurve(StrictModel):
    """Reward against RL compute, R(C) − R₀ = (A − R₀) / (1 + (C_mid / C)^B) (Khatri et al. 2025, arXiv
    2510.13786 Eq. 1), fitted by the user on the first part of a run (``engine/rl_returns.py``)."""

    baseline: float = Field(description="R₀: the reward (e.g. pass rate) before RL.")
    asymptote: float = Field(description="A: the reward the recipe saturates at.")
    midpoint_gpu_hours: PositiveQuantity = Field(description="C_mid: RL GPU-hours at which half the gain A − R₀ is reached.")
    exponent: PositiveQuantity = Field(description="B: how sharply the reward rises around C_mid.")

    @model_validator(mode="after")
    def _rises(self) -> RewardCurve:
        if not self.asymptote > self.baseline:
            raise user_error("reward_curve_flat", f"asymptote ({self.asymptote:g}) must exceed baseline ({self.baseline:g})", field="asymptote")
        return self


class ReinforcementLearning(DerivativeGroup):
    """RLHF / RLAIF / RLVR: rollouts, scoring, reference and critic passes, policy training (docs/DOMAIN.md §2)."""

    technique: Literal["rl"]
    algorithm: Literal["ppo", "grpo", "dpo"] = Field(description="ppo (with a critic), grpo (group-relative, no critic) or dpo (offline preference pairs).")
    prompts: PositiveQuantity | None = Field(None, description="Distinct prompts, each visited `epochs` times (or give prompts_per_step and steps).")
    epochs: PositiveQuantity | None = Field(None, description="Passes over `prompts`; default 1.")
    prompts_per_step: PositiveQuantity | None = Field(None, description="Prompts per RL step (with steps, instead of prompts).")
    steps: PositiveQuantity | None = Field(None, description="RL steps (with prompts_per_step).")
    samples_per_prompt: AtLeastOne | None = Field(None, description="Responses per prompt; default ppo 1, grpo 64 (DeepSeekMath), dpo 2 (a pair).")
    prompt_tokens: NonNegativeQuantity = Field(description="Average prompt length in tokens.")
    response_tokens: PositiveQuantity = Field(
        description="Mean response length in tokens, or a range {low, high, dist, mode}: the distribution of one response's length "
        "(generation GPU-hours count its mean; a synchronous step waits for the expected longest of its samples)."
    )
    max_response_tokens: PositiveQuantity | None = Field(
        None, description="Longest response generation allows; with a mean response_tokens, lengths are taken as exponential cut at it (ppo, grpo)."
    )
    reward_model_params: PositiveQuantity | None = Field(None, description="Reward model parameters (ppo, grpo).")
    verifiable_rewards: bool = Field(False, description="Rewards checked by rules or tests (no reward model), e.g. math answers; the same as reward: verifiable.")
    reward: Literal["model", "verifiable"] | None = Field(
        None, description="model: a reward model or judge of reward_model_params scores each sample; verifiable: rule-based checks at ~zero GPU cost (ppo, grpo)."
    )
    reward_reads: Literal["full", "answer"] = Field(
        "full", description="What the reward model reads: full (prompt + whole response) or answer (prompt + the final answer of answer_tokens only)."
    )
    answer_tokens: PositiveQuantity | None = Field(None, description="reward_reads: answer: tokens of the final answer the judge reads; default 689 (DeepSeek-R1's summaries).")
    reference_model: bool = Field(True, description="Run the frozen reference policy for the KL penalty (or DPO's reference log-probabilities).")
    critic_params: PositiveQuantity | None = Field(None, description="PPO critic (value model) parameters; default: the reward model's, else the policy's.")
    updates_per_batch: PositiveQuantity | None = Field(None, description="Gradient passes over each batch of experience (PPO epochs); default 1.")
    decode_mfu: Fraction | None = decode_mfu_field()
    placement: Literal["colocated", "split"] = Field(
        "colocated",
        description="colocated: every role time-shares the group's GPUs (the bill is their busy time); split: an inference engine, "
        "trainers and scorers on disjoint GPUs, each stage waiting for the last (the bill is wall-clock × every GPU, idle time shown).",
    )
    rollout_gpus: PositiveQuantity | None = Field(None, description="split: GPUs of the inference engine; default a quarter of hardware.count (OpenRLHF).")
    training_gpus: PositiveQuantity | None = Field(None, description="split: GPUs that train (actor + critic); default two thirds of those that do not generate (OpenRLHF).")
    rollout_batch: PositiveQuantity | None = Field(
        None, description="Sequences one rollout replica decodes at once (e.g. the framework's rollout micro-batch); default: prompts_per_step × samples spread over the replicas."
    )
    synchronous: bool = Field(
        True,
        description="false: step t+1 generates while step t trains (one step off-policy; placement: split): a step takes max(generation, scoring + training) instead of their sum.",
    )
    rollout_engine: Literal["serving", "hybrid_engine"] = Field(
        "serving",
        description="What generates the rollouts: serving (a dedicated inference engine such as vLLM, timed on the serving roofline at the batch in flight) "
        "or hybrid_engine (DeepSpeed-Chat: the trained actor, its ZeRO-3 shards gathered before each generate call, each GPU decoding its own "
        "micro-batch beside the resident training states; placement: colocated).",
    )
    generation_batch_per_gpu: PositiveQuantity | None = Field(
        None, description="hybrid_engine: prompts each GPU generates per call (DeepSpeed-Chat --per_device_train_batch_size); default 16, at most its share of a step."
    )
    inference_tp: AtLeastOne | None = Field(
        None, description="hybrid_engine: tensor-parallel GPUs per generating replica (DeepSpeed-Chat --inference_tp_size); default the smallest that holds the weights (1 when they fit)."
    )
    offload: bool = Field(
        False, description="hybrid_engine: optimizer states and the reference and reward models kept in CPU memory (ZeRO-Offload, --offload_reference_model): more room for the KV cache."
    )
    recompute_activations: bool = recompute_field()
    reward_curve: RewardCurve | None = Field(None, description="Reward against RL GPU-hours per model (Khatri et al. 2025): the plan reports expected_reward.")
    target_reward: float | None = Field(None, description="With reward_curve: the reward wanted; the plan reports the GPU-hours and steps it needs.")
    hardware: HardwareSpec | None = hardware_field()

    @field_validator("response_tokens", mode="after")
    @classmethod
    def _lengths(cls, value: Any) -> Any:
        """A range is the length distribution of one response (kept whole), not an uncertain mean."""
        return ResponseLengths(value) if isinstance(value, Range) else value

    @model_validator(mode="after")
    def _consistent(self) -> ReinforcementLearning:
        if self.target_reward is not None and self.reward_curve is None:
            raise user_error("target_reward_without_curve", "target_reward needs reward_curve (how reward grows with RL compute)", field="target_reward")
        if self.target_reward is not None and self.reward_curve is not None and self.target_reward >= self.reward_curve.asymptote:
            raise user_error(
                "target_reward_unreachable", f"target_reward {self.target_reward:g} is at or beyond the curve's asymptote {self.reward_curve.asymptote:g}: no RL compute reaches it", field="target_reward"
            )
        self._check_schedule()
        self._check_lengths()
        self._check_placement()
        for name, (algorithms, reason) in _RL_ONLY.items():
            if _given(self, name) and self.algorithm not in algorithms:
                raise user_error("algorithm_field", f"{name} does not apply to {self.algorithm}: {reason}", field=name)
        self._check_reward()
        if self.algorithm != "dpo":
            if self.reward_model_params is None and not self.verifiable_rewards and self.reward != "verifiable":
                raise user_error(
                    "reward_missing", f"{self.algorithm} needs a reward: give reward_model_params, or verifiable_rewards: true for rule-checked answers", field="algorithm"
                )
            if self.reward_model_params is not None and (self.verifiable_rewards or self.reward == "verifiable"):
                raise user_error("reward_twice", "give reward_model_params or verifiable_rewards: true, not both", field="verifiable_rewards")
        if self.samples_per_prompt is not None and self.algorithm != "ppo" and central(self.samples_per_prompt) < 2:
            what = "a group needs at least 2 samples to compare" if self.algorithm == "grpo" else "a preference pair needs 2 responses"
            raise user_error("samples_too_few", f"{self.algorithm}: {what}", field="samples_per_prompt")
        return self

    def _check_reward(self) -> None:
        if self.reward == "model" and self.reward_model_params is None:
            raise user_error("reward_missing", "reward: model needs reward_model_params (the judge's size)", field="reward")
        if self.reward == "model" and self.verifiable_rewards:
            raise user_error("reward_twice", "reward: model contradicts verifiable_rewards: true", field="reward")
        if _given(self, "answer_tokens") and self.reward_reads != "answer":
            raise user_error("answer_tokens", "answer_tokens applies to reward_reads: answer", field="answer_tokens")
        if self.reward_reads == "answer" and self.reward_model_params is None and self.algorithm != "dpo":
            raise user_error("reward_reads", "reward_reads applies to a reward model (reward_model_params); verifiable rewards read nothing on the GPU", field="reward_reads")
        if self.rollout_engine == "hybrid_engine" and self.placement != "colocated":
            raise user_error("rollout_engine", "rollout_engine: hybrid_engine generates with the trained actor on every GPU: it needs placement: colocated", field="rollout_engine")
        if self.rollout_engine == "hybrid_engine" and (self.hardware is None or self.hardware.count is None):
            raise user_error("hybrid_needs_count", "rollout_engine: hybrid_engine needs the group's hardware.count (its ZeRO-3 shards are gathered over them)", field="rollout_engine")
        if self.rollout_engine == "hybrid_engine" and _given(self, "rollout_batch"):
            raise user_error("rollout_engine", "rollout_batch applies to rollout_engine: serving; the Hybrid Engine's batch is generation_batch_per_gpu", field="rollout_batch")
        if self.inference_tp is not None and central(self.inference_tp) != int(central(self.inference_tp)):
            raise user_error("inference_tp", f"inference_tp is a whole number of GPUs (got {central(self.inference_tp):g})", field="inference_tp")
        for name in _HYBRID_ONLY:
            if _given(self, name) and self.rollout_engine != "hybrid_engine":
                raise user_error("rollout_engine", f"{name} applies to rollout_engine: hybrid_engine", field=name)
        if not self.synchronous and self.placement != "split":
            raise user_error("synchronous", "synchronous: false overlaps generation and training on disjoint GPUs: it needs placement: split", field="synchronous")

    def _check_lengths(self) -> None:
        if self.max_response_tokens is None:
            return
        lengths = self.response_tokens
        shortest = lengths.spread.low if isinstance(lengths, ResponseLengths) else central(lengths)
        if central(self.max_response_tokens) < shortest:
            raise user_error("max_below_mean", f"max_response_tokens ({central(self.max_response_tokens):g}) is below the response length ({shortest:g})", field="max_response_tokens")

    def _check_placement(self) -> None:
        for name in ("rollout_gpus", "training_gpus"):
            if _given(self, name) and self.placement != "split":
                raise user_error("placement_field", f"{name} applies to placement: split", field=name)
        if self.placement == "split" and (self.hardware is None or self.hardware.count is None):
            raise user_error("split_needs_count", "placement: split needs the group's hardware.count (its GPUs are divided among roles)", field="placement")
        if self.placement == "split" and self.algorithm == "dpo":
            raise user_error("algorithm_field", "placement: split does not apply to dpo: nothing is generated", field="placement")

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


def generates(group: Any) -> bool:
    """PPO and GRPO decode rollouts; DPO trains on given pairs."""
    return group.algorithm != "dpo"


def _critic(group: Any, policy: Any, scope: str, assumptions: Recorder) -> Any:
    """PPO's value model: as given, else the reward model's size, else the policy's; none otherwise."""
    if group.algorithm != "ppo":
        return None
    fallback = group.reward_model_params if group.reward_model_params is not None else policy
    return Default(fallback, "params", CRITIC_SOURCE).unless(group.critic_params, f"{scope}.critic_params", assumptions)


def response_quantile(group: Any) -> Callable[[np.ndarray], np.ndarray] | None:
    """The inverse CDF of one response's length: the given range (cut at max_response_tokens), or
    with a mean and a maximum an exponential cut at it; ``None`` for one fixed length."""
    lengths = group.response_tokens
    if isinstance(lengths, ResponseLengths):
        return lengths.quantile(getattr(group, "max_response_tokens", None))
    if getattr(group, "max_response_tokens", None) is not None:
        return formulas.capped_exponential_quantile(lengths, group.max_response_tokens)
    return None


def mean_response_tokens(group: Any) -> Any:
    """The mean length the generation GPU-seconds count: the distribution's mean (E[max of 1]) for
    a range, else the stated mean."""
    lengths = group.response_tokens
    return formulas.expected_longest(response_quantile(group), 1) if isinstance(lengths, ResponseLengths) else lengths


def steps(group: Any, model: Any, scope: str, assumptions: Recorder) -> list[formulas.Step]:
    policy = model.n_active
    return formulas.rl(
        policy_params=policy,
        prompts=formulas.prompt_visits(group.prompts, group.epochs, group.prompts_per_step, group.steps),
        samples_per_prompt=SAMPLES_PER_PROMPT[group.algorithm].unless(group.samples_per_prompt, f"{scope}.samples_per_prompt", assumptions),
        prompt_tokens=group.prompt_tokens,
        response_tokens=mean_response_tokens(group),
        generate=generates(group),
        reward_params=group.reward_model_params,
        reference=group.reference_model,
        critic_params=_critic(group, policy, scope, assumptions),
        updates_per_batch=1 if group.updates_per_batch is None else group.updates_per_batch,
        reward_tokens=_reward_tokens(group, scope, assumptions),
        recompute=recomputes(group),
        attention=_policy_attention(model, group.prompt_tokens + mean_response_tokens(group)),
    )


def _policy_attention(model: Any, sequence: Any) -> Any:
    """The policy's attention FLOP per trained token over a ``sequence`` of prompt + response."""
    return formulas.fine_tuning_attention(model_attention_layers(model, sequence), getattr(model, "attention_width", None), sequence, 1.0)


def _reward_tokens(group: Any, scope: str, assumptions: Recorder) -> Any:
    """Tokens a judge reads per sample with ``reward_reads: answer``: the prompt and the final
    answer; ``None`` (the whole sequence) otherwise."""
    if getattr(group, "reward_reads", "full") != "answer" or group.reward_model_params is None:
        return None
    return group.prompt_tokens + ANSWER_TOKENS.unless(getattr(group, "answer_tokens", None), f"{scope}.answer_tokens", assumptions)


TECHNIQUE = Technique(
    name="rl",
    spec=ReinforcementLearning,
    steps=steps,
    formula="rollouts 2·N + reward 2·N_R + reference 2·N + critic (2+6·U)·N_C + policy 6·N·U per experience token (docs/DOMAIN.md §2)",
    order=40,
    generates=generates,
)
