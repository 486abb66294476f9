"""`scaling reference`: the planner's honesty report on published runs."""

from __future__ import annotations

import pytest

from scaling_cli.catalog.calibration import prior_for, run_efficiencies
from scaling_cli.commands.reference import reference_report


def test_leave_one_out_really_leaves_the_run_out():
    assert "LLaMA-13B" in prior_for("ampere", 13e9, 13e9).runs
    assert "LLaMA-13B" not in prior_for("ampere", 13e9, 13e9, "LLaMA-13B").runs
    assert "Llama 3.1 405B" not in prior_for("hopper", 405e9, 405e9, "Llama 3.1 405B").runs


def test_every_run_with_gpu_hours_is_checked_and_the_band_is_consistent():
    report = reference_report()
    timed = [r for r in report.runs if r["gpu_hours"] is not None]
    assert len(timed) == report.summary["runs_with_gpu_hours"] == len(run_efficiencies())
    for run in timed:
        assert run["gpu_hours_p10"] < run["gpu_hours"] < run["gpu_hours_p90"]
        assert run["in_band"] == (run["gpu_hours_p10"] <= run["reported_gpu_hours"] <= run["gpu_hours_p90"])


def test_gpt3_flops_error_is_the_published_discrepancy():
    gpt3 = next(r for r in reference_report().runs if r["name"] == "GPT-3 175B")
    assert gpt3["flops_error"] == pytest.approx(3.15e23 / 3.14e23 - 1, rel=1e-6)


def test_reference_band_matches_the_planner_monte_carlo(cli, scenario_file):
    """The analytic log-normal band of the report equals `scaling plan`'s Monte Carlo band."""
    path = scenario_file("name: l2\nhardware: {accelerator: a100-80gb}\nmodel: {params: 68.977B}\npretraining: {tokens: 2T}\n")
    plan = cli("plan", path, "-f", "json", "--samples", "200000").json()["pretraining"]
    row = next(r for r in reference_report(leave_one_out=False).runs if r["name"] == "Llama 2 70B")
    assert plan["gpu_hours"] == pytest.approx(row["gpu_hours"], rel=1e-9)
    assert plan["gpu_hours_p10"] == pytest.approx(row["gpu_hours_p10"], rel=0.01)
    assert plan["gpu_hours_p90"] == pytest.approx(row["gpu_hours_p90"], rel=0.01)


def test_cli_reference_json(cli):
    data = cli("reference", "-f", "json").json()
    assert data["leave_one_out"] is True
    assert data["summary"]["runs_with_gpu_hours"] >= 13
