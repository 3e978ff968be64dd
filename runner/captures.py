"""Take captured values from a response: ``capture(CaptureSpec, ResponseData) -> CaptureResult``.

Pure. The five forms of FORMAT.md 1.4: a JSONPath, a header, a cookie, a regex on the body text
and the status code; and a stream's joined text (``{joined: true}``, runner.streamed). A JSON
``null`` counts as found; a source that finds nothing gives ``found=False`` with a message
naming the capture and its source.
"""

from __future__ import annotations

import re
from typing import Any

from runner.jsonquery import JsonPathError, compile_path, query
from runner.model import MISSING, CaptureSpec
from runner.regexes import RegexTimeout, search_regex
from runner.results import CaptureResult, ResponseData, StreamData
from runner.streamed import joined_text, not_a_stream


def capture(spec: CaptureSpec, response: ResponseData) -> CaptureResult:
    """Take one capture's value from a response (its ``source`` is already rendered)."""
    kind = spec.kind
    if kind == "jsonpath":
        return _jsonpath(spec, response)
    if kind == "header":
        value = response.header(spec.source)
        if value is None:
            return _not_found(spec, f"no header {spec.source} in the response")
        return _found(spec, value)
    if kind == "cookie":
        cookie = response.cookies.get(spec.source)
        if cookie is None:
            return _not_found(spec, f"no cookie {spec.source} in the response")
        return _found(spec, cookie)
    if kind == "regex":
        return _regex(spec, response)
    if kind == "status":
        return _found(spec, response.status)
    if kind == "joined":
        return _joined(spec, response)
    return _not_found(spec, f"unknown capture kind {kind!r}")


def _jsonpath(spec: CaptureSpec, response: ResponseData) -> CaptureResult:
    body = response.json
    if not body.ok:
        return _not_found(spec, f"{spec.source}: {body.error}")
    try:
        singular = compile_path(spec.source).singular
        value = query(spec.source, body.value)
    except JsonPathError as exc:
        return _not_found(spec, str(exc))
    # a non-singular path that matches nothing gives [], which is "finds nothing" too
    if value is MISSING or (not singular and not value):
        return _not_found(spec, f"no match for {spec.source}")
    return _found(spec, value)


def _regex(spec: CaptureSpec, response: ResponseData) -> CaptureResult:
    try:
        match = search_regex(spec.source, response.text)
    except re.error as exc:
        return _not_found(spec, f"invalid regex '{spec.source}': {exc}")
    except RegexTimeout as exc:
        return _not_found(spec, str(exc))
    if match is None:
        return _not_found(spec, f"no match for regex '{spec.source}' in the body")
    value = match.group(1) if match.re.groups else match.group(0)
    if value is None:  # an optional first group that took no part in the match
        return _not_found(spec, f"regex '{spec.source}' matched, but its first group did not")
    return _found(spec, value)


def _joined(spec: CaptureSpec, response: ResponseData) -> CaptureResult:
    problem = not_a_stream(response)
    if problem is not None or not isinstance(response, StreamData):
        return _not_found(spec, f"nothing to join: {problem}")
    try:
        return _found(spec, joined_text(response, spec.source))
    except JsonPathError as exc:
        return _not_found(spec, str(exc))


def _found(spec: CaptureSpec, value: Any) -> CaptureResult:
    return CaptureResult(spec.name, True, value=value, location=spec.location)


def _not_found(spec: CaptureSpec, reason: str) -> CaptureResult:
    return CaptureResult(
        spec.name, False, message=f"capture {spec.name!r}: {reason}", location=spec.location
    )
