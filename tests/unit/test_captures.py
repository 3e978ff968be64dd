"""Unit tests for runner.captures: the five capture forms, found and not found."""

from __future__ import annotations

import json
from typing import Any

import pytest

from runner.captures import capture
from runner.model import CaptureSpec
from runner.results import ResponseData
from runner.source import SourceLocation

LOC = SourceLocation("collections/api.yaml", 20, 5)

JSON_BODY: dict[str, Any] = {
    "data": {"token": "t-123", "nothing": None, "count": 0},
    "items": [{"id": 1}, {"id": 2}, {"id": 3}],
    "empty": [],
}


def response(body: Any = JSON_BODY, **kwargs: Any) -> ResponseData:
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    fields: dict[str, Any] = {
        "status": 201,
        "reason": "Created",
        "headers": (
            ("Content-Type", "application/json"),
            ("X-Request-Id", "req-9"),
            ("Link", "<a>"),
            ("link", "<b>"),
        ),
        "body": raw,
        "elapsed_ms": 5.0,
        "url": "http://127.0.0.1/x",
        "cookies": {"session": "s-1", "Empty": ""},
    }
    fields.update(kwargs)
    return ResponseData(**fields)


def spec(kind: Any, source: str, name: str = "var") -> CaptureSpec:
    return CaptureSpec(name=name, kind=kind, source=source, location=LOC)


@pytest.mark.parametrize(
    ("kind", "source", "expected"),
    [
        ("jsonpath", "$.data.token", "t-123"),
        ("jsonpath", "$.data.nothing", None),  # a JSON null counts as found
        ("jsonpath", "$.data.count", 0),
        ("jsonpath", "$.data", {"token": "t-123", "nothing": None, "count": 0}),
        ("jsonpath", "$.items[-1].id", 3),
        ("jsonpath", "$.items.`len`", 3),
        ("jsonpath", "$.empty", []),  # singular: the value is an empty array, found
        ("jsonpath", "$.items[*].id", [1, 2, 3]),
        ("jsonpath", "$.items[?(@.id > 1)].id", [2, 3]),
        ("jsonpath", "$.items[0,2].id", [1, 3]),
        ("header", "X-Request-Id", "req-9"),
        ("header", "x-request-id", "req-9"),
        ("header", "LINK", "<a>, <b>"),
        ("cookie", "session", "s-1"),
        ("cookie", "Empty", ""),
        ("regex", r'"token": "([^"]+)"', "t-123"),
        ("regex", r"t-\d+", "t-123"),  # no group: the whole match
        ("regex", r'"id": (\d+)', "1"),  # the first match
        ("regex", r"(t)-(\d+)", "t"),  # the first group
        ("status", "true", 201),
    ],
)
def test_found(kind: str, source: str, expected: Any) -> None:
    result = capture(spec(kind, source, name="out"), response())
    assert result.found is True
    assert result.value == expected
    assert type(result.value) is type(expected)
    assert result.name == "out"
    assert result.message is None
    assert result.location == LOC


@pytest.mark.parametrize(
    ("kind", "source", "body", "message"),
    [
        ("jsonpath", "$.data.token2", JSON_BODY, "capture 'token': no match for $.data.token2"),
        ("jsonpath", "$.items[5].id", JSON_BODY, "capture 'token': no match for $.items[5].id"),
        ("jsonpath", "$.items[-9]", JSON_BODY, "capture 'token': no match for $.items[-9]"),
        (
            "jsonpath",
            "$.items[?(@.id > 5)].id",
            JSON_BODY,
            "capture 'token': no match for $.items[?(@.id > 5)].id",
        ),
        ("jsonpath", "$.empty[*]", JSON_BODY, "capture 'token': no match for $.empty[*]"),
        ("header", "X-Missing", JSON_BODY, "capture 'token': no header X-Missing in the response"),
        ("cookie", "SESSION", JSON_BODY, "capture 'token': no cookie SESSION in the response"),
        (
            "regex",
            r"id=(\d+)",
            JSON_BODY,
            r"capture 'token': no match for regex 'id=(\d+)' in the body",
        ),
        ("regex", "(", JSON_BODY, "capture 'token': invalid regex '('"),
        ("regex", r"(x)?t-1", JSON_BODY, "its first group did not"),
        ("jsonpath", "$.a[", JSON_BODY, "capture 'token': invalid JSONPath '$.a['"),
    ],
)
def test_not_found(kind: str, source: str, body: Any, message: str) -> None:
    result = capture(spec(kind, source, name="token"), response(body))
    assert result.found is False
    assert result.value is None
    assert result.message is not None
    assert message in result.message
    assert result.location == LOC


@pytest.mark.parametrize(
    ("body", "fragment"),
    [("<html>", "the response body is not JSON"), ("", "the response body is empty")],
)
def test_jsonpath_on_non_json_body(body: str, fragment: str) -> None:
    result = capture(spec("jsonpath", "$.id", name="id"), response(body))
    assert result.found is False
    assert result.message is not None
    assert result.message.startswith("capture 'id': $.id: ")
    assert fragment in result.message


def test_regex_searches_the_decoded_text() -> None:
    body = "Résumé id=42".encode("latin-1")
    latin = ResponseData(201, "Created", (), body, 1.0, "http://x", encoding="latin-1")
    assert capture(spec("regex", "(R.sum.)"), latin).value == "Résumé"
    assert capture(spec("regex", r"id=(\d+)"), latin).value == "42"
