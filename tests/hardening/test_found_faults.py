"""Faults the hardening suite found in transport, engine and import, kept as regressions:
a header HTTP cannot carry, a short body, a non-HTTP reply, the time a failed request took, and
a curl command with an unbalanced bracket.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hardening_support import invoke, run_subprocess
from rawserver import serving


def _run(folder: Path, requests: str, *extra: str, timeout: float = 30) -> tuple[Any, dict]:
    (folder / "c.yaml").write_text(f"name: Pending\nrequests:\n{requests}", encoding="utf-8")
    completed = run_subprocess(
        ["run", "c.yaml", "--report", "json:r.json", *extra], cwd=folder, timeout=timeout
    )
    assert "Traceback" not in completed.stdout + completed.stderr, completed.stderr
    report = json.loads((folder / "r.json").read_text(encoding="utf-8"))
    return completed, {entry["name"]: entry for entry in report["requests"]}


def test_a_header_value_outside_latin1_fails_that_request_only(tmp_path: Path) -> None:
    """``headers: {X-Name: "€"}`` crashed the whole run with a UnicodeEncodeError traceback
    (http.client encodes header values as Latin-1), losing every result and report.

    Fix (transport.py): in ``_build`` (or around ``session.send``) catch UnicodeEncodeError
    and raise TransportError("header 'X-Name' has characters HTTP headers cannot carry
    (only Latin-1); percent-encode it or move it to the body"). The same for basic auth, whose
    message today is "request failed: 'latin-1' codec can't encode character ...". Engine: a
    defensive ``except Exception`` per request (as an error result naming the request) would
    keep any such surprise from losing the run.
    """
    with serving() as server:
        completed, results = _run(
            tmp_path,
            f"  - name: euro\n    url: {server.url('/ok')}\n    headers: {{X-Name: '€'}}\n"
            f"  - name: after\n    url: {server.url('/ok')}\n",
        )
    assert completed.returncode == 1
    assert "header" in results["euro"]["error"]
    assert "X-Name" in results["euro"]["error"]
    assert results["after"]["passed"] is True


def test_a_short_body_is_reported_as_incomplete(tmp_path: Path) -> None:
    """A body shorter than its Content-Length is reported as "the connection was reset",
    which sends people looking for a network problem.

    Fix (transport.describe_failure): for ChunkedEncodingError/ProtocolError whose innermost
    cause is ``http.client.IncompleteRead``, say "the response ended after 12 of 100 bytes
    (Content-Length)"; keep "reset" for ConnectionResetError.
    """
    with serving() as server:
        _, results = _run(tmp_path, f"  - name: short\n    url: {server.url('/short')}\n")
    error = results["short"]["error"]
    assert "reset" not in error
    assert "12 of 100 bytes" in error or "incomplete" in error, error


def test_a_reply_that_is_not_http_is_named(tmp_path: Path) -> None:
    """A server answering ``SSH-2.0-OpenSSH...`` is reported as "the connection ... was closed
    before a complete response", which hides the cause (a wrong port).

    Fix (transport.describe_failure): when the innermost cause is ``http.client.BadStatusLine``
    say "the server at HOST did not answer with HTTP (it sent 'SSH-2.0-OpenSSH_9.6'); is the
    port right?" (first 40 characters of the line, masked like every error).
    """
    with serving() as server:
        _, results = _run(tmp_path, f"  - name: ssh\n    url: {server.url('/not-http')}\n")
    error = results["ssh"]["error"]
    assert "HTTP" in error, error


def test_a_timed_out_request_reports_the_time_it_took(tmp_path: Path) -> None:
    """Requests that fail in transport report ``elapsed_ms: 0`` (JSON, JUnit ``time="0"``),
    so a CI dashboard shows a 1 s timeout as instant.

    Fix (engine._run_request / _Exchange): measure the attempt with the engine's clock and
    set ``elapsed_ms`` on the error result too.
    """
    with serving() as server:
        _, results = _run(
            tmp_path,
            f"  - name: silent\n    url: {server.url('/silent')}\n    options: {{timeout: 1}}\n",
        )
    assert results["silent"]["error"].startswith("timed out")
    assert results["silent"]["elapsed_ms"] >= 900


def test_import_curl_of_an_unbalanced_bracket_is_an_input_error() -> None:
    """``postrun import curl '['`` (or ``curl http://[::1``) crashed with ValueError: Invalid
    IPv6 URL from urllib.parse.urlsplit.

    Fix (runner/interop/curl_parse.py ``_split_query``, and any other ``urlsplit`` call on
    user text): catch ValueError and raise PostrunError(f"invalid URL {url!r} in the curl
    command", hint="quote the URL; IPv6 hosts are written http://[::1]:8080/").
    """
    for command in ("[", "]", "curl http://[::1", "curl 'http://[x/y'"):
        result = invoke(["import", "curl", command])
        assert result.exit_code == 2, result.output
