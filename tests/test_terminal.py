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
