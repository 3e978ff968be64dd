"""Auth (FORMAT.md 1.7) against real servers on loopback: simple schemes, digest, OAuth2."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from digest_server import digest_handler
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.auth import ClientCredentials, TokenCache, TokenGrant
from runner.auth.oauth2 import parse_token_response
from runner.engine import Engine, RunOptions, plan_run
from runner.errors import TransportError
from runner.events import RequestSent
from runner.loader import load_collection
from runner.model import AuthSpec
from runner.report.json_report import JsonReporter
from runner.results import RunResult
from runner.source import SourceLocation
from runner.transport import OutgoingRequest, new_session, send

HERE = SourceLocation("test.yaml", 1, 1)
CLIENT_SECRET = "cl1ent-s3cret"


def run_yaml(
    tmp_path: Path, text: str, options: RunOptions | None = None, listeners: tuple[Any, ...] = ()
) -> tuple[RunResult, list[Any]]:
    path = tmp_path / "collection.yaml"
    path.write_text(text, encoding="utf-8")
    plan = plan_run([load_collection(path, base_dir=tmp_path)], options or RunOptions())
    events: list[Any] = []
    with new_session() as session:
        return Engine(plan, session, [events.append, *listeners]).run(), events


def echo_auth(request: Request) -> Response:
    body = {"authorization": request.headers.get("Authorization"), "args": dict(request.args)}
    body["x-api-key"] = request.headers.get("X-Api-Key")
    return Response(json.dumps(body), content_type="application/json")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("auth", "headers", "jsonpath"),
    [
        ("{bearer: tok-<<n>>}", "", {"$.authorization": "Bearer tok-1"}),
        (
            "{basic: {username: ann, password: pw-<<n>>}}",
            "",
            {"$.authorization": basic("ann", "pw-1")},
        ),
        ("{apikey: {header: X-API-Key, value: k-<<n>>}}", "", {"$.x-api-key": "k-1"}),
        ("{apikey: {query: api_key, value: k-<<n>>}}", "", {"$.args.api_key": "k-1"}),
        # An explicit header of the same name wins over auth.
        ("{bearer: tok}", "{authorization: Custom abc}", {"$.authorization": "Custom abc"}),
        ("{basic: {username: a, password: b}}", "{AUTHORIZATION: X y}", {"$.authorization": "X y"}),
        ("{apikey: {header: X-API-Key, value: k}}", "{x-api-key: mine}", {"$.x-api-key": "mine"}),
    ],
)
def test_simple_auth_schemes(
    tmp_path: Path, httpserver: HTTPServer, auth: str, headers: str, jsonpath: dict[str, str]
) -> None:
    httpserver.expect_request("/me").respond_with_handler(echo_auth)
    checks = "\n".join(f'        "{path}": "{value}"' for path, value in jsonpath.items())
    result, _ = run_yaml(
        tmp_path,
        f"""
variables: {{n: 1}}
requests:
  - name: Me
    url: {httpserver.url_for("/me")}
    auth: {auth}
    {"headers: " + headers if headers else ""}
    assert:
      jsonpath:
{checks}
""",
    )
    assert result.exit_code == 0, result.requests[0].checks


def test_folder_defaults_override_the_collection_auth(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/me").respond_with_handler(echo_auth)
    url = httpserver.url_for("/me")
    result, _ = run_yaml(
        tmp_path,
        f"""
defaults:
  auth: {{bearer: outer}}
requests:
  - name: Outer
    url: {url}
    assert: {{jsonpath: {{$.authorization: Bearer outer}}}}
  - name: Public
    defaults: {{auth: none}}
    requests:
      - name: Anonymous
        url: {url}
        assert: {{jsonpath: {{$.authorization: null}}}}
      - name: Own
        url: {url}
        auth: {{basic: {{username: u, password: p}}}}
        assert: {{jsonpath: {{$.authorization: "{basic("u", "p")}"}}}}
""",
    )
    assert [r.passed for r in result.requests] == [True, True, True], result.requests


@pytest.mark.parametrize(("password", "status"), [("right", 200), ("wrong", 401)])
def test_digest_auth_answers_a_real_challenge(
    tmp_path: Path, httpserver: HTTPServer, password: str, status: int
) -> None:
    httpserver.expect_request("/digest").respond_with_handler(digest_handler("ann", "right"))
    result, _ = run_yaml(
        tmp_path,
        f"""
requests:
  - name: Digest
    url: {httpserver.url_for("/digest")}?page=2
    auth: {{digest: {{username: ann, password: {password}}}}}
    assert: {{status: {status}}}
""",
    )
    assert result.exit_code == 0, result.requests[0].checks


class TokenServer:
    """An OAuth2 token endpoint and an API that only accepts the tokens it issued."""

    def __init__(self, httpserver: HTTPServer, expires_in: Any = 3600) -> None:
        self.httpserver = httpserver
        self.expires_in = expires_in
        self.issued: list[str] = []
        self.grants: list[dict[str, Any]] = []
        httpserver.expect_request("/token", method="POST").respond_with_handler(self.token)
        httpserver.expect_request("/api").respond_with_handler(self.api)

    @property
    def token_url(self) -> str:
        return self.httpserver.url_for("/token")

    def token(self, request: Request) -> Response:
        self.grants.append(
            {"authorization": request.headers.get("Authorization"), **request.form.to_dict()}
        )
        if request.headers.get("Authorization") != basic("app", CLIENT_SECRET):
            body = {"error": "invalid_client", "error_description": "Client authentication failed"}
            return Response(json.dumps(body), status=401, content_type="application/json")
        token = f"at-{len(self.issued) + 1}-Zq8vT2"
        self.issued.append(token)
        body = {"access_token": token, "token_type": "bearer", "expires_in": self.expires_in}
        return Response(json.dumps(body), content_type="application/json")

    def api(self, request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        if not self.issued or header != f"Bearer {self.issued[-1]}":
            return Response("{}", status=401, content_type="application/json")
        return Response(json.dumps({"ok": True}), content_type="application/json")


def oauth2_request(
    server: TokenServer, secret: str = CLIENT_SECRET, scope: str = "read"
) -> OutgoingRequest:
    params = {
        "token_url": server.token_url,
        "client_id": "app",
        "client_secret": secret,
        "scope": scope,
    }
    auth = AuthSpec("oauth2", params, HERE)
    return OutgoingRequest("GET", server.httpserver.url_for("/api"), auth=auth, timeout=5)


def test_oauth2_token_is_fetched_once_and_reused(httpserver: HTTPServer) -> None:
    server = TokenServer(httpserver)
    tokens = TokenCache()
    with new_session() as session:
        statuses = [send(oauth2_request(server), session, tokens=tokens)[1].status for _ in "abc"]
    assert statuses == [200, 200, 200]
    assert server.grants == [
        {
            "authorization": basic("app", CLIENT_SECRET),
            "grant_type": "client_credentials",
            "scope": "read",
        }
    ]


def test_oauth2_tokens_are_kept_per_scope(httpserver: HTTPServer) -> None:
    server = TokenServer(httpserver)
    tokens = TokenCache()
    with new_session() as session:
        for scope in ("read", "write", "read", "write"):
            send(oauth2_request(server, scope=scope), session, tokens=tokens)
    assert [grant["scope"] for grant in server.grants] == ["read", "write"]


def test_oauth2_token_is_refreshed_when_it_expires(httpserver: HTTPServer) -> None:
    server = TokenServer(httpserver, expires_in=60)
    now = [1000.0]
    tokens = TokenCache(clock=lambda: now[0])
    seen: list[str] = []
    with new_session() as session:

        def authorization() -> str:
            sent, response = send(oauth2_request(server), session, tokens=tokens)
            assert response.status == 200
            return dict(sent.headers)["Authorization"]

        seen.append(authorization())
        now[0] += 49  # still valid: 60 s minus the 6 s margin
        seen.append(authorization())
        now[0] += 6  # within the margin: renewed before it lapses
        seen.append(authorization())
        seen.append(authorization())
    assert seen == ["Bearer at-1-Zq8vT2"] * 2 + ["Bearer at-2-Zq8vT2"] * 2
    assert len(server.grants) == 2


def test_oauth2_token_refused_by_the_api_is_fetched_again(httpserver: HTTPServer) -> None:
    server = TokenServer(httpserver)
    tokens = TokenCache()
    with new_session() as session:
        assert send(oauth2_request(server), session, tokens=tokens)[1].status == 200
        server.issued.append("revoked-elsewhere")  # the API now wants a newer token
        assert send(oauth2_request(server), session, tokens=tokens)[1].status == 401
        assert send(oauth2_request(server), session, tokens=tokens)[1].status == 200
    assert len(server.grants) == 2


def test_new_tokens_are_reported_for_masking(httpserver: HTTPServer) -> None:
    server = TokenServer(httpserver, expires_in=0)
    reported: list[str] = []
    tokens = TokenCache(on_token=reported.append)
    with new_session() as session:
        for _ in range(2):
            send(oauth2_request(server), session, tokens=tokens)
    assert reported == ["at-1-Zq8vT2", "at-2-Zq8vT2"]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (
            Response(
                json.dumps({"error": "invalid_scope", "error_description": "no\nsuch scope"}),
                status=400,
                content_type="application/json",
            ),
            "failed: HTTP 400 BAD REQUEST: invalid_scope (no such scope)",
        ),
        (Response("boom", status=500), "failed: HTTP 500 INTERNAL SERVER ERROR"),
        (
            Response(json.dumps({"token_type": "bearer"}), content_type="application/json"),
            "has no access_token (HTTP 200, application/json)",
        ),
        (
            Response("access_token=abc&expires_in=60", content_type="text/html"),
            "has no access_token (HTTP 200, text/html)",
        ),
    ],
)
def test_token_endpoint_failures_are_one_line_errors(
    httpserver: HTTPServer, reply: Response, message: str
) -> None:
    httpserver.expect_request("/token").respond_with_response(reply)
    server_url = httpserver.url_for("/token")
    auth = AuthSpec(
        "oauth2", {"token_url": server_url, "client_id": "a", "client_secret": "b"}, HERE
    )
    request = OutgoingRequest("GET", httpserver.url_for("/api"), auth=auth, timeout=5)
    with new_session() as session, pytest.raises(TransportError) as caught:
        send(request, session, tokens=TokenCache())
    text = caught.value.message
    assert "\n" not in text
    assert text.startswith(("OAuth2 token request to ", "OAuth2 token response from "))
    assert text.endswith(message)
    assert server_url in text


def test_urlencoded_token_answers_are_understood(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/token").respond_with_data(
        "access_token=legacy-tok&token_type=bearer&expires_in=60",
        content_type="application/x-www-form-urlencoded",
    )
    httpserver.expect_request("/api").respond_with_handler(echo_auth)
    auth = AuthSpec(
        "oauth2",
        {"token_url": httpserver.url_for("/token"), "client_id": "a", "client_secret": "b"},
        HERE,
    )
    request = OutgoingRequest("GET", httpserver.url_for("/api"), auth=auth, timeout=5)
    with new_session() as session:
        _, response = send(request, session, tokens=TokenCache())
    assert response.json.value["authorization"] == "Bearer legacy-tok"


def test_token_endpoint_unreachable_names_the_url() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/token"
    auth = AuthSpec("oauth2", {"token_url": url, "client_id": "a", "client_secret": "b"}, HERE)
    with new_session() as session, pytest.raises(TransportError) as caught:
        send(OutgoingRequest("GET", "http://127.0.0.1:1/api", auth=auth, timeout=5), session)
    assert caught.value.message == (
        f"OAuth2 token request to {url} failed: connection refused by 127.0.0.1:{port}"
    )


def test_client_credentials_are_form_encoded_in_the_basic_header() -> None:
    credentials = ClientCredentials("https://id.test/token", "my app", "s:e/c", None)
    assert credentials.authorization() == basic("my+app", "s%3Ae%2Fc")
    assert credentials.form() == [("grant_type", "client_credentials")]


def test_oauth2_through_the_engine_keeps_the_token_out_of_the_report(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    server = TokenServer(httpserver)
    reporter = JsonReporter(version="test")
    result, events = run_yaml(
        tmp_path,
        f"""
secrets: [CLIENT_SECRET]
defaults:
  auth:
    oauth2:
      token_url: {server.token_url}
      client_id: app
      client_secret: <<CLIENT_SECRET>>
      scope: read
requests:
  - name: One
    url: {httpserver.url_for("/api")}
    assert: {{status: 200, jsonpath: {{$.ok: true}}}}
  - name: Two
    url: {httpserver.url_for("/api")}
    assert: {{status: 200}}
""",
        RunOptions(environ={"CLIENT_SECRET": CLIENT_SECRET}),
        (reporter,),
    )
    assert result.exit_code == 0, result.requests
    report = reporter.render()
    assert server.issued and all(token not in report for token in server.issued)
    assert CLIENT_SECRET not in report
    assert base64.b64encode(f"app:{CLIENT_SECRET}".encode()).decode() not in report
    request_headers = json.loads(report)["requests"][0]["request_headers"]
    assert ["Authorization", "Bearer ****"] in request_headers
    for event in events:
        assert all(token not in repr(event) for token in server.issued)
    assert sum(isinstance(event, RequestSent) for event in events) == 2


def test_oauth2_token_endpoint_failure_fails_the_request_in_the_engine(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    server = TokenServer(httpserver)
    result, _ = run_yaml(
        tmp_path,
        f"""
requests:
  - name: One
    url: {httpserver.url_for("/api")}
    auth: {{oauth2: {{token_url: "{server.token_url}", client_id: app, client_secret: nope}}}}
""",
    )
    assert result.exit_code == 1
    assert result.requests[0].error == (
        f"OAuth2 token request to {server.token_url} failed: "
        "HTTP 401 UNAUTHORIZED: invalid_client (Client authentication failed)"
    )


def test_oauth2_under_mock_fetches_no_token(tmp_path: Path) -> None:
    result, events = run_yaml(
        tmp_path,
        """
requests:
  - name: Mocked
    url: http://127.0.0.1:1/api
    auth: {oauth2: {token_url: "http://127.0.0.1:1/token", client_id: a, client_secret: b}}
    assert: {status: 200, jsonpath: {$.ok: true}}
    examples: [{name: ok, body: {ok: true}}]
""",
        RunOptions(mock=True),
    )
    assert result.exit_code == 0, result.requests
    (sent,) = [event.request for event in events if isinstance(event, RequestSent)]
    assert ("Authorization", "Bearer ****") in sent.headers


@pytest.mark.parametrize(
    ("status", "content_type", "body", "grant"),
    [
        (200, "application/json", b'{"access_token": "t"}', TokenGrant("t", "Bearer", None)),
        (
            200,
            "application/json; charset=utf-8",
            b'{"access_token": "t", "token_type": "BEARER", "expires_in": "120"}',
            TokenGrant("t", "Bearer", 120.0),
        ),
        (
            201,
            "application/json",
            b'{"access_token": "t", "token_type": "MAC", "expires_in": -5}',
            TokenGrant("t", "MAC", None),
        ),
        (
            200,
            "application/x-www-form-urlencoded",
            b"access_token=t%2Bu&expires_in=60",
            TokenGrant("t+u", "Bearer", 60.0),
        ),
        (200, "application/json", b'{"access_token": "t", "expires_in": true}', TokenGrant("t")),
    ],
)
def test_token_answers_are_parsed(
    status: int, content_type: str, body: bytes, grant: TokenGrant
) -> None:
    assert parse_token_response("https://id.test/t", status, "OK", content_type, body) == grant


@pytest.mark.parametrize(
    ("expires_in", "valid_until"),
    [(3600, 3590.0), (60, 54.0), (5, 4.5), (0, 0.0)],
)
def test_tokens_are_renewed_shortly_before_they_expire(
    expires_in: float, valid_until: float
) -> None:
    now = [0.0]
    cache = TokenCache(clock=lambda: now[0])
    credentials = ClientCredentials("https://id.test/t", "a", "b")
    grants = iter([TokenGrant("one", expires_in=expires_in), TokenGrant("two")])
    token = cache.get(credentials, lambda _: next(grants))
    assert token.expires_at == valid_until
    now[0] = valid_until - 0.001 if valid_until else 0.0
    expected = "one" if valid_until else "two"
    assert cache.get(credentials, lambda _: next(grants)).access_token == expected
