"""Masked copies of what a request emits: the request sent, the response, check results.

The engine checks and captures against the real response and emits only these copies, so every
listener (console, reports, a front-end's own) sees secrets as ``****`` (runner.masking).
"""

from __future__ import annotations

import dataclasses
import functools

from runner.masking import MASK, Masker
from runner.model import CaptureSpec
from runner.results import (
    CheckParts,
    CheckResult,
    DeferredCheck,
    ResponseData,
    SentRequest,
    SseEvent,
    StreamData,
)


def sensitive_capture(spec: CaptureSpec, masker: Masker) -> bool:
    """A capture of a cookie, or of a header that is masked by name (Authorization ...)."""
    return spec.kind == "cookie" or (
        spec.kind == "header" and spec.source.lower() in masker.sensitive_headers
    )


def masked_check(result: CheckResult, masker: Masker) -> CheckResult:
    """``result`` with secrets hidden; the same object when it holds none (the usual case).

    A passing check's parts are masked as they are worked out, when something reads them.
    """
    if isinstance(result, DeferredCheck):
        return result.then(functools.partial(_masked_parts, masker))
    description = masker.text(result.description)
    expected = masker.text(result.expected)
    actual = masker.value(result.actual)
    message = masker.text(result.message) if result.message else None
    if (
        description is result.description
        and expected is result.expected
        and actual is result.actual
        and message is result.message
    ):
        return result
    return dataclasses.replace(
        result, description=description, expected=expected, actual=actual, message=message
    )


def _masked_parts(masker: Masker, parts: CheckParts) -> CheckParts:
    description, expected, actual = parts
    return masker.text(description), masker.text(expected), masker.value(actual)


def masked_sent(sent: SentRequest, masker: Masker) -> SentRequest:
    """The request as sent, with secrets hidden in its URL, headers and body."""
    return SentRequest(
        sent.method,
        masker.text(sent.url),
        masker.headers(sent.headers),
        masker.body(sent.body) if sent.body is not None else None,
    )


def masked_response(response: ResponseData, masker: Masker) -> ResponseData:
    """The response with secrets hidden; the same object when it holds none."""
    if not masker.enabled:
        return response
    if isinstance(response, StreamData):
        return _masked_stream(response, masker)
    headers = masker.headers(response.headers)
    body = masker.body(response.body)
    url = masker.text(response.url)
    reason = masker.text(response.reason)  # a server may echo what it was sent there too
    if (
        body is response.body
        and url is response.url
        and reason is response.reason
        and not response.cookies
        and headers == response.headers
    ):
        return response  # nothing secret in it: no copy (and its JSON is parsed once)
    return dataclasses.replace(
        response,
        headers=headers,
        body=body,
        url=url,
        reason=reason,
        cookies=dict.fromkeys(response.cookies, MASK),  # Set-Cookie values, masked whole
    )


def masked_event(event: SseEvent, masker: Masker) -> SseEvent:
    """A server-sent event with secrets hidden in its type, id and data."""
    if not masker.enabled:
        return event
    return SseEvent(
        masker.text(event.event),
        None if event.id is None else masker.text(event.id),
        masker.text(event.data),
    )


def _masked_stream(response: StreamData, masker: Masker) -> StreamData:
    """A stream's response masked: its wire text and each of its events."""
    return dataclasses.replace(
        response,
        headers=masker.headers(response.headers),
        body=masker.body(response.body),
        url=masker.text(response.url),
        cookies=dict.fromkeys(response.cookies, MASK),
        events=tuple(masked_event(event, masker) for event in response.events),
    )
