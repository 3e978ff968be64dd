"""postrun, started as a program, when its standard output or error cannot be written.

Closed (``>&-``), full (``> /dev/full``) or a pipe nobody reads (``| head``): never a
traceback, every request still sent, the reports still whole, and an exit status that says
whether what a command was asked to print got out (README, "Exit status").
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

REPO = Path(__file__).resolve().parents[2]
POSTMAN = REPO / "tests" / "data" / "postman" / "petstore.postman_collection.json"

# The console entry, counting the machine as two cores so that a run loads in its forked
# child (runner/preload.py) on a one-core runner too; and `python -m runner` as it is.
MAIN = ["-c", "import runner.preload as p; p._usable_cores = lambda: 2\n"
        "from runner.cli import main; main()"]  # fmt: skip
MODULE = ["-m", "runner"]

FULL_MESSAGE = "postrun: could not write to standard output: [Errno 28] No space left on device\n"
PASSING = 4


@dataclass(frozen=True)
class Ended:
    """How a postrun process ended: its status, and what it wrote where that was captured."""

    status: int
    stdout: str
    stderr: str


def _postrun(
    entry: list[str],
    args: list[str],
    cwd: Path,
    *,
    stdout: str = "pipe",
    stderr: str = "pipe",
    stdin: str = "null",
) -> Ended:
    """Run postrun with each output ``pipe`` (captured), ``closed`` (``>&-``), ``full``
    (/dev/full) or ``broken`` (a pipe whose reading end is closed before postrun starts), and
    stdin /dev/null or ``closed``."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    command = [sys.executable, *entry, *args]
    kinds = ((0, stdin, "<&-"), (1, stdout, ">&-"), (2, stderr, ">&-"))
    closing = " ".join(f"{fd}{how}" for fd, kind, how in kinds if kind == "closed")
    if closing:
        command = ["sh", "-c", f'exec "$@" {closing}', "sh", *command]
    opened: list[int] = []

    def target(kind: str) -> int:
        if kind == "full":
            opened.append(os.open("/dev/full", os.O_WRONLY))
        elif kind == "broken":
            reader, writer = os.pipe()
            os.close(reader)
            opened.append(writer)
        else:  # pipe, or closed by the shell above
            return subprocess.PIPE
        return opened[-1]

    try:
        ended = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=target(stdout),
            stderr=target(stderr),
            text=True,
            timeout=60,  # no hang
            check=False,
        )
    finally:
        for fd in opened:
            os.close(fd)
    return Ended(ended.returncode, ended.stdout or "", ended.stderr or "")


def _request(index: int, expected: int) -> str:
    return f"""\
  - name: item {index}
    url: <<base>>/items/{index}
    assert: {{status: 200, jsonpath: {{$.index: {expected}}}}}
    examples: [{{name: ok, body: {{index: {index}}}}}]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """``ok.yaml``: PASSING requests that pass; ``bad.yaml``: one request whose check fails."""
    requests = "".join(_request(index, index) for index in range(1, PASSING + 1))
    (tmp_path / "ok.yaml").write_text(f"name: ok\nrequests:\n{requests}", encoding="utf-8")
    bad = _request(PASSING + 1, -1)
    (tmp_path / "bad.yaml").write_text(f"name: bad\nrequests:\n{bad}", encoding="utf-8")
    return tmp_path


@pytest.fixture
def served(httpserver: HTTPServer) -> HTTPServer:
    """Answers /items/N with {"index": N}."""
    _serve_items(httpserver)
    return httpserver


def _serve_items(server: HTTPServer, *, after: threading.Event | None = None) -> None:
    """/items/N answers {"index": N}; with ``after``, only once that event is set."""
    from werkzeug import Request, Response

    def item(request: Request) -> Response:
        if after is not None:
            after.wait(30)
        index = int(request.path.rsplit("/", 1)[1])
        return Response(json.dumps({"index": index}), content_type="application/json")

    server.expect_request(re.compile(r"/items/\d+")).respond_with_handler(item)


def _run_args(server: HTTPServer, *files: str) -> list[str]:
    base = server.url_for("").rstrip("/")
    return ["run", *files, "--var", f"base={base}", "--report", "json:out/r.json",
            "--report", "junit:out/r.xml"]  # fmt: skip


def _assert_reports_whole(root: Path, requests: int) -> None:
    report = json.loads((root / "out" / "r.json").read_text(encoding="utf-8"))
    assert len(report["requests"]) == requests
    junit = ET.fromstring((root / "out" / "r.xml").read_text(encoding="utf-8"))
    assert len(junit.findall(".//testcase")) == requests


def _sent(server: HTTPServer) -> list[str]:
    return sorted(request.path for request, _ in server.log)


@pytest.mark.parametrize(
    ("entry", "stdout"),
    [(MAIN, "closed"), (MAIN, "full"), (MAIN, "broken"), (MODULE, "full")],
    ids=["closed", "full", "broken", "module-full"],
)
def test_a_run_whose_output_cannot_be_written_sends_every_request_and_keeps_its_status(
    entry: list[str], stdout: str, project: Path, served: HTTPServer
) -> None:
    passed = _postrun(entry, _run_args(served, "ok.yaml"), project, stdout=stdout)
    # Only a full disk is worth a line; a closed stream or a reader gone is the user's doing.
    assert (passed.status, passed.stderr) == (0, FULL_MESSAGE if stdout == "full" else "")
    _assert_reports_whole(project, PASSING)
    assert _sent(served) == [f"/items/{index}" for index in range(1, PASSING + 1)]
    served.clear_log()
    failed = _postrun(entry, _run_args(served, "ok.yaml", "bad.yaml"), project, stdout=stdout)
    assert (failed.status, failed.stderr) == (1, FULL_MESSAGE if stdout == "full" else "")
    _assert_reports_whole(project, PASSING + 1)
    assert len(_sent(served)) == PASSING + 1


@pytest.mark.parametrize("stdout", ["closed", "full", "broken"])
def test_a_parallel_verbose_run_whose_output_cannot_be_written_ends_cleanly(
    stdout: str, project: Path, served: HTTPServer
) -> None:
    args = [*_run_args(served, "ok.yaml", "bad.yaml"), "--jobs", "2", "-v"]
    ended = _postrun(MAIN, args, project, stdout=stdout)
    assert (ended.status, ended.stderr) == (1, FULL_MESSAGE if stdout == "full" else "")
    _assert_reports_whole(project, PASSING + 1)
    assert len(_sent(served)) == PASSING + 1


def test_a_reader_that_leaves_early_costs_the_output_only(
    project: Path, httpserver: HTTPServer
) -> None:
    """``postrun run ... | head -1``: the reader leaves after the first line, mid-run."""
    left = threading.Event()
    _serve_items(httpserver, after=left)  # no answer until the reader has gone
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    command = [sys.executable, *MAIN, *_run_args(httpserver, "ok.yaml")]
    with subprocess.Popen(
        command,
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().startswith("postrun · 4 requests")
        process.stdout.close()
        left.set()
        stderr = process.stderr.read()
        status = process.wait(timeout=60)
    assert (status, stderr) == (0, "")
    _assert_reports_whole(project, PASSING)
    assert len(_sent(httpserver)) == PASSING


@pytest.mark.parametrize("stderr", ["closed", "full"])
def test_nothing_is_lost_but_the_messages_when_stderr_cannot_be_written(
    stderr: str, project: Path, served: HTTPServer
) -> None:
    entry = MAIN
    ran = _postrun(entry, _run_args(served, "ok.yaml", "bad.yaml"), project, stderr=stderr)
    assert ran.status == 1
    assert "5 requests, 10 checks: 9 passed, 1 failed, 1 request(s) failed" in ran.stdout
    _assert_reports_whole(project, PASSING + 1)
    # An input error, whose message goes nowhere, keeps its status.
    missing = _postrun(entry, ["run", "nope.yaml"], project, stderr=stderr)
    assert (missing.status, missing.stdout) == (2, "")
    listed = _postrun(entry, ["list", "ok.yaml"], project, stderr=stderr)
    assert listed.status == 0 and listed.stdout.startswith("ok  (ok.yaml)\n")


@pytest.mark.parametrize("streams", ["closed", "full"])
def test_a_run_with_neither_stream_writable_still_runs_and_reports(
    streams: str, project: Path, served: HTTPServer
) -> None:
    args = _run_args(served, "ok.yaml", "bad.yaml")
    ran = _postrun(MAIN, args, project, stdout=streams, stderr=streams)
    assert ran.status == 1
    _assert_reports_whole(project, PASSING + 1)
    assert len(_sent(served)) == PASSING + 1
    missing = _postrun(MAIN, ["validate", "nope.yaml"], project, stdout=streams, stderr=streams)
    assert missing.status == 2
    listed = _postrun(MAIN, ["list", "ok.yaml"], project, stdout=streams, stderr=streams)
    assert listed.status == (0 if streams == "closed" else 1)


PRINTING = {
    "list": ["list", "ok.yaml"],
    "validate": ["validate", "ok.yaml", "--show-vars", "--var", "base=http://x"],
    "export-curl": ["export", "curl", "ok.yaml", "--var", "base=http://127.0.0.1:9"],
    "export-postman": ["export", "postman", "ok.yaml"],
    "import-curl": ["import", "curl", "curl http://127.0.0.1:9/x"],
    "version": ["--version"],
    "help": ["--help"],
    "run-help": ["run", "--help"],
}


@pytest.mark.parametrize("args", PRINTING.values(), ids=PRINTING.keys())
@pytest.mark.parametrize("stdout", ["closed", "full", "broken"])
def test_a_command_whose_output_is_its_result_exits_1_when_it_cannot_write_it(
    args: list[str], stdout: str, project: Path
) -> None:
    ended = _postrun(MAIN, args, project, stdout=stdout)
    if stdout == "closed":  # the user asked for no output: nothing failed
        assert (ended.status, ended.stderr) == (0, "")
    else:
        assert ended.status == 1
        assert ended.stderr == (FULL_MESSAGE if stdout == "full" else "")


def test_an_import_keeps_its_status_when_its_summary_cannot_be_printed(tmp_path: Path) -> None:
    """The files are what `import postman` makes; the table on stdout only tells of them."""
    ended = _postrun(
        MODULE, ["import", "postman", str(POSTMAN), "-o", "."], tmp_path, stdout="full"
    )
    assert (ended.status, ended.stderr) == (0, FULL_MESSAGE)
    assert list((tmp_path / "collections").glob("*.yaml"))


def test_import_curl_with_stdin_closed_asks_for_a_command(tmp_path: Path) -> None:
    ended = _postrun(MAIN, ["import", "curl"], tmp_path, stdin="closed")
    assert ended.status == 2 and ended.stderr.startswith("error: no curl command given")


def test_a_pipe_left_non_blocking_loses_no_output_to_a_slow_reader(tmp_path: Path) -> None:
    # Another program on a CI job's log pipe may leave it non-blocking: a write that finds the
    # pipe full then fails with EAGAIN. postrun's output must wait for the reader instead.
    requests = "".join(
        f"  - {{name: request {index}, url: 'http://127.0.0.1:9/'}}\n" for index in range(3000)
    )
    (tmp_path / "many.yaml").write_text(f"requests:\n{requests}", encoding="utf-8")
    expected = subprocess.run(
        [sys.executable, *MODULE, "list", "many.yaml"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert len(expected.encode()) > 2 * 65536  # far more than a pipe holds (64 KB on Linux)
    reader, writer = os.pipe()
    os.set_blocking(writer, False)
    with subprocess.Popen(
        [sys.executable, *MAIN, "list", "many.yaml"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=writer,
        stderr=subprocess.PIPE,
        text=True,
    ) as listing:
        os.close(writer)
        threading.Event().wait(1.0)  # a slow reader: the pipe is full long before it reads
        with os.fdopen(reader, encoding="utf-8") as pipe:
            received = pipe.read()
        errors = listing.stderr.read() if listing.stderr else ""
    assert listing.returncode == 0 and errors == ""
    assert received == expected
