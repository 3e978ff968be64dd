"""OAuth2 through the engine: one token per run (also under --jobs), masked wherever it shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.cli import cli
from runner.engine import Engine, RunOptions, plan_run
from runner.loader import load_collection
from runner.report.json_report import JsonReporter
from runner.transport import new_session

TOKEN = "tok-3f9c1d2e8a7b"


def serve(httpserver: HTTPServer) -> list[Request]:
    """A token endpoint (counted) and an API that echoes the Authorization header it got."""
    token_requests: list[Request] = []

    def token(request: Request) -> Response:
        token_requests.append(request)
        body = {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}
        return Response(json.dumps(body), content_type="application/json")

    def echo(request: Request) -> Response:
        body = {"auth": request.headers.get("Authorization")}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/oauth/token", method="POST").respond_with_handler(token)
    httpserver.expect_request("/api/echo").respond_with_handler(echo)
    return token_requests


def collection(httpserver: HTTPServer, name: str = "OAuth") -> str:
    steps = "".join(
        f"""  - name: Echo {n}
    url: {httpserver.url_for("/api/echo")}
    assert: {{jsonpath: {{$.auth: nope}}}}
    capture: {{seen_{n}: $.auth}}
"""
        for n in (1, 2, 3)
    )
    return f"""name: {name}
secrets: [CLIENT_SECRET]
defaults:
  auth:
    oauth2:
      token_url: {httpserver.url_for("/oauth/token")}
      client_id: app
      client_secret: <<CLIENT_SECRET>>
requests:
{steps}"""


def test_one_token_for_the_run_and_it_never_shows(tmp_path: Path, httpserver: HTTPServer) -> None:
    token_requests = serve(httpserver)
    path = tmp_path / "c.yaml"
    path.write_text(collection(httpserver), encoding="utf-8")
    options = RunOptions(cli_vars={"CLIENT_SECRET": "client-secret-77"})
    plan = plan_run([load_collection(path, base_dir=tmp_path)], options)
    events: list[Any] = []
    report = JsonReporter()
    with new_session() as session:
        result = Engine(plan, session, [events.append, report]).run()
    assert len(token_requests) == 1
    assert len(result.requests) == 3
    # The API echoed the token into the body: the failed check's actual and the capture show it
    # masked, and nothing the engine emitted holds it.
    first = result.requests[0]
    assert first.checks[0].actual == "Bearer ****"
    assert first.captures[0].value == "Bearer ****"
    emitted = repr(events) + report.render()
    assert TOKEN not in emitted and "client-secret-77" not in emitted


def test_jobs_share_one_token(tmp_path: Path, httpserver: HTTPServer, monkeypatch: Any) -> None:
    token_requests = serve(httpserver)
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "many"
    folder.mkdir()
    for number in (1, 2, 3):
        (folder / f"f{number}.yaml").write_text(
            collection(httpserver, f"F{number}"), encoding="utf-8"
        )
    result = CliRunner().invoke(
        cli,
        ["run", "many", "--jobs", "3", "-v", "--report", "json:r.json"],
        env={"CLIENT_SECRET": "client-secret-77", "NO_COLOR": "1"},
    )
    assert result.exit_code == 1, result.output  # the checks expect "nope"
    assert len(token_requests) == 1
    report = (tmp_path / "r.json").read_text(encoding="utf-8")
    for text in (result.output, report):
        assert TOKEN not in text and "client-secret-77" not in text
    assert "Bearer ****" in result.output
