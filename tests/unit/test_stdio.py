"""The guards on standard output and error (runner/stdio.py) and the status they lead to."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import click
import pytest

from runner.cli.process import ConsoleEntry, _final_status
from runner.stdio import STDOUT_NAME, GuardedStream, failure_message, guard

SAID = "postrun: could not write to standard output:"


class _Failing(io.StringIO):
    """A stream whose writes (or flushes) fail with ``code``, as a full disk's do."""

    def __init__(self, code: int = errno.ENOSPC, *, on: str = "write") -> None:
        super().__init__()
        self.code = code
        self.on = on
        self.attempts = 0

    def write(self, text: str) -> int:
        self.attempts += 1
        if self.on == "write":
            raise OSError(self.code, os.strerror(self.code))
        return super().write(text)

    def flush(self) -> None:
        if self.on == "flush":
            raise OSError(self.code, os.strerror(self.code))


def test_a_failed_write_is_dropped_said_once_and_never_raised() -> None:
    failures: list[GuardedStream] = []
    failing = _Failing()
    out = GuardedStream(failing, STDOUT_NAME, on_failure=failures.append)
    assert out.write("one\n") == 4
    assert out.write("two\n") == 4  # dropped: the stream is not tried again
    out.flush()
    assert failing.attempts == 1
    assert out.failed and out.error is not None and out.error.errno == errno.ENOSPC
    assert failures == [out]
    assert not out.isatty()


def test_a_failed_flush_stops_the_stream() -> None:
    failing = _Failing(errno.EIO, on="flush")
    out = GuardedStream(failing, STDOUT_NAME)
    out.write("kept in a buffer\n")
    out.flush()
    out.write("dropped\n")
    assert out.failed and out.error is not None and out.error.errno == errno.EIO
    assert failing.getvalue() == "kept in a buffer\n"


def test_a_stream_closed_at_start_drops_text_and_is_no_failure() -> None:
    out = GuardedStream(None, STDOUT_NAME)
    assert out.write("gone\n") == 5
    out.flush()
    assert (out.failed, out.error, out.isatty(), out.encoding) == (False, None, False, "utf-8")
    with pytest.raises(io.UnsupportedOperation):
        out.fileno()


def test_a_closed_file_object_fails_without_an_os_error() -> None:
    closed = io.StringIO()
    closed.close()
    out = GuardedStream(closed, STDOUT_NAME)
    out.write("x")
    assert out.failed and out.error is None and failure_message(out) is None


def test_a_character_the_encoding_lacks_is_replaced_not_a_failure() -> None:
    raw = io.BytesIO()
    ascii_only = io.TextIOWrapper(raw, encoding="ascii")
    out = GuardedStream(ascii_only, STDOUT_NAME)
    out.write("postrun · 1 request ✓\n")
    out.write("next\n")
    out.flush()
    assert not out.failed
    assert raw.getvalue() == b"postrun ? 1 request ?\nnext\n"


def test_bytes_are_refused_as_by_a_text_stream() -> None:
    """click.echo asks ``write(b"")`` whether a stream is binary; a guard must say no."""
    out = GuardedStream(None, STDOUT_NAME)
    with pytest.raises(TypeError):
        out.write(b"")  # type: ignore[arg-type]


def test_bytes_go_to_the_binary_side_in_order_and_never_raise(tmp_path: Path) -> None:
    """click writes shell completion as bytes to ``sys.stdout.buffer``: a guard has one too."""
    with open(tmp_path / "out", "w", encoding="utf-8") as target:
        out = GuardedStream(target, STDOUT_NAME)
        out.write("text first\n")
        assert out.buffer.write(b"then bytes\n") == 11
        with pytest.raises(TypeError):
            out.buffer.write("")  # type: ignore[arg-type]  # click's probe: not a text stream
    assert (tmp_path / "out").read_text(encoding="utf-8") == "text first\nthen bytes\n"
    reader, writer = os.pipe()
    os.close(reader)
    with open(writer, "w", encoding="utf-8") as pipe:
        broken = GuardedStream(pipe, STDOUT_NAME)
        assert broken.buffer.write(b"nobody reads this") == 17  # EPIPE: dropped, not raised
        assert broken.failed and broken.error is not None and broken.error.errno == errno.EPIPE
        assert broken.buffer.write(b"dropped") == 7


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (errno.ENOSPC, f"{SAID} [Errno 28] No space left on device"),
        (errno.EIO, f"{SAID} [Errno 5] Input/output error"),
        (errno.EPIPE, None),  # a reader that left early: nothing worth saying
    ],
)  # fmt: skip
def test_the_failure_message_names_the_stream_and_the_reason(
    code: int, message: str | None
) -> None:
    out = GuardedStream(_Failing(code), STDOUT_NAME)
    out.write("x")
    assert failure_message(out) == message


def test_a_failed_output_is_said_once_on_the_error_stream() -> None:
    said = io.StringIO()
    out, err = guard(_Failing(), said)
    for _ in range(3):
        out.write("line\n")
    assert said.getvalue() == f"{SAID} [Errno 28] No space left on device\n"
    assert not err.failed


def test_with_both_streams_unusable_nothing_is_said_and_nothing_raised() -> None:
    out, err = guard(_Failing(), _Failing())
    out.write("line\n")
    out.flush()
    assert out.failed and err.failed


def test_a_broken_pipe_is_pointed_at_dev_null_so_its_buffer_flushes_quietly() -> None:
    reader, writer = os.pipe()
    os.close(reader)
    with open(writer, "w", encoding="utf-8") as pipe:
        out = GuardedStream(pipe, STDOUT_NAME)
        out.write("x" * 100)
        out.flush()
        assert out.error is not None and out.error.errno == errno.EPIPE
        pipe.write("still buffered")
        pipe.flush()  # would raise BrokenPipeError again without the guard's /dev/null


def test_click_echo_writes_through_a_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    written = io.StringIO()
    out, _ = guard(written, io.StringIO())
    monkeypatch.setattr("sys.stdout", out)
    click.echo("héllo")
    assert written.getvalue() == "héllo\n"
    broken, _ = guard(_Failing(), io.StringIO())
    monkeypatch.setattr("sys.stdout", broken)
    click.echo("dropped")  # no OSError
    assert broken.failed


def _entry(output_is_log: bool) -> ConsoleEntry:
    entry = ConsoleEntry()
    entry.output_is_log = output_is_log
    return entry


@pytest.mark.parametrize(
    ("status", "failed", "output_is_log", "final"),
    [
        (0, True, False, 1),  # list, export, validate, --version: what was asked did not get out
        (0, True, True, 0),  # run: its verdict stands, its reports are whole
        (1, True, True, 1),
        (2, True, False, 2),  # an earlier failure keeps its own status
        (130, True, False, 130),
        (0, False, False, 0),
    ],
)  # fmt: skip
def test_a_success_whose_output_failed_ends_1_unless_the_output_is_a_log(
    status: int, failed: bool, output_is_log: bool, final: int
) -> None:
    out = GuardedStream(_Failing() if failed else io.StringIO(), STDOUT_NAME)
    out.write("x")
    assert _final_status(status, out, _entry(output_is_log)) == final
