"""Post-training compute, technique by technique (docs/DOMAIN.md §2).

Each technique is a list of ``Step`` records, one per distinct pass over data (a derivative model's
work, before multiplying by how many such derivatives are built). Per token: a forward pass costs
2·N FLOP, training (forward + backward) 6·N (Kaplan et al. 2020 §2.1), with N the parameters used per
token. Every value may be a float or a numpy array of Monte Carlo samples.

Not counted anywhere here: attention over the context (the 2·N rule ignores it; for reasoning-length
responses of 10K+ tokens it becomes material, docs/DOMAIN.md §3), optimizer updates, and the time a step
waits on another (pipeline bubbles between generation and training fold into the decode efficiency).
"""

from __future__ import annotations

import dataclasses

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from scaling_cli.engine.pretraining import FORWARD_FLOP_PER_PARAM_TOKEN, TRAINING_FLOP_PER_PARAM_TOKEN, attention_training_flops, dense_forward_flops
from scaling_cli.engine.types import ArrayLike

#: LoRA: frozen-base forward (2·N) + backward through the activations (2·N); the weight-gradient
#: third of the 6·N rule is skipped for frozen weights (Hu et al. 2021, arXiv 2106.09685 §4.2).
LORA_FLOP_PER_PARAM_TOKEN = 4.0
#: Attention projections LoRA adapts by default here: W_q, W_k, W_v, W_o (Hu et al. 2021 §4.2
#: limit themselves to attention weights; §7.1 compares subsets).
LORA_ADAPTED_MATRICES_PER_LAYER = 4

#: Bits per weight of a frozen base stored quantized (QLoRA: 4-bit NormalFloat; Dettmers et al. 2023,
#: arXiv 2305.14314 §3), 16 for a bf16 base. QLoRA's double quantization leaves 0.127 bits per weight
#: of quantization constants (§3, "Double Quantization"), neglected here (3% of a 4-bit base).
BF16_BITS = 16


def frozen_base_bytes_per_param(bits: float) -> float:
    """Bytes per frozen base weight held on the GPU: bits ÷ 8 (2 for bf16, 0.5 for QLoRA's NF4;
    Dettmers et al. 2023 §3). The compute does not shrink: QLoRA dequantizes each weight to bf16
    for its matmuls, so the 4·N rule stands."""
    return bits / 8


#: Activation recomputation (``recompute_activations: true``): the backward pass reruns the forward,
#: one more 2·N per token, so training costs 8·N·D instead of 6·N·D and LoRA's frozen base 6·N·D
#: instead of 4·N·D (Chen et al. 2016, arXiv 1604.06174, one extra forward; Korthikanti et al. 2022,
#: arXiv 2205.05198 §5, full recomputation).
RECOMPUTE_FLOP_PER_PARAM_TOKEN = FORWARD_FLOP_PER_PARAM_TOKEN

#: Step kinds: how the planner turns a step's FLOP into time.
TRAINING = "training"  #: forward + backward at the training MFU
FORWARD = "forward"  #: a forward pass over given tokens (scoring, labelling, calibration): compute-bound, training MFU
GENERATION = "generation"  #: autoregressive decoding: the decode efficiency (prompt prefill at the training MFU)


@dataclass(frozen=True)
class Step:
    """One pass of one derivative: ``flops`` = FLOP per token per parameter × ``params`` × ``tokens``."""

    name: str
    kind: str
    params: ArrayLike
    #: tokens the step processes (for generation: prompt tokens prefilled + tokens generated)
    tokens: ArrayLike
    flops: ArrayLike
    #: generation only: the part of ``flops`` spent prefilling prompts (compute-bound, not decode)
    prefill_flops: ArrayLike = 0.0
    #: generation only, the request stream a server sees: ``requests`` prompts of ``prompt_tokens``,
    #: each followed by ``samples`` sequences of ``sample_tokens`` decoded side by side
    requests: ArrayLike = 0.0
    prompt_tokens: ArrayLike = 0.0
    samples: ArrayLike = 1.0
    sample_tokens: ArrayLike = 0.0

    @property
    def decode_flops(self) -> ArrayLike:
        return self.flops - self.prefill_flops


def training_step(name: str, params: ArrayLike, tokens: ArrayLike, recompute: bool = False, attention: ArrayLike = 0.0) -> Step:
    """6·N·D (Kaplan et al. 2020 §2.1), 8·N·D with activation recomputation
    (``RECOMPUTE_FLOP_PER_PARAM_TOKEN``), plus ``attention`` FLOP (``fine_tuning_attention``)."""
    per_token = TRAINING_FLOP_PER_PARAM_TOKEN + (RECOMPUTE_FLOP_PER_PARAM_TOKEN if recompute else 0.0)
    return Step(name, TRAINING, params, tokens, per_token * params * tokens + attention)


def fine_tuning_attention(layers: ArrayLike | None, attention_width: ArrayLike | None, sequence_length: ArrayLike | None, tokens: ArrayLike) -> ArrayLike:
    """Attention FLOP of training on ``tokens`` in sequences of ``sequence_length``: pretraining's
    term, 12·L·(H·Q)·T per token (PaLM, Chowdhery et al. 2022 App. B; ``attention_training_flops``),
    0 unless the sequence length and the architecture are known. The backward through attention is
    needed by LoRA too (no weights, but the activations' gradients), so the same term applies."""
    if layers is None or attention_width is None or sequence_length is None:
        return 0.0
    return attention_training_flops(layers, attention_width, sequence_length, tokens)


def forward_step(name: str, params: ArrayLike, tokens: ArrayLike) -> Step:
    """2·N·D: a model reads tokens it is given (Kaplan et al. 2020 §2.1)."""
    return Step(name, FORWARD, params, tokens, dense_forward_flops(params, tokens))


def generation_step(name: str, params: ArrayLike, requests: ArrayLike, prompt_tokens: ArrayLike, samples: ArrayLike, sample_tokens: ArrayLike) -> Step:
    """``requests`` prompts, each prefilled once and followed by ``samples`` sampled sequences of
    ``sample_tokens``: 2·N per prompt token prefilled and per token generated (docs/DOMAIN.md §3). The
    stream's shape is kept so the serving roofline can time it (batch, KV-cache reads)."""
    prefill = dense_forward_flops(params, requests) * prompt_tokens
    decode = dense_forward_flops(params, requests) * samples * sample_tokens
    tokens = requests * (prompt_tokens + samples * sample_tokens)
    return Step(name, GENERATION, params, tokens, prefill + decode, prefill, requests, prompt_tokens, samples, sample_tokens)


def written_samples(name: str, params: ArrayLike, generated_tokens: ArrayLike, sample_tokens: ArrayLike) -> Step:
    """A model writing ``generated_tokens`` as samples of ``sample_tokens`` each, from no prompt."""
    return generation_step(name, params, generated_tokens / sample_tokens, 0.0, 1.0, sample_tokens)


def prompt_visits(prompts: ArrayLike | None, epochs: ArrayLike | None, prompts_per_step: ArrayLike, steps: ArrayLike) -> ArrayLike:
    """Prompts an RL run processes: ``prompts`` × ``epochs`` (default 1), or ``prompts_per_step`` ×
    ``steps`` when the run is given as a schedule (docs/DOMAIN.md §2)."""
    if prompts is not None:
        return prompts * (1 if epochs is None else epochs)
    return prompts_per_step * steps


def full_finetune(params: ArrayLike, tokens: ArrayLike, epochs: ArrayLike, recompute: bool = False, attention: ArrayLike = 0.0) -> list[Step]:
    """Every weight trains: 6·N·D·epochs (docs/DOMAIN.md §2; Kaplan et al. 2020 §2.1), 8·N·D·epochs
    with recomputation, + attention over all epochs' tokens."""
    return [training_step("training", params, tokens * epochs, recompute, attention)]


def lora_adapter_params(rank: ArrayLike, layers: ArrayLike, d_model: ArrayLike) -> ArrayLike:
    """Adapter weights r·(d_in + d_out) per adapted d×d matrix, 4 per layer: 8·r·d·L (Hu et al. 2021 §4.1)."""
    return LORA_ADAPTED_MATRICES_PER_LAYER * rank * 2 * d_model * layers


def lora(
    params: ArrayLike, tokens: ArrayLike, epochs: ArrayLike, adapter_params: ArrayLike | None = None, recompute: bool = False, attention: ArrayLike = 0.0
) -> list[Step]:
    """≈ 4·N·D·epochs for the frozen base (forward, and backward through activations only).

    The 4·N rule neglects the adapters' own 6·N_A·D (N_A/N ≈ 0.01-0.1% at ranks 8-64); with
    ``adapter_params`` (known when the rank and architecture are) it is added as a second step. It
    assumes no activation recomputation unless ``recompute`` (which adds a forward, 2·N: 6·N·D), and
    adds ``attention`` (``fine_tuning_attention``) to the base's pass. Hu et al. 2021 measure a
    ~25% speed-up on GPT-3 175B against the 33% this rule implies.
    """
    per_token = LORA_FLOP_PER_PARAM_TOKEN + (RECOMPUTE_FLOP_PER_PARAM_TOKEN if recompute else 0.0)
    steps = [Step("frozen_base", TRAINING, params, tokens * epochs, per_token * params * tokens * epochs + attention)]
    if adapter_params is not None:
        steps.append(training_step("adapters", adapter_params, tokens * epochs))
    return steps


def distillation(
    teacher_params: ArrayLike,
    student_params: ArrayLike,
    tokens: ArrayLike,
    epochs: ArrayLike,
    generated_tokens: ArrayLike | None,
    labelled_tokens: ArrayLike | None,
    sample_tokens: ArrayLike,
    on_the_fly: bool = False,
    recompute: bool = False,
    attention: ArrayLike = 0.0,
) -> list[Step]:
    """Distillation (docs/DOMAIN.md §2): the teacher writes data (2·N_T per generated token,
    decoded) and/or labels it with its output distribution (2·N_T per token, a forward pass), then the
    student trains on ``tokens`` (6·N_S·D·epochs, 8·N_S with recomputation; Hinton et al. 2015 for
    soft labels). Logits precomputed: one teacher forward over ``labelled_tokens``; ``on_the_fly``:
    the teacher reads every token the student trains on, each epoch, 2·N_T·D·epochs. ``attention``
    (``fine_tuning_attention`` of the student's architecture) is added to the student's training; the
    teacher's own attention is not counted."""
    steps = []
    if generated_tokens is not None:
        steps.append(written_samples("teacher_generation", teacher_params, generated_tokens, sample_tokens))
    if on_the_fly:
        steps.append(forward_step("teacher_logits", teacher_params, tokens * epochs))
    elif labelled_tokens is not None:
        steps.append(forward_step("teacher_labelling", teacher_params, labelled_tokens))
    steps.append(training_step("student_training", student_params, tokens * epochs, recompute, attention))
    return steps


def sampled_responses(params: ArrayLike, prompts: ArrayLike, samples: ArrayLike, prompt_tokens: ArrayLike, response_tokens: ArrayLike) -> Step:
    """``samples`` responses per prompt: each prompt is prefilled once and shared by its samples
    (prefix caching, as vLLM does for n > 1), each response decoded token by token."""
    return generation_step("rollout_generation", params, prompts, prompt_tokens, samples, response_tokens)


def rl(
    *,
    policy_params: ArrayLike,
    prompts: ArrayLike,
    samples_per_prompt: ArrayLike,
    prompt_tokens: ArrayLike,
    response_tokens: ArrayLike,
    generate: bool,
    reward_params: ArrayLike | None,
    reference: bool,
    critic_params: ArrayLike | None,
    updates_per_batch: ArrayLike,
    reward_tokens: ArrayLike | None = None,
    recompute: bool = False,
    attention: ArrayLike = 0.0,
) -> list[Step]:
    """One RL run (docs/DOMAIN.md §2), ``prompts`` = prompt visits over the whole run.

    With T = prompts × samples × (prompt + response) tokens of experience:
    - rollout generation (``generate``: PPO, GRPO): the policy decodes the responses;
    - reward scoring: a reward model reads every sequence, 2·N_R·T (none for verifiable rewards), or
      with ``reward_tokens`` (a judge reading the prompt and the final answer only) 2·N_R per
      prompt visit × samples × reward_tokens;
    - reference forward: the frozen initial policy for the KL penalty (InstructGPT §3.5; GRPO's KL
      term, Shao et al. 2024 eq. 3; DPO's reference log-probabilities, Rafailov et al. 2023 eq. 7), 2·N·T;
    - critic (PPO only): value estimates 2·N_C·T, then its training 6·N_C·T·updates;
    - policy training: 6·N·T·updates (PPO epochs per batch; InstructGPT App. C.4 uses 1), 8·N with
      activation recomputation, likewise the critic's;
    - ``attention``: the policy's attention FLOP per experience token of training (12·L·(H·Q)·T,
      ``fine_tuning_attention`` at T = prompt + response), added to its training and a third of it
      to the reference forward (the forward of fwd + 2× bwd); the critic's and reward model's own
      architectures are not known, so their attention is not counted.
    Neglected: recomputing the old policy's log-probabilities (one more 2·N·T when updates > 1).
    """
    experience = prompts * samples_per_prompt * (prompt_tokens + response_tokens)
    steps = []
    if generate:
        steps.append(sampled_responses(policy_params, prompts, samples_per_prompt, prompt_tokens, response_tokens))
    if reward_params is not None:
        read = experience if reward_tokens is None else prompts * samples_per_prompt * reward_tokens
        steps.append(forward_step("reward_scoring", reward_params, read))
    if reference:
        ref = forward_step("reference_forward", policy_params, experience)
        steps.append(dataclasses.replace(ref, flops=ref.flops + attention * experience / 3.0))
    if critic_params is not None:
        steps.append(forward_step("critic_forward", critic_params, experience))
        steps.append(training_step("critic_training", critic_params, experience * updates_per_batch, recompute))
    steps.append(training_step("policy_training", policy_params, experience * updates_per_batch, recompute, attention * experience * updates_per_batch))
    return steps


def pruning(params: ArrayLike, calibration_tokens: ArrayLike, target_params: ArrayLike, retraining_tokens: ArrayLike | None) -> list[Step]:
    """Calibration forward passes over the full model (2·N·D_cal; SparseGPT, Frantar & Alistarh 2023
    §4; Wanda, Sun et al. 2023), then retraining of the pruned model (6·N_pruned·D; Minitron,
    Muralidharan et al. 2024, arXiv 2407.14679). The pruning solve itself (per-layer Hessian work) is
    neglected."""
    steps = [forward_step("calibration", params, calibration_tokens)]
    if retraining_tokens is not None:
        steps.append(training_step("retraining", target_params, retraining_tokens))
    return steps


def ptq(params: ArrayLike, calibration_tokens: ArrayLike) -> list[Step]:
    """Post-training quantization: calibration forward passes only, 2·N·D_cal (GPTQ, Frantar et al.
    2022 §4). The per-layer rounding solve is neglected."""
    return [forward_step("calibration", params, calibration_tokens)]


def qat(params: ArrayLike, training_tokens: ArrayLike) -> list[Step]:
    """Quantization-aware training costs like fine-tuning, 6·N·D (docs/DOMAIN.md §2); fake-quantization
    ops are neglected."""
    return [training_step("qat_training", params, training_tokens)]


def synthetic_data(generator_params: ArrayLike, generated_tokens: ArrayLike, filter_params: ArrayLike | None, sample_tokens: ArrayLike) -> list[Step]:
    """Generation, 2·N_gen per generated token (decoded), plus an optional filter or reward model that
    reads every generated token, 2·N_F·D (docs/DOMAIN.md §2). Training on the data is a separate group."""
    steps = [written_samples("generation", generator_params, generated_tokens, sample_tokens)]
    if filter_params is not None:
        steps.append(forward_step("filtering", filter_params, generated_tokens))
    return steps


def best_of_n(policy_params: ArrayLike, prompts: ArrayLike, n: ArrayLike, prompt_tokens: ArrayLike, response_tokens: ArrayLike, reward_params: ArrayLike) -> list[Step]:
    """Best-of-n / rejection sampling as data generation: n samples per prompt, every one scored by a
    reward model (docs/DOMAIN.md §2; Llama 3 §4.2.2 samples 10-30 per prompt)."""
    scored = prompts * n * (prompt_tokens + response_tokens)
    return [sampled_responses(policy_params, prompts, n, prompt_tokens, response_tokens), forward_step("reward_scoring", reward_params, scored)]


def total_flops(steps: list[Step]) -> Any:
    """FLOP of one derivative: the sum of its steps."""
    return sum((step.flops for step in steps), 0.0)


# --- efficiency and the RL pipeline (issue #15; fits in docs/CALIBRATION.md §1.4) -----------------


def finetune_efficiency(params: ArrayLike, at_10b: ArrayLike, exponent: ArrayLike) -> ArrayLike:
    """Whole-job fraction of dense peak of a supervised fine-tuning job, e = e₁₀·(N / 10B)^b: a power
    law in model size fitted on published SFT jobs (s1, Alpaca; docs/CALIBRATION.md §1.4), capped at 1."""
    return np.minimum(at_10b * (params / 1e10) ** exponent, 1.0)


def weight_sync_seconds(params: ArrayLike, bytes_per_param: ArrayLike, bandwidth: ArrayLike) -> ArrayLike:
    """Seconds to send the policy's weights from trainer to inference engine once: bytes ÷ effective
    bandwidth (OpenRLHF's vLLM weight sync per PPO step, Hu et al. 2024 arXiv 2405.11143 Table 6)."""
    return params * bytes_per_param / bandwidth


def in_flight_per_replica(prompts_per_step: ArrayLike, samples: ArrayLike, rollout_gpus: ArrayLike, replica_gpus: ArrayLike) -> ArrayLike:
    """Sequences a rollout replica decodes at once in a synchronous RL step: the step's prompts ×
    samples spread over the replicas, ceil(P·S ÷ (G_rollout ÷ g)); at least 1."""
    return np.maximum(np.ceil(prompts_per_step * samples / np.maximum(rollout_gpus / replica_gpus, 1.0)), 1.0)


def split_pipeline_hours(
    generation: ArrayLike, forward: ArrayLike, training: ArrayLike, sync_seconds: ArrayLike, pools: tuple[ArrayLike, ArrayLike, ArrayLike], synchronous: bool = True
) -> dict[str, ArrayLike]:
    """A synchronous RL run on disjoint GPU pools (OpenRLHF's placement: an inference engine, the
    trained actor and critic, the scored reference and reward models; Hu et al. 2024 §3): each stage
    waits for the one before, so wall-clock = Σ stage busy GPU-hours ÷ its pool's GPUs + weight sync,
    and the bill is wall-clock × every GPU (idle = bill − busy − sync); ``pools`` = (rollout, forward, training) GPUs; the forward
    stage runs on every GPU that does not generate (its roles side by side). Asynchronous
    (``synchronous`` false; one step off-policy, as in AReaL and verl's one-step off-policy
    trainer): step t+1 generates while step t is scored and trained, so the stages overlap and
    wall-clock = max(generation ÷ rollout GPUs, scoring + training) + weight sync."""
    rollout, forward_pool, training_pool = pools
    rollout_wall, learner_wall = generation / rollout, forward / forward_pool + training / training_pool
    wall = (rollout_wall + learner_wall if synchronous else np.maximum(rollout_wall, learner_wall)) + sync_seconds / 3600.0
    billed = wall * (rollout + forward_pool)
    sync = sync_seconds / 3600.0 * (rollout + forward_pool)
    return {"wall_clock_hours": wall, "billed_gpu_hours": billed, "sync_gpu_hours": sync, "idle_gpu_hours": billed - generation - forward - training - sync}


# --- response lengths as distributions (issue #15 item 2) --------------------------------------

#: Midpoints of the quantile integral of ``expected_longest``.
ORDER_STATISTIC_POINTS = 1024


def expected_longest(quantile: Callable[[np.ndarray], np.ndarray], samples: ArrayLike, points: int = ORDER_STATISTIC_POINTS) -> ArrayLike:
    """Expected longest of ``samples`` independent lengths with quantile function Q (inverse CDF):
    E[max of n] = ∫₀¹ Q(u)·n·u^(n−1) du = ∫₀¹ Q(v^(1/n)) dv (substituting v = uⁿ; David & Nagaraja,
    "Order Statistics", 3rd ed. §2.1, the density of the largest of n), by the midpoint rule over
    ``points`` values of v. With n = 1 it is the mean, ∫₀¹ Q(u) du."""
    v = (np.arange(points) + 0.5) / points
    grid = v[:, None] ** (1.0 / np.atleast_1d(np.asarray(samples, dtype=float))[None, :])
    result = np.mean(quantile(grid), axis=0)
    return float(result[0]) if result.shape == (1,) and np.ndim(samples) == 0 else result


def capped_exponential_quantile(mean: ArrayLike, cap: ArrayLike) -> Callable[[np.ndarray], np.ndarray]:
    """Q(u) = min(−μ·ln(1 − u), M): lengths exponential with mean μ (the largest-entropy distribution
    on [0, ∞) with that mean; Jaynes 1957), cut at the maximum M, as generation stops there."""
    return lambda u: np.minimum(-mean * np.log1p(-u), cap)


def rollout_tail_share(mean: ArrayLike, longest: ArrayLike, batch: ArrayLike, queue: ArrayLike) -> ArrayLike:
    """Extra decode time of a synchronous RL step for waiting on its longest sample, as a share of
    its decode time at the mean length: a replica decodes ``queue`` sequences ``batch`` at a time,
    busy for (queue ÷ batch)·μ iterations if every sample had the mean length μ, and the step ends
    when the last batch's longest finishes, E[max] − μ iterations later (decode step time taken as
    constant while the batch drains, an upper bound): (E[max] ÷ μ − 1) × min(1, batch ÷ queue)."""
    return np.maximum(longest / mean - 1.0, 0.0) * np.minimum(batch / queue, 1.0)
