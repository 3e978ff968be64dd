"""Writing report files whole or not at all, so a CI job never reads half a report.

What is at the path decides how (:func:`destination`): a regular file or a new path is written
through a temp file and a rename; a character device or a FIFO (``/dev/null``, ``/dev/stdout``,
a named pipe) is written straight through, as a shell's ``>`` would, since a rename would
replace it (as root, ``--report junit:/dev/null`` deleted /dev/null for every later CI step);
a symlink is followed, so its target is replaced and the link stays.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import NamedTuple

# The kinds of destination (Destination.kind).
NEW = "new"  # nothing there yet (or a symlink to nothing): created, atomically
FILE = "file"  # a regular file: replaced, atomically
STREAM = "stream"  # a character device or a FIFO: written through
FOLDER = "folder"
OTHER = "other"  # a block device or a socket: refused


class Destination(NamedTuple):
    """Where text for a path goes: its kind, the path to write and what identifies it.

    ``path`` is the symlink's target for a file or a new path (the one to replace), the path as
    given for a stream (``/dev/stdout`` is opened through its links: its target may be a pipe
    that no path names). ``identity`` is the same for two paths that reach the same file.
    """

    kind: str
    path: Path
    identity: object
    what: str = ""  # for OTHER: what is there ("a block device", "a socket")


def destination(path: Path) -> Destination:
    """What writing to ``path`` would write to; OSError when that cannot be told (ELOOP)."""
    try:
        status = os.stat(path)  # through symlinks
    except (FileNotFoundError, NotADirectoryError):
        resolved = Path(os.path.realpath(path))
        return Destination(NEW, resolved, str(resolved))
    mode = status.st_mode
    if stat.S_ISREG(mode):
        resolved = Path(os.path.realpath(path))
        return Destination(FILE, resolved, str(resolved))
    identity = (status.st_dev, status.st_ino)
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return Destination(STREAM, Path(path), identity)
    if stat.S_ISDIR(mode):
        return Destination(FOLDER, Path(path), identity)
    what = "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else ""
    return Destination(OTHER, Path(path), identity, what or "not a regular file")


def write_atomic(path: Path, text: str, *, executable: bool = False) -> None:
    """Write ``text`` (UTF-8) to ``path``: whole or not at all for a file, through for a
    character device or a FIFO (see the module docstring); OSError for anything else."""
    target = destination(Path(path))
    if target.kind == STREAM:
        _write_through(target.path, text)
    elif target.kind in (NEW, FILE):
        _replace(target.path, text, executable)
    elif target.kind == FOLDER:
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    else:
        raise OSError(errno.EINVAL, f"{target.what}, not a file to write", str(path))


def _write_through(path: Path, text: str) -> None:
    """Write to a character device or a FIFO: no temp file, no rename, no mode change.

    A FIFO blocks here until a reader opens it, as it would for any writer. No O_CREAT, so
    a device that vanished since it was looked at is not recreated as a file.
    """
    # O_NOCTTY: a terminal written to (/dev/tty) must not become the controlling one.
    handle = os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
        out.write(text)


def _replace(path: Path, text: str, executable: bool) -> None:
    """Write ``text`` to ``path`` through a temp file in the same folder and a rename.

    The file gets the mode a plain write would give: an existing file's, else 0666 (0777 when
    ``executable``) less the umask; mkstemp alone would leave it private (0600).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path, executable)
    # The temp file sits next to the target so os.replace stays a same-filesystem rename.
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def _mode_for(path: Path, executable: bool) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        pass
    umask = os.umask(0o022)  # read it: the only portable way is to set it and put it back
    os.umask(umask)
    return (0o777 if executable else 0o666) & ~umask
