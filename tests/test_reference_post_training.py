"""`scaling reference --post-training`: the planner against published post-training jobs (#15)."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
import yaml

from scaling_cli.commands.ratios import fold_error
from scaling_cli.commands.reference_post_training import cases, plan_case, post_training_reference
from tests.conftest import REPO

SHARED = REPO.parent / "shared" / "reference" / "post_training_measurements.yaml"


def _case(start: str) -> dict:
    return next(c for c in cases() if c["name"].startswith(start))


def test_every_case_keeps_its_source_quote_and_measured_hours():
    for case in cases():
        assert case["source"] and case["quote"].strip(), case["name"]
        assert case["measured"]["gpu_hours"] > 0 and case["measured"]["derivation"], case["name"]
        assert "group" in case["scenario"] and "model" in case["scenario"], case["name"]


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


def test_summary_figures_follow_from_the_rows():
    report = post_training_reference()
    rows = report.rows
    assert report.summary["cases"] == len(cases()) == len(rows)
    for row in rows:
        assert row["ratio"] == pytest.approx(row["predicted_gpu_hours"] / row["measured_gpu_hours"])
    errors = sorted(abs(r["ratio"] - 1) for r in rows)
    middle = len(errors) // 2
    expected = errors[middle] if len(errors) % 2 else (errors[middle - 1] + errors[middle]) / 2
    assert report.summary["median_abs_error"] == pytest.approx(expected)
    assert fold_error(report.summary["worst_ratio"]) == max(fold_error(r["ratio"]) for r in rows)
    assert sum(g["cases"] for g in report.by_technique.values()) == len(rows)


def test_fold_error_is_symmetric():
    assert fold_error(0.5) == pytest.approx(2) and fold_error(2) == pytest.approx(2) and fold_error(1) == 1


def test_the_command_prints_json_and_a_table():
    run = subprocess.run([sys.executable, "-m", "scaling_cli", "reference", "--post-training", "-f", "json"], capture_output=True, text=True, check=True)
    import json

    data = json.loads(run.stdout)
    assert data["summary"]["cases"] == len(cases()) and math.isfinite(data["summary"]["median_abs_error"])
    table = subprocess.run([sys.executable, "-m", "scaling_cli", "reference", "--post-training"], capture_output=True, text=True, check=True).stdout
    assert "By technique" in table and "rl/ppo" in table
