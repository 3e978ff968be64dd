"""Server-sent events on the wire (WHATWG HTML, "Server-sent events", the event stream format).

Pure, standard library only: ``SseParser`` splits bytes as they arrive into events, and
``serialise`` writes example events as wire text (``--mock`` and the mock server answer with it).

Written here rather than taken from a library: httpx-sse needs httpx, and sseclient-py departs
from the rules (it strips every leading space of a value, keeps no last event ID from one event
to the next, drops an event whose data is empty, and splits lines chunk by chunk, so a CRLF cut
between two socket reads makes a blank line). postrun also feeds the bytes of each socket read
as they come, to time the first event, stop at a limit and tell a stream cut mid-line. The rules
are short: lines end in CRLF, LF or CR; a blank line dispatches; ``data`` lines join with LF;
``event`` sets the type (default ``message``); ``id`` sets the last event ID, which carries over
to later events (one with a NUL is ignored); ``retry`` takes digits only; a line starting with
``:`` is a comment; a field without ``:`` has an empty value; one space after ``:`` is dropped;
a leading byte-order mark is skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

from runner.model import ExampleEvent
from runner.results import SseEvent

_BOM = "\ufeff"
# Only these end a line (str.splitlines would also split on form feeds, NEL, U+2028 ...).
_LINE_END = re.compile(r"\r\n|\r|\n")


class SseParser:
    """Feed it bytes as they arrive; it returns the events each feed completes."""

    def __init__(self) -> None:
        import codecs

        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""  # text after the last line end
        self._started = False
        self._skip_lf = False  # the last text ended in CR: an LF that follows belongs to it
        self._data: list[str] = []
        self._type = ""
        self._last_id: str | None = None
        self.retry: int | None = None

    def feed(self, chunk: bytes) -> list[SseEvent]:
        """The events completed by ``chunk``."""
        return self._text(self._decoder.decode(chunk))

    def finish(self) -> list[SseEvent]:
        """At the end of the stream: a last event whose lines ended but no blank line followed.

        A last line with no line end stays pending: ``cut`` says so.
        """
        events = self._text(self._decoder.decode(b"", final=True))
        if self._data and not self._pending:
            events.append(self._dispatch())
        return events

    @property
    def cut(self) -> bool:
        """True when the stream stopped inside a line (after ``finish``): an event was cut."""
        return bool(self._pending.strip(_BOM))

    def _text(self, text: str) -> list[SseEvent]:
        if not text:
            return []
        if not self._started:
            self._started = True
            text = text.removeprefix(_BOM)
        if self._skip_lf and text.startswith("\n"):
            text = text[1:]
        self._skip_lf = text.endswith("\r")
        events: list[SseEvent] = []
        lines = _LINE_END.split(self._pending + text)
        self._pending = lines.pop()  # after the last line end: the start of a line, or ""
        for line in lines:
            event = self._line(line)
            if event is not None:
                events.append(event)
        return events

    def _line(self, line: str) -> SseEvent | None:
        if not line:
            if not self._data:
                self._type = ""
                return None
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._type = value
        elif name == "id" and "\0" not in value:
            self._last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self.retry = int(value)
        return None

    def _dispatch(self) -> SseEvent:
        event = SseEvent(self._type or "message", self._last_id, "\n".join(self._data))
        self._data, self._type = [], ""
        return event


def parse_events(body: bytes) -> tuple[list[SseEvent], bool]:
    """Every event of a whole stream, and whether it ended inside a line."""
    parser = SseParser()
    events = parser.feed(body)
    events += parser.finish()
    return events, parser.cut


def serialise(events: Sequence[ExampleEvent]) -> list[bytes]:
    """Each event as its wire bytes (``id``, ``event``, ``retry``, ``data`` lines, a blank line).

    A mapping or list ``data`` is sent as compact JSON; text with line ends becomes several
    ``data`` lines, so it reads back as written.
    """
    return [_one(event).encode("utf-8") for event in events]


def _one(event: ExampleEvent) -> str:
    lines: list[str] = []
    if event.id is not None:
        lines.append(f"id: {event.id}")
    if event.event is not None:
        lines.append(f"event: {event.event}")
    if event.retry is not None:
        lines.append(f"retry: {event.retry}")
    data = event.data
    if not isinstance(data, str):
        data = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    lines.extend(f"data: {line}" for line in _lines(data))
    return "\n".join(lines) + "\n\n"


def _lines(text: str) -> Iterable[str]:
    return _LINE_END.split(text)
