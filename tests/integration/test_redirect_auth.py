"""Credentials stay behind when a redirect leaves the origin (issue 15, item 6).

Two real servers on loopback: another port is another origin, and so is another host name for
the same server (127.0.0.1 and localhost). Every header postrun adds from ``auth`` reaches the
first origin and never the second; a same-origin redirect keeps them all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from digest_server import digest_handler
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.engine import Engine, RunOptions, plan_run
from runner.loader import load_collection
from runner.results import RunResult
from runner.transport import new_session
from runner.transport.credentials import _leaves_origin

SECRET = "s3cret-Redirect-value"
CREDENTIAL_HEADERS = ("authorization", "x-api-key", "x-custom-key")


@pytest.fixture
def servers() -> Iterator[tuple[HTTPServer, HTTPServer]]:
    """Two servers on 127.0.0.1, on two ports: two origins."""
    pair = (HTTPServer(host="127.0.0.1"), HTTPServer(host="127.0.0.1"))
    for server in pair:
        server.start()
    yield pair
    for server in pair:
        server.clear()
        server.stop()


def url(server: HTTPServer, path: str, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{server.port}{path}"


def echo(request: Request) -> Response:
    """Like httpbin's /headers: the request's headers and query, as JSON."""
    body = {
        "headers": {name.lower(): value for name, value in request.headers.items()},
        "args": dict(request.args),
    }
    return Response(json.dumps(body), content_type="application/json")


def redirect(location: str, status: int = 302) -> Response:
    return Response("", status=status, headers={"Location": location})


def received(server: HTTPServer, path: str) -> list[Request]:
    return [request for request, _ in server.log if request.path == path]


def run_yaml(tmp_path: Path, text: str, session: requests.Session | None = None) -> RunResult:
    path = tmp_path / "redirects.yaml"
    path.write_text(text, encoding="utf-8")
    plan = plan_run(
        [load_collection(path, base_dir=tmp_path)], RunOptions(environ={"SECRET": SECRET})
    )
    if session is not None:
        return Engine(plan, session).run()
    with new_session() as own:
        return Engine(plan, own).run()


AUTHS = {
    "apikey header": ("{apikey: {header: X-API-Key, value: <<SECRET>>}}", "x-api-key", SECRET),
    "apikey, any name": (
        "{apikey: {header: X-Custom-Key, value: <<SECRET>>}}",
        "x-custom-key",
        SECRET,
    ),
    "bearer": ("{bearer: <<SECRET>>}", "authorization", f"Bearer {SECRET}"),
    "basic": ("{basic: {username: ann, password: <<SECRET>>}}", "authorization", None),
}


def request_yaml(start: str, auth: str, headers: str = "{}") -> str:
    return f"""
secrets: [SECRET]
requests:
  - name: Redirected
    url: {start}
    auth: {auth}
    headers: {headers}
    assert: {{status: 200}}
"""


@pytest.mark.parametrize("kind", list(AUTHS))
@pytest.mark.parametrize("other", ["another port", "another host"])
def test_auth_headers_reach_the_first_origin_and_not_the_next(
    tmp_path: Path, servers: tuple[HTTPServer, HTTPServer], kind: str, other: str
) -> None:
    first, second = servers
    # localhost is the first server itself under another name: another host, the same socket.
    target = url(second, "/land") if other == "another port" else url(first, "/land", "localhost")
    landing = second if other == "another port" else first
    first.expect_request("/start").respond_with_response(redirect(target))
    landing.expect_request("/land").respond_with_handler(echo)
    auth, header, value = AUTHS[kind]
    result = run_yaml(tmp_path, request_yaml(url(first, "/start"), auth))
    assert result.exit_code == 0, result.requests
    (start,) = received(first, "/start")
    sent = start.headers.get(header)
    assert sent is not None and (value is None or sent == value)
    (land,) = received(landing, "/land")
    assert not any(name in land.headers for name in CREDENTIAL_HEADERS), dict(land.headers)


@pytest.mark.parametrize("location", ["/land", "absolute"])
@pytest.mark.parametrize("kind", list(AUTHS))
def test_a_same_origin_redirect_keeps_the_auth_headers(
    tmp_path: Path, servers: tuple[HTTPServer, HTTPServer], kind: str, location: str
) -> None:
    first, _ = servers
    target = url(first, "/land") if location == "absolute" else location
    first.expect_request("/start").respond_with_response(redirect(target, 307))
    first.expect_request("/land").respond_with_handler(echo)
    auth, header, _ = AUTHS[kind]
    result = run_yaml(tmp_path, request_yaml(url(first, "/start"), auth))
    assert result.exit_code == 0, result.requests
    (start,) = received(first, "/start")
    (land,) = received(first, "/land")
    assert land.headers.get(header) == start.headers.get(header) is not None


def test_headers_written_by_hand_follow_unless_they_are_credentials(
    tmp_path: Path, servers: tuple[HTTPServer, HTTPServer]
) -> None:
    """As curl (since 7.58) and browsers: Authorization and the headers postrun masks by name
    stay behind; any other header of the user's goes along."""
    first, second = servers
    first.expect_request("/start").respond_with_response(redirect(url(second, "/land")))
    second.expect_request("/land").respond_with_handler(echo)
    headers = (
        "{Authorization: Bearer <<SECRET>>, X-API-Key: <<SECRET>>, apikey: <<SECRET>>, "
        "Proxy-Authorization: Basic <<SECRET>>, X-Trace: trace-1, Accept: application/json}"
    )
    yaml = request_yaml(url(first, "/start"), "none", headers)
    assert run_yaml(tmp_path, yaml).exit_code == 0
    (start,) = received(first, "/start")
    assert start.headers["X-API-Key"] == start.headers["apikey"] == SECRET
    (land,) = received(second, "/land")
    assert land.headers.get("X-Trace") == "trace-1"
    assert land.headers.get("Accept") == "application/json"
    assert SECRET not in json.dumps(dict(land.headers))


def test_oauth2_token_stays_with_the_first_origin(
    tmp_path: Path, servers: tuple[HTTPServer, HTTPServer]
) -> None:
    first, second = servers
    first.expect_request("/token", method="POST").respond_with_json(
        {"access_token": "at-Redirect-1", "token_type": "bearer", "expires_in": 60}
    )
    first.expect_request("/start").respond_with_response(redirect(url(second, "/land")))
    second.expect_request("/land").respond_with_handler(echo)
    auth = (
        f'{{oauth2: {{token_url: "{url(first, "/token")}", client_id: app, '
        "client_secret: <<SECRET>>}}"
    )
    assert run_yaml(tmp_path, request_yaml(url(first, "/start"), auth)).exit_code == 0
    (start,) = received(first, "/start")
    assert start.headers["Authorization"] == "Bearer at-Redirect-1"
    (land,) = received(second, "/land")
    assert "Authorization" not in land.headers


@pytest.mark.parametrize("same_origin", [True, False], ids=["same origin", "another origin"])
def test_digest_answers_the_challenges_of_the_first_origin_only(
    tmp_path: Path, servers: tuple[HTTPServer, HTTPServer], same_origin: bool
) -> None:
    first, second = servers
    landing = first if same_origin else second
    first.expect_request("/start").respond_with_handler(
        digest_handler("ann", SECRET, then=redirect(url(landing, "/land")))
    )
    landing.expect_request("/land").respond_with_handler(digest_handler("ann", SECRET))
    auth = "{digest: {username: ann, password: <<SECRET>>}}"
    result = run_yaml(tmp_path, request_yaml(url(first, "/start"), auth))
    assert result.exit_code == (0 if same_origin else 1), result.requests
    assert [bool(r.headers.get("Authorization")) for r in received(first, "/start")] == [
        False,
        True,
    ]
    answered = [bool(r.headers.get("Authorization")) for r in received(landing, "/land")]
    # The other origin's challenge goes unanswered: one request, no digest sent to it.
    assert answered == ([False, True] if same_origin else [False])


def test_a_query_apikey_goes_only_where_the_server_sends_it(
    tmp_path: Path, servers: tuple[HTTPServer, HTTPServer]
) -> None:
    """The key is part of the first URL; the next URL is the server's Location, taken as is."""
    first, second = servers
    first.expect_request("/start").respond_with_response(redirect(url(second, "/land?page=2")))
    second.expect_request("/land").respond_with_handler(echo)
    auth = "{apikey: {query: key, value: <<SECRET>>}}"
    assert run_yaml(tmp_path, request_yaml(url(first, "/start"), auth)).exit_code == 0
    (start,) = received(first, "/start")
    assert start.args["key"] == SECRET
    (land,) = received(second, "/land")
    assert dict(land.args) == {"page": "2"}


def test_a_front_ends_own_session_and_hooks_are_kept(
    tmp_path: Path, servers: tuple[HTTPServer, HTTPServer]
) -> None:
    """Any requests.Session works (Locust's HttpSession is one), its own hooks still run."""
    first, second = servers
    first.expect_request("/start").respond_with_response(redirect(url(second, "/land")))
    second.expect_request("/land").respond_with_handler(echo)
    seen: list[int] = []

    class FrontEndSession(requests.Session):
        pass

    session = FrontEndSession()
    session.hooks["response"].append(lambda response, **kwargs: seen.append(response.status_code))
    auth = AUTHS["apikey header"][0]
    with session:
        assert run_yaml(tmp_path, request_yaml(url(first, "/start"), auth), session).exit_code == 0
    assert seen == [302, 200]
    (land,) = received(second, "/land")
    assert "X-API-Key" not in land.headers


@pytest.mark.parametrize(
    ("old", "location", "leaves"),
    [
        ("http://127.0.0.1:8000/a", "/b", False),
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/b", False),
        ("http://127.0.0.1:8000/a", "//127.0.0.1:8000/b", False),
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:8001/b", True),
        ("http://127.0.0.1:8000/a", "http://localhost:8000/b", True),
        ("http://127.0.0.1:8000/a", "//localhost:8000/b", True),
        ("https://api.test/a", "http://api.test/b", True),
        ("http://api.test:8080/a", "https://api.test/b", True),
        # requests' own exception for Authorization: an upgrade to https on the standard ports.
        ("http://api.test/a", "https://api.test/b", False),
        ("http://api.test:80/a", "https://api.test:443/b", False),
        ("http://api.test/a", "http://api.test:80/b", False),
        ("http://api.test/a", "http://API.test/b", False),
        ("http://api.test/a", "http://[::1/b", True),
    ],
)
def test_which_redirects_leave_the_origin(old: str, location: str, leaves: bool) -> None:
    assert _leaves_origin(old, location) is leaves
