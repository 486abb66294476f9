"""A deadline some Monte Carlo draws cannot meet: those draws run at the fastest GPU count instead of
making the whole plan non-finite (planner/costing.gpus_for_deadline)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

from scaling_cli.tree import walk


def test_a_tight_deadline_plans_with_finite_bands(tmp_path):
    path = tmp_path / "d.yaml"
    # 70B on 2T tokens: the point plan meets 0.6 days on ~110K H100s; the slowest MFU draws cannot
    path.write_text("name: d\nmodel: {params: 70B}\npretraining: {tokens: 2T}\nhardware: {accelerator: h100, deadline_days: 0.6}\n")
    run = subprocess.run([sys.executable, "-m", "scaling_cli", "plan", str(path), "--format", "json"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    pre = json.loads(run.stdout)["pretraining"]
    assert pre["wall_clock_days"] <= 0.6
    assert pre["wall_clock_days_p90"] > 0.6  # those draws finish as soon as they can, after the deadline
    numbers = [v for _, v in walk(pre) if isinstance(v, float)]
    assert numbers and all(math.isfinite(v) for v in numbers)
    assert isinstance(pre["gpus"], int) and pre["gpus_p90"] > pre["gpus"]
    # a GPU count's band is whole GPUs too (quantiles interpolate between draws; the band widens outwards)
    assert isinstance(pre["gpus_p10"], int) and isinstance(pre["gpus_p90"], int)


def test_a_deadline_the_point_plan_cannot_meet_is_still_a_located_error(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text("name: d\nmodel: {params: 70B}\npretraining: {tokens: 2T}\nhardware: {accelerator: h100, deadline_days: 0.001}\n")
    run = subprocess.run([sys.executable, "-m", "scaling_cli", "plan", str(path)], capture_output=True, text=True)
    assert run.returncode == 1 and "deadline_days" in run.stderr and "d.yaml:4:" in run.stderr
