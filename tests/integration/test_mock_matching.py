"""The mock server's matching and answers, in-process, over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from runner.mockserver import MockServer
from runner.mockserver.serving import load_server
from runner.mockserver.testing import mock_fixture, mock_server

USERS = Path(__file__).resolve().parents[1] / "data" / "mock" / "users.yaml"

users_api = mock_fixture(USERS, variables={"group": "staff"}, scope="module")


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as client:
        yield client


def test_path_placeholders_are_rendered_in_the_example_and_typed_in_json(
    users_api: MockServer, session: requests.Session
) -> None:
    response = session.get(f"{users_api.base_url}/users/7", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"id": 7, "name": "user 7", "group": "staff"}
    # The variable holding the origin is the mock's own URL in its answers.
    assert response.headers["Location"] == f"{users_api.base_url}/users/7"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_trailing_slash_and_a_text_segment_match_too(
    users_api: MockServer, session: requests.Session
) -> None:
    response = session.get(f"{users_api.base_url}/users/ann/", timeout=10)
    assert response.json()["id"] == "ann"


def test_the_query_picks_among_requests_of_one_path(
    users_api: MockServer, session: requests.Session
) -> None:
    search = f"{users_api.base_url}/search"
    assert session.get(search, params={"q": "dogs"}, timeout=10).json() == ["dog"]
    assert session.get(search, params={"q": "cats"}, timeout=10).json() == ["cat"]


def test_header_values_pick_among_requests_of_one_path(
    users_api: MockServer, session: requests.Session
) -> None:
    export = f"{users_api.base_url}/export"
    csv = session.get(export, headers={"Accept": "text/csv"}, timeout=10)
    assert csv.text == "id\n1\n"
    assert session.get(export, headers={"Accept": "application/json"}, timeout=10).json() == {
        "ids": [1]
    }


def test_required_headers_must_match_or_nothing_answers(
    users_api: MockServer, session: requests.Session
) -> None:
    export = f"{users_api.base_url}/export"
    strict = {"x-mock-match-request-headers": "Accept", "Accept": "text/html"}
    response = session.get(export, headers=strict, timeout=10)
    assert response.status_code == 404
    assert "headers or body required" in response.json()["error"]


def test_the_json_body_picks_among_requests_of_one_path(
    users_api: MockServer, session: requests.Session
) -> None:
    orders = f"{users_api.base_url}/orders"
    assert session.post(orders, json={"kind": "refund"}, timeout=10).json() == {"kind": "refund"}
    assert session.post(orders, json={"kind": "sale", "total": 3}, timeout=10).json() == {
        "kind": "sale"
    }
    strict = {"x-mock-match-request-body": "true"}
    missing = session.post(orders, json={"kind": "gift"}, headers=strict, timeout=10)
    assert missing.status_code == 404


def test_the_response_code_header_picks_the_example_with_that_status(
    users_api: MockServer, session: requests.Session
) -> None:
    response = session.get(
        f"{users_api.base_url}/users/3", headers={"x-mock-response-code": "404"}, timeout=10
    )
    assert response.status_code == 404
    assert response.json() == {"error": "no user 3"}


def test_head_is_answered_by_the_get_route_without_a_body(
    users_api: MockServer, session: requests.Session
) -> None:
    response = session.head(f"{users_api.base_url}/users/7", timeout=10)
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["Content-Length"]) > 0


def test_any_method_has_its_route_and_204_has_no_body(
    users_api: MockServer, session: requests.Session
) -> None:
    response = session.request("PURGE", f"{users_api.base_url}/cache", timeout=10)
    assert response.status_code == 204
    assert response.content == b""
    assert session.delete(f"{users_api.base_url}/cache", timeout=10).status_code == 404


def test_a_url_known_only_at_run_time_matches_any_path_least_specifically(
    users_api: MockServer, session: requests.Session
) -> None:
    base = users_api.base_url
    assert session.get(f"{base}/anything/at/all", timeout=10).json() == {"page": 2}
    assert session.get(f"{base}/posts/9/comments", timeout=10).json() == {"comments": []}
    assert session.get(f"{base}/users/5", timeout=10).json()["id"] == 5  # specific wins


def test_a_browser_preflight_is_answered(users_api: MockServer, session: requests.Session) -> None:
    response = session.options(
        f"{users_api.base_url}/orders",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-mock-example",
        },
        timeout=10,
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert response.headers["Access-Control-Allow-Headers"] == "content-type, x-mock-example"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_a_chunked_request_body_is_read(users_api: MockServer, session: requests.Session) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"kind": '
        yield b'"refund"}'

    response = session.post(
        f"{users_api.base_url}/orders",
        data=body(),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.json() == {"kind": "refund"}
    # The connection is still good for the next request.
    assert session.get(f"{users_api.base_url}/users/1", timeout=10).status_code == 200


def test_the_log_has_one_line_per_request_without_the_query(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    with log.open("w") as stream, load_server((USERS,), log=stream) as server:
        requests.get(f"{server.base_url}/search?q=dogs&key=s3cret", timeout=10)
        requests.post(f"{server.base_url}/nope", timeout=10)
    lines = log.read_text().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("GET /search -> 200 Search dogs [dogs] (")
    assert lines[1].startswith("POST /nope -> 404 no route matches POST /nope (")
    assert "s3cret" not in log.read_text()


def test_the_context_manager_frees_its_port() -> None:
    with mock_server(USERS) as server:
        url = f"{server.base_url}/users/1"
        assert requests.get(url, timeout=10).status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)


def test_a_bug_costs_one_answer_a_500_and_the_server_goes_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import runner.mockserver.server as server_module

    def broken(*args: object) -> object:
        raise RuntimeError("boom")

    log = tmp_path / "log.txt"
    with log.open("w") as stream, load_server((USERS,), log=stream) as server:
        monkeypatch.setattr(server_module, "answer", broken)
        response = requests.get(f"{server.base_url}/users/1", timeout=10)
        assert response.status_code == 500
        assert response.json() == {"error": "internal error in postrun mock (RuntimeError: boom)"}
        monkeypatch.undo()
        assert requests.get(f"{server.base_url}/users/1", timeout=10).status_code == 200


def test_a_client_that_leaves_mid_answer_leaves_no_traceback(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import socket
    import struct

    with load_server((USERS,)) as server:
        for _ in range(20):
            with socket.create_connection(server.server_address[:2]) as raw:
                raw.sendall(b"GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\n")
                # Linger 0: the close is a reset, while the server may still be writing.
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        assert requests.get(f"{server.base_url}/users/1", timeout=10).status_code == 200
    assert "Traceback" not in capfd.readouterr().err


def test_the_path_of_the_base_url_may_prefix_every_route(session: requests.Session) -> None:
    # base_url is https://api.openai.com/v1: a client whose base URL keeps the /v1 is served too.
    chat = Path(__file__).resolve().parents[2] / "collections" / "openai-chat.yaml"
    with mock_server(chat) as server:
        for path in ("/chat/completions", "/v1/chat/completions"):
            response = session.post(f"{server.base_url}{path}", json={}, timeout=10)
            assert response.status_code == 200, path
        assert session.post(f"{server.base_url}/v2/chat/completions", timeout=10).status_code == 404
