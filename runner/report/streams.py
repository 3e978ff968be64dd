"""What the reporters say of streams (``stream: sse``): a request's event count and time to its
first event, the run's figures for that time, and the events a report keeps."""

from __future__ import annotations

import math
from typing import Any

from runner.events import RequestFinished
from runner.results import RequestResult, ResponseData, StreamData

# A report keeps the first events of a stream and says how many it left out.
EVENTS_KEPT = 50
DATA_KEPT = 4096  # characters of data, over the events kept


def stream_text(result: RequestResult) -> str | None:
    """``3 events, first after 120 ms`` for a stream's result, None for any other request."""
    if result.events is None:
        return None
    count = f"{result.events} event{'s' if result.events != 1 else ''}"
    if result.first_event_ms is None:
        return count
    return f"{count}, first after {result.first_event_ms:.0f} ms"


def kept_events(response: ResponseData | None) -> tuple[list[dict[str, Any]], int]:
    """The first events of a stream's (masked) response as plain data, and how many were cut.

    At most EVENTS_KEPT events and DATA_KEPT characters of their data in all (the one that
    crosses it cut), as JUnit keeps 4 KiB of a body: a report of a long run stays small.
    """
    if not isinstance(response, StreamData):
        return [], 0
    shown: list[dict[str, Any]] = []
    left = DATA_KEPT
    for event in response.events[:EVENTS_KEPT]:
        if left <= 0:
            break
        data = event.data
        if len(data) > left:
            data = f"{data[:left]}... ({len(data) - left} more chars)"
        left -= len(event.data)
        shown.append({"event": event.event, "id": event.id, "data": data})
    return shown, len(response.events) - len(shown)


class FirstEventTimes:
    """The times to first event of a run's streams, for its figures (min, median, p95, max).

    Also a listener of finished requests (under --jobs the run's console hears no request
    finish, so the CLI gives it this one to hear them).
    """

    events = frozenset({RequestFinished})  # what it reads, as a listener (events.Listener)

    def __init__(self) -> None:
        self.times: list[float] = []

    def __call__(self, event: object) -> None:
        if isinstance(event, RequestFinished):
            self.add(event.result)

    def add(self, result: RequestResult) -> None:
        if result.first_event_ms is not None and math.isfinite(result.first_event_ms):
            self.times.append(result.first_event_ms)

    def figures(self) -> dict[str, float | int] | None:
        """``{count, min, median, p95, max}`` in ms, or None when no stream had an event."""
        if not self.times:
            return None
        ordered = sorted(self.times)
        return {
            "count": len(ordered),
            "min": round(ordered[0], 3),
            "median": round(_percentile(ordered, 50), 3),
            "p95": round(_percentile(ordered, 95), 3),
            "max": round(ordered[-1], 3),
        }

    def text(self) -> str | None:
        """``time to first event: median 120 ms, p95 300 ms, max 310 ms (4 streams)``."""
        figures = self.figures()
        if figures is None:
            return None
        count = figures["count"]
        return (
            f"time to first event: median {figures['median']:.0f} ms, "
            f"p95 {figures['p95']:.0f} ms, max {figures['max']:.0f} ms "
            f"({count} stream{'s' if count != 1 else ''})"
        )


def _percentile(ordered: list[float], percent: float) -> float:
    """The nearest-rank percentile (as Locust and most load tools report it)."""
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]
