"""Where rendered output goes: stdout, or a file written atomically that is never silently replaced."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from scaling_cli.errors import ScalingError


def write_output(text: str, path: str | None, *, force: bool = False) -> None:
    """Write ``text`` to stdout, or to ``path`` via a temporary file and an atomic rename.

    An existing ``path`` is replaced only with ``force``; on any failure the old file is untouched
    and no temporary file is left behind.
    """
    if path is None or path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_file_atomically(Path(path), text, force=force)


def write_file_atomically(target: Path, text: str | bytes, *, force: bool) -> None:
    if target.is_dir():
        raise ScalingError(f"{target}: is a directory; give a file name")
    if target.exists() and not force:
        raise ScalingError(f"{target}: file exists; use --force to overwrite it")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise ScalingError(f"{target}: directory {directory} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        if isinstance(text, bytes):
            with os.fdopen(handle, "wb") as binary:
                binary.write(text)
        else:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
