"""`scaling reference --serving`: the serving model against published inference measurements."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from scaling_cli.commands.reference_serving import METRICS, case_metrics, case_scenario, measurements, serving_reference

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "serving_measurements.yaml"


def test_every_case_keeps_its_source_and_figures():
    cases = measurements()
    assert len(cases) >= 15
    for case in cases:
        assert case["source"].get("url") or case["source"].get("repo"), case["id"]
        assert set(case_metrics(case)) <= set(METRICS), case["id"]
    assert len({c["id"] for c in cases}) == len(cases)


@pytest.mark.skipif(not SHARED.exists(), reason="shared reference list not present")
def test_bundled_copy_holds_the_shared_list_verbatim():
    shared = yaml.safe_load(SHARED.read_text())["cases"]
    bundled = {c["id"]: c for c in measurements()}
    for case in shared:
        assert bundled[case["id"]] == case


def test_scenarios_state_only_what_the_source_states():
    """No per-case tuning: the scenario is the model, accelerator, precision, TP size and tokens."""
    for case in measurements():
        for light in (False, True):
            scenario = case_scenario(case, light)
            workload = scenario["test_time"][0]
            assert set(scenario["hardware"]) == {"accelerator", "precision"}
            if "expert_parallel" in case["hardware"]:
                assert workload["expert_parallel"] == case["hardware"]["expert_parallel"] and "gpus_per_replica" not in workload
            else:
                assert workload["gpus_per_replica"] == case["hardware"]["tensor_parallel"]
            assert (workload["prompt_tokens"], workload["output_tokens"]) == (case["input_tokens"], case["output_tokens"])
            # engine settings a case overrides are the ones its source states (its kv_cache_dtype or notes name them)
            stated = set(case.get("workload") or {})
            for key in stated:
                assert key == "kv_cache_dtype" or str(case["workload"][key]) in case["notes"] + str(case.get("quote", "")), (case["id"], key)
            allowed = {"name", "queries_per_day", "prompt_tokens", "output_tokens", "gpus_per_replica", "expert_parallel", "latency_target_seconds"}
            assert set(workload) <= allowed | stated


def test_report_rows_ratios_and_summary_by_hand():
    report = serving_reference()
    assert len(report.rows) == sum(len(case_metrics(c)) for c in measurements())
    for row in report.rows:
        assert row["ratio"] == pytest.approx(row["predicted"] / row["measured"])
        if METRICS[row["metric"]][1]:  # light load: the fastest configuration, one sequence
            assert row["batch"] == 1
    errors = sorted(abs(r["ratio"] - 1) for r in report.rows)
    n = len(errors)
    expected = errors[n // 2] if n % 2 else (errors[n // 2 - 1] + errors[n // 2]) / 2
    assert report.summary["median_abs_error"] == pytest.approx(expected)
    worst = max(report.rows, key=lambda r: abs(math.log(r["ratio"])))
    assert report.summary["worst_ratio"] == worst["ratio"]
    assert sum(s["cases"] for s in report.by_metric.values()) == n


def test_cli_prints_table_and_json(cli):
    result = cli("reference", "--serving", "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert set(data["by_metric"]) == set(METRICS)
    assert data["summary"]["cases"] == len(data["cases"])
    text = cli("reference", "--serving")
    assert text.exit_code == 0 and "Serving accuracy" in text.stdout
