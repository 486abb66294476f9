"""`scaling optimal --gpus N --days D` at scale: the answer plans back to the same days, MFU and goodput
(goodput and scale efficiency fall with the GPU count, planner/costing.at_scale)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _json(*args: str) -> dict:
    run = subprocess.run([sys.executable, "-m", "scaling_cli", *args, "--format", "json"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_gpus_times_days_plans_back_to_the_same_run(tmp_path):
    best = _json("optimal", "--gpus", "16384", "--days", "54")
    assert best["wall_clock_days"] == pytest.approx(54.0, rel=1e-6)
    assert best["goodput"] != pytest.approx(0.90, abs=1e-3)  # not the flat default of a plan without a count
    path = tmp_path / "s.yaml"
    path.write_text(f"name: s\nmodel: {{params: {best['params']:.12g}}}\npretraining: {{tokens: {best['tokens']:.12g}}}\nhardware: {{accelerator: h100, count: 16384}}\n")
    plan = _json("plan", str(path), "--samples", "0")["pretraining"]
    assert plan["wall_clock_days"] == pytest.approx(54.0, rel=1e-4)
    assert plan["goodput"] == pytest.approx(best["goodput"], rel=1e-4)
    assert plan["mfu"] == pytest.approx(best["mfu"], rel=1e-4)


def test_a_larger_cluster_buys_less_than_proportionally_more(tmp_path):
    small, large = _json("optimal", "--gpus", "1024", "--days", "30"), _json("optimal", "--gpus", "32768", "--days", "30")
    assert large["flops"] < 32 * small["flops"]
