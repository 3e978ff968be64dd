"""Reading a response as server-sent events (``stream: sse``), event by event as they arrive.

Each socket read is fed to the parser at once, so the time to the first event is the time it
came, and each event is handed on (``-v`` prints it) while the stream goes on. The whole-request
deadline covers the stream; ``options.idle_timeout`` bounds the wait for each event (the first
counted from the response headers); ``max_body`` bounds its bytes and ``stream.sse.max_events``
its events. Reading stops at the ``done`` event when one is set, as OpenAI's clients stop at
``[DONE]``, so a server that keeps the connection open afterwards costs nothing.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runner.model import DEFAULT_MAX_EVENTS
from runner.results import SentRequest, SseEvent
from runner.sse import SseParser
from runner.transport.body import BodyTooLarge, _check_deadline, _from_urllib3, _translated

if TYPE_CHECKING:
    import requests

    from runner.transport.encoding import OutgoingRequest

EventCallback = Callable[[SentRequest, int, SseEvent, float], None]
"""Called with the request sent, each event's 1-based number, the event and its time since
sending (ms)."""

_CHUNK = 64 * 1024
_RAISE_EVENTS = "(stream.sse.max_events to raise it)"


class StreamFailed(Exception):
    """The stream could not be read whole: one line, and whether another try may help."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.message, self.retryable = message, retryable


@dataclass
class StreamRead:
    """What a stream brought: its wire bytes, its events, when the first one came."""

    body: bytes = b""
    events: list[SseEvent] = field(default_factory=list)
    first_event_ms: float | None = None


def read_stream(
    response: requests.Response,
    request: OutgoingRequest,
    sent: SentRequest,
    *,
    started: float,
    deadline: float | None,
    clock: Callable[[], float],
    on_event: EventCallback | None = None,
) -> StreamRead:
    """Read ``response`` as events until it ends (or its ``done`` event); see the module.

    ``started`` is the ``clock`` time the request was sent, ``deadline`` the real time
    (``time.perf_counter``) the whole request must end by.
    """
    reader = _StreamReader(response, request, sent, (started, deadline, clock), on_event)
    try:
        reader.run()
    except Exception as exc:
        # No local may hold an exception here: its traceback would keep the response (and
        # its connection) alive until a garbage collection.
        if not _from_urllib3(exc):
            raise
        raise reader.failure(exc) from exc
    return reader.result


class _StreamReader:
    """One stream being read; ``run`` fills ``result`` or raises."""

    def __init__(
        self,
        response: requests.Response,
        request: OutgoingRequest,
        sent: SentRequest,
        timing: tuple[float, float | None, Callable[[], float]],
        on_event: EventCallback | None,
    ) -> None:
        from urllib3.response import HTTPResponse

        self.raw: Any = response.raw
        self.request, self.sent, self.on_event = request, sent, on_event
        self.started, self.deadline, self.clock = timing
        self.real = isinstance(self.raw, HTTPResponse)
        stream = request.stream
        self.done = stream.done if stream is not None else None
        self.max_events = stream.max_events if stream is not None else DEFAULT_MAX_EVENTS
        self.idle = request.idle_timeout
        self.last_event = time.perf_counter()  # the headers came: the wait for events starts
        self.idle_governs = False  # whether the socket timeout set last was the idle one
        self.parser = SseParser()
        self.result = StreamRead()

    def run(self) -> None:
        buffer = io.BytesIO()
        limit = self.request.max_body
        finished = False
        while not finished:
            self._arm_timeout()
            chunk = self._read(min(_CHUNK, limit + 1 - buffer.tell()))
            if not chunk:
                break
            buffer.write(chunk)
            if buffer.tell() > limit:
                raise BodyTooLarge(limit)
            finished = self._events(self.parser.feed(chunk))
            self._check_times()
        self.result.body = buffer.getvalue()
        if finished:
            return  # at the done event: what may follow is not read (closed, not reused)
        finished = self._events(self.parser.finish())  # a last event with no blank line after
        count = len(self.result.events)
        if self.parser.cut:
            raise StreamFailed(
                f"the stream ended in the middle of an event, after {_events(count)}"
            )
        if self.done is not None and not finished:
            raise StreamFailed(
                f"the stream ended after {_events(count)} without the event {self.done!r} "
                "(stream.sse.done)"
            )
        if self.real:
            self.raw.release_conn()

    def failure(self, exc: Exception) -> Exception:
        """A urllib3 failure while streaming, said as a stream failure or a transport one."""
        from urllib3.exceptions import ProtocolError, ReadTimeoutError

        count = _events(len(self.result.events))
        if isinstance(exc, ReadTimeoutError) and self.idle_governs:
            return StreamFailed(self._idle_message())
        if isinstance(exc, ProtocolError):
            return StreamFailed(
                f"the connection was cut in the middle of the stream, after {count}"
            )
        return _translated(exc)

    def _events(self, events: list[SseEvent]) -> bool:
        """Keep and hand on ``events``; True when the done event is among them."""
        if not events:
            return False
        now = self.clock()
        kept = self.result.events
        elapsed_ms = (now - self.started) * 1000
        if self.result.first_event_ms is None:
            self.result.first_event_ms = elapsed_ms
        self.last_event = time.perf_counter()
        for event in events:
            kept.append(event)
            if len(kept) > self.max_events:
                raise StreamFailed(
                    f"the stream passed {self.max_events} events {_RAISE_EVENTS}",
                    retryable=False,
                )
            if self.on_event is not None:
                self.on_event(self.sent, len(kept), event, elapsed_ms)
            if self.done is not None and event.data == self.done:
                return True
        return False

    def _read(self, size: int) -> bytes:
        if self.real:
            return bytes(self.raw.read1(size, decode_content=True))
        read = getattr(self.raw, "read1", None) or self.raw.read  # --mock, a front-end's file
        return bytes(read(size) or b"")

    def _arm_timeout(self) -> None:
        """The socket waits no longer than the deadline and the idle time left, whichever is
        first, so a stalled stream ends on time even inside one read."""
        if not self.real or (self.idle is None and self.deadline is None):
            return
        now = time.perf_counter()
        waits = []
        if self.deadline is not None:
            waits.append((self.deadline - now, False))
        if self.idle is not None:
            waits.append((self.last_event + self.idle - now, True))
        wait, self.idle_governs = min(waits)
        sock = getattr(self.raw.connection, "sock", None)
        if sock is not None:
            sock.settimeout(max(wait, 0.001))

    def _check_times(self) -> None:
        """Comments and partial events keep bytes coming: still bounded by idle and deadline."""
        if self.deadline is not None:
            _check_deadline(self.deadline, self.request.timeout)
        if self.idle is not None and time.perf_counter() - self.last_event > self.idle:
            raise StreamFailed(self._idle_message())

    def _idle_message(self) -> str:
        count = len(self.result.events)
        after = f"after {_events(count)}" if count else "before the first event"
        return f"no event came for {self.idle:g}s, {after} (options.idle_timeout)"


def _events(count: int) -> str:
    return f"{count} event" if count == 1 else f"{count} events"
