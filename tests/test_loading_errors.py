"""Every class of bad input: exit code 1, one located line on stderr, no traceback, no stdout."""

from __future__ import annotations

import re

import pytest

from tests.conftest import assert_one_located_line, run_subprocess

BASE = "name: t\nmodel:\n  params: 7B\npretraining:\n  tokens: 140B\n"


CASES = {
    # name: (file text, expected line, expected column, fragment of the message)
    "yaml syntax": ("name: t\nmodel: {params: 7B\n", 3, 1, "YAML syntax error"),
    "tab indentation": ("name: t\nmodel:\n\tparams: 7B\n", 3, 1, "tabs"),
    "unknown top-level key": (BASE + "hardwear:\n  count: 8\n", 6, 1, "unknown key 'hardwear'; did you mean 'hardware'?"),
    "unknown nested key": ("name: t\nmodel:\n  parms: 7B\n", 3, 3, "did you mean 'params'?"),
    "wrong type": ("name: t\nmodel:\n  params: [7B]\n", 3, 11, "expected a number"),
    "string where a number goes": ("name: t\nmodel:\n  params: seven\n", 3, 11, "is not a number"),
    "lowercase m": ("name: t\nmodel:\n  params: 70m\n", 3, 11, "lowercase m"),
    "unknown suffix": ("name: t\nmodel:\n  params: 7Q\n", 3, 11, "valid suffixes: K (1e3), M (1e6), B or G (1e9), T (1e12), P (1e15)"),
    "out of range": (BASE + "hardware:\n  mfu: 1.5\n", 7, 8, "less than or equal to 1"),
    "negative": ("name: t\nmodel:\n  params: -7B\n", 3, 11, "greater than 0"),
    "zero GPUs": (BASE + "hardware:\n  count: 0\n", 7, 10, "greater than or equal to 1"),
    "fractional GPUs": (BASE + "hardware:\n  count: 2.5\n", 7, 10, "whole number"),
    "unknown accelerator": (BASE + "hardware:\n  accelerator: h10\n", 7, 16, "did you mean 'h100'"),
    "precision the accelerator lacks": (BASE + "hardware:\n  accelerator: a100\n  precision: fp8\n", 8, 14, "does not support fp8"),
    "unknown precision": (BASE + "hardware:\n  precision: fp9\n", 7, 14, "unknown precision 'fp9'"),
    "duplicate key": ("name: t\nmodel:\n  params: 7B\n  params: 8B\n", 4, 3, "duplicate key 'params' (first defined at line 3)"),
    "missing required field": ("name: t\npretraining:\n  tokens: 1T\n", 1, 1, "model: required key is missing"),
    "active above total": ("name: t\nmodel:\n  params: 7B\n  active_params: 8B\n", 4, 18, "exceeds params"),
    "python tag": ("name: t\nmodel:\n  params: !!python/object/apply:os.system [echo]\n", 3, 11, "is not allowed"),
    "top-level list": ("- name: t\n", 1, 1, "must be a mapping"),
    "nan": ("name: t\nmodel:\n  params: .nan\n", 3, 11, "not a finite number"),
    "1e400": ("name: t\nmodel:\n  params: 1e400\n", 3, 11, "not a finite number"),
    "two groups of one name": (
        BASE + "post_training:\n  - {name: sft, technique: full_finetune, tokens: 1B}\n  - {name: sft, technique: lora, tokens: 1B}\n",
        8, 12, "post_training[1].name: another entry of post_training is already named 'sft'",
    ),
    "two workloads of one name": (
        BASE + "test_time:\n  - {name: chat, queries_per_day: 1M, prompt_tokens: 100, output_tokens: 100}\n"
        "  - {name: chat, queries_per_day: 2M, prompt_tokens: 100, output_tokens: 100}\n",
        8, 12, "test_time[1].name: another entry of test_time is already named 'chat'",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_located_line(case, cli, scenario_file):
    text, line, column, fragment = CASES[case]
    path = scenario_file(text)
    assert_one_located_line(cli("plan", path, "--format", "json"), path, line, column, fragment)


def test_field_path_names_the_field(cli, scenario_file):
    path = scenario_file(BASE + "hardware:\n  mfu: 2\n")
    line = cli("plan", path).stderr.splitlines()[0]
    assert re.match(rf"{re.escape(path)}:7:8: hardware\.mfu: must be less than or equal to 1 \(got 2\)$", line)


def test_empty_file(cli, scenario_file):
    result = cli("plan", scenario_file(""))
    assert result.exit_code == 1
    assert ":1:1: file is empty" in result.stderr


def test_missing_file(cli, tmp_path):
    result = cli("plan", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1
    assert "no such file" in result.stderr


def test_overflowing_plan_is_refused_not_printed_as_infinity(cli, scenario_file):
    path = scenario_file("name: t\nmodel:\n  params: 1e200\npretraining:\n  tokens: 1e200\n")
    result = cli("plan", path, "--format", "json")
    assert result.exit_code == 1
    assert "pretraining.flops" in result.stderr and "not a finite number" in result.stderr
    assert result.stdout == ""


def test_real_entry_point_prints_no_traceback(scenario_file):
    path = scenario_file("name: t\nmodel:\n  params: 70m\n")
    proc = run_subprocess("plan", path)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"{path}:3:11: model.params: unknown suffix 'm'")
    assert "Traceback" not in proc.stderr


def test_usage_error_exits_2(cli):
    result = cli("plan", "--format", "yaml")
    assert result.exit_code == 2


def test_bad_set_override_is_usage_error(cli):
    result = cli("plan", "--set", "hardware.count")
    assert result.exit_code == 2
    assert "expected PATH=VALUE" in result.stderr


def test_bad_override_value_names_the_option(cli):
    result = cli("plan", "--set", "hardware.count=-4")
    assert result.exit_code == 1
    assert result.stderr.startswith("--set: hardware.count: must be greater than or equal to 1")
