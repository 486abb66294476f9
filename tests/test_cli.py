"""The commands as a user types them: formats, files, overrides, streams and exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scaling_cli import __version__
from tests.conftest import CONFIGS, REPO as REPO_ROOT, run_subprocess

PRETRAINING_KEYS = {"flops", "gpu_hours", "productive_gpu_hours", "wall_clock_days", "cost_usd", "energy_mwh", "min_gpus_for_memory"}


def test_plan_without_argument_plans_the_builtin_default(cli):
    result = cli("plan", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["schema_version"] == "1.0"
    assert data["scenario"]["name"] == "default-70b-dense"
    assert PRETRAINING_KEYS <= set(data["pretraining"])
    assert all(isinstance(a["source"], str) and a["source"] for a in data["assumptions"])


def test_json_says_which_defaults_were_used(cli, scenario_file):
    path = scenario_file("name: t\nhardware: {accelerator: h100, mfu: 0.5}\nmodel: {params: 7B}\npretraining: {tokens: 1T}\n")
    keys = {a["key"] for a in cli("plan", path, "-f", "json").json()["assumptions"]}
    assert "hardware.goodput" in keys and "hardware.price_per_hour" in keys
    assert "hardware.mfu" not in keys  # given by the user, so not an assumption


def test_default_mfu_is_the_calibrated_one_and_cited(cli):
    data = cli("plan", "-f", "json").json()
    mfu = next(a for a in data["assumptions"] if a["key"] == "hardware.mfu")
    from scaling_cli.catalog.calibration import run_efficiencies

    hopper_runs = [r.name for r in run_efficiencies() if r.efficiency_class == "hopper"]
    assert "published runs" in mfu["source"] and any(name in mfu["source"] for name in hopper_runs)
    # the plan's MFU is the calibrated one at its GPU count: × the scale efficiency it reports (#13)
    assert data["pretraining"]["mfu"] == pytest.approx(mfu["value"] * data["pretraining"]["scale_efficiency"], rel=1e-3)


def test_table_output_has_every_section_and_assumptions(cli):
    result = cli("plan")
    assert result.exit_code == 0
    assert "Pretraining — default-70b-dense" in result.stdout
    assert "GPU-hours (reserved)" in result.stdout
    assert "Assumptions (defaults used)" in result.stdout


def test_piped_table_never_truncates_numbers(cli):
    # CliRunner's stdout is not a TTY: plain columns, no box drawing, no ellipsis.
    out = cli("plan", env={"COLUMNS": "40"}).stdout
    assert "…" not in out
    assert "7.32e24" in out
    assert "│" not in out and "─" not in out


def test_terminal_table_honours_no_color():
    from scaling_cli.render.emit import render
    from scaling_cli.planner.plan import build_plan
    from scaling_cli.scenario.loading import load_scenario

    plan = build_plan(load_scenario(None))
    os.environ["NO_COLOR"] = "1"
    try:
        plain = render(plan, "table", terminal=True, color=True, width=200)
    finally:
        del os.environ["NO_COLOR"]
    colored = render(plan, "table", terminal=True, color=True, width=200)
    assert "\x1b[3" not in plain  # no foreground colour codes under NO_COLOR
    assert "\x1b[36m" in colored  # the value column is cyan otherwise
    assert "…" not in plain


def test_csv_is_one_raw_row_per_metric(cli):
    rows = list(csv.DictReader(io.StringIO(cli("plan", "-f", "csv").stdout)))
    by_metric = {r["metric"]: r for r in rows}
    assert float(by_metric["pretraining.flops"]["value"]) == pytest.approx(cli("plan", "-f", "json").json()["pretraining"]["flops"], rel=1e-15)
    assert by_metric["pretraining.gpu_hours"]["unit"] == "GPU-h"


def test_markdown_is_a_pipe_table(cli):
    out = cli("plan", "-f", "markdown").stdout
    assert "### Pretraining — default-70b-dense" in out
    assert "| Metric | Value | P10 | P90 | Unit |" in out


def test_set_overrides_a_value(cli):
    base = cli("plan", "-f", "json").json()["pretraining"]
    doubled = cli("plan", "-f", "json", "--set", "pretraining.tokens=30T", "--set", "hardware.count=4096").json()["pretraining"]
    assert doubled["flops"] == pytest.approx(2 * base["flops"])
    # 2x work on 2x GPUs takes longer than 1x on 1x: goodput and scale efficiency fall with the count (#13)
    at_scale = (base["goodput"] * base["scale_efficiency"]) / (doubled["goodput"] * doubled["scale_efficiency"])
    assert at_scale > 1
    assert doubled["wall_clock_days"] == pytest.approx(base["wall_clock_days"] * at_scale, rel=1e-3)


def test_output_file_is_written_and_never_overwritten_without_force(cli, tmp_path):
    target = tmp_path / "plan.json"
    first = cli("plan", "-f", "json", "-o", str(target))
    assert first.exit_code == 0 and first.stdout == ""
    assert json.loads(target.read_text())["schema_version"] == "1.0"
    target.write_text("keep me")
    second = cli("plan", "-f", "json", "-o", str(target))
    assert second.exit_code == 1
    assert "use --force" in second.stderr
    assert target.read_text() == "keep me"
    third = cli("plan", "-f", "json", "-o", str(target), "--force")
    assert third.exit_code == 0
    assert json.loads(target.read_text())["scenario"]["name"] == "default-70b-dense"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]  # no temporary files left


def test_bad_input_writes_nothing_to_output(cli, scenario_file, tmp_path):
    target = tmp_path / "out.json"
    result = cli("plan", scenario_file("name: t\nmodel: {params: 70m}\n"), "-o", str(target))
    assert result.exit_code == 1
    assert not target.exists()


@pytest.mark.parametrize(
    ("template", "phases"),
    [("lifecycle", {"pretraining", "post_training", "test_time"}), ("pretraining", {"pretraining"}), ("reasoning-service", {"post_training", "test_time"})],
)
def test_every_init_template_is_a_commented_starter_that_plans_its_phases(cli, tmp_path, template, phases):
    path = tmp_path / f"{template}.scenario.yaml"
    written = cli("init", str(path), "--template", template)
    assert written.exit_code == 0 and written.stdout == "", written.stderr
    assert f"scaling plan {path}" in written.stderr
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert sum(line.lstrip().startswith("#") or " # " in line for line in text.splitlines()) >= 15, "a starter explains its fields"
    assert cli("validate", str(path)).exit_code == 0
    planned = cli("plan", str(path), "-f", "json", "--samples", "0")
    assert planned.exit_code == 0, planned.stderr
    data = planned.json()
    assert {phase for phase in ("pretraining", "post_training", "test_time") if data[phase]} == phases
    if "post_training" in phases:
        assert len(data["post_training"]["derivatives"]) >= 1
    if "test_time" in phases:  # a single-pass workload and one that thinks: the multiplier shows
        multipliers = sorted(w["multiplier_vs_single_pass"] for w in data["test_time"]["workloads"])
        assert multipliers[0] == 1 and multipliers[-1] > 10


def test_init_refuses_an_unknown_template(cli, tmp_path):
    result = cli("init", str(tmp_path / "x.yaml"), "--template", "nope")
    assert result.exit_code == 2 and "--template" in result.stderr  # the option named, in whatever words click uses
    assert not (tmp_path / "x.yaml").exists()


def test_init_writes_a_valid_starter_and_refuses_to_overwrite(cli, tmp_path):
    path = tmp_path / "new.scenario.yaml"
    assert cli("init", str(path)).exit_code == 0
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert cli("validate", str(path)).exit_code == 0
    path.write_text("mine")
    again = cli("init", str(path))
    assert again.exit_code == 1 and path.read_text() == "mine"
    assert cli("init", str(path), "--force").exit_code == 0 and path.read_text() == text


def test_validate_reports_every_file(cli, scenario_file):
    good = scenario_file("name: a\nmodel: {params: 7B}\n", "good.scenario.yaml")
    bad = scenario_file("name: b\nmodel: {params: 7Q}\n", "bad.scenario.yaml")
    result = cli("validate", good, bad)
    assert result.exit_code == 1
    assert f"{bad}:2:17: model.params: unknown suffix 'Q'" in result.stderr
    assert "1 of 2 scenario files valid" in result.stderr
    report = cli("validate", good, bad, "-f", "json").json()
    assert [f["valid"] for f in report["files"]] == [True, False]
    assert report["files"][1]["problems"][0]["line"] == 2


def test_schema_is_draft07_and_accepts_quantity_strings(cli):
    schema = cli("schema").json()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    params = schema["definitions"]["ModelSpec"]["properties"]["params"]
    assert any(alt.get("type") == "number" and alt.get("exclusiveMinimum") == 0 for alt in params["anyOf"])
    assert any(alt.get("type") == "object" and alt["required"] == ["low", "high"] for alt in params["anyOf"])
    assert any(alt.get("type") == "string" and "pattern" in alt for alt in params["anyOf"])
    assert "$defs" not in json.dumps(schema)


def test_schema_takes_format_json_and_output_like_every_data_command(cli, tmp_path):
    assert cli("schema", "--format", "json").stdout == cli("schema").stdout
    refused = cli("schema", "--format", "table")
    assert refused.exit_code == 2 and "--format" in refused.stderr  # the option named, in whatever words click uses
    target = tmp_path / "schema.json"
    written = cli("schema", "-f", "json", "-o", str(target))
    assert written.exit_code == 0 and written.stdout == ""
    assert json.loads(target.read_text())["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert cli("schema", "-o", str(target)).exit_code == 1  # never over a file without --force


def test_committed_schema_matches_the_models(cli):
    committed = (Path(__file__).resolve().parent.parent / "schemas" / "scenario.schema.json").read_text()
    assert cli("schema").stdout == committed, "run: scaling schema -o schemas/scenario.schema.json --force"


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"scaling {__version__}"


def test_hardware_list_and_show(cli):
    listed = cli("hardware", "list", "-f", "json").json()["accelerators"]
    assert len(listed) >= 30
    shown = cli("hardware", "show", "H100", "-f", "json").json()["accelerator"]
    assert shown["id"] == "nvidia-h100-sxm5-80gb"
    assert shown["peak_tflops_dense"]["bf16"] == 989.5
    assert cli("hardware", "show", "h10").exit_code == 1
    assert "H100 SXM5 80GB" in cli("hardware", "list").stdout


def test_python_dash_m_and_data_on_stdout_messages_on_stderr(scenario_file):
    proc = run_subprocess("plan", "--format", "json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["schema_version"] == "1.0"
    assert proc.stderr == ""


DATA_COMMANDS = [["plan"], ["validate"], ["optimal"], ["sweep"], ["compare"], ["reference"], ["hardware", "list"], ["hardware", "show"], ["schema"]]


@pytest.mark.parametrize("command", DATA_COMMANDS, ids=" ".join)
def test_every_command_that_prints_data_offers_the_same_output_options(cli, command):
    text = cli(*command, "--help").stdout
    for option in ("--format", "--output", "--force"):
        assert option in text, f"scaling {' '.join(command)} lacks {option}"


def test_validate_writes_its_json_report_to_an_output_file(cli, tmp_path):
    target = tmp_path / "report.json"
    result = cli("validate", str(CONFIGS[0]), "-f", "json", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["valid"] is True


def _keys(document, prefix=""):
    """Every key path of a JSON document (list items as ``[]``)."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield f"{prefix}{key}"
            yield from _keys(value, f"{prefix}{key}.")
    elif isinstance(document, list):
        for item in document:
            yield from _keys(item, prefix.rstrip(".") + "[].")


def test_samples_0_means_no_band_keys_as_the_readme_says(cli):
    """README (Bands): with --samples 0, uncertainty is null and no _p10/_p90 key appears in plan,
    optimal or sweep; otherwise every always-banded figure has both."""
    from scaling_cli.metrics import REGISTRY
    from tests.test_docs import README

    assert "With `--samples 0` there are no bands: `uncertainty` is\n`null`, no `_p10`/`_p90` key appears" in README
    runs = {
        "plan": ["plan", str(CONFIGS[1])],
        "optimal": ["optimal", "--target-loss", "2.0", "--inference-tokens", "1e13", "--objective", "cost"],
        "sweep": ["sweep", "--vary", "hardware.count=1024,2048"],
    }
    for name, args in runs.items():
        bare = cli(*args, "-f", "json", "--samples", "0").json()
        assert bare["uncertainty"] is None, name
        assert not [k for k in _keys(bare) if k.endswith(("_p10", "_p90"))], name
        banded = cli(*args, "-f", "json", "--samples", "200").json()
        assert banded["uncertainty"]["samples"] == 200, name
        keys = set(_keys(banded))
        assert any(k.endswith("_p10") for k in keys), name
    plan_keys = set(_keys(cli("plan", str(CONFIGS[1]), "-f", "json", "--samples", "200").json()))
    always = [k for k in plan_keys if k in REGISTRY and REGISTRY[k].banded]
    assert len(always) > 10 and all({f"{k}_p10", f"{k}_p90"} <= plan_keys for k in always)


def test_optimal_by_cost_says_so_in_dollars_with_distinct_rows(cli):
    out = cli("optimal", "--target-loss", "2.0", "--inference-tokens", "1e13", "--objective", "cost").stdout
    title = out.splitlines()[0]
    assert "dollars" in title and "FLOP" not in title, title
    table = out.split("\n\n")[0].splitlines()[2:]
    labels = [line.split("  ")[0] for line in table if "  " in line and not line.startswith(" ")]
    assert len(labels) == len(set(labels)), sorted(label for label in labels if labels.count(label) > 1)
    money = [line for line in table if line.rstrip().endswith(" USD")]
    assert len(money) >= 3 and all("$" in line for line in money), money
    assert "Saving (share of lifetime cost)" in out
    by_flops = cli("optimal", "--target-loss", "2.0", "--inference-tokens", "1e13").stdout
    assert "least training + inference FLOP" in by_flops.splitlines()[0] and "Saving (share of lifetime FLOP)" in by_flops


def test_assumptions_list_each_default_once(cli):
    """A group's copy of a scenario default is listed only where its value differs (an A100 group in
    an H100 scenario): derivative-ecosystem's first group runs on A100s."""
    path = str(CONFIGS[1])
    assumptions = {a["key"]: a["value"] for a in cli("plan", path, "-f", "json").json()["assumptions"]}
    table = cli("plan", path).stdout.split("Assumptions (defaults used)", 1)[1]
    listed = [line.split()[0] for line in table.splitlines()[2:] if line and not line.startswith(" ")]
    copies = [k for k in assumptions if k.startswith("post_training[") and ".hardware." in k]
    assert copies, "the example no longer has group hardware defaults to check"
    for key in copies:
        own = key.split(".", 1)[1]
        assert (key in listed) == (assumptions.get(own) != assumptions[key]), key
    assert len(listed) == len(set(listed))
    assert "hardware.mfu" in listed and "post_training[0].hardware.peak_flops" in listed


def test_a_scenario_path_of_dash_reads_standard_input():
    text = (REPO_ROOT / "configs" / "small-model.scenario.yaml").read_text()
    ran = subprocess.run([sys.executable, "-m", "scaling_cli", "plan", "-", "-f", "json", "--samples", "0"], input=text, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["scenario"]["source"] == "<stdin>"
    bad = subprocess.run([sys.executable, "-m", "scaling_cli", "plan", "-"], input="name: x\nmodel: {params: 7Q}\n", capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stderr.startswith("<stdin>:2:17: model.params: ")
