"""Interrupts (issue 7.4): Ctrl-C and SIGTERM in the middle of a long run.

The run is a real ``python -m runner`` process against a loopback server that answers each
request after half a second. Once the first request has finished, the test sends the signal:
the run must end at once with its documented status (130 for SIGINT, 143 for SIGTERM), print
and report what finished, and leave report files whole (or not written), never half-written.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hardening_support import REPO
from rawserver import RawServer, serving

REQUESTS = 12  # 6 s of work: far longer than the test waits


@dataclass
class Running:
    """A child ``postrun run`` and the lines it has printed so far."""

    process: subprocess.Popen[str]
    lines: list[str]

    def wait_for_line(self, needle: str, seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(needle in line for line in self.lines):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        pytest.fail(f"no line with {needle!r} in {self.lines!r}")

    def finish(self, seconds: float = 10) -> tuple[int, str, str]:
        try:
            _, stderr = self.process.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail(f"still running {seconds} s after the signal: {self.lines!r}")
        return self.process.returncode, "".join(self.lines), stderr


def start_run(folder: Path, url: str, *extra: str) -> Running:
    requests = "".join(
        f"  - name: r{index}\n    url: {url}\n    assert: {{status: 200}}\n"
        for index in range(1, REQUESTS + 1)
    )
    (folder / "long.yaml").write_text(f"name: Long\nrequests:\n{requests}", encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "NO_COLOR": "1",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runner",
            "run",
            "long.yaml",
            "--report",
            "json:out/report.json",
            "--report",
            "junit:out/report.xml",
            *extra,
        ],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    lines: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)

    threading.Thread(target=pump, daemon=True).start()
    return Running(process, lines)


@pytest.fixture
def slow_server() -> Iterator[RawServer]:
    with serving() as server:
        yield server


@pytest.fixture
def slow_url(slow_server: RawServer) -> str:
    return slow_server.url("/slow")


def _check_reports(folder: Path, finished_at_least: int) -> None:
    """Each report file is either absent or whole, and holds the finished requests."""
    report = folder / "out/report.json"
    if report.exists():
        data = json.loads(report.read_text(encoding="utf-8"))
        assert data["interrupted"] is True
        assert data["totals"]["requests"] >= finished_at_least
        assert data["totals"]["requests"] < REQUESTS
        assert data["requests"][0]["name"] == "r1"
        assert data["requests"][0]["passed"] is True
    junit = folder / "out/report.xml"
    if junit.exists():
        root = ET.parse(junit).getroot()
        assert int(root.get("tests", "0")) >= finished_at_least
    assert (
        not [path.name for path in (folder / "out").glob("*.tmp")]
        if (folder / "out").exists()
        else True
    )


def test_ctrl_c_ends_with_130_and_reports_what_finished(tmp_path: Path, slow_url: str) -> None:
    running = start_run(tmp_path, slow_url)
    running.wait_for_line("r1 ")
    running.process.send_signal(signal.SIGINT)
    status, stdout, stderr = running.finish()
    assert status == 130, stdout + stderr
    assert "r1" in stdout
    assert "Traceback" not in stdout + stderr
    assert f"r{REQUESTS} " not in stdout  # it did stop
    _check_reports(tmp_path, finished_at_least=1)
    # The reports are written (not merely "absent or whole") for a clean interrupt.
    assert (tmp_path / "out/report.json").exists()


def test_sigterm_ends_with_143_and_reports_what_finished(tmp_path: Path, slow_url: str) -> None:
    running = start_run(tmp_path, slow_url)
    running.wait_for_line("r1 ")
    running.process.send_signal(signal.SIGTERM)
    status, stdout, stderr = running.finish()
    assert status == 143, stdout + stderr
    assert "Traceback" not in stdout + stderr
    _check_reports(tmp_path, finished_at_least=1)
    assert (tmp_path / "out/report.json").exists()


def test_a_killed_run_leaves_the_previous_report_whole(tmp_path: Path, slow_url: str) -> None:
    """SIGKILL cannot be handled: the old report must survive, whole, not half-overwritten."""
    previous = '{"previous": true}\n'
    (tmp_path / "out").mkdir()
    (tmp_path / "out/report.json").write_text(previous, encoding="utf-8")
    running = start_run(tmp_path, slow_url)
    running.wait_for_line("r1 ")
    running.process.kill()
    running.finish()
    assert (tmp_path / "out/report.json").read_text(encoding="utf-8") == previous


def test_ctrl_c_twice_still_ends_cleanly(tmp_path: Path, slow_url: str) -> None:
    """An impatient second Ctrl-C (while reports are written) must not leave a traceback.

    Dying of the second SIGINT is fine: a shell reports that as 130 too.
    """
    running = start_run(tmp_path, slow_url)
    running.wait_for_line("r1 ")
    running.process.send_signal(signal.SIGINT)
    time.sleep(0.05)
    if running.process.poll() is None:
        running.process.send_signal(signal.SIGINT)
    status, stdout, stderr = running.finish()
    assert status in (130, -signal.SIGINT), stdout + stderr
    assert "Traceback" not in stdout + stderr
    _check_reports(tmp_path, finished_at_least=1)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_an_interrupt_stops_parallel_jobs_too(
    tmp_path: Path, slow_server: RawServer, signum: int
) -> None:
    """With --jobs the requests run in worker threads; the signal must still stop them all."""
    running = start_run(tmp_path, slow_server.url("/slow"), "long-copy.yaml", "--jobs", "2")
    (tmp_path / "long-copy.yaml").write_text(
        (tmp_path / "long.yaml").read_text(encoding="utf-8").replace("Long", "Copy"),
        encoding="utf-8",
    )
    # Output of parallel collections is printed per collection, so wait on the server: a worker
    # sends its next request only once the last one finished, so a third request received means
    # one has finished (waiting a fixed time failed on a loaded machine).
    running.wait_for_line("24 requests")
    deadline = time.monotonic() + 15
    while len(slow_server.requests) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(slow_server.requests) >= 3, f"only {len(slow_server.requests)} requests arrived"
    running.process.send_signal(signum)
    status, stdout, stderr = running.finish()
    assert status == (130 if signum == signal.SIGINT else 143), stdout + stderr
    assert "24 passed" not in stdout
    assert "Traceback" not in stdout + stderr
    _check_reports(tmp_path, finished_at_least=1)
