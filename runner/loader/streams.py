"""``stream`` (a request's or ``defaults``): ``sse``, ``none``, or ``{sse: {join, done,
max_events}}``; and the ``events`` of an example, a stream for ``--mock`` to replay."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from runner.errors import LoadError
from runner.loader import nodes
from runner.loader.assertions import check_jsonpath
from runner.loader.coreschema import NULL, STR
from runner.loader.document import Document
from runner.loader.keys import EVENT_KEYS, SSE_KEYS
from runner.loader.placeholders import Uses, has_placeholder
from runner.loader.pyyaml import MappingNode, Node, ScalarNode, SequenceNode
from runner.loader.wording import closest, describe
from runner.model import CaptureSpec, CheckSpec, ExampleEvent, StreamSpec
from runner.source import SourceLocation

STREAM_CHECKS = ("events", "time_to_first_event_ms", "joined")
STREAM_HINT = "write stream: sse, stream: none or stream: {sse: {join: $.path, done: '[DONE]'}}"


def build_stream(doc: Document, node: Node) -> StreamSpec | None:
    """``stream``: a StreamSpec, or None for ``stream: none`` (which removes an inherited one)."""
    if isinstance(node, ScalarNode) and node.tag == STR:
        if node.value == "sse":
            return StreamSpec(doc.location(node))
        if node.value == "none":
            return None
        close = closest(node.value, ("sse", "none"))
        hint = f"did you mean '{close}'? {STREAM_HINT}" if close else STREAM_HINT
        doc.fail(f"unknown stream kind '{node.value}'", node, hint=hint)
    keys = nodes.object_keys(doc, node, "stream", ("sse",), label="stream")
    if "sse" not in keys:
        doc.fail("'stream' needs 'sse'", node, hint=STREAM_HINT, length=1)
    key, options = keys["sse"]
    if isinstance(options, ScalarNode) and options.tag == NULL:
        return StreamSpec(doc.location(key))
    fields: dict[str, Any] = {}
    for name, (_key, value) in nodes.object_keys(doc, options, "stream.sse", SSE_KEYS).items():
        if name == "join":
            path = nodes.string(doc, value, "join", hint="write join: $.choices[0].delta.content")
            if has_placeholder(path):
                doc.fail("'join' takes a JSONPath without placeholders", value)
            check_jsonpath(doc, path, value)
            fields[name] = path
        elif name == "done":
            fields[name] = nodes.text(doc, value, "done")
        else:
            fields[name] = nodes.integer(doc, value, "max_events", minimum=1)
    return StreamSpec(doc.location(key), **fields)


def build_events(
    doc: Document, node: Node, strings: list[tuple[str, Node]]
) -> tuple[ExampleEvent, ...]:
    """An example's ``events``: each a text (the data) or ``{data, event, id, retry, delay_ms}``."""
    hint = "write events: followed by '- data: ...' or '- some text'"
    sequence = nodes.sequence(doc, node, "events", hint=hint)
    return tuple(_event(doc, item, strings) for item in sequence.value)


def _event(doc: Document, node: Node, strings: list[tuple[str, Node]]) -> ExampleEvent:
    if isinstance(node, ScalarNode):
        return ExampleEvent(nodes.text(doc, node, "event data", strings))
    if not isinstance(node, MappingNode):
        doc.fail(f"an event is text or a mapping, got {describe(node)}", node)
    keys = nodes.object_keys(doc, node, "event", EVENT_KEYS)
    if "data" not in keys:
        doc.fail("an event needs 'data'", node, hint="add data: ...", length=1)
    data_node = keys["data"][1]
    data: Any
    if isinstance(data_node, (MappingNode, SequenceNode)):
        data = nodes.data(doc, data_node, strings)
    else:
        data = nodes.text(doc, data_node, "data", strings)
    fields: dict[str, Any] = {}
    for name in ("event", "id"):
        if name in keys:
            fields[name] = nodes.text(doc, keys[name][1], name, strings)
    if "retry" in keys:
        fields["retry"] = nodes.integer(doc, keys["retry"][1], "retry", minimum=0)
    if "delay_ms" in keys:
        fields["delay_ms"] = nodes.number(doc, keys["delay_ms"][1], "delay_ms")
    return ExampleEvent(data, **fields)


def stream_headers(stream: StreamSpec | None, headers: dict[str, Any]) -> dict[str, Any]:
    """A stream asks for ``Accept: text/event-stream``, as a browser's EventSource and httpx-sse
    do, unless the request says otherwise (an ``Accept`` written wins)."""
    if stream is not None and not any(name.lower() == "accept" for name in headers):
        headers["Accept"] = "text/event-stream"
    return headers


def streamed_checks(
    stream: StreamSpec | None,
    checks: Iterable[tuple[CheckSpec, Uses]],
    captures: Iterable[tuple[CaptureSpec, Uses]],
) -> tuple[tuple[CheckSpec, ...], tuple[CaptureSpec, ...]]:
    """A request's checks and captures, those of a stream bound to its ``stream`` (the
    ``joined`` ones take its ``join`` path); one on a request without a stream is an error."""
    checked: list[CheckSpec] = []
    for check, _ in checks:
        if check.kind in STREAM_CHECKS:
            target = _join(stream, f"'{check.kind}'", check.location, check.kind == "joined")
            check = dataclasses.replace(check, target=target)
        checked.append(check)
    taken: list[CaptureSpec] = []
    for spec, _ in captures:
        if spec.kind == "joined":
            source = _join(stream, f"capture '{spec.name}'", spec.location, True)
            spec = dataclasses.replace(spec, source=source or "")
        taken.append(spec)
    return tuple(checked), tuple(taken)


def _join(
    stream: StreamSpec | None, where: str, location: SourceLocation, joined: bool
) -> str | None:
    """The join path a stream check or capture reads (None for events and timing checks)."""
    if stream is None:
        raise LoadError(
            f"{where} needs a stream, but the request has no 'stream'",
            location=location,
            hint="add stream: sse to the request (or to defaults)",
        )
    if joined:
        if stream.join is None:
            raise LoadError(
                f"{where} reads the joined text, but the stream has no 'join'",
                location=location,
                hint="write stream: {sse: {join: $.choices[0].delta.content}}",
            )
        return stream.join
    return None
