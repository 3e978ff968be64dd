"""Request bodies (FORMAT.md 1.2) through the Engine, parsed by a real server on loopback."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.engine import Engine, RunOptions, plan_run
from runner.errors import LoadError
from runner.events import RequestSent
from runner.loader import load_collection
from runner.results import RunResult
from runner.transport import new_session

ALL_BYTES = bytes(range(256)) * 4


@dataclass
class Seen:
    """What the server parsed from one request (read inside the handler, while it is open)."""

    content_types: list[str]
    content_length: str | None
    transfer_encoding: str | None
    data: bytes
    form: dict[str, list[str]]
    files: dict[str, tuple[str | None, str, bytes]]


def record(httpserver: HTTPServer, path: str = "/echo") -> list[Seen]:
    seen: list[Seen] = []

    def handler(request: Request) -> Response:
        data = request.get_data(cache=True, parse_form_data=False)
        files = {
            name: (part.filename, part.mimetype, part.read())
            for name, part in request.files.items()
        }
        seen.append(
            Seen(
                request.headers.getlist("Content-Type"),
                request.headers.get("Content-Length"),
                request.headers.get("Transfer-Encoding"),
                data,
                {key: request.form.getlist(key) for key in request.form},
                files,
            )
        )
        return Response("{}", content_type="application/json")

    httpserver.expect_request(path, method="POST").respond_with_handler(handler)
    return seen


def run_yaml(tmp_path: Path, text: str) -> tuple[RunResult, list[Any]]:
    path = tmp_path / "collection.yaml"
    path.write_text(text, encoding="utf-8")
    plan = plan_run([load_collection(path, base_dir=tmp_path)], RunOptions())
    events: list[Any] = []
    with new_session() as session:
        return Engine(plan, session, [events.append]).run(), events


def collection(url: str, body: str, headers: str = "") -> str:
    """A one-request collection; ``body`` and ``headers`` are YAML blocks indented by 6."""
    head = f"    headers:\n{headers}" if headers else ""
    return f"""
variables:
  name: world
  n: 3
requests:
  - name: Send
    method: POST
    url: {url}
{head}    body:
{body}
    assert:
      status: 200
"""


def write_files(tmp_path: Path) -> None:
    (tmp_path / "photo.png").write_bytes(ALL_BYTES)
    (tmp_path / "blob.bin").write_bytes(ALL_BYTES)
    (tmp_path / "notes.txt").write_text("plain notes\n", encoding="utf-8")


BODIES: dict[str, str] = {
    "json": "      json:\n        greeting: hello <<name>>\n        n: <<n>>\n        tags: [a, b]",
    "raw": '      raw: "hello <<name>>\\n"',
    "form": "      form:\n        greeting: hello <<name>>\n        tag: [a, b]",
    "multipart": "      multipart:\n        title: hello <<name>>\n        doc: {file: notes.txt}",
    "file": "      file: blob.bin",
    "graphql": (
        "      graphql:\n        query: 'query ($id: ID!) { user(id: $id) { name } }'\n"
        "        variables: {id: <<n>>}"
    ),
}


def check_json(seen: Seen) -> None:
    assert json.loads(seen.data) == {"greeting": "hello world", "n": 3, "tags": ["a", "b"]}


def check_raw(seen: Seen) -> None:
    assert seen.data == b"hello world\n"


def check_form(seen: Seen) -> None:
    assert seen.form == {"greeting": ["hello world"], "tag": ["a", "b"]}


def check_multipart(seen: Seen) -> None:
    assert seen.form == {"title": ["hello world"]}
    assert seen.files == {"doc": ("notes.txt", "text/plain", b"plain notes\n")}


def check_file(seen: Seen) -> None:
    assert seen.data == ALL_BYTES


def check_graphql(seen: Seen) -> None:
    assert json.loads(seen.data) == {
        "query": "query ($id: ID!) { user(id: $id) { name } }",
        "variables": {"id": 3},
    }


@pytest.mark.parametrize(
    ("kind", "content_type", "check"),
    [
        ("json", "application/json", check_json),
        ("raw", "text/plain", check_raw),
        ("form", "application/x-www-form-urlencoded", check_form),
        ("multipart", "multipart/form-data; boundary=", check_multipart),
        ("file", "application/octet-stream", check_file),
        ("graphql", "application/json", check_graphql),
    ],
)
def test_each_body_kind_arrives_with_its_default_content_type(
    tmp_path: Path, httpserver: HTTPServer, kind: str, content_type: str, check: Any
) -> None:
    write_files(tmp_path)
    seen = record(httpserver)
    result, _ = run_yaml(tmp_path, collection(httpserver.url_for("/echo"), BODIES[kind]))
    assert result.exit_code == 0, result.requests[0]
    (request,) = seen
    assert len(request.content_types) == 1
    assert request.content_types[0].startswith(content_type)
    check(request)


@pytest.mark.parametrize(
    ("kind", "header", "sent_type", "check"),
    [
        ("json", "content-type", "application/vnd.api+json", check_json),
        ("raw", "CONTENT-TYPE", "application/xml; charset=utf-8", check_raw),
        ("form", "Content-type", "application/x-www-form-urlencoded; charset=utf-8", check_form),
        ("file", "content-Type", "image/png", check_file),
        ("graphql", "Content-Type", "application/graphql-response+json", check_graphql),
    ],
)
def test_an_explicit_content_type_wins_in_any_case(
    tmp_path: Path, httpserver: HTTPServer, kind: str, header: str, sent_type: str, check: Any
) -> None:
    write_files(tmp_path)
    seen = record(httpserver)
    headers = f'      {header}: "{sent_type}"\n'
    result, _ = run_yaml(tmp_path, collection(httpserver.url_for("/echo"), BODIES[kind], headers))
    assert result.exit_code == 0, result.requests[0]
    (request,) = seen
    assert request.content_types == [sent_type]
    check(request)


def test_an_explicit_multipart_type_gets_the_encoders_boundary(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    write_files(tmp_path)
    seen = record(httpserver)
    headers = "      content-TYPE: multipart/form-data\n"
    result, _ = run_yaml(
        tmp_path, collection(httpserver.url_for("/echo"), BODIES["multipart"], headers)
    )
    assert result.exit_code == 0, result.requests[0]
    (request,) = seen
    (content_type,) = request.content_types
    assert content_type.startswith("multipart/form-data; boundary=")
    check_multipart(request)  # the server found the parts with that boundary


def test_an_explicit_non_multipart_type_is_sent_as_written(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    write_files(tmp_path)
    seen = record(httpserver)
    headers = "      Content-Type: application/octet-stream\n"
    result, _ = run_yaml(
        tmp_path, collection(httpserver.url_for("/echo"), BODIES["multipart"], headers)
    )
    assert result.exit_code == 0
    assert seen[0].content_types == ["application/octet-stream"]
    assert b'name="title"' in seen[0].data


def test_multipart_uploads_binary_files_intact_with_their_types(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    write_files(tmp_path)
    seen = record(httpserver)
    body = """      multipart:
        purpose: fine-tune
        image: {file: photo.png, content_type: image/x-custom}
        guessed: {file: photo.png}
        unknown: {file: blob.bin}
"""
    result, _ = run_yaml(tmp_path, collection(httpserver.url_for("/echo"), body))
    assert result.exit_code == 0, result.requests[0]
    (request,) = seen
    assert request.form == {"purpose": ["fine-tune"]}
    assert request.files == {
        "image": ("photo.png", "image/x-custom", ALL_BYTES),
        "guessed": ("photo.png", "image/png", ALL_BYTES),
        "unknown": ("blob.bin", "application/octet-stream", ALL_BYTES),
    }


def test_a_file_body_is_streamed_with_its_length(tmp_path: Path, httpserver: HTTPServer) -> None:
    big = ALL_BYTES * 1024  # 1 MiB: every byte value, many times
    (tmp_path / "big.bin").write_bytes(big)
    seen = record(httpserver)
    result, events = run_yaml(
        tmp_path, collection(httpserver.url_for("/echo"), "      file: big.bin")
    )
    assert result.exit_code == 0, result.requests[0]
    (request,) = seen
    assert request.data == big
    assert request.content_length == str(len(big))
    assert request.transfer_encoding is None
    (sent,) = [event.request for event in events if isinstance(event, RequestSent)]
    # The prepared body was the open file, not bytes read into memory.
    assert sent.body is None
    assert ("Content-Length", str(len(big))) in sent.headers


def test_a_body_file_removed_after_loading_fails_that_request(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    write_files(tmp_path)
    path = tmp_path / "collection.yaml"
    path.write_text(collection(httpserver.url_for("/echo"), "      file: blob.bin"), "utf-8")
    plan = plan_run([load_collection(path, base_dir=tmp_path)], RunOptions())
    (tmp_path / "blob.bin").unlink()
    with new_session() as session:
        result = Engine(plan, session).run()
    error = result.requests[0].error or ""
    assert error.startswith("could not read the body file:")
    assert "blob.bin" in error


@pytest.mark.parametrize(
    ("body", "line", "column"),
    [
        ("      file: missing.bin", 10, 13),
        ("      multipart:\n        doc: {file: missing.bin}", 11, 21),
    ],
)
def test_a_body_path_that_does_not_exist_is_a_load_error(
    tmp_path: Path, body: str, line: int, column: int
) -> None:
    path = tmp_path / "collection.yaml"
    path.write_text(collection("http://127.0.0.1:1/x", body), encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_collection(path, base_dir=tmp_path)
    error = caught.value
    assert error.message == "'file' path 'missing.bin' does not exist"
    assert error.location is not None
    assert (error.location.line, error.location.column) == (line, column)


@pytest.mark.parametrize(
    ("header", "text", "data", "error"),
    [
        ("", "café", "café".encode(), None),
        ('      Content-Type: "text/plain; charset=iso-8859-1"\n', "café", b"caf\xe9", None),
        (
            '      content-type: "text/csv; charset=latin-1"\n',
            "日本",
            None,
            "the raw body cannot be sent as latin-1: it contains '日本'",
        ),
    ],
)
def test_raw_bodies_use_the_declared_charset(
    tmp_path: Path,
    httpserver: HTTPServer,
    header: str,
    text: str,
    data: bytes | None,
    error: str | None,
) -> None:
    seen = record(httpserver)
    result, _ = run_yaml(
        tmp_path, collection(httpserver.url_for("/echo"), f"      raw: {text}", header)
    )
    assert result.requests[0].error == error
    assert [request.data for request in seen] == ([data] if data is not None else [])
