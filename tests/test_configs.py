"""Every example in configs/ is valid, plans cleanly and says what it claims to say."""

from __future__ import annotations

import pytest

from tests.conftest import CONFIGS


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_example_plans_cleanly(path, cli):
    assert path.read_text().startswith("# yaml-language-server: $schema=../schemas/scenario.schema.json")
    result = cli("plan", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    section = result.json()["pretraining"]
    assert section["flops"] > 0 and section["gpu_hours"] > 0


def test_examples_cover_dense_moe_and_small(cli):
    names = {p.name for p in CONFIGS}
    assert {"frontier-dense.scenario.yaml", "moe.scenario.yaml", "small-model.scenario.yaml"} <= names


def _plan(cli, name):
    return cli("plan", f"configs/{name}", "-f", "json").json()["pretraining"]


def test_frontier_dense_is_near_its_published_gpu_hours(cli):
    # Meta's model card: 30.84M H100 GPU-hours for Llama 3.1 405B. The plan times 6·N·D, the count
    # the efficiency is calibrated on (the attention term is reported beside it, not timed twice).
    section = _plan(cli, "frontier-dense.scenario.yaml")
    assert section["gpu_hours"] == pytest.approx(30.84e6, rel=0.15)
    assert section["gpu_hours_p10"] <= 30.84e6 <= section["gpu_hours_p90"]
    assert section["flops_6nd"] == pytest.approx(6 * 405e9 * 15.6e12)
    assert section["attention_flops"] > 0 and section["flops"] > section["flops_6nd"]


def test_frontier_example_and_its_reference_row_agree(cli):
    """One FLOP convention: the plan of the Llama 3.1 405B recipe and `scaling reference`'s
    in-sample prediction of the same run are the same figure."""
    from scaling_cli.commands.reference import reference_report

    row = next(r for r in reference_report(leave_one_out=False).runs if r["name"] == "Llama 3.1 405B")
    assert _plan(cli, "frontier-dense.scenario.yaml")["gpu_hours"] == pytest.approx(row["gpu_hours"], rel=0.01)


def test_moe_example_is_planned_on_active_parameters(cli):
    section = _plan(cli, "moe.scenario.yaml")
    assert section["flops"] == pytest.approx(6 * 37e9 * 14.8e12)
    # DeepSeek-V3 README: 2.664M H800 GPU-hours; the band of the plan holds it
    assert section["gpu_hours"] == pytest.approx(2.664e6, rel=0.4)
    assert section["gpu_hours_p10"] <= 2.664e6 <= section["gpu_hours_p90"]


def test_small_example_reports_co2(cli):
    section = _plan(cli, "small-model.scenario.yaml")
    assert section["co2_tonnes"] == pytest.approx(section["energy_mwh"] * 0.37)
    assert section["wall_clock_days"] < 7
