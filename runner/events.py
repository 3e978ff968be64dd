"""Events the engine emits while a run goes on; reporters are listeners that receive them.

Every event carries data already masked (runner.masking), so no listener can leak a secret.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from runner.results import (
    CheckResult,
    RequestResult,
    ResponseData,
    RunResult,
    SentRequest,
    SseEvent,
)

# Events are messages, not values: they compare by identity (eq=False), which also spares the
# generated __eq__ and __hash__, each compiled at start-up. Every event has a docstring, else
# dataclass would compute one from its signature at import.


@dataclass(frozen=True, slots=True, eq=False)
class RunStarted:
    """The run begins: the collections in it and how many requests it will send."""

    collections: tuple[str, ...]
    total_requests: int
    environment: str | None = None
    mock: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class Note:
    """Something worth telling the user that is not a failure (a mock secret, a short secret)."""

    text: str


@dataclass(frozen=True, slots=True, eq=False)
class RequestStarted:
    """A request is about to be rendered and sent (``index`` of ``total``, 1-based)."""

    collection: str
    path: str
    index: int
    total: int
    iteration: int | None = None  # 1-based, in data-driven runs (--data, --iterations)


@dataclass(frozen=True, slots=True, eq=False)
class RequestSent:
    """One attempt of a request went on the wire (masked)."""

    request: SentRequest
    attempt: int


class MaskedOnce:
    """A response masked when an event's ``response`` is first read, then kept: the events of
    one attempt share it, and a response that no listener reads is never masked."""

    __slots__ = ("_mask", "_mask_text", "_masked", "_raw")

    def __init__(
        self,
        raw: ResponseData,
        mask: Callable[[ResponseData], ResponseData],
        mask_text: Callable[[str], str] = str,
    ) -> None:
        self._raw, self._mask, self._mask_text = raw, mask, mask_text
        self._masked: ResponseData | None = None

    def __call__(self) -> ResponseData:
        masked = self._masked
        if masked is None:  # two threads may both mask: the same copy, either kept
            masked = self._masked = self._mask(self._raw)
        return masked

    @property
    def reason(self) -> str:
        """The reason phrase, masked on its own (the console reads no more of a passing
        response): a server may echo a secret there as anywhere else."""
        if self._masked is not None:
            return self._masked.reason
        return self._mask_text(self._raw.reason)


class _ResponseField:
    """An event's ``response`` field: as given, or masked from its ``masked`` on first read.

    A dataclass field whose default is a descriptor (the event keeps a ``__dict__`` for it):
    the event stays one class, with its signature, and compares and prints as before.
    """

    def __init__(self, *, optional: bool) -> None:
        self.optional = optional

    def __get__(self, event: Any, owner: type | None = None) -> ResponseData | None:
        if event is None:
            if self.optional:
                return None  # the field's default
            raise AttributeError("response")  # no default: the field is required
        given: ResponseData | None = event.__dict__["_response"]
        masked: MaskedOnce | None = event.masked
        return masked() if given is None and masked is not None else given

    def __set__(self, event: Any, value: ResponseData | None) -> None:
        event.__dict__["_response"] = value


# Not slotted: the response field keeps its value in the instance's __dict__.
@dataclass(frozen=True, eq=False)
class ResponseReceived:
    """One attempt got a response (masked); ``will_retry`` says whether another follows.

    The engine gives ``masked`` instead of ``response``: the response is masked on first read.
    """

    response: ResponseData = _ResponseField(optional=False)  # type: ignore[assignment]
    attempt: int  # type: ignore[misc]  # (mypy takes the descriptor for a default: it is none)
    will_retry: bool = False
    wait_seconds: float = 0.0
    masked: MaskedOnce | None = field(default=None, repr=False, kw_only=True)


@dataclass(frozen=True, slots=True, eq=False)
class StreamEventReceived:
    """One server-sent event arrived (masked), ``number`` of the stream (1-based), while the
    stream goes on; ``elapsed_ms`` since the request was sent."""

    event: SseEvent
    number: int
    elapsed_ms: float


@dataclass(frozen=True, slots=True, eq=False)
class AttemptFailed:
    """An attempt got no response (refused, timeout, reset); ``error`` is one masked line."""

    error: str
    attempt: int
    will_retry: bool = False
    wait_seconds: float = 0.0


@dataclass(frozen=True, slots=True, eq=False)
class CheckFinished:
    """One assertion was evaluated."""

    result: CheckResult


# Not slotted: the response field keeps its value in the instance's __dict__.
@dataclass(frozen=True, eq=False)
class RequestFinished:
    """A request is done; ``response`` is only here, so results do not keep bodies.

    The engine gives ``masked`` instead of ``response``: the response is masked on first read.
    """

    result: RequestResult
    request: SentRequest | None = None
    response: ResponseData | None = _ResponseField(optional=True)  # type: ignore[assignment]
    index: int = 0  # 1-based plan position; reports sort by it (--jobs ends out of order)
    masked: MaskedOnce | None = field(default=None, repr=False, kw_only=True)

    @property
    def reason(self) -> str:
        """The response's reason phrase, ``""`` without one, masked without masking the rest
        of the response."""
        if self.masked is not None:
            return self.masked.reason
        return self.response.reason if self.response is not None else ""


@dataclass(frozen=True, slots=True, eq=False)
class InternalError:
    """A bug in postrun cost the request at ``index``; ``traceback`` is its Python traceback.

    Masked like every event. Emitted just before that request's RequestFinished (whose error
    says what failed); reporters ignore it, ``postrun run --traceback`` prints it.
    """

    path: str
    traceback: str
    index: int = 0


@dataclass(frozen=True, slots=True, eq=False)
class RunFinished:
    """The run is over, finished or interrupted."""

    result: RunResult


Event = (
    RunStarted
    | Note
    | RequestStarted
    | RequestSent
    | ResponseReceived
    | StreamEventReceived
    | AttemptFailed
    | CheckFinished
    | RequestFinished
    | InternalError
    | RunFinished
)
EVENT_KINDS: tuple[type, ...] = (
    RunStarted,
    Note,
    RequestStarted,
    RequestSent,
    ResponseReceived,
    StreamEventReceived,
    AttemptFailed,
    CheckFinished,
    RequestFinished,
    InternalError,
    RunFinished,
)
Listener = Callable[[Event], None]
"""A listener may say which kinds of event it reads in an ``events`` attribute (a set of the
classes above): the engine then builds no event that no listener reads (a CheckFinished per
check, the masked copy of each request sent). ``RequestFinished.request`` is filled only when a
listener reads RequestSent. A listener without the attribute (a plain function) gets them all."""


def taken(listeners: Iterable[object]) -> frozenset[type]:
    """The kinds of event that at least one of ``listeners`` reads (see Listener)."""
    kinds: set[type] = set()
    for listener in listeners:
        events = getattr(listener, "events", None)
        kinds.update(EVENT_KINDS if events is None else events)
    return frozenset(kinds)
