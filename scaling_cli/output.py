"""Where rendered output goes: stdout, or a file that is never silently replaced or damaged.

- A regular file is written through a temporary file in its directory: a new one is linked into
  place only if nothing is there yet (the exists-check and the create are one step, so of several
  concurrent writers without ``--force`` exactly one wins), an existing one is replaced atomically
  with ``--force`` and keeps its permissions. New files get the permissions the user's umask allows.
- A symbolic link is followed: the file it points to is written, and a dangling link counts as an
  existing file.
- A character device (``/dev/null``) or a FIFO is written in place, like stdout (``-``); a
  directory or a block device is refused.
- Every failure (a full device, a closed stdout, a directory where nothing can be created) is a
  ``ScalingError``: one line and exit 1, and the old file untouched, no temporary file left behind.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from pathlib import Path

from scaling_cli.errors import ScalingError

#: ``os.link`` fails like this where the file system has no hard links (FAT, some network mounts).
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.EXDEV, errno.ENOSYS}


def write_output(text: str, path: str | None, *, force: bool = False) -> None:
    """Write ``text`` to stdout (``path`` None or ``-``) or to the file ``path``."""
    if path is None or path == "-":
        write_stdout(text)
        return
    if path.endswith(("/", os.sep)):
        raise ScalingError(f"{path}: names a directory; give a file name")
    write_file_atomically(Path(path), text, force=force)


def write_stdout(text: str) -> None:
    stream = sys.stdout
    try:
        if stream is None:
            raise OSError(errno.EBADF, "stdout is closed")
        stream.write(text)
        stream.flush()
    except OSError as exc:
        _silence_stdout()
        raise ScalingError(f"cannot write to stdout: {_reason(exc)}; give --output FILE") from None


def write_file_atomically(target: Path, text: str | bytes, *, force: bool) -> None:
    """Write ``text`` (str as UTF-8, or bytes) to ``target``, as the module docstring describes."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        _write(target, data, force)
    except OSError as exc:
        raise ScalingError(f"{target}: cannot write: {_reason(exc)}") from None


def _write(target: Path, data: bytes, force: bool) -> None:
    real = Path(os.path.realpath(target))  # a symbolic link is written through, dangling or not
    try:
        info: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise ScalingError(f"{target}: is a directory; give a file name")
    if info is not None and (stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        _write_in_place(real, data)  # a stream: nothing is replaced
        return
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise ScalingError(f"{target}: is not a regular file, a character device or a pipe; give a file name")
    if (info is not None or os.path.lexists(target)) and not force:
        raise ScalingError(_exists(target, real))
    directory = real.parent
    if not directory.is_dir():
        raise ScalingError(f"{target}: directory {directory} does not exist")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ScalingError(f"{target}: cannot create a file in {directory}: {_reason(exc)}") from None
    try:
        _fill(handle, data, info)
        if info is None and not force:
            _link_exclusively(temporary, real, target, data)
        else:
            os.replace(temporary, real)
    finally:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass


def _fill(handle: int, data: bytes, existing: os.stat_result | None) -> None:
    """Write the temporary file: its data, on disk, with the mode (and, as root, the owner) of the
    file it replaces, or the mode a new file gets under the user's umask."""
    with os.fdopen(handle, "wb") as stream:
        if existing is None:
            os.fchmod(stream.fileno(), 0o666 & ~_umask())
        else:
            os.fchmod(stream.fileno(), stat.S_IMODE(existing.st_mode))
            if os.geteuid() == 0:
                try:
                    os.fchown(stream.fileno(), existing.st_uid, existing.st_gid)
                except OSError:
                    pass
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _link_exclusively(temporary: str, real: Path, target: Path, data: bytes) -> None:
    """Put the temporary file at ``real`` only if nothing is there: the check and the create are one
    system call (``link``, or ``open`` with ``O_EXCL`` where there are no hard links)."""
    try:
        os.link(temporary, real)
        return
    except FileExistsError:
        raise ScalingError(_exists(target, real)) from None
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
    try:
        handle = os.open(real, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise ScalingError(_exists(target, real)) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
    except BaseException:
        os.unlink(real)
        raise


def _write_in_place(real: Path, data: bytes) -> None:
    handle = os.open(real, os.O_WRONLY | os.O_NOCTTY)  # no O_CREAT: it exists, and stays what it is
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)


def _exists(target: Path, real: Path) -> str:
    link = f" (a symbolic link to {real})" if os.path.islink(target) else ""
    return f"{target}: file exists{link}; use --force to overwrite it"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _silence_stdout() -> None:
    """After a failed write, point stdout at /dev/null, so that the interpreter's last flush of what
    is still buffered does not fail a second time (a traceback, exit 120)."""
    try:
        fd = sys.stdout.fileno() if sys.stdout is not None else 1
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


class ClosedStdout:
    """Stands in for ``sys.stdout`` when the process started with it closed (``>&-``): not a
    terminal, and writing to it is the error a closed descriptor gives."""

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "stdout is closed")

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        return 1


def guard_stdout() -> None:
    """With stdout closed at start, hold descriptor 1 on /dev/null (no file opened later takes it
    over) and install ``ClosedStdout``, so output meant for stdout is refused in one line."""
    if sys.stdout is not None:
        return
    try:
        os.fstat(1)
    except OSError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        if devnull != 1:
            os.dup2(devnull, 1)
            os.close(devnull)
    sys.stdout = ClosedStdout()  # type: ignore[assignment]
