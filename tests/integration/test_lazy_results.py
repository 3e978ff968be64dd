"""What a passing request leaves for later (issue 21, item 3): a passing check's description,
expected and actual, and the masked copy of each response, are worked out when something reads
them. Read, they are what they were when built at once: masked, in every report and on the
console. Real HTTP on loopback."""

from __future__ import annotations

import dataclasses
import io
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from runner.engine import Engine, RunOptions, plan_run
from runner.events import RequestFinished, ResponseReceived
from runner.loader import load_collection
from runner.report.console import ConsoleReporter
from runner.report.json_report import JsonReporter
from runner.results import CheckResult, DeferredCheck
from runner.transport import new_session

SECRET = "sk-later-0123456789"

COLLECTION = """
secrets: [LATER_TOKEN]
variables: {{base_url: "{base}"}}
requests:
  - name: echo
    method: POST
    url: <<base_url>>/echo
    headers: {{Authorization: Bearer <<LATER_TOKEN>>}}
    body: {{json: {{token: <<LATER_TOKEN>>}}}}
    assert:
      status: 200
      headers: {{Content-Type: {{contains: json}}}}
      jsonpath:
        $.token: {secret}
        $.items: {{length: {{gt: 1}}, each: {{type: number}}}}
        $.gone: {{exists: false}}
      time_ms: {{lt: 60000}}
  - name: refused
    method: GET
    url: <<base_url>>/refused
    assert:
      status: 200
      jsonpath: {{$.token: nope}}
"""


class Recording:
    """Records every event it is given; reads only RequestFinished and ResponseReceived."""

    events = frozenset({RequestFinished, ResponseReceived})

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def __call__(self, event: Any) -> None:
        self.seen.append(event)


def run_with(tmp_path: Path, server: HTTPServer, *listeners: Any) -> None:
    server.expect_request("/echo", method="POST").respond_with_json(
        {"token": SECRET, "items": [1, 2.5]}
    )
    server.expect_request("/refused").respond_with_json(
        {"error": {"message": f"bad token {SECRET}"}, "token": SECRET}, status=401
    )
    path = tmp_path / "later.yaml"
    path.write_text(COLLECTION.format(base=server.url_for("").rstrip("/"), secret=SECRET))
    plan = plan_run(
        [load_collection(path, base_dir=tmp_path)], RunOptions(environ={"LATER_TOKEN": SECRET})
    )
    with new_session() as session:
        Engine(plan, session, listeners).run()


def finished(recording: Recording) -> list[RequestFinished]:
    return [event for event in recording.seen if isinstance(event, RequestFinished)]


def test_a_passing_checks_parts_read_later_are_right_and_masked(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    recording = Recording()
    run_with(tmp_path, httpserver, recording)
    checks = finished(recording)[0].result.checks
    assert all(isinstance(check, DeferredCheck) for check in checks)
    seen = [(c.kind, c.description, c.expected, c.actual, c.actual_missing) for c in checks]
    assert seen[:3] == [
        ("status", "status", "200", 200, False),
        ("header", "header Content-Type", 'contains "json"', "application/json", False),
        ("jsonpath", "jsonpath $.token", '"****"', "****", False),  # the secret, masked
    ]
    assert seen[3:5] == [
        ("jsonpath", "jsonpath $.items", 'length gt 1, each type "number"', [1, 2.5], False),
        ("jsonpath", "jsonpath $.gone", "exists false", None, True),
    ]
    kind, description, expected, actual, _ = seen[5]
    assert (kind, description, expected) == ("time_ms", "time_ms", "lt 60000")
    assert isinstance(actual, float) and actual == round(actual, 1)
    assert all(check.passed and check.message is None for check in checks)
    assert all(check.location is not None for check in checks)


def test_a_deferred_check_is_the_check_result_it_stands_for(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    recording = Recording()
    run_with(tmp_path, httpserver, recording)
    check = finished(recording)[0].result.checks[2]
    fields = {field.name: getattr(check, field.name) for field in dataclasses.fields(check)}
    plain = CheckResult(**fields)
    assert check == plain and plain == check and hash(check) == hash(plain)
    assert repr(check) == repr(plain) and SECRET not in repr(check)
    assert pickle.loads(pickle.dumps(check)) == plain
    assert dataclasses.replace(check, actual="x") == dataclasses.replace(plain, actual="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.expected = "anything"  # type: ignore[misc]


def test_the_response_is_masked_when_read_and_shared_by_the_events_of_an_attempt(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    recording = Recording()
    run_with(tmp_path, httpserver, recording)
    received = [event for event in recording.seen if isinstance(event, ResponseReceived)]
    done = finished(recording)
    assert [event.reason for event in done] == ["OK", "UNAUTHORIZED"]
    for reply, end in zip(received, done, strict=True):
        assert reply.response is end.response  # one masked copy for both
        assert SECRET.encode() not in end.response.body
        assert b"****" in end.response.body
        assert SECRET not in repr(end) + repr(reply)


def test_the_json_report_reads_the_deferred_parts(tmp_path: Path, httpserver: HTTPServer) -> None:
    reporter = JsonReporter(version="test")
    run_with(tmp_path, httpserver, reporter)
    text = reporter.render()
    assert SECRET not in text
    (passing, failing) = json.loads(text)["requests"]
    assert [check["expected"] for check in passing["checks"]][:5] == [
        "200",
        'contains "json"',
        '"****"',
        'length gt 1, each type "number"',
        "exists false",
    ]
    assert [check["actual"] for check in passing["checks"]][:4] == [
        200,
        "application/json",
        "****",
        [1, 2.5],
    ]
    assert [check["passed"] for check in failing["checks"]] == [False, False]


def eager(event: Any) -> Any:
    """``event`` as the engine built it before: the masked response given, every part read."""
    if isinstance(event, RequestFinished):
        checks = tuple(
            CheckResult(**{f.name: getattr(c, f.name) for f in dataclasses.fields(c)})
            for c in event.result.checks
        )
        result = dataclasses.replace(event.result, checks=checks)
        return RequestFinished(result, event.request, event.response, event.index)
    if isinstance(event, ResponseReceived):
        return ResponseReceived(event.response, event.attempt, event.will_retry, event.wait_seconds)
    return event


@pytest.mark.parametrize("verbose", [False, True])
@pytest.mark.parametrize("color", [False, True])
def test_the_console_writes_the_same_bytes_as_from_eager_events(
    tmp_path: Path, httpserver: HTTPServer, verbose: bool, color: bool
) -> None:
    out = io.StringIO()
    console = ConsoleReporter(out, verbose=verbose, color=color)
    everything: list[Any] = []
    run_with(tmp_path, httpserver, console, everything.append)
    again = io.StringIO()
    replay = ConsoleReporter(again, verbose=verbose, color=color)
    for event in everything:
        if type(event) in replay.events:
            replay(eager(event))
    assert out.getvalue() == again.getvalue()
    assert SECRET not in out.getvalue()
    assert "UNAUTHORIZED" in out.getvalue()
