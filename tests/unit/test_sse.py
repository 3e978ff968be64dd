"""The server-sent events parser and serialiser (runner/sse.py), against the WHATWG rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runner.model import ExampleEvent
from runner.results import SseEvent, StreamData, event_data
from runner.sse import SseParser, parse_events, serialise


def events(wire: bytes) -> list[tuple[str, str | None, str]]:
    parsed, cut = parse_events(wire)
    assert not cut
    return [(event.event, event.id, event.data) for event in parsed]


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        (b"data: a\n\n", [("message", None, "a")]),
        (b"data: a\r\n\r\n", [("message", None, "a")]),
        (b"data: a\r\rdata: b\r\r", [("message", None, "a"), ("message", None, "b")]),
        (b"data: a\r\n\ndata: b\n\r\n", [("message", None, "a"), ("message", None, "b")]),
        (b"data: one\ndata: two\ndata:\n\n", [("message", None, "one\ntwo\n")]),
        (b"event: delta\ndata: x\n\ndata: y\n\n", [("delta", None, "x"), ("message", None, "y")]),
        (b"id: 7\ndata: x\n\ndata: y\n\n", [("message", "7", "x"), ("message", "7", "y")]),
        (b"id: 7\ndata: x\n\nid\ndata: y\n\n", [("message", "7", "x"), ("message", "", "y")]),
        (b"id: a\x00b\ndata: x\n\n", [("message", None, "x")]),
        (b": a comment\ndata: x\n: another\n\n", [("message", None, "x")]),
        (
            b"data:x\n\ndata:  two spaces\n\n",
            [("message", None, "x"), ("message", None, " two spaces")],
        ),
        (b"data\n\n", [("message", None, "")]),
        (b"event: lonely\n\ndata: x\n\n", [("message", None, "x")]),
        (b"\xef\xbb\xbfdata: bom\n\n", [("message", None, "bom")]),
        (b"unknown: field\ndata: x\n\n", [("message", None, "x")]),
        (b"data: final without a blank line\n", [("message", None, "final without a blank line")]),
        (b"data: a\x0cb\xc2\x85c\n\n", [("message", None, "a\x0cb\x85c")]),
        (b"data: caf\xc3\xa9\n\n", [("message", None, "café")]),
        (b"", []),
        (b"\n\n\n", []),
    ],
)
def test_the_whatwg_rules(wire: bytes, expected: list[tuple[str, str | None, str]]) -> None:
    assert events(wire) == expected


def test_retry_takes_digits_only() -> None:
    parser = SseParser()
    parser.feed(b"retry: 1500\ndata: x\n\nretry: soon\n\n")
    assert parser.retry == 1500


def test_a_stream_that_stops_inside_a_line_is_cut() -> None:
    parsed, cut = parse_events(b'data: {"a": 1}\n\ndata: {"b"')
    assert [event.data for event in parsed] == ['{"a": 1}']
    assert cut


STREAMS = [
    b'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n'
    b"event: note\nid: 2\ndata: two\ndata: lines\n\n: keep-alive\n\n"
    b"data: caf\xc3\xa9\n\ndata: [DONE]\n\n",
    b'data: {"x":1}\r\n\r\nid: 9\r\ndata: crlf\r\n\r\n'
    b"data: caf\xc3\xa9\r\n\r\ndata: [DONE]\r\n\r\n",
    b"data: cr\r\rid: 3\rdata: only\r\r",
]


@pytest.mark.parametrize("wire", STREAMS)
def test_a_stream_split_at_every_byte_position_gives_the_same_events(wire: bytes) -> None:
    whole = events(wire)
    assert whole
    for position in range(len(wire) + 1):
        parser = SseParser()
        split = parser.feed(wire[:position]) + parser.feed(wire[position:]) + parser.finish()
        assert [(e.event, e.id, e.data) for e in split] == whole, position
        assert not parser.cut


@pytest.mark.parametrize("wire", STREAMS)
def test_a_stream_fed_byte_by_byte_gives_the_same_events(wire: bytes) -> None:
    parser = SseParser()
    fed = [event for index in range(len(wire)) for event in parser.feed(wire[index : index + 1])]
    assert [(e.event, e.id, e.data) for e in fed + parser.finish()] == events(wire)


@given(
    st.lists(
        st.tuples(
            st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
            st.one_of(st.none(), st.text(alphabet="abcxyz", min_size=1, max_size=8)),
            st.one_of(st.none(), st.text(alphabet="0123456789", min_size=1, max_size=4)),
        ),
        max_size=6,
    )
)
def test_serialised_events_read_back_as_written(
    written: list[tuple[str, str | None, str | None]],
) -> None:
    examples = [ExampleEvent(data, event=kind, id=ident) for data, kind, ident in written]
    wire = b"".join(serialise(examples))
    read, cut = parse_events(wire)
    assert not cut
    last_id = None
    expected = []
    for data, kind, ident in written:
        last_id = ident if ident is not None else last_id
        # A lone CR and CRLF are line ends: they read back as LF, as in any SSE client.
        text = data.replace("\r\n", "\n").replace("\r", "\n")
        expected.append(SseEvent(kind or "message", last_id, text))
    assert read == expected


def test_mapping_data_is_sent_as_json_and_read_back_parsed() -> None:
    wire = b"".join(serialise([ExampleEvent({"a": [1, "é"]}, event="x", id="1", retry=5)]))
    assert wire == 'id: 1\nevent: x\nretry: 5\ndata: {"a":[1,"é"]}\n\n'.encode()
    (event,), _ = parse_events(wire)
    assert event.as_json() == {"event": "x", "id": "1", "data": {"a": [1, "é"]}}


@pytest.mark.parametrize(
    ("data", "seen"),
    [("[DONE]", "[DONE]"), ('{"a": 1}', {"a": 1}), ("42", 42), ("null", None), ("hello", "hello")],
)
def test_data_is_parsed_when_it_is_json(data: str, seen: object) -> None:
    assert event_data(data) == seen


def test_checks_see_a_stream_as_an_array_of_events() -> None:
    response = StreamData(
        200,
        "OK",
        (("Content-Type", "text/event-stream"),),
        b"data: [DONE]\n\n",
        1.0,
        "http://x/",
        events=(SseEvent("message", None, '{"n": 1}'), SseEvent("message", None, "[DONE]")),
    )
    assert response.json.ok
    assert response.json.value == [
        {"event": "message", "id": None, "data": {"n": 1}},
        {"event": "message", "id": None, "data": "[DONE]"},
    ]
    assert response.text == "data: [DONE]\n\n"  # the body check reads the wire text
