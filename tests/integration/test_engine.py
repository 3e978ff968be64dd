"""The engine and transport against a real HTTP server on loopback (pytest-httpserver)."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.engine import Engine, RunOptions, plan_run
from runner.errors import PostrunError
from runner.events import InternalError, RequestFinished, RequestSent, ResponseReceived
from runner.loader import load_collection
from runner.results import RunResult
from runner.transport import new_session


def run_yaml(
    tmp_path: Path, text: str, options: RunOptions | None = None, sleeps: list[float] | None = None
) -> tuple[RunResult, list[Any]]:
    path = tmp_path / "collection.yaml"
    path.write_text(text, encoding="utf-8")
    collection = load_collection(path, base_dir=tmp_path)
    plan = plan_run([collection], options or RunOptions())
    events: list[Any] = []
    sleep = sleeps.append if sleeps is not None else time.sleep
    with new_session() as session:
        result = Engine(plan, session, [events.append], sleep=sleep).run()
    return result, events


def test_json_body_params_headers_and_checks(tmp_path: Path, httpserver: HTTPServer) -> None:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        body = {"object": "chat.completion", "usage": {"total_tokens": 12}, "echo": request.json}
        return Response(json.dumps(body), status=200, content_type="application/json")

    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(handler)
    result, _ = run_yaml(
        tmp_path,
        f"""
variables: {{base_url: "{httpserver.url_for("/v1")}", temperature: 0.7}}
defaults:
  headers: {{X-Team: qa}}
requests:
  - name: Chat
    method: post
    url: <<base_url>>/chat/completions
    params: {{api-version: "1", tag: [a, b]}}
    headers: {{Authorization: Bearer token-123}}
    body:
      json: {{model: gpt, temperature: <<temperature>>, note: "t=<<temperature>>"}}
    assert:
      status: 2xx
      headers: {{Content-Type: {{contains: json}}}}
      jsonpath:
        $.object: chat.completion
        $.usage.total_tokens: {{gt: 0}}
        $.echo.temperature: {{type: number}}
      time_ms: {{lt: 10000}}
""",
    )
    assert result.exit_code == 0, result.requests[0]
    request = seen[0]
    assert request.json == {"model": "gpt", "temperature": 0.7, "note": "t=0.7"}
    assert request.args.getlist("tag") == ["a", "b"]
    assert request.args["api-version"] == "1"
    assert request.headers["X-Team"] == "qa"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("postrun/")
    assert len(result.requests[0].checks) == 6


def test_failed_checks_are_reported_with_expected_and_actual(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    body = {"error": {"code": "insufficient_quota"}}
    httpserver.expect_request("/x").respond_with_json(body, 429)
    result, _ = run_yaml(
        tmp_path,
        f"""
requests:
  - name: X
    url: {httpserver.url_for("/x")}
    assert:
      status: 200
      jsonpath: {{$.error.code: insufficient_quota, $.missing: 1}}
""",
    )
    assert result.exit_code == 1
    checks = result.requests[0].checks
    assert [c.passed for c in checks] == [False, True, False]
    assert checks[0].actual == 429 and checks[0].expected == "200"
    assert checks[2].actual_missing


def test_captures_chain_and_cookies_persist(tmp_path: Path, httpserver: HTTPServer) -> None:
    def login(request: Request) -> Response:
        response = Response(json.dumps({"id": 42}), content_type="application/json")
        response.headers["X-Trace"] = "abc"
        response.set_cookie("session", "s3ss10n")
        return response

    def item(request: Request) -> Response:
        return Response(
            json.dumps({"cookie": request.cookies.get("session"), "trace": request.args["t"]}),
            content_type="application/json",
        )

    httpserver.expect_request("/login", method="POST").respond_with_handler(login)
    httpserver.expect_request("/items/42").respond_with_handler(item)
    result, _ = run_yaml(
        tmp_path,
        f"""
variables: {{base: "{httpserver.url_for("")}"}}
requests:
  - name: Login
    method: POST
    url: <<base>>/login
    capture: {{item_id: $.id, trace: {{header: X-Trace}}, code: {{status: true}}}}
  - name: Item
    url: <<base>>/items/<<item_id>>?t=<<trace>>
    assert:
      jsonpath: {{$.cookie: s3ss10n, $.trace: abc}}
""",
    )
    assert result.exit_code == 0, [r.checks for r in result.requests]
    assert result.requests[0].captures[0].value == 42


def test_failed_capture_fails_later_request_with_its_name(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/a").respond_with_json({})
    result, _ = run_yaml(
        tmp_path,
        f"""
requests:
  - name: A
    url: {httpserver.url_for("/a")}
    capture: {{token: $.token}}
  - name: B
    url: {httpserver.url_for("/b")}?t=<<token>>
""",
    )
    assert result.exit_code == 1
    assert "capture 'token' in 'A' found nothing" in (result.requests[1].error or "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_fails_that_request_and_the_run_goes_on(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/ok").respond_with_data("fine")
    port = free_port()
    result, _ = run_yaml(
        tmp_path,
        f"""
requests:
  - name: Down
    url: http://127.0.0.1:{port}/x
  - name: Up
    url: {httpserver.url_for("/ok")}
    assert: {{body: fine}}
""",
    )
    down, up = result.requests
    assert down.error == f"connection refused by 127.0.0.1:{port}"
    assert up.passed
    assert result.exit_code == 1


def test_timeout_fails_fast_with_a_clear_reason(tmp_path: Path, httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    started = time.perf_counter()
    result, _ = run_yaml(
        tmp_path,
        f"""
requests:
  - name: Slow
    url: {httpserver.url_for("/slow")}
    options: {{timeout: 0.3}}
""",
    )
    assert time.perf_counter() - started < 1.4
    assert "timed out after 0.3s" in (result.requests[0].error or "")


def test_retries_honour_retry_after_and_unless(tmp_path: Path, httpserver: HTTPServer) -> None:
    calls = {"n": 0}

    def flaky(request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] < 3:
            return Response("busy", status=429, headers={"Retry-After": "1"})
        return Response("{}", status=200, content_type="application/json")

    httpserver.expect_request("/flaky").respond_with_handler(flaky)
    httpserver.expect_request("/quota").respond_with_json(
        {"error": {"code": "insufficient_quota"}}, 429
    )
    sleeps: list[float] = []
    result, events = run_yaml(
        tmp_path,
        f"""
defaults:
  options:
    retries:
      count: 3
      on: [429]
      backoff: 0.01
      unless: {{jsonpath: {{$.error.code: insufficient_quota}}}}
requests:
  - name: Flaky
    url: {httpserver.url_for("/flaky")}
    assert: {{status: 200}}
  - name: Quota
    url: {httpserver.url_for("/quota")}
    assert: {{status: 200}}
""",
        sleeps=sleeps,
    )
    flaky_result, quota_result = result.requests
    assert flaky_result.passed and flaky_result.attempts == 3
    assert sleeps == [1.0, 1.0]
    assert quota_result.attempts == 1 and not quota_result.passed
    assert sum(isinstance(e, RequestSent) for e in events) == 4
    assert [e.will_retry for e in events if isinstance(e, ResponseReceived)] == [
        True,
        True,
        False,
        False,
    ]


def test_bail_stops_after_the_first_failure(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data("x", status=500)
    text = f"""
requests:
  - {{name: A, url: "{httpserver.url_for("/x")}", assert: {{status: 200}}}}
  - {{name: B, url: "{httpserver.url_for("/x")}"}}
"""
    result, _ = run_yaml(tmp_path, text, RunOptions(bail=True))
    assert len(result.requests) == 1 and result.exit_code == 1


def test_secret_never_appears_in_events(tmp_path: Path, httpserver: HTTPServer) -> None:
    secret = "sk-very-secret-value"

    def echo(request: Request) -> Response:
        return Response(
            json.dumps({"you_sent": request.headers["X-Key"], "q": request.args["key"]}),
            content_type="application/json",
            headers={"X-Echo": request.headers["X-Key"]},
        )

    httpserver.expect_request("/echo", method="POST").respond_with_handler(echo)
    result, events = run_yaml(
        tmp_path,
        f"""
secrets: [API_KEY]
requests:
  - name: Echo
    method: POST
    url: {httpserver.url_for("/echo")}?key=<<API_KEY>>
    headers: {{X-Key: <<API_KEY>>, Authorization: Bearer <<API_KEY>>}}
    body: {{json: {{key: <<API_KEY>>}}}}
    assert: {{jsonpath: {{$.you_sent: nope}}}}
    capture: {{echoed: $.q}}
""",
        RunOptions(environ={"API_KEY": secret}),
    )
    assert result.exit_code == 1
    dumped = repr(events) + repr(result)
    assert secret not in dumped
    assert "****" in dumped
    finished = next(e for e in events if isinstance(e, RequestFinished))
    assert finished.response is not None and secret.encode() not in finished.response.body


def test_mock_answers_from_examples_without_a_socket(tmp_path: Path) -> None:
    result, _ = run_yaml(
        tmp_path,
        """
secrets: [API_KEY]
requests:
  - name: Chat
    method: POST
    url: http://127.0.0.1:9/never
    headers: {Authorization: Bearer <<API_KEY>>}
    assert: {status: 200, jsonpath: {$.ok: true}}
    examples:
      - {name: ok, body: {ok: true}}
      - {name: quota, status: 429, body: {error: {code: insufficient_quota}}}
""",
        RunOptions(mock=True),
    )
    assert result.exit_code == 0
    result, _ = run_yaml(
        tmp_path,
        (tmp_path / "collection.yaml").read_text(),
        RunOptions(mock=True, mock_example="quota"),
    )
    assert result.requests[0].status == 429 and result.exit_code == 1


def test_undefined_variable_is_an_input_error_before_sending(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    with pytest.raises(PostrunError) as caught:
        run_yaml(
            tmp_path,
            f"""
requests:
  - name: A
    url: {httpserver.url_for("/a")}/<<nope>>
""",
        )
    assert caught.value.exit_code == 2
    assert "'nope'" in caught.value.message and "collection.yaml:4" in caught.value.message
    assert len(httpserver.log) == 0


def test_every_place_of_an_undefined_name_is_named_across_requests(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    # Names found clean for one request are not checked again for the next (captures only add
    # names); every place an undefined one is used must still be named.
    base = httpserver.url_for("")
    with pytest.raises(PostrunError) as caught:
        run_yaml(
            tmp_path,
            f"""
variables: {{base: "{base}", outer: "x-<<inner>>"}}
requests:
  - {{name: A, url: "<<base>>a/<<nope>>/<<id>>"}}
  - {{name: B, url: "<<base>>b/<<outer>>", capture: {{id: $.id}}}}
  - {{name: C, url: "<<base>>c/<<nope>>/<<id>>"}}
  - {{name: D, url: "<<base>>d/<<outer>>/<<id>>"}}
""",
        )
    assert caught.value.exit_code == 2
    used = {
        line.split("'")[1]: line.split(" used at ")[1]
        for line in caught.value.message.replace(f"{tmp_path}/", "").splitlines()
        if " used at " in line
    }
    assert used == {
        "nope": "collection.yaml:4:31 (url), collection.yaml:6:31 (url)",
        "id": "collection.yaml:4:40 (url)",  # B captures it before C and D use it
        "inner": "collection.yaml:5:31 (url), collection.yaml:7:31 (url)",  # behind <<outer>>
    }
    assert len(httpserver.log) == 0


def test_tls_error_is_a_one_line_failed_request(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data("plain http")
    url = httpserver.url_for("/x").replace("http://", "https://")
    result, _ = run_yaml(tmp_path, f"requests:\n  - {{name: TLS, url: '{url}'}}\n")
    error = result.requests[0].error or ""
    assert error.startswith("TLS error: ") and "\n" not in error


def test_connection_reset_mid_response_is_a_failed_request(tmp_path: Path) -> None:
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def serve_half_then_close() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        conn.close()
        listener.close()

    thread = threading.Thread(target=serve_half_then_close, daemon=True)
    thread.start()
    result, _ = run_yaml(tmp_path, f"requests:\n  - {{name: R, url: 'http://127.0.0.1:{port}/'}}\n")
    thread.join(timeout=5)
    error = result.requests[0].error or ""
    assert result.exit_code == 1
    assert "connection" in error and "\n" not in error


def test_url_without_scheme_fails_the_request_not_the_run(tmp_path: Path) -> None:
    result, _ = run_yaml(tmp_path, "requests:\n  - {name: Bad, url: 'example.test/x'}\n")
    assert result.requests[0].error == (
        "invalid URL 'example.test/x': it must start with http:// or https://"
    )


def test_variable_cycle_is_an_input_error_naming_the_chain(tmp_path: Path) -> None:
    text = "variables: {a: '<<b>>', b: '<<a>>'}\nrequests:\n  - {name: A, url: 'http://x/<<a>>'}\n"
    with pytest.raises(PostrunError) as caught:
        run_yaml(tmp_path, text)
    assert caught.value.exit_code == 2
    assert caught.value.message == "variable cycle: a -> b -> a"
    assert caught.value.location is not None and caught.value.location.line == 3


def test_ctrl_c_stops_the_run_and_keeps_what_finished(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    from runner.events import RequestStarted, RunFinished

    httpserver.expect_request("/x").respond_with_data("ok")
    path = tmp_path / "c.yaml"
    url = httpserver.url_for("/x")
    path.write_text(
        f"requests:\n  - {{name: A, url: '{url}'}}\n  - {{name: B, url: '{url}'}}\n",
        encoding="utf-8",
    )
    events: list[Any] = []

    def interrupt_second(event: Any) -> None:
        events.append(event)
        if isinstance(event, RequestStarted) and event.index == 2:
            raise KeyboardInterrupt

    plan = plan_run([load_collection(path, base_dir=tmp_path)], RunOptions())
    with new_session() as session:
        result = Engine(plan, session, [interrupt_second]).run()
    assert result.interrupted and result.exit_code == 130
    assert [r.name for r in result.requests] == ["A"]
    assert isinstance(events[-1], RunFinished) and events[-1].result is result


class _BrokenSession(requests.Session):
    """A real session whose sending breaks in a way postrun does not expect (a bug stand-in)."""

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if "boom" in (request.url or ""):
            raise RuntimeError("unexpected state sk-engine-secret")
        return super().send(request, **kwargs)


def test_an_unexpected_error_costs_one_request_not_the_run(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/ok").respond_with_data("fine")
    path = tmp_path / "collection.yaml"
    path.write_text(
        f"""
secrets: [KEY]
requests:
  - name: Boom
    url: {httpserver.url_for("/boom")}?k=<<KEY>>
  - name: After
    url: {httpserver.url_for("/ok")}
    assert: {{status: 200}}
""",
        encoding="utf-8",
    )
    plan = plan_run(
        [load_collection(path, base_dir=tmp_path)],
        RunOptions(environ={"KEY": "sk-engine-secret"}),
    )
    with _BrokenSession() as session:
        result = Engine(plan, session).run()
    boom, after = result.requests
    assert boom.error is not None and boom.error.startswith("internal error in postrun")
    assert "RuntimeError" in boom.error and "sk-engine-secret" not in boom.error
    assert after.passed
    assert result.exit_code == 1


def test_an_internal_error_carries_its_masked_traceback_as_an_event(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """The engine never prints: the traceback goes out as data, for ``--traceback`` to show."""
    path = tmp_path / "collection.yaml"
    path.write_text(
        f"secrets: [KEY]\nrequests:\n  - name: Boom\n    url: {httpserver.url_for('/boom')}\n"
        "    headers: {X-Key: <<KEY>>}\n",
        encoding="utf-8",
    )
    plan = plan_run(
        [load_collection(path, base_dir=tmp_path)],
        RunOptions(environ={"KEY": "sk-engine-secret"}),
    )
    events: list[Any] = []
    with _BrokenSession() as session:
        Engine(plan, session, [events.append]).run()
    (internal,) = [event for event in events if isinstance(event, InternalError)]
    finished = next(event for event in events if isinstance(event, RequestFinished))
    assert events.index(internal) == events.index(finished) - 1 and internal.index == 1
    assert internal.path == "Boom"
    assert internal.traceback.startswith("Traceback (most recent call last):")
    assert "in send" in internal.traceback  # the frame that raised, in _BrokenSession
    assert internal.traceback.rstrip().endswith("RuntimeError: unexpected state ****")
    assert "Traceback" not in (finished.result.error or "")


def test_an_escape_alone_is_still_rendered(tmp_path: Path, httpserver: HTTPServer) -> None:
    seen: list[bytes] = []

    def echo(request: Request) -> Response:
        seen.append(request.get_data())
        return Response(b"a << b", content_type="text/plain")

    httpserver.expect_request("/esc", method="POST").respond_with_handler(echo)
    result, _ = run_yaml(
        tmp_path,
        f"""
requests:
  - name: Escaped
    method: POST
    url: {httpserver.url_for("/esc")}
    body: {{raw: 'std::cout \\<< x'}}
    assert: {{body: 'a \\<< b'}}
""",
    )
    assert seen == [b"std::cout << x"]
    assert result.requests[0].passed, result.requests[0].checks


def test_cookies_and_sensitive_headers_never_show_in_checks_or_captures(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    from runner.report.json_report import JsonReporter

    httpserver.expect_request("/login").respond_with_data(
        "ok", headers={"Set-Cookie": "session=COOKIEVAL-123; Path=/", "X-Api-Key": "KEYVAL-456"}
    )
    httpserver.expect_request("/echo").respond_with_handler(
        lambda request: Response(request.args.get("s", ""), content_type="text/plain")
    )
    path = tmp_path / "collection.yaml"
    path.write_text(
        f"""
requests:
  - name: Login
    url: {httpserver.url_for("/login")}
    assert:
      headers: {{Set-Cookie: {{contains: nope}}, X-Api-Key: nope}}
    capture: {{sid: {{cookie: session}}, key: {{header: X-Api-Key}}}}
  - name: Echo
    url: {httpserver.url_for("/echo")}?s=<<sid>>
    assert: {{body: nope}}
""",
        encoding="utf-8",
    )
    plan = plan_run([load_collection(path, base_dir=tmp_path)], RunOptions())
    events: list[Any] = []
    report = JsonReporter()
    with new_session() as session:
        result = Engine(plan, session, [events.append, report]).run()
    assert not result.passed and len(result.requests) == 2
    emitted = repr(events) + report.render()
    assert "COOKIEVAL-123" not in emitted and "KEYVAL-456" not in emitted


def test_a_streaming_run_keeps_counts_and_only_the_failed_results(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/ok").respond_with_json({"n": 1})
    path = tmp_path / "collection.yaml"
    path.write_text(
        f"""
requests:
  - name: Good
    url: {httpserver.url_for("/ok")}
    assert: {{status: 200, jsonpath: {{$.n: 1}}}}
  - name: Bad
    url: {httpserver.url_for("/ok")}
    assert: {{status: 201}}
  - name: Later
    url: {httpserver.url_for("/ok")}
    options: {{skip: true}}
""",
        encoding="utf-8",
    )
    plan = plan_run([load_collection(path, base_dir=tmp_path)], RunOptions(iterations=50))
    with new_session() as session:
        kept = Engine(plan, session).run()
    with new_session() as session:
        streamed = Engine(plan, session, keep_passed=False).run()
    assert len(kept.requests) == 150
    assert [result.name for result in streamed.requests] == ["Bad"] * 50
    assert streamed.counts == kept.counts
    assert (streamed.counts.requests, streamed.counts.failed, streamed.counts.skipped) == (
        150,
        50,
        50,
    )
    assert (streamed.check_count, streamed.failed_check_count) == (150, 50)
    assert streamed.exit_code == kept.exit_code == 1
