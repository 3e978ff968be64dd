"""One request's exchange with the server: send, retry per ``options.retries``, emit each attempt.

The session is the engine's (injected: a real ``requests.Session``, the mock adapter's, or a
front-end's such as Locust's ``HttpSession``). Each attempt is emitted masked, once.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runner.checks import matches_all
from runner.engine.context import EngineContext
from runner.engine.masked import masked_event, masked_response, masked_sent
from runner.engine.render import render_check
from runner.errors import TransportError
from runner.events import (
    AttemptFailed,
    MaskedOnce,
    RequestSent,
    ResponseReceived,
    StreamEventReceived,
)
from runner.model import CheckSpec, ExampleSpec, RequestSpec
from runner.results import ResponseData, SentRequest, SseEvent
from runner.templating import Renderer

if TYPE_CHECKING:
    import random

    from runner.transport import OutgoingRequest

DEFAULT_RETRY_ON = (429, 502, 503, 504)


@dataclass(frozen=True, slots=True)
class Exchange:
    """The last attempt of a request: the raw response for checks, masked copies for events."""

    sent: SentRequest | None = None
    response: ResponseData | None = None
    masked_response: MaskedOnce | None = None
    error: str | None = None
    attempts: int = 0
    elapsed_ms: float = 0.0


def send_with_retries(
    context: EngineContext,
    request: RequestSpec,
    outgoing: OutgoingRequest,
    example: ExampleSpec | None,
    renderer: Renderer,
) -> Exchange:
    """Send, retrying per ``options.retries``; each attempt is masked once, when emitted."""
    # From the module, not the package: a function-level import from a package runs
    # importlib's fromlist handling on every call.
    from runner.transport.send import send

    _learn_credentials(context, outgoing)
    mock_adapter = context.mock_adapter
    if mock_adapter is not None and example is None:
        return Exchange(error="no example to answer from under --mock (add `examples:`)")
    retries: Mapping[str, Any] = request.options.get("retries") or {}
    count = int(retries.get("count", 0))
    retry_on, unless = _retry_rules(retries, renderer) if count else (set(), ())
    send_options = _send_options(context, outgoing)
    stream: _StreamEvents | None = send_options["on_event"]
    attempt = 0
    while True:
        attempt += 1
        if stream is not None:
            stream.attempt = attempt
        if mock_adapter is not None and example is not None:
            mock_adapter.prime(example)
        sent: SentRequest | None = None
        masked: SentRequest | None = None
        response: ResponseData | None = None
        error: str | None = None
        retryable = True
        started = context.clock()
        try:
            sent, response = send(outgoing, context.session, **send_options)
        except TransportError as exc:
            error = exc.message
            sent = exc.sent  # what went out before it failed, for -v and the reports
            retryable = exc.retryable
        context.mask_learnt()
        if sent is not None and RequestSent in context.takes:
            masked = _emit_sent(context, sent, attempt, stream)
        retry = (
            attempt <= count
            and retryable
            and (
                response is None
                or (response.status in retry_on and not (unless and matches_all(unless, response)))
            )
        )
        wait = wait_before(context.rng, attempt, response, retries) if retry else 0.0
        response, masked_reply, error = _emit_outcome(
            context, response, error, attempt, retry, wait
        )
        if not retry:
            spent_ms = (context.clock() - started) * 1000  # how long a failed attempt took
            return Exchange(masked, response, masked_reply, error, attempt, spent_ms)
        context.sleep(wait)


def _retry_rules(
    retries: Mapping[str, Any], renderer: Renderer
) -> tuple[set[int], tuple[CheckSpec, ...]]:
    """The statuses retried, and the checks that stop a retry: for a request that may retry."""
    retry_on = set(retries.get("on", DEFAULT_RETRY_ON))
    return retry_on, tuple(render_check(check, renderer) for check in retries.get("unless", ()))


def _send_options(context: EngineContext, outgoing: OutgoingRequest) -> dict[str, Any]:
    """What ``send`` takes besides the request: the token cache, the clock, a stream listener."""
    oauth2 = outgoing.auth is not None and outgoing.auth.kind == "oauth2"
    return {
        "tokens": context.learnt.cache if oauth2 else None,
        "clock": context.clock,
        # Events of a stream are built only when a listener reads them (-v does).
        "on_event": _StreamEvents(context)
        if outgoing.stream is not None and StreamEventReceived in context.takes
        else None,
    }


class _StreamEvents:
    """Emits each event of a stream as it arrives, masked (``-v`` prints them); the request
    goes out first, at the first event, so it is shown before them."""

    def __init__(self, context: EngineContext) -> None:
        self.context = context
        self.attempt = 1
        self.sent: SentRequest | None = None  # the request emitted early, with ...
        self.masked: SentRequest | None = None  # ... its masked copy

    def __call__(self, sent: SentRequest, number: int, event: SseEvent, elapsed_ms: float) -> None:
        context = self.context
        if number == 1 and RequestSent in context.takes:
            context.mask_learnt()  # an OAuth2 token fetched for this request
            self.sent, self.masked = sent, masked_sent(sent, context.masker)
            context.emit(RequestSent(self.masked, self.attempt))
        masked = masked_event(event, context.masker)
        context.emit(StreamEventReceived(masked, number, elapsed_ms))


def _emit_sent(
    context: EngineContext, sent: SentRequest, attempt: int, stream: _StreamEvents | None
) -> SentRequest:
    """Emit the request of an attempt (unless a stream did at its first event); its masked copy."""
    if stream is not None:
        early, stream.sent = stream.sent, None
        if early is sent and stream.masked is not None:
            return stream.masked
    masked = masked_sent(sent, context.masker)
    context.emit(RequestSent(masked, attempt))
    return masked


def _learn_credentials(context: EngineContext, outgoing: OutgoingRequest) -> None:
    """What postrun sends from ``auth`` is masked from the first event on, like a secret."""
    if outgoing.auth is None:
        return  # none: spared the import's fromlist handling, a request
    from runner.transport.credentials import auth_credentials

    for credential in auth_credentials(outgoing.auth, outgoing.headers, outgoing.params):
        context.learnt.learn(credential)


def _emit_outcome(
    context: EngineContext,
    response: ResponseData | None,
    error: str | None,
    attempt: int,
    retry: bool,
    wait: float,
) -> tuple[ResponseData | None, MaskedOnce | None, str | None]:
    """Emit an attempt's response or failure, masked; the response, its masked copy, the error."""
    if response is None:
        error = context.masker.text(error or "")
        if AttemptFailed in context.takes:
            context.emit(AttemptFailed(error, attempt, retry, wait))
        return None, None, error
    if response.attempts != attempt:
        response = dataclasses.replace(response, attempts=attempt)
    # Masked when a listener reads it (RequestFinished carries it too): often none does.
    masker = context.masker
    masked = MaskedOnce(response, functools.partial(masked_response, masker=masker), masker.text)
    if ResponseReceived in context.takes:
        context.emit(ResponseReceived(None, attempt, retry, wait, masked=masked))  # type: ignore[arg-type]
    return response, masked, error


def wait_before(
    rng: random.Random, attempt: int, response: ResponseData | None, retries: Mapping[str, Any]
) -> float:
    """Exponential backoff with jitter; a Retry-After header wins; capped by max_wait."""
    max_wait = float(retries.get("max_wait", 30))
    retry_after = parse_retry_after(response.header("Retry-After")) if response else None
    if retry_after is not None:
        return min(retry_after, max_wait)
    backoff = float(retries.get("backoff", 0.5))
    wait = backoff * (2 ** (attempt - 1)) * rng.uniform(0.75, 1.25)
    return min(wait, max_wait)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - now).total_seconds())
