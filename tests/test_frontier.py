"""`scaling frontier`: the Pareto frontier of tokens/s per GPU against tokens/s per user, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SCENARIO = """
name: frontier
model: {params: 70B, layers: 80, d_model: 8192, heads: 64, kv_heads: 8}
hardware: {accelerator: h100, precision: fp8}
test_time:
- {name: chat, queries_per_day: 1M, prompt_tokens: 1000, output_tokens: 300, tpot_seconds: 0.02}
- {name: fixed, queries_per_day: 1M, prompt_tokens: 1000, output_tokens: 300, gpus_per_replica: 4}
"""


def _run(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    return subprocess.run([sys.executable, "-m", "scaling_cli", *args[:1], str(path), *args[1:]], capture_output=True, text=True)


def test_frontier_rows_trade_speed_per_user_for_throughput_per_gpu(tmp_path):
    run = _run(tmp_path, "frontier", "--format", "json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["schema_version"] and doc["workload"] == "chat"
    rows = doc["frontiers"][0]["frontier"]
    assert len(rows) >= 3
    for faster, slower in zip(rows, rows[1:]):  # Pareto: each step gives up speed per user for throughput per GPU
        assert slower["tokens_per_second_per_user"] < faster["tokens_per_second_per_user"]
        assert slower["tokens_per_second_per_gpu"] > faster["tokens_per_second_per_gpu"]
    for r in rows:  # the figures are one decode step seen from the user and from the GPU
        assert r["tokens_per_second_per_user"] == pytest.approx(1 / r["tpot_seconds"])
        assert r["tokens_per_second_per_gpu"] == pytest.approx(r["batch_size"] / (r["tpot_seconds"] * r["gpus_per_replica"]))
        assert r["meets_tpot"] == (r["tpot_seconds"] <= 0.02)


def test_the_plans_choice_is_on_the_frontier(tmp_path):
    frontier = json.loads(_run(tmp_path, "frontier", "-w", "fixed", "--format", "json").stdout)["frontiers"][0]["frontier"]
    plan = json.loads(_run(tmp_path, "plan", "--format", "json", "--samples", "0").stdout)["test_time"]["workloads"][1]
    best = frontier[-1]  # without targets the plan takes the largest batch: the frontier's high-throughput end
    assert (best["gpus_per_replica"], best["batch_size"]) == (plan["gpus_per_replica"], plan["batch_size"])
    assert best["tokens_per_second_per_gpu"] == pytest.approx(plan["tokens_per_second_per_gpu"])


def test_every_accelerator_serves_at_the_same_precision_or_is_skipped_with_a_reason(tmp_path):
    doc = json.loads(_run(tmp_path, "frontier", "-a", "all", "--format", "json").stdout)
    assert {f["precision"] for f in doc["frontiers"]} == {"fp8"}
    assert len(doc["frontiers"]) >= 10
    skipped = {s["accelerator"]: s["reason"] for s in doc["skipped"]}
    assert "nvidia-a100-sxm-80gb" in skipped and "fp8" in skipped["nvidia-a100-sxm-80gb"]


def test_bad_requests_are_one_line_errors(tmp_path):
    unknown = _run(tmp_path, "frontier", "-w", "nope")
    assert unknown.returncode == 2 and "chat" in unknown.stderr and "Traceback" not in unknown.stderr
    unsupported = _run(tmp_path, "frontier", "-a", "a100")
    assert unsupported.returncode == 1 and "fp8" in unsupported.stderr and len(unsupported.stderr.strip().splitlines()) == 1
