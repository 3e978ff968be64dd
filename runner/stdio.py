"""Standard output and error that cannot end postrun: a failed write stops that stream only.

Started as ``postrun`` (runner.cli.main), the process writes through a :class:`GuardedStream`
in place of ``sys.stdout`` and ``sys.stderr``: the console reporter, ``click.echo``, warnings
and ``print`` alike. A stream closed before postrun started (``>&-``), a reader gone
(``| head``), a full disk (``> /dev/full``) or a terminal hung up then costs that output, never
the run: every request is still sent, the reports are still written, and the caller decides
the exit status from what was lost (README, "Exit status").
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
from collections.abc import Callable
from typing import TextIO

STDOUT_NAME = "standard output"
STDERR_NAME = "standard error"


class GuardedStream:
    """A text stream that writes to ``stream`` until a write or flush fails, then drops text.

    ``write`` and ``flush`` never raise an OS error. The first failure is kept in ``error`` and
    handed once to ``on_failure``; the descriptor is then pointed at /dev/null, so that text
    still buffered below cannot fail again when it is flushed at exit (the recipe of Python's
    note on SIGPIPE). ``failed`` says whether that happened. ``stream`` None (started with the
    descriptor closed: the user wants no such output) drops everything, and is no failure.
    """

    __slots__ = (
        "__weakref__",
        "_on_failure",
        "_stream",
        "encoding",
        "error",
        "errors",
        "failed",
        "name",
    )

    def __init__(
        self,
        stream: TextIO | None,
        name: str,
        *,
        on_failure: Callable[[GuardedStream], object] | None = None,
    ) -> None:
        self._stream = stream  # None once nothing more is to be written
        self.name = name
        # What click.echo and the console reporter look at to decide how to write.
        self.encoding: str = getattr(stream, "encoding", None) or "utf-8"
        self.errors: str = getattr(stream, "errors", None) or "strict"
        self.error: OSError | None = None
        self.failed = False
        self._on_failure = on_failure

    def write(self, text: str) -> int:
        """Write ``text``, or drop it once the stream has failed; the length either way."""
        if not isinstance(text, str):
            # click.echo probes with write(b"") whether a stream takes bytes: it must not.
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        stream = self._stream
        if stream is not None:
            try:
                try:
                    return stream.write(text)
                except UnicodeEncodeError:
                    # A character the stream's encoding lacks (PYTHONIOENCODING=ascii) is no
                    # failure of the stream: it is shown as '?', and the line gets out.
                    stream.write(text.encode(self.encoding, "replace").decode(self.encoding))
            except (OSError, ValueError) as exc:
                self._fail(stream, exc)
        return len(text)

    def flush(self) -> None:
        """Flush the stream underneath; a failure drops what it held and stops the stream."""
        stream = self._stream
        if stream is not None:
            try:
                stream.flush()
            except (OSError, ValueError) as exc:
                self._fail(stream, exc)

    def isatty(self) -> bool:
        """Whether the stream underneath is a terminal that can still be written."""
        try:
            return self._stream is not None and self._stream.isatty()
        except (OSError, ValueError):
            return False

    @property
    def buffer(self) -> GuardedBuffer:
        """The bytes side, as ``sys.stdout.buffer``: click writes shell completion as bytes."""
        return GuardedBuffer(self)

    def write_bytes(self, data: bytes) -> int:
        """Write ``data`` to the binary buffer underneath, guarded as :meth:`write` is."""
        stream = self._stream
        if stream is not None:
            raw = getattr(stream, "buffer", None)
            if raw is None:  # a text-only stream (io.StringIO in tests): written as text
                self.write(data.decode(self.encoding, "replace"))
                return len(data)
            try:
                stream.flush()  # text written before these bytes goes out before them
                raw.write(data)
                raw.flush()
            except (OSError, ValueError) as exc:
                self._fail(stream, exc)
        return len(data)

    def fileno(self) -> int:
        """The descriptor underneath; io.UnsupportedOperation once there is none to write."""
        if self._stream is None:
            raise io.UnsupportedOperation(f"{self.name} is not written")
        return self._stream.fileno()

    def _fail(self, stream: TextIO, exc: OSError | ValueError) -> None:
        self._stream = None
        self.failed = True
        # ValueError: the file object was closed, by postrun's own code or a library's; that
        # is no OS error to report, and there is no descriptor left to silence.
        if isinstance(exc, OSError):
            self.error = exc
            _silence(stream)
        if self._on_failure is not None:
            self._on_failure(self)


class GuardedBuffer:
    """The binary side of a :class:`GuardedStream`: bytes written here never raise either."""

    __slots__ = ("_text",)

    def __init__(self, text: GuardedStream) -> None:
        self._text = text

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Write ``data``, or drop it once the stream has failed; the length either way."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            # click.echo probes with write("") whether a stream takes text: it must not.
            raise TypeError(f"a bytes-like object is required, not {type(data).__name__}")
        return self._text.write_bytes(bytes(data))

    def flush(self) -> None:
        """Flush the stream underneath."""
        self._text.flush()

    def fileno(self) -> int:
        """The descriptor underneath."""
        return self._text.fileno()


def _silence(stream: TextIO) -> None:
    """Point the descriptor under ``stream`` at /dev/null: its buffer then flushes quietly."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        descriptor = stream.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, descriptor)
        finally:
            os.close(null)


def failure_message(stream: GuardedStream) -> str | None:
    """The one line that says why ``stream`` failed, or None when there is nothing to say.

    A reader that left early (``postrun ... | head``, EPIPE) is no error worth a line, nor is a
    stream closed before postrun started: the user chose that. A full disk or an I/O error is.
    """
    error = stream.error
    if error is None or error.errno == errno.EPIPE:
        return None
    return f"postrun: could not write to {stream.name}: {error}"


def guard(stdout: TextIO | None, stderr: TextIO | None) -> tuple[GuardedStream, GuardedStream]:
    """Guards for standard output and error; a failure of the output is said on the error."""
    for stream in (stdout, stderr):
        _make_blocking(stream)
    err = GuardedStream(stderr, STDERR_NAME)

    def tell(failed: GuardedStream) -> None:
        message = failure_message(failed)
        if message is not None:
            err.write(message + "\n")
            err.flush()

    return GuardedStream(stdout, STDOUT_NAME, on_failure=tell), err


def _make_blocking(stream: TextIO | None) -> None:
    """Have writes to ``stream`` wait for room instead of failing.

    Another program sharing the pipe (a CI job's log) may have left it non-blocking; a write
    that finds the pipe full then fails with EAGAIN, and output would be lost whenever the
    reader is slower than postrun.
    """
    with contextlib.suppress(OSError, ValueError, AttributeError):
        descriptor = stream.fileno()  # type: ignore[union-attr]
        if not os.get_blocking(descriptor):
            os.set_blocking(descriptor, True)
