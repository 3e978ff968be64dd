"""Issue 16 item 3: a variable only an untranslated Postman script sets is declared in
``set_by_script``; validate passes, and the run fails the request that uses it still unset with
one clear message, while the other requests run.

Runs send real HTTP to pytest-httpserver on loopback, through the CLI in-process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from runner.cli import cli
from runner.errors import LoadError
from runner.loader import load_collection

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


def invoke(args: list[str]) -> Result:
    """Run postrun in-process; no Python traceback may reach the user."""
    result = CliRunner().invoke(cli, args)
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def export(base: str) -> Path:
    """A Postman export whose login script stays text and sets ``startedAt`` for 'Me'."""
    login_script = [
        "var body = pm.response.json();",
        "if (body.ok) { pm.collectionVariables.set('startedAt', Date.now()); }",
    ]
    document = {
        "info": {"name": "api", "schema": SCHEMA},
        "item": [
            {
                "name": "Auth",
                "item": [
                    {
                        "name": "Login",
                        "request": {"method": "POST", "url": f"{base}/login"},
                        "event": [{"listen": "test", "script": {"exec": login_script}}],
                    }
                ],
            },
            {
                "name": "Me",
                "request": {"method": "GET", "url": f"{base}/me?since={{{{startedAt}}}}"},
            },
            {"name": "Health", "request": {"method": "GET", "url": f"{base}/health"}},
        ],
    }
    path = Path("api.postman_collection.json")
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture
def imported(httpserver: HTTPServer) -> Path:
    """The export imported into collections/api.yaml, with the API's three routes."""
    for route in ("/login", "/me", "/health"):
        httpserver.expect_request(route).respond_with_json({"ok": True})
    result = invoke(["import", "postman", str(export(httpserver.url_for("/").rstrip("/")))])
    assert result.exit_code == 0, result.output
    return Path("collections/api.yaml")


def test_the_import_declares_it_in_set_by_script_and_validate_passes(imported: Path) -> None:
    text = imported.read_text(encoding="utf-8")
    assert "set_by_script:\n  startedAt: Auth/Login\n" in text
    collection = load_collection(imported)
    assert "startedAt" not in collection.variables.values  # never sent empty
    assert collection.set_by_script["startedAt"][0] == "Auth/Login"
    result = invoke(["validate", "collections/"])
    assert result.exit_code == 0, result.output
    assert (
        "note: collections/api.yaml:3:3: 'startedAt' is set by a script of 'Auth/Login', which "
        "postrun does not run" in result.output
    )


def test_the_request_using_it_unset_fails_once_and_the_others_run(
    imported: Path, httpserver: HTTPServer
) -> None:
    result = invoke(["run", "collections/", "--report", "json:r.json"])
    assert result.exit_code == 1
    message = (
        "undefined variable 'startedAt': it is set by a script of 'Auth/Login' (set_by_script, "
        "collections/api.yaml:3:3), which postrun does not run: capture 'startedAt' in "
        "'Auth/Login', or give --var startedAt=..."
    )
    assert result.output.count(message) == 1
    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    outcomes = {request["path"]: request for request in report["requests"]}
    assert outcomes["Me"]["error"] == message
    assert outcomes["Auth/Login"]["passed"] and outcomes["Health"]["passed"]
    # 'Me' never went out with an empty value: the server saw only the other two.
    assert sorted(request.path for request, _ in httpserver.log) == ["/health", "/login"]


def test_a_value_from_var_or_a_capture_makes_it_pass(
    imported: Path, httpserver: HTTPServer
) -> None:
    given = invoke(["run", "collections/", "--var", "startedAt=17"])
    assert given.exit_code == 0, given.output
    assert httpserver.log[1][0].args["since"] == "17"
    # The hint's fix: a capture in Login; set_by_script may stay, the capture fills it.
    text = imported.read_text(encoding="utf-8")
    text = text.replace(
        "\n        x-postman-tests:",
        "\n        capture: {startedAt: $.ok}\n        x-postman-tests:",
    )
    imported.write_text(text, encoding="utf-8")
    captured = invoke(["run", "collections/"])
    assert captured.exit_code == 0, captured.output
    assert httpserver.log[-2][0].args["since"] == "true"


def test_under_mock_it_takes_a_placeholder_with_a_note(imported: Path) -> None:
    text = imported.read_text(encoding="utf-8")
    imported.write_text(
        text.replace(
            "  - name: Me\n", "  - name: Me\n    examples: [{name: ok, body: {ok: true}}]\n"
        ),
        encoding="utf-8",
    )
    result = invoke(["run", "collections/", "--mock", "--mock-missing", "skip"])
    assert result.exit_code == 0, result.output
    assert (
        "'startedAt' (set by a script of 'Auth/Login') is not set; --mock uses 'mock-startedAt'"
        in result.output
    )


@pytest.mark.parametrize(
    ("declaration", "message", "hint"),
    [
        (
            "set_by_script: [a]",
            "'set_by_script' must be a mapping, got a list",
            "write set_by_script: {",
        ),
        ("set_by_script: {'a b': Login}", "invalid variable name 'a b'", "names use letters"),
        ("set_by_script: {a: ''}", "set_by_script 'a' names no request", "the request whose"),
        (
            "secrets: [a]\nset_by_script: {a: Login}",
            "'a' is both a secret (declared at line 1) and set by a script",
            "remove it from set_by_script",
        ),
    ],
)
def test_a_bad_declaration_is_a_load_error_with_its_place(
    tmp_path: Path, declaration: str, message: str, hint: str
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        f"{declaration}\nrequests:\n  - name: Login\n    url: http://127.0.0.1:1/\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadError) as caught:
        load_collection(path)
    assert caught.value.message == message
    assert caught.value.location is not None and caught.value.location.line <= 2
    assert hint in (caught.value.hint or "")
