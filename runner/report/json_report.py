"""The JSON reporter: every request, check and capture as plain data for other tools."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any

from runner.events import (
    AttemptFailed,
    RequestFinished,
    RequestStarted,
    ResponseReceived,
    RunFinished,
    RunStarted,
)
from runner.report.streams import FirstEventTimes, kept_events
from runner.results import CaptureResult, CheckResult, RequestResult, ResponseData, SentRequest

SCHEMA_VERSION = 1


class JsonReporter:
    """Collects finished requests; renders the report of runner/report/report-schema.json."""

    def __init__(self, *, version: str | None = None) -> None:
        if version is None:
            from runner import __version__

            version = __version__
        self.version = version
        self._started_at: datetime | None = None
        self._requests: list[tuple[int, dict[str, Any]]] = []  # (plan index, request)
        self._elapsed_ms: float | None = None
        self._interrupted = False
        self._retries: list[dict[str, Any]] = []  # the current request's retried attempts
        self._first_events = FirstEventTimes()

    def __call__(self, event: Any) -> None:
        if isinstance(event, RunStarted):
            self._started_at = datetime.now(timezone.utc)
        elif isinstance(event, RequestStarted):
            self._retries = []
        elif isinstance(event, (ResponseReceived, AttemptFailed)) and event.will_retry:
            self._retries.append(_retry(event))
        elif isinstance(event, RequestFinished):
            entry = _request(event.result, event.request, event.response)
            entry["retries"] = self._retries
            self._retries = []
            if event.result.events is not None:
                entry["stream"] = _stream(event.result, event.response)
                self._first_events.add(event.result)
            self._requests.append((event.index, entry))
        elif isinstance(event, RunFinished):
            self._elapsed_ms = event.result.elapsed_ms
            self._interrupted = event.result.interrupted

    def render(self) -> str:
        """Return the JSON report for every request finished so far."""
        started = self._started_at or datetime.now(timezone.utc)
        # Plan order, also when --jobs finished them in another order (sorted is stable).
        requests = [request for _, request in sorted(self._requests, key=lambda item: item[0])]
        checks = [check for request in requests for check in request["checks"]]
        skipped = sum(1 for request in requests if request["skipped"] is not None)
        passed = sum(1 for request in requests if request["passed"] and request["skipped"] is None)
        checks_passed = sum(1 for check in checks if check["passed"])
        elapsed = self._elapsed_ms
        if elapsed is None:
            elapsed = sum(request["elapsed_ms"] for request in requests)
        report = {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "postrun", "version": self.version},
            "started_at": started.isoformat(timespec="milliseconds"),
            "elapsed_ms": _number(elapsed),
            "interrupted": self._interrupted,
            "totals": {
                "requests": len(requests),
                "passed": passed,
                "failed": len(requests) - passed - skipped,
                "skipped": skipped,
                "checks": len(checks),
                "checks_passed": checks_passed,
                "checks_failed": len(checks) - checks_passed,
            },
            "requests": requests,
        }
        figures = self._first_events.figures()
        if figures is not None:
            report["totals"]["time_to_first_event_ms"] = figures  # type: ignore[index]
        return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _request(
    result: RequestResult, sent: SentRequest | None, response: ResponseData | None
) -> dict[str, Any]:
    """One request as plain data; headers come from the wire (already masked), bodies never."""
    return {
        "collection": result.collection,
        "name": result.name,
        "path": result.path,
        "iteration": result.iteration,
        "location": str(result.location) if result.location is not None else None,
        "method": sent.method if sent is not None else result.method,
        "url": sent.url if sent is not None else result.url,
        "status": result.status,
        "elapsed_ms": _number(result.elapsed_ms),
        "attempts": result.attempts,
        "response_size": result.response_size,
        "request_headers": [[key, value] for key, value in sent.headers] if sent else [],
        "response_headers": [[key, value] for key, value in response.headers] if response else [],
        "error": result.error,
        "skipped": result.skipped,
        "passed": result.passed,
        "checks": [_check(check) for check in result.checks],
        "captures": [_capture(capture) for capture in result.captures],
    }


def _stream(result: RequestResult, response: ResponseData | None) -> dict[str, Any]:
    """A stream's events (the first ones, masked) and its time to first event."""
    shown, cut = kept_events(response)
    first = result.first_event_ms
    return {
        "events": result.events,
        "time_to_first_event_ms": None if first is None else _number(first),
        "shown_events": shown,
        "events_cut": cut,
    }


def _retry(event: ResponseReceived | AttemptFailed) -> dict[str, Any]:
    """An attempt that was retried: what it got, and how long postrun waited after it."""
    if isinstance(event, ResponseReceived):
        status, error = event.response.status, None
    else:
        status, error = None, event.error
    return {
        "attempt": event.attempt,
        "status": status,
        "error": error,
        "wait_seconds": _number(event.wait_seconds),
    }


def _check(check: CheckResult) -> dict[str, Any]:
    return {
        "kind": check.kind,
        "target": check.target,
        "description": check.description,
        "expected": check.expected,
        "actual": _plain(check.actual),
        "actual_missing": check.actual_missing,
        "passed": check.passed,
        "message": check.message,
        "location": str(check.location) if check.location is not None else None,
    }


def _capture(capture: CaptureResult) -> dict[str, Any]:
    return {
        "name": capture.name,
        "found": capture.found,
        "value": _plain(capture.value),
        "message": capture.message,
    }


def _plain(value: Any) -> Any:
    """Make ``value`` JSON-serialisable: containers walked, anything else falls back to repr."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return repr(value)


def _number(value: float) -> float:
    return round(value, 3) if math.isfinite(value) else 0.0
