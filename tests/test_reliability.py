"""Goodput from the cluster's size and run length (Young/Daly), the scale efficiency of a fixed batch,
and what they do to a plan, a sweep and the calibration (issue #13 item 5)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from scaling_cli.engine import reliability
from tests.conftest import REPO

#: Llama 3 (arXiv 2407.21783) §3.3.4: 419 unexpected interruptions in a 54-day snapshot on 16,384 H100s.
LLAMA3_RATE = 419 / (54 * 16384)


def test_job_mtbf_at_the_llama3_scale_is_the_papers_one_interruption_every_three_hours():
    # 24 h ÷ (16,384 × 419 / (54 × 16,384)) = 54 × 24 / 419 = 1296 / 419 = 3.0931 h
    assert reliability.job_mtbf_hours(16384, LLAMA3_RATE) == pytest.approx(3.0931, abs=1e-4)


def test_young_daly_interval_by_hand():
    # δ = 6.3 s = 0.00175 h, M = 3.0931 h: τ = √(2 × 0.00175 × 3.0931) = √0.010826 = 0.10405 h = 6.243 min
    assert reliability.checkpoint_interval_hours(6.3, 3.0931) == pytest.approx(0.10405, rel=1e-3)
    # Young's square root: four times the MTBF doubles the interval
    assert reliability.checkpoint_interval_hours(6.3, 4 * 3.0931) == pytest.approx(2 * 0.10405, rel=1e-3)
    # Daly 2006 Fig. 3's setting, δ = 5 min and M = 24 h: √(2 × 5/60 × 24) = √4 = 2 h (first order; Daly's
    # higher-order optimum there is 117 min)
    assert reliability.checkpoint_interval_hours(300, 24) == pytest.approx(2.0)


def test_goodput_at_the_llama3_scale_by_hand():
    # M = 3.0931 h, τ = 0.10405 h, R = 600 s = 1/6 h, T = 54 days = 1296 h:
    #   δ/τ    = 0.00175 / 0.10405      = 0.016819
    #   τ/(2M) = 0.10405 / 6.1862       = 0.016820
    #   R/M    = 0.166667 / 3.0931      = 0.053883
    #   R/T    = 0.166667 / 1296        = 0.000129
    #   G = 1 / (1 + 0.087651) = 0.91941 - Llama 3 reports "higher than 90% effective training time"
    g = reliability.goodput(16384, 54, LLAMA3_RATE, 6.3, 600)
    assert g.goodput == pytest.approx(0.91941, abs=2e-4)
    assert g.goodput > 0.90
    assert g.checkpoint == pytest.approx(0.016819 / 1.087651, rel=1e-3)
    assert g.lost_work == pytest.approx(0.016820 / 1.087651, rel=1e-3)
    assert g.restart == pytest.approx((0.053883 + 0.000129) / 1.087651, rel=1e-3)
    # the parts are shares of the reserved time: they add up to what goodput loses
    assert g.checkpoint + g.lost_work + g.restart == pytest.approx(1 - g.goodput)
    # interruptions over the run: 1296 h × 1.087651 ÷ 3.0931 h = 455.7 (Llama 3 saw 419 in its 54 days)
    assert g.interruptions == pytest.approx(455.7, rel=1e-3)


def test_goodput_falls_with_the_count_and_stays_a_fraction_at_absurd_scale():
    values = [reliability.goodput(n, 60, LLAMA3_RATE, 6.3, 600).goodput for n in (8, 512, 4096, 32768, 10**6, 10**9)]
    assert all(a > b for a, b in zip(values, values[1:]))
    assert all(0 < v <= 1 for v in values)


def test_a_short_run_pays_its_start_up():
    long, short = (reliability.goodput(1024, days, LLAMA3_RATE, 6.3, 600).goodput for days in (60, 0.5))
    assert short < long


def test_scale_efficiency_reproduces_llama3_table4():
    # Llama 3 Table 4: 43% BF16 MFU on 8,192 GPUs, 41% on 16,384, the same 16M-token batch
    k = 2 / (39 * 8192)
    ratio = reliability.scale_efficiency(16384, k) / reliability.scale_efficiency(8192, k)
    assert ratio == pytest.approx(41 / 43)
    assert reliability.scale_efficiency(8, k) > 0.9999  # one node loses nothing measurable


def _run(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "scaling_cli", *args, "-f", "json"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


FRONTIER = str(REPO / "configs" / "frontier-dense.scenario.yaml")


def test_a_sweep_over_the_count_shows_days_falling_less_than_linearly_and_cost_rising():
    data = _run("sweep", FRONTIER, "--vary", "hardware.count=1024:32768:6:log", "--top", "0")
    assert data["vary"][0]["values"] == [1024, 2048, 4096, 8192, 16384, 32768]
    points = sorted(data["points"], key=lambda p: p["hardware.count"])
    for small, large in zip(points, points[1:]):
        assert large["pretraining.wall_clock_days"] < small["pretraining.wall_clock_days"]
        # doubling the GPUs less than halves the days ...
        assert large["pretraining.wall_clock_days"] > small["pretraining.wall_clock_days"] / 2
        # ... so the same run costs more, and goodput and scale efficiency fall
        assert large["total.cost_usd"] > small["total.cost_usd"]
        assert large["pretraining.goodput"] < small["pretraining.goodput"]
        assert large["pretraining.scale_efficiency"] < small["pretraining.scale_efficiency"]
    for point in points:  # GPU counts are whole numbers in the JSON
        assert isinstance(point["hardware.count"], int) and isinstance(point["pretraining.gpus"], int)


def test_the_plan_reports_goodput_its_parts_and_what_the_hours_cover():
    section = _run("plan", FRONTIER, "--samples", "0")["pretraining"]
    parts = section["goodput_checkpoint"] + section["goodput_lost_work"] + section["goodput_restart"]
    assert parts == pytest.approx(1 - section["goodput"])
    assert section["job_mtbf_hours"] == pytest.approx(3.0931, abs=1e-3)  # 16,384 GPUs at Llama 3's rate
    assert section["checkpoint_interval_minutes"] == pytest.approx(6.243, rel=1e-3)
    assert 0.90 < section["goodput"] < 0.93
    assert section["scale_efficiency"] == pytest.approx(1 / (1 + 16384 * 2 / (39 * 8192)))  # = 39/43
    assert "Young" in section["goodput_basis"]
    assert section["gpu_hours_scope"].startswith("the final pretraining run")
    assert isinstance(section["gpus"], int)


def test_a_given_goodput_wins_and_without_a_count_the_flat_default_holds():
    given = _run("plan", FRONTIER, "--samples", "0", "--set", "hardware.goodput=0.8")["pretraining"]
    assert given["goodput"] == 0.8 and given["goodput_checkpoint"] is None and given["goodput_basis"].startswith("given")
    assert given["gpu_hours"] == pytest.approx(given["productive_gpu_hours"] / 0.8)
    flat = _run("plan", "--samples", "0", "--set", "hardware.count=null")["pretraining"]
    assert flat["goodput"] == 0.9 and flat["scale_efficiency"] is None and flat["gpus"] is None


def test_a_deadline_gets_the_fewest_whole_gpus_that_meet_it():
    planned = _run("plan", FRONTIER, "--samples", "0", "--set", "hardware.count=null", "--set", "hardware.deadline_days=90")["pretraining"]
    gpus = planned["gpus"]
    assert isinstance(gpus, int)
    assert planned["wall_clock_days"] <= 90
    one_fewer = _run("plan", FRONTIER, "--samples", "0", "--set", f"hardware.count={gpus - 1}")["pretraining"]
    assert one_fewer["wall_clock_days"] > 90


def test_a_deadline_no_cluster_meets_is_one_located_line():
    proc = subprocess.run(
        [sys.executable, "-m", "scaling_cli", "plan", FRONTIER, "--set", "hardware.count=null", "--set", "hardware.deadline_days=5"],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "hardware.deadline_days" in lines[0]


@pytest.mark.parametrize("name", ["Llama 3.1 405B", "Phi-3-medium"])
def test_a_plan_on_a_calibration_runs_gpu_count_reproduces_its_reference_prediction(name):
    """Calibration divides each run by goodput × scale efficiency at its own count; a plan there
    multiplies them back, so it gives the in-sample `scaling reference` figure (to the run-length term)."""
    from scaling_cli.catalog.calibration import published_runs, run_peak
    from scaling_cli.commands.reference import reference_report

    run = next(r for r in published_runs() if r["name"] == name)
    row = next(r for r in reference_report(leave_one_out=False).runs if r["name"] == name)
    _, accelerator, _, _ = run_peak(run)
    scenario = [
        "--set", f"model.params={run['active_params']:.6g}", "--set", f"pretraining.tokens={run['tokens']:.6g}",
        "--set", f"hardware.accelerator={accelerator}", "--set", f"hardware.count={run['extra']['cluster_size']}",
        "--set", "hardware.precision=bf16",
    ]  # fmt: skip
    planned = _run("plan", "--samples", "0", *scenario)["pretraining"]
    assert planned["gpu_hours"] == pytest.approx(row["gpu_hours"], rel=2e-3)
    assert not math.isclose(planned["goodput"], 0.9)
