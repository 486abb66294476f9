"""`scaling compare`: side by side, differences and ratios to the first scenario."""

from __future__ import annotations

import pytest

from tests.conftest import CONFIGS


def test_a_scenario_compared_with_itself_shows_no_difference(cli):
    path = str(CONFIGS[0])
    data = cli("compare", path, path, "-f", "json").json()
    assert len(data["metrics"]) > 10
    for path_name, entry in data["metrics"].items():
        first, second = entry["values"]
        assert first == second, path_name
        assert entry["difference"][1] in (0, None), path_name
        assert entry["ratio"][1] in (1, None), path_name


def test_differences_and_ratios_by_hand(cli, scenario_file):
    a = scenario_file("name: a\nhardware: {mfu: 0.4, goodput: 0.9}\nmodel: {params: 10B}\npretraining: {tokens: 1T}\n", "a.scenario.yaml")
    b = scenario_file("name: b\nhardware: {mfu: 0.4, goodput: 0.9}\nmodel: {params: 20B}\npretraining: {tokens: 1T}\n", "b.scenario.yaml")
    flops = cli("compare", a, b, "-f", "json").json()["metrics"]["pretraining.flops"]
    assert flops["values"] == [pytest.approx(6e22), pytest.approx(1.2e23)]  # 6·N·D
    assert flops["difference"][1] == pytest.approx(6e22)
    assert flops["ratio"][1] == pytest.approx(2.0)


def test_compare_needs_two_files(cli):
    result = cli("compare", str(CONFIGS[0]))
    assert result.exit_code == 2 and "at least two" in result.stderr


def test_compare_table_and_markdown(cli):
    paths = [str(p) for p in CONFIGS[:2]]
    assert "Comparison:" in cli("compare", *paths).stdout
    assert "| Metric |" in cli("compare", *paths, "-f", "markdown").stdout
