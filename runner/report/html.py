"""The HTML reporter: one self-contained page (inline CSS, no script, no network) per run.

Everything it shows comes from events, which the engine has already masked; every piece of
text from a collection, a request or a response is escaped before it reaches the page, and
the page declares a Content-Security-Policy that forbids scripts, so even a mistake here
could not run a response's ``<script>``. The failures filter and the expandable requests are
plain HTML and CSS (radio buttons, ``:checked ~`` selectors, ``<details>``), so the report
works where JavaScript is disabled, as under Jenkins' default CSP.

This module collects the events and assembles the page; ``html_sections`` renders the
results, ``html_body`` the bodies, ``html_page`` holds the fixed text and the stylesheet.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from runner.events import (
    AttemptFailed,
    Note,
    RequestFinished,
    RequestStarted,
    ResponseReceived,
    RunFinished,
    RunStarted,
)
from runner.report.html_body import Body, excerpt
from runner.report.html_page import filter_controls, page_end, page_head
from runner.report.html_sections import Entry, Retry, failure_index, sections
from runner.report.html_text import CROSS, DASH, TICK, date_text, duration_text, esc
from runner.report.streams import FirstEventTimes
from runner.results import ResponseData, SentRequest

BODY_LIMIT = 64 * 1024
"""Bytes of each request and response body kept for the page; the rest is counted, not kept."""
TOTAL_BODY_LIMIT = 32 * 1024 * 1024
"""Bytes of bodies kept for the whole run, so a run of thousands of requests stays bounded."""


class HtmlReporter:
    """Collects finished requests and renders them as one self-contained HTML page."""

    def __init__(
        self,
        *,
        body_limit: int = BODY_LIMIT,
        total_body_limit: int = TOTAL_BODY_LIMIT,
        version: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if version is None:
            from runner import __version__

            version = __version__
        self.body_limit = max(0, body_limit)
        self.total_body_limit = max(0, total_body_limit)
        self._body_bytes = 0
        self.version = version
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._started_at: datetime | None = None
        self._collections: tuple[str, ...] = ()
        self._environment: str | None = None
        self._mock = False
        self._notes: list[str] = []
        self._entries: list[Entry] = []
        self._retries: list[Retry] = []
        self._elapsed_ms: float | None = None
        self._interrupted = False

    def __call__(self, event: Any) -> None:
        if isinstance(event, RunStarted):
            self._started_at = self._clock()
            self._collections = event.collections
            self._environment = event.environment
            self._mock = event.mock
        elif isinstance(event, Note):
            self._notes.append(event.text)
        elif isinstance(event, RequestStarted):
            self._retries = []
        elif isinstance(event, ResponseReceived) and event.will_retry:
            response = event.response
            outcome = f"{response.status} {response.reason}".rstrip()
            self._retries.append(Retry(event.attempt, outcome, event.wait_seconds))
        elif isinstance(event, AttemptFailed) and event.will_retry:
            # A refused connection is retried too; without this the page said "2 attempts"
            # and listed none of them.
            self._retries.append(Retry(event.attempt, event.error, event.wait_seconds))
        elif isinstance(event, RequestFinished):
            self._entries.append(self._entry(event))
            self._retries = []
        elif isinstance(event, RunFinished):
            self._elapsed_ms = event.result.elapsed_ms
            self._interrupted = event.result.interrupted

    def _entry(self, event: RequestFinished) -> Entry:
        """Keep only bounded excerpts of the bodies, so a long run does not grow without end."""
        sent, response = event.request, event.response
        request_body = None
        if sent is not None and sent.body is not None:
            request_body = self._keep(sent.body, sent.headers, None)
            sent = SentRequest(sent.method, sent.url, sent.headers, None)
        response_body = None
        if response is not None:
            response_body = self._keep(response.body, response.headers, response.encoding)
            response = ResponseData(
                response.status,
                response.reason,
                response.headers,
                b"",
                response.elapsed_ms,
                response.url,
                encoding=response.encoding,
                attempts=response.attempts,
            )
        return Entry(
            event.result,
            sent,
            request_body,
            response,
            response_body,
            tuple(self._retries),
            event.index,
        )

    def _keep(
        self, data: bytes, headers: tuple[tuple[str, str], ...], encoding: str | None
    ) -> Body:
        """Excerpt a body within both the per-body and the whole-run limits."""
        remaining = self.total_body_limit - self._body_bytes
        body = excerpt(data, headers, encoding, min(self.body_limit, remaining))
        self._body_bytes += len(body.head)
        if body.size and not body.binary and not body.head and self.body_limit:
            note = (
                f"Not kept: {body.size:,} bytes. This report already holds "
                f"{self.total_body_limit:,} bytes of bodies, its limit for one run."
            )
            return dataclasses.replace(body, note=note)
        return body

    def render(self) -> str:
        """Return the whole HTML page for every request finished so far."""
        started = self._started_at or self._clock()
        entries = sorted(self._entries, key=lambda entry: entry.index)  # --jobs: plan order
        results = [entry.result for entry in entries]
        skipped = sum(1 for result in results if result.skipped is not None)
        passed = sum(1 for result in results if result.passed and result.skipped is None)
        failed = len(results) - passed - skipped
        checks = [check for result in results for check in result.checks]
        checks_failed = sum(1 for check in checks if not check.passed)
        elapsed = self._elapsed_ms
        if elapsed is None:
            elapsed = sum(result.elapsed_ms for result in results)
        ok = failed == 0 and not self._interrupted
        verdict = f"{TICK} Passed" if ok else f"{CROSS} Failed"
        if self._interrupted:
            verdict = f"{CROSS} Interrupted"
        names = ", ".join(self._collections) or ", ".join(
            dict.fromkeys(result.collection for result in results)
        )
        title = f"postrun report: {names or 'no collection'} ({verdict[2:].lower()})"
        parts = [
            *page_head(self.version, title),
            "<body>",
            '<header class="top">',
            f'<h1>postrun report <span class="verdict {"ok" if ok else "bad"}">'
            f"{esc(verdict)}</span></h1>",
        ]
        if self._interrupted:
            parts.append(
                '<p class="banner bad">The run was interrupted: only the requests that '
                "finished are shown.</p>"
            )
        parts.append(
            self._summary(
                started, elapsed, names, passed, failed, skipped, len(checks), checks_failed
            )
        )
        if self._notes:
            parts.append('<ul class="notes" aria-label="Notes">')
            parts += [f"<li>Note: {esc(note)}</li>" for note in self._notes]
            parts.append("</ul>")
        parts.append(failure_index(entries))
        parts.append("</header>")
        parts += filter_controls(len(results), failed)
        if not results:
            parts.append('<p class="muted">No request finished.</p>')
        if failed == 0:
            parts.append('<p class="no-failures">No request failed.</p>')
        parts += sections(entries)
        parts += page_end(self.version)
        page = "\n".join(parts)
        # A lone surrogate from an odd JSON string must not make writing the file fail.
        return page.encode("utf-8", errors="replace").decode("utf-8")

    def _first_event_stat(self) -> list[tuple[str, str, str, str]]:
        """The time to first event of the run's streams, when it had any."""
        times = FirstEventTimes()
        for entry in self._entries:
            times.add(entry.result)
        figures = times.figures()
        if figures is None:
            return []
        text = (
            f"median {duration_text(figures['median'])}, p95 {duration_text(figures['p95'])}, "
            f"max {duration_text(figures['max'])}"
        )
        return [("Time to first event", "first-event", text, "")]

    def _summary(
        self,
        started: datetime,
        elapsed_ms: float,
        names: str,
        passed: int,
        failed: int,
        skipped: int,
        checks: int,
        checks_failed: int,
    ) -> str:
        """The summary bar: counts, time, environment and date."""
        fail_class = " bad" if failed else ""
        check_class = " bad" if checks_failed else ""
        environment = self._environment or "(none)"
        if self._mock:
            environment += " (mock)"
        stats = [
            ("Requests", "requests-total", str(passed + failed + skipped), ""),
            (f"{TICK} Passed", "requests-passed", str(passed), " ok" if passed else ""),
            (f"{CROSS} Failed", "requests-failed", str(failed), fail_class),
            (f"{DASH} Skipped", "requests-skipped", str(skipped), ""),
            (f"{TICK} Checks passed", "checks-passed", str(checks - checks_failed), ""),
            (f"{CROSS} Checks failed", "checks-failed", str(checks_failed), check_class),
            ("Total time", "total-time", duration_text(elapsed_ms), ""),
            *self._first_event_stat(),
            ("Environment", "environment", environment, ""),
            ("Started", "started", date_text(started), ""),
            ("Collections", "collections", names or "(none)", ""),
        ]
        rows = [
            f'<div class="stat{extra}"><dt>{esc(label)}</dt><dd id="{key}">{esc(value)}</dd></div>'
            for label, key, value, extra in stats
        ]
        return '<dl class="summary" aria-label="Summary">' + "".join(rows) + "</dl>"
