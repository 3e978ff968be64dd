"""``postrun run --traceback`` shows the traceback of a bug that cost one request, masked.

The engine turns any exception inside a request into an error result (a bug costs one request,
never the run) and carries the traceback out as an InternalError event; the CLI prints it on
standard error under ``--traceback`` only. The bug is provoked as in
tests/integration/test_engine.py: a real session whose sending breaks in a way postrun does not
expect, in a real ``postrun`` process talking to a real loopback server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pytest_httpserver import HTTPServer

REPO = Path(__file__).resolve().parents[2]
SECRET = "sk-traceback-secret-77"

# The console entry, with every session breaking on URLs that contain "boom" (a bug stand-in);
# the error names the URL, secret query parameter included, which must come out masked.
BROKEN_ENTRY = """
import runner.transport as transport

making = transport.new_session


def new_session():
    session = making()
    send = session.send

    def broken_send(request, **kwargs):
        if "boom" in request.url:
            raise RuntimeError(f"unexpected state after {request.url}")
        return send(request, **kwargs)

    session.send = broken_send
    return session


transport.new_session = new_session
from runner.cli import main

main()
"""

COLLECTION = """\
secrets: [KEY]
requests:
  - name: Boom
    url: {boom}?k=<<KEY>>
  - name: After
    url: {ok}
    assert: {{status: 200}}
"""


def _run(tmp_path: Path, httpserver: HTTPServer, *flags: str) -> subprocess.CompletedProcess[str]:
    httpserver.expect_request("/ok").respond_with_data("fine")
    (tmp_path / "c.yaml").write_text(
        COLLECTION.format(boom=httpserver.url_for("/boom"), ok=httpserver.url_for("/ok")),
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "KEY": SECRET}
    return subprocess.run(
        [sys.executable, "-c", BROKEN_ENTRY, "run", "c.yaml", "--report", "json:r.json", *flags],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_traceback_shows_an_internal_error_in_a_request_masked_and_the_run_goes_on(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    ended = _run(tmp_path, httpserver, "--traceback")
    assert ended.returncode == 1, ended.stderr
    assert "traceback of the internal error in Boom:\nTraceback (most recent call last):" in (
        ended.stderr
    )
    assert "in broken_send" in ended.stderr  # the frame where the bug is
    assert "RuntimeError: unexpected state after http://" in ended.stderr
    assert "k=****" in ended.stderr
    assert "✓ After" in ended.stdout and "internal error in postrun" in ended.stdout
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [entry["path"] for entry in report["requests"]] == ["Boom", "After"]
    for output in (ended.stdout, ended.stderr, json.dumps(report)):
        assert SECRET not in output
    assert "Traceback" not in ended.stdout and "Traceback" not in json.dumps(report)


def test_without_traceback_an_internal_error_is_one_line(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    ended = _run(tmp_path, httpserver)
    assert ended.returncode == 1, ended.stderr
    assert "internal error in postrun (RuntimeError: unexpected state after" in ended.stdout
    assert "Traceback" not in ended.stdout + ended.stderr
    assert SECRET not in ended.stdout + ended.stderr
