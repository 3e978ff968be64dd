"""The file reports of a run (``--report FORMAT:PATH``): parsed and checked before the run,
rendered and written after it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from runner.errors import PostrunError

REPORT_FORMATS = ("junit", "json", "html")


def _parse_report(text: str) -> tuple[str, Path]:
    """``junit:out/results.xml`` -> ("junit", Path); anything else is a usage error (exit 2)."""
    kind, sep, path = text.partition(":")
    if not sep or not path or kind not in REPORT_FORMATS:
        raise PostrunError(
            f"invalid --report {text!r}",
            hint=f"write FORMAT:PATH with FORMAT one of {', '.join(REPORT_FORMATS)}, "
            "e.g. --report junit:results.xml",
        )
    return kind, Path(path)


def _check_writable(path: Path) -> None:
    """A report path must be a file we can create: its nearest existing folder is writable."""
    if path.is_dir():
        raise PostrunError(f"--report path {path} is a folder", hint="give a file name in it")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise PostrunError(
            f"cannot write the report {path}: {folder} is not a writable folder",
            hint="choose a path in a folder you can write to",
        )


def _new_file_reporter(kind: str) -> Any:
    """The reporter that renders a report of format ``kind``."""
    if kind == "html":
        from runner.report.html import HtmlReporter

        return HtmlReporter()
    if kind == "junit":
        from runner.report.junit import JUnitReporter

        return JUnitReporter()
    from runner.report.json_report import JsonReporter

    return JsonReporter()
