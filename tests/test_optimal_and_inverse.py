"""`scaling optimal` and the scenario's inverse modes (compute budget, deadline)."""

from __future__ import annotations

import math

import pytest


def _optimal(cli, *args):
    result = cli("optimal", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def test_optimal_for_a_flop_budget(cli):
    data = _optimal(cli, "--compute", "5.76e23")
    for key in ("params", "tokens", "flops", "loss", "tokens_per_param", "gpu_hours", "cost_usd", "fit"):
        assert key in data
    assert data["fit"] == "besiroglu2024"
    assert data["params"] == pytest.approx(72.2e9, rel=0.005)
    assert data["flops"] == pytest.approx(5.76e23)


def test_round_trip_optimal_then_plan_returns_the_budget(cli, scenario_file):
    data = _optimal(cli, "--compute", "3e24")
    path = scenario_file(f"name: rt\nmodel: {{params: {data['params']!r}}}\npretraining: {{tokens: {data['tokens']!r}}}\n")
    plan = cli("plan", path, "-f", "json").json()["pretraining"]
    assert plan["flops"] == pytest.approx(3e24, rel=1e-3)
    assert plan["loss"] == pytest.approx(data["loss"], rel=1e-9)
    assert plan["gpu_hours"] == pytest.approx(data["gpu_hours"], rel=1e-9)


def test_gpus_and_days_budget_by_hand(cli):
    data = _optimal(cli, "--gpus", "4096", "--days", "90", "--mfu", "0.4", "--goodput", "0.9", "--samples", "0")
    # reserved GPU-h = 4096 × 90 × 24 = 8,847,360; FLOP = that × 0.9 × 3600 × 989.5e12 × 0.4
    flops = 4096 * 90 * 24 * 0.9 * 3600 * 989.5e12 * 0.4
    assert data["flops"] == pytest.approx(flops, rel=1e-9)
    assert data["gpu_hours"] == pytest.approx(4096 * 90 * 24, rel=1e-9)
    assert data["wall_clock_days"] == pytest.approx(90, rel=1e-9)


def test_dollar_budget_uses_the_price(cli):
    data = _optimal(cli, "--budget-usd", "10M", "--price", "2.5", "--samples", "0")
    assert data["gpu_hours"] == pytest.approx(10e6 / 2.5, rel=1e-9)
    assert data["cost_usd"] == pytest.approx(10e6, rel=1e-9)


def test_gpu_hours_budget_is_uncertain_in_model_size(cli):
    data = _optimal(cli, "--gpu-hours", "2M")
    assert data["params_p10"] < data["params"] < data["params_p90"]  # compute depends on efficiency
    for key in ("gpu_hours_p10", "gpu_hours", "gpu_hours_p90"):  # the budget itself is fixed
        assert data[key] == pytest.approx(2e6, rel=1e-9)


def test_fixing_params_solves_tokens(cli):
    data = _optimal(cli, "--compute", "6e23", "--params", "10B")
    assert data["tokens"] == pytest.approx(6e23 / (6 * 10e9))
    frontier = _optimal(cli, "--params", "72.2487B")  # no budget: the fit's optimal data for that size
    assert frontier["flops"] == pytest.approx(5.76e23, rel=1e-4)


def test_target_loss(cli):
    data = _optimal(cli, "--target-loss", "2.0", "--fit", "hoffmann2022")
    E, A, B, a, b = 1.69, 406.4, 410.7, 0.34, 0.28
    # by hand: A/N^a = b(L-E)/(a+b) and B/D^b = a(L-E)/(a+b)
    n = (A * (a + b) / (b * (2.0 - E))) ** (1 / a)
    d = (B * (a + b) / (a * (2.0 - E))) ** (1 / b)
    assert data["params"] == pytest.approx(n, rel=1e-9)
    assert data["tokens"] == pytest.approx(d, rel=1e-9)
    assert data["loss"] == pytest.approx(2.0, rel=1e-12)


@pytest.mark.parametrize(
    "args, code, fragment",
    [
        (["--compute", "1e24", "--gpu-hours", "1M"], 2, "give one budget"),
        (["--days", "30"], 2, "--days needs --gpus"),
        (["--target-loss", "1.5"], 1, "irreducible loss"),
        (["--compute", "1e24", "--fit", "kaplan"], 2, "unknown fit 'kaplan'"),
        (["--compute", "70m"], 2, "lowercase m"),
        ([], 2, "give a budget"),
        (["--compute", "1e24", "--accelerator", "h10"], 2, "did you mean 'h100'"),
    ],
)
def test_optimal_errors(cli, args, code, fragment):
    result = cli("optimal", *args)
    assert result.exit_code == code
    assert fragment in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_scenario_compute_alone_sizes_both_sides(cli, scenario_file):
    path = scenario_file("name: c\nmodel: {}\npretraining: {compute: 5.76e23, fit: hoffmann2022-exact}\n")
    data = cli("plan", path, "-f", "json").json()
    s = data["pretraining"]
    assert s["params"] == pytest.approx(40.4e9, rel=0.01)
    assert s["flops"] == pytest.approx(5.76e23)
    assert {"model.params", "pretraining.tokens"} <= {a["key"] for a in data["assumptions"]}


def test_scenario_compute_with_params_solves_tokens(cli, scenario_file):
    path = scenario_file("name: c\nmodel: {params: 671B, active_params: 37B}\npretraining: {compute: 3.2856e24}\n")
    s = cli("plan", path, "-f", "json").json()["pretraining"]
    assert s["tokens"] == pytest.approx(3.2856e24 / (6 * 37e9))  # 14.8T, on ACTIVE params


def test_scenario_compute_with_tokens_solves_params(cli, scenario_file):
    path = scenario_file("name: c\nmodel: {}\npretraining: {compute: 1e24, tokens: 10T}\n")
    s = cli("plan", path, "-f", "json").json()["pretraining"]
    assert s["params"] == pytest.approx(1e24 / (6 * 10e12))


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("name: c\nmodel: {params: 7B}\npretraining: {compute: 1e24, tokens: 1T}\n", 3, "not all three"),
        ("name: c\nmodel: {}\npretraining: {tokens: 1T}\n", 2, "model.params: required key is missing (or give pretraining.compute"),
        ("name: c\nmodel: {params: 7B}\npretraining: {seq_len: 2048}\n", 3, "give pretraining.tokens"),
        ("name: c\nhardware: {count: 8, deadline_days: 30}\nmodel: {params: 7B}\npretraining: {tokens: 1T}\n", 2, "give count or deadline_days"),
        ("name: c\nmodel: {params: 7B}\npretraining: {tokens: 1T, fit: hofmann2022}\n", 3, "did you mean 'hoffmann2022'"),
    ],
)
def test_inverse_mode_errors_are_located(cli, scenario_file, text, line, fragment):
    path = scenario_file(text)
    result = cli("plan", path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:{line}:"), result.stderr
    assert fragment in result.stderr


def test_deadline_sizes_the_gpu_count(cli, scenario_file):
    path = scenario_file("name: d\nhardware: {accelerator: h100, deadline_days: 30, mfu: 0.4, goodput: 0.9}\nmodel: {params: 70B}\npretraining: {tokens: 2T}\n")
    s = cli("plan", path, "-f", "json", "--samples", "0").json()["pretraining"]
    # by hand: 6·70e9·2e12 = 8.4e23 FLOP; productive = 8.4e23 / (989.5e12 × 0.4 × 3600) = 589,523 h;
    # reserved = / 0.9 = 655,026 h; GPUs = ceil(655,026 / (30 × 24)) = ceil(909.76) = 910
    assert s["gpu_hours"] == pytest.approx(8.4e23 / (989.5e12 * 0.4 * 3600) / 0.9, rel=1e-9)
    assert s["gpus"] == math.ceil(s["gpu_hours"] / 720) == 910
    assert s["wall_clock_days"] <= 30


def test_plan_fit_flag_overrides_the_scenario(cli):
    default = cli("plan", "-f", "json").json()["pretraining"]
    rule = cli("plan", "-f", "json", "--fit", "hoffmann2022").json()["pretraining"]
    assert default["fit"] == "besiroglu2024" and rule["fit"] == "hoffmann2022"
    assert default["loss"] != rule["loss"]
