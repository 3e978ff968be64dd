"""What matters when postrun owns its process: the ConsoleEntry a command reads, SIGTERM as an
interrupt, the final status and the quick ending."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from runner.stdio import GuardedStream


class ConsoleEntry:
    """The click ``obj`` when postrun was started as a program (``main``): the process is then
    postrun's, and a command may fork (runner/preload.py). In-process callers pass no such
    object.

    A command whose standard output only logs work whose result lies elsewhere (a run's
    status and reports, an import's files) sets ``output_is_log`` (:func:`_output_is_log`):
    its status then stands when that output could not be written (:func:`_final_status`).
    A command given ``--traceback`` sets ``traceback``: ``main`` then prints the traceback of
    the error it re-raises instead of its message.
    """

    __slots__ = ("output_is_log", "traceback")

    def __init__(self) -> None:
        self.output_is_log = False
        self.traceback = False


def _console_entry() -> ConsoleEntry | None:
    """The running command's ConsoleEntry, when postrun was started as a program."""
    context = click.get_current_context(silent=True)
    return context.obj if context is not None and isinstance(context.obj, ConsoleEntry) else None


# Where a command given --traceback says so, for an in-process caller (CliRunner) as well.
_TRACEBACK_META = "postrun.traceback"


def _ask_for_tracebacks() -> None:
    """Record that the running command was given ``--traceback``."""
    context = click.get_current_context(silent=True)
    if context is not None:
        context.meta[_TRACEBACK_META] = True


def _wants_tracebacks() -> bool:
    """Whether the running command was given ``--traceback``."""
    context = click.get_current_context(silent=True)
    return context is not None and bool(context.meta.get(_TRACEBACK_META))


def _owns_process() -> bool:
    """Whether the command may fork: started as ``postrun``, and not asked for tracebacks
    (which should show where an error was raised, not where a child's error was re-raised)."""
    entry = _console_entry()
    return entry is not None and not entry.traceback


def _output_is_log() -> None:
    """Say that the running command's standard output is a log, not its result."""
    entry = _console_entry()
    if entry is not None:
        entry.output_is_log = True


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[threading.Event]:
    """SIGTERM (a CI job cancelled) stops the run like Ctrl-C; the caller exits 143 for it."""
    terminated = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield terminated
        return

    def on_term(signum: int, frame: Any) -> None:
        terminated.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield terminated
    finally:
        signal.signal(signal.SIGTERM, previous)


def _final_status(status: int, out: GuardedStream, entry: ConsoleEntry) -> int:
    """``status``, or 1 when a command whose result is its output failed to write it.

    Only a success changes: what the user asked ``list``, ``export``, ``validate``,
    ``--version`` or ``--help`` for did not all reach them. A run keeps its status, which is
    the verdict on the API (1 would say a check failed), with the results whole in its
    reports. Standard output closed from the start is the user's choice, not a failure.
    """
    if status == 0 and out.failed and not entry.output_is_log:
        return 1
    return status


def _exit_status(code: object) -> int:
    """The status ``sys.exit(code)`` would end with (a message is printed, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    click.echo(str(code), err=True)
    return 1


def _observed() -> bool:
    """Whether a profiler, debugger or coverage tool watches this process."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return True
    # pdb (and the debuggers built on bdb) drop their trace function on `continue` with no
    # breakpoint left, but still expect the program to end normally: pdb then restarts it.
    if "bdb" in sys.modules:
        return True
    monitoring = getattr(sys, "monitoring", None)  # Python 3.12+: tools ids 0 to 5
    return monitoring is not None and any(monitoring.get_tool(tool) for tool in range(6))


def _end_process(status: int) -> NoReturn:
    """Run the atexit callbacks, flush, and end without the interpreter's teardown.

    Freeing every module and object one by one took about 20 ms of a 0.2 s run (more after a
    large load); the OS frees the process at once. Reports are written and closed by now, and
    postrun leaves no thread running that should be waited for.
    """
    import atexit

    if _observed():
        sys.exit(status)  # a profiler, debugger or coverage tool reports at the normal exit
    atexit._run_exitfuncs()  # first, as at a normal exit: what they write is flushed below
    for stream in (sys.stdout, sys.stderr):
        # main's guards never raise; this also holds if an atexit callback put a plain stream
        # back, broken or closed (None: nothing more can be said on it).
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(status)
