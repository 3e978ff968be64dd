"""The JUnit XML reporter: one testsuite per collection, one testcase per request."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from runner.events import (
    AttemptFailed,
    RequestFinished,
    RequestStarted,
    ResponseReceived,
    RunFinished,
)
from runner.report.streams import stream_text
from runner.report.text import show_value
from runner.results import CheckResult, RequestResult, ResponseData, SentRequest

EXCERPT_BYTES = 4096


@dataclass(frozen=True, slots=True)
class _Case:
    """What one testcase needs: the result and a short, already masked, wire excerpt."""

    result: RequestResult
    excerpt: str
    index: int = 0  # plan position: cases are written in plan order


class JUnitReporter:
    """Collects finished requests and renders them as JUnit XML for CI dashboards."""

    def __init__(self, *, excerpt_bytes: int = EXCERPT_BYTES) -> None:
        self.excerpt_bytes = excerpt_bytes
        self._cases: list[_Case] = []
        self._elapsed_ms: float | None = None
        self._retries: list[str] = []  # the current request's retried attempts, as lines

    def __call__(self, event: Any) -> None:
        if isinstance(event, RequestStarted):
            self._retries = []
        elif isinstance(event, (ResponseReceived, AttemptFailed)) and event.will_retry:
            got = (
                f"{event.response.status} {event.response.reason}".rstrip()
                if isinstance(event, ResponseReceived)
                else event.error
            )
            self._retries.append(
                f"attempt {event.attempt}: {got}; retried after {event.wait_seconds:.1f} s"
            )
        elif isinstance(event, RequestFinished):
            # Keep only a cut excerpt, never whole bodies, so a long run stays small.
            excerpt = _excerpt(event.request, event.response, self.excerpt_bytes)
            streamed = stream_text(event.result)
            if streamed is not None:  # the events themselves are the body, cut like any
                excerpt = f"stream: {streamed}\n\n{excerpt}"
            if self._retries:
                excerpt = "\n".join(self._retries) + "\n\n" + excerpt
            self._retries = []
            self._cases.append(_Case(event.result, excerpt, event.index))
        elif isinstance(event, RunFinished):
            self._elapsed_ms = event.result.elapsed_ms

    def render(self) -> str:
        """Return the JUnit XML document for every request finished so far."""
        # One suite per collection, and per iteration in data-driven runs.
        # Keyed by file too: two files may give their collections the same name.
        suites: dict[tuple[str, str, int | None], list[_Case]] = {}
        for case in sorted(self._cases, key=lambda case: case.index):
            result = case.result
            file = result.location.file if result.location is not None else ""
            suites.setdefault((result.collection, file, result.iteration), []).append(case)
        root = ET.Element("testsuites")
        total = failures = errors = skipped = 0
        total_time = 0.0
        for (collection, _, iteration), cases in suites.items():
            name = collection if iteration is None else f"{collection} [iteration {iteration}]"
            suite = ET.SubElement(root, "testsuite", name=name)
            counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
            seconds = 0.0
            for case in cases:
                kind = _add_case(suite, name, case)
                counts["tests"] += 1
                if kind:
                    counts[kind] += 1
                seconds += case.result.elapsed_ms / 1000
            for key, value in counts.items():
                suite.set(key, str(value))
            suite.set("time", _seconds(seconds))
            total += counts["tests"]
            failures += counts["failures"]
            errors += counts["errors"]
            skipped += counts["skipped"]
            total_time += seconds
        root.set("name", "postrun")
        root.set("tests", str(total))
        root.set("failures", str(failures))
        root.set("errors", str(errors))
        root.set("skipped", str(skipped))
        elapsed = self._elapsed_ms / 1000 if self._elapsed_ms is not None else total_time
        root.set("time", _seconds(elapsed))
        ET.indent(root)
        body = ET.tostring(root, encoding="unicode")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _add_case(suite: Any, collection: str, case: _Case) -> str | None:
    """Add one testcase; return which counter it bumps (failures, errors, skipped) or None."""
    result = case.result
    element = ET.SubElement(
        suite,
        "testcase",
        classname=collection,
        name=result.path,
        time=_seconds(result.elapsed_ms / 1000),
    )
    if result.location is not None:
        element.set("file", result.location.file)
        element.set("line", str(result.location.line))
    kind: str | None = None
    if result.skipped is not None:
        ET.SubElement(element, "skipped", message=_clean(result.skipped))
        kind = "skipped"
    elif result.error is not None:
        error = ET.SubElement(element, "error", message=_clean(result.error), type="request")
        error.text = _clean(result.error)
        kind = "errors"
    else:
        for check in result.failed_checks:
            failure = ET.SubElement(
                element, "failure", message=_clean(_message(check)), type=check.kind
            )
            failure.text = _clean(_failure_text(check))
            kind = "failures"
        for capture in result.captures:
            if not capture.found:
                message = capture.message or f"capture {capture.name} found nothing"
                failure = ET.SubElement(element, "failure", message=_clean(message), type="capture")
                where = f"\nat {capture.location}" if capture.location else ""
                failure.text = _clean(message + where)
                kind = "failures"
    if case.excerpt:
        ET.SubElement(element, "system-out").text = _clean(case.excerpt)
    return kind


def _message(check: CheckResult) -> str:
    return check.message or f"{check.description}: expected {check.expected}"


def _failure_text(check: CheckResult) -> str:
    actual = "(missing)" if check.actual_missing else show_value(check.actual)
    lines = [f"expected: {check.expected}", f"actual: {actual}"]
    if check.message:
        lines.insert(0, check.message)
    if check.location is not None:
        lines.append(f"at {check.location}")
    return "\n".join(lines)


def _excerpt(request: SentRequest | None, response: ResponseData | None, limit: int) -> str:
    """The masked request and response, headers whole and bodies cut at ``limit`` bytes."""
    parts: list[str] = []
    if request is not None:
        lines = [f"> {request.method} {request.url}"]
        lines += [f"> {key}: {value}" for key, value in request.headers]
        parts.append("\n".join(lines))
        if request.body:
            # The text/binary rule lives on ResponseData; a request body follows it too.
            sent = ResponseData(0, "", request.headers, request.body, 0.0, request.url)
            parts.append(_body(sent, limit))
    if response is not None:
        lines = [f"< {response.status} {response.reason}".rstrip()]
        lines += [f"< {key}: {value}" for key, value in response.headers]
        parts.append("\n".join(lines))
        if response.body:
            parts.append(_body(response, limit))
    return "\n\n".join(parts)


def _body(message: ResponseData, limit: int) -> str:
    body = message.body
    if message.is_binary:
        return f"<{len(body)} bytes of {message.content_type or 'unknown type'}>"
    text = body[:limit].decode(message.encoding or "utf-8", errors="replace")
    if len(body) > limit:
        text += f"\n... (cut at {limit} of {len(body)} bytes)"
    return text


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (control bytes from odd bodies) instead of failing."""
    return "".join(
        char
        for char in text
        if char in "\t\n\r"
        or ("\x20" <= char <= "\ud7ff")
        or ("\ue000" <= char <= "\ufffd")
        or ("\U00010000" <= char <= "\U0010ffff")
    )


def _seconds(value: float) -> str:
    return f"{value:.3f}"
