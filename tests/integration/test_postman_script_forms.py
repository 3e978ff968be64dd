"""Each Postman test-script form issue 16 lists, imported and run on loopback: it becomes a
check (nothing left as text) that passes where Postman's passes and fails where it fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.engine import Engine, RunOptions, plan_run
from runner.interop.postman_import import import_postman
from runner.loader import load_collection
from runner.results import RunResult
from runner.transport import new_session

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
JSON = {"Content-Type": "application/json"}
USER = {"id": 7, "name": "Ada", "tags": ["a", "b"], "ok": True, "off": False, "none": None}
USER.update({"empty": [], "age": 36, "role": "admin", "a": {"b": 1}})
OTHER = {"id": 8, "name": "Bob", "tags": ["a"], "ok": False, "off": True, "none": 0}
OTHER.update({"empty": [1], "age": 12, "role": "guest", "a": {"b": 2}})

# (form, script, good response, bad response); a response is (status, body, headers).
GOOD = (200, USER, JSON)
BAD = (200, OTHER, JSON)
FORMS: list[tuple[str, str, tuple[Any, ...], tuple[Any, ...]]] = [
    (
        "function body",
        'pm.test("s", function () { pm.response.to.have.status(200); });',
        GOOD,
        (500, USER, JSON),
    ),
    (
        "arrow body",
        'pm.test("s", () => { pm.response.to.have.status(200); });',
        GOOD,
        (404, USER, JSON),
    ),
    (
        "arrow expression",
        'pm.test("s", () => pm.response.to.have.status(200));',
        GOOD,
        (404, USER, JSON),
    ),
    ("to.be.ok", "pm.response.to.be.ok;", GOOD, (500, USER, JSON)),
    ("to.be.success", "pm.response.to.be.success;", GOOD, (302, USER, JSON)),
    ("to.be.json", "pm.response.to.be.json;", GOOD, (200, "plain", {"Content-Type": "text/plain"})),
    (
        "to.have.jsonBody(path)",
        'pm.response.to.have.jsonBody("a.b");',
        GOOD,
        (200, {"a": {}}, JSON),
    ),
    ("to.have.jsonBody(path, value)", 'pm.response.to.have.jsonBody("a.b", 1);', GOOD, BAD),
    (
        "to.have.header(name, value)",
        'pm.response.to.have.header("X-Id", "7");',
        (200, USER, {**JSON, "X-Id": "7"}),
        (200, USER, {**JSON, "X-Id": "8"}),
    ),
    (
        "to.have.header(name)",
        'pm.response.to.have.header("X-Id");',
        (200, USER, {**JSON, "X-Id": "7"}),
        GOOD,
    ),
    ("eql", "pm.expect(pm.response.json().name).to.eql('Ada');", GOOD, BAD),
    ("equal", "pm.expect(pm.response.json().id).to.equal(7);", GOOD, BAD),
    ("include", 'pm.expect(pm.response.json().tags).to.include("b");', GOOD, BAD),
    ("a", 'pm.expect(pm.response.json().name).to.be.a("string");', GOOD, (200, {"name": 1}, JSON)),
    ("an", 'pm.expect(pm.response.json().tags).to.be.an("array");', GOOD, (200, {"tags": 1}, JSON)),
    ("above", "pm.expect(pm.response.json().age).to.be.above(18);", GOOD, BAD),
    ("below", "pm.expect(pm.response.json().age).to.be.below(18);", BAD, GOOD),
    ("least", "pm.expect(pm.response.json().age).to.be.at.least(36);", GOOD, BAD),
    ("most", "pm.expect(pm.response.json().age).to.be.at.most(12);", BAD, GOOD),
    ("oneOf", 'pm.expect(pm.response.json().role).to.be.oneOf(["admin", "owner"]);', GOOD, BAD),
    ("lengthOf", "pm.expect(pm.response.json().tags).to.have.lengthOf(2);", GOOD, BAD),
    (
        "have.property",
        'pm.expect(pm.response.json()).to.have.property("role");',
        GOOD,
        (200, {"id": 1}, JSON),
    ),
    (
        "have.property(key, value)",
        'pm.expect(pm.response.json()).to.have.property("id", 7);',
        GOOD,
        BAD,
    ),
    ("match", "pm.expect(pm.response.json().name).to.match(/^A/);", GOOD, BAD),
    ("exist", "pm.expect(pm.response.json().role).to.exist;", GOOD, (200, {"id": 1}, JSON)),
    ("be.true", "pm.expect(pm.response.json().ok).to.be.true;", GOOD, BAD),
    ("be.false", "pm.expect(pm.response.json().off).to.be.false;", GOOD, BAD),
    ("be.null", "pm.expect(pm.response.json().none).to.be.null;", GOOD, BAD),
    ("be.empty", "pm.expect(pm.response.json().empty).to.be.empty;", GOOD, BAD),
    (
        "alias of the body",
        "var jsonData = pm.response.json();\npm.expect(jsonData.a.b).to.eql(1);",
        GOOD,
        BAD,
    ),
    (
        "headers.get",
        'pm.expect(pm.response.headers.get("X-Id")).to.eql("7");',
        (200, USER, {**JSON, "X-Id": "7"}),
        (200, USER, {**JSON, "X-Id": "9"}),
    ),
    ("text()", 'pm.expect(pm.response.text()).to.include("Ada");', GOOD, BAD),
    (
        "responseTime",
        "pm.expect(pm.response.responseTime).to.be.below(30000);",
        GOOD,
        GOOD,
    ),  # cannot be made slow here: it passes both times
    ("tests[] status", 'tests["s"] = responseCode.code === 200;', GOOD, (201, USER, JSON)),
    ("tests[] has", 'tests["h"] = responseBody.has("Ada");', GOOD, BAD),
    (
        "tests[] JSON.parse",
        'var d = JSON.parse(responseBody);\ntests["n"] = d.name === "Ada";',
        GOOD,
        BAD,
    ),
    (
        "tests[] hasOwnProperty",
        'var d = JSON.parse(responseBody);\ntests["p"] = d.hasOwnProperty("role");',
        GOOD,
        (200, {"id": 1}, JSON),
    ),
    ("tests[] ==", 'var d = JSON.parse(responseBody);\ntests["e"] = d.id == 7;', GOOD, BAD),
    ("tests[] !==", 'tests["n"] = responseCode.code !== 404;', GOOD, (404, USER, JSON)),
    (
        "tests[] <",
        'var d = JSON.parse(responseBody);\ntests["l"] = d.age < 40;',
        GOOD,
        (200, {"age": 41}, JSON),
    ),
    ("tests[] >", 'var d = JSON.parse(responseBody);\ntests["g"] = d.age > 18;', GOOD, BAD),
    ("tests[] &&", 'tests["a"] = responseCode.code === 200 && responseBody.has("Ada");', GOOD, BAD),
    ("tests[] responseTime", 'tests["t"] = responseTime < 30000;', GOOD, GOOD),
]


def export(tmp_path: Path, script: str, base: str) -> Path:
    document = {
        "info": {"name": "forms", "schema": SCHEMA},
        "item": [
            {
                "name": "r",
                "request": {"method": "GET", "url": f"{base}/r"},
                "event": [{"listen": "test", "script": {"exec": script.splitlines()}}],
            }
        ],
    }
    path = tmp_path / "forms.postman_collection.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def run(collection_file: Path, tmp_path: Path) -> RunResult:
    plan = plan_run([load_collection(collection_file, base_dir=tmp_path)], RunOptions())
    with new_session() as session:
        return Engine(plan, session, []).run()


def answering(httpserver: HTTPServer, reply: tuple[Any, ...]) -> None:
    status, body, headers = reply
    text = body if isinstance(body, str) else json.dumps(body)
    httpserver.clear()
    httpserver.expect_request("/r").respond_with_handler(
        lambda _request: Response(text, status=status, headers=headers)
    )


@pytest.mark.parametrize(("form", "script", "good", "bad"), FORMS, ids=[row[0] for row in FORMS])
def test_each_form_becomes_a_check_with_postmans_verdict(
    form: str,
    script: str,
    good: tuple[Any, ...],
    bad: tuple[Any, ...],
    httpserver: HTTPServer,
    tmp_path: Path,
) -> None:
    summary = import_postman(
        export(tmp_path, script, httpserver.url_for("").rstrip("/")), [], tmp_path
    )
    (report,) = summary.requests
    assert report.checks >= 1 and report.untranslated == (), report
    answering(httpserver, good)
    (passed,) = run(summary.collection_file, tmp_path).requests
    assert passed.passed, [check.message for check in passed.checks]
    if bad is not good:
        answering(httpserver, bad)
        (failed,) = run(summary.collection_file, tmp_path).requests
        assert not failed.passed


@pytest.mark.parametrize(
    "setter",
    [
        'pm.environment.set("userId", pm.response.json().id);',
        'pm.collectionVariables.set("userId", pm.response.json().id);',
        'pm.variables.set("userId", pm.response.json().id);',
        'pm.globals.set("userId", pm.response.json().id);',
        'postman.setEnvironmentVariable("userId", JSON.parse(responseBody).id);',
    ],
)
def test_a_set_from_the_response_is_a_capture_the_next_request_uses(
    setter: str, httpserver: HTTPServer, tmp_path: Path
) -> None:
    def handler(request: Request) -> Response:
        if request.path == "/users/7":
            return Response(json.dumps({"name": "Ada"}), headers=JSON)
        return Response(json.dumps({"id": 7}), headers=JSON)

    httpserver.expect_request("/users").respond_with_handler(handler)
    httpserver.expect_request("/users/7").respond_with_handler(handler)
    base = httpserver.url_for("").rstrip("/")
    document = {
        "info": {"name": "capture", "schema": SCHEMA},
        "item": [
            {
                "name": "Create",
                "request": {"method": "POST", "url": f"{base}/users"},
                "event": [{"listen": "test", "script": {"exec": [setter]}}],
            },
            {
                "name": "Read",
                "request": {"method": "GET", "url": f"{base}/users/{{{{userId}}}}"},
                "event": [
                    {"listen": "test", "script": {"exec": ["pm.response.to.have.status(200);"]}}
                ],
            },
        ],
    }
    source = tmp_path / "capture.postman_collection.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    summary = import_postman(source, [], tmp_path)
    assert summary.requests[0].captures == 1
    create, read = run(summary.collection_file, tmp_path).requests
    assert create.passed and read.passed
    assert read.url.endswith("/users/7")
