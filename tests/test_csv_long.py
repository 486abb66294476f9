"""``--format csv-long``: every figure of a plan as one row (phase, item, metric, value, p10, p90,
unit), checked by parsing it with the csv module against the plan's own JSON."""

from __future__ import annotations

import csv
import io
import math

import pytest

from scaling_cli.metrics import metric
from tests.conftest import REPO, run_subprocess

SECTIONS = ("model", "pretraining", "post_training", "test_time", "total")
ALIGNMENT = str(REPO / "configs" / "alignment-pipeline.scenario.yaml")


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _find(document: dict, phase: str, item: str, key: str) -> tuple[dict, str]:
    """The mapping that holds figure ``key`` of ``item`` (names separated by " / ") in ``phase``,
    found by walking the JSON by hand: each name is looked up in the lists of the mapping reached."""
    node = document[phase]
    for name in filter(None, item.split(" / ")):
        matches = [entry for value in node.values() if isinstance(value, list) for entry in value if isinstance(entry, dict) and name in (entry.get("name"), entry.get("step"))]
        assert len(matches) == 1, (phase, item, name)
        node = matches[0]
    *parents, last = key.split(".")
    for part in parents:
        node = node[part]
    return node, last


def _numeric_figures(tree, into: list) -> list:
    """Numbers (and nulls) in the tree that are not bands, each once: what csv-long must hold."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if isinstance(value, (dict, list)):
                _numeric_figures(value, into)
            elif not key.endswith(("_p10", "_p90")) and not isinstance(value, (str, bool)) and (value is not None or not _is_text(key)):
                into.append(value)
    elif isinstance(tree, list):
        for value in tree:
            _numeric_figures(value, into)
    return into


def _is_text(key: str) -> bool:
    return key in {"flops_convention", "loss_note", "fit", "accelerator", "precision", "formula", "technique", "decode_bound", "gpu_hours_scope", "params_source", "config", "data_law"}


@pytest.fixture(scope="module")
def pair():
    from typer.testing import CliRunner

    from scaling_cli.cli import app

    runner = CliRunner()
    long = runner.invoke(app, ["plan", ALIGNMENT, "-f", "csv-long", "--seed", "7"])
    document = runner.invoke(app, ["plan", ALIGNMENT, "-f", "json", "--seed", "7"])
    assert long.exit_code == 0 and document.exit_code == 0, long.stderr + document.stderr
    import json

    return _rows(long.stdout), json.loads(document.stdout), long.stdout


def test_header_is_the_seven_columns(pair):
    _, _, text = pair
    assert text.splitlines()[0] == "phase,item,metric,value,p10,p90,unit"


def test_every_row_equals_the_json_figure_and_its_band(pair):
    rows, document, _ = pair
    assert rows
    for row in rows:
        holder, key = _find(document, row["phase"], row["item"], row["metric"])
        value = holder[key]
        if value is None:
            assert row["value"] == ""
        else:
            assert float(row["value"]) == value, row
        for band in ("p10", "p90"):
            expected = holder.get(f"{key}_{band}")
            assert (row[band] == "") if expected is None else float(row[band]) == expected, (row, band)


def test_one_row_per_numeric_figure_of_every_section(pair):
    rows, document, _ = pair
    expected = _numeric_figures({name: document[name] for name in SECTIONS if document.get(name) is not None}, [])
    assert len(rows) == len(expected)
    assert {row["phase"] for row in rows} == {name for name in SECTIONS if document.get(name) is not None}


def test_a_step_figure_names_its_group_and_step_and_carries_its_band(pair):
    rows, document, _ = pair
    group = document["post_training"]["derivatives"][0]
    step = group["steps"][0]
    row = next(r for r in rows if r["item"] == f"{group['name']} / {step['step']}" and r["metric"] == "gpu_hours")
    assert float(row["value"]) == step["gpu_hours"]
    assert float(row["p10"]) <= float(row["value"]) <= float(row["p90"])
    assert row["unit"] == "GPU-h"


def test_units_come_from_the_metric_registry(pair):
    rows, _, _ = pair
    row = next(r for r in rows if r["phase"] == "pretraining" and r["metric"] == "cost_usd")
    assert row["unit"] == metric("pretraining.cost_usd").unit == "USD"
    assert next(r for r in rows if r["metric"] == "shares.pretraining")["unit"] == "fraction"


def test_no_text_and_no_band_rows(pair):
    rows, _, _ = pair
    assert not [r for r in rows if r["metric"].endswith(("_p10", "_p90"))]
    for row in rows:
        assert row["value"] == "" or math.isfinite(float(row["value"]))


def test_without_bands_the_band_columns_are_empty(cli):
    rows = _rows(cli("plan", ALIGNMENT, "-f", "csv-long", "--samples", "0").stdout)
    assert rows and all(r["p10"] == "" and r["p90"] == "" for r in rows)


def test_optimal_rows_carry_the_optimal_units(cli):
    rows = {r["metric"]: r for r in _rows(cli("optimal", "--compute", "1e24", "-f", "csv-long").stdout)}
    assert rows["gpu_hours"]["phase"] == "optimal" and rows["gpu_hours"]["unit"] == "GPU-h"
    assert float(rows["flops"]["value"]) == pytest.approx(1e24)


def test_written_to_a_file_by_the_real_entry_point(tmp_path):
    out = tmp_path / "plan.csv"
    result = run_subprocess("plan", "--samples", "0", "-f", "csv-long", "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = _rows(out.read_text(encoding="utf-8"))
    assert any(r["phase"] == "total" and r["metric"] == "flops" for r in rows)
