"""Data-driven runs (--data, --iterations), selection (--tag, --request) and run-wide options."""

from __future__ import annotations

import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.cli import cli


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def echo_user(request: Request) -> Response:
    """Answer /users/<name> with the name and a numeric id, and echo the query string."""
    name = request.path.rsplit("/", 1)[-1]
    ids = {"ann": 1, "bob": 2, "cid": 3}
    body = {"user": name, "id": ids.get(name, 0), "query": dict(request.args)}
    return Response(json.dumps(body), content_type="application/json")


USERS = """\
name: Users
variables: {{base: "{base}"}}
requests:
  - name: Get user
    url: <<base>>/users/<<user>>
    assert:
      status: 200
      jsonpath: {{$.user: <<user>>, $.id: <<id>>}}
"""


def test_csv_rows_make_one_iteration_each_in_output_and_reports(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/users/ann").respond_with_handler(echo_user)
    httpserver.expect_request("/users/bob").respond_with_handler(echo_user)
    httpserver.expect_request("/users/cid").respond_with_handler(echo_user)
    write(tmp_path / "users.yaml", USERS.format(base=httpserver.url_for("")))
    write(tmp_path / "rows.csv", "user,id\nann,1\nbob,2\ncid,4\n")
    result = cli_runner.invoke(
        cli,
        [
            "run",
            "users.yaml",
            "--data",
            "rows.csv",
            "--report",
            "junit:out/r.xml",
            "--report",
            "json:out/r.json",
        ],
    )
    assert result.exit_code == 1, result.output
    assert [request.path for request, _ in httpserver.log] == [
        "/users/ann",
        "/users/bob",
        "/users/cid",
    ]
    assert [line for line in result.output.splitlines() if line.startswith("Users")] == [
        "Users · iteration 1",
        "Users · iteration 2",
        "Users · iteration 3",
    ]
    suites = ET.parse(tmp_path / "out/r.xml").getroot().findall("testsuite")
    assert [suite.get("name") for suite in suites] == [
        "Users [iteration 1]",
        "Users [iteration 2]",
        "Users [iteration 3]",
    ]
    # CSV values are text (FORMAT.md 3): `$.id: <<id>>` compares "1" with the number 1 and
    # fails, while `$.user` passes; JSON data files are the way to typed values.
    report = json.loads((tmp_path / "out/r.json").read_text(encoding="utf-8"))
    assert [request["iteration"] for request in report["requests"]] == [1, 2, 3]
    user_checks = [request["checks"][1]["passed"] for request in report["requests"]]
    assert user_checks == [True, True, True]


def test_json_rows_are_typed(cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/users/ann").respond_with_handler(echo_user)
    httpserver.expect_request("/users/bob").respond_with_handler(echo_user)
    write(tmp_path / "users.yaml", USERS.format(base=httpserver.url_for("")))
    write(tmp_path / "rows.json", json.dumps([{"user": "ann", "id": 1}, {"user": "bob", "id": 2}]))
    result = cli_runner.invoke(cli, ["run", "users.yaml", "--data", "rows.json"])
    assert result.exit_code == 0, result.output
    assert len(httpserver.log) == 2


def test_iterations_with_data_take_the_first_rows(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/users/ann").respond_with_handler(echo_user)
    write(tmp_path / "users.yaml", USERS.format(base=httpserver.url_for("")))
    write(tmp_path / "rows.json", json.dumps([{"user": "ann", "id": 1}, {"user": "bob", "id": 2}]))
    result = cli_runner.invoke(
        cli, ["run", "users.yaml", "--data", "rows.json", "--iterations", "1"]
    )
    assert result.exit_code == 0, result.output
    assert len(httpserver.log) == 1
    too_many = cli_runner.invoke(
        cli, ["run", "users.yaml", "--data", "rows.json", "--iterations", "3"]
    )
    assert too_many.exit_code == 2
    assert "more than the 2 rows" in too_many.output


def test_captures_persist_across_iterations(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    pages = iter(["p2", "p3", "p4"])
    httpserver.expect_request("/list").respond_with_handler(
        lambda request: Response(
            json.dumps({"cursor": request.args["cursor"], "next": next(pages)}),
            content_type="application/json",
        )
    )
    write(
        tmp_path / "pages.yaml",
        f"""name: Pages
variables: {{cursor: start}}
requests:
  - name: Page
    url: {httpserver.url_for("/list")}?cursor=<<cursor>>
    capture: {{cursor: $.next}}
""",
    )
    result = cli_runner.invoke(cli, ["run", "pages.yaml", "--iterations", "3"])
    assert result.exit_code == 0, result.output
    assert [request.args["cursor"] for request, _ in httpserver.log] == ["start", "p2", "p3"]


def test_an_undefined_data_column_is_an_input_error(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    write(tmp_path / "users.yaml", USERS.format(base=httpserver.url_for("")))
    write(tmp_path / "rows.csv", "user\nann\n")
    result = cli_runner.invoke(cli, ["run", "users.yaml", "--data", "rows.csv"])
    assert result.exit_code == 2
    assert "undefined variable 'id'" in result.output
    assert httpserver.log == []


SHOP = """\
name: Shop
variables: {{base: "{base}"}}
requests:
  - name: Login
    url: <<base>>/login
    tags: [auth]
    capture: {{token: $.token}}
  - name: Users
    tags: [users]
    requests:
      - name: List
        url: <<base>>/users?t=<<token>>
        tags: [smoke]
      - name: Delete
        method: DELETE
        url: <<base>>/users/1?t=<<token>>
        tags: [destructive]
"""


@pytest.mark.parametrize(
    ("flags", "paths"),
    [
        ([], ["/login", "/users", "/users/1"]),
        (["--exclude-tag", "destructive"], ["/login", "/users"]),
        (["--tag", "auth", "--tag", "smoke"], ["/login", "/users"]),
        (["--request", "Login", "--request", "Users/D*"], ["/login", "/users/1"]),
        (["--request", "Login", "--tag", "auth"], ["/login"]),
    ],
)
def test_selection_sends_only_the_chosen_requests(
    cli_runner: CliRunner,
    tmp_path: Path,
    httpserver: HTTPServer,
    flags: list[str],
    paths: list[str],
) -> None:
    httpserver.expect_request("/login").respond_with_json({"token": "t1"})
    httpserver.expect_request("/users").respond_with_json([])
    httpserver.expect_request("/users/1", method="DELETE").respond_with_data("", status=204)
    write(tmp_path / "shop.yaml", SHOP.format(base=httpserver.url_for("")))
    result = cli_runner.invoke(cli, ["run", "shop.yaml", *flags])
    assert result.exit_code == 0, result.output
    assert [request.path for request, _ in httpserver.log] == paths


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--tag", "nope"], "no request matches --tag nope"),
        (
            ["--request", "Users/List"],
            "'token' is captured by 'Login', which the selection leaves out",
        ),
    ],
)
def test_bad_selections_are_input_errors(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer, flags: list[str], message: str
) -> None:
    write(tmp_path / "shop.yaml", SHOP.format(base=httpserver.url_for("")))
    result = cli_runner.invoke(cli, ["run", "shop.yaml", *flags])
    assert result.exit_code == 2
    assert message in result.output
    assert httpserver.log == []


def test_list_shows_the_selection(cli_runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "shop.yaml", SHOP.format(base="http://127.0.0.1:1"))
    result = cli_runner.invoke(cli, ["list", "shop.yaml", "--exclude-tag", "destructive"])
    assert result.exit_code == 0, result.output
    assert "Users/List" in result.output and "Delete" not in result.output


def test_timeout_flag_overrides_the_collection_and_fails_fast(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    write(
        tmp_path / "slow.yaml",
        f"""name: Slow
requests:
  - name: Slow
    url: {httpserver.url_for("/slow")}
    options: {{timeout: 30}}
""",
    )
    started = time.perf_counter()
    result = cli_runner.invoke(cli, ["run", "slow.yaml", "--timeout", "0.3"])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 1, result.output
    assert "0.3" in result.output and "timed out" in result.output
    assert elapsed < 1.4


def test_delay_waits_before_each_request(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/ping").respond_with_data("pong")
    write(
        tmp_path / "ping.yaml",
        f"name: Ping\nrequests:\n  - name: A\n    url: {httpserver.url_for('/ping')}\n"
        f"  - name: B\n    url: {httpserver.url_for('/ping')}\n",
    )
    started = time.perf_counter()
    result = cli_runner.invoke(cli, ["run", "ping.yaml", "--delay", "250"])
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - started >= 0.5


class _Proxy(BaseHTTPRequestHandler):
    """A forward proxy stand-in: records the absolute-form request line and answers itself."""

    seen: list[str]

    def do_GET(self) -> None:
        self.server.seen.append(self.requestline)  # type: ignore[attr-defined]
        body = b'{"via": "proxy"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_proxy_flag_sends_through_the_proxy(
    cli_runner: CliRunner, tmp_path: Path, proxy: ThreadingHTTPServer
) -> None:
    write(
        tmp_path / "p.yaml",
        "name: P\nrequests:\n  - name: Far\n    url: http://api.example.invalid/v1/x\n"
        "    assert: {jsonpath: {$.via: proxy}}\n",
    )
    port = proxy.server_address[1]
    result = cli_runner.invoke(cli, ["run", "p.yaml", "--proxy", f"http://127.0.0.1:{port}"])
    assert result.exit_code == 0, result.output
    assert proxy.seen == ["GET http://api.example.invalid/v1/x HTTP/1.1"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--iterations", "0"], "--iterations must be at least 1"),
        (["--timeout", "0"], "--timeout"),
        (["--delay", "-1"], "--delay"),
        (["--data", "nope.csv"], "nope.csv: file not found"),
    ],
)
def test_bad_run_options_are_usage_errors(
    cli_runner: CliRunner, tmp_path: Path, flags: list[str], message: str
) -> None:
    write(tmp_path / "p.yaml", "name: P\nrequests:\n  - name: A\n    url: http://127.0.0.1:1/\n")
    result = cli_runner.invoke(cli, ["run", "p.yaml", *flags])
    assert result.exit_code == 2
    assert message in result.output


def test_retry_after_is_waited_for_real_and_the_attempts_are_reported(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    calls: list[float] = []

    def rate_limited(request: Request) -> Response:
        calls.append(time.perf_counter())
        if len(calls) < 3:
            return Response("slow down", status=429, headers={"Retry-After": "1"})
        return Response('{"ok": true}', content_type="application/json")

    httpserver.expect_request("/limited").respond_with_handler(rate_limited)
    write(
        tmp_path / "r.yaml",
        f"""name: Limits
requests:
  - name: Limited
    url: {httpserver.url_for("/limited")}
    options: {{retries: {{count: 3, on: [429]}}}}
    assert: {{status: 200, jsonpath: {{$.ok: true}}}}
""",
    )
    result = cli_runner.invoke(
        cli, ["run", "r.yaml", "--report", "json:r.json", "--report", "junit:r.xml"]
    )
    assert result.exit_code == 0, result.output
    assert len(calls) == 3
    junit = (tmp_path / "r.xml").read_text(encoding="utf-8")
    assert "attempt 1: 429 TOO MANY REQUESTS; retried after 1.0 s" in junit
    waited = calls[2] - calls[0]
    assert 1.9 <= waited < 4
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["requests"][0]["attempts"] == 3
    assert [(retry["attempt"], retry["status"]) for retry in report["requests"][0]["retries"]] == [
        (1, 429),
        (2, 429),
    ]
    assert all(retry["wait_seconds"] == 1 for retry in report["requests"][0]["retries"])
    assert "(3 attempts)" in result.output


def test_a_column_missing_from_some_json_rows_names_the_row(
    cli_runner: CliRunner, tmp_path: Path
) -> None:
    write(tmp_path / "users.yaml", USERS.format(base="http://127.0.0.1:1"))
    write(tmp_path / "rows.json", '[\n{"user": "ann", "id": 1},\n{"user": "bob"}\n]\n')
    result = cli_runner.invoke(cli, ["run", "users.yaml", "--data", "rows.json"])
    assert result.exit_code == 2
    assert "undefined variable 'id'" in result.output
    assert "'id' is missing from some rows of rows.json (line 3)" in result.output
    assert "did you mean 'id'" not in result.output
