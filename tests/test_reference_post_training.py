"""`scaling reference --post-training`: the planner against published post-training jobs (#15)."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
import yaml

from scaling_cli.commands.post_training_fit import FITTED, Refitted, fit, implied_figures, power_law
from scaling_cli.commands.ratios import fold_error
from scaling_cli.commands.reference_post_training import cases, plan_case, post_training_reference
from scaling_cli.defaults import FINETUNE_EFFICIENCY_AT_10B, FINETUNE_EFFICIENCY_EXPONENT
from tests.conftest import REPO

SHARED = REPO.parent / "shared" / "reference" / "post_training_measurements.yaml"


def _case(start: str) -> dict:
    return next(c for c in cases() if c["name"].startswith(start))


def test_every_case_keeps_its_source_quote_and_measured_hours():
    for case in cases():
        assert case["source"] and case["quote"].strip(), case["name"]
        assert case["measured"]["gpu_hours"] > 0 and case["measured"]["derivation"], case["name"]
        assert ("group" in case["scenario"]) != ("groups" in case["scenario"]) and "model" in case["scenario"], case["name"]


@pytest.mark.skipif(not SHARED.exists(), reason="the shared reference set is not on this machine")
def test_the_bundled_set_holds_every_shared_case_unchanged():
    shared = {c["name"]: c for c in yaml.safe_load(SHARED.read_text(encoding="utf-8"))["cases"]}
    bundled = {c["name"]: c for c in cases()}
    for name, case in shared.items():
        assert {k: v for k, v in bundled[name].items() if k != "scenario"} == case


def test_measured_hours_are_the_quoted_figures():
    # s1-32B: "26 minutes on 16 NVIDIA H100 GPUs"; OpenRLHF: seconds per 1024 prompts x GPUs
    assert _case("s1-32B")["measured"]["gpu_hours"] == pytest.approx(16 * 26 / 60, abs=0.005)
    assert _case("Stanford Alpaca")["measured"]["gpu_hours"] == 8 * 3
    for size, seconds, gpus in ((7, 471.11, 16), (13, 608.93, 32), (34, 1526.4, 32), (70, 4488.53, 32)):
        assert _case(f"OpenRLHF PPO benchmark, LLaMA2-{size}B")["measured"]["gpu_hours"] == pytest.approx(seconds * gpus / 3600, rel=1e-4)


def test_a_case_is_planned_as_its_recipe():
    # Alpaca: 6·N·D = 6 × 6.74e9 × (52,000 × 512 tokens × 3 epochs) = 3.2299e18 FLOP, on 8 A100s
    group = plan_case(_case("Stanford Alpaca"))
    assert group["flops"] == pytest.approx(6 * 6.74e9 * 52_000 * 512 * 3, rel=1e-9)
    assert group["gpus"] == 8 and group["accelerator"] == "nvidia-a100-sxm-80gb"


def test_a_case_of_several_phases_is_the_sum_of_its_phases():
    # DeepScaleR: three phases (8K on 8 A100s, 16K and 24K on 32), each planned as its own case
    case = _case("DeepScaleR")
    whole = plan_case(case)
    phases = [plan_case({**case, "scenario": {"model": case["scenario"]["model"], "group": group}}) for group in case["scenario"]["groups"]]
    assert len(phases) == 3 and whole["gpu_hours"] == pytest.approx(sum(p["gpu_hours"] for p in phases))
    assert whole["gpus"] == 32 and len(whole["steps"]) == sum(len(p["steps"]) for p in phases)
    assert implied_figures(case, whole) == {}


def test_new_cases_measured_hours_are_the_quoted_figures():
    # DSChat (Hybrid Engine): seconds per 1024 prompts x GPUs; DeepScaleR stated; Guanaco 1 GPU x 24 h
    for size, seconds, gpus in ((7, 855.09, 16), (13, 1528.93, 32), (34, 3634.98, 32), (70, 10407.0, 32)):
        assert _case(f"DeepSpeed-Chat (optimized, Hybrid Engine) PPO benchmark, LLaMA2-{size}B")["measured"]["gpu_hours"] == pytest.approx(seconds * gpus / 3600, rel=1e-4)
    assert _case("DeepScaleR")["measured"]["gpu_hours"] == 3800
    # DeepSpeed-Chat Table 1 (step 3): 8 A100-80G x 1.4 h / 4.1 h / 9 h / 18 h / 2.1 days, 64 x 20 h for OPT-175B
    for actor, gpus, hours_ in (("1.3B", 8, 1.4), ("6.7B", 8, 4.1), ("13.2B", 8, 9), ("30B", 8, 18), ("66B", 8, 2.1 * 24), ("175B", 64, 20)):
        assert _case(f"DeepSpeed-Chat RLHF step 3, actor OPT-{actor},")["measured"]["gpu_hours"] == pytest.approx(gpus * hours_)
    assert _case("QLoRA Guanaco-65B")["measured"]["gpu_hours"] == 24 and _case("QLoRA Guanaco-65B")["held_out"]



def test_dschat_7b_stage_times_are_the_quoted_figures_and_its_training_stage_matches():
    # OpenRLHF issue #327 quotes the paper's stage times of the 7B DSChat run on 16 A800s:
    # generation 590.157 s, training 125.69 s (of 855.09 s); bundled x 16 GPUs / 3600.
    case = _case("DeepSpeed-Chat (optimized, Hybrid Engine) PPO benchmark, LLaMA2-7B")
    stages = case["measured"]["stage_gpu_hours_all_gpus"]
    assert stages["generation"] == pytest.approx(590.157 * 16 / 3600, rel=1e-4)
    assert stages["training"] == pytest.approx(125.69 * 16 / 3600, rel=1e-4)
    assert implied_figures(case, plan_case(case)) == {}  # stage times of a colocated job inform no constant
    # The planner's actor + critic training on all 16 GPUs against the measured training stage: an
    # independent check of the RL training efficiency fitted on OpenRLHF's split-pool jobs.
    steps = plan_case(case)["steps"]
    training = sum(s["gpu_hours"] for s in steps if s["kind"] == "training")
    assert training == pytest.approx(stages["training"], rel=0.15)

def _median(values: list[float]) -> float:
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def test_summary_figures_follow_from_the_rows():
    report = post_training_reference()
    rows = report.rows
    fitted = [r for r in rows if not r["held_out"]]
    assert report.summary["leave_one_out"]["cases"] == len(cases()) == len(rows)
    assert report.summary["in_sample"]["cases"] == len(fitted) == len(rows) - report.summary["held_out_cases"]
    for row in rows:
        assert row["ratio"] == pytest.approx(row["predicted_gpu_hours"] / row["measured_gpu_hours"])
        assert row["loo_ratio"] == pytest.approx(row["loo_predicted_gpu_hours"] / row["measured_gpu_hours"])
    assert report.summary["in_sample"]["median_abs_error"] == pytest.approx(_median([abs(r["ratio"] - 1) for r in fitted]))
    assert report.summary["leave_one_out"]["median_abs_error"] == pytest.approx(_median([abs(r["loo_ratio"] - 1) for r in rows]))
    assert fold_error(report.summary["in_sample"]["worst_ratio"]) == max(fold_error(r["ratio"]) for r in fitted)
    assert fold_error(report.summary["leave_one_out"]["worst_ratio"]) == max(fold_error(r["loo_ratio"]) for r in rows)
    assert sum(g["leave_one_out"]["cases"] for g in report.by_technique.values()) == len(rows)


def test_the_stated_defaults_are_the_fit_on_the_bundled_cases():
    # defaults.py states each fitted constant to 2-3 significant figures: refit them when a case changes
    figures = [implied_figures(case, plan_case(case)) for case in cases()]
    fitted = fit(figures)
    for default in FITTED:
        assert fitted[default.key] == pytest.approx(default.value, rel=0.01, abs=0.005), default.key


def test_implied_efficiency_of_a_supervised_job_by_hand():
    # s1-32B: 6 × 32.8e9 × 4.7e6 tokens × 5 epochs = 4.6248e18 FLOP in 6.93 H100-hours at 989.5 TFLOP/s:
    # 4.6248e18 / (6.93 × 3600 × 989.5e12) = 0.18735
    case = _case("s1-32B")
    figures = implied_figures(case, plan_case(case))
    assert figures["supervised_efficiency"] == pytest.approx(6 * 32.8e9 * 4.7e6 * 5 / (6.93 * 3600 * 989.5e12), rel=1e-3)
    assert figures["params"] == pytest.approx(32.8e9)


def test_implied_rl_stage_figures_by_hand():
    # OpenRLHF 7B: T = 1024 × (1024 + 1024) = 2,097,152 tokens of experience; the policy's attention at
    # 2,048-token sequences, 12·L·d·2048 = 12 × 32 × 4096 × 2048 = 3.2212e9 FLOP a token (PaLM App. B).
    # training (policy + critic, 6·N·T each, + the policy's attention) = (12 × 6.74e9 + 3.2212e9) × T = 1.7638e17 FLOP
    #   in 171.13 s on 8 A100s (312 TFLOP/s): 1.7638e17 / (171.13 × 8 × 312e12) = 0.4129
    # scoring (reward, reference, critic values: 2·N·T each, + a third of the attention for the reference)
    #   = (6 × 6.74e9 + 3.2212e9 / 3) × T = 8.706e16 FLOP in 32.7 s on 12 GPUs: 8.706e16 / (32.7 × 12 × 312e12) = 0.7111
    # weight sync: 2 bytes × 6.74e9 / 4.32 s = 3.12 GB/s
    case = _case("OpenRLHF PPO benchmark, LLaMA2-7B")
    figures = implied_figures(case, plan_case(case))
    tokens = 1024 * 2048
    attention = 12 * 32 * 4096 * 2048
    assert figures["rl_training_efficiency"] == pytest.approx((12 * 6.74e9 + attention) * tokens / (171.13 * 8 * 312e12), rel=2e-3)
    assert figures["forward_efficiency"] == pytest.approx((6 * 6.74e9 + attention / 3) * tokens / (32.7 * 12 * 312e12), rel=2e-3)
    assert figures["weight_sync_bandwidth"] == pytest.approx(2 * 6.74e9 / 4.32, rel=2e-3)


def test_power_law_by_hand():
    # e = 0.1·(N/10B)^0.5 through 10B and 40B: e = 0.1 and 0.2
    at_10b, exponent = power_law([1e10, 4e10], [0.1, 0.2])
    assert at_10b == pytest.approx(0.1) and exponent == pytest.approx(0.5)
    # one size only: no slope, the geometric mean sqrt(0.1 × 0.4) = 0.2
    assert power_law([3e10, 3e10], [0.1, 0.4]) == pytest.approx((0.2 * (3e10 / 1e10) ** 0, 0.0))


def test_leaving_alpaca_out_refits_a_flat_efficiency():
    # Without Alpaca only the two 32.8B s1 jobs remain: e flat = sqrt(0.18735 × 0.14899) = 0.16707, b = 0.
    # Alpaca: 6 × 6.74e9 × 26,624,000 × 3 = 3.2299e18 FLOP / (0.16707 × 312e12 × 3600) = 17.21 GPU-hours vs 24 measured
    report = post_training_reference()
    alpaca = next(r for r in report.rows if r["name"].startswith("Stanford Alpaca"))
    flat = math.sqrt(0.18735 * 0.14899)
    assert alpaca["loo_predicted_gpu_hours"] == pytest.approx(6 * 6.74e9 * 26_624_000 * 3 / (flat * 312e12 * 3600), rel=2e-3)
    assert alpaca["loo_ratio"] == pytest.approx(17.21 / 24, rel=2e-3)


def test_a_held_out_case_informs_no_constant_and_refitted_assumptions_say_so():
    case = {**_case("s1-32B"), "held_out": True}
    assert implied_figures(case, plan_case(case)) == {}
    assumptions = Refitted({FINETUNE_EFFICIENCY_AT_10B.key: 0.2})
    assert assumptions.use(FINETUNE_EFFICIENCY_AT_10B) == 0.2
    assert assumptions.use(FINETUNE_EFFICIENCY_EXPONENT) == FINETUNE_EFFICIENCY_EXPONENT.value
    listed = {a.key: a for a in assumptions.as_list()}
    assert "leave-one-out" in listed[FINETUNE_EFFICIENCY_AT_10B.key].source


def test_fold_error_is_symmetric():
    assert fold_error(0.5) == pytest.approx(2) and fold_error(2) == pytest.approx(2) and fold_error(1) == 1


def test_the_command_prints_json_and_a_table():
    run = subprocess.run([sys.executable, "-m", "scaling_cli", "reference", "--post-training", "-f", "json"], capture_output=True, text=True, check=True)
    import json

    data = json.loads(run.stdout)
    for mode in ("in_sample", "leave_one_out"):
        assert math.isfinite(data["summary"][mode]["median_abs_error"]) and data["by_technique"]["rl/ppo"][mode]["cases"] >= 4
    assert data["summary"]["leave_one_out"]["cases"] == len(cases())
    assert set(data["constants"]) == {d.key for d in FITTED}
    assert all("loo_ratio" in case and "held_out" in case for case in data["cases"])
    table = subprocess.run([sys.executable, "-m", "scaling_cli", "reference", "--post-training"], capture_output=True, text=True, check=True).stdout
    assert "By technique" in table and "rl/ppo" in table and "Leave-one-out" in table
