"""``import_postman`` on Postman-shaped exports: the YAML loads, runs on loopback, hides secrets."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.engine import Engine, RunOptions, plan_run
from runner.errors import LoadError, PostrunError
from runner.interop.postman_import import ImportSummary, import_postman, looks_secret
from runner.loader import load_collection, load_environment
from runner.model import CollectionSpec
from runner.results import RunResult
from runner.transport import new_session

DATA = Path(__file__).resolve().parents[1] / "data" / "postman"
COLLECTION = DATA / "petstore.postman_collection.json"
ENVIRONMENT = DATA / "local.postman_environment.json"
AUTH_KINDS = DATA / "auth-kinds.postman_collection.json"
SECRET_VALUES = ("tok-SECRET-123456", "ak-hidden-987654")
LITERAL_SECRETS = (
    "literal-bearer-0001",
    "hunter2-password",
    "cs-oauth-secret-77",
    "k-0000-collection",
    "hawk-key-value",
    "hdr-literal-55555",
    "qs-literal-66666",
)


def imported(tmp_path: Path) -> tuple[ImportSummary, Path]:
    summary = import_postman(COLLECTION, [ENVIRONMENT], tmp_path)
    # The upload/file bodies name files relative to the collection file, as the summary says.
    shutil.copytree(DATA / "files", tmp_path / "collections" / "files")
    return summary, tmp_path / "collections" / "pet-store-v2.yaml"


def snapshot(request: Request) -> dict[str, Any]:
    """What the server received, read while the request is open (files closed after)."""
    files = {}
    for name, storage in request.files.items():
        files[name] = storage.read()
        storage.close()
    return {
        "method": request.method,
        "path": request.path,
        "args": request.args.to_dict(flat=False),
        "headers": dict(request.headers),
        "form": request.form.to_dict(flat=False),
        "files": files,
        "data": request.get_data() if not files else b"",
        "json": request.get_json(silent=True),
    }


def echo_server(httpserver: HTTPServer) -> list[dict[str, Any]]:
    """Answer with what was received, so the translated checks can look at it."""
    seen: list[dict[str, Any]] = []

    def handler(request: Request) -> Response:
        received = snapshot(request)
        seen.append(received)
        query = {
            key: values[0] if len(values) == 1 else values
            for key, values in received["args"].items()
        }
        body = {
            "id": 42,
            "method": request.method,
            "query": query,
            "pets": [{"id": 1, "name": "Rex"}, {"id": 2, "name": "Tom"}],
            "json": received["json"],
        }
        return Response(json.dumps(body), status=200, content_type="application/json")

    httpserver.expect_request(re.compile("^/")).respond_with_handler(handler)
    return seen


def run(collection: CollectionSpec, environment_file: Path, base_url: str) -> RunResult:
    options = RunOptions(
        environment=load_environment(environment_file),
        cli_vars={"base_url": base_url},
        environ={"token": "tok-from-env", "api_key": "ak-from-env"},
    )
    plan = plan_run([collection], options)
    with new_session() as session:
        return Engine(plan, session, []).run()


def test_imported_collection_loads_and_its_checks_pass(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary, path = imported(tmp_path)
    monkeypatch.chdir(tmp_path)
    collection = load_collection(path, base_dir=tmp_path)
    seen = echo_server(httpserver)

    result = run(collection, summary.environment_files[0], httpserver.url_for("").rstrip("/"))

    failures = [
        (request.path, request.error, [c for c in request.checks if not c.passed])
        for request in result.requests
        if not request.passed
    ]
    assert failures == []
    by_path = {request.path: request for request in result.requests}
    assert len(by_path["Pets/List pets"].checks) == 7
    assert len(by_path["Pets/Create pet"].checks) == 4
    assert len(by_path["Bodies/Form"].checks) == 1  # the folder's script, as defaults.assert
    sent = {(entry["method"], entry["path"]): entry for entry in seen}
    listing, create = sent["GET", "/pets"], sent["POST", "/pets"]
    delete, health = sent["DELETE", "/pets/42"], sent["GET", "/health"]
    # Auth inheritance: collection bearer, folder apikey, a request with noauth.
    assert listing["headers"]["Authorization"] == "Bearer tok-from-env"
    assert delete["headers"]["X-Api-Key"] == "ak-from-env"
    assert "Authorization" not in delete["headers"]
    assert "X-Api-Key" not in health["headers"] and "Authorization" not in health["headers"]
    assert health["args"] == {"verbose": ["1"]}
    # Typed placeholder: `"temperature": {{temp}}` still sends a number.
    assert create["json"] == {"name": "Rex", "temperature": 0.7, "tags": ["good", "boy"]}
    # Disabled params and headers are dropped; a repeated param stays repeated.
    assert listing["args"] == {"limit": ["10"], "tag": ["dog", "cat"]}
    assert "X-Debug" not in listing["headers"]
    assert sent["POST", "/echo/form"]["form"] == {"grant": ["Rex"]}
    upload = sent["POST", "/echo/upload"]
    assert upload["files"] == {"photo": b"pet photo bytes\n"}
    assert upload["form"] == {"note": ["a photo"]}
    assert sent["POST", "/echo/binary"]["data"] == b"pet photo bytes\n"
    assert sent["POST", "/echo/raw"]["headers"]["Content-Type"] == "application/json"
    assert sent["PUT", "/echo/text"]["data"] == b"hello Rex"
    graphql = sent["POST", "/graphql"]["json"]
    # {{$randomFirstName}} has no equivalent: a random string is sent instead.
    assert graphql["variables"]["id"] == 1
    assert re.fullmatch(r"[A-Za-z0-9]{8,}", graphql["variables"]["user"])


def test_yaml_shape(tmp_path: Path) -> None:
    _, path = imported(tmp_path)
    text = path.read_text(encoding="utf-8")
    for expected in (
        "defaults:\n  auth:\n    bearer: <<token>>",
        "temperature: <<temp>>",
        "temp: 0.7",  # used unquoted in JSON: given its JSON type
        "auth: none",
        "X-Request-Id: <<$uuid>>",
        "url: <<base_url>>/pets/<<pet_id>>",
        "description: Lists the pets, ten at a time.",
        "first_pet: $.pets[0].id",
        'x-postman-prerequest: pm.environment.set("started", Date.now());',
        'x-postman-tests: |-\n          pm.test("Body is fine", function () {',
        "          - name: Two pets\n            body:",  # status 200, the default, left out
        "  - name: Bodies\n    defaults:\n      assert:\n        status: 200\n    requests:",
    ):
        assert expected in text
    assert "X-Debug" not in text and "debug_flag" not in text and "unused" not in text
    environment = (tmp_path / "environments" / "local-dev.yaml").read_text(encoding="utf-8")
    assert environment == (
        "name: Local Dev\n"
        "variables:\n  base_url: http://localhost:8080\n  region: eu\n"
        "secrets:\n  - token\n  - api_key\n"
    )


def test_summary_table(tmp_path: Path) -> None:
    summary, _ = imported(tmp_path)
    table = summary.table()
    assert re.search(r"Pets/List pets +7 +1  -$", table, re.M)
    assert re.search(
        r"Pets/Create pet +4 +1  test script \(1 statement\), pre-request script$", table, re.M
    )
    assert re.search(r"Pets/Admin/Delete pet +2 +0  -$", table, re.M)
    assert "10 requests, 15 checks and 2 captures translated; 1 request with parts" in table
    assert "{{$randomFirstName}} in Bodies/GraphQL has no postrun equivalent" in table
    assert "the test script of 'Bodies' became defaults.assert (1 check on each" in table
    assert "export token=..." in table and "export api_key=..." in table
    assert summary.secrets == ("token", "api_key")
    assert [report.path for report in summary.untranslated] == ["Pets/Create pet"]


def test_no_secret_value_is_written(tmp_path: Path) -> None:
    summary = import_postman(AUTH_KINDS, [ENVIRONMENT], tmp_path / "a")
    summary_b = import_postman(COLLECTION, [ENVIRONMENT], tmp_path / "b")
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert len(written) == 4
    for path in written:
        text = path.read_text(encoding="utf-8")
        for secret in (*SECRET_VALUES, *LITERAL_SECRETS):
            assert secret not in text, (path, secret)
    for table in (summary.table(), summary_b.table()):
        for secret in (*SECRET_VALUES, *LITERAL_SECRETS):
            assert secret not in table


def test_auth_kinds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = import_postman(AUTH_KINDS, [], tmp_path)
    path = tmp_path / "collections" / "auth-kinds.yaml"
    monkeypatch.chdir(tmp_path)
    collection = load_collection(path, base_dir=tmp_path)
    auth = {request.name: request.auth for request in collection.requests}
    assert auth["Bearer literal"] is not None
    assert auth["Bearer literal"].params == "<<BEARER_TOKEN>>"
    assert auth["Basic"] is not None
    assert auth["Basic"].params == {"username": "<<user>>", "password": "<<BASIC_PASSWORD>>"}
    assert auth["Digest"] is not None and auth["Digest"].kind == "digest"
    assert auth["Api key in query"] is not None
    assert auth["Api key in query"].params == {"query": "api_key", "value": "<<key>>"}
    assert auth["OAuth2"] is not None
    assert auth["OAuth2"].params == {
        "token_url": "https://auth.example.com/token",
        "client_id": "my-client",
        "client_secret": "<<OAUTH2_CLIENT_SECRET>>",
        "scope": "read",
    }
    assert auth["Hawk"] is None  # not supported: kept as text, reported
    literal = next(request for request in collection.requests if request.name == "Literal header")
    assert literal.headers == {
        "Authorization": "Bearer <<AUTHORIZATION>>",
        "X-Request-Id": "abc-123",
        "X-Api-Key": "<<key>>",
    }
    assert literal.params == {"access_token": "<<ACCESS_TOKEN>>", "page": "2"}
    assert {"AUTHORIZATION", "ACCESS_TOKEN"} <= set(collection.secrets)
    assert "BEARER_TOKEN" in collection.secrets and "OAUTH2_CLIENT_SECRET" in collection.secrets
    text = path.read_text(encoding="utf-8")
    assert "x-postman-auth: 'type: hawk; fields: authId, authKey'" in text
    assert "auth type 'hawk' of Hawk is not supported" in summary.table()
    assert [r.untranslated for r in summary.requests if r.path == "Hawk"] == [("auth",)]


@pytest.mark.parametrize(
    ("content", "message", "hint", "line"),
    [
        ('{"info": {"name": "x",}', "is not valid JSON", "Collection v2.1", 1),
        ('{\n  "info": \n}', "is not valid JSON", "Collection v2.1", 3),
        ("[1, 2]", "is not a Postman collection", "Collection v2.1", None),
        ('{"id": "1", "name": "old", "order": [], "requests": []}', "Collection v1", "v2.1", None),
        ('{"name": "env", "values": []}', "is a Postman environment", "--environment", None),
        ('{"item": []}', "no 'info'", "Collection v2.1", None),
    ],
)
def test_bad_input(tmp_path: Path, content: str, message: str, hint: str, line: int | None) -> None:
    source = tmp_path / "in.json"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(PostrunError) as caught:
        import_postman(source, [], tmp_path / "out")
    assert message in caught.value.message
    assert caught.value.hint is not None and hint in caught.value.hint
    if line is not None:
        assert isinstance(caught.value, LoadError)
        assert caught.value.location is not None and caught.value.location.line == line
    assert not (tmp_path / "out").exists()


def test_bad_environment(tmp_path: Path) -> None:
    with pytest.raises(PostrunError, match="not a Postman environment") as caught:
        import_postman(COLLECTION, [COLLECTION], tmp_path)
    assert caught.value.hint is not None and "first argument" in caught.value.hint


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    import_postman(COLLECTION, [], tmp_path)
    target = tmp_path / "collections" / "pet-store-v2.yaml"
    target.write_text("mine", encoding="utf-8")
    with pytest.raises(PostrunError, match="already exists"):
        import_postman(COLLECTION, [], tmp_path)
    assert target.read_text(encoding="utf-8") == "mine"
    import_postman(COLLECTION, [], tmp_path, overwrite=True)
    assert target.read_text(encoding="utf-8").startswith("name: Pet Store (v2)")


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("api_key", True),
        ("apiKey", True),
        ("accessToken", True),
        ("password", True),
        ("client_secret", True),
        ("AUTH", True),
        ("token_url", False),
        ("auth_type", False),
        ("base_url", False),
        ("keyboard", False),
        ("username", False),
    ],
)
def test_looks_secret(name: str, secret: bool) -> None:
    assert looks_secret(name) is secret


def test_odd_shapes_import_and_load(tmp_path: Path) -> None:
    """v2.0 auth objects, string URLs and headers, drafts, unknown modes: notes, never a crash."""
    summary = import_postman(DATA / "odd-shapes.postman_collection.json", [], tmp_path)
    collection = load_collection(summary.collection_file, base_dir=tmp_path)
    requests = {request.name: request for request in collection.requests}
    # A draft without a URL is kept, skipped, so it exports back (issue 16 item 6).
    assert requests["No request"].url == "" and requests["No request"].options["skip"]
    assert requests["String request"].params == {"x": "1", "y": ""}
    assert requests["String request (2)"].headers == {"Accept": "text/plain", "X-A": "1"}
    # A path variable is a placeholder with its value as a default, never put in place.
    assert requests["Parts url"].url == "https://api.example.com/v1/<<id>>"
    assert collection.variables.values["id"] == "7"
    assert requests["Parts url"].params == {"q": "a b"}
    assert requests["raw only query"].url == "https://e.com/q"
    assert requests["raw only query"].params == {"a": ["1", "2"]}
    # Postman allows any name between braces: ours takes letters, digits and _ - .
    assert requests["Weird vars"].url == "<<base_url>>/x/<<$randomString>>/<<$timestamp>>"
    assert requests["v2.0 auth"].auth is not None
    assert requests["v2.0 auth"].auth.params == "<<t>>"
    body = requests["json key placeholder"].body
    assert body is not None and body.value == {"<<key>>": 1, "a": "<<x>> and <<y>>", "n": "<<n>>"}
    assert collection.variables.values["n"] == 5  # used unquoted in a JSON body
    xml = requests["xml"]
    assert xml.headers == {"Content-Type": "application/xml"}
    assert xml.body is not None and xml.body.value == "<a><<x>></a>"
    assert [example.name for example in requests["scripts"].examples] == ["r", "r (2)"]
    table = summary.table()
    for note in (
        "'No request' has no URL (a draft): kept with options.skip",
        "variable 'bad name!' is named 'bad_name' (a postrun name)",
        "'String request' appears twice: the second one is 'String request (2)'",
        "auth type 'ntlm' of ntlm is not supported",
        "body mode 'binaryish' of unknown mode is not supported",
        "the part 'f' of formdata no src names no file: it sends 'files/f.bin'",
    ):
        assert note in table
    text = summary.collection_file.read_text(encoding="utf-8")
    assert "ntlm-pass-xyz" not in text
    assert "X-Lit: a \\<<b>> c" in text  # our own syntax written in Postman stays literal


def test_run_with_the_cli_and_the_environment_by_name(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The written layout works as documented: `postrun run collections/ --env NAME`."""
    from click.testing import CliRunner

    from runner.cli import cli

    imported(tmp_path)
    echo_server(httpserver)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("token", "tok-from-env")
    monkeypatch.setenv("api_key", "ak-from-env")
    base_url = httpserver.url_for("").rstrip("/")
    result = CliRunner().invoke(
        cli, ["run", "collections", "--env", "local-dev", "--var", f"base_url={base_url}"]
    )
    assert result.exit_code == 0, result.output
    assert "Pets/Create pet" in result.output or "Create pet" in result.output


def test_deeply_nested_json(tmp_path: Path) -> None:
    """A body nested past Python's recursion limit stays raw; such a file is a clear error."""
    deep = "[" * 100_000 + "]" * 100_000
    request = {
        "method": "POST",
        "url": "https://e.com",
        "body": {"mode": "raw", "raw": deep, "options": {"raw": {"language": "json"}}},
    }
    source = tmp_path / "deep-body.json"
    document = {
        "info": {"name": "deep", "schema": "v2.1.0"},
        "item": [{"name": "r", "request": request}],
    }
    source.write_text(json.dumps(document), encoding="utf-8")
    summary = import_postman(source, [], tmp_path / "out")
    assert "raw: '[[[[" in summary.collection_file.read_text(encoding="utf-8")
    nested = tmp_path / "deep-file.json"
    nested.write_text('{"info": ' + deep + "}", encoding="utf-8")
    with pytest.raises(PostrunError, match="nested too deeply"):
        import_postman(nested, [], tmp_path / "out2")


def test_path_variable_values_are_taken_as_written(tmp_path: Path) -> None:
    """A backslash in a path variable's value is text, not a regex escape or group reference."""
    exported = {
        "info": {
            "name": "Paths",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "item": [
            {
                "name": "Backslashes",
                "request": {
                    "method": "GET",
                    "url": {
                        "raw": "https://e.com/files/:pattern/:group",
                        "variable": [
                            {"key": "pattern", "value": "a\\d"},
                            {"key": "group", "value": "\\1"},
                        ],
                    },
                },
            }
        ],
    }
    source = tmp_path / "paths.postman_collection.json"
    source.write_text(json.dumps(exported), encoding="utf-8")
    summary = import_postman(source, [], tmp_path)
    (request,) = load_collection(summary.collection_file, base_dir=tmp_path).requests
    assert request.url == "https://e.com/files/<<pattern>>/<<group>>"
    assert dict(load_collection(summary.collection_file, base_dir=tmp_path).variables.values) == {
        "pattern": "a\\d",
        "group": "\\1",
    }
