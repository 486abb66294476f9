"""Inference-aware sizing in scenarios (sizing: lifetime) and by cost (optimal --objective cost)."""

from __future__ import annotations

import pytest

from scaling_cli.catalog.fits import find_fit
from scaling_cli.engine.scaling_laws import iso_loss_tokens, lifetime_flops, lifetime_optimum
from scaling_cli.planner.hardware import resolve_hardware
from scaling_cli.planner.assumptions import Assumptions
from scaling_cli.planner.lifetime import LifetimeCost
from scaling_cli.engine.uncertainty import Sampler
from scaling_cli.scenario.hardware import HardwareSpec
from scaling_cli.scenario.inputs import freeze

SCENARIO = """
name: life
model: {{}}
pretraining: {{target_loss: 2.0, sizing: {sizing}}}
test_time:
  - {{name: chat, queries_per_day: 100M, days: 365, prompt_tokens: 1000, output_tokens: 400}}
"""


def _plan(cli, scenario_file, sizing):
    result = cli("plan", scenario_file(SCENARIO.format(sizing=sizing)), "-f", "json", "--samples", "0")
    assert result.exit_code == 0, result.stderr
    return result.json()


def test_lifetime_sizing_takes_the_demand_from_test_time(cli, scenario_file):
    data = _plan(cli, scenario_file, "lifetime")
    demand = 100e6 * 365 * (1000 + 400)  # queries × (prompt prefilled once + answer) = 5.11e13 tokens
    recorded = next(a for a in data["assumptions"] if a["key"] == "pretraining.inference_demand_tokens")
    assert recorded["value"] == pytest.approx(demand)
    fit = find_fit("besiroglu2024")
    n, d = lifetime_optimum(fit, 2.0, lambda n, d: lifetime_flops(n, d, demand))
    assert data["pretraining"]["params"] == pytest.approx(n, rel=1e-9)
    assert data["pretraining"]["tokens"] == pytest.approx(d, rel=1e-9)
    assert data["pretraining"]["loss"] == pytest.approx(2.0, rel=1e-9)


def test_chinchilla_sizing_is_the_cheapest_training_run(cli, scenario_file):
    data = _plan(cli, scenario_file, "chinchilla")
    n, d = find_fit("besiroglu2024").cheapest_for_loss(2.0)
    assert data["pretraining"]["params"] == pytest.approx(n) and data["pretraining"]["tokens"] == pytest.approx(d)
    lifetime = _plan(cli, scenario_file, "lifetime")["pretraining"]
    assert lifetime["params"] < n and lifetime["tokens"] > d  # serving demand: smaller, trained longer


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("name: x\nmodel: {params: 7B}\npretraining: {target_loss: 2.0}\n", "target_loss sizes the model and data: drop model.params"),
        ("name: x\nmodel: {}\npretraining: {target_loss: 2.0, sizing: lifetime}\n", "takes its inference demand from test_time"),
        ("name: x\nmodel: {params: 7B}\npretraining: {tokens: 1T, sizing: lifetime}\n", "sizing applies with pretraining.target_loss"),
        ("name: x\nmodel: {}\npretraining: {}\n", "give model.params with pretraining.tokens"),
    ],
)
def test_sizing_errors_are_located(cli, scenario_file, text, fragment):
    path = scenario_file(text)
    result = cli("plan", path)
    assert result.exit_code == 1 and result.stderr.startswith(f"{path}:")
    assert fragment in result.stderr


def _h100() -> object:
    return resolve_hardware(freeze(HardwareSpec.model_validate({"accelerator": "h100", "mfu": 0.4, "goodput": 0.9, "price_per_hour": 2.0}), Sampler.point()), Assumptions())


def test_cost_objective_by_hand_and_at_its_minimum():
    pricing = LifetimeCost(_h100(), inference_tokens=1e14)
    fit = find_fit("besiroglu2024")
    n, d = lifetime_optimum(fit, 2.0, pricing.usd)
    # training dollars by hand: 6·N·D FLOP ÷ (989.5e12 × 0.4 × 3600) ÷ 0.9 GPU-hours × $2
    assert pricing.training_usd(n, d) == pytest.approx(6 * n * d / (989.5e12 * 0.4 * 3600) / 0.9 * 2.0, rel=1e-12)
    assert pricing.usd(n, d) == pytest.approx(pricing.training_usd(n, d) + pricing.serving_usd(n), rel=1e-12)
    for factor in (0.8, 1.25):  # any other model on the iso-loss curve costs more over its life
        other = n * factor
        assert pricing.usd(other, iso_loss_tokens(fit, 2.0, other)) > pricing.usd(n, d)


def test_serving_cost_grows_with_model_size():
    pricing = LifetimeCost(_h100(), inference_tokens=1e14)
    assert pricing.serving_gpu_hours(7e9) < pricing.serving_gpu_hours(70e9) < pricing.serving_gpu_hours(400e9)


def test_optimal_cost_objective_cli(cli):
    flops = cli("optimal", "--target-loss", "2.0", "--inference-tokens", "100T", "--price", "2", "-f", "json", "--samples", "0").json()
    cost = cli("optimal", "--target-loss", "2.0", "--inference-tokens", "100T", "--price", "2", "--objective", "cost", "-f", "json", "--samples", "0").json()
    assert cost["objective"] == "cost" and flops["objective"] == "flops"
    assert cost["lifetime_cost_usd"] <= flops["lifetime_cost_usd"]  # each is best at its own objective
    assert flops["lifetime_flops"] <= cost["lifetime_flops"]
    assert cost["saving_fraction"] == pytest.approx(1 - cost["lifetime_cost_usd"] / cost["chinchilla"]["lifetime_cost_usd"])
    bad = cli("optimal", "--compute", "1e24", "--objective", "cost")
    assert bad.exit_code == 2 and "give --inference-tokens" in bad.stderr
