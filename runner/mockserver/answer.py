"""What the mock sends back: a matched example (or a miss) as status, headers and body chunks.

``answer`` is the one place an example becomes bytes. The body is an iterator of chunks, so a
streamed example (server-sent events with pauses between them) fits the same shape: the server
sends a body of unknown length chunk by chunk, flushing each, and sleeps happen inside the
iterator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any

from runner.errors import TemplateError
from runner.mockserver.matching import Match, Miss
from runner.model import ExampleSpec
from runner.templating import Renderer
from runner.variables import build_stack

_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")


@dataclass(frozen=True, slots=True)
class MockAnswer:
    """A response to send: ``length`` is None for a body streamed in chunks of unknown size."""

    status: int
    headers: tuple[tuple[str, str], ...]
    chunks: Iterable[bytes]
    length: int | None


def answer(found: Match, base_url: str, cli_vars: Mapping[str, Any]) -> MockAnswer:
    """The matched example, rendered with the path's values and the route's variables."""
    example = render_example(found, base_url, cli_vars)
    if example.events is not None:  # a stream: each event sent after its pause
        return MockAnswer(example.status, tuple(example.headers.items()), _events(example), None)
    body = example_bytes(example.body)
    return MockAnswer(example.status, tuple(example.headers.items()), (body,), len(body))


def _events(example: ExampleSpec) -> Iterator[bytes]:
    """An example stream's events as wire bytes, one chunk each, after each one's delay_ms."""
    import time

    from runner.sse import serialise

    events = example.events or ()
    for event, chunk in zip(events, serialise(events), strict=True):
        if event.delay_ms:
            time.sleep(float(event.delay_ms) / 1000)
        yield chunk


def miss(found: Miss) -> MockAnswer:
    """404 with a JSON body saying why and listing the closest routes (or example names)."""
    key = "examples" if found.reason.startswith("no example") else "closest"
    body = json.dumps({"error": found.reason, key: list(found.closest)}, indent=2).encode()
    return MockAnswer(404, (("Content-Type", "application/json"),), (body,), len(body))


def render_example(found: Match, base_url: str, cli_vars: Mapping[str, Any]) -> ExampleSpec:
    """The example with its placeholders rendered; an undefined one stays as written."""
    route = found.route
    values: dict[str, Any] = dict(cli_vars)
    if route.base is not None:
        values[route.base] = base_url
    values.update({name: _typed(value) for name, value in found.bound.items()})
    stack = build_stack(
        cli_vars=values,
        secrets={},
        captured={},
        data_row=None,
        environment=None,
        folder_scopes=route.request.folder_scopes,
        collection=route.collection.variables,
    )

    def lookup(name: str) -> Any:
        try:
            return stack.lookup(name)
        except KeyError:
            return "\\<<" + name + ">>"  # rendered to the literal text: left as written

    renderer = Renderer(lookup)
    example = found.example
    try:
        headers = renderer.render_value(dict(example.headers), typed=False)
        body = renderer.render_value(example.body, typed=isinstance(example.body, (dict, list)))
        events = example.events
        if events is not None:
            events = tuple(
                replace(
                    event,
                    data=renderer.render_value(event.data, typed=not isinstance(event.data, str)),
                )
                for event in events
            )
    except TemplateError:  # a cycle or a runaway expansion: answer the example as written
        return example
    return replace(example, headers=headers, body=body, events=events)


def example_bytes(body: Any) -> bytes:
    """A mapping or list body as JSON, a string as UTF-8 text (as ``--mock`` sends them)."""
    if isinstance(body, (Mapping, list)):
        return json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")
    if body is None:
        return b""
    return str(body).encode("utf-8")


def reason(status: int) -> str:
    """The reason phrase of a status, empty when it has none."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _typed(value: str) -> Any:
    """A path segment of digits is a number in a JSON body (``id: <<note_id>>`` -> 42)."""
    return int(value) if _INTEGER.fullmatch(value) else value


def chunks_of(answer_: MockAnswer) -> Iterator[bytes]:
    """The body's chunks, empty ones left out (an empty chunk would end a chunked body)."""
    return (chunk for chunk in answer_.chunks if chunk)
