"""Postman test scripts -> assert/capture blocks, and checks -> pm.test JavaScript."""

from __future__ import annotations

from typing import Any

import pytest

from runner.interop.postman_scripts import (
    capture_to_js,
    check_to_js,
    js_accessor,
    split_statements,
    translate_test_script,
)
from runner.model import Matcher

JSON = "var jsonData = pm.response.json();\n"


@pytest.mark.parametrize(
    ("script", "assertions", "captures"),
    [
        ("pm.response.to.have.status(200);", {"status": 200}, {}),
        ("pm.expect(pm.response.code).to.eql(201);", {"status": 201}, {}),
        ("pm.expect(pm.response.code).to.equal(204)", {"status": 204}, {}),
        ("pm.expect(pm.response.code).to.be.oneOf([200,201]);", {"status": [200, 201]}, {}),
        ("pm.expect(pm.response.code).to.be.within(200, 299);", {"status": "2xx"}, {}),
        ("pm.response.to.be.ok;", {"status": "2xx"}, {}),
        (
            'pm.response.to.have.header("Content-Type");',
            {"headers": {"Content-Type": {"exists": True}}},
            {},
        ),
        (
            "pm.response.to.not.have.header('X-Debug');",
            {"headers": {"X-Debug": {"exists": False}}},
            {},
        ),
        (
            'pm.response.to.have.header("X-Mode", "fast");',
            {"headers": {"X-Mode": "fast"}},
            {},
        ),
        (
            'pm.expect(pm.response.headers.get("Content-Type")).to.include("json");',
            {"headers": {"Content-Type": {"contains": "json"}}},
            {},
        ),
        (JSON + "pm.expect(jsonData.a.b).to.eql(3);", {"jsonpath": {"$.a.b": 3}}, {}),
        (JSON + 'pm.expect(jsonData.name).to.equal("Rex");', {"jsonpath": {"$.name": "Rex"}}, {}),
        (
            JSON + "pm.expect(jsonData.obj).to.deep.equal({a: 1, 'b': [true, null]});",
            {"jsonpath": {"$.obj": {"eq": {"a": 1, "b": [True, None]}}}},
            {},
        ),
        (
            JSON + 'pm.expect(jsonData.tags).to.include("x");',
            {"jsonpath": {"$.tags": {"contains": "x"}}},
            {},
        ),
        (JSON + "pm.expect(jsonData.n).to.be.above(2);", {"jsonpath": {"$.n": {"gt": 2}}}, {}),
        (JSON + "pm.expect(jsonData.n).to.be.below(2.5);", {"jsonpath": {"$.n": {"lt": 2.5}}}, {}),
        (
            JSON + "pm.expect(jsonData.n).to.be.above(1);\npm.expect(jsonData.n).to.be.below(9);",
            {"jsonpath": {"$.n": {"gt": 1, "lt": 9}}},
            {},
        ),
        (
            JSON + 'pm.expect(jsonData.items[0]["full name"]).to.be.a("string");',
            {"jsonpath": {"$.items[0]['full name']": {"type": "string"}}},
            {},
        ),
        (
            JSON + "pm.expect(jsonData.items.length).to.eql(3);",
            {"jsonpath": {"$.items": {"length": 3}}},
            {},
        ),
        (
            JSON + "pm.expect(jsonData.id).to.exist;",
            {"jsonpath": {"$.id": {"exists": True}}},
            {},
        ),
        (
            JSON + "pm.expect(jsonData.id).to.match(/^\\d+$/);",
            {"jsonpath": {"$.id": {"matches": "^\\d+$"}}},
            {},
        ),
        (
            'pm.expect(pm.response.json().user.id).to.eql(pm.environment.get("user_id"));',
            {"jsonpath": {"$.user.id": "<<user_id>>"}},
            {},
        ),
        (
            "var data = pm.response.json().data;\npm.expect(data.count).to.be.at.least(1);",
            {"jsonpath": {"$.data.count": {"gte": 1}}},
            {},
        ),
        (
            "pm.expect(pm.response.responseTime).to.be.below(500);",
            {"time_ms": {"lt": 500}},
            {},
        ),
        (
            'pm.expect(pm.response.text()).to.include("ok");',
            {"body": {"contains": "ok"}},
            {},
        ),
        (JSON + 'pm.environment.set("x", jsonData.y);', {}, {"x": "$.y"}),
        (JSON + "pm.collectionVariables.set('x', jsonData.list[2].id);", {}, {"x": "$.list[2].id"}),
        (JSON + 'pm.globals.set("x", jsonData.y);', {}, {"x": "$.y"}),
        (
            'postman.setEnvironmentVariable("tok", JSON.parse(responseBody).token);',
            {},
            {"tok": "$.token"},
        ),
        (
            'pm.environment.set("etag", pm.response.headers.get("ETag"));',
            {},
            {"etag": {"header": "ETag"}},
        ),
        ('pm.environment.set("code", pm.response.code);', {}, {"code": {"status": True}}),
        ('tests["Status code is 200"] = responseCode.code === 200;', {"status": 200}, {}),
        ('tests["Status"] = responseCode.code == 201', {"status": 201}, {}),
        ('tests["Body has x"] = responseBody.has("x");', {"body": {"contains": "x"}}, {}),
        ('tests["Fast"] = responseTime < 200;', {"time_ms": {"lt": 200}}, {}),
        (
            'var jsonData = JSON.parse(responseBody);\ntests["id"] = jsonData.id === 5;',
            {"jsonpath": {"$.id": 5}},
            {},
        ),
        (
            'pm.test("Status code is 200", function () {\n'
            "    pm.response.to.have.status(200);\n"
            "});",
            {"status": 200},
            {},
        ),
        (
            'pm.test("arrow, no semicolons", () => {\n'
            "    pm.response.to.have.status(200)\n"
            "    pm.expect(pm.response.json().ok)\n"
            "        .to.eql(true)\n"
            "})",
            {"status": 200, "jsonpath": {"$.ok": True}},
            {},
        ),
    ],
)
def test_translated(script: str, assertions: dict[str, Any], captures: dict[str, Any]) -> None:
    result = translate_test_script(script.splitlines())
    assert result.untranslated == ()
    assert dict(result.assertions) == assertions
    assert dict(result.captures) == captures
    expected_count = len(captures) + sum(
        len(value) if key in ("headers", "jsonpath") else 1 for key, value in assertions.items()
    )
    if "$.n" not in str(assertions):  # two expects on one path count twice
        assert result.translated == expected_count


@pytest.mark.parametrize(
    "script",
    [
        "if (pm.response.code === 200) { pm.environment.set('a', 1); }",
        "console.log(pm.response.json());",
        'pm.environment.set("started", Date.now());',
        JSON + "pm.expect(jsonData.a).to.be.closeTo(1, 0.1);",
        "pm.expect(pm.response.code).to.be.above('x');",
        'pm.test("two statuses", function () {\n'
        "    pm.response.to.have.status(200);\n"
        "    pm.response.to.have.status(201);\n"
        "});",
        'pm.test("has logic", function () {\n'
        "    var jsonData = pm.response.json();\n"
        "    for (const item of jsonData.items) { pm.expect(item.id).to.be.above(0); }\n"
        "});",
        "pm.expect(other.value).to.eql(1);",
        "pm.expect(`${x}`).to.eql(1);",
        # Long statements that almost match must not make a regex backtrack for ever.
        "pm.expect(" + "a.b(c)" * 300 + ")" + ".x(y)" * 300 + "!",
        "pm.expect(x)" + ".to(1)" * 500 + " +",
        JSON + "pm.expect(jsonData.a).to.eql(" + "[" * 5000 + "]" * 5000 + ");",
    ],
)
def test_untranslated(script: str) -> None:
    result = translate_test_script(script)
    assert result.untranslated
    assert result.assertions == {} and result.captures == {}


def test_a_test_block_is_translated_whole_or_not_at_all() -> None:
    script = (
        'pm.test("mixed", function () {\n'
        "    pm.response.to.have.status(200);\n"
        "    if (x) { y(); }\n"
        "});\n"
        "pm.expect(pm.response.responseTime).to.be.below(300);"
    )
    result = translate_test_script(script)
    assert result.assertions == {"time_ms": {"lt": 300}}
    assert len(result.untranslated) == 1 and result.untranslated[0].startswith('pm.test("mixed"')


@pytest.mark.parametrize(
    ("text", "statements"),
    [
        ("a();b()\nc()", ["a()", "b()", "c()"]),
        ("a(';') // c();\n/* d(); */ e()", ["a(';')", "e()"]),
        ("f({\n x: 1\n})\n.g()", ["f({\n x: 1\n})\n.g()"]),
        ("", []),
    ],
)
def test_split_statements(text: str, statements: list[str]) -> None:
    assert split_statements(text) == statements


@pytest.mark.parametrize(
    ("path", "accessor"),
    [
        ("$", "jsonData"),
        ("$.a.b[0]", "jsonData.a.b[0]"),
        ("$['full name']", 'jsonData["full name"]'),
        ("$.items[*].id", None),
        ("$..id", None),
        ("$.a[-1]", None),
    ],
)
def test_js_accessor(path: str, accessor: str | None) -> None:
    assert js_accessor(path) == accessor


@pytest.mark.parametrize(
    ("kind", "target", "matcher", "expected"),
    [
        ("status", None, Matcher((("status", (200,)),)), "pm.response.to.have.status(200);"),
        (
            "status",
            None,
            Matcher((("status", (200, 201)),)),
            "pm.expect(pm.response.code).to.be.oneOf([200, 201]);",
        ),
        (
            "status",
            None,
            Matcher((("status", ("2xx",)),)),
            "pm.expect(pm.response.code).to.be.within(200, 299);",
        ),
        ("header", "ETag", Matcher((("exists", True),)), 'pm.response.to.have.header("ETag");'),
        (
            "header",
            "Content-Type",
            Matcher((("contains", "json"),)),
            'pm.expect(pm.response.headers.get("Content-Type")).to.include("json");',
        ),
        ("jsonpath", "$.a", Matcher.equals(1), "pm.expect(jsonData.a).to.eql(1);"),
        (
            "jsonpath",
            "$.a",
            Matcher.equals("<<x>>"),
            'pm.expect(jsonData.a).to.eql(pm.variables.get("x"));',
        ),
        (
            "jsonpath",
            "$.items",
            Matcher((("length", Matcher((("gt", 1),))),)),
            "pm.expect(jsonData.items.length).to.be.above(1);",
        ),
        (
            "time_ms",
            None,
            Matcher((("lt", 500),)),
            "pm.expect(pm.response.responseTime).to.be.below(500);",
        ),
        (
            "body",
            None,
            Matcher((("contains", "ok"),)),
            'pm.expect(pm.response.text()).to.include("ok");',
        ),
    ],
)
def test_check_to_js(kind: str, target: str | None, matcher: Matcher, expected: str) -> None:
    script = check_to_js(kind, target, matcher.operators)
    assert script is not None and expected in script
    # What we write, we read back the same.
    back = translate_test_script(script)
    assert back.untranslated == ()


@pytest.mark.parametrize(
    ("kind", "target", "matcher"),
    [
        ("jsonpath", "$.items[*].id", Matcher.equals(1)),
        ("jsonpath", "$.a", Matcher((("each", Matcher((("gt", 1),))),))),
        ("schema", "inline", None),
    ],
)
def test_check_without_js(kind: str, target: str, matcher: Matcher | None) -> None:
    operators = matcher.operators if matcher is not None else ()
    assert check_to_js(kind, target, operators) is None


@pytest.mark.parametrize(
    ("name", "kind", "source", "expected"),
    [
        (
            "id",
            "jsonpath",
            "$.data.id",
            'pm.collectionVariables.set("id", pm.response.json().data.id);',
        ),
        (
            "etag",
            "header",
            "ETag",
            'pm.collectionVariables.set("etag", pm.response.headers.get("ETag"));',
        ),
        ("code", "status", "status", 'pm.collectionVariables.set("code", pm.response.code);'),
        ("sid", "cookie", "sid", 'pm.collectionVariables.set("sid", pm.cookies.get("sid"));'),
        ("n", "regex", "n=(\\d+)", None),
    ],
)
def test_capture_to_js(name: str, kind: str, source: str, expected: str | None) -> None:
    assert capture_to_js(name, kind, source) == expected
    if expected is not None:
        assert translate_test_script(expected).captures[name] in (
            source,
            {kind: source},
            {"status": True},
        )
