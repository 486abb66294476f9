"""What a person sees in a real terminal (issue #12): at 60, 80 and 120 columns every value the
piped table prints is on screen, whole, and no line is wider than the terminal.

The CLI runs in a real pseudo-terminal: ``os.openpty`` with its window size set as ``stty cols N``
sets it, so ``isatty`` and the width come from the kernel, not from a fixed ``Console(width=...)``.
To keep this quick, one interpreter per width runs every command through ``scaling_cli.cli.main``
(the console script's entry point) one after another, and one more interpreter does the same into a
pipe for the reference output; ``test_the_console_script_itself`` runs ``python -m scaling_cli``.
"""

from __future__ import annotations

import collections
import fcntl
import json
import os
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.conftest import CONFIGS, REPO

WIDTHS = (60, 80, 120)
#: A value as a person reads it: 7.32e24, $19.3M, 2,048, 0.00426, 28%.
TOKEN = re.compile(r"\$?-?\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?[KMBTP%]?")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")
MARK = "\x1e-run-"


def _example(name: str) -> str:
    return str(REPO / "configs" / f"{name}.scenario.yaml")


COMMANDS: dict[str, list[str]] = {
    "plan": ["plan"],
    "plan brief": ["plan", "--brief"],
    **{f"plan {p.name.split('.')[0]}": ["plan", str(p)] for p in CONFIGS},
    "compare": ["compare", _example("alignment-pipeline"), _example("derivative-ecosystem"), _example("reasoning-service")],
    "sweep": ["sweep", "--vary", "hardware.count=1024:4096:4", "--vary", "pretraining.tokens=10T,15T", "--samples", "200"],
    "optimal": ["optimal", "--compute", "3e24"],
    "optimal cost": ["optimal", "--target-loss", "2.0", "--inference-tokens", "1e13", "--objective", "cost"],
    "reference": ["reference"],
    "hardware list": ["hardware", "list"],
}
#: JSON documents the names on screen are checked against (read from the pipe run).
JSON_OF = {name: [*args, "--format", "json"] for name, args in COMMANDS.items() if name.startswith(("plan", "compare", "reference", "hardware"))}

DRIVER = f"""
import json, sys
from scaling_cli.cli import main
for index, args in enumerate(json.loads(sys.argv[1])):
    sys.stdout.write("\\n{MARK}%d\\n" % index)
    sys.stdout.flush()
    sys.argv = ["scaling", *args]
    try:
        main()
    except SystemExit:
        pass
    sys.stdout.flush()
"""


def _environment() -> dict[str, str]:
    """The user's environment without anything that fixes the width or turns colour off."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
    return {**env, "TERM": "xterm-256color"}


def in_terminal(argv: list[str], columns: int, rows: int = 60) -> str:
    """What ``argv`` writes to a ``columns`` × ``rows`` pseudo-terminal, escape codes removed."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=errors, env=_environment(), cwd=REPO, start_new_session=True)
        os.close(slave)
        chunks = []
        while select.select([master], [], [], 120)[0]:
            try:
                data = os.read(master, 1 << 16)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        os.close(master)
        assert proc.wait(timeout=30) == 0, errors.seek(0) or errors.read().decode()
    return ANSI.sub("", b"".join(chunks).decode("utf-8", "replace"))


def in_pipe(argv: list[str]) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, env=_environment(), cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _split(text: str, names: list[str]) -> dict[str, str]:
    parts = re.split(rf"\n{re.escape(MARK)}(\d+)\n", "\n" + text)
    return {names[int(index)]: body for index, body in zip(parts[1::2], parts[2::2])}


@dataclass
class Runs:
    piped: dict[str, str]
    screens: dict[int, dict[str, str]]
    documents: dict[str, dict]


@pytest.fixture(scope="module")
def runs() -> Runs:
    names = list(COMMANDS)
    batch = json.dumps(list(COMMANDS.values()))
    piped_batch = json.dumps([*COMMANDS.values(), *JSON_OF.values()])
    with ThreadPoolExecutor(len(WIDTHS) + 1) as pool:
        piped = pool.submit(in_pipe, [sys.executable, "-c", DRIVER, piped_batch])
        screens = {width: pool.submit(in_terminal, [sys.executable, "-c", DRIVER, batch], width) for width in WIDTHS}
        everything = _split(piped.result(), names + [f"json {name}" for name in JSON_OF])
        return Runs(
            piped={name: everything[name] for name in names},
            screens={width: _split(future.result(), names) for width, future in screens.items()},
            documents={name: json.loads(everything[f"json {name}"]) for name in JSON_OF},
        )


def _missing_values(piped: str, screen: str) -> dict[str, int]:
    shown = collections.Counter(TOKEN.findall(screen))
    return {token: count - shown[token] for token, count in collections.Counter(TOKEN.findall(piped)).items() if shown[token] < count}


CASES = [(name, width) for name in COMMANDS for width in WIDTHS]


@pytest.mark.parametrize(("name", "width"), CASES, ids=[f"{n}@{w}" for n, w in CASES])
def test_every_value_of_the_piped_table_is_on_screen_whole(runs, name, width):
    piped, screen = runs.piped[name], runs.screens[width][name]
    assert len(TOKEN.findall(piped)) > 10, f"scaling {name}: too little output to check:\n{piped}"
    missing = _missing_values(piped, screen)
    assert not missing, f"scaling {name} at {width} columns loses {sum(missing.values())} values, e.g. {list(missing)[:8]}:\n{screen}"


@pytest.mark.parametrize(("name", "width"), CASES, ids=[f"{n}@{w}" for n, w in CASES])
def test_no_line_is_wider_than_the_terminal(runs, name, width):
    wide = [line for line in runs.screens[width][name].splitlines() if len(line) > width]
    assert not wide, f"scaling {name} at {width} columns: {len(wide)} lines wider than the terminal, e.g.\n" + "\n".join(wide[:3])


def _names(name: str, document: dict) -> set[str]:
    """Names the JSON document holds (scenario, group, technique, step, workload, run, accelerator)."""
    if name == "reference":
        return {run["name"] for run in document["runs"]}
    if name == "hardware list":
        return {a["id"] for a in document["accelerators"]} | {a["name"] for a in document["accelerators"]}
    if name == "compare":
        return {s["name"] for s in document["scenarios"]} | {part for path in document["metrics"] for part in re.split(r"[.\[\]]+", path) if part}
    found = {document["scenario"]["name"]}
    for group in (document.get("post_training") or {}).get("derivatives", []):
        found |= {group["name"], group["technique"], *(step["step"] for step in group.get("steps") or [])}
    found |= {w["name"] for w in (document.get("test_time") or {}).get("workloads", [])}
    return found


@pytest.mark.parametrize(("name", "width"), [c for c in CASES if c[0] in JSON_OF], ids=[f"{n}@{w}" for n, w in CASES if n in JSON_OF])
def test_every_name_is_on_screen_whole(runs, name, width):
    lines, piped = runs.screens[width][name].splitlines(), runs.piped[name]
    printed = {n for n in _names(name, runs.documents[name]) if n in piped}
    assert printed, f"scaling {name}: no names to check"
    # an identifier stays on one line; a name of several words may wrap between them
    words = {word for n in printed for word in n.split()}
    broken = sorted(n for n in {n for n in printed if " " not in n} | words if not any(n in line for line in lines))
    assert not broken, f"scaling {name} at {width} columns does not show these names whole: {broken[:8]}"


def _value(token: str) -> float:
    scale = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12, "P": 1e15, "%": 1e-2}.get(token[-1], 1.0)
    return float(token.lstrip("$").rstrip("KMBTP%").replace(",", "")) * scale


def _headline_figures(document: dict) -> list[tuple[str, float]]:
    """What the headline must show, read from the JSON: per phase and in total FLOP, GPU-hours and
    cost with their P10-P90, days and energy; the post-training ratio, the hardest workload's
    multiplier and the crossover day."""
    figures = []
    for phase in ("pretraining", "post_training", "test_time", "total"):
        section = document.get(phase) or {}
        for key in ("flops", "gpu_hours", "gpu_hours_p10", "gpu_hours_p90", "cost_usd", "cost_usd_p10", "cost_usd_p90", "energy_mwh", "wall_clock_days"):
            if section.get(key) is not None:
                figures.append((f"{phase}.{key}", section[key]))
    total = document["total"]
    if total.get("post_training_to_pretraining") is not None:
        figures.append(("total.post_training_to_pretraining", total["post_training_to_pretraining"]))
    workloads = (document.get("test_time") or {}).get("workloads") or []
    if workloads:
        figures.append(("hardest multiplier", max(w["multiplier_vs_single_pass"] for w in workloads)))
    if total.get("crossover_day") is not None:
        figures.append(("total.crossover_day", total["crossover_day"]))
    return figures


@pytest.mark.parametrize("name", [n for n in COMMANDS if n.startswith("plan")])
def test_plan_opens_with_a_headline_that_fits_80x24(runs, name):
    """The first 23 lines of an 80-column screen (a 24-row terminal, less the prompt) hold every
    headline figure, to the 3 significant digits a table shows."""
    first_screen = "\n".join(runs.screens[80][name].strip("\n").splitlines()[:23])
    shown = [_value(t) for t in TOKEN.findall(first_screen)]
    absent = [key for key, value in _headline_figures(runs.documents[name]) if not any(abs(v - value) <= 0.006 * abs(value) for v in shown)]
    assert not absent, f"scaling {name}: not on the first 80x24 screen: {absent}\n{first_screen}"


def test_the_console_script_itself_fits_the_terminal():
    """The real entry point (``python -m scaling_cli``) in a 60-column terminal, not the driver."""
    screen = in_terminal([sys.executable, "-m", "scaling_cli", "plan", _example("derivative-ecosystem")], 60)
    piped = in_pipe([sys.executable, "-m", "scaling_cli", "plan", _example("derivative-ecosystem")])
    assert not _missing_values(piped, screen)
    assert max(len(line) for line in screen.splitlines()) <= 60


@pytest.mark.parametrize("name", list(COMMANDS))
def test_piped_tables_stay_plain_and_within_200_characters(runs, name):
    piped = runs.piped[name]
    assert not ANSI.search(piped) and "─" not in piped and "…" not in piped
    long = [line for line in piped.splitlines() if len(line) > 200 and " " in line.strip()]
    assert not long, f"scaling {name}: {len(long)} piped lines over 200 characters, e.g. {long[0][:120]}..."


def _shape(text: str) -> list[str]:
    """Lines with every value replaced by ``#`` and runs of spaces or rule characters squeezed."""
    return [re.sub(r"─+", "─", re.sub(r" +", " ", TOKEN.sub("#", line))).strip() for line in text.strip("\n").splitlines()]


def test_the_readme_opens_with_the_headline_a_terminal_shows(runs):
    """The README's first example output is the headline of ``scaling plan`` at 80 columns: the same
    lines and labels (the values move as calibrations change, so they are not compared)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_output = readme.split("```text\n", 1)[1].split("```", 1)[0]
    assert readme.index("```text\n") < readme.index("## Quick tour")
    shown = _shape(runs.screens[80]["plan"])
    expected = _shape(first_output)
    assert shown[: len(expected)] == expected
    assert shown[len(expected)] == "", "the README's block stops before the end of the headline"


def test_plan_brief_is_the_headline_alone_on_one_80x24_screen(runs):
    screen = runs.screens[80]["plan brief"].strip("\n").splitlines()
    assert len(screen) <= 23, f"{len(screen)} lines"
    assert _shape("\n".join(screen)) == _shape(runs.screens[80]["plan"])[: len(screen)]
