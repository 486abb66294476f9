"""The training-efficiency model: recovers a known law, shrinks thin generations, and its bands are
honest about how much data stands behind them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scaling_cli.catalog.efficiency_model import SIZE_PIVOT, Observation, describe, fit, student_t90


def _runs(efficiency_class: str, level: float, per_decade: float, sizes: list[float], noise: list[float] | None = None) -> list[Observation]:
    """Dense runs on an exact law efficiency = level × per_decade^log10(N / 10B), times exp(noise)."""
    noise = noise or [0.0] * len(sizes)
    return [
        Observation(f"{efficiency_class}-{n:.0e}", efficiency_class, n, n, level * per_decade ** math.log10(n / SIZE_PIVOT) * math.exp(e))
        for n, e in zip(sizes, noise)
    ]


SIZES = [0.5e9, 1e9, 3e9, 7e9, 13e9, 30e9, 70e9, 100e9]  # within the range the model reads sizes at
JITTER = [0.05, -0.04, 0.03, -0.05, 0.04, -0.03, 0.05, -0.05]


def test_a_noiseless_law_is_recovered():
    # Ampere-like runs at 0.40 flat, Hopper-like runs at 0.25 at 10B rising ×1.5 per decade.
    model = fit(_runs("a", 0.40, 1.0, SIZES) + _runs("h", 0.25, 1.5, SIZES))
    a, h = describe(model, "a"), describe(model, "h")
    assert a["efficiency_at_10b"] == pytest.approx(0.40, rel=0.02)
    assert h["efficiency_at_10b"] == pytest.approx(0.25, rel=0.02)
    assert h["per_decade"] == pytest.approx(1.5, rel=0.03)
    # the prediction at 100B on "h": 0.25 × 1.5 = 0.375
    centre, _ = model.predict("h", 100e9, 100e9)
    assert centre == pytest.approx(0.375, rel=0.03)


def test_beyond_100b_active_the_model_does_not_extrapolate_its_size_slope():
    model = fit(_runs("h", 0.25, 1.5, SIZES))
    at_100b, _ = model.predict("h", 100e9, 100e9)
    at_1t, _ = model.predict("h", 1e12, 1e12)
    assert at_1t == pytest.approx(at_100b)


def test_a_generation_with_two_runs_borrows_from_the_rest():
    rich = _runs("a", 0.40, 1.0, SIZES, JITTER)
    thin = _runs("h", 0.20, 1.0, [8e9, 70e9])
    model = fit(rich + thin)
    level = describe(model, "h")["efficiency_at_10b"]
    assert 0.20 < level < 0.40  # shrunk from its own 0.20 toward the common level, not all the way


def test_fewer_runs_give_a_wider_band_and_an_unseen_generation_the_widest():
    many = fit(_runs("a", 0.40, 1.0, SIZES * 3, JITTER * 3) + _runs("h", 0.30, 1.0, SIZES, JITTER))
    few = fit(_runs("a", 0.40, 1.0, SIZES[:3], JITTER[:3]) + _runs("h", 0.30, 1.0, SIZES[:3], JITTER[:3]))
    _, wide = few.predict("a", 10e9, 10e9)
    _, narrow = many.predict("a", 10e9, 10e9)
    _, unseen = many.predict("never-seen", 10e9, 10e9)
    assert narrow < wide
    assert unseen > narrow + 0.2  # the prior spread between generations (0.35) is added


def test_predictions_broadcast_over_samples():
    model = fit(_runs("a", 0.40, 1.2, SIZES, JITTER))
    sizes = np.array([1e9, 10e9, 100e9])
    centre, spread = model.predict("a", sizes, sizes)
    assert centre.shape == spread.shape == (3,)
    assert centre[0] < centre[1] < centre[2]


def test_mixture_of_experts_sparsity_is_a_term_of_its_own():
    dense = _runs("a", 0.40, 1.0, SIZES, JITTER)
    moe = [Observation(f"moe-{n:.0e}", "a", n, 10 * n, 0.40 / 1.5) for n in (3e9, 20e9, 40e9)]  # 10× sparse at 2/3 the efficiency
    model = fit(dense + moe)
    dense_centre, _ = model.predict("a", 20e9, 20e9)
    moe_centre, _ = model.predict("a", 20e9, 200e9)
    assert moe_centre / dense_centre == pytest.approx(1 / 1.5, rel=0.15)


@pytest.mark.parametrize("dof,table", [(3, 1.638), (5, 1.476), (10, 1.372), (30, 1.310), (1e9, 1.2816)])
def test_student_t_90th_percentile_matches_the_tables(dof, table):
    # Student's t table (e.g. Abramowitz & Stegun Table 26.10): t_0.90 for 3, 5, 10, 30 and ∞ dof
    assert student_t90(dof) == pytest.approx(table, rel=0.01)
