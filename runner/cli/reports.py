"""The file reports of a run (``--report FORMAT:PATH``): parsed and checked before the run,
rendered and written after it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from runner.errors import PostrunError

REPORT_FORMATS = ("junit", "json", "html")


def _report_targets(texts: Sequence[str]) -> list[tuple[str, Path]]:
    """Every ``--report`` as (format, path), each path checked to be writable."""
    targets = [_parse_report(text) for text in texts]
    for _, target in targets:
        _check_writable(target)  # before the run, not after minutes of it
    return targets


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


def _write_reports(file_reporters: Sequence[tuple[Any, Path]], status: int) -> int:
    """Write each report; the run's status, or 2 when one could not be written (an interrupted
    run keeps its 130 or 143)."""
    from runner.report.files import write_atomic

    for file_reporter, path in file_reporters:
        try:
            write_atomic(path, file_reporter.render())
        except OSError as exc:  # checked before the run, so rare: say so, write the others
            click.echo(f"error: cannot write the report {path}: {exc.strerror or exc}", err=True)
            status = status if status in (130, 143) else 2
    return status
