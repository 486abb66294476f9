"""The ``post_training`` section of a plan: JSON contract, GPU-hours by hand, properties, bands,
per-group hardware, warnings and the two examples."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaling_cli import defaults
from scaling_cli.planner.plan import build_plan
from scaling_cli.scenario.loading import validate_document
from scaling_cli.yaml_source import parse_yaml
from tests.conftest import REPO

#: H100 SXM5 dense BF16 peak (NVIDIA datasheet: 1,979 TFLOP/s with sparsity) and board power, as in the catalog.
H100_PEAK = 989.5e12
H100_WATTS = 700.0
A100_PEAK = 312e12
#: Explicit hardware so every time figure can be computed by hand: MFU 0.4, goodput 0.8, $2/h, PUE 1.5.
HARDWARE = "hardware: {accelerator: h100, mfu: 0.4, goodput: 0.8, price_per_hour: 2, pue: 1.5}\n"
BASE = "name: t\n" + HARDWARE + "model: {params: 7B}\npretraining: {tokens: 1T}\n"


def plan(text: str, samples: int = 0) -> dict:
    return build_plan(validate_document(parse_yaml(textwrap.dedent(text), "t.yaml")), samples=samples).to_dict()


def with_groups(groups: str, base: str = BASE, samples: int = 0) -> dict:
    return plan(base + "post_training:\n" + textwrap.indent(textwrap.dedent(groups).strip("\n"), "  ") + "\n", samples)


def hours(flops: float, peak: float, mfu: float, goodput: float = 0.8) -> float:
    """Reserved GPU-hours: FLOP ÷ (peak × MFU × 3600) ÷ goodput (docs/DOMAIN.md §1)."""
    return flops / (peak * mfu * 3600) / goodput


# --- contract -----------------------------------------------------------------------------------


def test_no_groups_no_section():
    assert plan(BASE)["post_training"] is None


def test_json_keys_and_ratio():
    doc = with_groups("- {name: sft, technique: full_finetune, count: 3, tokens: 1B, epochs: 2}")
    section = doc["post_training"]
    for key in ("flops", "gpu_hours", "ratio_to_pretraining", "cost_usd", "energy_mwh", "derivatives"):
        assert key in section
    (group,) = section["derivatives"]
    for key in ("name", "technique", "count", "flops_per_model", "flops", "gpu_hours", "steps"):
        assert key in group
    assert (group["name"], group["technique"], group["count"]) == ("sft", "full_finetune", 3)
    # 6 · 7e9 · 1e9 · 2 = 8.4e19 per model, × 3 = 2.52e20; pretraining 6 · 7e9 · 1e12 = 4.2e22.
    assert group["flops_per_model"] == pytest.approx(8.4e19)
    assert section["flops"] == pytest.approx(2.52e20)
    assert section["ratio_to_pretraining"] == pytest.approx(2.52e20 / 4.2e22)
    assert doc["pretraining"]["flops"] == pytest.approx(4.2e22)


def test_ratio_is_null_without_pretraining():
    doc = with_groups("- {name: sft, technique: full_finetune, tokens: 1B}", base="name: t\nmodel: {params: 7B}\n")
    assert doc["pretraining"] is None
    assert doc["post_training"]["ratio_to_pretraining"] is None
    assert doc["post_training"]["flops"] == pytest.approx(4.2e19)


# --- time and cost by hand ----------------------------------------------------------------------


def test_training_gpu_hours_cost_energy_by_hand():
    group = with_groups("- {name: sft, technique: full_finetune, tokens: 1B, epochs: 3}")["post_training"]["derivatives"][0]
    # 1.26e20 FLOP / (989.5e12 · 0.4 · 3600 = 1.42488e18) = 88.43 productive h; / 0.8 = 110.5 reserved h
    expected = hours(1.26e20, H100_PEAK, 0.4)
    assert expected == pytest.approx(110.5, rel=1e-3)
    assert group["gpu_hours"] == pytest.approx(expected)
    assert group["cost_usd"] == pytest.approx(2 * expected)
    assert group["energy_mwh"] == pytest.approx(expected * H100_WATTS * 1.5 / 1e6)


def test_generation_runs_at_the_decode_utilization():
    section = with_groups("- {name: synth, technique: synthetic_data, generated_tokens: 1B, filter_params: 1B, decode_mfu: 0.05}")["post_training"]
    steps = {s["step"]: s for s in section["derivatives"][0]["steps"]}
    # generation 2 · 7e9 · 1e9 = 1.4e19 at 5% of peak: 1.4e19 / (989.5e12 · 0.05 · 3600) / 0.8 = 98.25 h
    assert steps["generation"]["gpu_hours"] == pytest.approx(hours(1.4e19, H100_PEAK, 0.05))
    assert steps["generation"]["gpu_hours"] == pytest.approx(98.25, rel=1e-3)
    # the filter is a forward pass at the training MFU: 2e18 / (989.5e12 · 0.4 · 3600) / 0.8 = 1.755 h
    assert steps["filtering"]["gpu_hours"] == pytest.approx(hours(2e18, H100_PEAK, 0.4))
    assert section["gpu_hours"] == pytest.approx(hours(1.4e19, H100_PEAK, 0.05) + hours(2e18, H100_PEAK, 0.4))


def test_rollout_prefill_at_training_mfu_decode_at_decode_utilization():
    group = with_groups(
        """
        - name: rlhf
          technique: rl
          algorithm: ppo
          prompts: 10K
          epochs: 2
          prompt_tokens: 200
          response_tokens: 300
          reward_model_params: 1B
          decode_mfu: 0.05
        """
    )["post_training"]["derivatives"][0]
    steps = {s["step"]: s for s in group["steps"]}
    # prefill 2 · 7e9 · 4e6 = 5.6e16 at MFU 0.4; decode 2 · 7e9 · 6e6 = 8.4e16 at 0.05 (test_ppo_every_step_by_hand)
    assert steps["rollout_generation"]["gpu_hours"] == pytest.approx(hours(5.6e16, H100_PEAK, 0.4) + hours(8.4e16, H100_PEAK, 0.05))
    assert group["flops_per_model"] == pytest.approx(8.0e17)
    assert [s["step"] for s in group["steps"]] == ["rollout_generation", "reward_scoring", "reference_forward", "critic_forward", "critic_training", "policy_training"]


# --- properties ---------------------------------------------------------------------------------

GROUPS = {
    "full_finetune": "{name: g, technique: full_finetune, count: COUNT, tokens: 1B}",
    "lora": "{name: g, technique: lora, count: COUNT, tokens: 1B, rank: 8}",
    "distillation": "{name: g, technique: distillation, count: COUNT, student_params: 1B, tokens: 10B, teacher_generated_tokens: 1B, teacher_labelled_tokens: 10B}",
    "rl": "{name: g, technique: rl, algorithm: ppo, count: COUNT, prompts: 1K, prompt_tokens: 100, response_tokens: 500, reward_model_params: 1B}",
    "pruning": "{name: g, technique: pruning, count: COUNT, target_params: 5B, retraining_tokens: 1B}",
    "quantization": "{name: g, technique: quantization, method: qat, count: COUNT, training_tokens: 1B}",
    "synthetic_data": "{name: g, technique: synthetic_data, count: COUNT, generated_tokens: 1B}",
    "best_of_n": "{name: g, technique: best_of_n, count: COUNT, prompts: 1K, n: 8, prompt_tokens: 100, response_tokens: 500, reward_model_params: 1B}",
}


@settings(max_examples=40, deadline=None)
@given(technique=st.sampled_from(sorted(GROUPS)), count=st.integers(min_value=1, max_value=100_000))
def test_doubling_count_doubles_group_flops_hours_and_cost(technique, count):
    one = with_groups("- " + GROUPS[technique].replace("COUNT", str(count)))["post_training"]
    two = with_groups("- " + GROUPS[technique].replace("COUNT", str(2 * count)))["post_training"]
    for key in ("flops", "gpu_hours", "cost_usd", "energy_mwh", "ratio_to_pretraining"):
        assert two[key] == pytest.approx(2 * one[key], rel=1e-12)
    assert two["derivatives"][0]["flops_per_model"] == one["derivatives"][0]["flops_per_model"]


def test_zero_count_switches_a_group_off():
    section = with_groups("- " + GROUPS["full_finetune"].replace("COUNT", "0"))["post_training"]
    assert section["flops"] == 0 and section["gpu_hours"] == 0 and section["ratio_to_pretraining"] == 0


def test_lora_costs_less_than_full_finetune_on_the_same_tokens():
    section = with_groups(
        """
        - {name: full, technique: full_finetune, tokens: 2B, epochs: 2}
        - {name: lora, technique: lora, tokens: 2B, epochs: 2, rank: 64}
        """,
        base="name: t\n" + HARDWARE + "model: {params: 7B, layers: 32, d_model: 4096}\npretraining: {tokens: 1T}\n",
    )["post_training"]
    full, lora = section["derivatives"]
    assert lora["flops"] < full["flops"] and lora["gpu_hours"] < full["gpu_hours"]
    # with adapters counted the saving is just under a third: 4/6 + 6·N_A/(6·N), N_A = 8·64·4096·32
    assert lora["flops"] / full["flops"] == pytest.approx(4 / 6 + 8 * 64 * 4096 * 32 / 7e9)


@settings(max_examples=30, deadline=None)
@given(
    algorithm=st.sampled_from(["ppo", "grpo", "dpo"]),
    verifiable=st.booleans(),
    reference=st.booleans(),
    samples=st.integers(min_value=2, max_value=64),
    response=st.integers(min_value=1, max_value=32_000),
    count=st.integers(min_value=1, max_value=1000),
)
def test_rl_total_is_the_sum_of_its_steps(algorithm, verifiable, reference, samples, response, count):
    reward = "" if algorithm == "dpo" else ("verifiable_rewards: true, " if verifiable else "reward_model_params: 2B, ")
    group = with_groups(
        f"- {{name: rl, technique: rl, algorithm: {algorithm}, count: {count}, prompts: 5K, samples_per_prompt: {samples}, "
        f"prompt_tokens: 300, response_tokens: {response}, {reward}reference_model: {str(reference).lower()}}}"
    )["post_training"]["derivatives"][0]
    steps = group["steps"]
    assert group["flops_per_model"] == pytest.approx(sum(s["flops_per_model"] for s in steps), rel=1e-12)
    for key in ("flops", "gpu_hours", "cost_usd", "energy_mwh"):
        assert group[key] == pytest.approx(sum(s[key] for s in steps), rel=1e-12)
    names = [s["step"] for s in steps]
    assert ("rollout_generation" in names) == (algorithm != "dpo")
    assert ("critic_training" in names) == (algorithm == "ppo")
    assert ("reference_forward" in names) == reference
    assert ("reward_scoring" in names) == (algorithm != "dpo" and not verifiable)


def test_distillation_total_is_the_sum_of_its_steps():
    group = with_groups("- " + GROUPS["distillation"].replace("COUNT", "5"))["post_training"]["derivatives"][0]
    assert [s["step"] for s in group["steps"]] == ["teacher_generation", "teacher_labelling", "student_training"]
    assert group["gpu_hours"] == pytest.approx(sum(s["gpu_hours"] for s in group["steps"]))
    # per model: 2·7e9·1e9 + 2·7e9·10e9 + 6·1e9·10e9 = 1.4e19 + 1.4e20 + 6e19 = 2.14e20
    assert group["flops_per_model"] == pytest.approx(2.14e20)
    assert group["flops"] == pytest.approx(5 * 2.14e20)


# --- defaults, assumptions, uncertainty -----------------------------------------------------------


def test_defaults_are_recorded_as_assumptions():
    doc = with_groups(
        """
        - {name: d, technique: distillation, student_params: 1B, tokens: 10B, teacher_generated_tokens: 1B}
        - {name: r, technique: rl, algorithm: grpo, prompts: 1K, prompt_tokens: 100, response_tokens: 100, verifiable_rewards: true}
        - {name: p, technique: rl, algorithm: ppo, prompts: 1K, prompt_tokens: 100, response_tokens: 100, reward_model_params: 3B}
        - {name: q, technique: quantization, method: ptq}
        - {name: s, technique: synthetic_data, generated_tokens: 1B, decode_mfu: 0.1}
        """
    )
    assumptions = {a["key"]: a for a in doc["assumptions"]}
    assert assumptions["post_training[0].teacher_params"]["value"] == 7e9
    # generation is timed by the serving roofline, whose defaults are recorded once for the plan
    assert assumptions["post_training.generation"]["value"] == "serving roofline"
    assert assumptions["serving.bandwidth_efficiency"]["value"] == defaults.BANDWIDTH_EFFICIENCY.value  # the serving fit (docs/CALIBRATION.md §4), recorded
    assert assumptions["post_training[0].sample_tokens"]["value"] == 1024
    assert assumptions["post_training[1].samples_per_prompt"]["value"] == 64  # DeepSeekMath GRPO
    assert assumptions["post_training[2].samples_per_prompt"]["value"] == 1
    assert assumptions["post_training[2].critic_params"]["value"] == 3e9  # from the reward model
    assert assumptions["post_training[3].calibration_tokens"]["value"] == 128 * 2048
    assert "post_training[4].sample_tokens" in assumptions  # decode_mfu given: the roofline is not used, the length still recorded
    assert "post_training[4].generator_params" in assumptions
    # GRPO default group of 64: rollouts decode 1K prompts × 64 × 100 tokens
    steps = {s["step"]: s for s in doc["post_training"]["derivatives"][1]["steps"]}
    assert steps["rollout_generation"]["tokens"] == pytest.approx(1000 * 100 + 1000 * 64 * 100)


def test_bands_follow_the_serving_efficiency_draws():
    section = with_groups(
        """
        - {name: a, technique: synthetic_data, generated_tokens: 1B}
        - {name: b, technique: best_of_n, prompts: 1K, n: 4, prompt_tokens: 10, response_tokens: 100, reward_model_params: 1B}
        - {name: c, technique: full_finetune, count: {low: 10, high: 30}, tokens: 1B}
        """,
        samples=2000,
    )["post_training"]
    a, b, c = section["derivatives"]
    for generating in (a, b):  # the roofline's efficiencies are uncertain: so is the decode rate
        assert generating["decode_mfu_p10"] < generating["decode_mfu"] < generating["decode_mfu_p90"]
    assert c["decode_mfu"] is None
    for group in (a, b, c):
        assert group["gpu_hours_p10"] < group["gpu_hours"] < group["gpu_hours_p90"]
    # an uncertain count: central value 20, its band, and FLOP that follow it
    assert c["count"] == 20 and 10 < c["count_p10"] < 20 < c["count_p90"] < 30
    assert c["flops_p10"] == pytest.approx(c["count_p10"] * c["flops_per_model"])
    assert section["ratio_to_pretraining_p10"] < section["ratio_to_pretraining"] < section["ratio_to_pretraining_p90"]


# --- hardware --------------------------------------------------------------------------------------


def test_groups_use_scenario_hardware_without_its_gpu_count():
    base = "name: t\nhardware: {accelerator: h100, count: 1024, mfu: 0.4, goodput: 0.8}\nmodel: {params: 7B}\npretraining: {tokens: 1T}\n"
    doc = with_groups(
        """
        - {name: shared, technique: full_finetune, tokens: 1B}
        - {name: own, technique: full_finetune, tokens: 1B, hardware: {accelerator: a100, count: 64, mfu: 0.4, goodput: 0.8}}
        """,
        base=base,
    )
    shared, own = doc["post_training"]["derivatives"]
    assert doc["pretraining"]["gpus"] == 1024
    assert shared["gpus"] is None and shared["wall_clock_days_per_model"] is None
    assert shared["accelerator"] == "nvidia-h100-sxm5-80gb"
    assert own["accelerator"] == "nvidia-a100-sxm-80gb" and own["gpus"] == 64
    # same FLOP and efficiency, slower chip: hours scale with the peaks 989.5 / 312
    assert own["gpu_hours"] / shared["gpu_hours"] == pytest.approx(H100_PEAK / A100_PEAK)
    # 4.2e19 / (312e12 · 0.4 · 3600) / 0.8 = 116.8 h on 64 GPUs = 0.0760 days
    assert own["wall_clock_days_per_model"] == pytest.approx(hours(4.2e19, A100_PEAK, 0.4) / 64 / 24)


# --- warnings --------------------------------------------------------------------------------------


def test_student_larger_than_teacher_is_a_warning_not_an_error(cli, scenario_file):
    path = scenario_file(
        BASE
        + "post_training:\n"
        + "  - {name: big-student, technique: distillation, student_params: 13B, tokens: 1B, teacher_labelled_tokens: 1B}\n"
        + "  - {name: fine, technique: distillation, student_params: 13B, teacher_params: 70B, tokens: 1B, teacher_labelled_tokens: 1B}\n"
    )
    result = cli("plan", path, "-f", "json", "--samples", "0")
    assert result.exit_code == 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1
    assert lines[0].startswith("warning: post_training[0] (big-student): student_params (1.3e+10) exceeds the teacher's 7e+09")
    assert result.json()["warnings"] == [lines[0].removeprefix("warning: ")]


def test_pruning_to_a_larger_model_is_a_warning():
    doc = with_groups("- {name: p, technique: pruning, target_params: 8B}")
    assert any("target_params (8e+09) is not below" in w for w in doc["warnings"])


# --- rendering -------------------------------------------------------------------------------------


def test_tables_show_groups_and_steps(cli):
    result = cli("plan", str(REPO / "configs" / "alignment-pipeline.scenario.yaml"), "--samples", "200")
    assert result.exit_code == 0, result.stderr
    assert "Post-training: derivative groups" in result.stdout
    assert "Post-training: steps" in result.stdout
    assert "Ecosystem ratio" in result.stdout
    for row in ("rollout_generation", "critic_training", "policy_training"):
        assert row in result.stdout


def test_csv_has_one_row_per_step_figure(cli):
    result = cli("plan", str(REPO / "configs" / "alignment-pipeline.scenario.yaml"), "-f", "csv", "--samples", "0")
    assert result.exit_code == 0
    assert "post_training.derivatives[rlhf-ppo].steps[rollout_generation].flops," in result.stdout
    assert "post_training.ratio_to_pretraining," in result.stdout


# --- the examples ----------------------------------------------------------------------------------


def example(name: str, samples: int = 0) -> dict:
    return plan((REPO / "configs" / name).read_text(encoding="utf-8"), samples)


def test_ecosystem_example_lands_near_thirty_x():
    """NVIDIA's "around 30x" is a round-number claim: the example is sized to it, and the test accepts
    20-45x (-33%/+50%). That catches a regression that moves the ratio by half or more (a lost epoch,
    count or teacher pass in a heavy group); the hand-computed tests above pin the formulas exactly."""
    section = example("derivative-ecosystem.scenario.yaml", samples=2000)["post_training"]
    assert 20 <= section["ratio_to_pretraining"] <= 45
    assert section["ratio_to_pretraining_p10"] < 30 < section["ratio_to_pretraining_p90"]
    # the heavy few, not the long tail of adapters and fine-tunes, make the multiplier
    by_name = {d["name"]: d["ratio_to_pretraining"] for d in section["derivatives"]}
    heavy = ("continued-pretraining", "distilled-students", "reasoning-rl", "synthetic-data")
    assert sum(by_name[name] for name in heavy) > 0.9 * section["ratio_to_pretraining"]
    assert by_name["community-lora"] + by_name["community-full-finetunes"] < 1


def test_alignment_pipeline_is_a_small_fraction_like_instructgpt():
    """One team's SFT → RL → quantization pipeline: a fraction of a percent of a 15T-token pretraining
    run, the same order as Epoch's ~0.25% for Llama 3 405B and below InstructGPT's 1.65% (60 of 3,640
    petaflop/s-days against a 300B-token GPT-3; Ouyang et al. 2022 §5.1)."""
    alignment = example("alignment-pipeline.scenario.yaml")["post_training"]
    ecosystem = example("derivative-ecosystem.scenario.yaml")["post_training"]
    assert 0.0005 < alignment["ratio_to_pretraining"] < 0.0165
    assert ecosystem["ratio_to_pretraining"] > 1000 * alignment["ratio_to_pretraining"]
    assert [d["technique"] for d in alignment["derivatives"]] == ["full_finetune", "rl", "rl", "quantization"]


def test_readme_post_training_keys_exist_in_real_output():
    """Every `post_training.…` key in the README's post-training section is produced by the examples."""
    section = (REPO / "README.md").read_text(encoding="utf-8").split("## Post-training: derivative models", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for line in section.splitlines():
        if line.startswith("| `post_training"):
            head, *siblings = line.split("|")[1].strip().strip("`").split("`, `")
            documented.add(head)
            documented.update(f"{head.rsplit('.', 1)[0]}.{sibling}" for sibling in siblings)
    assert len(documented) >= 10
    real: set[str] = set()

    def walk(node, prefix):
        for key, value in node.items():
            path = f"{prefix}.{key}"
            real.add(path)
            if isinstance(value, list) and value and isinstance(value[0], dict):
                real.add(path + "[]")
                walk(value[0], path + "[]")

    for name in ("derivative-ecosystem.scenario.yaml", "alignment-pipeline.scenario.yaml"):
        walk(example(name)["post_training"], "post_training")
    real.add("post_training")
    assert sorted(documented - real) == []


def test_a_group_whose_gpus_cannot_hold_its_training_state_is_warned():
    """The issue's case: RL on a 671B-total / 37B-active model on 8 H800s. Its training state is
    16 bytes × 671e9 = 1.07e13 bytes; an H800 holds 80 GiB = 8.59e10: at least 125 GPUs."""
    text = """\
        name: big
        hardware: {accelerator: h800}
        model: {params: 671B, active_params: 37B}
        post_training:
          - {name: rl, technique: rl, algorithm: grpo, prompts: 1K, prompt_tokens: 100, response_tokens: 100, verifiable_rewards: true, hardware: {count: 8}}
          - {name: lora, technique: lora, tokens: 1M, hardware: {count: 16}}
        """
    warnings = plan(text)["warnings"]
    assert "post_training[0] (rl): its training state needs at least 125 GPUs fully sharded, but the group has 8: it does not fit" in warnings
    # LoRA keeps the base frozen in bf16: 2 × 671e9 / 8.59e10 = 15.6 -> 16 GPUs, which the group has
    assert not any(w.startswith("post_training[1]") and "training state" in w for w in warnings)
