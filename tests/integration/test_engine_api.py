"""The engine's front-end API (runner.engine): a plan made once, then whole runs, units or single
requests, each with the session, clock and listeners the caller gives. Real HTTP on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.engine import Engine, RunOptions, RunPlan, RunState, plan_run
from runner.events import RequestFinished, RequestStarted, ResponseReceived
from runner.loader import load_collection
from runner.transport import new_session

LOGIN_THEN_PROFILE = """
variables: {{base_url: "{base}"}}
requests:
  - name: Login
    method: POST
    url: <<base_url>>/login
    assert: {{status: 200}}
    capture: {{token: $.token}}
  - name: Profile
    url: <<base_url>>/me
    headers: {{Authorization: Bearer <<token>>}}
    assert:
      status: 200
      jsonpath: {{$.user: ada}}
"""


@pytest.fixture
def login_server(httpserver: HTTPServer) -> Iterator[tuple[HTTPServer, list[Request]]]:
    """/login hands out a new token each time; /me answers only the latest one."""
    seen: list[Request] = []
    issued: list[str] = []
    lock = threading.Lock()

    def login(request: Request) -> Response:
        with lock:
            seen.append(request)
            issued.append(f"token-{len(issued) + 1}")
            token = issued[-1]
        return Response(json.dumps({"token": token}), content_type="application/json")

    def profile(request: Request) -> Response:
        with lock:
            seen.append(request)
            ok = bool(issued) and request.headers.get("Authorization") == f"Bearer {issued[-1]}"
        body = {"user": "ada"} if ok else {"error": "bad token"}
        return Response(json.dumps(body), status=200 if ok else 401, mimetype="application/json")

    httpserver.expect_request("/login", method="POST").respond_with_handler(login)
    httpserver.expect_request("/me").respond_with_handler(profile)
    yield httpserver, seen


def load_plan(tmp_path: Path, text: str) -> RunPlan:
    path = tmp_path / "api.yaml"
    path.write_text(text, encoding="utf-8")
    return plan_run([load_collection(path, base_dir=tmp_path)], RunOptions())


def test_single_requests_share_the_captures_of_the_state_the_caller_keeps(
    tmp_path: Path, login_server: tuple[HTTPServer, list[Request]]
) -> None:
    server, seen = login_server
    plan = load_plan(tmp_path, LOGIN_THEN_PROFILE.format(base=server.url_for("").rstrip("/")))
    (unit,) = plan.units()
    login, profile = unit.collection.requests
    events: list[Any] = []
    state = RunState()
    with new_session() as session:
        engine = Engine(plan, session, [events.append])
        first = engine.run_request(unit, login, state, 0)
        assert state.captured == {"token": "token-1"}
        second = engine.run_request(unit, profile, state, 1)
    assert (first.name, first.passed, second.name, second.passed) == (
        "Login",
        True,
        "Profile",
        True,
    )
    assert seen[1].headers["Authorization"] == "Bearer token-1"
    started = [event for event in events if isinstance(event, RequestStarted)]
    finished = [event for event in events if isinstance(event, RequestFinished)]
    assert [(event.path, event.index, event.total) for event in started] == [
        ("Login", 1, 2),
        ("Profile", 2, 2),
    ]
    assert [event.result for event in finished] == [first, second]


def test_a_request_run_alone_without_its_capture_fails_naming_the_capture(
    tmp_path: Path, login_server: tuple[HTTPServer, list[Request]]
) -> None:
    server, seen = login_server
    plan = load_plan(tmp_path, LOGIN_THEN_PROFILE.format(base=server.url_for("").rstrip("/")))
    (unit,) = plan.units()
    with new_session() as session:
        result = Engine(plan, session).run_request(unit, unit.collection.requests[1], RunState(), 1)
    assert not result.passed
    assert result.error is not None and "token" in result.error
    assert seen == []  # nothing is sent for a request whose placeholders cannot be rendered


def test_each_pass_over_units_starts_from_fresh_captures(
    tmp_path: Path, login_server: tuple[HTTPServer, list[Request]]
) -> None:
    """A Locust user's pass: run_units twice on one engine and session, captures flow in each."""
    server, seen = login_server
    plan = load_plan(tmp_path, LOGIN_THEN_PROFILE.format(base=server.url_for("").rstrip("/")))
    with new_session() as session:
        engine = Engine(plan, session, keep_passed=False)
        passes = [engine.run_units(plan.units()) for _ in range(2)]
    assert passes == [([], False), ([], False)]  # nothing failed, nothing interrupted
    assert engine.tally.requests == 4 and engine.tally.failed == 0
    assert [request.headers.get("Authorization") for request in seen] == [
        None,
        "Bearer token-1",
        None,
        "Bearer token-2",
    ]


class CountingSession(requests.Session):
    """A front-end's own session (Locust's HttpSession is a requests.Session like this one)."""

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False
        self.headers["X-Front-End"] = "load-user-7"
        self.sent: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(f"{request.method} {request.path_url}")
        return super().send(request, **kwargs)


def test_requests_go_through_the_session_the_front_end_injects(
    tmp_path: Path, login_server: tuple[HTTPServer, list[Request]]
) -> None:
    server, seen = login_server
    plan = load_plan(tmp_path, LOGIN_THEN_PROFILE.format(base=server.url_for("").rstrip("/")))
    with CountingSession() as session:
        run = Engine(plan, session).run()
    assert run.exit_code == 0
    assert session.sent == ["POST /login", "GET /me"]
    assert [request.headers.get("X-Front-End") for request in seen] == ["load-user-7"] * 2


def test_elapsed_times_come_from_the_injected_clock(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/slow").respond_with_json({"ok": True})
    text = f"""
requests:
  - name: Timed
    url: {httpserver.url_for("/slow")}
    assert: {{time_ms: {{gt: 249, lt: 251}}}}
"""
    plan = load_plan(tmp_path, text)
    ticks = iter(range(1_000))

    def clock() -> float:
        return next(ticks) * 0.25  # each reading a quarter of a second after the last

    events: list[Any] = []
    with new_session() as session:
        run = Engine(plan, session, [events.append], clock=clock).run()
    (result,) = run.requests
    assert result.passed, result.checks
    assert result.elapsed_ms == 250.0
    (received,) = [event for event in events if isinstance(event, ResponseReceived)]
    assert received.response.elapsed_ms == 250.0
    assert run.elapsed_ms > result.elapsed_ms  # the run's own time is read from it too
