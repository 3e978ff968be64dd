"""`postrun export curl`: the real curl binary sends what postrun's transport sends.

Each request is sent twice to a loopback echo server: once by ``runner.transport.send`` and once
by ``/usr/bin/curl`` running the exported command (split with shlex, no shell). The method, path,
query, the headers that matter and the body bytes must be the same (multipart: the same parts).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from runner.engine import RunOptions
from runner.errors import PostrunError
from runner.interop.curl import curl_command, export_commands, parse_curl
from runner.loader import load_collection
from runner.masking import NO_MASKING, Masker
from runner.model import AuthSpec, BodySpec
from runner.source import SourceLocation
from runner.transport import OutgoingRequest, new_session, send

CURL = "/usr/bin/curl"
HERE = SourceLocation("test.yaml", 1, 1)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: Message
    body: bytes


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append(Seen(self.command, self.path, self.headers, body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b"ok")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _any

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


@pytest.fixture
def echo() -> Iterator[tuple[str, list[Seen]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.seen  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def _run_curl(command: str) -> None:
    # A shell removes backslash-newline before splitting words; shlex does not.
    args = shlex.split(command.replace("\\\n", ""))
    assert args[0] == "curl"
    done = subprocess.run(
        [CURL, "-sS", "-o", "/dev/null", *args[1:]], capture_output=True, timeout=20, check=False
    )
    assert done.returncode == 0, done.stderr.decode()


def _parts(seen: Seen) -> list[tuple[str | None, str | None, str | None, bytes]]:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {seen.headers['Content-Type']}\r\n\r\n".encode() + seen.body
    )
    return [
        (
            part.get_param("name", header="content-disposition"),
            part.get_filename(),
            part.get_content_type() if part.get("Content-Type") else None,
            part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    ]


def _request(base: str, tmp_path: Path, case: str) -> OutgoingRequest:
    upload = tmp_path / "report; final.csv"
    upload.write_bytes(b"id,name\n1,\xc3\xa9mile\n")
    blob = tmp_path / "blob.bin"
    blob.write_bytes(bytes(range(256)))
    url = f"{base}/v1/items"
    cases: dict[str, OutgoingRequest] = {
        "json": OutgoingRequest(
            "POST",
            url,
            headers={"X-Team": "qa's"},
            body=BodySpec("json", {"model": "gpt", "t": 0.7, "msg": 'héllo "$HOME"\n'}, HERE),
        ),
        "raw with content type": OutgoingRequest(
            "PUT",
            url,
            headers={"Content-Type": "text/csv; charset=utf-8"},
            body=BodySpec("raw", "a,b\n1,2\n", HERE),
        ),
        "raw default type": OutgoingRequest(
            "PATCH", url, body=BodySpec("raw", "@not-a-file", HERE)
        ),
        "form": OutgoingRequest(
            "POST",
            url,
            body=BodySpec("form", {"q": "a b&c=d", "tag": ["x", "y"], "n": 3, "ok": True}, HERE),
        ),
        "multipart with a file": OutgoingRequest(
            "POST",
            url,
            body=BodySpec(
                "multipart",
                {
                    "title": "@literal <text>",
                    "doc": {"file": str(upload), "content_type": "text/csv"},
                    "bin": {"file": str(blob)},
                },
                HERE,
            ),
        ),
        "file body": OutgoingRequest("POST", url, body=BodySpec("file", str(blob), HERE)),
        "graphql": OutgoingRequest(
            "POST",
            url,
            body=BodySpec("graphql", {"query": "{ me { id } }", "variables": {"a": 1}}, HERE),
        ),
        "basic auth": OutgoingRequest(
            "GET", url, auth=AuthSpec("basic", {"username": "ann", "password": "p:ss w"}, HERE)
        ),
        "bearer auth": OutgoingRequest("DELETE", url, auth=AuthSpec("bearer", "tok-123", HERE)),
        "apikey header": OutgoingRequest(
            "GET", url, auth=AuthSpec("apikey", {"header": "X-API-Key", "value": "k1"}, HERE)
        ),
        "apikey query and params": OutgoingRequest(
            "GET",
            f"{url}?fixed=1",
            params={"page": 2, "tag": ["a b", "ü"], "empty": ""},
            auth=AuthSpec("apikey", {"query": "key", "value": "k/2"}, HERE),
        ),
        "custom headers, head": OutgoingRequest(
            "HEAD", url, headers={"Accept": "application/xml", "X-Empty": "", "X-N": "1"}
        ),
        "options": OutgoingRequest(
            "OPTIONS", url, timeout=12.5, follow_redirects=False, verify=False
        ),
    }
    return cases[case]


CASES = [
    "json",
    "raw with content type",
    "raw default type",
    "form",
    "multipart with a file",
    "file body",
    "graphql",
    "basic auth",
    "bearer auth",
    "apikey header",
    "apikey query and params",
    "custom headers, head",
    "options",
]


@pytest.mark.parametrize("case", CASES)
def test_curl_sends_what_postrun_sends(
    case: str, echo: tuple[str, list[Seen]], tmp_path: Path
) -> None:
    base, seen = echo
    outgoing = _request(base, tmp_path, case)
    with new_session() as session:
        send(outgoing, session)
    _run_curl(curl_command(outgoing, NO_MASKING))
    ours, theirs = seen
    assert (theirs.method, theirs.path) == (ours.method, ours.path)
    names = {"content-type", "authorization", "x-api-key", *map(str.lower, outgoing.headers)}
    if outgoing.body is not None and outgoing.body.kind == "multipart":
        names.discard("content-type")
        assert theirs.headers.get_content_type() == "multipart/form-data"
        assert _parts(theirs) == [
            (name, filename, ctype or None, payload)
            for name, filename, ctype, payload in _parts(ours)
        ]
    else:
        assert theirs.body == ours.body
    for name in names:
        assert theirs.headers.get_all(name) == ours.headers.get_all(name), name


@pytest.mark.parametrize(
    ("outgoing", "expected"),
    [
        (
            OutgoingRequest("GET", "http://h/x", timeout=60),
            "curl http://h/x \\\n  -L \\\n  --max-time 60",
        ),
        (
            OutgoingRequest("HEAD", "http://h/x?a=1", follow_redirects=False, timeout=None),
            "curl --head 'http://h/x?a=1'",
        ),
        (
            OutgoingRequest(
                "GET",
                "https://h/",
                auth=AuthSpec("digest", {"username": "u", "password": "p"}, HERE),
                follow_redirects=False,
                timeout=None,
                verify="ca.pem",
            ),
            "curl https://h/ \\\n  --digest -u u:p \\\n  --cacert ca.pem",
        ),
        (
            OutgoingRequest(
                "POST",
                "https://h/",
                body=BodySpec("json", {"a": "it's"}, HERE),
                follow_redirects=False,
                timeout=None,
            ),
            "curl https://h/ \\\n  -H 'Content-Type: application/json' \\\n"
            '  --data-raw \'{"a": "it\'"\'"\'s"}\'',
        ),
        (
            OutgoingRequest(
                "PUT",
                "https://h/",
                body=BodySpec("raw", '"quoted"', HERE),
                auth=AuthSpec("oauth2", {"token_url": "https://h/token"}, HERE),
                follow_redirects=False,
            ),
            "# oauth2: set OAUTH2_TOKEN to an access token from https://h/token\n"
            "curl -X PUT https://h/ \\\n  -H 'Content-Type: text/plain' \\\n"
            '  -H "Authorization: Bearer $OAUTH2_TOKEN" \\\n  --data-raw \'"quoted"\'',
        ),
    ],
)
def test_command_text(outgoing: OutgoingRequest, expected: str) -> None:
    assert curl_command(outgoing, NO_MASKING) == expected


SECRET = "sk-live-0123456789"
COLLECTION = """\
secrets: [API_KEY]
variables: {base: "<<base_url>>"}
requests:
  - name: Login
    method: POST
    url: <<base>>/login
    auth: {basic: {username: ann, password: "<<API_KEY>>"}}
    body:
      json: {key: "<<API_KEY>>", note: plain}
    capture: {token: $.token}
  - name: Users/List
    url: <<base>>/users
    params: {key: "<<API_KEY>>"}
    headers: {Authorization: Bearer <<token>>, X-Key: "<<API_KEY>>"}
"""


def _export(tmp_path: Path, base: str, *patterns: str, show: bool = False) -> dict[str, str]:
    path = tmp_path / "c.yaml"
    path.write_text(COLLECTION, encoding="utf-8")
    options = RunOptions(
        cli_vars={"base_url": base}, environ={"API_KEY": SECRET}, show_secrets=show
    )
    return dict(export_commands([load_collection(path, base_dir=tmp_path)], options, patterns))


def test_secrets_never_appear_unless_show_secrets(tmp_path: Path) -> None:
    masked = _export(tmp_path, "http://127.0.0.1:9")
    assert list(masked) == ["Login", "Users/List"]
    for command in masked.values():
        assert SECRET not in command
        assert "****" in command
    assert "-u 'ann:****'" in masked["Login"]
    assert "'Authorization: Bearer ****'" in masked["Users/List"]
    shown = _export(tmp_path, "http://127.0.0.1:9", show=True)
    assert SECRET in shown["Login"] and SECRET in shown["Users/List"]
    # A value captured at run time is unknown to export: it is left for the user to fill in.
    assert "'Authorization: Bearer <token>'" in shown["Users/List"]


def test_masker_hides_secrets_in_every_part() -> None:
    masker = Masker.create([SECRET])
    outgoing = OutgoingRequest(
        "POST",
        f"http://h/{SECRET}",
        params={"k": SECRET},
        headers={"X-Custom": f"v={SECRET}", "Cookie": "sid=abc"},
        body=BodySpec("multipart", {"field": f"pre-{SECRET}"}, HERE),
        proxy=f"http://u:{SECRET}@proxy:3128",
    )
    command = curl_command(outgoing, masker)
    assert SECRET not in command
    assert "'Cookie: ****'" in command


def test_export_selects_by_pattern_and_runs(tmp_path: Path, echo: tuple[str, list[Seen]]) -> None:
    base, seen = echo
    commands = _export(tmp_path, base, "Users/*", show=True)
    assert list(commands) == ["Users/List"]
    _run_curl(commands["Users/List"])
    (request,) = seen
    assert request.path == f"/users?key={SECRET}"
    assert request.headers["X-Key"] == SECRET
    with pytest.raises(PostrunError, match="no request matches"):
        _export(tmp_path, base, "Nothing*")


def _import_export_send(
    tmp_path: Path, seen: list[Seen], original: str, environ: dict[str, str] | None = None
) -> tuple[Seen, Seen]:
    """What ``original`` sends, then what its import, exported again (secrets shown), sends."""
    from runner.interop.curl import collection_text

    text = collection_text(parse_curl(original))
    for value in (environ or {}).values():
        assert value not in text
    path = tmp_path / "imported.yaml"
    path.write_text(text, encoding="utf-8")
    options = RunOptions(environ=environ or {}, show_secrets=True)
    ((_, exported),) = export_commands([load_collection(path, base_dir=tmp_path)], options)
    _run_curl(original)
    _run_curl(exported)
    first, second = seen
    assert (first.method, first.path) == (second.method, second.path)
    return first, second


def test_import_then_export_sends_the_pasted_request(
    tmp_path: Path, echo: tuple[str, list[Seen]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pasted command, imported and exported again, sends what the original command sends."""
    base, seen = echo
    monkeypatch.chdir(tmp_path)
    original = (
        f"curl -sS {base}/v1/chat?x=1 -H 'Content-Type: application/json' "
        """-H 'X-Trace: t1' -d '{"model": "m", "n": [1, 2]}'"""
    )
    first, second = _import_export_send(tmp_path, seen, original)
    assert first.headers["Content-Type"] == second.headers["Content-Type"]
    assert first.headers["X-Trace"] == second.headers["X-Trace"]
    assert json.loads(first.body) == json.loads(second.body)


def test_import_with_literal_credentials_then_export_sends_them_again(
    tmp_path: Path, echo: tuple[str, list[Seen]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The credentials became secrets; with them set, the exported command sends the original."""
    base, seen = echo
    monkeypatch.chdir(tmp_path)
    original = (
        f"curl -u ann:pw-round-trip-1 -H 'X-Api-Key: ak-round-trip-2' "
        f"'{base}/v1/items?token=tk-round-trip-3&page=2' -b 'sid=sd-round-trip-4'"
    )
    assert parse_curl(original).secrets == ("BASIC_PASSWORD", "X_API_KEY", "COOKIE", "TOKEN")
    environ = {
        "BASIC_PASSWORD": "pw-round-trip-1",
        "X_API_KEY": "ak-round-trip-2",
        "COOKIE": "sid=sd-round-trip-4",
        "TOKEN": "tk-round-trip-3",
    }
    first, second = _import_export_send(tmp_path, seen, original, environ)
    for header in ("Authorization", "X-Api-Key", "Cookie"):
        assert first.headers[header] == second.headers[header]
