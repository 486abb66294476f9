"""Recipe features of post-training groups (#15 item 4), each by hand: activation recomputation,
attention FLOPs of fine-tuning, teacher logits on the fly, a judge that reads the final answer only,
verifiable rewards, and asynchronous RL; and their invalid combinations through the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scaling_cli.engine.post_training import split_pipeline_hours
from tests.test_post_training_plan import H100_PEAK, hours, with_groups

#: The scenario model of tests.test_post_training_plan.BASE, with an architecture for attention.
ARCHITECTURE = "name: t\nhardware: {accelerator: h100, mfu: 0.4, goodput: 0.8, price_per_hour: 2, pue: 1.5}\nmodel: {params: 7B, layers: 32, d_model: 4096}\n"


def _group(groups: str, base: str | None = None) -> dict:
    document = with_groups(groups) if base is None else with_groups(groups, base)
    return document["post_training"]["derivatives"][0]


def _steps(group: dict) -> dict:
    return {s["step"]: s for s in group["steps"]}


def test_recomputation_adds_a_forward_to_fine_tuning():
    # 6·N·D = 6 × 7e9 × 1e9 = 4.2e19; recomputed 8·N·D = 5.6e19, timed at MFU 0.4 and goodput 0.8
    plain = _group("- {name: ft, technique: full_finetune, tokens: 1B}")
    recomputed = _group("- {name: ft, technique: full_finetune, tokens: 1B, recompute_activations: true}")
    assert plain["flops"] == pytest.approx(4.2e19)
    assert recomputed["flops"] == pytest.approx(5.6e19)
    assert recomputed["gpu_hours"] == pytest.approx(hours(5.6e19, H100_PEAK, 0.4))


def test_recomputation_in_lora_distillation_and_rl():
    # LoRA's frozen base 4·N·D -> 6·N·D: 6 × 7e9 × 1e9 = 4.2e19
    assert _group("- {name: l, technique: lora, tokens: 1B, recompute_activations: true}")["flops"] == pytest.approx(4.2e19)
    # student 8·N_S·D = 8 × 1e9 × 1e9 = 8e18, teacher labelling 2 × 7e9 × 1e9 = 1.4e19
    distilled = _steps(_group("- {name: d, technique: distillation, student_params: 1B, tokens: 1B, teacher_labelled_tokens: 1B, recompute_activations: true}"))
    assert distilled["student_training"]["flops"] == pytest.approx(8e18) and distilled["teacher_labelling"]["flops"] == pytest.approx(1.4e19)
    # DPO: T = 1000 prompts × 2 × (100 + 400) = 1e6 tokens; policy 8 × 7e9 × 1e6 = 5.6e16
    dpo = _steps(_group("- {name: p, technique: rl, algorithm: dpo, prompts: 1000, prompt_tokens: 100, response_tokens: 400, recompute_activations: true}"))
    assert dpo["policy_training"]["flops"] == pytest.approx(5.6e16)


def test_attention_flops_of_fine_tuning_and_lora_by_hand():
    # 12·L·(H·Q)·T per token: 12 × 32 × 4096 × 4096 × 1e9 tokens = 6.4425e18, on top of 6·N·D = 4.2e19
    attention = 12 * 32 * 4096 * 4096 * 1e9
    tuned = _group("- {name: ft, technique: full_finetune, tokens: 1B, sequence_length: 4096}", ARCHITECTURE)
    assert tuned["flops"] == pytest.approx(4.2e19 + attention)
    # LoRA: 4 × 7e9 × 1e9 = 2.8e19 + the same attention (the backward through attention is still needed)
    adapted = _group("- {name: l, technique: lora, tokens: 1B, sequence_length: 4096}", ARCHITECTURE)
    assert adapted["flops"] == pytest.approx(2.8e19 + attention)
    # two epochs: twice both terms; without the architecture the length adds nothing
    assert _group("- {name: ft, technique: full_finetune, tokens: 1B, epochs: 2, sequence_length: 4096}", ARCHITECTURE)["flops"] == pytest.approx(2 * (4.2e19 + attention))
    assert _group("- {name: ft, technique: full_finetune, tokens: 1B, sequence_length: 4096}")["flops"] == pytest.approx(4.2e19)


def test_teacher_logits_on_the_fly_read_every_epoch():
    # on the fly: 2 × N_T × D × epochs = 2 × 7e9 × 1e9 × 3 = 4.2e19; precomputed over 1e9 labelled tokens: 1.4e19
    fly = _steps(_group("- {name: d, technique: distillation, student_params: 1B, tokens: 1B, epochs: 3, teacher_logits: on_the_fly}"))
    assert fly["teacher_logits"]["flops"] == pytest.approx(4.2e19) and "teacher_labelling" not in fly
    once = _steps(_group("- {name: d, technique: distillation, student_params: 1B, tokens: 1B, epochs: 3, teacher_labelled_tokens: 1B}"))
    assert once["teacher_labelling"]["flops"] == pytest.approx(1.4e19)
    assert fly["student_training"]["flops"] == once["student_training"]["flops"] == pytest.approx(6 * 1e9 * 3e9)


GRPO = "- {{name: g, technique: rl, algorithm: grpo, prompts: 1000, samples_per_prompt: 16, prompt_tokens: 500, response_tokens: 4000, decode_mfu: 0.1, {reward}}}"


def test_a_judge_that_reads_only_the_answer():
    # full: 2 × 7e9 × 1000 × 16 × (500 + 4000) = 1.008e18; answer of 300: 2 × 7e9 × 1000 × 16 × (500 + 300) = 1.792e17
    full = _steps(_group(GRPO.format(reward="reward_model_params: 7B")))
    answer = _steps(_group(GRPO.format(reward="reward_model_params: 7B, reward: model, reward_reads: answer, answer_tokens: 300")))
    assert full["reward_scoring"]["flops"] == pytest.approx(1.008e18)
    assert answer["reward_scoring"]["flops"] == pytest.approx(1.792e17)
    assert answer["policy_training"]["flops"] == full["policy_training"]["flops"]  # the policy still trains on whole sequences
    # default answer: DeepSeek-R1's 689-token summaries: 2 × 7e9 × 16,000 × 1,189 = 2.6634e17
    document = with_groups(GRPO.format(reward="reward_model_params: 7B, reward_reads: answer"))
    assert _steps(document["post_training"]["derivatives"][0])["reward_scoring"]["flops"] == pytest.approx(2 * 7e9 * 16_000 * 1189)
    assert any(a["key"] == "post_training[0].answer_tokens" and a["value"] == 689 for a in document["assumptions"])


def test_verifiable_rewards_cost_no_gpu_either_way():
    by_field = _group(GRPO.format(reward="reward: verifiable"))
    by_flag = _group(GRPO.format(reward="verifiable_rewards: true"))
    assert "reward_scoring" not in _steps(by_field)
    assert by_field["flops"] == pytest.approx(by_flag["flops"]) and by_field["gpu_hours"] == pytest.approx(by_flag["gpu_hours"])


def test_asynchronous_split_pipeline_by_hand():
    # generation 8 GPU-h on 4 GPUs = 2 h; scoring 3 GPU-h on 12 + training 6 GPU-h on 8 = 0.25 + 0.75 = 1 h.
    # synchronous: 3 h × 16 GPUs = 48 GPU-h billed; asynchronous: max(2, 1) = 2 h × 16 = 32, idle 32 - 17 = 15
    synchronous = split_pipeline_hours(8.0, 3.0, 6.0, 0.0, (4.0, 12.0, 8.0))
    overlapped = split_pipeline_hours(8.0, 3.0, 6.0, 0.0, (4.0, 12.0, 8.0), synchronous=False)
    assert synchronous["billed_gpu_hours"] == pytest.approx(48) and overlapped["billed_gpu_hours"] == pytest.approx(32)
    assert overlapped["idle_gpu_hours"] == pytest.approx(15)
    # weight sync still waits: + 360 s = 0.1 h on every GPU
    assert split_pipeline_hours(8.0, 3.0, 6.0, 360.0, (4.0, 12.0, 8.0), synchronous=False)["wall_clock_hours"] == pytest.approx(2.1)


def test_an_asynchronous_group_bills_less_than_a_synchronous_one():
    line = "- {{name: g, technique: rl, algorithm: grpo, prompts_per_step: 64, steps: 10, samples_per_prompt: 8, prompt_tokens: 500, response_tokens: 2000, verifiable_rewards: true, placement: split, hardware: {{count: 16}}{extra}}}"
    steady = _group(line.format(extra=""))
    overlapped = _group(line.format(extra=", synchronous: false"))
    assert overlapped["gpu_hours"] < steady["gpu_hours"]
    assert overlapped["flops"] == pytest.approx(steady["flops"])


# --- invalid combinations, as the user sees them ------------------------------------------------


def _refused(line: str, tmp_path) -> str:
    path = tmp_path / "s.yaml"
    path.write_text("name: t\nmodel: {params: 7B}\npost_training:\n  " + line + "\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "scaling_cli", "plan", str(path), "--samples", "0"], capture_output=True, text=True)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}:4:")
    return lines[0]


RL = "- {{name: g, technique: rl, algorithm: grpo, prompts: 100, prompt_tokens: 10, response_tokens: 10, {extra}}}"


@pytest.mark.parametrize(
    "line, field",
    [
        (RL.format(extra="reward: model"), "reward"),
        (RL.format(extra="verifiable_rewards: true, answer_tokens: 100"), "answer_tokens"),
        (RL.format(extra="reward: verifiable, reward_reads: answer"), "reward_reads"),
        (RL.format(extra="verifiable_rewards: true, synchronous: false"), "synchronous"),
        ("- {name: d, technique: distillation, student_params: 1B, tokens: 1B, teacher_logits: on_the_fly, teacher_labelled_tokens: 1B}", "teacher_labelled_tokens"),
        ("- {name: p, technique: rl, algorithm: dpo, prompts: 100, prompt_tokens: 10, response_tokens: 10, reward: verifiable}", "reward"),
    ],
)
def test_invalid_recipes_are_one_located_line(line, field, tmp_path):
    assert field in _refused(line, tmp_path)


def test_a_4_bit_base_fits_where_a_bf16_one_does_not():
    """QLoRA (Dettmers et al. 2023): 65B on one 48 GB GPU. A bf16 base holds 2 bytes × 65.2e9 =
    1.304e11 bytes: ceil(1.304e11 / 4.8e10) = 3 L40S; a 4-bit one 0.5 × 65.2e9 = 3.26e10: 1 GPU.
    The FLOPs are the same 4·N·D either way (weights are dequantized to bf16 for the matmuls):
    4 × 65.2e9 × 1e7 = 2.608e18."""
    base = "name: q\nhardware: {accelerator: l40s}\nmodel: {params: 65.2B}\n"
    bf16 = with_groups("- {name: l, technique: lora, tokens: 10M, hardware: {count: 1}}", base)
    nf4 = with_groups("- {name: l, technique: lora, tokens: 10M, base_bits: 4, hardware: {count: 1}}", base)
    assert "post_training[0] (l): its training state needs at least 3 GPUs fully sharded, but the group has 1: it does not fit" in bf16["warnings"]
    assert not any("training state" in w for w in nf4["warnings"])
    for document in (bf16, nf4):
        assert document["post_training"]["derivatives"][0]["flops"] == pytest.approx(4 * 65.2e9 * 1e7)


def test_base_bits_other_than_4_8_16_is_refused_with_its_field():
    run = subprocess.run(
        [sys.executable, "-m", "scaling_cli", "plan", "-"],
        input="name: q\nmodel: {params: 7B}\npost_training:\n  - {name: l, technique: lora, tokens: 1M, base_bits: 3}\n",
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1 and "base_bits" in run.stderr and "Traceback" not in run.stderr


def test_the_students_attention_counts_when_its_architecture_and_sequence_length_are_given():
    """8B student, 32 layers, width 4096, 4,096-token sequences, 1B tokens × 2 epochs:
    6 × 8e9 × 2e9 = 9.6e19 plus 12 × 32 × 4096 × 4096 × 2e9 = 1.2885e19 of attention (PaLM App. B);
    the teacher labels 1B tokens, 2 × 7e9 × 1e9 = 1.4e19."""
    group = "- {name: d, technique: distillation, student_params: 8B, tokens: 1B, epochs: 2, teacher_labelled_tokens: 1B"
    plain = _group(group + "}")
    sized = _group(group + ", sequence_length: 4096, student_layers: 32, student_d_model: 4096}")
    attention = 12 * 32 * 4096 * 4096 * 2e9
    assert _steps(plain)["student_training"]["flops_per_model"] == pytest.approx(9.6e19)
    assert _steps(sized)["student_training"]["flops_per_model"] == pytest.approx(9.6e19 + attention)
    assert sized["flops"] == pytest.approx(1.4e19 + 9.6e19 + attention)


def test_a_sequence_length_without_the_students_architecture_is_warned_and_adds_nothing():
    document = with_groups("- {name: d, technique: distillation, student_params: 1B, tokens: 1B, teacher_labelled_tokens: 1B, sequence_length: 4096}")
    assert document["post_training"]["derivatives"][0]["flops"] == pytest.approx(6 * 1e9 * 1e9 + 2 * 7e9 * 1e9)
    assert any("student_layers and student_d_model" in w for w in document["warnings"])


def test_rl_counts_the_policys_attention_over_its_sequences():
    # GRPO, 100 prompts × 4 samples × (200 + 1,800) tokens = 8e5 tokens of experience; the policy's
    # attention at T = 2,000: 12·L·d·T = 12 × 32 × 4096 × 2000 = 3.1457e9 FLOP a token (PaLM App. B).
    # policy training (6·N + attention)·T = (4.2e10 + 3.1457e9) × 8e5 = 3.6117e16;
    # reference forward (2·N + attention / 3)·T = (1.4e10 + 1.0486e9) × 8e5 = 1.2039e16
    group = _group(
        "- {name: r, technique: rl, algorithm: grpo, prompts: 100, samples_per_prompt: 4, prompt_tokens: 200, response_tokens: 1800, verifiable_rewards: true}",
        ARCHITECTURE,
    )
    steps = _steps(group)
    attention = 12 * 32 * 4096 * 2000
    assert steps["policy_training"]["flops"] == pytest.approx((6 * 7e9 + attention) * 8e5)
    assert steps["reference_forward"]["flops"] == pytest.approx((2 * 7e9 + attention / 3) * 8e5)
    # without the architecture there is nothing to count it from: 6·N·T and 2·N·T
    bare = _steps(_group("- {name: r, technique: rl, algorithm: grpo, prompts: 100, samples_per_prompt: 4, prompt_tokens: 200, response_tokens: 1800, verifiable_rewards: true}"))
    assert bare["policy_training"]["flops"] == pytest.approx(6 * 7e9 * 8e5)
