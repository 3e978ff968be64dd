"""The file reports of a run (``--report FORMAT:PATH``): parsed and checked before the run,
rendered and written after it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from runner.errors import PostrunError

REPORT_FORMATS = ("junit", "json", "html")


def _report_targets(texts: Sequence[str]) -> list[tuple[str, Path]]:
    """Every ``--report`` as (format, path), each path checked to be writable and given once."""
    targets = [_parse_report(text) for text in texts]
    seen: dict[object, Path] = {}
    for _, path in targets:
        identity = _check_writable(path)  # before the run, not after minutes of it
        if identity in seen:
            first = seen[identity]
            both = str(path) if str(first) == str(path) else f"{first} and {path}"
            raise PostrunError(
                f"two --report options write to the same file: {both}",
                hint="give each report its own file",
            )
        seen[identity] = path
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
    if path.endswith(("/", os.sep)):
        raise PostrunError(f"--report path {path} names a folder", hint="give a file name in it")
    return kind, Path(path)


def _check_writable(path: Path) -> object:
    """A report path must be a file we can create or replace (its nearest existing folder is
    writable), or a character device or FIFO we may write; what identifies the file it names."""
    from runner.report import files

    try:
        target = files.destination(path)
    except OSError as exc:  # a symlink loop, a folder we may not look into
        raise PostrunError(
            f"cannot write the report {path}: {exc.strerror or exc}",
            hint="choose a path in a folder you can write to",
        ) from None
    if target.kind == files.FOLDER:
        raise PostrunError(f"--report path {path} is a folder", hint="give a file name in it")
    if target.kind == files.OTHER:
        raise PostrunError(
            f"--report path {path} is {target.what}",
            hint="give a file, or a character device or FIFO such as /dev/stdout",
        )
    if target.kind == files.STREAM:
        if not os.access(target.path, os.W_OK):
            raise PostrunError(
                f"cannot write the report {path}: permission denied",
                hint="choose a path you can write to",
            )
        return target.identity
    folder = target.path.parent  # the symlink's target's folder: the one the rename is in
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    problem = None
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        problem = "is not a writable folder"
    else:
        problem = _probe(folder)
    if problem is not None:
        raise PostrunError(
            f"cannot write the report {path}: {folder} {problem}",
            hint="choose a path in a folder you can write to",
        )
    return target.identity


def _probe(folder: Path) -> str | None:
    """Why no file can be created in ``folder``, found by creating one (and removing it).

    os.access says yes to root everywhere, and knows nothing of /proc, /sys or a file system
    mounted read-only: only trying tells.
    """
    import tempfile

    try:
        handle, name = tempfile.mkstemp(prefix=".postrun-probe-", dir=folder)
    except OSError as exc:
        return f"takes no new file ({exc.strerror or exc})"
    os.close(handle)
    with contextlib.suppress(OSError):  # the report's own write will say what is wrong
        os.unlink(name)
    return None


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
    """Write each report; the run's status, whether or not they could all be written."""
    from runner.report.files import write_atomic

    for file_reporter, path in file_reporters:
        try:
            write_atomic(path, file_reporter.render())
        except OSError as exc:  # checked before the run, so rare: say so, write the others
            # The status is the verdict on the API (1 would say a check failed, 2 that the
            # input was wrong); the message says what was lost, as for standard output.
            reason = exc.strerror or str(exc)
            click.echo(
                f"error: could not write the report {path}: {reason} "
                f"(the exit status stays the run's: {status})",
                err=True,
            )
    return status
