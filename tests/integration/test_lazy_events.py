"""Events no listener reads are not built (issue 21, item 3): a listener lists what it reads in
an ``events`` attribute; one without it gets every event. Real HTTP on loopback."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from runner.engine import Engine, RunOptions, plan_run
from runner.events import (
    EVENT_KINDS,
    CheckFinished,
    RequestFinished,
    RequestSent,
    RequestStarted,
    taken,
)
from runner.loader import load_collection
from runner.report.console import ConsoleReporter
from runner.transport import new_session

SECRET = "sk-lazy-0123456789"

COLLECTION = """
secrets: [LAZY_TOKEN]
variables: {{base_url: "{base}"}}
requests:
  - name: echo
    method: POST
    url: <<base_url>>/echo
    headers: {{Authorization: Bearer <<LAZY_TOKEN>>}}
    body: {{json: {{token: <<LAZY_TOKEN>>}}}}
    assert:
      status: 200
      jsonpath: {{$.token: {secret}}}
"""


class Reading:
    """A listener that reads only the kinds it lists, and records every event it is given."""

    def __init__(self, *kinds: type) -> None:
        self.events = frozenset(kinds)
        self.seen: list[Any] = []

    def __call__(self, event: Any) -> None:
        self.seen.append(event)


def run_with(tmp_path: Path, server: HTTPServer, *listeners: Any) -> None:
    server.expect_request("/echo", method="POST").respond_with_json({"token": SECRET})
    path = tmp_path / "lazy.yaml"
    path.write_text(COLLECTION.format(base=server.url_for("").rstrip("/"), secret=SECRET))
    options = RunOptions(environ={"LAZY_TOKEN": SECRET})
    plan = plan_run([load_collection(path, base_dir=tmp_path)], options)
    with new_session() as session:
        Engine(plan, session, listeners).run()


def kinds(events: list[Any]) -> set[type]:
    return {type(event) for event in events}


def test_no_check_or_sent_event_is_built_when_no_listener_reads_them(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    only = Reading(RequestStarted, RequestFinished)
    run_with(tmp_path, httpserver, only)
    assert CheckFinished not in kinds(only.seen)
    assert RequestSent not in kinds(only.seen)
    (finished,) = [event for event in only.seen if isinstance(event, RequestFinished)]
    # The result is whole and masked all the same; the request sent is not copied for nobody.
    assert finished.request is None
    assert finished.result.passed
    assert [check.passed for check in finished.result.checks] == [True, True]
    assert SECRET not in repr(finished.result)
    assert SECRET not in repr(finished.response)


def test_a_listener_without_a_list_gets_every_event_for_every_listener(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    only = Reading(RequestFinished)
    everything: list[Any] = []
    run_with(tmp_path, httpserver, only, everything.append)
    assert {CheckFinished, RequestSent, RequestFinished} <= kinds(everything)
    assert len([e for e in everything if isinstance(e, CheckFinished)]) == 2
    (finished,) = [event for event in everything if isinstance(event, RequestFinished)]
    assert finished.request is not None  # RequestSent is read: the request sent comes too
    assert SECRET not in json.dumps(finished.request.headers) + finished.request.body.decode()
    for event in everything:
        assert SECRET not in repr(event)


def test_taken_is_the_union_and_a_plain_function_reads_all() -> None:
    assert taken([Reading(RequestStarted), Reading(CheckFinished)]) == {
        RequestStarted,
        CheckFinished,
    }
    assert taken([Reading(), print]) == frozenset(EVENT_KINDS)
    assert taken([]) == frozenset()


@pytest.mark.parametrize("verbose", [False, True])
def test_the_console_reads_the_requests_sent_only_when_verbose(
    tmp_path: Path, httpserver: HTTPServer, verbose: bool
) -> None:
    out = io.StringIO()
    console = ConsoleReporter(out, verbose=verbose)
    assert CheckFinished not in console.events
    assert (RequestSent in console.events) is verbose
    run_with(tmp_path, httpserver, console)
    text = out.getvalue()
    assert "✓ echo" in text or "+ echo" in text
    assert ("> POST" in text) is verbose  # the dump of the request sent, masked
    assert SECRET not in text
