"""Frozen dataclasses for everything a run produces: responses, check results, request results."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from runner.source import SourceLocation


@dataclass(frozen=True, slots=True)
class JsonBody:
    """The body parsed as JSON: ``ok`` False with ``error`` when it is not JSON."""

    ok: bool
    value: Any = None
    error: str | None = None


@dataclass(frozen=True)
class ResponseData:
    """A snapshot of one HTTP response. ``text`` and ``json`` are decoded once, on first use."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    elapsed_ms: float
    url: str
    cookies: Mapping[str, str] = field(default_factory=dict)
    encoding: str | None = None
    attempts: int = 1

    def header(self, name: str) -> str | None:
        """The value of a header (case-insensitive); repeated headers are joined with ``, ``."""
        wanted = name.lower()
        values = [value for key, value in self.headers if key.lower() == wanted]
        return ", ".join(values) if values else None

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case (``""`` when absent)."""
        value = self.header("Content-Type") or ""
        return value.split(";", 1)[0].strip().lower()

    @cached_property
    def text(self) -> str:
        """The body decoded with the charset from Content-Type, else UTF-8, never failing."""
        return self.body.decode(self.encoding or "utf-8", errors="replace")

    @cached_property
    def json(self) -> JsonBody:
        """The body parsed as JSON."""
        if not self.body.strip():
            return JsonBody(False, error="the response body is empty, not JSON")
        try:
            return JsonBody(True, json.loads(self.text))
        except ValueError as exc:
            kind = self.content_type or "no Content-Type"
            return JsonBody(False, error=f"the response body is not JSON ({kind}): {exc}")

    @property
    def is_binary(self) -> bool:
        """True for media types that are not text, so outputs say ``<N bytes of image/png>``."""
        kind = self.content_type
        if not kind:
            return b"\x00" in self.body[:1024]
        textual = ("text/", "application/json", "application/xml", "application/javascript")
        return not (
            kind.startswith(textual)
            or kind.endswith(("+json", "+xml"))
            or kind in ("application/x-www-form-urlencoded", "application/problem+json")
        )


@dataclass(frozen=True, slots=True)
class SseEvent:
    """One server-sent event: its type (``message`` unless set), last event ID, data text."""

    event: str
    id: str | None
    data: str

    def as_json(self) -> dict[str, Any]:
        """What checks see: ``{event, id, data}``, data parsed when it is JSON."""
        return {"event": self.event, "id": self.id, "data": event_data(self.data)}


def event_data(text: str) -> Any:
    """An event's data as checks see it: parsed when it is JSON, else the text (``[DONE]``)."""
    stripped = text.lstrip()
    if not stripped or stripped[0] not in '{["-0123456789tfn':
        return text  # not JSON: spared a parse attempt
    try:
        return json.loads(text)
    except ValueError:
        return text


@dataclass(frozen=True)
class StreamData(ResponseData):
    """A response read as server-sent events (``stream: sse``): checks see the events.

    ``body`` keeps the wire text (the ``body`` check and regex captures read it); ``json`` is
    the array of events; ``first_event_ms`` the time from sending to the first event.
    """

    events: tuple[SseEvent, ...] = ()
    first_event_ms: float | None = None

    @cached_property
    def json(self) -> JsonBody:
        """The events as a JSON array of ``{event, id, data}``."""
        return JsonBody(True, [event.as_json() for event in self.events])


@dataclass(frozen=True, slots=True)
class SentRequest:
    """What went on the wire, for verbose output and reports (masked when shown)."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one assertion, pass or fail, with what was expected and what was found.

    ``description`` names the check for people (``status``, ``header Content-Type``,
    ``jsonpath $.id``); ``expected`` is a readable rendering of the matcher (``gt 0``), and
    ``actual`` the value found (JSON-able; None with ``actual_missing`` when nothing was there).
    """

    kind: str
    target: str | None
    description: str
    passed: bool
    expected: str
    actual: Any
    location: SourceLocation | None
    message: str | None = None
    actual_missing: bool = False


# What a passing check's readable parts are worked out from, on first read: its description,
# what it expected and the value it found.
CheckParts = tuple[str, str, Any]
_DEFERRED_PARTS = ("description", "expected", "actual")
_SLOTS = {name: CheckResult.__dict__[name] for name in _DEFERRED_PARTS}


def _deferred(name: str) -> property:
    slot = _SLOTS[name]

    def read(self: DeferredCheck) -> Any:
        if self._parts is not None:
            self._settle()
        return slot.__get__(self, DeferredCheck)

    return property(read, doc=f"The check's {name}, worked out on first read.")


class DeferredCheck(CheckResult):
    """A check that passed, whose description, expected and actual (masked) are worked out
    on first read: most passing checks are never shown, so they cost their comparison only.

    It compares, hashes and pickles as the CheckResult it stands for (a copy pickles as one).
    """

    __slots__ = ("_parts",)
    _parts: Callable[[], CheckParts] | None

    description = _deferred("description")
    expected = _deferred("expected")
    actual = _deferred("actual")

    def __init__(
        self,
        kind: str,
        target: str | None,
        description: str,
        passed: bool,
        expected: str,
        actual: Any,
        location: SourceLocation | None,
        message: str | None = None,
        actual_missing: bool = False,
    ) -> None:
        """A check with every part given (``dataclasses.replace`` builds its copies so)."""
        parts = (description, expected, actual)
        _settled(self, kind, target, location, actual_missing, passed, message, lambda: parts)
        self._settle()

    @classmethod
    def later(
        cls,
        kind: str,
        target: str | None,
        location: SourceLocation | None,
        parts: Callable[[], CheckParts],
        *,
        actual_missing: bool = False,
    ) -> DeferredCheck:
        """A passed check whose parts ``parts()`` gives when one is first read."""
        self = cls.__new__(cls)
        _settled(self, kind, target, location, actual_missing, True, None, parts)
        return self

    def then(self, step: Callable[[CheckParts], CheckParts]) -> DeferredCheck:
        """This check with ``step`` applied to its parts as they are worked out (masking)."""
        parts = self._parts
        if parts is None:  # already read: the parts as they are
            settled = (self.description, self.expected, self.actual)
            parts = lambda: settled  # noqa: E731
        source = parts
        return DeferredCheck.later(
            self.kind,
            self.target,
            self.location,
            lambda: step(source()),
            actual_missing=self.actual_missing,
        )

    def _settle(self) -> None:
        parts = self._parts
        if parts is None:
            return
        for name, value in zip(_DEFERRED_PARTS, parts(), strict=True):
            _SLOTS[name].__set__(self, value)
        # Cleared last: a thread reading meanwhile works the parts out again, never misses one.
        object.__setattr__(self, "_parts", None)

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in CheckResult.__match_args__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CheckResult):
            return NotImplemented
        return self._fields() == tuple(getattr(other, name) for name in CheckResult.__match_args__)

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return repr(CheckResult(*self._fields()))

    def __reduce__(self) -> tuple[type[CheckResult], tuple[Any, ...]]:
        return CheckResult, self._fields()


def _settled(
    check: DeferredCheck,
    kind: str,
    target: str | None,
    location: SourceLocation | None,
    actual_missing: bool,
    passed: bool,
    message: str | None,
    parts: Callable[[], CheckParts],
) -> None:
    """Set what a DeferredCheck knows at once (its class is frozen: object.__setattr__)."""
    store = object.__setattr__
    store(check, "kind", kind)
    store(check, "target", target)
    store(check, "passed", passed)
    store(check, "location", location)
    store(check, "message", message)
    store(check, "actual_missing", actual_missing)
    store(check, "_parts", parts)


@dataclass(frozen=True, slots=True)
class CaptureResult:
    """A capture: ``found`` False with ``message`` when its source matched nothing."""

    name: str
    found: bool
    value: Any = None
    message: str | None = None
    location: SourceLocation | None = None


@dataclass(frozen=True, slots=True)
class RequestResult:
    """The outcome of one request. It keeps no response body, so a long run stays small."""

    collection: str
    name: str
    path: str
    method: str
    url: str
    location: SourceLocation | None
    status: int | None = None
    elapsed_ms: float = 0.0
    checks: tuple[CheckResult, ...] = ()
    captures: tuple[CaptureResult, ...] = ()
    error: str | None = None
    skipped: str | None = None
    attempts: int = 0
    iteration: int | None = None
    response_size: int = 0
    events: int | None = None  # a stream's event count (stream: sse), else None
    first_event_ms: float | None = None  # a stream's time to its first event

    @property
    def passed(self) -> bool:
        """True when the request completed, every check passed and every capture found a value."""
        if self.skipped is not None:
            return True
        return (
            self.error is None
            and all(check.passed for check in self.checks)
            and all(capture.found for capture in self.captures)
        )

    @property
    def failed_checks(self) -> tuple[CheckResult, ...]:
        return tuple(check for check in self.checks if not check.passed)


@dataclass(frozen=True, slots=True)
class RunTally:
    """Counts over every request of a run, for runs that keep only the failed results."""

    requests: int = 0
    failed: int = 0
    skipped: int = 0
    checks: int = 0
    failed_checks: int = 0

    def add(self, result: RequestResult) -> RunTally:
        """The tally with one more finished request."""
        passed = result.passed  # a walk over the checks: once (a passed request failed none)
        failed_checks = 0 if passed else len(result.failed_checks)
        return RunTally(
            self.requests + 1,
            self.failed + (not passed),
            self.skipped + (result.skipped is not None),
            self.checks + len(result.checks),
            self.failed_checks + failed_checks,
        )

    def __add__(self, other: RunTally) -> RunTally:
        return RunTally(
            self.requests + other.requests,
            self.failed + other.failed,
            self.skipped + other.skipped,
            self.checks + other.checks,
            self.failed_checks + other.failed_checks,
        )


@dataclass(frozen=True, slots=True)
class RunResult:
    """The outcome of a whole run.

    ``requests`` holds every result, or, when ``tally`` is given (long runs that stream their
    results to reporters), only those that did not pass; the counts below cover every request.
    """

    requests: tuple[RequestResult, ...]
    elapsed_ms: float
    interrupted: bool = False
    tally: RunTally | None = None

    @property
    def counts(self) -> RunTally:
        """Counts over every request of the run."""
        if self.tally is not None:
            return self.tally
        tally = RunTally()
        for result in self.requests:
            tally = tally.add(result)
        return tally

    @property
    def passed(self) -> bool:
        return not self.interrupted and self.counts.failed == 0

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 0 if self.passed else 1

    @property
    def check_count(self) -> int:
        return self.counts.checks

    @property
    def failed_check_count(self) -> int:
        return self.counts.failed_checks
