"""The metric registry is complete, used, and the README's JSON key tables are generated from it."""

from __future__ import annotations

import csv
import io
import os

import pytest

from scaling_cli.metrics import REGISTRY, metric
from scaling_cli.render.doc_tables import MARKER, with_tables
from scaling_cli.tree import Item, is_band, label, pattern, pattern_of, strip_band, walk
from tests.conftest import CONFIGS, REPO

SECTIONS = ("model", "pretraining", "post_training", "test_time", "total")


@pytest.fixture(scope="module")
def plans(cli_module):
    """The JSON of the default plan and of every example, with bands."""
    return [cli_module("plan", "-f", "json", *([str(path)] if path else [])) for path in [None, *CONFIGS]]


@pytest.fixture(scope="module")
def cli_module():
    from typer.testing import CliRunner

    from scaling_cli.cli import app

    def run(*args: str):
        import json

        result = CliRunner().invoke(app, list(args))
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout) if "json" in args else result.stdout

    return run


def _plan_paths(document: dict) -> list[tuple]:
    return [(path, value) for section in SECTIONS if document.get(section) is not None for path, value in walk({section: document[section]})]


def test_every_figure_a_plan_prints_is_registered(plans):
    unregistered = {pattern(path) for plan in plans for path, _ in _plan_paths(plan) if strip_band(pattern(path)) not in REGISTRY}
    assert not unregistered, f"plan figures missing from metrics.REGISTRY: {sorted(unregistered)}"


def test_every_registered_plan_metric_appears_in_some_plan(plans):
    seen = {strip_band(pattern(path)) for plan in plans for path, _ in _plan_paths(plan)}
    dead = [path for path in REGISTRY if path.split(".", 1)[0] in SECTIONS and path not in seen]
    assert not dead, f"registered but never printed by the default plan or an example: {dead}"


def test_banded_metrics_carry_their_band_wherever_they_appear(plans):
    for plan in plans:
        for path, value in _plan_paths(plan):
            key = path[-1]
            if isinstance(key, str) and not is_band(key) and metric(pattern(path)).banded:
                parent = plan
                for step in path[:-1]:
                    parent = parent[step.index] if isinstance(step, Item) else parent[step]
                assert f"{key}_p10" in parent and f"{key}_p90" in parent, label(path)


def test_labels_name_list_items_and_patterns_erase_them():
    tree = {"post_training": {"derivatives": [{"name": "sft", "gpu_hours": 1.0}, {"name": "rl", "gpu_hours": 2.0}]}}
    paths = [path for path, _ in walk(tree)]
    assert [label(p) for p in paths] == [
        "post_training.derivatives[sft].name",
        "post_training.derivatives[sft].gpu_hours",
        "post_training.derivatives[rl].name",
        "post_training.derivatives[rl].gpu_hours",
    ]
    assert {pattern(p) for p in paths} == {"post_training.derivatives[].name", "post_training.derivatives[].gpu_hours"}
    assert pattern_of("post_training.derivatives[community-lora].steps[adapters].gpu_hours_p90") == "post_training.derivatives[].steps[].gpu_hours"


def test_csv_rows_of_list_items_carry_the_item_name_and_the_registry_unit(cli_module):
    text = cli_module("plan", "-f", "csv", "--samples", "0")
    rows = {row["metric"]: row for row in csv.DictReader(io.StringIO(text))}
    # the built-in default builds 200 community LoRAs (README, Quick tour): a count of models
    assert float(rows["post_training.derivatives[community-lora].count"]["value"]) == 200
    assert rows["post_training.derivatives[community-lora].count"]["unit"] == "models"
    assert rows["pretraining.gpus"]["unit"] == "GPUs"
    assert not any("[0]" in name or "[1]" in name for name in rows), "list items must be named, not numbered"


def test_readme_key_tables_are_the_registry():
    path = REPO / "README.md"
    readme = path.read_text(encoding="utf-8")
    assert len(MARKER.findall(readme)) >= 4, "the README lost its generated metric tables"
    expected = with_tables(readme)
    if os.environ.get("SCALING_UPDATE_README") and expected != readme:
        path.write_text(expected, encoding="utf-8")
        readme = expected
    assert readme == expected, "README key tables differ from metrics.REGISTRY: run SCALING_UPDATE_README=1 pytest tests/test_metrics.py"
