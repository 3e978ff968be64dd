"""The terminal reporter: one line per request, failures explained, a closing summary.

With ``verbose`` it also dumps every attempt's request and response, curl ``-v`` style; with
``progress`` it keeps a live ``[done/total]`` line at the bottom of a terminal.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TextIO

import click

from runner.events import (
    AttemptFailed,
    Note,
    RequestFinished,
    RequestSent,
    RequestStarted,
    ResponseReceived,
    RunFinished,
    RunStarted,
    StreamEventReceived,
)
from runner.report.progress import PROGRESS_MIN_REQUESTS, ProgressLine
from runner.report.streams import FirstEventTimes, stream_text
from runner.report.text import cut, show_value
from runner.report.text import printable as _printable
from runner.results import (
    CheckResult,
    ResponseData,
    RunResult,
    SentRequest,
    StreamData,
)

EXCERPT_CHARS = 300
MESSAGE_CHARS = 400
# From this many checks an API error body cannot hold (JSONPath checks finding nothing, stream
# checks on an answer that is no stream), the console says so in one line instead of one each
# (the reports keep every check).
CASCADE_MIN_CHECKS = 2
VERBOSE_BODY_BYTES = 8192
PRETTY_JSON_MAX_BYTES = 1 << 20
"""Bigger JSON bodies are shown raw (and cut): parsing megabytes only to show 8 KiB is waste."""

_MARKS = {"pass": ("✓", "+", "green"), "fail": ("✗", "x", "red"), "skip": ("-", "-", None)}
# The events the console reads: never a CheckFinished (a failed check is told from the
# RequestResult), and the requests sent only to dump them under verbose.
_EVENTS = frozenset(
    {RunStarted, Note, RequestStarted, ResponseReceived, AttemptFailed, RequestFinished}
    | {RunFinished}
)
_EVENTS_VERBOSE = _EVENTS | {RequestSent, StreamEventReceived}
# Checks of a stream's events: on an answer that is no event stream they all fail alike.
_STREAM_CHECKS = frozenset({"events", "time_to_first_event_ms", "joined"})


class ConsoleReporter:
    """Writes a readable run log; colour only when asked (the CLI decides: tty, NO_COLOR).

    ``verbose`` dumps every attempt (request and response, already masked by the engine);
    with ``quiet`` too, only the dumps of failed requests are shown. ``progress`` draws a live
    progress line on ``out`` for runs of at least PROGRESS_MIN_REQUESTS requests; the CLI
    decides it with :func:`runner.report.progress.progress_enabled`.
    """

    def __init__(
        self,
        out: TextIO,
        *,
        color: bool = False,
        quiet: bool = False,
        verbose: bool = False,
        progress: bool = False,
        body_limit: int = VERBOSE_BODY_BYTES,
        progress_width: int | None = None,
    ) -> None:
        self.out = out
        self.color = color
        self.quiet = quiet
        self.verbose = verbose
        self.progress = progress
        self.body_limit = body_limit
        self.progress_width = progress_width
        encoding = (getattr(out, "encoding", None) or "").lower().replace("-", "")
        self.unicode = encoding in ("utf8", "utf16", "utf32")
        # Plain spellings for a stream that cannot encode the fancy ones (PYTHONIOENCODING=ascii).
        self.dot = "·" if self.unicode else "-"  # between the parts of a heading
        self.ellipsis = "…" if self.unicode else "..."
        self.retry_mark = "↻" if self.unicode else "~"
        self._collection: str | None = None
        self._progress: ProgressLine | None = None
        self._in_request = False
        # Under quiet + verbose, a request's dump waits here until we know it failed.
        self._pending: list[str] = []
        self._last_wait: float | None = None
        self.first_events = FirstEventTimes()  # the run's stream figures (see cli/output.py)
        self.events = _EVENTS_VERBOSE if verbose else _EVENTS  # what it reads (events.Listener)
        self._marks = {kind: _styled_mark(self, kind) for kind in _MARKS}  # styled once

    # Plumbing --------------------------------------------------------------------------

    def __call__(self, event: Any) -> None:
        if isinstance(event, RunStarted):
            self._run_started(event)
            if self.progress and event.total_requests >= PROGRESS_MIN_REQUESTS:
                self._progress = ProgressLine(
                    self.out, event.total_requests, width=self.progress_width
                )
        elif isinstance(event, Note):
            self._line(self._style("note: ", fg="yellow") + event.text)
        elif isinstance(event, RequestStarted):
            self._request_started(event)
        elif isinstance(event, RequestSent):
            if self.verbose:
                self._request_dump(event.request, event.attempt)
        elif isinstance(event, ResponseReceived):
            if self.verbose:
                self._response_dump(event.response)
            # The response only tells a retry here: a run that passes never reads (masks) it.
            self._retrying(event, f"got {event.response.status}" if event.will_retry else "")
        elif isinstance(event, StreamEventReceived) and self.verbose:
            self._dump_line(_event_line(event, self._style, self.body_limit, self.ellipsis))
        elif isinstance(event, AttemptFailed):
            self._retrying(event, f"failed: {event.error}")
        elif isinstance(event, RequestFinished):
            self._in_request = False
            passed = event.result.passed  # a walk over the checks: once a request
            self.first_events.add(event.result)
            if self._progress is not None:
                self._progress.finish(failed=not passed)
            self._request_finished(event, passed)
            self._pending = []
        elif isinstance(event, RunFinished):
            self._in_request = False
            if self._progress is not None:
                self._progress.hide()
                self._progress = None
            self._summary(event.result)

    def _retrying(self, event: ResponseReceived | AttemptFailed, what: str) -> None:
        self._last_wait = event.wait_seconds if event.will_retry else None
        if not event.will_retry:
            return
        retry = self._style(
            f"    {self.retry_mark} attempt {event.attempt} {what}; "
            f"retrying in {event.wait_seconds:.1f}s",
            dim=True,
        )
        if self.verbose:
            self._dump_line(retry)
        else:
            self._line(retry)

    def _line(self, text: str = "") -> None:
        progress = self._progress
        if progress is not None:
            progress.hide()  # never mix the progress text into a log line
        self.out.write(text + "\n")
        if progress is not None and self._in_request:
            progress.show()  # flushes
        else:
            self.out.flush()

    def _dump_line(self, text: str) -> None:
        """A verbose line: written now, or under quiet kept until the request is known failed."""
        if self.quiet:
            self._pending.append(text)
        else:
            self._line(text)

    def _style(self, text: str, **styles: Any) -> str:
        return click.style(text, **styles) if self.color else text

    def _mark(self, kind: str) -> str:
        return self._marks[kind]

    # Events ----------------------------------------------------------------------------

    def _run_started(self, event: RunStarted) -> None:
        if self.quiet:
            return
        parts = [f"{event.total_requests} request{'s' if event.total_requests != 1 else ''}"]
        if event.environment:
            parts.append(f"env {event.environment}")
        if event.mock:
            parts.append("mock: answers come from examples, nothing is sent")
        self._line(
            self._style("postrun", bold=True) + f" {self.dot} " + f" {self.dot} ".join(parts)
        )

    def _request_started(self, event: RequestStarted) -> None:
        heading = _heading(event.collection, event.iteration, self.dot)
        if self.verbose and not self.quiet and heading == self._collection:
            self._line()  # keeps one request's dump apart from the one before
        self._collection_heading(heading)
        self._pending = []
        self._last_wait = None
        self._in_request = True
        if self._progress is not None:
            label = event.path if event.iteration is None else f"{event.path} #{event.iteration}"
            self._progress.start(label)

    def _request_dump(self, request: SentRequest, attempt: int) -> None:
        if attempt > 1:
            waited = "" if self._last_wait is None else f", waited {self._last_wait:.1f} s"
            self._dump_line(self._style(f"    {self.dot} attempt {attempt}{waited}", dim=True))
        mark = self._style(">", fg="cyan", bold=True)
        lines = [self._style(f"{request.method} {_printable(request.url)}", bold=True)]
        lines += [f"{name}: {_printable(value)}" for name, value in request.headers]
        if request.body:
            # The one definition of text/binary/JSON lives on ResponseData; reuse it.
            message = ResponseData(0, "", request.headers, request.body, 0.0, request.url)
            lines += ["", *body_lines(message, self.body_limit, self.ellipsis)]
        for text in lines:
            self._dump_line(f"    {mark} {text}".rstrip())

    def _response_dump(self, response: ResponseData) -> None:
        mark = self._style("<", fg="magenta", bold=True)
        for text in _response_lines(response, self._style, self.body_limit, self.ellipsis):
            self._dump_line(f"    {mark} {text}".rstrip())

    def _collection_heading(self, collection: str) -> None:
        # Under quiet the heading waits for the collection's first failure (heading_forced).
        if self.quiet or collection == self._collection:
            return
        self._collection = collection
        self._line()
        self._line(self._style(collection, bold=True, underline=True))

    def _request_finished(self, event: RequestFinished, passed: bool) -> None:
        result = event.result
        if result.skipped is not None:
            if not self.quiet:
                reason = "" if result.skipped == "skipped" else f": {result.skipped}"
                self._line(f"  {self._mark('skip')} {result.name}  skipped{reason}")
            return
        if passed and self.quiet:
            return
        if self.quiet:
            self._collection_heading_forced(_heading(result.collection, result.iteration, self.dot))
            for text in self._pending:
                self._line(text)
        self._line(_result_line(self, event, passed))
        if passed:
            return
        if result.error is not None:
            self._detail(self._style(_printable(result.error), fg="red"))
        response = event.response  # read (masked) for a failed request only
        api_error = api_error_message(response) if response is not None else None
        cascade = _cascade(result.failed_checks, response) if api_error is not None else []
        lines: list[str] = []
        for check in result.failed_checks:
            if check not in cascade:
                lines += _failed_check_lines(check, self._style, self._mark("fail"), self.ellipsis)
        if cascade:
            lines += _collapsed_lines(cascade, self._style, self._mark("fail"), self.ellipsis)
        for line in lines:
            self._detail(line)
        for capture in result.captures:
            if not capture.found:
                where = f"  ({capture.location})" if capture.location else ""
                self._detail(f"{self._mark('fail')} {_printable(capture.message or '')}{where}")
        if response is not None:
            self._response_excerpt(response)

    def _collection_heading_forced(self, collection: str) -> None:
        if collection != self._collection:
            self._collection = collection
            self._line(self._style(collection, bold=True, underline=True))

    def _response_excerpt(self, response: ResponseData) -> None:
        for text in _excerpt_lines(response, self.verbose, self._style, self.ellipsis):
            self._detail(text)

    def _detail(self, text: str) -> None:
        self._line(f"      {text}")

    def _summary(self, run: RunResult) -> None:
        parts = _summary_parts(run, self._style)
        self._line()
        if run.interrupted:
            self._line(self._style("interrupted: the results so far", fg="yellow", bold=True))
        verdict = self._mark("pass" if run.passed else "fail")
        self._line(f"{verdict} " + ", ".join(parts[:2]) + ": " + ", ".join(parts[2:]))
        figures = self.first_events.text()
        if figures is not None:
            self._line(self._style(f"  {figures}", dim=True))


def _failed_check_lines(
    check: CheckResult, style: Callable[..., str], mark: str, ellipsis: str
) -> list[str]:
    """A failed check: what was expected and found, and where it is written."""
    message = check.message or f"expected {check.expected}, got {show_value(check.actual)}"
    if check.actual_missing and check.expected and check.expected not in message:
        message += f" (expected {check.expected})"
    text = _printable(f"{check.description}: {cut(message, MESSAGE_CHARS, ellipsis)}")
    lines = [f"{mark} {text}"]
    if check.location is not None:
        lines.append(style(f"  at {check.location}", dim=True))
    return lines


def _collapsed_lines(
    checks: Sequence[CheckResult], style: Callable[..., str], mark: str, ellipsis: str
) -> list[str]:
    """Checks an API error body cannot hold, as one line: the error says why."""
    names = ", ".join(
        check.target or "$" if check.kind == "jsonpath" else check.kind for check in checks
    )
    kind = "JSONPath checks" if all(check.kind == "jsonpath" for check in checks) else "checks"
    text = _printable(
        f"{len(checks)} {kind} failed: the body is an API error, "
        f"not the response they expect ({cut(names, MESSAGE_CHARS, ellipsis)})"
    )
    first = min(checks, key=_place).location
    where = f"  at {first} and below; the reports list each check"
    return [f"{mark} {text}", style(where, dim=True)]


def _place(check: CheckResult) -> tuple[int, int]:
    """Where a check is written, to name the first of several (unknown places last)."""
    where = check.location
    return (where.line, where.column) if where is not None else (1 << 62, 0)


def _cascade(checks: Sequence[CheckResult], response: ResponseData | None) -> list[CheckResult]:
    """The failed checks an API error body cannot hold, when there are at least two: JSONPath
    checks that found nothing, and stream checks on an answer that is no event stream."""
    no_stream = response is not None and not isinstance(response, StreamData)
    missing = [
        check
        for check in checks
        if check.actual_missing
        and (check.kind == "jsonpath" or (no_stream and check.kind in _STREAM_CHECKS))
    ]
    return missing if len(missing) >= CASCADE_MIN_CHECKS else []


def _response_lines(
    response: ResponseData, style: Callable[..., str], body_limit: int, ellipsis: str
) -> list[str]:
    """A response as verbose lines: status and time, headers, then the body."""
    colour = "green" if response.status < 400 else "red"
    status = f"{response.status} {response.reason}".rstrip()
    timing = style(f"  ({response.elapsed_ms:.0f} ms)", dim=True)
    lines = [style(status, fg=colour, bold=True) + timing]
    lines += [f"{name}: {_printable(value)}" for name, value in response.headers]
    if isinstance(response, StreamData):
        count = len(response.events)
        lines += ["", f"({count} event{'s' if count != 1 else ''}, each shown above as it came)"]
    elif response.body:
        lines += ["", *body_lines(response, body_limit, ellipsis)]
    return lines


def _event_line(
    received: StreamEventReceived, style: Callable[..., str], limit: int, ellipsis: str
) -> str:
    """One event of a stream as it arrives: its number, time, type and id if set, data."""
    event = received.event
    head = style(f"event {received.number}  +{received.elapsed_ms:.0f} ms", dim=True)
    fields = [] if event.event == "message" else [f"event: {event.event}"]
    fields += [] if event.id is None else [f"id: {event.id}"]
    fields.append(f"data: {cut(event.data.replace(chr(10), chr(92) + 'n'), limit, ellipsis)}")
    text = _printable("  ".join(fields))  # escaped before styling, which adds escape codes
    return f"    {style('<', fg='magenta', bold=True)} {head}  {text}"


def _excerpt_lines(
    response: ResponseData, verbose: bool, style: Callable[..., str], ellipsis: str
) -> list[str]:
    """What a failed request shows of its response: its size if binary, an API error's
    message, else the start of its text (nothing more under verbose: it was dumped)."""
    if response.is_binary:
        if verbose:  # the dump above said it already
            return []
        kind = response.content_type or "unknown type"
        return [style(f"response: <{len(response.body)} bytes of {kind}>", dim=True)]
    api_error = api_error_message(response)
    if api_error is not None:
        return [style("API error: ", fg="red", bold=True) + _printable(api_error)]
    if verbose:
        return []  # the whole body was just dumped above
    text = " ".join(response.text.split())
    if not text:
        return []
    excerpt = _printable(cut(text, EXCERPT_CHARS, ellipsis))
    return [style(f"response: {excerpt}", dim=True)]


def _summary_parts(run: RunResult, style: Callable[..., str]) -> list[str]:
    """The closing summary's parts: requests, checks, then passed, failed, skipped, time."""
    counts = run.counts
    total, failed_requests, skipped = counts.requests, counts.failed, counts.skipped
    checks, failed_checks = counts.checks, counts.failed_checks
    parts = [
        f"{total} request{'s' if total != 1 else ''}",
        f"{checks} check{'s' if checks != 1 else ''}",
        style(f"{checks - failed_checks} passed", fg="green"),
        style(f"{failed_checks} failed", fg="red" if failed_checks else None),
    ]
    if skipped:
        parts.append(f"{skipped} skipped")
    if failed_requests:
        parts.append(style(f"{failed_requests} request(s) failed", fg="red", bold=True))
    parts.append(f"{run.elapsed_ms / 1000:.2f} s")
    return parts


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


def body_lines(
    message: ResponseData, limit: int = VERBOSE_BODY_BYTES, ellipsis: str = "…"
) -> list[str]:
    """A body as lines to show: JSON pretty-printed, binary as ``<N bytes of TYPE>``, text cut.

    Binary bodies are never decoded. Text longer than ``limit`` bytes is cut, ending with a
    ``… N more bytes cut`` line.
    """
    body = message.body
    if not body:
        return []
    kind = message.content_type
    if message.is_binary:
        return [f"<{len(body)} bytes of {kind or 'unknown type'}>"]
    data, encoding = body, message.encoding or "utf-8"
    is_json = kind == "application/json" or kind.endswith("+json")
    if is_json and len(body) <= PRETTY_JSON_MAX_BYTES:
        parsed = message.json
        if parsed.ok:
            pretty = json.dumps(parsed.value, indent=2, ensure_ascii=False)
            data, encoding = pretty.encode("utf-8"), "utf-8"
    text = data[:limit].decode(encoding, errors="replace")
    lines = [_printable(line) for line in text.splitlines()]
    if len(data) > limit:
        if lines:
            lines[-1] = lines[-1].rstrip("\ufffd")  # half a character at the cut
        lines.append(f"{ellipsis} {len(data) - limit} more bytes cut")
    return lines


def _result_line(console: ConsoleReporter, event: RequestFinished, passed: bool) -> str:
    """A finished request's line: mark, name, method and URL sent, status, time, attempts."""
    style, result, sent = console._style, event.result, event.request
    status = ""
    if result.status is not None:
        reason = f" {event.reason}" if event.reason else ""
        colour = "green" if result.status < 400 else "red"
        status = "  " + style(f"{result.status}{reason}", fg=colour)
    timing = style(f"  {result.elapsed_ms:.0f} ms", dim=True) if result.status else ""
    attempts = f"  ({result.attempts} attempts)" if result.attempts > 1 else ""
    streamed = stream_text(result)
    stream = style(f"  {streamed}", dim=True) if streamed else ""
    name = style(result.name, bold=not passed)
    # What went on the wire, query string (``params``) included, when something was sent.
    shown_url = sent.url if sent is not None else result.url
    url = style(f"{result.method} {_printable(shown_url)}", dim=True)
    mark = console._mark("pass" if passed else "fail")
    return f"  {mark} {name}  {url}{status}{timing}{stream}{attempts}"


def _styled_mark(console: ConsoleReporter, kind: str) -> str:
    """A result's mark (pass, fail, skip) as ``console`` writes it: its charset, its colour."""
    fancy, plain, colour = _MARKS[kind]
    return console._style(fancy if console.unicode else plain, fg=colour, bold=True)


def _heading(collection: str, iteration: int | None, dot: str) -> str:
    """A collection's heading; data-driven runs name the iteration (one heading per iteration)."""
    return collection if iteration is None else f"{collection} {dot} iteration {iteration}"
