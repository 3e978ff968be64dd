"""A one-line live progress display for terminals, redrawn in place and erased before output."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from typing import TextIO

PROGRESS_MIN_REQUESTS = 4
"""Runs shorter than this finish before a progress line would tell anyone anything."""

CLEAR_LINE = "\r\x1b[K"
"""Carriage return, then erase to the end of the line (ANSI EL), understood by every terminal."""


def progress_enabled(isatty: bool, environ: Mapping[str, str]) -> bool:
    """True when a live progress line may be drawn: a terminal, not ``TERM=dumb``, not CI.

    CI logs are files: ``\\r`` redraws would pile up there as garbage, so any ``CI`` value but
    ``""``, ``0`` and ``false`` turns progress off (GitHub Actions, GitLab and others set it).
    """
    if not isatty:
        return False
    if environ.get("TERM", "").strip().lower() == "dumb":
        return False
    return environ.get("CI", "").strip().lower() in ("", "0", "false")


class ProgressLine:
    """Shows ``[done/total] N failed  current-request`` on one line, redrawn with ``\\r``.

    The owner calls :meth:`hide` before writing any other line and :meth:`show` after, so the
    progress text is never left mixed into the log.
    """

    def __init__(self, stream: TextIO, total: int, *, width: int | None = None) -> None:
        self.stream = stream
        self.total = total
        # One column less than the terminal: writing into the last column wraps on some
        # terminals, and a wrapped line can no longer be erased with a single \r.
        columns = width if width is not None else shutil.get_terminal_size((80, 24)).columns
        self.width = max(20, columns - 1)
        self.done = 0
        self.failed = 0
        self.current = ""
        self.visible = False

    def start(self, current: str) -> None:
        """A request begins: name it and redraw."""
        self.current = current
        self.show()

    def finish(self, *, failed: bool) -> None:
        """A request ended: count it (hidden until the next :meth:`show`)."""
        self.done += 1
        if failed:
            self.failed += 1
        self.current = ""

    def text(self) -> str:
        """The progress text, cut to the line width."""
        text = f"[{self.done}/{self.total}] {self.failed} failed"
        if self.current:
            text += f"  {self.current}"
        return text if len(text) <= self.width else text[: self.width - 1] + "…"

    def show(self) -> None:
        """Draw (or redraw) the line in place."""
        self.stream.write(CLEAR_LINE + self.text())
        self.stream.flush()
        self.visible = True

    def hide(self) -> None:
        """Erase the line, leaving the cursor at its start, ready for ordinary output."""
        if self.visible:
            self.stream.write(CLEAR_LINE)
            self.stream.flush()
            self.visible = False
