"""The one table of defaults: complete, sourced, the origin of every assumption a plan lists, and the
README's defaults table."""

from __future__ import annotations

import os
import re

import pytest
from typer.testing import CliRunner

from scaling_cli.cli import app
from scaling_cli.defaults import table
from scaling_cli.render.doc_tables import DEFAULTS_MARKER, with_tables
from tests.conftest import CONFIGS, REPO

#: Assumption keys that record a value the plan solved, not a default it took.
SOLVED = {"model.params", "pretraining.tokens", "pretraining.inference_demand_tokens"}


def _assumptions(*args: str) -> list[dict]:
    import json

    result = CliRunner().invoke(app, [*args, "-f", "json", "--samples", "0"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["assumptions"]


def _table_key(key: str) -> str:
    """``post_training[3].hardware.pue`` -> ``hardware.pue``; ``test_time[0].days`` -> ``test_time[].days``."""
    key = re.sub(r"^.*\bhardware\.", "hardware.", key)
    return re.sub(r"\[\d+\]", "[]", key)


def test_every_default_has_a_key_a_unit_or_text_value_and_a_source():
    keys = [d.key for d in table()]
    assert len(keys) == len(set(keys)), "two defaults share a key"
    for default in table():
        assert default.key and default.source.strip(), default
        assert default.log_sigma >= 0


@pytest.mark.parametrize("args", [("plan",), *[("plan", str(p)) for p in CONFIGS], ("optimal", "--target-loss", "2.0", "--inference-tokens", "1e13", "--objective", "cost")])
def test_every_assumption_a_plan_lists_comes_from_the_table(args):
    known = {re.sub(r" \(.*\)$", "", d.key) for d in table()}
    for item in _assumptions(*args):
        if item["key"] in SOLVED:
            assert item["source"].startswith("solved:") or "Σ test_time" in item["source"], item
            continue
        assert _table_key(item["key"]) in known, f"{item['key']} is not in scaling_cli/defaults.py's table"


def test_the_default_fit_is_the_catalogs():
    from scaling_cli.catalog.fits import default_fit_name
    from scaling_cli.defaults import FIT

    assert FIT.value == default_fit_name()


def test_a_plan_lists_the_default_it_used_with_the_table_value():
    # A scenario that gives no PUE and no days gets the table's 1.2 and 365 (hand-typed here, as the README states them).
    items = {a["key"]: a for a in _assumptions("plan", str(REPO / "configs" / "reasoning-service.scenario.yaml"))}
    assert items["hardware.pue"]["value"] == 1.2
    assert items["serving.memory_fraction"]["value"] == 0.9


def test_readme_defaults_table_is_the_table():
    path = REPO / "README.md"
    readme = path.read_text(encoding="utf-8")
    assert DEFAULTS_MARKER.search(readme), "the README lost its generated defaults table"
    expected = with_tables(readme)
    if os.environ.get("SCALING_UPDATE_README") and expected != readme:
        path.write_text(expected, encoding="utf-8")
        readme = expected
    assert readme == expected, "README defaults table differs from scaling_cli/defaults.py: run SCALING_UPDATE_README=1 pytest tests/test_defaults.py"
