"""Writing output never damages what the output path points to (issue #17).

Every case runs the real entry point (``python -m scaling_cli``) and checks what the user sees: the
exit code, one line on stderr, and what is on disk afterwards. Devices are made in the test's own
directory (``mknod`` as root; non-root users cannot replace ``/dev/null``, so it is used there), so
a wrong write can never touch the machine's own ``/dev/null``.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from typer.testing import CliRunner

from scaling_cli.cli import app

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
PLAN = ("plan", "--format", "json", "--samples", "0")


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def _refused(proc: Outcome | subprocess.CompletedProcess[str], fragment: str) -> None:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert fragment in proc.stderr, proc.stderr


def _plan_to(target: Path | str, *extra: str) -> Outcome:
    """``scaling plan -o TARGET`` in-process (the file-system behaviour is the same as through the
    entry point, which the stdout and concurrency cases below use)."""
    result = CliRunner().invoke(app, [*PLAN, "--output", str(target), *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


# --- devices, pipes, directories ---------------------------------------------------------------------


@pytest.fixture
def null_device(tmp_path: Path) -> Path:
    """A character device that discards writes: a fresh one in ``tmp_path`` as root, else /dev/null."""
    if not ROOT:
        return Path(os.devnull)
    path = tmp_path / "null"
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return path


@pytest.mark.parametrize("force", [False, True])
def test_a_character_device_is_written_in_place_never_replaced(null_device, force):
    """As root, -o /dev/null --force replaced /dev/null with a regular file of mode 0600."""
    before = os.stat(null_device)
    proc = _plan_to(null_device, *(["--force"] if force else []))
    assert proc.returncode == 0, proc.stderr
    after = os.stat(null_device)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino
    assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)


def test_a_fifo_is_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    proc = _plan_to(fifo)
    reader.join(timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(received[0])["schema_version"]


def test_dash_is_stdout():
    proc = _plan_to("-")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["schema_version"]


@pytest.mark.parametrize("force", [False, True])
def test_a_directory_is_refused_even_through_a_link(tmp_path, force):
    (tmp_path / "dir").mkdir()
    (tmp_path / "link").symlink_to("dir")
    for target in ("dir", "link", "new/"):
        _refused(_plan_to(tmp_path / target if target != "new/" else f"{tmp_path}/new/", *(["--force"] if force else [])), "directory")
    assert list((tmp_path / "dir").iterdir()) == [] and not (tmp_path / "new").exists()


# --- permissions -------------------------------------------------------------------------------------


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_a_new_file_gets_the_permissions_of_the_umask(tmp_path, umask, mode):
    """New output files were always 0600."""
    target = tmp_path / "plan.json"
    previous = os.umask(umask)
    try:
        proc = _plan_to(target)
    finally:
        os.umask(previous)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(os.stat(target).st_mode) == mode


@pytest.mark.parametrize("mode", [0o644, 0o664, 0o600])
def test_force_keeps_the_mode_of_the_file_it_replaces(tmp_path, mode):
    """--force on a 0644 file left it 0600."""
    target = tmp_path / "plan.json"
    target.write_text("old")
    os.chmod(target, mode)
    proc = _plan_to(target, "--force")
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(os.stat(target).st_mode) == mode
    assert json.loads(target.read_text())["schema_version"]
    assert _leftovers(tmp_path) == []


# --- symbolic links ----------------------------------------------------------------------------------


def test_force_writes_through_a_symlink_to_its_target(tmp_path):
    """--force replaced the link itself with a regular file."""
    (tmp_path / "real.json").write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to("real.json")
    _refused(_plan_to(link), "file exists")
    assert (tmp_path / "real.json").read_text() == "old"
    proc = _plan_to(link, "--force")
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and os.readlink(link) == "real.json"
    assert json.loads((tmp_path / "real.json").read_text())["schema_version"]


def test_a_dangling_symlink_counts_as_existing(tmp_path):
    """A dangling link was replaced without --force."""
    link = tmp_path / "link.json"
    link.symlink_to("missing.json")
    _refused(_plan_to(link), "file exists")
    assert link.is_symlink() and not (tmp_path / "missing.json").exists()
    proc = _plan_to(link, "--force")
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and json.loads((tmp_path / "missing.json").read_text())["schema_version"]


# --- concurrent writers ------------------------------------------------------------------------------


def test_concurrent_writers_without_force_get_one_winner(tmp_path):
    """The exists-check and the rename were two steps: 2-3 of 4 writers of one new file succeeded."""
    target = tmp_path / "plan.json"
    command = [sys.executable, "-m", "scaling_cli", *PLAN, "-o", str(target)]
    writers = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(6)]
    results = [(writer.wait(timeout=120), writer.stderr.read()) for writer in writers]
    for writer in writers:
        writer.stdout.close()
        writer.stderr.close()
    assert sorted(code for code, _ in results) == [0, 1, 1, 1, 1, 1], results
    for code, stderr in results:
        assert code == 0 or stderr == f"error: {target}: file exists; use --force to overwrite it\n"
    assert json.loads(target.read_text())["schema_version"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


def test_a_file_created_between_the_check_and_the_create_is_not_replaced(tmp_path, monkeypatch):
    """The race made certain: another writer creates the file just after this one found it absent
    (as its temporary file is made). The check and the create must be one step: this writer is
    refused, the other's file stays."""
    from scaling_cli import output

    target = tmp_path / "plan.json"
    make_temporary = output.tempfile.mkstemp

    def competitor_first(*args, **kwargs):
        target.write_text("the other writer's plan")
        return make_temporary(*args, **kwargs)

    monkeypatch.setattr(output.tempfile, "mkstemp", competitor_first)
    _refused(_plan_to(target), f"{target}: file exists; use --force to overwrite it")
    assert target.read_text() == "the other writer's plan"
    assert _leftovers(tmp_path) == []


# --- failures: exit 1, one line, nothing damaged -----------------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_stdout_is_one_line_and_exit_1():
    """`> /dev/full` ended in exit 70, internal error."""
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "scaling_cli", *PLAN], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    _refused(proc, "cannot write to stdout: ")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_device_as_output_file_is_one_line_and_exit_1():
    _refused(_plan_to("/dev/full"), "/dev/full: cannot write: ")


def test_a_closed_stdout_is_one_line_and_exit_1():
    """`>&-` ended in exit 70, internal error."""
    proc = subprocess.run([sys.executable, "-m", "scaling_cli", *PLAN], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120, preexec_fn=lambda: os.close(1))
    _refused(proc, "cannot write to stdout: stdout is closed")


def test_a_closed_stdout_does_not_stop_output_to_a_file(tmp_path):
    target = tmp_path / "plan.json"
    command = [sys.executable, "-m", "scaling_cli", *PLAN, "-o", str(target)]
    proc = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120, preexec_fn=lambda: os.close(1))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(target.read_text())["schema_version"]


def test_a_directory_where_nothing_can_be_created_is_one_line_and_exit_1(tmp_path):
    """As root every ordinary directory is writable: /proc is not, for anyone."""
    if ROOT:
        target = Path("/proc/scaling-cli-test.json")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "plan.json"
    _refused(_plan_to(target), f"{target}: cannot create a file in ")
    assert not target.exists()


def test_a_missing_directory_is_one_line_and_exit_1(tmp_path):
    _refused(_plan_to(tmp_path / "nowhere" / "plan.json"), "does not exist")
