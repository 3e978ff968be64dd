"""Checks and captures of a stream's response: events, time to first event, the joined text."""

from __future__ import annotations

import json

import pytest

from runner.captures import capture
from runner.checks import BODY_ACTUAL_LIMIT, evaluate
from runner.model import CaptureSpec, CheckSpec, Matcher
from runner.results import ResponseData, SseEvent, StreamData
from runner.source import SourceLocation

HERE = SourceLocation("c.yaml", 3, 7)
JOIN = "$.choices[0].delta.content"


def stream(*data: str, first: float | None = 12.5) -> StreamData:
    return StreamData(
        200,
        "OK",
        (("Content-Type", "text/event-stream"),),
        b"",
        40.0,
        "http://x/",
        events=tuple(SseEvent("message", None, item) for item in data),
        first_event_ms=first if data else None,
    )


def chunk(content: object) -> str:
    return json.dumps({"choices": [{"delta": {"content": content}}]})


def check(kind: str, matcher: Matcher, target: str | None = None) -> CheckSpec:
    return CheckSpec(kind, target, matcher, HERE)  # type: ignore[arg-type]


def length(value: object) -> Matcher:
    return Matcher((("length", Matcher.equals(value)),))


def test_events_counts_the_events() -> None:
    response = stream(chunk("a"), chunk("b"), "[DONE]")
    assert evaluate(check("events", length(3)), response).passed
    result = evaluate(check("events", length(5)), response)
    assert not result.passed
    assert result.actual[-1]["data"] == "[DONE]"


def test_a_long_stream_is_kept_cut_in_a_result() -> None:
    response = stream(*[chunk("x" * 100)] * 500)
    result = evaluate(check("events", length(500)), response)
    assert result.passed
    assert len(json.dumps(result.actual)) < 2 * BODY_ACTUAL_LIMIT
    assert result.actual[-1].endswith("more events")


@pytest.mark.parametrize(
    ("pieces", "joined"),
    [
        (["Hel", "lo"], "Hello"),
        (["a", None, "b"], "ab"),  # a null content (the role chunk) adds nothing
        ([1, True, "!"], "1true!"),
        ([], ""),
    ],
)
def test_the_joined_text_is_each_match_in_order(pieces: list[object], joined: str) -> None:
    response = stream(*[chunk(piece) for piece in pieces], '{"choices": []}', "[DONE]")
    result = evaluate(check("joined", Matcher.equals(joined), JOIN), response)
    assert result.passed, result.message
    taken = capture(CaptureSpec("reply", "joined", JOIN, HERE), response)
    assert taken.found and taken.value == joined


def test_a_non_singular_join_path_joins_every_match() -> None:
    data = json.dumps({"choices": [{"text": "a"}, {"text": "b"}]})
    joined = check("joined", Matcher.equals("abab"), "$.choices[*].text")
    result = evaluate(joined, stream(data, data))
    assert result.passed, result.message


def test_time_to_first_event_is_a_matcher_and_missing_without_events() -> None:
    assert evaluate(check("time_to_first_event_ms", Matcher((("lt", 20),))), stream("x")).passed
    result = evaluate(check("time_to_first_event_ms", Matcher((("lt", 20),))), stream())
    assert not result.passed and result.message == "the stream had no event"


@pytest.mark.parametrize("kind", ["events", "time_to_first_event_ms", "joined"])
def test_a_response_that_is_no_stream_fails_each_stream_check(kind: str) -> None:
    response = ResponseData(
        429, "", (("Content-Type", "application/json"),), b'{"error": {}}', 1.0, "http://x/"
    )
    result = evaluate(check(kind, Matcher((("exists", True),)), JOIN), response)
    assert not result.passed
    assert result.message == "the response is not an event stream (429, application/json)"
    taken = capture(CaptureSpec("reply", "joined", JOIN, HERE), response)
    assert not taken.found
    assert "nothing to join: the response is not an event stream" in (taken.message or "")


def test_jsonpath_checks_see_the_events_array() -> None:
    response = stream(chunk("a"), "[DONE]")
    assert evaluate(check("jsonpath", Matcher.equals("[DONE]"), "$[-1].data"), response).passed
    assert evaluate(check("jsonpath", Matcher.equals("a"), f"$[0].data{JOIN[1:]}"), response).passed
