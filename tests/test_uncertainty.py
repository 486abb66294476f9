"""Uncertainty: scenario ranges, Monte Carlo bands, reproducibility, and the sampler's arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaling_cli.engine.uncertainty import Z90, Sampler, median, quantiles
from scaling_cli.scenario.ranges import Range


def _plan(cli, path, *extra):
    result = cli("plan", path, "--format", "json", *extra)
    assert result.exit_code == 0, result.stderr
    return result.json()


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=200), st.floats(0, 1))
def test_quantiles_match_numpy_linear_method(values, p):
    assert quantiles(np.array(values), (p,))[0] == pytest.approx(float(np.percentile(values, 100 * p)), rel=1e-12, abs=1e-9)


def test_quantiles_by_hand():
    # 11 samples 0..10: P10 at h = 10 × 0.1 = 1 → 1; P90 at 9; P25 of 0..3 at h = 0.75 → 0.75.
    assert quantiles(np.arange(11.0)) == [1.0, 9.0]
    assert quantiles([3.0, 0.0, 2.0, 1.0], (0.25,)) == [0.75]


@given(
    st.integers(1, 40).flatmap(lambda n: st.lists(st.lists(st.floats(-1e6, 1e6), min_size=n, max_size=n), min_size=1, max_size=6)),
    st.floats(0, 1),
)
def test_quantiles_along_an_axis_match_numpy(rows, p):
    """The sweep's P10/P90 per grid point: one row of samples a point, quantiles along axis 1."""
    data = np.array(rows)
    (along,) = quantiles(data, (p,), axis=1)
    assert along.shape == (len(rows),)
    np.testing.assert_allclose(along, np.percentile(data, 100 * p, axis=1), rtol=1e-12, atol=1e-9)
    (down,) = quantiles(data.T, (p,), axis=0)
    np.testing.assert_allclose(down, along, rtol=0, atol=0)


def test_median_by_hand():
    assert median([3.0, 1.0, 2.0]) == 2.0  # odd: the middle one
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5  # even: (2 + 3) / 2
    assert median(0.4) == 0.4  # a point value is its own median
    assert math.isnan(median([1.0, float("nan"), 2.0]))
    np.testing.assert_array_equal(median(np.array([[1.0, 5.0, 3.0], [2.0, 8.0, 4.0]]), axis=1), [3.0, 4.0])


@given(st.lists(st.floats(-1e300, 1e300), min_size=1, max_size=200))
def test_median_is_numpys(values):
    assert median(values) == float(np.median(values))


def test_point_sampler_uses_central_values():
    sampler = Sampler.point()
    assert Range(1, 3).draw(sampler, "x") == 2
    assert Range(1, 100, "loguniform").draw(sampler, "x") == pytest.approx(10)
    assert Range(1, 10, "triangular", 2).draw(sampler, "x") == 2
    assert sampler.lognormal(0.4, 0.2, "k") == 0.4


def test_monte_carlo_draws_have_the_right_spread():
    sampler = Sampler(200_000, seed=1)
    uniform = Range(10, 20).draw(sampler, "u")
    assert uniform.min() >= 10 and uniform.max() <= 20
    assert quantiles(uniform) == pytest.approx([11, 19], abs=0.05)
    log = sampler.lognormal(1.0, 0.2, "k")
    assert quantiles(log) == pytest.approx([math.exp(-Z90 * 0.2), math.exp(Z90 * 0.2)], rel=0.01)
    tri = Range(0, 10, "triangular", 0).draw(sampler, "t")  # density 2(10-x)/100: P10 at 10(1-sqrt(0.9))
    assert quantiles(tri, (0.1,))[0] == pytest.approx(10 * (1 - math.sqrt(0.9)), rel=0.02)


def test_same_key_same_draws_different_key_independent():
    sampler = Sampler(1000, seed=3)
    a = sampler.standard_normal("training-efficiency")
    assert a is sampler.standard_normal("training-efficiency")
    b = sampler.standard_normal("goodput")
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.15


def test_bands_surround_the_point_and_are_reproducible(cli):
    first = cli("plan", "-f", "json").json()["pretraining"]
    again = cli("plan", "-f", "json").json()["pretraining"]
    for key in ("gpu_hours", "productive_gpu_hours", "wall_clock_days", "cost_usd", "energy_mwh"):
        assert first[f"{key}_p10"] < first[key] < first[f"{key}_p90"], key
        assert first[f"{key}_p10"] == again[f"{key}_p10"]
    # FLOP do not depend on efficiency: no band unless an input range moves them
    assert "flops_p10" not in first


def test_seed_changes_bands_slightly_not_points(cli):
    a = cli("plan", "-f", "json", "--seed", "1").json()["pretraining"]
    b = cli("plan", "-f", "json", "--seed", "2").json()["pretraining"]
    assert a["gpu_hours"] == b["gpu_hours"]
    assert a["gpu_hours_p90"] != b["gpu_hours_p90"]
    assert a["gpu_hours_p90"] == pytest.approx(b["gpu_hours_p90"], rel=0.02)


def test_no_samples_means_no_bands(cli):
    data = cli("plan", "-f", "json", "--samples", "0").json()
    assert data["uncertainty"] is None
    assert not any(k.endswith("_p10") for k in data["pretraining"])


def test_user_mfu_narrows_the_band(cli, scenario_file):
    base = "name: t\nmodel: {params: 7B}\npretraining: {tokens: 1T}\nhardware: {accelerator: h100, count: 64%s}\n"
    default = _plan(cli, scenario_file(base % ""))["pretraining"]
    given_mfu = _plan(cli, scenario_file(base % ", mfu: 0.4"))["pretraining"]
    both = _plan(cli, scenario_file(base % ", mfu: 0.4, goodput: 0.9"))["pretraining"]
    width = lambda s: s["gpu_hours_p90"] / s["gpu_hours_p10"]  # noqa: E731
    assert width(default) > width(given_mfu) > 1.0
    assert width(both) == 1.0  # everything stated: only the price range remains, not in GPU-hours


def test_scenario_range_flows_through_and_widens_flops(cli, scenario_file):
    path = scenario_file("name: t\nmodel: {params: 7B}\npretraining: {tokens: {low: 1T, high: 3T}}\nhardware: {mfu: 0.4, goodput: 0.9}\n")
    s = _plan(cli, path)["pretraining"]
    assert s["tokens"] == 2e12  # uniform: the midpoint
    assert s["flops"] == pytest.approx(6 * 7e9 * 2e12)
    # uniform 1T-3T: P10 = 1.2T, P90 = 2.8T tokens -> FLOP band is exactly proportional
    assert s["flops_p10"] == pytest.approx(6 * 7e9 * 1.2e12, rel=0.01)
    assert s["flops_p90"] == pytest.approx(6 * 7e9 * 2.8e12, rel=0.01)


def test_loguniform_point_is_the_geometric_midpoint(cli, scenario_file):
    path = scenario_file("name: t\nmodel: {params: {low: 1B, high: 100B, dist: loguniform}}\npretraining: {tokens: 1T}\n")
    assert _plan(cli, path)["pretraining"]["params"] == pytest.approx(10e9)


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("{low: 3T, high: 1T}", "low (3e+12) is above high (1e+12)"),
        ("{low: 1T}", "needs both low and high"),
        ("{low: -1, high: 1T}", "low must be greater than 0"),
        ("{low: 1T, high: 2T, dist: normal}", "unknown dist 'normal'"),
        ("{low: 1T, high: 2T, hi: 3}", "unknown key 'hi' in a range"),
        ("{low: 1T, high: 2T, mode: 1.5T}", "mode applies only to dist: triangular"),
        ("{low: 1T, high: 2T, dist: triangular, mode: 5T}", "must lie between low and high"),
    ],
)
def test_bad_ranges_are_located_errors(cli, scenario_file, value, fragment):
    path = scenario_file(f"name: t\nmodel: {{params: 7B}}\npretraining:\n  tokens: {value}\n")
    result = cli("plan", path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:4:11: pretraining.tokens: ")
    assert fragment in result.stderr
