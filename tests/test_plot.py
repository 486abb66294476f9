"""``scaling plot``: the picture renders for every example, names the phases, and draws the plan's numbers.

Rendering tests need matplotlib (the ``plot`` extra) and skip without it; the data behind each panel
(``lifecycle_bars``, ``frontier_points``, ``cumulative_points``) is checked against the plan's JSON
and hand calculations, and the missing-matplotlib message is checked, with or without it.
"""

from __future__ import annotations

import struct
import subprocess
import sys

import numpy as np
import pytest

from scaling_cli.errors import ScalingError
from scaling_cli.planner.plan import build_plan
from scaling_cli.plotting import TOP_ITEMS, cumulative_points, draw_plan, frontier_points, lifecycle_bars
from scaling_cli.scenario.loading import load_scenario
from tests.conftest import CONFIGS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PHASE_NAMES = ("Pretraining", "Post-training", "Test-time")

#: All three phases; the two workloads serve for different numbers of days (a piecewise crossover).
LIFECYCLE = """
name: lifecycle-8b
hardware: {accelerator: h100, count: 1024, mfu: 0.4, goodput: 0.9, price_per_hour: 2.5}
model: {params: 8B, layers: 32, d_model: 4096, heads: 32, kv_heads: 8}
pretraining: {tokens: 15T}
post_training:
  - {name: sft, technique: full_finetune, count: 10, tokens: 1B}
  - {name: loras, technique: lora, count: 2000, tokens: 50M, epochs: 3}
test_time:
  - {name: burst, queries_per_day: 1B, days: 10, prompt_tokens: 500, output_tokens: 300}
  - {name: steady, queries_per_day: 400M, days: 400, prompt_tokens: 500, output_tokens: 300}
"""

#: One workload over the whole period: crossover day = pretraining FLOP ÷ daily test-time FLOP.
ONE_WORKLOAD = """
name: one-workload
model: {params: 8B, layers: 32, d_model: 4096, heads: 32, kv_heads: 8}
pretraining: {tokens: 15T}
test_time:
  - {name: chat, queries_per_day: 1B, days: 365, prompt_tokens: 500, output_tokens: 300}
"""


@pytest.fixture
def matplotlib_installed():
    pytest.importorskip("matplotlib")


def plan_of(path: str | None):
    """The plan ``scaling plot`` draws (point values; bands do not change what is drawn)."""
    return build_plan(load_scenario(path), samples=0)


def config(name: str) -> str:
    """The path of an example in ``configs/``."""
    return str(next(p for p in CONFIGS if p.name == name))


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    assert data.startswith(PNG_MAGIC)
    return struct.unpack(">II", data[16:24])


# --- rendering through the CLI ---------------------------------------------------------------


@pytest.mark.parametrize("path", [None, *CONFIGS], ids=["default", *(p.name for p in CONFIGS)])
def test_png_of_every_example(cli, tmp_path, matplotlib_installed, path):
    out = tmp_path / "plan.png"
    result = cli("plot", *([str(path)] if path else []), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert f"wrote {out}" in result.stderr
    assert png_size(out.read_bytes()) == (1620, 600)  # 13.5 × 5 inches at 120 dpi


def test_svg_names_the_three_phases_as_text(cli, scenario_file, tmp_path, matplotlib_installed):
    out = tmp_path / "plan.svg"
    result = cli("plot", scenario_file(LIFECYCLE), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    svg = out.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for name in PHASE_NAMES:
        assert name in svg, name
    for label in ("burst", "steady", "sft", "loras", "lifecycle-8b", "crossover: day"):
        assert label in svg, label


def test_svg_is_reproducible(scenario_file, matplotlib_installed):
    plan = plan_of(scenario_file(LIFECYCLE))
    assert draw_plan(plan, "svg") == draw_plan(plan, "svg")  # no date or random ids: safe to commit


def test_panels_without_data_say_so(scenario_file, matplotlib_installed):
    serving_only = scenario_file("name: serve\nmodel: {params: 8B}\ntest_time:\n  - {name: chat, queries_per_day: 1M, prompt_tokens: 500, output_tokens: 300}\n")
    svg = draw_plan(plan_of(serving_only), "svg").decode()
    assert "no pretraining in this scenario" in svg
    svg = draw_plan(plan_of(config("moe.scenario.yaml")), "svg").decode()
    assert "no test-time workloads in this scenario" in svg
    assert svg.count("not in this scenario") == 2  # the post-training and test-time rows


def test_names_are_drawn_as_plain_text(scenario_file, matplotlib_installed):
    # `$...$` would be mathtext (and `$\frac{$` a parse error at draw time); a long name is cut
    text = r"""
    name: "$5$ tier"
    model: {params: 8B}
    pretraining: {tokens: 1T}
    test_time:
      - {name: '$\frac{$', queries_per_day: 1M, prompt_tokens: 500, output_tokens: 300}
      - {name: a_workload_name_far_too_long_for_the_panel, queries_per_day: 1M, prompt_tokens: 500, output_tokens: 300}
    """
    svg = draw_plan(plan_of(scenario_file(text)), "svg").decode()
    assert "$5$ tier" in svg and r"$\frac{$" in svg
    assert "a_workload_name_far_too…" in svg and "far_too_long_for_the_panel" not in svg


def test_out_must_be_svg_or_png(cli, tmp_path):
    out = tmp_path / "plan.pdf"
    result = cli("plot", "--out", str(out))
    assert result.exit_code == 2
    assert ".svg or .png" in result.stderr
    assert not out.exists()


def test_existing_out_is_kept_without_force(cli, tmp_path, matplotlib_installed):
    out = tmp_path / "plan.png"
    out.write_bytes(b"keep me")
    result = cli("plot", "--out", str(out))
    assert result.exit_code == 1
    assert out.read_bytes() == b"keep me"
    forced = cli("plot", "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert out.read_bytes().startswith(PNG_MAGIC)


def test_missing_matplotlib_is_a_clear_error(cli, tmp_path, monkeypatch):
    for module in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now raises ImportError
    out = tmp_path / "plan.png"
    result = cli("plot", "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: scaling plot needs matplotlib: pip install -e '.[plot]' (or pip install matplotlib)"
    assert not out.exists()


def test_draw_plan_refuses_other_formats():
    with pytest.raises(ScalingError, match="svg or png"):
        draw_plan(plan_of(None), "pdf")


def test_importing_plotting_does_not_load_matplotlib():
    probe = "import sys, scaling_cli.plotting; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# --- the numbers behind the panels -----------------------------------------------------------


def test_lifecycle_bars_are_the_plans_phases_and_items(scenario_file):
    plan = plan_of(scenario_file(LIFECYCLE))
    data = plan.to_dict()
    bars = lifecycle_bars(plan)
    phases = [b for b in bars if b.is_phase]
    assert [b.label for b in phases] == list(PHASE_NAMES)
    for bar, key in zip(phases, ("pretraining", "post_training", "test_time")):
        assert bar.flops == data[key]["flops"]
        assert bar.share == data["total"]["shares"][key]
    assert sum(b.share for b in phases) == pytest.approx(1.0)
    items = {b.label: b for b in bars if not b.is_phase}
    assert set(items) == {"sft", "loras", "burst", "steady"}
    # by hand: sft 10 × 6 · 8e9 · 1e9 FLOP; LoRA 2,000 × 4 · 8e9 · 50e6 · 3 (no rank: adapters left out)
    assert items["sft"].flops == pytest.approx(10 * 6 * 8e9 * 1e9)
    assert items["loras"].flops == pytest.approx(2000 * 4 * 8e9 * 50e6 * 3)
    assert items["sft"].share == pytest.approx(items["sft"].flops / data["total"]["flops"])
    # rows in phase order, each phase's items right under it, largest first
    assert [b.label for b in bars] == ["Pretraining", "Post-training", "loras", "sft", "Test-time", *_by_size(data["test_time"]["workloads"])]


def _by_size(items: list[dict]) -> list[str]:
    return [i["name"] for i in sorted(items, key=lambda i: i["flops"], reverse=True)]


def test_lifecycle_bars_fold_the_smallest_groups():
    plan = plan_of(config("derivative-ecosystem.scenario.yaml"))
    groups = plan.sections["post_training"]["derivatives"]
    assert len(groups) > TOP_ITEMS + 1
    items = [b for b in lifecycle_bars(plan) if b.phase == "post_training" and not b.is_phase]
    assert [b.label for b in items[:TOP_ITEMS]] == _by_size(groups)[:TOP_ITEMS]
    assert items[-1].label == f"+{len(groups) - TOP_ITEMS} more groups"
    assert len(items) == TOP_ITEMS + 1
    assert sum(b.flops for b in items) == pytest.approx(plan.sections["post_training"]["flops"], rel=1e-12)


def test_lifecycle_bars_mark_absent_phases():
    bars = lifecycle_bars(plan_of(config("moe.scenario.yaml")))
    assert [(b.label, b.flops is None) for b in bars] == [("Pretraining", False), ("Post-training", True), ("Test-time", True)]
    assert bars[0].share == 1.0


def test_crossover_with_one_workload_by_hand(scenario_file):
    plan = plan_of(scenario_file(ONE_WORKLOAD))
    pre = plan.sections["pretraining"]["flops"]
    chat = plan.sections["test_time"]["workloads"][0]
    daily = chat["flops_per_query"] * 1e9  # queries per day
    data = cumulative_points(plan)
    assert data.crossover_day == pytest.approx(pre / daily, rel=1e-9)
    assert data.crossover_day == plan.sections["total"]["crossover_day"]
    assert np.interp(data.crossover_day, data.days, data.flops) == pytest.approx(pre, rel=1e-9)  # the curve meets the line there
    assert data.flops[-1] == pytest.approx(plan.sections["test_time"]["flops"], rel=1e-12)  # 365 days of it
    assert data.levels == [("Pretraining", pre)]
    assert data.days[0] == 0 and data.flops[0] == 0 and data.horizon == 365


def test_crossover_with_workloads_of_different_lengths_by_hand(scenario_file):
    plan = plan_of(scenario_file(LIFECYCLE))
    pre = plan.sections["pretraining"]["flops"]
    post = plan.sections["post_training"]["flops"]
    burst, steady = (w["flops_per_query"] * w["queries_per_day"] for w in plan.sections["test_time"]["workloads"])
    assert (burst + steady) * 10 < pre  # the burst alone does not cross: the curve bends at day 10
    by_hand = 10 + (pre - (burst + steady) * 10) / steady
    data = cumulative_points(plan)
    assert data.crossover_day == pytest.approx(by_hand, rel=1e-9)
    assert 10 in data.days and data.crossover_day in data.days and data.horizon == 400
    assert np.interp(10, data.days, data.flops) == pytest.approx((burst + steady) * 10, rel=1e-12)
    assert np.interp(data.crossover_day, data.days, data.flops) == pytest.approx(pre, rel=1e-9)
    assert data.flops[-1] == pytest.approx(plan.sections["test_time"]["flops"], rel=1e-12)
    assert data.levels == [("Pretraining", pre), ("Pretraining + Post-training", pre + post)]
    assert all(b >= a for a, b in zip(data.flops, data.flops[1:]))


def test_no_crossover_within_the_workloads_days():
    plan = plan_of(config("reasoning-service.scenario.yaml"))
    data = cumulative_points(plan)
    assert data.crossover_day is None and plan.sections["total"]["crossover_day"] is None
    assert data.flops[-1] < data.levels[0][1]
    assert data.test_time_to_pretraining == pytest.approx(data.flops[-1] / data.levels[0][1], rel=1e-12)


def test_no_workloads_no_curve():
    assert cumulative_points(plan_of(config("moe.scenario.yaml"))) is None


def test_frontier_marks_the_scenario(scenario_file):
    plan = plan_of(scenario_file(ONE_WORKLOAD))
    pre = plan.sections["pretraining"]
    frontier = frontier_points(plan)
    assert frontier.scenario_compute == pre["flops_6nd"] == pytest.approx(6 * 8e9 * 15e12)
    assert frontier.scenario_loss == pre["loss"]
    assert frontier.fit == pre["fit"] == "besiroglu2024"
    assert frontier.compute[0] == pytest.approx(pre["flops_6nd"] / 1e3) and frontier.compute[-1] == pytest.approx(pre["flops_6nd"] * 1e3)
    assert all(b < a for a, b in zip(frontier.loss, frontier.loss[1:]))  # more compute, lower loss
    # the optimum spends the same budget and beats an over-trained 8B (1,875 tokens/param)
    assert 6 * frontier.optimal_params * frontier.optimal_tokens == pytest.approx(pre["flops_6nd"], rel=1e-9)
    assert frontier.optimal_loss < frontier.scenario_loss
    assert "8B × 15T tokens (1875/param)" in frontier.scenario_label


def test_frontier_at_the_gopher_budget_by_hand(scenario_file):
    # README: besiroglu2024 at 5.76e23 FLOP gives 72B parameters, 1.33T tokens and a loss of 1.97;
    # a compute-only scenario is sized compute-optimally, so it sits on the frontier.
    plan = plan_of(scenario_file("name: gopher-budget\nmodel: {}\npretraining: {compute: 5.76e23}\n"))
    frontier = frontier_points(plan)
    assert frontier.optimal_params == pytest.approx(72e9, rel=0.01)
    assert frontier.optimal_tokens == pytest.approx(1.33e12, rel=0.01)
    assert frontier.optimal_loss == pytest.approx(1.97, abs=0.005)
    assert frontier.scenario_loss == pytest.approx(frontier.optimal_loss, rel=1e-9)
    assert np.interp(np.log(5.76e23), np.log(frontier.compute), frontier.loss) == pytest.approx(frontier.optimal_loss, abs=1e-4)


def test_frontier_of_a_ratio_rule_says_what_it_is(scenario_file):
    plan = plan_of(scenario_file("name: r\nmodel: {params: 8B}\npretraining: {tokens: 1T, fit: rule20}\n"))
    frontier = frontier_points(plan)
    assert frontier.curve_label == "rule20 sizing (D = 20·N), loss from besiroglu2024"
    assert frontier.optimal_tokens == pytest.approx(20 * frontier.optimal_params)


def test_no_pretraining_no_frontier(scenario_file):
    plan = plan_of(scenario_file("name: serve\nmodel: {params: 8B}\ntest_time:\n  - {name: chat, queries_per_day: 1M, prompt_tokens: 500, output_tokens: 300}\n"))
    assert frontier_points(plan) is None
    assert cumulative_points(plan).levels == []

