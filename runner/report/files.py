"""Writing report files whole or not at all, so a CI job never reads half a report."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str, *, executable: bool = False) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temp file in the same folder and a rename.

    The file gets the mode a plain write would give: an existing file's, else 0666 (0777 when
    ``executable``) less the umask; mkstemp alone would leave it private (0600).
    """
    path = Path(path)
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
