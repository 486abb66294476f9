"""Post-training formulas by hand, technique by technique (docs/DOMAIN.md §2), and their properties.

Conventions the hand calculations use: forward 2·N FLOP per token, training 6·N (Kaplan et al. 2020
§2.1); LoRA 4·N (frozen-base forward + activation backward, Hu et al. 2021); generation 2·N per
prompt token prefilled and per token decoded.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaling_cli.engine import post_training as pt

N = 7e9  # the model being adapted (7B)


def by_name(steps):
    return {step.name: step for step in steps}


def rl_steps(**inputs):
    """An RL run of the 7B policy; defaults: rollouts generated, reference on, no reward model or critic, U = 1."""
    defaults = dict(policy_params=N, generate=True, reward_params=None, reference=True, critic_params=None, updates_per_batch=1)
    return by_name(pt.rl(**{**defaults, **inputs}))


def test_full_finetune():
    # 6 · 7e9 params · 1e9 tokens · 3 epochs = 42e9 · 3e9 = 1.26e20
    steps = pt.full_finetune(N, 1e9, 3)
    assert [s.name for s in steps] == ["training"]
    assert steps[0].flops == pytest.approx(1.26e20)
    assert steps[0].tokens == 3e9


def test_lora_without_rank_is_four_n_d():
    # 4 · 7e9 · 1e9 · 3 = 8.4e19 (2/3 of the full fine-tune's 1.26e20)
    steps = pt.lora(N, 1e9, 3)
    assert pt.total_flops(steps) == pytest.approx(8.4e19)


def test_lora_adapters_add_six_n_adapter_d():
    # Adapters on W_q, W_k, W_v, W_o of a 32-layer, d_model 4096 model at rank 16:
    # each d×d matrix gets r·(d + d) = 16 · 8192 = 131,072 weights; × 4 matrices × 32 layers = 16,777,216.
    adapters = pt.lora_adapter_params(16, 32, 4096)
    assert adapters == 16_777_216
    # Their own training: 6 · 16,777,216 · 3e9 tokens = 3.0199e17, on top of 4·N·D = 8.4e19.
    steps = by_name(pt.lora(N, 1e9, 3, adapters))
    assert steps["adapters"].flops == pytest.approx(6 * 16_777_216 * 3e9)
    assert pt.total_flops(steps.values()) == pytest.approx(8.4e19 + 3.0199e17, rel=1e-4)


def test_distillation_teacher_generates_and_labels_then_student_trains():
    # Teacher 70B, student 8B on 100B tokens; the teacher writes 10B tokens and labels 100B.
    steps = by_name(pt.distillation(70e9, 8e9, 100e9, 1, generated_tokens=10e9, labelled_tokens=100e9, sample_tokens=1024))
    assert steps["teacher_generation"].kind == pt.GENERATION
    assert steps["teacher_generation"].flops == pytest.approx(1.4e21)  # 2 · 70e9 · 10e9
    assert steps["teacher_generation"].prefill_flops == 0
    assert steps["teacher_labelling"].kind == pt.FORWARD
    assert steps["teacher_labelling"].flops == pytest.approx(1.4e22)  # 2 · 70e9 · 100e9
    assert steps["student_training"].flops == pytest.approx(4.8e21)  # 6 · 8e9 · 100e9
    assert pt.total_flops(steps.values()) == pytest.approx(2.02e22)


def test_distillation_without_generation_has_no_generation_step():
    steps = pt.distillation(70e9, 8e9, 100e9, 2, generated_tokens=None, labelled_tokens=100e9, sample_tokens=1024)
    assert [s.name for s in steps] == ["teacher_labelling", "student_training"]
    assert steps[1].flops == pytest.approx(6 * 8e9 * 200e9)  # 2 epochs


def test_ppo_every_step_by_hand():
    # 10,000 prompts × 2 epochs = 20,000 visits, 1 sample each, 200-token prompts, 300-token responses.
    # Experience T = 20,000 · 1 · (200 + 300) = 1e7 tokens. Reward model and critic 1B, reference on.
    steps = rl_steps(prompts=20_000, samples_per_prompt=1, prompt_tokens=200, response_tokens=300, reward_params=1e9, critic_params=1e9)
    rollout = steps["rollout_generation"]
    assert rollout.prefill_flops == pytest.approx(5.6e16)  # 2 · 7e9 · (20,000 · 200 = 4e6)
    assert rollout.decode_flops == pytest.approx(8.4e16)  # 2 · 7e9 · (20,000 · 300 = 6e6)
    assert steps["reward_scoring"].flops == pytest.approx(2e16)  # 2 · 1e9 · 1e7
    assert steps["reference_forward"].flops == pytest.approx(1.4e17)  # 2 · 7e9 · 1e7
    assert steps["critic_forward"].flops == pytest.approx(2e16)  # 2 · 1e9 · 1e7
    assert steps["critic_training"].flops == pytest.approx(6e16)  # 6 · 1e9 · 1e7
    assert steps["policy_training"].flops == pytest.approx(4.2e17)  # 6 · 7e9 · 1e7
    # 1.4e17 + 2e16 + 1.4e17 + 2e16 + 6e16 + 4.2e17 = 8.0e17
    assert pt.total_flops(steps.values()) == pytest.approx(8.0e17)


def test_grpo_verifiable_without_reference():
    # 64 prompts/step × 100 steps = 6,400 visits, group of 8, 100-token prompts, 1,000-token responses.
    steps = rl_steps(prompts=6_400, samples_per_prompt=8, prompt_tokens=100, response_tokens=1000, reference=False)
    assert set(steps) == {"rollout_generation", "policy_training"}
    # prefill once per prompt: 2 · 7e9 · 640,000 = 8.96e15; decode 2 · 7e9 · (6,400 · 8 · 1,000) = 7.168e17
    assert steps["rollout_generation"].prefill_flops == pytest.approx(8.96e15)
    assert steps["rollout_generation"].flops == pytest.approx(8.96e15 + 7.168e17)
    # T = 6,400 · 8 · 1,100 = 56,320,000; 6 · 7e9 · T = 2.36544e18
    assert steps["policy_training"].flops == pytest.approx(2.36544e18)


def test_dpo_is_reference_and_policy_passes_only():
    # 50,000 prompts, a pair of responses each, 300 + 500 tokens: T = 50,000 · 2 · 800 = 8e7.
    steps = rl_steps(prompts=50_000, samples_per_prompt=2, prompt_tokens=300, response_tokens=500, generate=False)
    assert set(steps) == {"reference_forward", "policy_training"}
    assert steps["reference_forward"].flops == pytest.approx(1.12e18)  # 2 · 7e9 · 8e7
    assert steps["policy_training"].flops == pytest.approx(3.36e18)  # 6 · 7e9 · 8e7


def test_ppo_updates_per_batch_multiply_training_only():
    run = dict(prompts=1000, samples_per_prompt=1, prompt_tokens=100, response_tokens=100, reward_params=1e9, critic_params=1e9)
    once = rl_steps(**run, updates_per_batch=1)
    four = rl_steps(**run, updates_per_batch=4)
    for name in ("rollout_generation", "reward_scoring", "reference_forward", "critic_forward"):
        assert four[name].flops == once[name].flops
    for name in ("policy_training", "critic_training"):
        assert four[name].flops == pytest.approx(4 * once[name].flops)


def test_pruning_calibration_and_retraining():
    # Calibration 2 · 7e9 · 262,144 = 3.670016e15; retraining a 5B model on 10B tokens: 6 · 5e9 · 1e10 = 3e20.
    steps = by_name(pt.pruning(N, 262_144, 5e9, 10e9))
    assert steps["calibration"].flops == pytest.approx(3.670016e15)
    assert steps["retraining"].flops == pytest.approx(3e20)
    assert [s.name for s in pt.pruning(N, 262_144, 5e9, None)] == ["calibration"]


def test_quantization_ptq_and_qat():
    assert pt.total_flops(pt.ptq(N, 262_144)) == pytest.approx(3.670016e15)  # 2 · 7e9 · 262,144
    assert pt.total_flops(pt.qat(N, 5e9)) == pytest.approx(2.1e20)  # 6 · 7e9 · 5e9


def test_synthetic_data_generation_and_filter():
    steps = by_name(pt.synthetic_data(N, 1e9, 1e9, 1024))
    assert steps["generation"].kind == pt.GENERATION
    assert steps["generation"].flops == pytest.approx(1.4e19)  # 2 · 7e9 · 1e9
    assert steps["filtering"].flops == pytest.approx(2e18)  # 2 · 1e9 · 1e9
    assert [s.name for s in pt.synthetic_data(N, 1e9, None, 1024)] == ["generation"]


def test_best_of_n_generation_and_scoring():
    # 10,000 prompts, n = 16, 200-token prompts, 500-token responses, 1B reward model.
    steps = by_name(pt.best_of_n(N, 10_000, 16, 200, 500, 1e9))
    gen = steps["rollout_generation"]
    assert gen.prefill_flops == pytest.approx(2.8e16)  # 2 · 7e9 · (10,000 · 200)
    assert gen.decode_flops == pytest.approx(1.12e18)  # 2 · 7e9 · (10,000 · 16 · 500)
    assert steps["reward_scoring"].flops == pytest.approx(2.24e17)  # 2 · 1e9 · (10,000 · 16 · 700)


positive = st.floats(min_value=1e6, max_value=1e12, allow_nan=False)


@given(params=positive, tokens=positive, epochs=st.floats(min_value=0.1, max_value=100))
def test_lora_is_cheaper_than_full_finetune(params, tokens, epochs):
    lora = pt.total_flops(pt.lora(params, tokens, epochs))
    full = pt.total_flops(pt.full_finetune(params, tokens, epochs))
    assert lora < full
    assert lora == pytest.approx(full * 4 / 6)


@given(
    prompts=positive,
    samples=st.floats(min_value=1, max_value=256),
    prompt_tokens=st.floats(min_value=0, max_value=1e5),
    response_tokens=st.floats(min_value=1, max_value=1e5),
    reward=st.one_of(st.none(), positive),
    critic=st.one_of(st.none(), positive),
    reference=st.booleans(),
    generate=st.booleans(),
)
def test_rl_steps_are_their_formulas(prompts, samples, prompt_tokens, response_tokens, reward, critic, reference, generate):
    steps = list(
        rl_steps(
            prompts=prompts,
            samples_per_prompt=samples,
            prompt_tokens=prompt_tokens,
            response_tokens=response_tokens,
            generate=generate,
            reward_params=reward,
            reference=reference,
            critic_params=critic,
        ).values()
    )
    for step in steps:
        per_token = {pt.TRAINING: 6.0, pt.FORWARD: 2.0, pt.GENERATION: 2.0}[step.kind]
        assert step.flops == pytest.approx(per_token * step.params * step.tokens)
    assert pt.total_flops(steps) == pytest.approx(sum(s.flops for s in steps))
    assert len(steps) == 1 + generate + (reward is not None) + reference + 2 * (critic is not None)


@settings(max_examples=25)
@given(st.lists(st.floats(min_value=1e6, max_value=1e12), min_size=2, max_size=5))
def test_every_technique_broadcasts_over_sample_arrays(values):
    """The same code runs on Monte Carlo arrays: each element equals the scalar computation."""
    arr = np.asarray(values)
    cases = [
        lambda x: pt.full_finetune(x, 1e9, 2),
        lambda x: pt.lora(x, 1e9, 2, pt.lora_adapter_params(8, 32, 4096)),
        lambda x: pt.distillation(x, 1e9, x, 1, x, 1e9, 1024),
        lambda x: pt.rl(policy_params=x, prompts=1e4, samples_per_prompt=8, prompt_tokens=x / 1e6, response_tokens=1e3, generate=True, reward_params=x, reference=True, critic_params=x, updates_per_batch=2),
        lambda x: pt.pruning(x, 262_144, x / 2, 1e9),
        lambda x: pt.ptq(x, x),
        lambda x: pt.qat(x, 1e9),
        lambda x: pt.synthetic_data(x, 1e9, x, 1024),
        lambda x: pt.best_of_n(x, 1e3, 4, 100, x / 1e6, 1e9),
    ]
    for build in cases:
        vector = pt.total_flops(build(arr))
        scalars = [pt.total_flops(build(v)) for v in values]
        np.testing.assert_allclose(vector, scalars, rtol=1e-12)
