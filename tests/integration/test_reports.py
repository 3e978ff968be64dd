"""The JUnit and JSON reporters and write_atomic, fed by a real Engine run on loopback."""

from __future__ import annotations

import json
import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pytest_httpserver import HTTPServer

from runner.engine import Engine, RunOptions, plan_run
from runner.events import RequestFinished, RunFinished, RunStarted
from runner.loader import load_collection
from runner.report.files import write_atomic
from runner.report.json_report import JsonReporter
from runner.report.junit import JUnitReporter
from runner.results import CheckResult, RequestResult, ResponseData, RunResult, SentRequest
from runner.transport import new_session

SECRET = "sk-secret-xyz"
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "runner" / "report" / "report-schema.json"


def free_port() -> int:
    """A loopback port nobody listens on (bound then closed), so connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_yaml(
    tmp_path: Path,
    text: str,
    listeners: list[Callable[[Any], None]],
    sleep: Callable[[float], None] = time.sleep,
) -> RunResult:
    """Run a collection written to ``tmp_path`` with API_KEY set to SECRET (a declared secret)."""
    path = tmp_path / "collection.yaml"
    path.write_text(text, encoding="utf-8")
    collection = load_collection(path, base_dir=tmp_path)
    plan = plan_run([collection], RunOptions(environ={"API_KEY": SECRET}))
    with new_session() as session:
        return Engine(plan, session, listeners, sleep=sleep).run()


@pytest.fixture
def reports(tmp_path: Path, httpserver: HTTPServer) -> tuple[str, str, RunResult]:
    """Run ok / failing check / refused / skipped requests; return (junit xml, json, result)."""
    httpserver.expect_request("/ok").respond_with_json({"id": 7, "echo": "k=" + SECRET})
    httpserver.expect_request("/bad").respond_with_json({"error": {"code": "quota"}}, 429)
    port = free_port()
    text = f"""
name: demo
secrets: [API_KEY]
requests:
  - name: Ok
    url: {httpserver.url_for("/ok")}?key=<<API_KEY>>
    headers: {{Authorization: Bearer <<API_KEY>>}}
    assert:
      status: 200
      jsonpath: {{$.id: 7}}
    capture: {{item_id: $.id}}
  - name: Bad
    url: {httpserver.url_for("/bad")}
    headers: {{X-Key: <<API_KEY>>}}
    assert:
      status: 200
      jsonpath: {{$.error.code: quota}}
  - name: Refused
    url: http://127.0.0.1:{port}/nothing
    options: {{timeout: 5}}
  - name: Later
    url: {httpserver.url_for("/ok")}
    options: {{skip: not today}}
"""
    junit, json_reporter = JUnitReporter(), JsonReporter()
    result = run_yaml(tmp_path, text, [junit, json_reporter])
    return junit.render(), json_reporter.render(), result


def test_junit_counts_and_failure_text(reports: tuple[str, str, RunResult]) -> None:
    xml_text, _, _ = reports
    root = ET.fromstring(xml_text)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    assert suite.get("name") == "demo"
    counts = {key: suite.get(key) for key in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": "4", "failures": "1", "errors": "1", "skipped": "1"}
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert set(cases) == {"Ok", "Bad", "Refused", "Later"}
    assert all(case.get("classname") == "demo" for case in cases.values())
    assert float(cases["Ok"].get("time") or "x") >= 0
    assert cases["Ok"].find("failure") is None and cases["Ok"].find("error") is None
    failures = cases["Bad"].findall("failure")
    assert len(failures) == 1  # the jsonpath check passed; only status failed
    assert failures[0].get("type") == "status"
    text = failures[0].text or ""
    assert "expected: 200" in text and "actual: 429" in text
    assert "collection.yaml:" in text
    assert cases["Refused"].find("error") is not None
    skipped = cases["Later"].find("skipped")
    assert skipped is not None and "not today" in (skipped.get("message") or "")
    out = cases["Bad"].findtext("system-out") or ""
    assert "GET " in out and "429" in out and "quota" in out


def test_json_validates_and_has_totals(reports: tuple[str, str, RunResult]) -> None:
    _, json_text, result = reports
    report = json.loads(json_text)
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["totals"] == {
        "requests": 4,
        "passed": 1,
        "failed": 2,
        "skipped": 1,
        "checks": result.check_count,
        "checks_passed": result.check_count - result.failed_check_count,
        "checks_failed": result.failed_check_count,
    }
    by_name = {request["name"]: request for request in report["requests"]}
    assert by_name["Ok"]["status"] == 200 and by_name["Ok"]["passed"] is True
    assert by_name["Ok"]["captures"] == [
        {"name": "item_id", "found": True, "value": 7, "message": None}
    ]
    file, line, column = by_name["Ok"]["location"].rsplit(":", 2)
    assert file.endswith("collection.yaml") and int(line) > 1 and int(column) >= 1
    assert by_name["Bad"]["checks"][0]["actual"] == 429
    assert by_name["Refused"]["status"] is None and by_name["Refused"]["error"]
    assert by_name["Later"]["skipped"]
    assert report["interrupted"] is False


@pytest.mark.parametrize("which", [0, 1])
def test_secret_is_in_no_report(reports: tuple[str, str, RunResult], which: int) -> None:
    text = reports[which]
    assert SECRET not in text
    assert "****" in text  # the URL and the header were there, masked


def test_json_falls_back_to_repr_for_odd_values() -> None:
    check = CheckResult(
        kind="jsonpath",
        target="$.x",
        description="jsonpath $.x",
        passed=False,
        expected="eq 1",
        actual={"when": object, "nan": float("nan"), 1: (b"raw",)},
        location=None,
    )
    result = RequestResult("c", "r", "r", "GET", "http://x", None, checks=(check,))
    reporter = JsonReporter(version="9.9")
    reporter(RunStarted(("c",), 1))
    reporter(RequestFinished(result))
    reporter(RunFinished(RunResult((result,), 1.0)))
    report = json.loads(reporter.render())
    actual = report["requests"][0]["checks"][0]["actual"]
    assert actual == {"when": repr(object), "nan": "nan", "1": ["raw"]}
    assert report["tool"] == {"name": "postrun", "version": "9.9"}


def test_junit_cuts_long_bodies() -> None:
    body = b"a" * 10_000
    response = ResponseData(200, "OK", (("Content-Type", "text/plain"),), body, 1.0, "http://x")
    sent = SentRequest("POST", "http://x", (), b"b" * 5000)
    result = RequestResult("c", "r", "r", "POST", "http://x", None, status=200)
    reporter = JUnitReporter()
    reporter(RequestFinished(result, sent, response))
    out = ET.fromstring(reporter.render()).findtext("testsuite/testcase/system-out") or ""
    assert "a" * 4096 in out and "a" * 4097 not in out
    assert "cut at 4096 of 10000 bytes" in out and "cut at 4096 of 5000 bytes" in out


@pytest.mark.parametrize("existing", [None, "old content that is longer than the new one"])
def test_write_atomic_replaces_and_leaves_no_temp(tmp_path: Path, existing: str | None) -> None:
    target = tmp_path / "deep" / "er" / "report.xml"
    if existing is not None:
        target.parent.mkdir(parents=True)
        target.write_text(existing, encoding="utf-8")
    write_atomic(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert [path.name for path in target.parent.iterdir()] == ["report.xml"]


def test_write_atomic_failure_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "bad \ud800 surrogate")
    assert target.read_text(encoding="utf-8") == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["report.json"]


def test_junit_shows_binary_request_and_response_bodies_by_size(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    httpserver.expect_request("/upload", method="POST").respond_with_data(
        png, content_type="image/png"
    )
    (tmp_path / "img.png").write_bytes(png)
    reporter = JUnitReporter()
    run_yaml(
        tmp_path,
        f"""
name: Upload
requests:
  - name: Upload
    method: POST
    url: {httpserver.url_for("/upload")}
    body: {{file: img.png}}
    headers: {{Content-Type: image/png}}
    assert: {{status: 201}}
  - name: Raw bytes
    method: POST
    url: {httpserver.url_for("/upload")}
    body: {{raw: "\\x00\\x01 binary"}}
    headers: {{Content-Type: application/octet-stream}}
    assert: {{status: 201}}
""",
        [reporter],
    )
    out = [element.text or "" for element in ET.fromstring(reporter.render()).iter("system-out")]
    assert len(out) == 2
    assert "<264 bytes of image/png>" in out[0]
    assert "bytes of application/octet-stream>" in out[1]
    assert "PNG" not in "".join(out)


def test_a_request_that_got_no_response_is_still_shown_as_sent(tmp_path: Path) -> None:
    events: list[Any] = []
    port = free_port()
    run_yaml(
        tmp_path,
        f"""
name: Down
secrets: [API_KEY]
requests:
  - name: Refused
    url: http://127.0.0.1:{port}/v1?key=<<API_KEY>>
    headers: {{X-Trace: abc}}
""",
        [events.append],
    )
    finished = [event for event in events if isinstance(event, RequestFinished)]
    assert len(finished) == 1
    sent = finished[0].request
    assert sent is not None and sent.method == "GET"
    assert ("X-Trace", "abc") in sent.headers
    assert SECRET not in sent.url and "****" in sent.url
    assert finished[0].result.error is not None and "refused" in finished[0].result.error


def test_write_atomic_gives_the_mode_a_plain_write_would(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.json"
        write_atomic(fresh, "{}")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        script = tmp_path / "run.sh"
        write_atomic(script, "#!/bin/sh\n", executable=True)
        assert stat.S_IMODE(script.stat().st_mode) == 0o755
        kept = tmp_path / "kept.yaml"
        kept.write_text("a: 1\n", encoding="utf-8")
        kept.chmod(0o640)
        write_atomic(kept, "a: 2\n")
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640
        assert kept.read_text(encoding="utf-8") == "a: 2\n"
    finally:
        os.umask(old)
