"""Colocated RL inside DeepSpeed-Chat's Hybrid Engine (``rollout_engine: hybrid_engine``; issue #15):
the formulas by hand, the rollouts' physics as properties, bad input, and the bundled cases."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from scaling_cli import defaults
from scaling_cli.commands.post_training_fit import Refitted, fit, implied_figures
from scaling_cli.commands.reference_post_training import cases, plan_case, post_training_reference
from scaling_cli.engine import hybrid_engine
from scaling_cli.engine.uncertainty import Sampler
from scaling_cli.planner.plan import build_plan, evaluate, to_plain
from scaling_cli.scenario.inputs import freeze
from scaling_cli.scenario.root import Scenario
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


def _scenario_text(**fields: object) -> str:
    return f"name: t\nmodel: {LLAMA7}\npost_training:\n{_group(**fields)}\n"


def plan(**fields: object) -> dict:
    text = _scenario_text(**fields)
    return build_plan(validate_document(parse_yaml(textwrap.dedent(text), "t.yaml")), samples=0).to_dict()["post_training"]["derivatives"][0]


def _plan_with(key: str, value: float) -> dict:
    """``plan()`` with one fitted post-training constant replaced (as a leave-one-out refit does)."""
    scenario = Scenario.model_validate(yaml.safe_load(_scenario_text()))
    return to_plain(evaluate(freeze(scenario, Sampler.point()), Sampler.point(), Refitted({key: value})))["post_training"]["derivatives"][0]


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
    # = 1.93 GPU-h at the full HBM bandwidth, a floor. On the roofline a step also reads the KV cache
    # (2·32·4096·2 B = 0.52 MB a token × a mean 1,536-token context) at the fitted bandwidth efficiency and pays
    # the per-step overhead: (13.48e9 + 0.805e9) B ÷ (2,039e9 × 0.69) + 1.3 ms = 11.46 ms, 3.34 GPU-h for the
    # 1,048,576 steps; the Hybrid Engine's generate() loop runs at 0.46 of that rate: 7.25 GPU-h (+ prefills).
    floor = 1024 * 1024 * 2 * 6.74e9 / A100_BANDWIDTH / 3600
    bytes_per_step = 2 * 6.74e9 + 2 * 32 * 4096 * 2 * 1536
    step = bytes_per_step / (A100_BANDWIDTH * defaults.BANDWIDTH_EFFICIENCY.value) + defaults.STEP_OVERHEAD.value
    by_hand = 1024 * 1024 * step / 3600 / defaults.HYBRID_ENGINE_GENERATION_EFFICIENCY.value
    generation = steps(plan(generation_batch_per_gpu=1))["rollout_generation"]["gpu_hours"]
    assert generation > floor / defaults.HYBRID_ENGINE_GENERATION_EFFICIENCY.value
    assert generation == pytest.approx(by_hand, rel=0.15)


def test_the_generation_share_scales_generation_and_nothing_else():
    # Stating the share as 1 (the serving roofline itself) in place of the fitted 0.46 divides the rollout's
    # GPU-hours by 1 / 0.46 and leaves training, scoring and the weight gather as they are.
    fitted = steps(plan())
    at_roofline = steps(_plan_with(defaults.HYBRID_ENGINE_GENERATION_EFFICIENCY.key, 1.0))
    share = defaults.HYBRID_ENGINE_GENERATION_EFFICIENCY.value
    assert fitted["rollout_generation"]["gpu_hours"] == pytest.approx(at_roofline["rollout_generation"]["gpu_hours"] / share, rel=1e-9)
    for name in ("policy_training", "critic_training", "reference_forward", "weight_gather"):
        assert fitted[name]["gpu_hours"] == pytest.approx(at_roofline[name]["gpu_hours"], rel=1e-9), name


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


def test_deepspeed_chat_step3_table_is_unbiased_and_within_2x_but_for_opt_30b():
    # DeepSpeed-Chat's own Step-3 table (OPT-1.3B … 175B, 264,292 queries of 256 + 256 tokens), defaults only,
    # leave-one-out. OPT-30B on 8 GPUs is the documented miss (docs/CALIBRATION.md §1.4): its training states
    # leave a TP-4 replica little room for the KV cache, a configuration its Figure 6 bar (at 32 GPUs) does not show.
    rows = {r["name"]: r for r in post_training_reference().rows}
    opt = [case["name"] for case in cases() if case["name"].startswith("DeepSpeed-Chat RLHF step 3")]
    assert len(opt) == 6
    ratios = sorted(rows[name]["loo_ratio"] for name in opt)
    assert 0.8 <= (ratios[2] * ratios[3]) ** 0.5 <= 1.25, ratios  # the median of six
    for name in opt:
        if "OPT-30B" not in name:
            assert 0.5 <= rows[name]["loo_ratio"] <= 2.0, (name, rows[name]["loo_ratio"])


def test_only_the_documented_cases_are_beyond_2x():
    # Aim of #15: no case beyond 2x. Beyond it, each with its reason in docs/CALIBRATION.md §1.4: DeepSpeed-Chat
    # LLaMA2-70B and LLaMA2-7B in OpenRLHF's table (inference micro-batch unstated; 1 is an upper bound) and OPT-30B.
    beyond = {r["name"] for r in post_training_reference().rows if not 0.5 <= r["loo_ratio"] <= 2.0}
    documented = ("Hybrid Engine) PPO benchmark, LLaMA2-70B", "Hybrid Engine) PPO benchmark, LLaMA2-7B", "actor OPT-30B,")
    assert all(any(mark in name for mark in documented) for name in beyond), beyond


def test_an_inference_tp_too_small_for_the_weights_is_refused(cli, scenario_file):
    # LLaMA-2-70B in bf16 is 138 GB: one 80 GB GPU cannot hold it, whatever the training states leave.
    model = "{params: 69B, layers: 80, d_model: 8192, heads: 64, kv_heads: 8, vocab: 32000, ffn_dim: 28672}"
    group = _group(reward_model_params="69B", inference_tp=1, hardware="{accelerator: nvidia-a100-sxm-80gb, count: 32}")
    result = cli("plan", scenario_file(f"name: t\nmodel: {model}\npost_training:\n{group}\n"), "--format", "json")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "post_training[0].inference_tp" in result.stderr and "the group gives 1" in result.stderr


def _generation_tflops(case: dict, assumptions: Refitted | None = None) -> float:
    """TFLOP/s per GPU of a case's planned generation: its FLOP over its GPU-hours."""
    generation = [s for s in plan_case(case, assumptions)["steps"] if s["kind"] == "generation"]
    return sum(s["flops"] for s in generation) / (sum(s["gpu_hours"] for s in generation) * 3600) / 1e12


def _figure_6_tflops() -> dict[str, float]:
    """TFLOP/s per GPU of the generation and training phases the planner gives DeepSpeed-Chat's OPT-13.2B case."""
    case = next(c for c in cases() if "actor OPT-13.2B" in c["name"])
    steps = plan_case(case)["steps"]
    training = [s for s in steps if s["kind"] in ("training", "forward")]
    return {"generation": _generation_tflops(case), "training": sum(s["flops"] for s in training) / (sum(s["gpu_hours"] for s in training) * 3600) / 1e12}


def test_training_phase_throughput_against_deepspeed_chats_figure_6():
    # DeepSpeed-Chat's blog, Figure 6 (microsoft/DeepSpeed blogs/assets/images/Throughputs-OPT.png): OPT-13B on 8
    # A100s trains at 97.3 TFLOP/s per GPU (not fitted on: the training efficiency is OpenRLHF's); within 2x.
    tflops = _figure_6_tflops()
    assert 97.3 / 2 <= tflops["training"] <= 97.3 * 2, tflops


def _figure_6_cases() -> list[dict]:
    """The bundled cases whose Figure 6 generation bar was measured at their own GPU count."""
    return [c for c in cases() if "generation" in (c["measured"].get("stage_tflops_per_gpu") or {}) and c["measured"]["stage_tflops_per_gpu"]["gpus"] == c["scenario"]["group"]["hardware"]["count"]]


def test_figure_6_generation_bars_predicted_from_the_others():
    # Each Figure 6 generation bar at its case's GPU count (OPT-1.3B, 6.7B, 13B on 8 A100s, 175B on 64: 23.8 / 32.9 /
    # 33.0 / 25.4 TFLOP/s per GPU), predicted with the Hybrid Engine's share refitted on the other three bars alone.
    bars = _figure_6_cases()
    assert len(bars) == 4
    figures = [implied_figures(c, plan_case(c)) for c in bars]
    for index, case in enumerate(bars):
        others = fit([f for other, f in enumerate(figures) if other != index])
        predicted = _generation_tflops(case, Refitted(others))
        measured = case["measured"]["stage_tflops_per_gpu"]["generation"]
        assert 0.8 <= predicted / measured <= 1.25, (case["name"], predicted, measured)


def test_without_figure_6_the_hybrid_engine_decodes_at_the_roofline():
    # With no bar to fit on, the share is 1 (the serving roofline), never the stated default taken from the bars;
    # and the implied share is the planned one × measured ÷ planned TFLOP/s, by hand for OPT-13B.
    key = defaults.HYBRID_ENGINE_GENERATION_EFFICIENCY.key
    assert fit([])[key] == 1.0
    case = next(c for c in _figure_6_cases() if "OPT-13.2B" in c["name"])
    implied = implied_figures(case, plan_case(case))["hybrid_engine_generation_efficiency"]
    assert implied == pytest.approx(defaults.HYBRID_ENGINE_GENERATION_EFFICIENCY.value * 33.0 / _generation_tflops(case), rel=1e-9)
    at_roofline = _generation_tflops(case, Refitted({key: 1.0}))
    assert at_roofline / 33.0 > 2.0  # the miss the share closes: the roofline alone is over twice the measured rate
