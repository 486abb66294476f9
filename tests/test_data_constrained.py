"""Data-constrained pretraining (Muennighoff et al. 2023, arXiv 2305.16264): effective data and
parameters, the loss they predict, the warning past fast-diminishing returns, and `scaling optimal
--unique-tokens`. Published figures come from the paper's code (huggingface/datablations README,
"Parametric Fit"), which prints its own law's values for the two models of the paper's Figure 1."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scaling_cli.catalog.fits import find_fit
from scaling_cli.engine import data_constrained as dc

PAPER = find_fit("muennighoff2023")


def _plan(cli, scenario_file, body: str):
    result = cli("plan", scenario_file(body), "-f", "json", "--samples", "0")
    assert result.exit_code == 0, result.stderr
    return result.json()


def test_the_fit_is_the_papers_c4_fit():
    # ln E = 0.6254804, ln A = 6.255414, ln B = 7.3049974, alpha = beta = 0.3526596 (datablations README)
    assert PAPER.E == pytest.approx(math.exp(0.6254804), rel=1e-12)
    assert PAPER.A == pytest.approx(math.exp(6.255414), rel=1e-12)
    assert PAPER.B == pytest.approx(math.exp(7.3049974), rel=1e-12)
    assert PAPER.alpha == PAPER.beta == 0.3526596
    assert (dc.R_D_STAR, dc.R_N_STAR) == (15.387756, 5.309743)


@pytest.mark.parametrize(
    "params,tokens,published",
    [(6.34e9, 242e9, 2.2256440889984477), (8.67e9, 178e9, 2.2269634075087867)],  # Figure 1 (right), 25B unique tokens
)
def test_the_papers_figure_1_losses_through_the_cli(cli, scenario_file, params, tokens, published):
    plan = _plan(cli, scenario_file, f"name: f1\nmodel: {{params: {params}}}\npretraining: {{tokens: {tokens}, unique_tokens: 25e9, fit: muennighoff2023}}\n")
    section = plan["pretraining"]
    assert section["loss"] == pytest.approx(published, rel=1e-9)
    assert section["epochs"] == pytest.approx(tokens / 25e9)
    assert section["loss_if_unique"] < section["loss"]


def test_the_papers_optimal_allocation_under_the_cap(cli):
    # The README's grid search from (8.67B, 178B, 25B unique): "227B tokens, 9.1 epochs, 6.8B parameters".
    result = cli("optimal", "--compute", str(6 * 8.67e9 * 178e9), "--unique-tokens", "25B", "--fit", "muennighoff2023", "-f", "json", "--samples", "0")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["tokens"] == pytest.approx(227e9, rel=0.01)
    assert data["epochs"] == pytest.approx(9.1, abs=0.05)
    assert data["params"] == pytest.approx(6.8e9, rel=0.01)
    assert data["loss"] < 2.2256440889984477  # better than either model of Figure 1
    assert data["loss_unlimited_data"] < data["loss"] and data["loss_floor"] < data["loss"]


def test_effective_tokens_by_hand():
    # 4 epochs: R_D = 3; 3/15.387756 = 0.194960, e^-0.194960 = 0.822867 (series to x^5)
    # D'/U = 1 + 15.387756 × 0.177133 = 3.72567
    assert dc.effective_tokens(4e11, 1e11) == pytest.approx(3.72567e11, rel=1e-5)
    assert dc.effective_tokens(5e10, 1e11) == 5e10  # no repetition: every token counts
    # the limit: U·(1 + R*_D) = 16.387756·U, however long one trains
    assert dc.effective_tokens(1e15, 1e11) == pytest.approx(16.387756e11, rel=1e-9)


def test_four_epochs_are_almost_as_good_as_unique_data_and_sixteen_are_not():
    """The paper's abstract: up to 4 epochs of repeated data give negligible changes to loss."""
    for params, tokens in ((8.67e9, 178e9), (2.8e9, 55e9)):
        unique = dc.constrained_loss(PAPER, params, tokens, tokens)
        excess = {e: dc.constrained_loss(PAPER, params, tokens, tokens / e) / unique - 1 for e in (4, 16, 40)}
        assert 0 < excess[4] < 0.015  # about 1% worse
        assert excess[16] > 4 * excess[4] and excess[40] > 10 * excess[4]


def test_a_repeated_token_is_worth_one_over_e_after_r_star_repetitions():
    assert dc.repeated_token_value(1 + dc.R_D_STAR) == pytest.approx(1 / math.e)
    assert dc.repeated_token_value(4) == pytest.approx(math.exp(-3 / 15.387756))  # 0.823
    assert dc.repeated_token_value(40) < 0.1
    # dD'/dD, checked numerically against the definition
    d = 12e11
    assert (dc.effective_tokens(d * 1.000001, 1e11) - dc.effective_tokens(d, 1e11)) / (d * 1e-6) == pytest.approx(dc.repeated_token_value(12), rel=1e-4)


def test_without_repetition_the_loss_is_the_fits():
    fit = find_fit("besiroglu2024")
    # a 7B model on 2T tokens is smaller than the compute-optimal size for 2T, so no parameter decays either
    assert dc.constrained_loss(fit, 7e9, 2e12, 3e12) == pytest.approx(fit.loss(7e9, 2e12), rel=1e-12)


def test_plan_without_unique_tokens_is_unchanged(cli, scenario_file):
    section = _plan(cli, scenario_file, "name: u\nmodel: {params: 7B}\npretraining: {tokens: 2T}\n")["pretraining"]
    assert section["epochs"] is None and section["effective_tokens"] is None
    assert section["loss"] == pytest.approx(find_fit("besiroglu2024").loss(7e9, 2e12), rel=1e-12)


def test_warning_past_sixteen_epochs_names_the_field(cli, scenario_file):
    result = cli("plan", scenario_file("name: w\nmodel: {params: 1B}\npretraining: {tokens: 200B, unique_tokens: 10B}\n"), "-f", "json", "--samples", "0")
    assert result.exit_code == 0
    warnings = result.json()["warnings"]
    assert any(w.startswith("pretraining.tokens: 20 epochs over pretraining.unique_tokens") for w in warnings), warnings
    assert "pretraining.tokens: 20 epochs" in result.stderr


def test_no_repetition_warning_at_four_epochs(cli, scenario_file):
    warnings = _plan(cli, scenario_file, "name: w\nmodel: {params: 1B}\npretraining: {tokens: 40B, unique_tokens: 10B}\n")["warnings"]
    assert warnings == []


def test_extrapolation_beyond_the_papers_runs_is_a_warning(cli, scenario_file):
    warnings = _plan(cli, scenario_file, "name: x\nmodel: {params: 70B}\npretraining: {tokens: 15T, unique_tokens: 5T}\n")["warnings"]
    assert any(w.startswith("pretraining.unique_tokens: the data-constrained law was fitted on models up to 9B") for w in warnings), warnings


def test_bad_unique_tokens_is_one_located_line(cli, scenario_file):
    from tests.conftest import assert_one_located_line

    path = scenario_file("name: b\nmodel: {params: 1B}\npretraining:\n  tokens: 20B\n  unique_tokens: -5\n")
    assert_one_located_line(cli("plan", path), path, 5, 18, "unique_tokens")


def test_optimum_is_a_minimum_along_the_budget():
    fit = find_fit("besiroglu2024")
    for flops in (1e22, 1e24, 1e26):
        n, d = dc.constrained_optimum(fit, flops, 1e11)
        assert 6 * n * d == pytest.approx(flops, rel=1e-9)
        best = dc.constrained_loss(fit, n, d, 1e11)
        for factor in (0.9, 1.1):
            assert dc.constrained_loss(fit, n * factor, d / factor, 1e11) > best


def test_a_cap_that_does_not_bind_gives_the_chinchilla_optimum():
    fit = find_fit("besiroglu2024")
    n, d = dc.constrained_optimum(fit, 1e22, 1e15)
    free_n, free_d = fit.optimal_allocation(1e22)
    assert n == pytest.approx(free_n, rel=1e-6) and d == pytest.approx(free_d, rel=1e-6)


def test_optimum_broadcasts_over_budgets():
    fit = find_fit("besiroglu2024")
    params, _ = dc.constrained_optimum(fit, np.array([1e22, 1e24]), 1e11)
    assert params[0] == pytest.approx(dc.constrained_optimum(fit, 1e22, 1e11)[0], rel=1e-9)
    assert params[1] == pytest.approx(dc.constrained_optimum(fit, 1e24, 1e11)[0], rel=1e-9)


def test_more_compute_approaches_the_floor_and_stops_helping():
    fit = find_fit("besiroglu2024")
    floor = dc.loss_floor(fit, 1e11)
    losses = [dc.constrained_loss(fit, *dc.constrained_optimum(fit, c, 1e11), 1e11) for c in (1e22, 1e24, 1e26, 1e30)]
    assert losses[0] > losses[1] > losses[2] >= losses[3] >= floor - 1e-12
    assert losses[-1] == pytest.approx(floor, abs=1e-9)  # 1e30 FLOP on 100B unique tokens: nothing left to gain
    saturation = dc.saturation_flops(fit, 1e11)
    # at that budget 10x more compute buys a tenth of what it buys with unlimited data; before it, more
    assert dc._gain_share(fit, saturation, 1e11) == pytest.approx(dc.SATURATION_SHARE, abs=0.005)
    assert dc._gain_share(fit, saturation / 30, 1e11) > dc.SATURATION_SHARE


@pytest.mark.parametrize(
    "args,option",
    [(["--compute", "1e24", "--unique-tokens", "0"], "--unique-tokens"), (["--target-loss", "2.0", "--unique-tokens", "1T"], "--unique-tokens")],
)
def test_optimal_usage_errors(cli, args, option):
    result = cli("optimal", *args)
    assert result.exit_code == 2
    assert option in result.stderr and "Traceback" not in result.stderr
