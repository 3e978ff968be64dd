"""Where a run's output goes: the console, GitHub Actions, and under --jobs a buffer per file."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import Any, TextIO


def _use_color(flag: bool | None, stream: Any) -> bool:
    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class _Buffer(io.StringIO):
    """Holds one file's console output under --jobs; reports the real stream's encoding."""

    def __init__(self, encoding: str | None) -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str | None:  # type: ignore[override]
        return self._encoding


def _fan_out(listeners: Sequence[Any]) -> Any:
    def listener(event: Any) -> None:
        for each in listeners:
            each(event)

    return listener


def _release(buffer: io.StringIO, out: TextIO) -> None:
    out.write(buffer.getvalue())
    out.flush()
