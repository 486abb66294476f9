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
        "unknown keys", "unknown names", "missing fields", "inconsistent fields", "absurd magnitudes",
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
    plan = json.loads(result.stdout, parse_constant=_reject_constant)
    assert plan["pretraining"]["flops"] == pytest.approx(6e72)
    assert len(plan["warnings"]) == 2


def test_an_absurd_count_in_a_table_is_shown_in_scientific_notation(cli, scenario_file):
    """16 bytes × 1e60 params ÷ 80 GB = 2e50 GPUs to hold the training state: not 51 digits of float noise."""
    result = cli("plan", scenario_file("name: absurd\nmodel:\n  params: 1e60\npretraining:\n  tokens: 1T\n"), "--samples", "0")
    assert result.exit_code == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("Min GPUs to hold training state"))
    assert row.split()[-2] == "2.00e50"
    assert max(len(line) for line in result.stdout.splitlines()) < MAX_LINE


def test_only_switched_off_groups_plan_to_zero_shares(cli, scenario_file):
    """Regression (fuzzing): a total of 0 FLOP divided the shares by zero (ZeroDivisionError)."""
    text = "name: switched-off\nmodel: {params: 7B}\npost_training:\n  - {name: none, technique: full_finetune, tokens: 1B, count: 0}\n"
    result = cli("plan", scenario_file(text), "--format", "json", "--samples", "200")
    assert result.exit_code == 0, result.stderr
    assert result.json()["total"]["shares"] == {"pretraining": 0.0, "post_training": 0.0, "test_time": 0.0}


# --- usage errors: exit 2 ---------------------------------------------------------------------------

USAGE = {
    "unknown format": (("plan", "{file}", "--format", "yaml", "--output", "{out}"), "Invalid value for '--format'"),
    "negative samples": (("plan", "{file}", "--samples", "-1", "--output", "{out}"), "Invalid value for '--samples'"),
    "unknown option": (("plan", "{file}", "--frobnicate", "--output", "{out}"), "No such option: --frobnicate"),
    "override without =": (("plan", "{file}", "--set", "hardware.count", "--output", "{out}"), "expected PATH=VALUE"),
    "validate without files": (("validate",), "Missing argument 'FILE...'"),
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
