"""``$ref`` in schemas (issue 15.1 and 15.2): resolved when loading, to the collection's own
schema files only.

A ref may not read a file outside the working directory without ``--allow-outside`` (its content
would show in a failed check), may not fetch anything (not even under ``--mock``), and a ref
that leads nowhere is an input error with its file and line, for ``validate`` and ``run`` alike.
Relative refs between the project's schema files, and refs inside a schema, work.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hardening_support import invoke
from pytest_httpserver import HTTPServer

from runner.checks import evaluate
from runner.model import CheckSpec
from runner.results import ResponseData
from runner.source import SourceLocation

SECRET = "OUTSIDE-SECRET-VALUE"
# With the hole open, a response that fails this schema printed the secret in its check.
OUTSIDE_SCHEMA = json.dumps(
    {"required": ["from_outside"], "properties": {"from_outside": {"enum": [SECRET]}}}
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def collection(
    schema: str, bodies: tuple[str, ...] = ("{a: 1}",), url: str = "https://api.test"
) -> str:
    """One request per body, each checked against ``schema`` (YAML, as written after
    ``schema:``) and answered under ``--mock`` by its example."""
    requests = "".join(
        f"  - name: r{index}\n"
        f"    url: {url}/r{index}\n"
        f"    assert:\n      schema: {schema}\n"
        f"    examples: [{{name: ok, body: {body}}}]\n"
        for index, body in enumerate(bodies)
    )
    return f"requests:\n{requests}"


# ------------------------------------------------------------------ files outside the cwd


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """cwd is tmp/work; tmp/outside/secret.json is a schema a collection must not reach."""
    work = tmp_path / "work"
    work.mkdir()
    os.chdir(work)
    write(tmp_path / "outside" / "secret.json", OUTSIDE_SCHEMA)
    return tmp_path / "outside" / "secret.json"


# (where the collection's schema is, the files written, the line and column of the ref)
OUTSIDE_FORMS = {
    "file-uri-inline": ('{$ref: "FILE_URI"}', {}, "c.yaml:5:22"),
    "relative-inline": ("{$ref: ../outside/secret.json}", {}, "c.yaml:5:22"),
    "absolute-path-inline": ('{$ref: "ABSOLUTE"}', {}, "c.yaml:5:22"),
    "in-a-json-schema-file": (
        "schemas/user.json",
        {"schemas/user.json": '{\n  "$ref": "../../outside/secret.json"\n}'},
        "schemas/user.json:2:11",
    ),
    "file-uri-in-a-yaml-schema-file": (
        "schemas/user.yaml",
        {"schemas/user.yaml": "type: object\nallOf:\n  - $ref: 'FILE_URI'\n"},
        "schemas/user.yaml:3:11",
    ),
    "through-a-symlink": ("{$ref: schemas/link.json}", {}, "c.yaml:5:22"),
}


@pytest.mark.parametrize("form", sorted(OUTSIDE_FORMS))
def test_a_schema_ref_outside_the_working_directory_needs_allow_outside(
    outside: Path, form: str
) -> None:
    schema, files, location = OUTSIDE_FORMS[form]
    replace = {"FILE_URI": outside.as_uri(), "ABSOLUTE": str(outside)}
    for name, text in files.items():
        for word, value in replace.items():
            text = text.replace(word, value)
        write(Path(name), text)
    Path("schemas").mkdir(exist_ok=True)
    (Path("schemas") / "link.json").symlink_to(outside)
    for word, value in replace.items():
        schema = schema.replace(word, value)
    bodies = ("{from_outside: OUTSIDE-SECRET-VALUE}", "{from_outside: 1}")
    write(Path("c.yaml"), collection(schema, bodies))
    for command in (["validate", "c.yaml"], ["run", "c.yaml", "--mock", "--report", "json:r.json"]):
        refused = invoke(command)
        assert refused.exit_code == 2, refused.output
        assert "is outside the working directory" in refused.output
        assert "--allow-outside" in refused.output
        assert re.search(rf"--> \S*{re.escape(location)}\b", refused.output), refused.output
        assert SECRET not in refused.output
        assert not Path("r.json").exists() or SECRET not in Path("r.json").read_text()
    assert invoke(["validate", "c.yaml", "--allow-outside"]).exit_code == 0
    # Allowed, the outside schema is the one checked: the second response does not match it.
    allowed = invoke(["run", "c.yaml", "--mock", "--allow-outside", "--report", "json:r.json"])
    assert allowed.exit_code == 1, allowed.output
    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    assert [request["passed"] for request in report["requests"]] == [True, False]
    (check,) = report["requests"][1]["checks"]
    assert check["message"] == f"$.from_outside: 1 is not one of ['{SECRET}']"


# ------------------------------------------------------------- refs between project files


ADDRESS = {
    "type": "object",
    "required": ["city"],
    "properties": {"city": {"type": "string"}, "zip": {"$ref": "#/$defs/zip"}},
    "$defs": {"zip": {"type": "string", "pattern": "^[0-9]{5}$"}},
}
USER = {
    "$id": "https://example.com/schemas/user.json",  # refs still resolve against the file
    "type": "object",
    "required": ["id", "address"],
    "properties": {
        "id": {"$ref": "#/$defs/id"},
        "address": {"$ref": "address.json"},
        "tags": {"$ref": "common/tags.yaml#/$defs/tags"},
    },
    "$defs": {"id": {"type": "integer", "minimum": 1}},
}
TAGS = "$defs:\n  tags: {type: array, items: {$ref: '../address.json#/$defs/zip'}}\n"


def _project() -> None:
    write(Path("api/schemas/user.json"), json.dumps(USER, indent=2))
    write(Path("api/schemas/address.json"), json.dumps(ADDRESS, indent=2))
    write(Path("api/schemas/common/tags.yaml"), TAGS)


def test_relative_refs_between_schema_files_check_a_response(httpserver: HTTPServer) -> None:
    _project()
    good = {"id": 7, "address": {"city": "Lyon", "zip": "69001"}, "tags": ["75001"]}
    bad = {"id": 0, "address": {"zip": "6900"}, "tags": ["x"]}
    httpserver.expect_request("/good").respond_with_json(good)
    httpserver.expect_request("/bad").respond_with_json(bad)
    base = httpserver.url_for("").rstrip("/")
    text = (
        "requests:\n"
        f"  - {{name: good, url: '{base}/good', assert: {{schema: schemas/user.json}}}}\n"
        f"  - {{name: bad, url: '{base}/bad', assert: {{schema: schemas/user.json}}}}\n"
    )
    write(Path("api/users.yaml"), text)
    assert invoke(["validate", "api/users.yaml"]).exit_code == 0
    result = invoke(["run", "api/users.yaml", "--report", "json:r.json"])
    assert result.exit_code == 1, result.output
    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    assert [request["passed"] for request in report["requests"]] == [True, False]
    message = report["requests"][1]["checks"][0]["message"]
    # Each file's part of the schema was applied: user.json ($defs), address.json (its own
    # $defs), tags.yaml (which refers back into address.json).
    assert "$.id: 0 is less than the minimum of 1" in message
    assert "$.address: 'city' is a required property" in message
    assert "$.address.zip: '6900' does not match '^[0-9]{5}$'" in message
    assert "(and 1 more)" in message  # the tag, checked against the zip of address.json
    assert report["requests"][1]["checks"][0]["actual"] == "invalid (4 errors)"


def test_an_in_document_ref_works() -> None:
    schema = (
        "{type: object, properties: {n: {$ref: '#/$defs/positive'}}, "
        "$defs: {positive: {type: integer, minimum: 1}}}"
    )
    write(Path("c.yaml"), collection(schema, ("{n: 3}", "{n: -3}")))
    result = invoke(["run", "c.yaml", "--mock", "--report", "json:r.json"])
    assert result.exit_code == 1, result.output
    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    assert [request["passed"] for request in report["requests"]] == [True, False]
    assert "$.n: -3 is less than the minimum of 1" in report["requests"][1]["checks"][0]["message"]


def test_a_referenced_file_is_read_in_the_draft_of_the_schema_that_refers_to_it() -> None:
    """Without a $schema of its own, a file a draft-07 schema refers to is draft-07 too: its
    ``items: [...]`` (a list of schemas, which 2020-12 no longer has) checks each position."""
    write(Path("schemas/pair.json"), '{"items": [{"type": "integer"}, {"type": "string"}]}')
    draft7 = "{$schema: 'http://json-schema.org/draft-07/schema#', $ref: schemas/pair.json}"
    write(Path("c.yaml"), collection(draft7, ("[1, a]", "[a, 1]")))
    assert invoke(["validate", "c.yaml"]).exit_code == 0
    result = invoke(["run", "c.yaml", "--mock", "--report", "json:r.json"])
    assert result.exit_code == 1, result.output
    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    assert [request["passed"] for request in report["requests"]] == [True, False]
    message = report["requests"][1]["checks"][0]["message"]
    assert message == "$[0]: 'a' is not of type 'integer'; $[1]: 1 is not of type 'string'"


@pytest.mark.parametrize(
    ("ref", "said", "location"),
    [
        ("schemas/missing.json", "names a schema file that does not exist", "c.yaml:5:22"),
        ("schemas/there.json#/$defs/missing", "points to nothing", "c.yaml:5:22"),
        ("'#/$defs/missing'", "points to nothing", "c.yaml:5:22"),
        ("'urn:example:nothing'", "names no schema file and no $id", "c.yaml:5:22"),
        ("schemas", "a directory or a special file", "c.yaml:5:22"),
        ("schemas/there.txt", "is not .json, .yaml or .yml", "c.yaml:5:22"),
        ("schemas/bad.json", "invalid JSON Schema", "c.yaml:5:22"),
        ("schemas/broken.json", "invalid JSON in schema file", "schemas/broken.json:1:2"),
    ],
)
def test_a_ref_to_a_missing_file_or_part_is_a_load_error(
    ref: str, said: str, location: str
) -> None:
    write(Path("schemas/there.json"), '{"$defs": {"x": {}}}')
    write(Path("schemas/there.txt"), "{}")
    write(Path("schemas/bad.json"), '{"type": 5}')
    write(Path("schemas/broken.json"), "{,}")
    write(Path("c.yaml"), collection(f"{{$ref: {ref}}}"))
    for command in (["validate", "c.yaml"], ["run", "c.yaml", "--mock"]):
        result = invoke(command)
        assert result.exit_code == 2, result.output
        assert said in result.output
        assert re.search(rf"--> \S*{re.escape(location)}\b", result.output), result.output


# ------------------------------------------------------------------------ remote refs


class _Watch(ThreadingHTTPServer):
    """Serves a schema at any path, and counts every connection made to it."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Schema)
        self.connections = 0

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.connections += 1
        return True

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.server_address[1]}{path}"


class _Schema(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"type": "object"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/schema+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def watch() -> Iterator[_Watch]:
    server = _Watch()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


REMOTE_FORMS = {
    "http-inline": ("{$ref: 'URL/schema.json'}", {}),
    "https-inline": ("{$ref: 'TLS_URL/schema.json'}", {}),
    "relative-to-a-remote-id": (
        "{$id: 'URL/schemas/root.json', properties: {a: {$id: 'URL/x/', $ref: 'b.json'}}}",
        {},
    ),
    "in-a-schema-file": (
        "schemas/user.json",
        {"schemas/user.json": '{"properties": {"a": {"$ref": "URL/schema.json#/x"}}}'},
    ),
    "through-a-referenced-file": (
        "{$ref: schemas/user.json}",
        {"schemas/user.json": '{"items": {"$dynamicRef": "URL/schema.json"}}'},
    ),
}


@pytest.mark.parametrize("form", sorted(REMOTE_FORMS))
def test_a_remote_ref_is_refused_and_nothing_is_fetched(watch: _Watch, form: str) -> None:
    schema, files = REMOTE_FORMS[form]
    replace = {"TLS_URL": watch.url("", "https"), "URL": watch.url("")}
    for word, value in replace.items():
        schema = schema.replace(word, value)
    for name, text in files.items():
        write(Path(name), text.replace("URL", watch.url("")))
    # The request itself goes to the same server: if loading let it through, it would show.
    write(Path("c.yaml"), collection(schema, url=watch.url("/api")))
    for command in (["validate", "c.yaml"], ["run", "c.yaml", "--mock"], ["run", "c.yaml"]):
        result = invoke(command)
        assert result.exit_code == 2, result.output
        assert "remote $" in result.output and "is refused" in result.output
        assert "download it into the repository" in result.output
        assert re.search(r"--> \S*(c\.yaml|user\.json):\d+:\d+", result.output), result.output
    assert watch.connections == 0


@pytest.mark.parametrize("schema_uri", [None, "file:///nowhere/user.json"])
def test_checking_a_schema_never_fetches_a_ref(watch: _Watch, schema_uri: str | None) -> None:
    """A CheckSpec not from the loader (the engine API) cannot fetch either."""
    for ref in (watch.url("/schema.json"), "other.json", "file:///etc/hostname.json"):
        check = CheckSpec(
            "schema",
            "inline",
            None,
            SourceLocation("c.yaml", 1, 1),
            schema={"$ref": ref},
            schema_uri=schema_uri,
        )
        response = ResponseData(
            status=200, reason="OK", headers=(), body=b"{}", elapsed_ms=1, url="http://x/"
        )
        result = evaluate(check, response)
        assert not result.passed
        assert result.message is not None and "schema error" in result.message
    assert watch.connections == 0
