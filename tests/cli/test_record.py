"""``postrun run --record`` and ``--record-missing`` against a real loopback server."""

from __future__ import annotations

import base64
import difflib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.cli import cli
from runner.loader import load_collection

SECRET = "tok-3f9a61c2-secret"

COLLECTION = """\
# Notes against a real server: recorded, then replayed with --mock.
name: Record me
variables:
  base_url: http://127.0.0.1:9   # every run sets it with --var
secrets: [TOKEN]

x-anchors: &json-ok   # an anchor under an x- key, with a comment after it
  status: 200

requests:
  - name: Read note    # the first request
    url: <<base_url>>/notes/42
    headers: {Authorization: Bearer <<TOKEN>>, Accept: application/json}
    assert:
      <<: *json-ok
      jsonpath: {$.id: 42, $.tags: {contains: home}}
      headers: {ETag: '"r1"'}

  # A folder: the examples go at the request's own indentation.
  - name: Notes
    requests:
      - name: Create note
        method: POST
        url: <<base_url>>/notes
        body: {json: {title: "Buy <<TOKEN>>"}}
        assert: {status: 201, jsonpath: {$.title: {starts_with: Buy}}}
        examples:
          - name: hand-written   # kept as it is by --record
            status: 201
            body: {id: 1, title: Buy}
      - name: Read as text
        url: <<base_url>>/notes/42.md
        assert:
          body: {contains: "literal <<not a placeholder>>"}
"""


def real_api(request: Request) -> Response:
    """A server that echoes the token, sets a cookie and stamps every answer."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    volatile = {
        "Date": "Thu, 03 Dec 2026 10:00:00 GMT",
        "Set-Cookie": f"session={token}; HttpOnly",
        "X-Request-Id": "req-8d1f",
        "Server": "real/1.0",
    }
    if request.path == "/notes/42":
        body = {"id": 42, "tags": ["home"], "echo": token, "b64": base64.b64encode(token.encode())}
        body["b64"] = body["b64"].decode()
        headers = {**volatile, "ETag": '"r1"', "X-Echo": token}
        return Response(json.dumps(body), 200, headers, content_type="application/json")
    if request.path == "/notes":
        title = json.loads(request.data)["title"]
        return Response(json.dumps({"id": 43, "title": title}), 201, volatile, "application/json")
    text = f"# Note 42\n\nliteral <<not a placeholder>>\nsigned {token or 'anonymous'}\n"
    return Response(text, 200, volatile, content_type="text/markdown; charset=utf-8")


@pytest.fixture
def api(httpserver: HTTPServer) -> str:
    httpserver.expect_request("/notes/42").respond_with_handler(real_api)
    httpserver.expect_request("/notes").respond_with_handler(real_api)
    httpserver.expect_request("/notes/42.md").respond_with_handler(real_api)
    return httpserver.url_for("").rstrip("/")


@pytest.fixture
def collection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TOKEN", SECRET)
    path = tmp_path / "notes.yaml"
    path.write_text(COLLECTION)
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["run", *args, "--no-color"])
    return result.exit_code, result.output


def only_inserted(before: str, after: str) -> bool:
    """True when ``after`` is ``before`` with lines added and none changed or removed."""
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), False)
    return all(tag in ("equal", "insert") for tag, *_ in matcher.get_opcodes())


def test_recorded_examples_replay_green_under_mock(api: str, collection: Path) -> None:
    status, output = run(str(collection), "--var", f"base_url={api}", "--record")
    assert status == 0, output
    assert f"recorded 3 examples into {collection}" in output
    status, output = run(str(collection), "--mock")
    assert status == 0, output
    assert "0 failed" in output


def test_recording_keeps_every_comment_and_line_of_the_file(api: str, collection: Path) -> None:
    before = collection.read_text()
    run(str(collection), "--var", f"base_url={api}", "--record")
    after = collection.read_text()
    assert only_inserted(before, after)
    comments = [line for line in before.splitlines() if "#" in line]
    assert all(line in after.splitlines() for line in comments)


def test_the_secret_appears_nowhere_in_the_recorded_file(api: str, collection: Path) -> None:
    run(str(collection), "--var", f"base_url={api}", "--record")
    text = collection.read_text()
    assert SECRET not in text
    assert base64.b64encode(SECRET.encode()).decode() not in text
    assert "****" in text  # the echoes are there, masked


def test_volatile_and_credential_headers_are_left_out(api: str, collection: Path) -> None:
    run(str(collection), "--var", f"base_url={api}", "--record")
    read = load_collection(collection).requests[0]
    (example,) = read.examples
    assert example.name == "recorded"
    assert example.status == 200
    headers = {name.lower(): value for name, value in example.headers.items()}
    assert headers["etag"] == '"r1"'
    assert headers["content-type"] == "application/json"
    assert headers["x-echo"] == "****"
    for gone in ("date", "set-cookie", "x-request-id", "server", "content-length"):
        assert gone not in headers
    assert example.body["id"] == 42


def test_a_new_example_goes_first_and_the_hand_written_one_stays(
    api: str, collection: Path
) -> None:
    run(str(collection), "--var", f"base_url={api}", "--record")
    create = load_collection(collection).requests[1]
    assert [example.name for example in create.examples] == ["recorded", "hand-written"]
    assert create.examples[0].body == {"id": 43, "title": "Buy ****"}


def test_placeholder_like_text_is_recorded_literally(api: str, collection: Path) -> None:
    run(str(collection), "--var", f"base_url={api}", "--record")
    text = collection.read_text()
    assert "literal \\<<not a placeholder>>" in text
    markdown = load_collection(collection).requests[2].examples[0]
    assert markdown.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert markdown.body.startswith("# Note 42\n\nliteral \\<<not a placeholder>>\n")


def test_recording_again_replaces_the_recorded_example(api: str, collection: Path) -> None:
    run(str(collection), "--var", f"base_url={api}", "--record")
    once = collection.read_text()
    status, output = run(str(collection), "--var", f"base_url={api}", "--record")
    assert status == 0, output
    assert collection.read_text() == once


def test_record_missing_leaves_requests_that_have_examples(api: str, collection: Path) -> None:
    status, output = run(str(collection), "--var", f"base_url={api}", "--record-missing")
    assert status == 0, output
    assert "recorded 2 examples" in output
    requests = load_collection(collection).requests
    assert [example.name for example in requests[1].examples] == ["hand-written"]
    assert [example.name for example in requests[0].examples] == ["recorded"]


def test_a_failed_request_records_nothing_and_the_others_still_do(
    api: str, collection: Path
) -> None:
    text = collection.read_text().replace("<<base_url>>/notes/42.md", "http://127.0.0.1:9/x")
    collection.write_text(text)
    status, output = run(str(collection), "--var", f"base_url={api}", "--record")
    assert status == 1
    assert "recorded 2 examples" in output
    assert load_collection(collection).requests[2].examples == ()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--record", "--mock"], "--record records real responses: it cannot go with --mock"),
        (["--record-missing", "--show-secrets"], "a secret would be written to the file"),
        (["--record", "--record-missing"], "--record and --record-missing exclude each other"),
    ],
)
def test_record_flags_that_cannot_go_together(
    collection: Path, flags: list[str], message: str
) -> None:
    before = collection.read_text()
    status, output = run(str(collection), *flags)
    assert status == 2
    assert message in output
    assert collection.read_text() == before


def test_without_ruamel_record_says_how_to_install_it(
    collection: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name.startswith("ruamel") else real(name, *a),
    )
    status, output = run(str(collection), "--record")
    assert status == 2
    assert "pip install 'postrun[record]'" in output


def test_flow_style_examples_are_named_not_broken(api: str, tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(
        "requests:\n"
        f"  - {{name: a, url: '{api}/notes/42'}}\n"
        "  - name: b\n"
        f"    url: {api}/notes/42\n"
        "    examples: [{name: ok, body: {id: 1}}]\n"
        "  - name: c   # empty list on one line: rewritten\n"
        f"    url: {api}/notes/42\n"
        "    examples: []\n"
    )
    result = CliRunner().invoke(cli, ["run", str(path), "--record"])
    assert result.exit_code == 0, result.output
    assert f"not recorded: {path}:2: the request is a flow mapping" in result.output
    assert f"not recorded: {path}:3: its examples are a flow list" in result.output
    assert "recorded 1 example into" in result.output
    requests = load_collection(path).requests
    assert [len(request.examples) for request in requests] == [0, 1, 1]
    assert requests[2].examples[0].name == "recorded"
    assert "  - name: c   # empty list on one line: rewritten\n" in path.read_text()


def test_a_file_that_no_longer_parses_is_said_and_the_others_are_written(
    collection: Path, tmp_path: Path
) -> None:
    from runner.recording import Recorder

    recorder = Recorder()
    other = tmp_path / "other.yaml"
    other.write_text("requests:\n  - name: x\n    url: http://x/\n")
    # The recorder on its own: a file broken after the run is reported, the others written.
    from runner.events import RequestFinished
    from runner.results import RequestResult, ResponseData
    from runner.source import SourceLocation

    def finished(path: Path, line: int) -> RequestFinished:
        result = RequestResult("c", "x", "x", "GET", "u", SourceLocation(str(path), line, 5))
        response = ResponseData(200, "OK", (("Content-Type", "text/plain"),), b"hi", 1.0, "u")
        return RequestFinished(result, None, response)

    recorder(finished(other, 2))
    recorder(finished(collection, 12))
    collection.write_text("requests: [\n")
    written, problems = recorder.write()
    assert written == [f"recorded 1 example into {other}"]
    assert problems == [f"cannot record into {collection}: it no longer parses as YAML at line 2"]
    assert load_collection(other).requests[0].examples[0].body == "hi"


def test_record_under_jobs_writes_every_file_once(api: str, collection: Path) -> None:
    second = collection.with_name("second.yaml")
    second.write_text(collection.read_text())
    status, output = run(
        str(collection),
        str(second),
        "--var",
        f"base_url={api}",
        "--record",
        "--jobs",
        "2",
        "--iterations",
        "2",
    )
    assert status == 0, output
    for path in (collection, second):
        assert f"recorded 3 examples into {path}" in output
        names = [example.name for example in load_collection(path).requests[1].examples]
        assert names == ["recorded", "hand-written"]  # two iterations, one example


def test_a_block_scalar_ending_in_hash_lines_is_not_cut(api: str, tmp_path: Path) -> None:
    path = tmp_path / "scalar.yaml"
    original = (
        "requests:\n"
        "  - name: a\n"
        f"    url: {api}/notes/42\n"
        "    body:\n"
        "      raw: |\n"
        "        text\n"
        "        # not a comment: the body's last line\n"
        "  # a comment about b\n"
        "  - name: b\n"
        f"    url: {api}/notes/42\n"
    )
    path.write_text(original)
    result = CliRunner().invoke(cli, ["run", str(path), "--record"])
    assert result.exit_code == 0, result.output
    requests = load_collection(path).requests
    assert requests[0].body.value == "text\n# not a comment: the body's last line\n"
    assert [len(request.examples) for request in requests] == [1, 1]
    assert only_inserted(original, path.read_text())
    text = path.read_text()
    assert text.index("# a comment about b") < text.index("- name: b")
    assert text.index("last line\n    examples:") > 0


def test_a_secret_too_short_to_mask_refuses_the_recording_before_sending(
    httpserver: HTTPServer, collection: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKEN", "abc")
    before = collection.read_text()
    base = httpserver.url_for("").rstrip("/")
    status, output = run(str(collection), "--var", f"base_url={base}", "--record")
    assert status == 2
    assert "--record cannot hide a secret shorter than 4 characters" in output
    assert httpserver.log == []  # nothing was sent
    assert collection.read_text() == before
