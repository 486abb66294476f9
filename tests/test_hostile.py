"""The hostile-input corpus (issue #8): every file in ``tests/hostile/``, and the cases generated here
because they are too big or binary to commit, is refused by ``scaling plan`` and ``scaling validate``
with exit code 1 and one line ``FILE:LINE:COL: field: message`` naming where and what, no
traceback, nothing on stdout and nothing written to ``--output``.

Each corpus file states its expectation in its header (``# expect: LINE:COL [FIELD]`` and
``# message: FRAGMENT``), so a drifting position or message fails its case.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import run_subprocess

# An overflow must surface as the planner's message, never as a numpy RuntimeWarning on stderr.
pytestmark = pytest.mark.filterwarnings("error")

HOSTILE = Path(__file__).parent / "hostile"
CORPUS = sorted(path.name for path in HOSTILE.glob("*.yaml"))
#: Longest acceptable error line after the file name: the longest messages list a group's valid keys.
MAX_LINE = 400


@dataclass(frozen=True)
class Expected:
    line: int
    column: int
    field: str  #: "" for a problem with the file as a whole
    message: str  #: a fragment of the message
    category: str = ""


def header_expectation(path: Path) -> Expected:
    header = dict(re.findall(r"^# (category|expect|message): (.+)$", path.read_text(encoding="utf-8"), re.M))
    where = re.fullmatch(r"(\d+):(\d+)(?: (\S+))?", header["expect"])
    assert where, f"{path.name}: bad '# expect:' header"
    line, column, field = where.groups()
    return Expected(int(line), int(column), field or "", header["message"], header["category"])


#: Committed files that cannot carry a comment header.
NO_HEADER = {"empty.yaml": Expected(1, 1, "", "file is empty; a scenario needs at least `name` and `model.params`", "document structure")}


def expected_for(name: str) -> Expected:
    return NO_HEADER[name] if name in NO_HEADER else header_expectation(HOSTILE / name)


# --- generated at test time: too big, binary, or not text -------------------------------------------

BASE = b"name: hostile\nmodel:\n  params: 7B\npretraining:\n  tokens: 140B\n"
FIFTY_MB = 50 * 1024 * 1024

GENERATED: dict[str, tuple[Callable[[], bytes], Expected]] = {
    # 50 MiB of comments after a valid scenario: refused by size before it is read (52 MB in SI units).
    "50-megabytes": (lambda: BASE + b"#" * FIFTY_MB + b"\n", Expected(1, 1, "", "file is 52 MB; scenario files are limited to 10 MB", "size and encoding")),
    # Every byte value: 0x80 (offset 128) is the first that is not UTF-8; 0x0a at offset 10 ends line 1.
    "binary-bytes": (lambda: bytes(range(256)) * 4, Expected(2, 118, "", "file is not valid UTF-8 text (byte 0x80)", "size and encoding")),
    "latin-1-text": (lambda: "name: café\n".encode("latin-1") + BASE[14:], Expected(1, 10, "", "not valid UTF-8 text (byte 0xe9)", "size and encoding")),
    "utf-16-text": (lambda: "name: hostile\n".encode("utf-16"), Expected(1, 1, "", "not valid UTF-8 text (byte 0xff)", "size and encoding")),
    "nul-byte": (lambda: b"name: host\x00ile\n" + BASE[14:], Expected(1, 11, "", "character U+0000 is not allowed in YAML", "size and encoding")),
    "terminal-escape": (lambda: b"name: \x1b[31mhostile\n" + BASE[14:], Expected(1, 7, "", "character U+001B is not allowed in YAML", "size and encoding")),
    # 100,000 nested `[` crashed the interpreter (libyaml's composer). The root mapping is level 1,
    # so the 100th `[` (column 8 + 99) opens level 101 and is refused.
    "deep-nesting": (lambda: b"name: hostile\nmodel: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", Expected(2, 107, "", "YAML nesting is deeper than 100 levels", "size and encoding")),
    "megabyte-key": (lambda: b"name: hostile\nmodel:\n  ? " + b"k" * 1_000_000 + b"\n  : 7B\n", Expected(3, 5, "model", "a key of 1,000,000 characters", "size and encoding")),
    "megabyte-value": (lambda: b"name: hostile\nmodel:\n  params: " + b"seven" * 200_000 + b"\n", Expected(3, 11, "model.params", "'sevensevensevensevensevensevensevenseve… (1,000,000 characters) is not a number", "size and encoding")),
    "5000-digit-integer": (lambda: b"name: hostile\nmodel:\n  params: 1" + b"0" * 5000 + b"\n", Expected(3, 11, "model.params", "as an integer (at most 4,300 digits)", "size and encoding")),
}


# --- the assertion every case shares ----------------------------------------------------------------


def assert_refused(exit_code: int, stdout: str, stderr: str, path: Path, expected: Expected, *, command: str) -> None:
    assert exit_code == 1, f"{command}: exit {exit_code}\n{stderr}"
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert lines, f"{command}: nothing on stderr"
    first = lines[0]
    where = f"{path}:{expected.line}:{expected.column}: "
    assert first.startswith(where + (f"{expected.field}: " if expected.field else "")), f"{command}: expected {where}{expected.field}, got\n{first}"
    assert expected.message in first, f"{command}: {expected.message!r} not in\n{first}"
    assert len(first) - len(str(path)) < MAX_LINE, f"{command}: a {len(first):,}-character line"
    if command == "plan":
        assert stdout == "" and len(lines) == 1, f"plan: one line expected\n{stderr}"
    else:  # validate: the problem, then the summary
        assert lines[1:] == ["0 of 1 scenario file valid"], stderr


def check_both_commands(cli, path: Path, expected: Expected, out: Path) -> None:
    result = cli("plan", str(path), "--format", "json", "--output", str(out))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert_refused(result.exit_code, result.stdout, result.stderr, path, expected, command="plan")
    assert not out.exists()
    result = cli("validate", str(path))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert_refused(result.exit_code, result.stdout, result.stderr, path, expected, command="validate")


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_file_is_refused_with_one_located_line(name, cli, tmp_path):
    check_both_commands(cli, HOSTILE / name, expected_for(name), tmp_path / "out.json")


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_case_is_refused_with_one_located_line(name, cli, tmp_path):
    make, expected = GENERATED[name]
    path = tmp_path / f"{name}.scenario.yaml"
    path.write_bytes(make())
    check_both_commands(cli, path, expected, tmp_path / "out.json")


# --- through the real entry point: no traceback, no numpy warning reaches the terminal ---------------

REAL_ENTRY_POINT = ["python-object-apply.yaml", "alias-bomb.yaml", "explicit-float-tag-on-text.yaml", "deadline-of-1e-308-days.yaml", "overflow-serving-traffic.yaml"]


@pytest.mark.parametrize("name", REAL_ENTRY_POINT + ["deep-nesting", "binary-bytes"])
def test_real_entry_point_prints_one_line_and_no_traceback(name, tmp_path):
    if name in GENERATED:
        make, expected = GENERATED[name]
        path = tmp_path / f"{name}.scenario.yaml"
        path.write_bytes(make())
    else:
        path, expected = HOSTILE / name, expected_for(name)
    out = tmp_path / "out.json"
    proc = run_subprocess("plan", str(path), "--format", "json", "--output", str(out))
    assert_refused(proc.returncode, proc.stdout, proc.stderr, path, expected, command="plan")
    assert not out.exists()


# --- the corpus itself --------------------------------------------------------------------------------


def categories() -> Counter[str]:
    return Counter([expected_for(name).category for name in CORPUS] + [expected.category for _, expected in GENERATED.values()])


def test_corpus_covers_every_category_and_level():
    counts = categories()
    assert sum(counts.values()) >= 40 and all(counts.values())
    assert set(counts) == {
        "yaml syntax", "document structure", "unsafe yaml", "size and encoding", "wrong types", "quantities", "ranges",
        "unknown keys", "unknown names", "missing fields", "inconsistent fields", "absurd magnitudes", "control characters",
    }  # fmt: skip
    fields = {expected_for(name).field for name in CORPUS}
    for level in ("hardware.", "model.", "pretraining.", "post_training[0].", "post_training[0].hardware.", "test_time[0].", "test_time[0].search."):
        assert any(field.startswith(level) for field in fields), level
    assert any("range" in expected_for(name).category for name in CORPUS)


# --- legal but absurd: planned, with warnings, every figure finite ---------------------------------


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} in JSON output")


def test_a_1e60_parameter_model_is_planned_with_warnings_and_finite_figures(cli, scenario_file):
    """Nothing overflows (6·N·D = 6e72 FLOP, 4.9e54 GPU-hours), so it is a plan, flagged twice."""
    result = cli("plan", scenario_file("name: absurd\nmodel:\n  params: 1e60\npretraining:\n  tokens: 1T\n"), "--format", "json", "--samples", "200")
    assert result.exit_code == 0, result.stderr
    assert "1e-48 tokens per active parameter is below 1" in result.stderr
    assert "6e+72 FLOP is beyond the 2e29 that Epoch AI projects feasible by 2030" in result.stderr
    assert "pretraining.min_gpus_for_memory: 1.86e+50 GPUs is more than the 1e+09 accelerators on Earth" in result.stderr  # 16e60 / 80 GiB
    plan = json.loads(result.stdout, parse_constant=_reject_constant)
    assert plan["pretraining"]["flops"] == pytest.approx(6e72)
    assert len(plan["warnings"]) == 3


def test_an_absurd_count_in_a_table_is_shown_in_scientific_notation(cli, scenario_file):
    """16 bytes × 1e60 params ÷ 80 GiB (85.9e9 bytes) = 1.86e50 GPUs to hold the training state: not 51 digits of float noise."""
    result = cli("plan", scenario_file("name: absurd\nmodel:\n  params: 1e60\npretraining:\n  tokens: 1T\n"), "--samples", "0")
    assert result.exit_code == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("Min GPUs to hold training state"))
    assert row.split()[-2] == "1.86e50"
    assert max(len(line) for line in result.stdout.splitlines()) < MAX_LINE


def test_only_switched_off_groups_plan_to_zero_shares(cli, scenario_file):
    """Regression (fuzzing): a total of 0 FLOP divided the shares by zero (ZeroDivisionError)."""
    text = "name: switched-off\nmodel: {params: 7B}\npost_training:\n  - {name: none, technique: full_finetune, tokens: 1B, count: 0}\n"
    result = cli("plan", scenario_file(text), "--format", "json", "--samples", "200")
    assert result.exit_code == 0, result.stderr
    assert result.json()["total"]["shares"] == {"pretraining": 0.0, "post_training": 0.0, "test_time": 0.0}


# --- usage errors: exit 2 ---------------------------------------------------------------------------

#: The fragment is the project's own words, or only the option's name where the command-line library
#: words the message (its wording is not ours to test).
USAGE = {
    "unknown format": (("plan", "{file}", "--format", "yaml", "--output", "{out}"), "--format"),
    "negative samples": (("plan", "{file}", "--samples", "-1", "--output", "{out}"), "--samples"),
    "negative seed": (("plan", "{file}", "--seed", "-1", "--output", "{out}"), "--seed"),
    "unknown option": (("plan", "{file}", "--frobnicate", "--output", "{out}"), "--frobnicate"),
    "override without =": (("plan", "{file}", "--set", "hardware.count", "--output", "{out}"), "expected PATH=VALUE"),
    "validate without files": (("validate",), "FILE..."),
    "compare one file": (("compare", "{file}", "--output", "{out}"), "compare needs at least two scenario files"),
}


@pytest.mark.parametrize("case", sorted(USAGE))
def test_usage_errors_exit_2_without_output(case, cli, tmp_path):
    args, fragment = USAGE[case]
    out = tmp_path / "out.json"
    result = cli(*(arg.format(file=HOSTILE / "zero-gpus.yaml", out=out) for arg in args))
    assert result.exit_code == 2, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert fragment in result.stderr
    assert not out.exists()


# --- hostile command lines (issue #17): exit 1 or 2, one line, no traceback, no numpy warning --------

PLAIN = "name: hostile\nmodel:\n  params: 7B\npretraining:\n  tokens: 140B\n"
GROUP = PLAIN + "hardware:\n  count: 8\npost_training:\n  - {name: sft, technique: full_finetune, tokens: 1B}\n"

#: name: (arguments after the command, exit code, the start of the one stderr line). ``{file}`` is a
#: valid scenario with a post-training group and a GPU count.
COMMAND_LINE = {
    # a --set value is read like a file's: a tag beyond plain values is refused, never constructed
    "set a bool tag on text": (("plan", "{file}", "--set", "model.params=!!bool x"), 1, "--set: model.params: cannot read 'x' as true or false"),
    "set a timestamp tag on text": (("plan", "{file}", "--set", "model.params=!!timestamp x"), 1, "--set: model.params: cannot read 'x' as a date"),
    "set a python tag": (("plan", "{file}", "--set", "name=!!python/object/apply:os.system [ls]"), 1, "--set: name: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"),
    "set a terminal escape": (("plan", "{file}", "--set", 'name="\\e]0;pwned\\a"'), 1, "--set: name: control character U+001B is not allowed in text"),
    "set a raw escape": (("plan", "{file}", "--set", "name=a\x1b[31mb"), 1, "--set: name: control character U+001B is not allowed in text"),
    "set a target loss below E": (("plan", "{file}", "--set", "pretraining={{target_loss: 1.5}}", "--set", "model={{}}"), 1, "--set: pretraining.target_loss: a loss of 1.5 is not reachable"),
    "a stream with no end": (("plan", "/dev/zero"), 1, "/dev/zero:1:1: file is larger than 10 MB; scenario files are limited to 10 MB"),
    # sweep: every spec checked before anything is allocated
    "sweep of 1e12 points": (("sweep", "{file}", "--vary", "model.params=1B:10B:1e12"), 2, "error: the grid has 1,000,000,000,000 points; the limit is 50,000,000"),
    "sweep grid over the limit": (("sweep", "{file}", "--vary", "model.params=1B:10B:10K", "--vary", "pretraining.tokens=1T:2T:10K"), 2, "error: the grid has 100,000,000 points"),
    "sweep of 2.5 points": (("sweep", "{file}", "--vary", "model.params=1B:10B:2.5"), 2, "error: --vary 'model.params=1B:10B:2.5': N (the number of points) must be a whole number"),
    "sweep of 0 points": (("sweep", "{file}", "--vary", "model.params=1B:10B:0"), 2, "error: --vary 'model.params=1B:10B:0': N (the number of points) must be at least 1"),
    "sweep of 1.5 GPUs": (("sweep", "{file}", "--vary", "hardware.count=1:2:3"), 2, "error: --vary hardware.count: expected a whole number, got 1.5 (at 1.5)"),
    "sweep of half a model": (("sweep", "{file}", "--vary", "post_training[0].count=0:1:3"), 2, "error: --vary post_training[0].count: must be a whole number of models (got 0.5)"),
    "sweep of one path twice": (("sweep", "{file}", "--vary", "hardware.count=8,16", "--vary", "hardware.count=32"), 2, "error: --vary hardware.count is given twice"),
    "sweep of a missing group": (("sweep", "{file}", "--vary", "post_training[3].tokens=1B,2B"), 2, "error: --vary post_training[3].tokens: post_training[3] does not exist"),
    "sweep of a missing workload": (("sweep", "{file}", "--vary", "test_time[0].queries_per_day=1M,2M"), 2, "error: --vary test_time[0].queries_per_day: test_time has no item 0"),
    # optimal: every option in its range, named as the user wrote it
    "optimal without compute": (("optimal", "--compute", "0"), 2, "error: --compute: must be greater than 0 (got 0)"),
    "optimal with negative compute": (("optimal", "--compute", "-1"), 2, "error: --compute: must be greater than 0 (got -1)"),
    "optimal dollars at price 0": (("optimal", "--budget-usd", "10M", "--price", "0"), 2, "error: --price: a --budget-usd budget buys no GPU-hours at a price of 0"),
    "optimal with negative price": (("optimal", "--compute", "1e24", "--price", "-1"), 2, "error: --price: must be greater than or equal to 0 (got -1)"),
    "optimal on no GPUs": (("optimal", "--gpus", "0", "--days", "3"), 2, "error: --gpus: must be at least 1 (got 0)"),
    "optimal with negative inference": (("optimal", "--target-loss", "2", "--inference-tokens", "-1"), 2, "error: --inference-tokens: must be greater than or equal to 0 (got -1)"),
    "optimal with overflowing inference": (("optimal", "--target-loss", "2", "--inference-tokens", "1e300"), 1, "scaling optimal: chinchilla.inference_flops: the planned value is not a finite number"),
}  # fmt: skip


def assert_one_line(exit_code: int, stdout: str, stderr: str, code: int, start: str) -> None:
    assert exit_code == code, f"exit {exit_code}\n{stderr}"
    assert stdout == "" and "Traceback" not in stderr and "Warning" not in stderr, stderr
    assert len(stderr.splitlines()) == 1 and stderr.startswith(start), stderr


@pytest.mark.parametrize("case", sorted(COMMAND_LINE))
def test_hostile_command_line_is_refused_in_one_line(case, cli, scenario_file, tmp_path):
    args, code, start = COMMAND_LINE[case]
    out = tmp_path / "out.json"
    result = cli(*(arg.format(file=scenario_file(GROUP)) for arg in args), "--output", str(out))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert_one_line(result.exit_code, result.stdout, result.stderr, code, start)
    assert not out.exists()


@pytest.mark.parametrize("case", ["set a bool tag on text", "set a raw escape", "a stream with no end", "optimal with overflowing inference", "optimal without compute"])
def test_hostile_command_line_through_the_real_entry_point(case, scenario_file):
    """No numpy RuntimeWarning with its source line, no internal error (exit 70): what a user sees."""
    args, code, start = COMMAND_LINE[case]
    proc = run_subprocess(*(arg.format(file=scenario_file(GROUP)) for arg in args))
    assert_one_line(proc.returncode, proc.stdout, proc.stderr, code, start)


def test_a_sweep_over_the_point_limit_is_refused_before_allocating_its_grid(scenario_file):
    """1e9 points were 8 GB of grid allocated before the limit was checked: with 1 GB of address
    space the refusal must still come, as a usage error."""
    resource = pytest.importorskip("resource")
    limit = 1 << 30

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    command = [sys.executable, "-m", "scaling_cli", "sweep", scenario_file(GROUP), "--vary", "model.params=1B:10B:1e9"]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60, preexec_fn=cap_memory)
    assert_one_line(proc.returncode, proc.stdout, proc.stderr, 2, "error: the grid has 1,000,000,000 points")


def test_inference_aware_sizing_without_inference_is_the_chinchilla_optimum(cli):
    """--inference-tokens 0 was refused with a float-noise "negative saving"."""
    result = cli("optimal", "--target-loss", "2", "--inference-tokens", "0", "--format", "json", "--samples", "0")
    assert result.exit_code == 0, result.stderr
    values = result.json()
    assert values["saving_flops"] == 0 and values["saving_fraction"] == 0
    assert values["params"] == pytest.approx(values["chinchilla"]["params"])


def test_a_deadline_of_1e_300_days_is_refused_at_the_deadline(cli, scenario_file):
    """1e-300 days would need some 1e302 GPUs; on that many a job is interrupted every 1e-298 hours, so
    goodput falls faster than GPUs are added and no count meets it (#13): one located line, exit 1."""
    result = cli("plan", scenario_file(PLAIN + "hardware:\n  deadline_days: 1e-300\n"), "--format", "json", "--samples", "0")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "hardware.deadline_days" in result.stderr


def test_more_gpus_than_on_earth_plans_with_a_warning_in_scientific_notation(cli, scenario_file):
    """A count of 1e12 GPUs is finite, so planned, but never silently."""
    result = cli("plan", scenario_file(PLAIN + "hardware:\n  count: 1e12\n"), "--format", "json", "--samples", "0")
    assert result.exit_code == 0, result.stderr
    warning = next(line for line in result.stderr.splitlines() if "pretraining.gpus" in line)
    assert re.fullmatch(r"warning: pretraining\.gpus: \d(\.\d+)?e\+12 GPUs is more than the 1e\+09 accelerators on Earth; check the scenario's magnitudes", warning)
    assert any("pretraining.gpus" in text for text in result.json()["warnings"])
