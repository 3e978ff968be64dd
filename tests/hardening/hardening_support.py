"""Helpers for the hardening tests: a hang guard, the CLI invariant, a child-process runner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

REPO = Path(__file__).resolve().parents[2]


class Hang(Exception):
    """A command ran longer than its guard allows."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise Hang in the main thread after ``seconds`` (SIGALRM; Linux and macOS)."""

    def on_alarm(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def invoke(
    args: Sequence[str], *, seconds: float = 20, env: dict[str, str] | None = None
) -> Result:
    """Run the CLI in-process and assert the invariant: exit 0, 1 or 2, no traceback, no hang."""
    from runner.cli import cli

    with time_limit(seconds):
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=True)
    check_clean_exit(result)
    return result


def check_clean_exit(result: Result) -> None:
    """Exit status 0, 1 or 2 through sys.exit, and no Python traceback in the output."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        formatted = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"uncaught {type(result.exception).__name__}:\n{formatted}")
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback (most recent call last)" not in result.output
    if result.exit_code == 2:
        # An input error says what is wrong in a line starting with "error:".
        assert "error:" in result.output.lower(), result.output


def run_subprocess(
    args: Sequence[str], *, cwd: Path, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m runner ARGS`` in a child process, killed (and the test failed) on a hang."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", **(env or {})}
    try:
        return subprocess.run(
            [sys.executable, "-m", "runner", *args],
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"postrun {' '.join(args)} still running after {timeout} s: {exc.stdout!r}")
