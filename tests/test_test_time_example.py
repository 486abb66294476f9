"""configs/reasoning-service.scenario.yaml says what it claims: the same model with and without long thinking."""

from __future__ import annotations

EXAMPLE = "configs/reasoning-service.scenario.yaml"


def test_reasoning_example_shows_the_multiplier_and_minutes_of_latency(cli):
    result = cli("plan", EXAMPLE, "-f", "json")
    assert result.exit_code == 0 and result.stderr == ""
    chat, hard = result.json()["test_time"]["workloads"]
    assert chat["reasoning_tokens"] == 0 and chat["samples"] == 1
    assert chat["multiplier_vs_single_pass"] == 1.0
    assert chat["latency_seconds"] < 60
    # NVIDIA: "over 100x compute for challenging queries"; "multiple minutes, or even hours".
    assert hard["multiplier_vs_single_pass"] > 100
    assert 60 <= hard["latency_seconds"] < 3600
    # Same model, same prompt and answer: the single-pass baselines are identical.
    assert hard["single_pass_flops_per_query"] == chat["single_pass_flops_per_query"]
    assert hard["cost_per_query_usd"] > 100 * chat["cost_per_query_usd"]


def test_reasoning_example_table_puts_the_workloads_side_by_side(cli):
    result = cli("plan", EXAMPLE, "-f", "markdown", "--samples", "0")
    assert result.exit_code == 0, result.stderr
    assert "| Metric | chat | hard-reasoning | Unit |" in result.stdout
    assert "| Multiplier vs single pass | 1 | " in result.stdout
