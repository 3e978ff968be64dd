"""Answering requests from saved examples (FORMAT.md 1.5) without opening a socket.

``MockAdapter`` is a requests transport adapter: the request still goes through the same
session, transport and checks as a real one, only the bytes come from an example.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.cookies import RequestsCookieJar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from runner.model import ExampleEvent, ExampleSpec, RequestSpec
from runner.sse import serialise


def choose_example(spec: RequestSpec, wanted: str | None) -> ExampleSpec | None:
    """The example named ``wanted`` when the request has one, else its first example."""
    if wanted is not None:
        for example in spec.examples:
            if example.name == wanted:
                return example
    return spec.examples[0] if spec.examples else None


def example_body(example: ExampleSpec) -> bytes:
    """A mapping or list body is sent as JSON, a string as text."""
    body = example.body
    if isinstance(body, (Mapping, list)):
        return json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")
    if body is None:
        return b""
    return str(body).encode("utf-8")


class MockAdapter(BaseAdapter):
    """Answers every request with the example primed for the current thread."""

    def __init__(self, jar: RequestsCookieJar | None = None) -> None:
        super().__init__()
        self._primed = threading.local()
        self._jar = jar

    def prime(self, example: ExampleSpec) -> None:
        """Use ``example`` (already rendered) for the next request sent from this thread."""
        self._primed.example = example

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        example: ExampleSpec | None = getattr(self._primed, "example", None)
        self._primed.example = None
        if example is None:
            raise requests.exceptions.ConnectionError("no example primed for --mock")
        headers = CaseInsensitiveDict(dict(example.headers))
        raw: io.RawIOBase | io.BytesIO
        if example.events is not None:
            headers.setdefault("Content-Type", "text/event-stream")
            raw = EventsFile(example.events)
        else:
            body = example_body(example)
            if isinstance(example.body, (Mapping, list)) and "Content-Type" not in headers:
                headers["Content-Type"] = "application/json"
            headers.setdefault("Content-Length", str(len(body)))
            raw = io.BytesIO(body)
        response = requests.Response()
        response.status_code = example.status
        response.reason = _reason(example.status)
        response.headers = headers
        response.raw = raw
        response.url = request.url or ""
        response.request = request
        response.encoding = get_encoding_from_headers(headers)
        _set_cookies(response, headers.get("Set-Cookie"), self._jar)
        return response

    def close(self) -> None:
        """Nothing to release: no socket was opened."""


class EventsFile(io.RawIOBase):
    """An example stream as a file: each ``read1`` gives one event, after its ``delay_ms``, so
    a stream under ``--mock`` arrives as a real one would (and its first event is timed);
    ``read(n)`` gives ``n`` bytes, or all, like any file, for a reader that reads a body whole."""

    def __init__(self, events: Sequence[ExampleEvent]) -> None:
        super().__init__()
        self._delays = [float(event.delay_ms) / 1000 for event in events]
        self._chunks = serialise(events)
        self._next = 0
        self._left = b""  # what a short read left of the current event

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        """What one event brings (at most ``size`` bytes of it), after its pause."""
        if not self._left:
            if self._next >= len(self._chunks):
                return b""
            if self._delays[self._next] > 0:
                time.sleep(self._delays[self._next])
            self._left = self._chunks[self._next]
            self._next += 1
        size = len(self._left) if size is None or size < 0 else size
        part, self._left = self._left[:size], self._left[size:]
        return part

    def readinto(self, buffer: Any) -> int:
        part = self.read1(len(buffer))
        buffer[: len(part)] = part
        return len(part)

    def read(self, size: int | None = -1) -> bytes:
        """``size`` bytes, or all of them: every event, pauses included."""
        wanted = -1 if size is None else size
        parts: list[bytes] = []
        while wanted != 0:
            part = self.read1(wanted)
            if not part:
                break
            parts.append(part)
            wanted = wanted - len(part) if wanted > 0 else wanted
        return b"".join(parts)


def mock_session(session: requests.Session) -> MockAdapter:
    """Mount a MockAdapter for every URL of ``session`` and return it."""
    adapter = MockAdapter(session.cookies)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return adapter


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _set_cookies(
    response: requests.Response, header: str | None, jar: RequestsCookieJar | None
) -> None:
    if not header:
        return
    parsed: SimpleCookie = SimpleCookie()
    try:
        parsed.load(header)
    except CookieError:  # a malformed example cookie is ignored, as a browser would
        return
    for name, morsel in parsed.items():
        response.cookies.set(name, morsel.value)
        # A real response's cookies reach the session jar through urllib3; do the same here.
        if jar is not None:
            jar.set(name, morsel.value)
