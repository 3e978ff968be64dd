"""Streams (``stream: sse``) against a real streaming server on loopback: what checks see, the
joined reply, error answers in JSON, cut and stalled streams, limits, timing, byte splits."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sse_server import Reply, Seen, StreamServer, endless, events, json_reply

from runner.engine import Engine, RunOptions, plan_run
from runner.events import StreamEventReceived
from runner.loader import load_collection
from runner.results import RequestResult, RunResult, StreamData
from runner.transport import OutgoingRequest, new_session, send

CHUNKS = [
    {"object": "chat.completion.chunk", "choices": [{"delta": {"role": "assistant"}}]},
    {"object": "chat.completion.chunk", "choices": [{"delta": {"content": "Hello"}}]},
    {"object": "chat.completion.chunk", "choices": [{"delta": {"content": ", world"}}]},
    {"object": "chat.completion.chunk", "choices": [{"delta": {}, "finish_reason": "stop"}]},
    "[DONE]",
]


@pytest.fixture
def server() -> Iterator[StreamServer]:
    with StreamServer() as running:
        yield running


def run(tmp_path: Path, text: str, listeners: list[Any] | None = None) -> RunResult:
    """Run a collection through the engine, as ``postrun run`` does."""
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    collection = load_collection(path, base_dir=tmp_path)
    plan = plan_run([collection], RunOptions(environ={"API_KEY": "sk-stream-secret-1234"}))
    with new_session() as session:
        return Engine(plan, session, listeners or [], sleep=lambda _s: None).run()


def failed(result: RequestResult) -> list[str]:
    return [f"{check.description}: {check.message}" for check in result.failed_checks]


GOOD = """
requests:
  - name: chat
    method: POST
    url: {url}/chat
    body: {{json: {{stream: true}}}}
    stream:
      sse:
        join: $.choices[0].delta.content
        done: "[DONE]"
    assert:
      status: 200
      events: {{length: 5}}
      jsonpath:
        $[0].data.object: chat.completion.chunk
        $[0].event: message
        $[*].data.choices[0].delta.content: ["Hello", ", world"]
        $[-2].data.choices[0].finish_reason: stop
        $[-1].data: "[DONE]"
      joined: "Hello, world"
      time_to_first_event_ms: {{lt: 5000}}
      body: {{contains: "data: [DONE]"}}
    capture:
      reply: {{joined: true}}
  - name: echo
    method: POST
    url: {url}/echo
    body: {{json: {{said: <<reply>>}}}}
    assert:
      jsonpath: {{$.said: "Hello, world"}}
"""


def test_a_good_stream_is_checked_event_by_event_and_its_reply_joined(
    tmp_path: Path, server: StreamServer
) -> None:
    server.routes["/chat"] = lambda _seen: Reply(events(*CHUNKS, pause=0.01))
    server.routes["/echo"] = lambda seen: json_reply(json.loads(seen.body))
    run_result = run(tmp_path, GOOD.format(url=server.url))
    chat, echo = run_result.requests
    assert failed(chat) == [] and chat.error is None
    assert chat.passed and echo.passed, (failed(chat), failed(echo), echo.error)
    assert chat.events == 5
    assert chat.first_event_ms is not None and chat.first_event_ms < chat.elapsed_ms
    assert chat.captures[0].value == "Hello, world"
    assert echo.events is None and echo.first_event_ms is None
    # A stream asks for one, as EventSource does; a request without stream does not.
    assert server.seen[0].headers["Accept"] == "text/event-stream"
    assert server.seen[1].headers["Accept"] == "*/*"


def test_a_json_error_answer_is_checked_as_json(tmp_path: Path, server: StreamServer) -> None:
    quota = {"error": {"code": "insufficient_quota", "message": "You exceeded your quota"}}
    server.routes["/chat"] = lambda _seen: json_reply(quota, status=429)
    text = """
requests:
  - name: chat
    url: {url}/chat
    stream: sse
    headers: {{accept: "application/json, text/event-stream"}}
    assert:
      status: 429
      jsonpath: {{$.error.code: insufficient_quota}}
      events: {{length: {{gte: 1}}}}
"""
    (result,) = run(tmp_path, text.format(url=server.url)).requests
    assert result.error is None
    assert failed(result) == ["events: the response is not an event stream (429, application/json)"]
    assert result.events is None
    assert server.seen[0].headers["Accept"] == "application/json, text/event-stream"  # it wins


@pytest.mark.parametrize(
    ("chunked", "message"),
    [
        (False, "the stream ended in the middle of an event, after 1 event"),
        (True, "the connection was cut in the middle of the stream, after 1 event"),
    ],
)
def test_a_stream_cut_mid_event_fails_that_request_clearly(
    tmp_path: Path, server: StreamServer, chunked: bool, message: str
) -> None:
    parts = [(0.0, b'data: {"n": 1}\n\n'), (0.01, b'data: {"n": ')]
    server.routes["/cut"] = lambda _seen: Reply(parts, chunked=chunked, cut=True)
    server.routes["/ok"] = lambda _seen: Reply(events("[DONE]"))
    text = """
requests:
  - name: cut
    url: {url}/cut
    stream: sse
  - name: next
    url: {url}/ok
    stream: sse
"""
    cut, following = run(tmp_path, text.format(url=server.url)).requests
    assert cut.error == message
    assert following.passed


def test_a_stream_without_its_done_event_fails(tmp_path: Path, server: StreamServer) -> None:
    server.routes["/chat"] = lambda _seen: Reply(events(*CHUNKS[:3]))
    text = """
requests:
  - name: chat
    url: {url}/chat
    stream: {{sse: {{done: "[DONE]"}}}}
"""
    (result,) = run(tmp_path, text.format(url=server.url)).requests
    assert result.error == (
        "the stream ended after 3 events without the event '[DONE]' (stream.sse.done)"
    )


def test_a_done_event_without_a_blank_line_after_it_ends_the_stream(
    tmp_path: Path, server: StreamServer
) -> None:
    server.routes["/chat"] = lambda _seen: Reply([(0.0, b"data: a\n\ndata: [DONE]\n")])
    text = """
requests:
  - name: chat
    url: {url}/chat
    stream: {{sse: {{done: "[DONE]"}}}}
    assert:
      events: {{length: 2}}
"""
    (result,) = run(tmp_path, text.format(url=server.url)).requests
    assert result.passed, (failed(result), result.error)


def test_reading_stops_at_the_done_event(tmp_path: Path, server: StreamServer) -> None:
    server.routes["/chat"] = lambda _seen: Reply([*events(*CHUNKS)], stall=10)  # never ends
    text = """
requests:
  - name: chat
    url: {url}/chat
    stream: {{sse: {{done: "[DONE]"}}}}
    options: {{timeout: 5}}
"""
    started = time.perf_counter()
    (result,) = run(tmp_path, text.format(url=server.url)).requests
    assert result.passed and result.events == 5
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (events("one"), "no event came for 0.3s, after 1 event (options.idle_timeout)"),
        ([], "no event came for 0.3s, before the first event (options.idle_timeout)"),
        (
            [*events("one"), *[(0.1, b": keep-alive\n\n")] * 20],
            "no event came for 0.3s, after 1 event (options.idle_timeout)",
        ),
    ],
    ids=["silence", "nothing-at-all", "only-comments"],
)
def test_an_idle_stall_fails_at_the_idle_timeout_not_the_timeout(
    tmp_path: Path, server: StreamServer, parts: list[tuple[float, bytes]], message: str
) -> None:
    server.routes["/stall"] = lambda _seen: Reply(parts, stall=10)
    text = """
requests:
  - name: stall
    url: {url}/stall
    stream: sse
    options: {{timeout: 8, idle_timeout: 0.3}}
"""
    started = time.perf_counter()
    (result,) = run(tmp_path, text.format(url=server.url)).requests
    assert result.error == message
    assert time.perf_counter() - started < 3


def test_the_timeout_covers_the_whole_stream(tmp_path: Path, server: StreamServer) -> None:
    server.routes["/slow"] = lambda _seen: Reply(endless(b"data: tick\n\n", pause=0.05))
    text = """
requests:
  - name: slow
    url: {url}/slow
    stream: sse
    options: {{timeout: 0.6, idle_timeout: 5}}
"""
    started = time.perf_counter()
    (result,) = run(tmp_path, text.format(url=server.url)).requests
    assert result.error == "timed out after 0.6s waiting for the response"
    assert time.perf_counter() - started < 3


@pytest.mark.parametrize(
    ("part", "stream", "options", "message"),
    [
        (b"data: x\n\n", "{sse: {max_events: 50}}", "{}", "the stream passed 50 events "),
        (
            b"data: " + b"x" * 1000 + b"\n\n",
            "sse",
            "{max_body: 64KiB, ",
            "the response body is over the 64 KiB limit",
        ),
    ],
    ids=["events", "bytes"],
)
def test_an_endless_stream_stops_at_its_limit_and_is_not_retried(
    tmp_path: Path, server: StreamServer, part: bytes, stream: str, options: str, message: str
) -> None:
    server.routes["/endless"] = lambda _seen: Reply(endless(part))
    server.routes["/ok"] = lambda _seen: json_reply({"ok": True})
    options = (options.rstrip("}") or "{") + "retries: {count: 2}}"
    text = f"""
requests:
  - name: endless
    url: {server.url}/endless
    stream: {stream}
    options: {options}
  - name: next
    url: {server.url}/ok
"""
    endless_result, following = run(tmp_path, text).requests
    assert endless_result.error is not None and endless_result.error.startswith(message)
    assert following.passed
    assert [seen.path for seen in server.seen] == ["/endless", "/ok"]


def test_the_time_to_first_event_is_measured(tmp_path: Path, server: StreamServer) -> None:
    server.routes["/late"] = lambda _seen: Reply(events(*CHUNKS, pause=0.01, first=0.3))
    text = """
requests:
  - name: late
    url: {url}/late
    stream: sse
    assert:
      time_to_first_event_ms: {{gte: 250}}
"""
    (result,) = run(tmp_path, text.format(url=server.url)).requests
    assert result.passed, failed(result)
    assert result.first_event_ms is not None
    assert abs(result.first_event_ms - 300) <= 50
    assert result.elapsed_ms >= result.first_event_ms + 30  # four more events, 10 ms apart


def test_each_event_is_emitted_as_it_arrives(tmp_path: Path, server: StreamServer) -> None:
    server.routes["/chat"] = lambda _seen: Reply(events(*CHUNKS, pause=0.05))
    seen: list[tuple[float, StreamEventReceived]] = []

    def listen(event: object) -> None:
        if isinstance(event, StreamEventReceived):
            seen.append((time.perf_counter(), event))

    text = "requests:\n  - name: chat\n    url: {url}/chat\n    stream: sse\n"
    run(tmp_path, text.format(url=server.url), [listen])
    assert [event.number for _, event in seen] == [1, 2, 3, 4, 5]
    assert seen[-1][1].event.data == "[DONE]"
    # Emitted while the stream went on, not all at its end.
    assert seen[-1][0] - seen[0][0] >= 0.15


LF_STREAM = (
    b'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n'
    b"event: note\nid: 2\ndata: two\ndata: lines\n\n: comment\n\n"
    b'data: {"choices":[{"delta":{"content":"lo"}}]}\n\ndata: [DONE]\n\n'
)
CRLF_STREAM = LF_STREAM.replace(b"\n", b"\r\n")
CR_STREAM = LF_STREAM.replace(b"\n", b"\r")


@pytest.mark.parametrize("wire", [LF_STREAM, CRLF_STREAM, CR_STREAM], ids=["lf", "crlf", "cr"])
def test_events_split_across_tcp_reads_at_every_byte_position(
    server: StreamServer, wire: bytes
) -> None:
    from runner.model import StreamSpec
    from runner.source import SourceLocation

    def split(seen: Seen) -> Reply:
        at = int(seen.path.split("=")[1])
        return Reply([(0.0, wire[:at]), (0.004, wire[at:])])

    server.routes["/split"] = split
    stream = StreamSpec(SourceLocation("c.yaml", 1, 1), join="$.choices[0].delta.content")
    expected = [
        ("message", None, '{"choices":[{"delta":{"content":"Hel"}}]}'),
        ("note", "2", "two\nlines"),
        ("message", "2", '{"choices":[{"delta":{"content":"lo"}}]}'),
        ("message", "2", "[DONE]"),
    ]
    with new_session() as session:
        for at in range(1, len(wire)):
            request = OutgoingRequest("GET", f"{server.url}/split?at={at}", stream=stream)
            _sent, response = send(request, session)
            assert isinstance(response, StreamData)
            assert [(e.event, e.id, e.data) for e in response.events] == expected, at
            assert response.body == wire


MOCKED = """
variables: {who: there}
requests:
  - name: streamed
    url: https://api.test/chat
    stream: {sse: {join: $.t, done: "[DONE]"}}
    assert:
      events: {length: 4}
      joined: "Hi there"
      jsonpath:
        $[1].event: delta
        $[1].id: "7"
        $[2].data: "two\\nlines"
        $[3].id: "7"
    examples:
      - name: ok
        events:
          - data: {t: "Hi"}
            delay_ms: 120
          - {data: {t: " <<who>>"}, event: delta, id: "7", delay_ms: 30}
          - data: "two\\nlines"
          - "[DONE]"
  - name: read whole
    url: https://api.test/chat
    assert:
      body: "data: {\\"t\\":\\"Hi\\"}\\n\\ndata: [DONE]\\n\\n"
    examples:
      - name: ok
        events: [{data: {t: Hi}}, "[DONE]"]
"""


def test_mock_replays_an_example_stream_with_its_pauses(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(MOCKED, encoding="utf-8")
    plan = plan_run([load_collection(path, base_dir=tmp_path)], RunOptions(mock=True))
    with new_session() as session:
        streamed, whole = Engine(plan, session, []).run().requests
    assert streamed.passed, (failed(streamed), streamed.error)
    assert streamed.first_event_ms is not None and streamed.first_event_ms >= 115
    assert streamed.elapsed_ms >= streamed.first_event_ms + 25
    assert whole.passed, (failed(whole), whole.error)  # no stream: the events read as a body


def test_a_gzip_stream_is_decoded_event_by_event(tmp_path: Path, server: StreamServer) -> None:
    import zlib

    def gzipped(_seen: Seen) -> Reply:
        compressor = zlib.compressobj(wbits=31)  # gzip, flushed after each event
        parts = [
            (pause, compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))
            for pause, data in events(*CHUNKS, pause=0.05)
        ]
        parts.append((0.0, compressor.flush()))
        headers = {"Content-Type": "text/event-stream", "Content-Encoding": "gzip"}
        return Reply(parts, headers=headers)

    server.routes["/gz"] = gzipped
    arrivals: list[float] = []

    def listen(event: object) -> None:
        if isinstance(event, StreamEventReceived):
            arrivals.append(event.elapsed_ms)

    text = """
requests:
  - name: gz
    url: {url}/gz
    stream:
      sse:
        join: $.choices[0].delta.content
        done: "[DONE]"
    assert:
      joined: "Hello, world"
"""
    (result,) = run(tmp_path, text.format(url=server.url), [listen]).requests
    assert result.passed, (failed(result), result.error)
    assert len(arrivals) == 5 and arrivals[-1] - arrivals[0] >= 150  # as they came, inflated


def test_a_retried_stream_emits_each_attempt_once_in_order(
    tmp_path: Path, server: StreamServer
) -> None:
    from runner.events import RequestSent, ResponseReceived

    answers = iter([json_reply({"error": "busy"}, status=503), Reply(events("a", "[DONE]"))])
    server.routes["/chat"] = lambda _seen: next(answers)
    seen: list[str] = []

    def listen(event: object) -> None:
        if isinstance(event, RequestSent):
            seen.append(f"sent {event.attempt}")
        elif isinstance(event, StreamEventReceived):
            seen.append(f"event {event.number}")
        elif isinstance(event, ResponseReceived):
            seen.append(f"response {event.response.status}")

    text = """
requests:
  - name: chat
    url: {url}/chat
    stream: sse
    options: {{retries: {{count: 1, backoff: 0}}}}
"""
    (result,) = run(tmp_path, text.format(url=server.url), [listen]).requests
    assert result.passed and result.attempts == 2
    assert seen == ["sent 1", "response 503", "sent 2", "event 1", "event 2", "response 200"]


def test_the_mock_server_streams_an_example_with_its_pauses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runner.mockserver.testing import mock_server

    monkeypatch.chdir(tmp_path)
    served = tmp_path / "served.yaml"
    streamed = MOCKED[: MOCKED.index("  - name: read whole")]
    served.write_text(
        streamed.replace("https://api.test", "<<base_url>>").replace(
            "variables: {who: there}", "variables: {who: there, base_url: https://api.test}"
        ),
        encoding="utf-8",
    )
    with mock_server(served) as server, new_session() as session:
        from runner.model import StreamSpec
        from runner.source import SourceLocation

        stream = StreamSpec(SourceLocation("c.yaml", 1, 1), join="$.t", done="[DONE]")
        request = OutgoingRequest("GET", f"{server.base_url}/chat", stream=stream)
        _sent, response = send(request, session)
    assert isinstance(response, StreamData)
    assert [event.data for event in response.events] == [
        '{"t":"Hi"}',
        '{"t":" there"}',
        "two\nlines",
        "[DONE]",
    ]
    assert response.first_event_ms is not None and response.first_event_ms >= 115
