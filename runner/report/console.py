"""The terminal reporter: one line per request, failures explained, a closing summary."""

from __future__ import annotations

import json
from typing import Any, TextIO

import click

from runner.events import (
    Note,
    RequestFinished,
    RequestStarted,
    ResponseReceived,
    RunFinished,
    RunStarted,
)
from runner.results import CheckResult, RequestResult, ResponseData, RunResult

EXCERPT_CHARS = 300
MESSAGE_CHARS = 400


class ConsoleReporter:
    """Writes a readable run log; colour only when asked (the CLI decides: tty, NO_COLOR)."""

    def __init__(self, out: TextIO, *, color: bool = False, quiet: bool = False) -> None:
        self.out = out
        self.color = color
        self.quiet = quiet
        encoding = (getattr(out, "encoding", None) or "").lower().replace("-", "")
        self.unicode = encoding in ("utf8", "utf16", "utf32")
        self._collection: str | None = None

    # Plumbing --------------------------------------------------------------------------

    def __call__(self, event: Any) -> None:
        if isinstance(event, RunStarted):
            self._run_started(event)
        elif isinstance(event, Note):
            self._line(self._style("note: ", fg="yellow") + event.text)
        elif isinstance(event, RequestStarted):
            self._collection_heading(event.collection)
        elif isinstance(event, ResponseReceived) and event.will_retry:
            self._line(
                self._style(
                    f"    ↻ attempt {event.attempt} got {event.response.status}; "
                    f"retrying in {event.wait_seconds:.1f}s",
                    dim=True,
                )
            )
        elif isinstance(event, RequestFinished):
            self._request_finished(event.result, event.response)
        elif isinstance(event, RunFinished):
            self._summary(event.result)

    def _line(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _style(self, text: str, **styles: Any) -> str:
        return click.style(text, **styles) if self.color else text

    def _mark(self, kind: str) -> str:
        marks = {"pass": ("✓", "+", "green"), "fail": ("✗", "x", "red"), "skip": ("-", "-", None)}
        fancy, plain, colour = marks[kind]
        return self._style(fancy if self.unicode else plain, fg=colour, bold=True)

    # Events ----------------------------------------------------------------------------

    def _run_started(self, event: RunStarted) -> None:
        if self.quiet:
            return
        parts = [f"{event.total_requests} request{'s' if event.total_requests != 1 else ''}"]
        if event.environment:
            parts.append(f"env {event.environment}")
        if event.mock:
            parts.append("mock: answers come from examples, nothing is sent")
        self._line(self._style("postrun", bold=True) + " · " + " · ".join(parts))

    def _collection_heading(self, collection: str) -> None:
        if collection == self._collection:
            return
        self._collection = collection
        if not self.quiet:
            self._line()
            self._line(self._style(collection, bold=True, underline=True))

    def _request_finished(self, result: RequestResult, response: ResponseData | None) -> None:
        if result.skipped is not None:
            if not self.quiet:
                reason = "" if result.skipped == "skipped" else f": {result.skipped}"
                self._line(f"  {self._mark('skip')} {result.name}  skipped{reason}")
            return
        if result.passed and self.quiet:
            return
        if self.quiet:
            self._collection_heading_forced(result.collection)
        mark = self._mark("pass" if result.passed else "fail")
        status = ""
        if result.status is not None:
            reason = f" {response.reason}" if response is not None and response.reason else ""
            colour = "green" if result.status < 400 else "red"
            status = "  " + self._style(f"{result.status}{reason}", fg=colour)
        timing = self._style(f"  {result.elapsed_ms:.0f} ms", dim=True) if result.status else ""
        attempts = f"  ({result.attempts} attempts)" if result.attempts > 1 else ""
        name = self._style(result.name, bold=not result.passed)
        url = self._style(f"{result.method} {result.url}", dim=True)
        self._line(f"  {mark} {name}  {url}{status}{timing}{attempts}")
        if result.passed:
            return
        if result.error is not None:
            self._detail(self._style(result.error, fg="red"))
        for check in result.failed_checks:
            self._failed_check(check)
        for capture in result.captures:
            if not capture.found:
                where = f"  ({capture.location})" if capture.location else ""
                self._detail(f"{self._mark('fail')} {capture.message}{where}")
        if response is not None:
            self._response_excerpt(response)

    def _collection_heading_forced(self, collection: str) -> None:
        if collection != self._collection:
            self._collection = collection
            self._line(self._style(collection, bold=True, underline=True))

    def _failed_check(self, check: CheckResult) -> None:
        message = check.message or f"expected {check.expected}, got {_show(check.actual)}"
        if check.actual_missing and check.expected and check.expected not in message:
            message += f" (expected {check.expected})"
        self._detail(f"{self._mark('fail')} {check.description}: {_cut(message, MESSAGE_CHARS)}")
        if check.location is not None:
            self._detail(self._style(f"  at {check.location}", dim=True))

    def _response_excerpt(self, response: ResponseData) -> None:
        if response.is_binary:
            kind = response.content_type or "unknown type"
            self._detail(self._style(f"response: <{len(response.body)} bytes of {kind}>", dim=True))
            return
        api_error = api_error_message(response)
        if api_error is not None:
            self._detail(self._style("API error: ", fg="red", bold=True) + api_error)
            return
        text = " ".join(response.text.split())
        if text:
            self._detail(self._style(f"response: {_cut(text, EXCERPT_CHARS)}", dim=True))

    def _detail(self, text: str) -> None:
        self._line(f"      {text}")

    def _summary(self, run: RunResult) -> None:
        requests = run.requests
        failed_requests = sum(1 for result in requests if not result.passed)
        skipped = sum(1 for result in requests if result.skipped is not None)
        checks = run.check_count
        failed_checks = run.failed_check_count
        parts = [
            f"{len(requests)} request{'s' if len(requests) != 1 else ''}",
            f"{checks} check{'s' if checks != 1 else ''}",
            self._style(f"{checks - failed_checks} passed", fg="green"),
            self._style(f"{failed_checks} failed", fg="red" if failed_checks else None),
        ]
        if skipped:
            parts.append(f"{skipped} skipped")
        if failed_requests:
            parts.append(self._style(f"{failed_requests} request(s) failed", fg="red", bold=True))
        parts.append(f"{run.elapsed_ms / 1000:.2f} s")
        self._line()
        if run.interrupted:
            self._line(self._style("interrupted: the results so far", fg="yellow", bold=True))
        verdict = self._mark("pass" if run.passed else "fail")
        self._line(f"{verdict} " + ", ".join(parts[:2]) + ": " + ", ".join(parts[2:]))


def api_error_message(response: ResponseData) -> str | None:
    """The message of a JSON API error body (OpenAI, RFC 7807 and common shapes), or None."""
    if response.status < 400 or not response.body:
        return None
    parsed = response.json
    if not parsed.ok or not isinstance(parsed.value, dict):
        return None
    body: dict[str, Any] = parsed.value
    error = body.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        code = error.get("code") or error.get("type")
        prefix = f"({code}) " if isinstance(code, str) and code else ""
        return prefix + error["message"]
    if isinstance(error, str):
        detail = body.get("message") or body.get("error_description")
        return f"({error}) {detail}" if isinstance(detail, str) else error
    for key in ("detail", "message", "title"):
        if isinstance(body.get(key), str):
            return str(body[key])
    return None


def _show(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
