"""The network fault matrix (issue 7.2): one run against a misbehaving raw-socket server.

Every request of the run meets one fault. Each must fail (or pass) with a one-line reason a
person understands, the other requests must still run, the reports must be written whole, and
the run must end within its timeouts. The run is a real ``python -m runner`` child process, so
a hang is caught by the subprocess timeout instead of freezing the suite.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hardening_support import run_subprocess
from hardening_tls import can_make_certificates, self_signed_context
from rawserver import BIG_BODY_BYTES, TRICKLE_BYTES, TRICKLE_PAUSE, RawServer, refused_port, serving

TIMEOUT = 1.0  # options.timeout of every request


@dataclass(frozen=True, slots=True)
class Case:
    """One request of the matrix: where it goes, what it asserts, and what must come of it."""

    name: str
    path: str
    passed: bool
    error: str | None = None  # a regex the request's error must match
    check_message: str | None = None  # a regex some failed check's message must match
    extra: str = ""  # more YAML for the request (indented 4)
    tls: bool = False


CASES = [
    Case("ok", "/ok", passed=True, extra="assert: {jsonpath: {$.ok: true}}"),
    Case("refused", "REFUSED", passed=False, error=r"^connection refused by 127\.0\.0\.1:\d+$"),
    Case("reset mid-body", "/reset", passed=False, error=r"reset|closed"),
    Case("short body", "/short", passed=False, error=r"."),
    Case("trickle", "/trickle", passed=False, error=r"^timed out after 1s"),
    Case("silent", "/silent", passed=False, error=r"^timed out after 1s"),
    Case(
        "invalid JSON",
        "/invalid-json",
        passed=False,
        check_message=r"^the response body is not JSON \(application/json\)",
        extra="assert: {status: 200, jsonpath: {$.id: 1}}",
    ),
    Case(
        "invalid UTF-8",
        "/invalid-utf8",
        passed=True,
        extra="assert: {status: 200, body: {contains: caf}}",
    ),
    Case("redirect loop", "/loop", passed=False, error=r"^too many redirects"),
    Case(
        "redirect loop, not followed",
        "/loop",
        passed=True,
        extra="options: {follow_redirects: false}\n    assert: {status: 302}",
    ),
    Case("not HTTP", "/not-http", passed=False, error=r"."),
    Case(
        "50 MB body",
        "/big",
        passed=True,
        extra="options: {timeout: 20}\n    assert: {status: 200, body: {length: {gt: 0}}}",
    ),
    Case("self-signed TLS", "/ok", passed=False, error=r"^TLS error: .*certificate", tls=True),
    Case(
        "self-signed TLS, verify off",
        "/ok",
        passed=True,
        tls=True,
        extra="options: {verify: false}\n    assert: {jsonpath: {$.ok: true}}",
    ),
]

# Without openssl or cryptography there is no certificate: the TLS cases are left out.
if not can_make_certificates():
    CASES = [case for case in CASES if not case.tls]

# What an exception's repr or a library's internals look like: never shown to a person.
REPR_SIGNS = re.compile(
    r"HTTPConnectionPool|HTTPSConnectionPool|object at 0x|Error\(|Exception\(|Traceback|"
    r"urllib3|Max retries|<[a-z_.]+\.[A-Z]\w+"
)


@dataclass(frozen=True, slots=True)
class MatrixRun:
    """The finished run: exit status, console output and both reports."""

    returncode: int
    stdout: str
    stderr: str
    json_report: dict[str, Any]
    junit: ET.Element
    cases: tuple[Case, ...]

    def request(self, name: str) -> dict[str, Any]:
        found = [entry for entry in self.json_report["requests"] if entry["name"] == name]
        assert len(found) == 1, (name, [entry["name"] for entry in self.json_report["requests"]])
        return found[0]


def _collection(cases: list[Case], plain: RawServer, tls: RawServer | None) -> str:
    lines = ["name: Faults", "defaults:", f"  options: {{timeout: {TIMEOUT:g}}}", "requests:"]
    for case in cases:
        if case.path == "REFUSED":
            url = f"http://127.0.0.1:{refused_port()}/x"
        else:
            server = tls if case.tls else plain
            assert server is not None
            url = server.url(case.path)
        lines += [f"  - name: {case.name}", f"    url: {url}"]
        if case.extra:
            lines.append(f"    {case.extra}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MatrixRun]:
    folder = tmp_path_factory.mktemp("matrix")
    context = self_signed_context(folder)
    # Without openssl or cryptography the TLS cases are left out (said in the report).
    cases = [case for case in CASES if context is not None or not case.tls]
    with serving() as plain, serving(tls=context) as tls:
        (folder / "faults.yaml").write_text(_collection(cases, plain, tls), encoding="utf-8")
        completed = run_subprocess(
            ["run", "faults.yaml", "--report", "json:out/r.json", "--report", "junit:out/r.xml"],
            cwd=folder,
            timeout=60,
        )
    report = json.loads((folder / "out/r.json").read_text(encoding="utf-8"))
    junit = ET.parse(folder / "out/r.xml").getroot()
    yield MatrixRun(
        completed.returncode, completed.stdout, completed.stderr, report, junit, tuple(cases)
    )


def test_the_run_ends_with_exit_1_and_runs_every_request(matrix: MatrixRun) -> None:
    assert matrix.returncode == 1, matrix.stderr
    assert [entry["name"] for entry in matrix.json_report["requests"]] == [
        case.name for case in matrix.cases
    ]
    assert "Traceback" not in matrix.stdout + matrix.stderr
    assert int(matrix.junit.get("tests", "0")) == len(matrix.cases)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_fault_fails_or_passes_with_a_readable_reason(matrix: MatrixRun, case: Case) -> None:
    entry = matrix.request(case.name)
    assert entry["passed"] is case.passed, entry
    error = entry["error"]
    if case.error is not None:
        assert error is not None, entry
        assert re.search(case.error, error), error
    if error is not None:
        assert "\n" not in error
        assert not REPR_SIGNS.search(error), error
        assert error in matrix.stdout  # the console says it too
    if case.check_message is not None:
        messages = [check["message"] or "" for check in entry["checks"] if not check["passed"]]
        assert any(re.search(case.check_message, message) for message in messages), messages
    for check in entry["checks"]:
        assert "\n" not in (check["message"] or "")


def test_the_big_body_is_read_whole(matrix: MatrixRun) -> None:
    assert matrix.request("50 MB body")["response_size"] == BIG_BODY_BYTES


def test_the_whole_run_ends_within_its_timeouts(matrix: MatrixRun) -> None:
    """Two requests wait for their 1 s timeout; the 50 MB body takes well under a second here."""
    assert matrix.json_report["elapsed_ms"] < 10_000


def test_the_timeout_is_a_deadline_for_the_whole_body(tmp_path: Path) -> None:
    """FORMAT.md 1.6: a body trickling in (a byte per 0.1 s, each read well within the
    timeout) is cut off at the 1 s deadline, not after the 4 s the server takes."""
    assert TRICKLE_BYTES * TRICKLE_PAUSE >= 3
    with serving() as server:
        (tmp_path / "t.yaml").write_text(
            f"requests:\n  - name: trickle\n    url: {server.url('/trickle')}\n"
            "    options: {timeout: 1}\n",
            encoding="utf-8",
        )
        completed = run_subprocess(
            ["run", "t.yaml", "--report", "json:r.json"], cwd=tmp_path, timeout=30
        )
    assert completed.returncode == 1
    assert "timed out after 1s" in completed.stdout
    # The request's own time, as the run measured it: the start-up of Python on a busy machine
    # (seconds, at times) is no part of the deadline.
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    (request,) = report["requests"]
    assert request["elapsed_ms"] < 2_500, f"a 1 s timeout took {request['elapsed_ms']} ms"
