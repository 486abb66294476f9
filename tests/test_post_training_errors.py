"""Bad ``post_training`` input: exit 1, one located ``FILE:LINE:COL: field: message`` line, no traceback."""

from __future__ import annotations

import pytest

from tests.conftest import assert_one_located_line

# Lines 1-7; every group's first key is on line 7 ("  - name: g", the mapping starts at column 5).
BASE = "name: t\nmodel:\n  params: 7B\npretraining:\n  tokens: 1T\npost_training:\n  - name: g\n"
RL = "    technique: rl\n    algorithm: {algorithm}\n    prompts: 1K\n    prompt_tokens: 100\n    response_tokens: 100\n"

CASES = {
    # name: (group lines after "- name: g", line, column, fragment of the message)
    "unknown technique": ("    technique: lroa\n", 8, 16, "unknown technique 'lroa'; did you mean 'lora'? valid: full_finetune, lora, distillation, rl"),
    "missing technique": ("    tokens: 1B\n", 7, 5, "post_training[0].technique: required key is missing; valid techniques: full_finetune"),
    "unknown field names the valid ones": (
        "    technique: lora\n    tokens: 1B\n    rnak: 8\n",
        10,
        5,
        "post_training[0].rnak: unknown key 'rnak'; did you mean 'rank'? valid keys: name, technique, count, tokens, epochs, rank, sequence_length, recompute_activations, base_bits, hardware",
    ),
    "negative count": ("    technique: full_finetune\n    count: -3\n    tokens: 1B\n", 9, 12, "post_training[0].count: must be greater than or equal to 0 (got -3)"),
    "fractional count": ("    technique: full_finetune\n    count: 2.5\n    tokens: 1B\n", 9, 12, "must be a whole number of models (got 2.5)"),
    "missing tokens": ("    technique: full_finetune\n", 7, 5, "post_training[0].tokens: required key is missing"),
    "critic with grpo": (
        RL.format(algorithm="grpo") + "    verifiable_rewards: true\n    critic_params: 1B\n",
        14,
        20,
        "post_training[0].critic_params: critic_params does not apply to grpo",
    ),
    "reward model with dpo": (RL.format(algorithm="dpo") + "    reward_model_params: 1B\n", 13, 26, "reward_model_params does not apply to dpo"),
    "decode_mfu with dpo": (RL.format(algorithm="dpo") + "    decode_mfu: 0.1\n", 13, 17, "decode_mfu does not apply to dpo"),
    "ppo without a reward": (RL.format(algorithm="ppo"), 9, 16, "post_training[0].algorithm: ppo needs a reward: give reward_model_params, or verifiable_rewards: true"),
    "reward model and verifiable": (
        RL.format(algorithm="ppo") + "    reward_model_params: 1B\n    verifiable_rewards: true\n",
        14,
        25,
        "give reward_model_params or verifiable_rewards: true, not both",
    ),
    "unknown algorithm": (RL.format(algorithm="ppo2") + "    verifiable_rewards: true\n", 9, 16, "must be 'ppo', 'grpo' or 'dpo'"),
    "grpo group of one": (RL.format(algorithm="grpo") + "    verifiable_rewards: true\n    samples_per_prompt: 1\n", 14, 25, "grpo: a group needs at least 2 samples"),
    "prompts and steps": (RL.format(algorithm="grpo") + "    verifiable_rewards: true\n    steps: 100\n", 14, 12, "give prompts (and epochs), or prompts_per_step and steps, not both"),
    "steps without prompts per step": (
        "    technique: rl\n    algorithm: grpo\n    steps: 100\n    prompt_tokens: 100\n    response_tokens: 100\n    verifiable_rewards: true\n",
        10,
        12,
        "post_training[0].steps: steps needs prompts_per_step",
    ),
    "no prompts at all": (
        "    technique: rl\n    algorithm: grpo\n    prompt_tokens: 100\n    response_tokens: 100\n    verifiable_rewards: true\n",
        7,
        5,
        "give prompts (and optionally epochs), or prompts_per_step and steps",
    ),
    "qat without training tokens": ("    technique: quantization\n    method: qat\n", 9, 13, "post_training[0].method: method qat needs training_tokens"),
    "training tokens with ptq": ("    technique: quantization\n    method: ptq\n    training_tokens: 1B\n", 10, 22, "training_tokens applies to method: qat"),
    "calibration with qat": (
        "    technique: quantization\n    method: qat\n    training_tokens: 1B\n    calibration_tokens: 1M\n",
        11,
        25,
        "calibration_tokens applies to method: ptq",
    ),
    "distillation without teacher work": (
        "    technique: distillation\n    student_params: 1B\n    tokens: 1B\n",
        7,
        5,
        "post_training[0]: give teacher_generated_tokens (the teacher writes the data) and/or teacher_labelled_tokens",
    ),
    "decode utilization above one": ("    technique: synthetic_data\n    generated_tokens: 1B\n    decode_mfu: 1.5\n", 10, 17, "post_training[0].decode_mfu: must be less than or equal to 1 (got 1.5)"),
    "unknown key in group hardware": (
        "    technique: full_finetune\n    tokens: 1B\n    hardware:\n      acelerator: a100\n",
        11,
        7,
        "post_training[0].hardware.acelerator: unknown key 'acelerator'; did you mean 'accelerator'?",
    ),
    "pretraining deadline in group hardware": (
        "    technique: full_finetune\n    tokens: 1B\n    hardware:\n      deadline_days: 3\n",
        11,
        22,
        "post_training[0].hardware.deadline_days: deadline_days sizes the pretraining cluster",
    ),
    "unknown accelerator in group hardware": (
        "    technique: full_finetune\n    tokens: 1B\n    hardware:\n      accelerator: h10\n",
        11,
        20,
        "post_training[0].hardware.accelerator:",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_group_is_one_located_line(case, cli, scenario_file):
    text, line, column, fragment = CASES[case]
    path = scenario_file(BASE + text)
    assert_one_located_line(cli("plan", path, "--format", "json"), path, line, column, fragment)


def test_validate_reports_every_bad_group(cli, scenario_file):
    path = scenario_file(BASE + "    technique: full_finetune\n    count: -1\n    tokens: 1B\n  - name: h\n    technique: lora\n    tokens: -5\n")
    result = cli("validate", path)
    assert result.exit_code == 1
    assert f"{path}:9:12: post_training[0].count:" in result.stderr
    assert f"{path}:13:13: post_training[1].tokens: must be greater than 0" in result.stderr


def test_set_override_of_a_group_field_names_the_option(cli, scenario_file):
    path = scenario_file(BASE + "    technique: full_finetune\n    tokens: 1B\n")
    result = cli("plan", path, "--set", "post_training[0].count=-2")
    assert result.exit_code == 1
    assert result.stderr.startswith("--set: post_training[0].count: must be greater than or equal to 0")
    good = cli("plan", path, "--set", "post_training[0].count=4", "-f", "json", "--samples", "0")
    assert good.json()["post_training"]["derivatives"][0]["count"] == 4
