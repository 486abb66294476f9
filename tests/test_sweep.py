"""`scaling sweep`: vectorized grids give exactly what single plans give, point by point."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaling_cli.planner.plan import build_plan
from scaling_cli.commands.sweep import parse_vary, parse_where, run_sweep
from scaling_cli.scenario.loading import load_scenario

SCENARIO = "configs/small-model.scenario.yaml"


def _single(overrides: list[str]) -> dict:
    return build_plan(load_scenario(SCENARIO, overrides), samples=0).to_dict()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tokens=st.lists(st.floats(1e9, 1e13), min_size=1, max_size=4, unique=True),
    counts=st.lists(st.integers(1, 4096), min_size=1, max_size=3, unique=True),
    mfu=st.floats(0.05, 1.0),
)
def test_sweep_equals_single_plans(tokens, counts, mfu):
    loaded = load_scenario(SCENARIO, [f"hardware.mfu={mfu!r}"])
    varies = [parse_vary("pretraining.tokens=" + ",".join(repr(t) for t in tokens)), parse_vary("hardware.count=" + ",".join(map(str, counts)))]
    result = run_sweep(loaded, varies, objective="pretraining.cost_usd", minimize=True, conditions=[], top=None, samples=0, seed=0)
    assert result.evaluated == len(tokens) * len(counts)
    for i in range(result.evaluated):
        t, c = float(result.columns["pretraining.tokens"][i]), int(result.columns["hardware.count"][i])
        single = _single([f"hardware.mfu={mfu!r}", f"pretraining.tokens={t!r}", f"hardware.count={c}"])["pretraining"]
        for key in ("flops", "gpu_hours", "wall_clock_days", "cost_usd", "energy_mwh", "loss"):
            assert result.columns[f"pretraining.{key}"][i] == pytest.approx(single[key], rel=1e-12), key


def test_ranges_and_lists():
    assert np.allclose(parse_vary("a.b=1:3:3").values, [1, 2, 3])
    assert np.allclose(parse_vary("a.b=1K:1M:4:log").values, [1e3, 1e4, 1e5, 1e6])
    assert np.allclose(parse_vary("a.b=1B,2B").values, [1e9, 2e9])
    assert len(parse_vary("a.b=1:2").values) == 10


def test_where_filters_and_objective_sorts(cli):
    result = cli(
        "sweep", SCENARIO, "--vary", "hardware.count=1,2,4,8,16,32", "--where", "pretraining.wall_clock_days<=5",
        "--objective", "pretraining.wall_clock_days", "--maximize", "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = result.json()
    days = [p["pretraining.wall_clock_days"] for p in data["points"]]
    assert all(d <= 5 for d in days)
    assert days == sorted(days, reverse=True)
    assert data["points_evaluated"] == 6 and data["points_feasible"] == len(days)


def test_csv_streams_every_point(cli):
    out = cli("sweep", SCENARIO, "--vary", "pretraining.tokens=10B:40B:7", "--vary", "hardware.count=8,16", "--top", "0", "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 14
    assert {"pretraining.tokens", "hardware.count", "pretraining.gpu_hours"} <= set(rows[0])


def test_monte_carlo_bands_per_point(cli):
    data = cli("sweep", SCENARIO, "--vary", "hardware.price_per_hour=1,3", "--samples", "2000", "-f", "json").json()
    for point in data["points"]:
        assert point["pretraining.cost_usd_p10"] < point["pretraining.cost_usd"] < point["pretraining.cost_usd_p90"]
    low, high = sorted(p["pretraining.cost_usd_p90"] for p in data["points"])
    assert high == pytest.approx(3 * low, rel=1e-9)  # the price scales the cost's samples: a band per point
    # GPU-hours do not depend on the price: one figure and one band, not one per point
    constants = data["constants"]
    assert constants["pretraining.gpu_hours_p10"] < constants["pretraining.gpu_hours"] < constants["pretraining.gpu_hours_p90"]
    assert "pretraining.gpu_hours" not in data["points"][0]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--vary", "hardware.count=1,2", "--objective", "pretraining.costs"], "unknown metric 'pretraining.costs'; valid metrics: "),
        (["--vary", "hardware.count=1,2", "--where", "pretraining.day<=3"], "unknown metric 'pretraining.day'"),
        (["--vary", "hardware.count=1,2", "--where", "days about 3"], "expected METRIC<=VALUE"),
        (["--vary", "hardware.mfu=0.5:1.5:3"], "--vary hardware.mfu: must be less than or equal to 1"),
        (["--vary", "hardware.cunt=1,2"], "unknown key 'cunt'; did you mean 'count'?"),
        (["--vary", "hardware.count"], "expected PATH=START:STOP"),
        (["--vary", "pretraining.tokens=1T:2T:3:log:x"], "expected START:STOP"),
        ([], "give at least one --vary"),
    ],
)
def test_sweep_usage_errors(cli, args, fragment):
    result = cli("sweep", SCENARIO, *args)
    assert result.exit_code == 2, result.stderr
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr


def test_valid_metric_list_includes_every_section_metric(cli):
    stderr = cli("sweep", SCENARIO, "--vary", "hardware.count=1,2", "--objective", "nope").stderr
    for path in ("pretraining.flops", "pretraining.gpu_hours", "pretraining.wall_clock_days", "pretraining.loss"):
        assert path in stderr


def test_where_parsing():
    condition = parse_where("pretraining.wall_clock_days <= 90")
    assert (condition.metric, condition.op, condition.value) == ("pretraining.wall_clock_days", "<=", 90.0)
    assert parse_where("total.cost_usd<10M").value == 10e6


def test_points_that_overflow_are_left_out_not_ranked(cli, scenario_file):
    path = scenario_file("name: o\nmodel: {params: 7B}\npretraining: {tokens: 1T}\nhardware: {count: 8}\n")
    data = cli("sweep", path, "--vary", "model.params=1B,1e300", "--vary", "pretraining.tokens=1T,1e300", "-f", "json").json()
    assert data["points_evaluated"] == 4 and data["points_not_finite"] >= 1
    assert all(p["pretraining.flops"] is not None and p["pretraining.flops"] < 1e308 for p in data["points"])
    assert len(data["points"]) == 4 - data["points_not_finite"]


def test_internal_errors_are_one_line_with_exit_70(monkeypatch, capsys):
    from scaling_cli import cli as cli_module

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli_module, "app", broken)
    monkeypatch.delenv("SCALING_DEBUG", raising=False)
    with pytest.raises(SystemExit) as info:
        cli_module.main()
    assert info.value.code == 70
    assert capsys.readouterr().err.startswith("internal error: RuntimeError: boom")


def test_a_log_range_of_gpu_counts_is_whole_numbers_not_float_noise():
    # geomspace(1024, 32768, 6) gives 2048.000000000001: a GPU count must plan as 2048 exactly
    vary = parse_vary("hardware.count=1024:32768:6:log")
    assert list(vary.values) == [1024, 2048, 4096, 8192, 16384, 32768]
    assert parse_vary("pretraining.tokens=1:2:3").values.tolist() == [1.0, 1.5, 2.0]  # true fractions stay


def test_sweep_json_does_not_grow_with_the_grid(cli):
    """An axis is described by its spec, not its values: 101 points or 300,000, the same document
    (up to the digits of the counts and of the best point)."""
    small, big = (cli("sweep", "--vary", f"pretraining.tokens=1T:100T:{n}", "--top", "1", "-f", "json") for n in (101, 300_000))
    assert small.exit_code == 0 and big.exit_code == 0, small.stderr + big.stderr
    assert abs(len(big.stdout) - len(small.stdout)) < 200
    axis = big.json()["vary"][0]
    assert axis == {"path": "pretraining.tokens", "start": 1e12, "stop": 1e14, "count": 300_000, "scale": "linear"}
    assert big.json()["points_evaluated"] == 300_000
    short = cli("sweep", "--vary", "pretraining.tokens=1T:3T:3", "--top", "1", "-f", "json").json()["vary"][0]
    assert short["values"] == [1e12, 2e12, 3e12] and short["count"] == 3  # a short axis still lists them


def test_a_list_axis_keeps_its_values_and_counts_stay_integers(cli):
    data = cli("sweep", SCENARIO, "--vary", "hardware.count=8,16", "-f", "json").json()
    assert data["schema_version"] == "2.0"
    assert data["vary"] == [{"path": "hardware.count", "count": 2, "values": [8, 16]}]


def test_figures_the_grid_does_not_move_are_reported_once(cli):
    """Varying the serving demand of one workload moves test-time and total figures; the pretraining
    run (6·N·D for the built-in scenario's N and D) is the same at every point, so it is a constant."""
    data = cli("sweep", "--vary", "test_time[0].queries_per_day=1M:10M:5", "-f", "json").json()
    plan = cli("plan", "-f", "json", "--samples", "0").json()
    assert data["constants"]["pretraining.flops"] == plan["pretraining"]["flops"]
    assert all("pretraining.flops" not in p and "test_time.workloads[chat].flops" in p for p in data["points"])


@pytest.mark.parametrize(
    "section, varied, expected",
    [
        ("plan_test_time", "pretraining.tokens=1T:100T:400000", 1),
        ("plan_test_time", "test_time[0].queries_per_day=1M:10M:400000", None),
        # post-training meets the grid only through its ratios to pretraining FLOP, which are divided
        # in afterwards (``planner.plan.per_pretraining_flop``)
        ("plan_post_training", "pretraining.tokens=1T:100T:400000", 1),
        ("plan_post_training", "post_training[0].tokens=1B:100B:400000", None),
    ],
)
def test_a_section_the_grid_does_not_touch_is_planned_once(monkeypatch, section, varied, expected):
    """Several passes over a 400,000-point grid: a section is planned on the first pass only when no
    varied input reaches it, and on every pass when one does."""
    import scaling_cli.planner.plan as planner

    calls = []
    original = getattr(planner, section)
    monkeypatch.setattr(planner, section, lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs))
    result = run_sweep(load_scenario(None), [parse_vary(varied)], objective=None, minimize=True, conditions=[], top=1, samples=0, seed=0)
    assert result.evaluated == 400_000
    assert len(calls) == expected if expected else len(calls) > 2
    ratio = result.columns["post_training.ratio_to_pretraining"][0]
    assert ratio == result.columns["post_training.flops"][0] / result.columns["pretraining.flops"][0]


@pytest.mark.parametrize("spec", ["1T:100T:1000001", "10B:1T:77777:log", "-2e9:3e9:1001", "-3e9:-1e9:999", "0.1:7.3:999", "3:1:11", "5:5:7", "7:9:1", "-5:5:100001", "1e-320:2e-320:5", "1K:1M:4:log", "0.001:1000:777777:log", "1e-300:1e300:99999:log"])
def test_a_range_axis_at_any_indices_is_linspace_or_geomspace_bit_for_bit(spec):
    """A range's values are computed per chunk of the grid, never all at once, as numpy's
    linspace/geomspace make them (then snapped to whole numbers within 1e-9)."""
    vary = parse_vary("a.b=" + spec)
    whole = (np.geomspace if vary.scale == "log" else np.linspace)(vary.start, vary.stop, vary.count)
    near = np.round(whole)
    expected = np.where(np.abs(whole - near) <= 1e-9 * np.abs(near), near, whole)
    assert vary.values.view(np.int64).tolist() == expected.view(np.int64).tolist()
    rng = np.random.default_rng(7)
    for start in rng.integers(0, vary.count, 5):
        index = np.arange(start, min(vary.count, start + 65_537))
        assert vary.at(index).view(np.int64).tolist() == expected[index].view(np.int64).tolist()
        assert vary.between(int(index[0]), int(index[-1]) + 1).view(np.int64).tolist() == expected[index].view(np.int64).tolist()
    assert vary.between(0, vary.count).view(np.int64).tolist() == expected.view(np.int64).tolist()


def test_a_sweep_never_makes_every_value_of_a_range(monkeypatch):
    """A 10M-point axis would be 80 MB of values (and as much again per temporary): the grid is made
    chunk by chunk from the axis's spec, the checks read its ends and its first fraction."""
    from scaling_cli.commands.sweep_spec import Vary

    vary = parse_vary("pretraining.tokens=1T:100T:300000")
    monkeypatch.setattr(Vary, "values", property(lambda self: pytest.fail("every value of the axis was made")))
    result = run_sweep(load_scenario(SCENARIO), [vary], objective=None, minimize=True, conditions=[], top=1, samples=0, seed=0)
    assert result.evaluated == 300_000
    assert result.to_dict()["vary"] == [{"path": "pretraining.tokens", "start": 1e12, "stop": 1e14, "count": 300_000, "scale": "linear"}]


@given(st.lists(st.integers(0, 3), min_size=1, max_size=40), st.booleans(), st.integers(1, 5))
def test_the_best_points_of_a_chunk_are_those_a_stable_sort_ranks_first(values, minimize, top):
    """``--top N`` keeps what a full stable sort would rank first; for one point (a single pass, no
    partial sort), the first of equal best values in grid order."""
    from scaling_cli.commands.sweep import _best_indices

    values = np.array(values, dtype=float)
    ranked = np.argsort(values if minimize else -values, kind="stable")[:top]
    best = _best_indices(values, minimize, top)
    assert sorted(values[best]) == sorted(values[ranked])
    if top == 1:
        assert list(best) == list(ranked)
