"""Unit tests for runner.checks and runner.matchers: every operator, every kind of check."""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

import pytest

from runner.checks import BODY_ACTUAL_LIMIT, describe_matcher, evaluate, matches_all
from runner.matchers import failure, json_equal, json_type, parse_number
from runner.model import MISSING, CheckSpec, Matcher
from runner.results import ResponseData
from runner.source import SourceLocation

LOC = SourceLocation("collections/api.yaml", 12, 7)


def M(operators: dict[str, Any]) -> Matcher:
    """A matcher from a mapping, as the loader builds it."""
    return Matcher(tuple(operators.items()))


def response(
    body: Any = b"",
    *,
    status: int = 200,
    headers: tuple[tuple[str, str], ...] = (),
    elapsed_ms: float = 12.5,
) -> ResponseData:
    if isinstance(body, str):
        raw = body.encode()
    elif isinstance(body, bytes):
        raw = body
    else:
        raw = json.dumps(body).encode()
        headers = (("Content-Type", "application/json"), *headers)
    return ResponseData(
        status=status,
        reason="OK",
        headers=headers,
        body=raw,
        elapsed_ms=elapsed_ms,
        url="http://127.0.0.1/x",
    )


def check(kind: Any, target: str | None, matcher: Matcher | None, **extra: Any) -> CheckSpec:
    return CheckSpec(kind=kind, target=target, matcher=matcher, location=LOC, **extra)


# ----------------------------------------------------------------------------- JSON equality


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        (1, 1.0, True),
        (0, -0.0, True),
        ("1", 1, False),
        (True, 1, False),
        (1, True, False),
        (False, 0, False),
        (True, True, True),
        (None, None, True),
        (None, 0, False),
        (None, "", False),
        ("", [], False),
        ([1, 2], [1.0, 2], True),
        ([1, 2], [2, 1], False),
        ([1], [1, 1], False),
        ([True], [1], False),
        ((1, 2), [1, 2], True),
        ({"a": 1, "b": [1]}, {"b": [1.0], "a": 1}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ({"a": True}, {"a": 1}, False),
        ({}, [], False),
        ("é", "é", True),
    ],
)
def test_json_equal(left: Any, right: Any, equal: bool) -> None:
    assert json_equal(left, right) is equal
    assert json_equal(right, left) is equal


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("x", "string"),
        (1, "number"),
        (1.5, "number"),
        (True, "boolean"),
        (None, "null"),
        ([], "array"),
        ({}, "object"),
    ],
)
def test_json_type(value: Any, name: str) -> None:
    assert json_type(value) == name


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("0", 0),
        (" 42 ", 42),
        ("-3", -3),
        ("1.50", 1.5),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("nan", None),
        ("inf", None),
        ("1_000", None),
        ("", None),
        ("12abc", None),
        ("0x10", None),
    ],
)
def test_parse_number(text: str, number: float | None) -> None:
    assert parse_number(text) == number


# ------------------------------------------------------------------------------- operators
# (operators, actual, message fragment or None when the matcher must hold)

OPERATOR_CASES: list[tuple[dict[str, Any], Any, str | None]] = [
    # eq / ne
    ({"eq": 1}, 1.0, None),
    ({"eq": 1}, "1", 'expected 1, got "1"'),
    ({"eq": True}, 1, "expected true, got 1"),
    ({"eq": 1}, True, "expected 1, got true"),
    ({"eq": None}, None, None),
    ({"eq": None}, 0, "expected null, got 0"),
    ({"eq": [1, {"a": 2}]}, [1, {"a": 2.0}], None),
    ({"eq": {"a": 1}}, {"a": 1, "b": 2}, 'expected {"a": 1}, got'),
    ({"ne": 5}, 6, None),
    ({"ne": 5}, 5.0, "expected a value other than 5, got 5.0"),
    ({"ne": 1}, True, None),
    ({"ne": "1"}, 1, None),
    # gt gte lt lte
    ({"gt": 0}, 1, None),
    ({"gt": 0}, -1, "expected > 0, got -1"),
    ({"gt": 0}, 0, "expected > 0, got 0"),
    ({"gte": 0}, 0, None),
    ({"gte": 0.5}, 0.4, "expected >= 0.5, got 0.4"),
    ({"lt": 10}, 9.99, None),
    ({"lt": 10}, 10, "expected < 10, got 10"),
    ({"lte": 10}, 10, None),
    ({"lte": 10}, 11, "expected <= 10, got 11"),
    ({"gt": "abc"}, "abd", None),
    ({"lt": "b"}, "a", None),
    ({"gt": 5}, "abc", 'cannot compare "abc" with 5'),
    ({"gt": 5}, "10", 'cannot compare "10" with 5'),  # a JSON string is not a number
    ({"lt": "z"}, 1, 'cannot compare 1 with "z"'),
    ({"gt": 0}, True, "cannot compare true with 0"),
    ({"gte": 0}, None, "cannot compare null with 0"),
    ({"lt": 5}, [1], "cannot compare [1] with 5"),
    ({"gt": 0, "lt": 10}, 5, None),
    ({"gt": 0, "lt": 10}, 10, "expected < 10, got 10"),
    # in / not_in
    ({"in": [200, 201]}, 201.0, None),
    ({"in": ["stop", "length"]}, "stop", None),
    ({"in": ["stop", "length"]}, "x", 'expected one of ["stop", "length"], got "x"'),
    ({"in": [1, 2]}, True, "expected one of [1, 2], got true"),
    ({"in": [None]}, None, None),
    ({"in": 5}, 5, "in needs a list of values, got number 5"),
    ({"not_in": [1, 2]}, 3, None),
    ({"not_in": [1, 2]}, "1", None),
    ({"not_in": [1, 2]}, 2, "expected none of [1, 2], got 2"),
    ({"not_in": "ab"}, "a", "not_in needs a list of values"),
    # contains / not_contains
    ({"contains": "json"}, "application/json", None),
    ({"contains": "xml"}, "application/json", 'expected "application/json" to contain "xml"'),
    ({"contains": 2}, [1, 2.0, 3], None),
    ({"contains": {"a": 1}}, [{"a": 1}], None),
    ({"contains": 1}, [True], "to contain 1"),
    ({"contains": "k"}, {"k": 0}, None),
    ({"contains": "v"}, {"k": "v"}, 'expected {"k": "v"} to contain "v"'),
    ({"contains": 1}, "a1", "contains on a string needs a string, got number 1"),
    ({"contains": 1}, {"1": 0}, "contains on an object needs a key (a string), got number 1"),
    ({"contains": "a"}, 5, "contains needs a string, an array or an object, got number 5"),
    ({"contains": "a"}, None, "got null null"),
    ({"not_contains": "error"}, "all good", None),
    ({"not_contains": "good"}, "all good", 'expected "all good" not to contain "good"'),
    ({"not_contains": 4}, [1, 2], None),
    ({"not_contains": "k"}, {"k": 1}, "not to contain"),
    ({"not_contains": "a"}, 5, "not_contains needs a string, an array or an object"),
    # starts_with / ends_with
    ({"starts_with": "Bearer "}, "Bearer abc", None),
    ({"starts_with": "Basic"}, "Bearer abc", 'expected a string starting with "Basic"'),
    ({"starts_with": "1"}, 123, "starts_with needs a string, got number 123"),
    ({"starts_with": 1}, "123", "starts_with needs a string argument, got number 1"),
    ({"ends_with": ".json"}, "a.json", None),
    ({"ends_with": ".xml"}, "a.json", 'expected a string ending with ".xml"'),
    ({"ends_with": "x"}, ["x"], "ends_with needs a string, got array"),
    # matches
    ({"matches": r"^\d+$"}, "12345", None),
    ({"matches": r"\d"}, "abc1def", None),  # a search, not a full match
    ({"matches": r"^\d+$"}, "12a", "expected a string matching '^\\d+$', got \"12a\""),
    ({"matches": r"^\d+$"}, 123, "matches needs a string, got number 123"),
    ({"matches": "("}, "x", "matches: invalid regex '('"),
    # exists
    ({"exists": True}, None, None),
    ({"exists": True}, 0, None),
    ({"exists": False}, None, "to be absent, got null"),
    ({"exists": False}, 5, "to be absent, got 5"),
    # type
    ({"type": "string"}, "x", None),
    ({"type": "string"}, 1, "expected type string, got number 1"),
    ({"type": "number"}, 1, None),
    ({"type": "number"}, 1.5, None),
    ({"type": "number"}, True, "expected type number, got boolean true"),
    ({"type": "integer"}, 10, None),
    ({"type": "integer"}, 10.0, "expected type integer, got number 10.0"),
    ({"type": "integer"}, False, "expected type integer, got boolean false"),
    ({"type": "boolean"}, False, None),
    ({"type": "boolean"}, 0, "expected type boolean"),
    ({"type": "array"}, [], None),
    ({"type": "array"}, {}, "expected type array, got object {}"),
    ({"type": "object"}, {}, None),
    ({"type": "null"}, None, None),
    ({"type": "null"}, "null", 'expected type null, got string "null"'),
    ({"type": "float"}, 1.5, "unknown type"),
    # length
    ({"length": 3}, "abc", None),
    ({"length": 3}, [1, 2], "length is 2, expected 3"),
    ({"length": 2}, {"a": 1, "b": 2}, None),
    ({"length": 0}, [], None),
    ({"length": M({"gt": 2})}, [1, 2, 3], None),
    ({"length": M({"gt": 5})}, "abc", "length is 3, expected gt 5"),
    ({"length": M({"gte": 1, "lte": 3})}, "abcd", "length is 4, expected gte 1, lte 3"),
    ({"length": 1}, 5, "length needs a string, an array or an object, got number 5"),
    ({"length": 0}, None, "length needs a string, an array or an object, got null null"),
    # empty
    ({"empty": True}, "", None),
    ({"empty": True}, [], None),
    ({"empty": True}, {}, None),
    ({"empty": True}, None, None),
    ({"empty": True}, [0], "expected empty, got [0]"),
    ({"empty": True}, " ", 'expected empty, got " "'),
    ({"empty": False}, "x", None),
    ({"empty": False}, [], "expected not empty, got []"),
    ({"empty": False}, None, "expected not empty, got null"),
    ({"empty": True}, 0, "empty needs a string, an array, an object or null, got number 0"),
    ({"empty": False}, False, "empty needs a string, an array, an object or null"),
    # each
    ({"each": M({"in": ["stop", "length"]})}, ["stop", "length", "stop"], None),
    ({"each": M({"in": ["stop", "length"]})}, [], None),
    (
        {"each": M({"in": ["stop", "length"]})},
        ["stop", "tool_calls"],
        'each: item 1: expected one of ["stop", "length"], got "tool_calls"',
    ),
    ({"each": M({"type": "integer", "gt": 0})}, [1, 2, 0], "each: item 2: expected > 0, got 0"),
    ({"each": Matcher.equals(1)}, [1, 1.0], None),
    ({"each": M({"gt": 0})}, {"a": 1}, "each needs an array, got object"),
    ({"each": M({"gt": 0})}, "abc", 'each needs an array, got string "abc"'),
    ({"each": M({"each": M({"gt": 0})})}, [[1], [2, -1]], "each: item 1: each: item 1"),
    ({"each": M({"exists": False})}, [1], "each: item 0: expected item 0 to be absent"),
    # several operators: all must hold, the first failure is reported
    ({"type": "string", "starts_with": "a", "length": 3}, "abc", None),
    ({"type": "string", "starts_with": "b"}, "abc", "starting with"),
    # an unknown operator fails rather than crashing
    ({"contians": "x"}, "x", "unknown operator 'contians'"),
]


@pytest.mark.parametrize(("operators", "actual", "fragment"), OPERATOR_CASES)
def test_operators(operators: dict[str, Any], actual: Any, fragment: str | None) -> None:
    message = failure(M(operators), actual, subject="$.v")
    if fragment is None:
        assert message is None
    else:
        assert message is not None
        assert fragment in message


@pytest.mark.parametrize(("operators", "actual", "fragment"), OPERATOR_CASES)
def test_operators_through_a_jsonpath_check(
    operators: dict[str, Any], actual: Any, fragment: str | None
) -> None:
    result = evaluate(check("jsonpath", "$.v", M(operators)), response({"v": actual}))
    assert result.passed is (fragment is None)
    assert result.actual == actual
    assert result.actual_missing is False
    if fragment is not None:
        assert result.message is not None
        assert fragment in result.message


@pytest.mark.parametrize(
    ("operators", "passes"),
    [
        ({"exists": False}, True),
        ({"exists": True}, False),
        ({"eq": None}, False),
        ({"ne": 1}, False),
        ({"empty": True}, False),
        ({"type": "null"}, False),
        ({"length": 0}, False),
        ({"not_in": [1]}, False),
        ({"not_contains": "x"}, False),
        ({"exists": False, "eq": 1}, False),
    ],
)
def test_missing_singular_path(operators: dict[str, Any], passes: bool) -> None:
    result = evaluate(check("jsonpath", "$.data.token", M(operators)), response({"data": {}}))
    assert result.passed is passes
    assert result.actual is None
    assert result.actual_missing is True
    if not passes:
        assert result.message == "no match for $.data.token"


def test_implicit_equality_on_missing() -> None:
    result = evaluate(check("jsonpath", "$.x", Matcher.equals(None)), response({"y": 1}))
    assert not result.passed
    assert result.message == "no match for $.x"
    assert result.expected == "null"


def test_null_is_present() -> None:
    spec = check("jsonpath", "$.x", M({"exists": True}))
    assert evaluate(spec, response({"x": None})).passed
    absent = evaluate(check("jsonpath", "$.x", M({"exists": False})), response({"x": None}))
    assert not absent.passed
    assert absent.message == "expected $.x to be absent, got null"


# ------------------------------------------------------------------------------- jsonpath


@pytest.mark.parametrize(
    ("path", "matcher", "body", "passes", "actual"),
    [
        ("$.object", Matcher.equals("chat.completion"), {"object": "chat.completion"}, True, None),
        ("$.choices[0].message.role", Matcher.equals("user"), {"choices": []}, False, MISSING),
        ("$.items[-1].id", Matcher.equals(3), {"items": [{"id": 1}, {"id": 3}]}, True, 3),
        ("$.items.`len`", M({"gt": 1}), {"items": [1, 2]}, True, 2),
        ("$.items[*].id", M({"length": 0}), {"items": []}, True, []),
        ("$.items[?(@.id > 5)]", M({"length": 0}), {"items": [{"id": 1}]}, True, []),
        ("$.items[?(@.id > 5)]", M({"empty": True}), {"items": [{"id": 1}]}, True, []),
        ("$.missing[*]", M({"empty": True}), {}, True, []),
        (
            "$.items[?(@.id > 0)].id",
            Matcher.equals([1, 2]),
            {"items": [{"id": 1}, {"id": 2}]},
            True,
            [1, 2],
        ),
        ("$..id", M({"contains": 2}), {"a": {"id": 1}, "b": [{"id": 2}]}, True, [1, 2]),
        (
            "$.choices[*].finish_reason",
            M({"each": M({"in": ["stop", "length"]})}),
            {"choices": [{"finish_reason": "stop"}, {"finish_reason": "length"}]},
            True,
            ["stop", "length"],
        ),
        ("$", M({"type": "array"}), [1], True, [1]),
    ],
)
def test_jsonpath_checks(path: str, matcher: Matcher, body: Any, passes: bool, actual: Any) -> None:
    result = evaluate(check("jsonpath", path, matcher), response(body))
    assert result.passed is passes
    assert result.kind == "jsonpath"
    assert result.target == path
    assert result.description == f"jsonpath {path}"
    assert result.location == LOC
    if actual is MISSING:
        assert result.actual_missing
    elif actual is not None:
        assert result.actual == actual


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("<html>oops</html>", "the response body is not JSON"),
        ("", "the response body is empty, not JSON"),
    ],
)
@pytest.mark.parametrize("matcher", [M({"exists": False}), M({"length": 0}), Matcher.equals(1)])
def test_jsonpath_on_non_json_body(body: str, fragment: str, matcher: Matcher) -> None:
    result = evaluate(check("jsonpath", "$.x", matcher), response(body))
    assert not result.passed
    assert result.message is not None
    assert fragment in result.message


def test_jsonpath_invalid_expression_fails_the_check() -> None:
    result = evaluate(check("jsonpath", "$.a[", Matcher.equals(1)), response({"a": 1}))
    assert not result.passed
    assert result.message is not None
    assert "invalid JSONPath" in result.message


# ---------------------------------------------------------------------------------- status


@pytest.mark.parametrize(
    ("allowed", "status", "passes", "expected"),
    [
        ((200,), 200, True, "200"),
        ((200,), 201, False, "200"),
        (("2xx",), 204, True, "2xx"),
        (("2XX",), 299, True, "2xx"),
        (("2xx",), 302, False, "2xx"),
        (("4xx", 500), 404, True, "one of 4xx, 500"),
        (("4xx", 500), 500, True, "one of 4xx, 500"),
        (("4xx", 500), 503, False, "one of 4xx, 500"),
        ((200, 201), 201, True, "one of 200, 201"),
        (("bogus",), 200, False, "bogus"),
    ],
)
def test_status_operator(
    allowed: tuple[Any, ...], status: int, passes: bool, expected: str
) -> None:
    spec = check("status", None, Matcher((("status", allowed),)))
    result = evaluate(spec, response(status=status))
    assert result.passed is passes
    assert result.expected == expected
    assert result.actual == status
    assert result.description == "status"
    if not passes:
        assert result.message == f"expected {expected}, got {status}"


@pytest.mark.parametrize(
    ("matcher", "status", "passes"),
    [
        (Matcher.equals(200), 200, True),
        (Matcher.equals(200), 404, False),
        (M({"in": [200, 201]}), 201, True),
        (M({"gte": 200, "lt": 300}), 250, True),
        (M({"gte": 200, "lt": 300}), 300, False),
        (M({"ne": 500}), 200, True),
    ],
)
def test_status_with_matchers(matcher: Matcher, status: int, passes: bool) -> None:
    assert evaluate(check("status", None, matcher), response(status=status)).passed is passes


# --------------------------------------------------------------------------------- headers

HEADERS = (
    ("Content-Type", "application/json; charset=utf-8"),
    ("Content-Length", "0"),
    ("X-RateLimit-Remaining", "42"),
    ("X-Flag", "true"),
    ("X-Ratio", "1.50"),
    ("X-Text", "abc"),
    ("Set-Cookie", "a=1"),
    ("set-cookie", "b=2"),
)


@pytest.mark.parametrize(
    ("name", "matcher", "passes", "fragment"),
    [
        ("content-type", M({"contains": "application/json"}), True, None),
        ("CONTENT-TYPE", M({"starts_with": "application/"}), True, None),
        ("Content-Length", Matcher.equals(0), True, None),
        ("Content-Length", Matcher.equals("0"), True, None),
        ("Content-Length", Matcher.equals(0.0), True, None),
        ("Content-Length", Matcher.equals(1), False, 'expected 1, got "0"'),
        ("Content-Length", M({"in": [0, 1]}), True, None),
        ("Content-Length", M({"not_in": [0]}), False, "expected none of [0]"),
        ("Content-Length", M({"ne": 0}), False, "other than 0"),
        ("X-Flag", Matcher.equals(True), True, None),
        ("X-Flag", Matcher.equals(False), False, 'expected false, got "true"'),
        ("X-Flag", Matcher.equals(1), False, None),
        ("X-Ratio", Matcher.equals(1.5), True, None),
        ("X-Ratio", Matcher.equals("1.5"), False, None),  # a quoted value is compared as text
        ("X-RateLimit-Remaining", M({"gt": 0}), True, None),
        ("X-RateLimit-Remaining", M({"gt": 42}), False, 'expected > 42, got "42"'),
        ("X-RateLimit-Remaining", M({"lte": 42.0}), True, None),
        ("X-RateLimit-Remaining", M({"lt": 100}), True, None),  # numeric, not "42" < "100"
        ("X-RateLimit-Remaining", M({"gt": "5"}), False, 'expected > "5", got "42"'),
        ("X-Text", M({"gt": 5}), False, 'cannot compare "abc" with 5'),
        ("X-Text", M({"gt": True}), False, "cannot compare"),
        ("X-Text", M({"type": "string"}), True, None),
        ("X-Text", M({"length": 3}), True, None),
        ("X-Text", M({"matches": "^a.c$"}), True, None),
        ("X-Text", Matcher.equals({"a": 1}), False, "is text"),
        ("X-RateLimit-Remaining", M({"contains": 4}), True, None),
        ("X-RateLimit-Remaining", M({"starts_with": 4}), True, None),
        ("X-Flag", M({"ends_with": True}), True, None),
        ("Set-Cookie", Matcher.equals("a=1, b=2"), True, None),
        ("X-Text", M({"exists": True}), True, None),
        ("X-Text", M({"exists": False}), False, "expected header X-Text to be absent"),
        ("X-Text", M({"each": M({"gt": 0})}), False, "each needs an array"),
    ],
)
def test_header_checks(name: str, matcher: Matcher, passes: bool, fragment: str | None) -> None:
    result = evaluate(check("header", name, matcher), response(headers=HEADERS))
    assert result.passed is passes, result.message
    assert result.description == f"header {name}"
    assert isinstance(result.actual, str)
    if fragment is not None:
        assert result.message is not None
        assert fragment in result.message


@pytest.mark.parametrize(
    ("matcher", "passes"),
    [
        (M({"exists": False}), True),
        (M({"exists": True}), False),
        (Matcher.equals(""), False),
        (M({"empty": True}), False),
        (M({"not_contains": "x"}), False),
    ],
)
def test_absent_header(matcher: Matcher, passes: bool) -> None:
    result = evaluate(check("header", "X-Request-Id", matcher), response(headers=HEADERS))
    assert result.passed is passes
    assert result.actual is None
    assert result.actual_missing is True
    if not passes:
        assert result.message == "header X-Request-Id is absent"


# ------------------------------------------------------------------------------------ body


@pytest.mark.parametrize(
    ("body", "matcher", "passes"),
    [
        ("pong", Matcher.equals("pong"), True),
        ("pong\n", Matcher.equals("pong"), False),
        ("42", Matcher.equals(42), True),
        ("true", Matcher.equals(True), True),
        ("null", Matcher.equals(None), True),
        ("", M({"empty": True}), True),
        ("ok", M({"empty": False}), True),
        ('{"a": 1}', M({"contains": '"a": 1'}), True),
        ('{"a": 1}', Matcher.equals({"a": 1}), False),  # the body is text
        ("17", M({"gt": 9}), True),  # numeric: the string "17" < "9"
        ("hello world", M({"matches": r"wor\w+"}), True),
        ("hello world", M({"length": 11}), True),
        ("hello", M({"type": "string"}), True),
    ],
)
def test_body_checks(body: str, matcher: Matcher, passes: bool) -> None:
    result = evaluate(check("body", None, matcher), response(body))
    assert result.passed is passes, result.message
    assert result.description == "body"
    assert result.actual == body


def test_body_actual_is_shortened() -> None:
    body = "x" * (BODY_ACTUAL_LIMIT + 50)
    result = evaluate(check("body", None, M({"length": M({"gt": 10})})), response(body))
    assert result.passed
    assert result.actual.startswith("x" * BODY_ACTUAL_LIMIT)
    assert result.actual.endswith("(50 more chars)")


def test_body_decoding_replaces_bad_bytes() -> None:
    result = evaluate(check("body", None, M({"contains": "ok"})), response(b"\xff ok"))
    assert result.passed


# ---------------------------------------------------------------------------------- schema

USER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}


@pytest.mark.parametrize(
    ("schema", "body", "passes", "fragments"),
    [
        (USER_SCHEMA, {"id": 1, "name": "Ada"}, True, ()),
        (USER_SCHEMA, {"id": "1", "name": "Ada"}, False, ("$.id: '1' is not of type 'integer'",)),
        (USER_SCHEMA, {"id": 1}, False, ("$: 'name' is a required property",)),
        (
            USER_SCHEMA,
            {"id": 1, "name": "Ada", "tags": ["a", 2]},
            False,
            ("$.tags[1]: 2 is not of type 'string'",),
        ),
        (
            {"type": "array", "items": {"type": "integer"}},
            ["a", "b", "c", "d", "e"],
            False,
            ("$[0]:", "$[2]:", "(and 2 more)"),
        ),
        # draft 2020-12 by default: prefixItems is a keyword
        ({"prefixItems": [{"type": "integer"}]}, ["x"], False, ("$[0]",)),
        # draft-07 via $schema: prefixItems is unknown there, so it is ignored
        (
            {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "prefixItems": [{"type": "integer"}],
            },
            ["x"],
            True,
            (),
        ),
        (
            {"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "integer"}]},
            ["x"],
            False,
            ("$[0]",),
        ),
        ({"type": "objectx"}, {}, False, ("schema error",)),
        ({"$ref": "https://example.invalid/schema.json"}, {}, False, ("schema error",)),
    ],
)
def test_schema_checks(
    schema: dict[str, Any], body: Any, passes: bool, fragments: tuple[str, ...]
) -> None:
    result = evaluate(check("schema", "schemas/user.json", None, schema=schema), response(body))
    assert result.passed is passes, result.message
    assert result.description == "schema schemas/user.json"
    assert result.kind == "schema"
    for fragment in fragments:
        assert result.message is not None
        assert fragment in result.message


def test_schema_on_non_json_body() -> None:
    spec = check("schema", "inline", None, schema=USER_SCHEMA)
    result = evaluate(spec, response("<html>"))
    assert not result.passed
    assert result.message is not None
    assert "not JSON" in result.message


def test_schema_given_as_read_only_mapping() -> None:
    frozen = MappingProxyType(
        {"type": "object", "properties": MappingProxyType({"id": {"type": "integer"}})}
    )
    spec = check("schema", "inline", None, schema=frozen)
    assert evaluate(spec, response({"id": 1})).passed
    assert not evaluate(spec, response({"id": "1"})).passed


def test_schema_error_count() -> None:
    spec = check("schema", "inline", None, schema={"type": "array", "items": {"type": "string"}})
    result = evaluate(spec, response([1, 2]))
    assert result.actual == "invalid (2 errors)"
    assert evaluate(spec, response(["a"])).actual == "valid"


# --------------------------------------------------------------------------------- time_ms


@pytest.mark.parametrize(
    ("matcher", "elapsed", "passes", "fragment"),
    [
        (M({"lt": 500}), 120.5, True, None),
        (M({"lt": 500}), 612.0, False, "expected < 500, got 612.0"),
        (M({"gte": 0, "lte": 1000}), 1000.0, True, None),
        (M({"type": "number"}), 1.0, True, None),
    ],
)
def test_time_ms(matcher: Matcher, elapsed: float, passes: bool, fragment: str | None) -> None:
    result = evaluate(check("time_ms", None, matcher), response(elapsed_ms=elapsed))
    assert result.passed is passes
    assert result.actual == elapsed
    assert result.description == "time_ms"
    if fragment is not None:
        assert result.message == fragment


# ------------------------------------------------------------------------- descriptions etc.


@pytest.mark.parametrize(
    ("matcher", "text"),
    [
        (Matcher.equals(200), "200"),
        (Matcher.equals("chat.completion"), '"chat.completion"'),
        (Matcher.equals({"a": [1, True, None]}), '{"a": [1, true, null]}'),
        (Matcher((("status", (200,)),)), "200"),
        (Matcher((("status", ("2XX",)),)), "2xx"),
        (Matcher((("status", (200, 201)),)), "one of 200, 201"),
        (M({"gt": 0}), "gt 0"),
        (M({"gt": 0, "lt": 10}), "gt 0, lt 10"),
        (M({"each": M({"in": ["stop", "length"]})}), 'each in ["stop", "length"]'),
        (M({"length": M({"gt": 2})}), "length gt 2"),
        (M({"length": 3}), "length 3"),
        (M({"exists": False}), "exists false"),
        (M({"eq": "x"}), 'eq "x"'),
        (M({"matches": r"^\d+$"}), r"matches '^\d+$'"),
        (M({"each": M({"gt": 0, "lt": 5})}), "each (gt 0, lt 5)"),
        (M({"each": Matcher.equals(1)}), "each 1"),
    ],
)
def test_describe_matcher(matcher: Matcher, text: str) -> None:
    assert describe_matcher(matcher) == text


def test_result_fields() -> None:
    result = evaluate(
        check("jsonpath", "$.usage.total_tokens", M({"gt": 0})),
        response({"usage": {"total_tokens": -1}}),
    )
    assert result.kind == "jsonpath"
    assert result.target == "$.usage.total_tokens"
    assert result.description == "jsonpath $.usage.total_tokens"
    assert result.passed is False
    assert result.expected == "gt 0"
    assert result.actual == -1
    assert result.message == "expected > 0, got -1"
    assert result.location == LOC
    json.dumps(result.actual)


def test_matches_all() -> None:
    quota = (
        check("status", None, Matcher((("status", (429,)),))),
        check("jsonpath", "$.error.code", Matcher.equals("insufficient_quota")),
    )
    no_quota = response({"error": {"code": "insufficient_quota"}}, status=429)
    rate_limited = response({"error": {"code": "rate_limit_exceeded"}}, status=429)
    assert matches_all(quota, no_quota)
    assert not matches_all(quota, rate_limited)
    assert not matches_all(quota, response("not json", status=429))
    assert matches_all((), rate_limited)


def test_never_raises_on_odd_arguments() -> None:
    odd = [
        M({"length": "three"}),
        M({"each": 5}),
        M({"matches": 5}),
        M({"type": 5}),
        M({"in": None}),
        M({"contains": [1]}),
        Matcher((("status", "nope"),)),
    ]
    for matcher in odd:
        for value in ("x", 1, None, [1], {"a": 1}, True):
            result = evaluate(check("jsonpath", "$.v", matcher), response({"v": value}))
            assert isinstance(result.passed, bool)


@pytest.mark.parametrize(
    ("actual", "expected", "hinted"),
    [(2, "2", True), (True, "true", True), (2.5, "2.5", True), (2, "3", False), ("2", 2, False)],
)
def test_text_against_the_number_it_spells_says_why(
    actual: object, expected: object, hinted: bool
) -> None:
    from runner.matchers import failure

    message = failure(Matcher.equals(expected), actual, subject="$.id")
    assert message is not None
    assert ("CSV data" in message) == hinted


@pytest.mark.parametrize(
    "value",
    ['a"b\\c', "é\n\x01\u2028", "", 0, 1, -5, 2**70, True, False, None, 1.5, [1, "x"], {"a": None}],
)
def test_a_value_is_shown_in_its_json_spelling(value: Any) -> None:
    # The scalar fast path (issue 21) spells values as json.dumps does: true, not True.
    from runner.matchers import show

    assert show(value) == json.dumps(value, ensure_ascii=False)
    expected = describe_matcher(Matcher((("eq", value),), implicit=True))
    assert expected == json.dumps(value, ensure_ascii=False)
