"""Colocated RL inside DeepSpeed-Chat's Hybrid Engine (``rollout_engine: hybrid_engine``; issue #15):
the formulas by hand, the rollouts' physics as properties, bad input, and the bundled cases."""

from __future__ import annotations

import textwrap

import pytest

from scaling_cli.commands.reference_post_training import cases, plan_case, post_training_reference
from scaling_cli.engine import hybrid_engine
from scaling_cli.planner.plan import build_plan
from scaling_cli.scenario.loading import validate_document
from scaling_cli.yaml_source import parse_yaml

#: A100 SXM 80GB: HBM2e 2,039 GB/s (NVIDIA datasheet), 80 GiB.
A100_BANDWIDTH = 2.039e12
#: LLaMA-2-7B (Touvron et al. 2023, Table 1 / its config.json): 6.74B parameters, 32 layers, d 4096, 32 KV heads.
LLAMA7 = "{params: 6.74B, layers: 32, d_model: 4096, heads: 32, kv_heads: 32, vocab: 32000, ffn_dim: 11008}"


def _group(**fields: object) -> str:
    base = {
        "name": "rlhf", "technique": "rl", "algorithm": "ppo", "prompts_per_step": 1024, "steps": 1, "samples_per_prompt": 1,
        "prompt_tokens": 1024, "response_tokens": 1024, "reward_model_params": "6.74B", "placement": "colocated",
        "rollout_engine": "hybrid_engine", "offload": True, "hardware": "{accelerator: nvidia-a100-sxm-80gb, count: 16}",
    }  # fmt: skip
    base.update(fields)
    return "  - " + "\n    ".join(f"{k}: {str(v).lower() if isinstance(v, bool) else v}" for k, v in base.items() if v is not None)


def plan(**fields: object) -> dict:
    text = f"name: t\nmodel: {LLAMA7}\npost_training:\n{_group(**fields)}\n"
    return build_plan(validate_document(parse_yaml(textwrap.dedent(text), "t.yaml")), samples=0).to_dict()["post_training"]["derivatives"][0]


def steps(group: dict) -> dict:
    return {s["step"]: s for s in group["steps"]}


# --- formulas by hand ---------------------------------------------------------------------------


def test_resident_training_state_by_hand():
    # ZeRO (Rajbhandari et al. 2020 §3.1): 2 + 2 + 12 bytes per trained parameter; frozen bf16 2 bytes.
    # Actor + critic 7B trained, reference + reward 7B frozen, over 16 GPUs: (16·14e9 + 2·14e9) / 16 = 15.75 GB.
    assert hybrid_engine.resident_state_bytes(14e9, 14e9, 16) == pytest.approx(15.75e9)
    # Optimizer offloaded (ZeRO-Offload), frozen models in CPU memory: 4·14e9 / 16 = 3.5 GB.
    assert hybrid_engine.resident_state_bytes(14e9, 14e9, 16, offload=True) == pytest.approx(3.5e9)


def test_generate_calls_by_hand():
    # 1,024 prompts over 16 GPUs: 64 each, in micro-batches of 16 → 4 calls; of 1 → 64; 1,000 prompts → ceil(3.9) = 4.
    assert hybrid_engine.generate_calls(1024, 16, 16) == 4
    assert hybrid_engine.generate_calls(1024, 16, 1) == 64
    assert hybrid_engine.generate_calls(1000, 16, 16) == 4
    assert hybrid_engine.generate_calls(8, 16, 16) == 1


def test_weight_gather_by_hand():
    # 13.48 GB of bf16 weights; each GPU receives the 7/8 it lacks over NVLink 3 (300 GB/s one way) inside one node …
    assert hybrid_engine.gather_seconds(13.48e9, 8, 8, 300e9, 50e9) == pytest.approx(13.48e9 * 7 / 8 / 300e9)
    # … and the 15/16 over its 50 GB/s NIC when the 16 GPUs span two nodes.
    assert hybrid_engine.gather_seconds(13.48e9, 16, 8, 300e9, 50e9) == pytest.approx(13.48e9 * 15 / 16 / 50e9)


def test_planned_gather_is_calls_times_gpus_times_one_all_gather():
    # 64 calls (batch 1 per GPU) × 16 GPUs × one all-gather of 13.48e9·15/16 B over the 25 GB/s HDR NIC of each
    # A100 (the 16 GPUs span two 8-GPU DGX A100 nodes) = 64 × 16 × 0.5055 s = 0.1438 productive GPU-h, reserved
    # at the given goodput 0.8: 0.1798 GPU-h.
    group = plan(generation_batch_per_gpu=1, hardware="{accelerator: nvidia-a100-sxm-80gb, count: 16, goodput: 0.8}")
    expected = 64 * 16 * (2 * 6.74e9 * 15 / 16 / 25e9) / 3600 / 0.8
    assert steps(group)["weight_gather"]["gpu_hours"] == pytest.approx(expected, rel=1e-6)


def test_decode_at_batch_one_is_bounded_by_weight_reads():
    # Each decode step of a batch-1 rollout reads every weight once: 1,024 × 1,024 tokens × 13.48 GB ÷ 2,039 GB/s
    # = 1.93 GPU-h at the full HBM bandwidth, a floor; at the roofline's effective half bandwidth plus the KV cache
    # (2·32·4096·2 B = 0.52 MB a token × a mean 1,536-token context) and 2 ms a step it is about 4.7 GPU-h.
    floor = 1024 * 1024 * 2 * 6.74e9 / A100_BANDWIDTH / 3600
    step = (2 * 6.74e9 + 2 * 32 * 4096 * 2 * 1536) / (A100_BANDWIDTH * 0.5) + 2e-3
    by_hand = 1024 * 1024 * step / 3600
    generation = steps(plan(generation_batch_per_gpu=1))["rollout_generation"]["gpu_hours"]
    assert generation > floor
    assert generation == pytest.approx(by_hand, rel=0.25)


# --- properties ---------------------------------------------------------------------------------


def test_a_larger_generation_batch_costs_fewer_generation_gpu_hours():
    hours = [steps(plan(generation_batch_per_gpu=b))["rollout_generation"]["gpu_hours"] for b in (1, 4, 16)]
    assert hours[0] > hours[1] > hours[2]


def test_fewer_calls_gather_less():
    gathers = [steps(plan(generation_batch_per_gpu=b))["weight_gather"]["gpu_hours"] for b in (1, 4, 16)]
    assert gathers[0] > gathers[1] > gathers[2]


def test_the_hybrid_engine_has_no_trainer_to_engine_weight_sync():
    assert "weight_sync" not in steps(plan()) and "weight_gather" in steps(plan())
    assert "weight_sync" in steps(plan(rollout_engine="serving", offload=None))


def test_training_states_that_leave_no_room_are_refused(cli, scenario_file):
    # Without offload, 4 × 6.74B models on 2 GPUs: (16·13.48e9 + 2·13.48e9) / 2 = 121 GB per GPU > 80 GB.
    text = f"name: t\nmodel: {LLAMA7}\npost_training:\n" + _group(offload=None, hardware="{accelerator: nvidia-a100-sxm-80gb, count: 2}") + "\n"
    path = scenario_file(text)
    result = cli("plan", path, "--format", "json")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "post_training[0].offload" in result.stderr and "give offload: true or more GPUs" in result.stderr


@pytest.mark.parametrize(
    "fields, line, column, fragment",
    [
        ({"placement": "split", "rollout_gpus": 4}, 4, 18, "rollout_engine: hybrid_engine generates with the trained actor on every GPU"),
        ({"rollout_engine": "serving", "offload": None, "generation_batch_per_gpu": 4}, 4, 18, "generation_batch_per_gpu applies to rollout_engine: hybrid_engine"),
        ({"rollout_batch": 8}, 4, 18, "rollout_batch applies to rollout_engine: serving"),
        ({"inference_tp": 1.5}, 4, 18, "inference_tp is a whole number of GPUs (got 1.5)"),
        ({"inference_tp": 32}, 4, 18, "inference_tp (32) exceeds the group's 16 GPUs"),
    ],
)
def test_bad_hybrid_fields_are_one_located_line(cli, scenario_file, fields, line, column, fragment):
    path = scenario_file(f"name: t\nmodel: {LLAMA7}\npost_training:\n" + _group(**fields) + "\n")
    result = cli("plan", path, "--format", "json")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert fragment in result.stderr.splitlines()[0], result.stderr


# --- the bundled cases --------------------------------------------------------------------------


def test_deepspeed_chat_step3_table_is_within_2x():
    # DeepSpeed-Chat's own Step-3 table (OPT-1.3B … 175B, 264,292 queries of 256 + 256 tokens), defaults only.
    rows = {r["name"]: r for r in post_training_reference().rows}
    opt = [case["name"] for case in cases() if case["name"].startswith("DeepSpeed-Chat RLHF step 3")]
    assert len(opt) == 6
    for name in opt:
        assert 0.5 <= rows[name]["loo_ratio"] <= 2.0, (name, rows[name]["loo_ratio"])


def test_every_case_but_one_is_within_2x():
    # Aim of #15: no case beyond 2x. Still beyond: DeepSpeed-Chat LLaMA2-70B in OpenRLHF's table (docs/CALIBRATION.md §1.4).
    beyond = [r["name"] for r in post_training_reference().rows if not 0.5 <= r["loo_ratio"] <= 2.0]
    assert len(beyond) <= 1 and all("LLaMA2-70B" in name for name in beyond), beyond


def test_an_inference_tp_too_small_for_the_weights_is_refused(cli, scenario_file):
    # LLaMA-2-70B in bf16 is 138 GB: one 80 GB GPU cannot hold it, whatever the training states leave.
    model = "{params: 69B, layers: 80, d_model: 8192, heads: 64, kv_heads: 8, vocab: 32000, ffn_dim: 28672}"
    group = _group(reward_model_params="69B", inference_tp=1, hardware="{accelerator: nvidia-a100-sxm-80gb, count: 32}")
    result = cli("plan", scenario_file(f"name: t\nmodel: {model}\npost_training:\n{group}\n"), "--format", "json")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "post_training[0].inference_tp" in result.stderr and "the group gives 1" in result.stderr


def _figure_6_tflops() -> dict[str, float]:
    """TFLOP/s per GPU of the generation and training phases the planner gives DeepSpeed-Chat's OPT-13.2B case."""
    case = next(c for c in cases() if "actor OPT-13.2B" in c["name"])
    steps = plan_case(case)["steps"]
    generation = [s for s in steps if s["kind"] == "generation"]
    training = [s for s in steps if s["kind"] in ("training", "forward")]
    return {
        name: sum(s["flops"] for s in group) / (sum(s["gpu_hours"] for s in group) * 3600) / 1e12 for name, group in (("generation", generation), ("training", training))
    }


def test_training_phase_throughput_against_deepspeed_chats_figure_6():
    # DeepSpeed-Chat's blog, Figure 6 (microsoft/DeepSpeed blogs/assets/images/figure6.png): OPT-13B on 8 A100s
    # trains at 97.3 TFLOP/s per GPU (a measurement, not a bundled case's figure); the planner within 2x.
    tflops = _figure_6_tflops()
    assert 97.3 / 2 <= tflops["training"] <= 97.3 * 2, tflops


@pytest.mark.xfail(
    strict=True,
    reason="the serving fit of docs/CALIBRATION.md §4 times the Hybrid Engine's generation at ~75 TFLOP/s per GPU "
    "against the 33.0 measured (2.27x): DeepSpeed-Chat's generate() loop is slower than the serving engines the fit "
    "is built on (docs/CALIBRATION.md §1.4); strict, so a fix that brings it within 2x shows here",
)
def test_generation_phase_throughput_against_deepspeed_chats_figure_6():
    # The same figure: OPT-13B generates at 33.0 TFLOP/s per GPU; the planner's generation is the faster one.
    tflops = _figure_6_tflops()
    assert 33.0 / 2 <= tflops["generation"] <= 33.0 * 2, tflops
