"""Where a run's output goes: the console, GitHub Actions, and under --jobs a buffer per file."""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

if TYPE_CHECKING:
    from runner.events import Listener


# NamedTuples: cheaper to define than dataclasses on every run (see running.RunFlags).
class ConsoleStyle(NamedTuple):
    """How the console reporter writes: in colour or not, quiet, verbose."""

    color: bool
    quiet: bool
    verbose: bool


class RunListeners(NamedTuple):
    """Who hears a run: the console; the listeners every file shares (GitHub's summary, the
    file reporters); under --jobs, ``group`` makes each file's own output: a listener, and the
    function that writes out what it buffered."""

    console: Listener
    shared: list[Listener]
    group: Callable[[], tuple[Listener, Callable[[], None]]]


def _use_color(flag: bool | None, stream: Any) -> bool:
    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _run_listeners(
    out: TextIO,
    style: ConsoleStyle,
    file_reporters: Sequence[Listener],
    *,
    progress: bool,
    parallel: bool,
    tracebacks: TextIO | None = None,
) -> RunListeners:
    """The listeners of a run that writes to ``out``. ``progress``: a live progress line is
    allowed (not under --jobs); ``parallel``: the files will run side by side; ``tracebacks``:
    where the traceback of an internal error goes (``--traceback``), if anywhere."""
    from runner.report.console import ConsoleReporter
    from runner.report.progress import progress_enabled

    isatty = bool(getattr(out, "isatty", None) and out.isatty())
    console = ConsoleReporter(
        out,
        color=style.color,
        quiet=style.quiet,
        verbose=style.verbose,
        progress=progress_enabled(isatty, os.environ) and progress,
    )
    shared: list[Any] = list(file_reporters)
    if parallel:  # the run's console sees no request finish: its stream figures come from here
        shared.append(console.first_events)
    if tracebacks is not None:
        shared.insert(0, functools.partial(_print_traceback, tracebacks))
    on_github = os.environ.get("GITHUB_ACTIONS") == "true"
    if on_github:
        from runner.report.github import GitHubReporter, step_summary_path

        # After the console, so each annotation follows its request's line; under --jobs each
        # file's annotations go with its grouped output, and this one writes the summary only.
        summary = GitHubReporter(
            out, step_summary_path(os.environ), Path.cwd(), annotate=not parallel
        )
        shared.insert(0, summary)
    return RunListeners(console, shared, functools.partial(_group_output, out, style, on_github))


def _print_traceback(err: TextIO, event: Any) -> None:
    """``--traceback``: the (masked) traceback of a bug that cost a request, as it happens."""
    from runner.events import InternalError

    if isinstance(event, InternalError):
        err.write(f"traceback of the internal error in {event.path}:\n{event.traceback}")
        err.flush()


def _group_output(
    out: TextIO, style: ConsoleStyle, on_github: bool
) -> tuple[Listener, Callable[[], None]]:
    """One file's console output (and annotations) under --jobs, buffered so that it comes
    out whole, and the function that writes it to ``out``."""
    from runner.report.console import ConsoleReporter

    buffer = _Buffer(getattr(out, "encoding", None))
    listeners: list[Any] = [
        ConsoleReporter(buffer, color=style.color, quiet=style.quiet, verbose=style.verbose)
    ]
    if on_github:
        from runner.report.github import GitHubReporter

        listeners.append(GitHubReporter(buffer, None, Path.cwd()))
    return _fan_out(listeners), lambda: _release(buffer, out)


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
