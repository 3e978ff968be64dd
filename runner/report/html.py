"""The HTML reporter: one self-contained page (inline CSS, no script, no network) per run.

Everything it shows comes from events, which the engine has already masked; every piece of
text from a collection, a request or a response is escaped before it reaches the page, and
the page declares a Content-Security-Policy that forbids scripts, so even a mistake here
could not run a response's ``<script>``. The failures filter and the expandable requests are
plain HTML and CSS (radio buttons, ``:checked ~`` selectors, ``<details>``), so the report
works where JavaScript is disabled, as under Jenkins' default CSP.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
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
from runner.results import CheckResult, RequestResult, ResponseData, SentRequest
from runner.source import SourceLocation

BODY_LIMIT = 64 * 1024
"""Bytes of each request and response body kept for the page; the rest is counted, not kept."""
TOTAL_BODY_LIMIT = 32 * 1024 * 1024
"""Bytes of bodies kept for the whole run, so a run of thousands of requests stays bounded."""
VALUE_LIMIT = 4096
"""Characters of a check's actual value or a capture's value shown before cutting."""

TICK = "✓"
CROSS = "✗"
DASH = "–"

# One JSON token at a time: a string literal (escapes included), a punctuation mark, or a run
# of anything else (numbers, true, false, null). Whitespace between tokens is dropped. The
# second alternative is a string the cut ended inside: kept whole, or its spaces would be lost.
_JSON_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|"(?:[^"\\]|\\.)*\\?\Z|[{}\[\],:]|[^\s{}\[\],:"]+', re.DOTALL
)


@dataclass(frozen=True, slots=True)
class _Body:
    """A bounded excerpt of a body: the first ``head`` bytes and how big the whole was."""

    size: int
    head: bytes
    content_type: str
    binary: bool
    encoding: str | None
    note: str | None = None  # why nothing of the body was kept, when it was not


@dataclass(frozen=True, slots=True)
class _Retry:
    """One attempt that was not final: what came back (or what failed) and how long we waited."""

    attempt: int
    outcome: str  # "503 Service Unavailable", or the transport error, already masked
    wait_seconds: float


@dataclass(frozen=True, slots=True)
class _Entry:
    """What one request needs on the page, with no whole body kept."""

    result: RequestResult
    sent: SentRequest | None
    request_body: _Body | None
    response: ResponseData | None
    response_body: _Body | None
    retries: tuple[_Retry, ...]
    index: int = 0  # plan position: the page lists requests in plan order


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
        self._entries: list[_Entry] = []
        self._retries: list[_Retry] = []
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
            self._retries.append(_Retry(event.attempt, outcome, event.wait_seconds))
        elif isinstance(event, AttemptFailed) and event.will_retry:
            # A refused connection is retried too; without this the page said "2 attempts"
            # and listed none of them.
            self._retries.append(_Retry(event.attempt, event.error, event.wait_seconds))
        elif isinstance(event, RequestFinished):
            self._entries.append(self._entry(event))
            self._retries = []
        elif isinstance(event, RunFinished):
            self._elapsed_ms = event.result.elapsed_ms
            self._interrupted = event.result.interrupted

    def _entry(self, event: RequestFinished) -> _Entry:
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
        return _Entry(
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
    ) -> _Body:
        """Excerpt a body within both the per-body and the whole-run limits."""
        remaining = self.total_body_limit - self._body_bytes
        body = _excerpt(data, headers, encoding, min(self.body_limit, remaining))
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
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            # No script, no network: only the inline stylesheet may apply.
            '<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="color-scheme" content="light dark">',
            '<meta name="generator" content="postrun ' + _e(self.version) + '">',
            f"<title>{_e(title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            '<header class="top">',
            f'<h1>postrun report <span class="verdict {"ok" if ok else "bad"}">'
            f"{_e(verdict)}</span></h1>",
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
            parts += [f"<li>Note: {_e(note)}</li>" for note in self._notes]
            parts.append("</ul>")
        parts.append(_failure_index(entries))
        parts.append("</header>")
        # The radios must be siblings placed before <main> for the `:checked ~ main` rules.
        parts += [
            '<input type="radio" name="show" id="show-all" class="filter" checked>',
            f'<label for="show-all" class="filter-label">All requests ({len(results)})</label>',
            '<input type="radio" name="show" id="show-failed" class="filter">',
            f'<label for="show-failed" class="filter-label">Only failures ({failed})</label>',
            "<main>",
        ]
        if not results:
            parts.append('<p class="muted">No request finished.</p>')
        if failed == 0:
            parts.append('<p class="no-failures">No request failed.</p>')
        parts += _sections(entries)
        parts += [
            "</main>",
            f'<footer><p class="muted">Generated by postrun {_e(self.version)}.</p></footer>',
            "</body>",
            "</html>",
            "",
        ]
        page = "\n".join(parts)
        # A lone surrogate from an odd JSON string must not make writing the file fail.
        return page.encode("utf-8", errors="replace").decode("utf-8")

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
            ("Total time", "total-time", _duration(elapsed_ms), ""),
            ("Environment", "environment", environment, ""),
            ("Started", "started", _date(started), ""),
            ("Collections", "collections", names or "(none)", ""),
        ]
        rows = [
            f'<div class="stat{extra}"><dt>{_e(label)}</dt><dd id="{key}">{_e(value)}</dd></div>'
            for label, key, value, extra in stats
        ]
        return '<dl class="summary" aria-label="Summary">' + "".join(rows) + "</dl>"


# Pieces of the page ----------------------------------------------------------------------


def _failure_index(entries: list[_Entry]) -> str:
    """Links to each failed request, so a long report gets to the point at once."""
    links = [
        f'<li><a href="#r{number}">{_e(entry.result.collection)} / {_e(entry.result.path)}'
        f"{_iteration_text(entry.result)}</a></li>"
        for number, entry in enumerate(entries, start=1)
        if _state(entry.result) == "failed"
    ]
    if not links:
        return ""
    return (
        '<nav class="failures" aria-labelledby="failures-heading">'
        '<h2 id="failures-heading">Failed requests</h2><ol>' + "".join(links) + "</ol></nav>"
    )


def _sections(entries: list[_Entry]) -> list[str]:
    """One section per collection, in the order they ran, each request inside it."""
    groups: dict[str, list[tuple[int, _Entry]]] = {}
    for number, entry in enumerate(entries, start=1):
        groups.setdefault(entry.result.collection, []).append((number, entry))
    parts: list[str] = []
    for index, (collection, members) in enumerate(groups.items(), start=1):
        failed = sum(1 for _, entry in members if _state(entry.result) == "failed")
        state = "has-failures" if failed else "all-passed"
        counts = f"{len(members)} request{'s' if len(members) != 1 else ''}"
        if failed:
            counts += f", {failed} failed"
        parts.append(f'<section class="collection {state}" aria-labelledby="c{index}">')
        parts.append(
            f'<h2 id="c{index}">{_e(collection)} <span class="muted">({counts})</span></h2>'
        )
        parts += [_request(number, entry) for number, entry in members]
        parts.append("</section>")
    return parts


def _state(result: RequestResult) -> str:
    if result.skipped is not None:
        return "skipped"
    return "passed" if result.passed else "failed"


def _iteration_text(result: RequestResult) -> str:
    return f" (iteration {result.iteration})" if result.iteration is not None else ""


def _request(number: int, entry: _Entry) -> str:
    """One request as a ``<details>``: open when it failed, closed otherwise."""
    result = entry.result
    state = _state(result)
    mark = {"passed": TICK, "failed": CROSS, "skipped": DASH}[state]
    word = {"passed": "passed", "failed": "failed", "skipped": "skipped"}[state]
    method = entry.sent.method if entry.sent is not None else result.method
    badges: list[str] = []
    if result.iteration is not None:
        badges.append(f"iteration {result.iteration}")
    if result.status is not None:
        badges.append(str(result.status))
    elif result.error is not None:
        badges.append("no response")
    if result.status is not None:
        badges.append(_duration(result.elapsed_ms))
    if result.attempts > 1:
        badges.append(f"{result.attempts} attempts")
    if result.checks:
        passed_checks = len(result.checks) - len(result.failed_checks)
        badges.append(f"{passed_checks}/{len(result.checks)} checks")
    badge_html = "".join(f'<span class="badge">{_e(badge)}</span>' for badge in badges)
    opened = " open" if state == "failed" else ""
    parts = [
        f'<details class="request {state}" id="r{number}"{opened}>',
        # A heading inside <summary> is allowed and keeps the outline h1 > h2 > h3 > h4.
        "<summary><h3>"
        f'<span class="mark {state}" aria-hidden="true">{mark}</span>'
        f'<span class="visually-hidden">{word}: </span>'
        f'<span class="method">{_e(method)}</span> '
        f'<span class="name">{_e(result.path)}</span></h3>{badge_html}'
        "</summary>",
        '<div class="body-of-request">',
    ]
    where = f" · {_e(_where(result.location))}" if result.location is not None else ""
    parts.append(
        f'<p class="meta"><span class="outcome {state}">{mark} {word}</span>'
        f"{_e(_iteration_text(result))}{where}</p>"
    )
    if result.skipped is not None:
        parts.append(f'<p class="skip">{DASH} Skipped: {_e(result.skipped)}</p>')
    if result.error is not None:
        parts.append(f'<p class="error"><strong>{CROSS} Error:</strong> {_e(result.error)}</p>')
    if entry.retries or result.attempts > 1:
        parts.append(_retries(result.attempts, entry.retries))
    if result.checks:
        parts.append(_checks(result.checks))
    if result.captures:
        parts.append(_captures(result))
    if result.skipped is None:
        parts.append(_request_part(result, entry))
        parts.append(_response_part(entry))
    parts.append("</div>")
    parts.append("</details>")
    return "\n".join(parts)


def _retries(attempts: int, retries: tuple[_Retry, ...]) -> str:
    lines = [
        f"<li>attempt {retry.attempt}: {_e(retry.outcome)}, "
        f"retried after {retry.wait_seconds:.2f} s</li>"
        for retry in retries
    ]
    listing = f"<ol>{''.join(lines)}</ol>" if lines else ""
    return f'<div class="retries"><h4>Retries</h4><p>{attempts} attempts in all.</p>{listing}</div>'


def _checks(checks: tuple[CheckResult, ...]) -> str:
    rows = []
    for check in checks:
        state = "passed" if check.passed else "failed"
        mark = f"{TICK} pass" if check.passed else f"{CROSS} fail"
        actual = "(missing)" if check.actual_missing else _value(check.actual)
        message = f'<div class="message">{_e(check.message)}</div>' if check.message else ""
        # data-label names each cell where a narrow screen stacks the row (see _CSS).
        rows.append(
            f'<tr class="check {state}"><td class="outcome {state}">{mark}</td>'
            f'<td data-label="Check">{_e(check.description)}{message}</td>'
            f'<td class="expected" data-label="Expected">'
            f'<code class="value">{_e(check.expected)}</code></td>'
            f'<td class="actual" data-label="Actual"><code class="value">{_e(actual)}</code></td>'
            f'<td data-label="Where">{_location(check.location)}</td></tr>'
        )
    return (
        '<div class="checks"><h4>Checks</h4><table>'
        '<colgroup><col class="col-result"><col><col class="col-value"><col class="col-value">'
        '<col class="col-where"></colgroup>'
        '<thead><tr><th scope="col">Result</th><th scope="col">Check</th>'
        '<th scope="col">Expected</th><th scope="col">Actual</th>'
        '<th scope="col">Where</th></tr></thead>'
        "<tbody>" + "".join(rows) + "</tbody></table></div>"
    )


def _captures(result: RequestResult) -> str:
    rows = []
    for capture in result.captures:
        if capture.found:
            cells = f'<td class="outcome passed">{TICK} found</td>'
            value = _e(_value(capture.value))
            cells += f'<td data-label="Value"><code class="value">{value}</code></td>'
        else:
            message = capture.message or "found nothing"
            cells = f'<td class="outcome failed">{CROSS} not found</td>'
            cells += f'<td data-label="Value">{_e(message)}</td>'
        state = "found" if capture.found else "missing"
        rows.append(
            f'<tr class="capture {state}"><td><code>{_e(capture.name)}</code></td>{cells}'
            f'<td data-label="Where">{_location(capture.location)}</td></tr>'
        )
    return (
        '<div class="captures"><h4>Captures</h4><table>'
        '<colgroup><col class="col-name"><col class="col-result"><col>'
        '<col class="col-where"></colgroup>'
        '<thead><tr><th scope="col">Variable</th><th scope="col">Result</th>'
        '<th scope="col">Value</th><th scope="col">Where</th></tr></thead>'
        "<tbody>" + "".join(rows) + "</tbody></table></div>"
    )


def _request_part(result: RequestResult, entry: _Entry) -> str:
    sent = entry.sent
    method = sent.method if sent is not None else result.method
    url = sent.url if sent is not None else result.url
    parts = [
        '<div class="exchange"><h4>Request</h4>',
        f'<p class="line"><code>{_e(method)} {_e(url)}</code></p>',
    ]
    if sent is None:
        parts.append('<p class="muted">Nothing was sent.</p>')
    else:
        parts.append(_headers(sent.headers))
        parts.append(_body(entry.request_body))
    parts.append("</div>")
    return "".join(parts)


def _response_part(entry: _Entry) -> str:
    response = entry.response
    parts = ['<div class="exchange"><h4>Response</h4>']
    if response is None:
        parts.append('<p class="muted">No response.</p>')
    else:
        size = entry.response_body.size if entry.response_body is not None else 0
        parts.append(
            f'<p class="line"><code>{response.status} {_e(response.reason)}</code>'
            f' <span class="muted">{_duration(response.elapsed_ms)}, {size:,} bytes</span></p>'
        )
        parts.append(_headers(response.headers))
        parts.append(_body(entry.response_body))
    parts.append("</div>")
    return "".join(parts)


def _headers(headers: Iterable[tuple[str, str]]) -> str:
    rows = "".join(
        f'<tr><th scope="row">{_e(name)}</th><td>{_e(value)}</td></tr>' for name, value in headers
    )
    if not rows:
        return '<p class="muted">No headers.</p>'
    return f'<table class="headers"><caption>Headers</caption><tbody>{rows}</tbody></table>'


def _body(body: _Body | None) -> str:
    """The body as text: JSON re-indented, binary as a size, long ones cut with a note."""
    if body is None or body.size == 0:
        return '<p class="muted">No body.</p>'
    if body.binary:
        kind = body.content_type or "unknown type"
        return f'<p class="binary">{_e(f"<{body.size} bytes of {kind}>")}</p>'
    if body.note is not None:
        return f'<p class="cut">{_e(body.note)}</p>'
    cut = body.size - len(body.head)
    # An incremental decoder drops a character split by the cut instead of showing garbage.
    decoder = codecs.getincrementaldecoder(_codec(body.encoding))(errors="replace")
    text = decoder.decode(body.head, final=not cut)
    # A cut JSON body cannot be parsed, but a long list is exactly what needs indenting to
    # be read, so its first part is re-indented when the server says it is JSON.
    text = _pretty_json(text, body.content_type, cut=bool(cut))
    out = f'<pre class="payload"><code>{_e(text)}</code></pre>'
    if cut:
        out += (
            f'<p class="cut">Cut: showing the first {len(body.head):,} of {body.size:,} bytes '
            f"({cut:,} bytes not shown).</p>"
        )
    return out


def _excerpt(
    data: bytes, headers: tuple[tuple[str, str], ...], encoding: str | None, limit: int
) -> _Body:
    # ResponseData holds the one rule for "binary", so requests and responses agree with the
    # console and JUnit reports; it looks at the first 1024 bytes at most.
    probe = ResponseData(0, "", headers, data[:1024], 0.0, "")
    if probe.is_binary:
        return _Body(len(data), b"", probe.content_type, True, encoding)
    return _Body(len(data), data[: max(0, limit)], probe.content_type, False, encoding)


def _pretty_json(text: str, content_type: str, *, cut: bool = False) -> str:
    """Re-indent JSON without decoding its strings, so masked text stays exactly as it was.

    Decoding and re-encoding could turn ``\\u0073k-...`` into the secret the masker never saw
    in its escaped spelling; copying every string literal verbatim cannot. A ``cut`` text is
    the start of a body: it is re-indented only when the content type says JSON and it starts
    like JSON, since it cannot be parsed to make sure.
    """
    stripped = text.strip()
    if not stripped or not ("json" in content_type or stripped[0] in "{["):
        return text
    if cut:
        if "json" not in content_type or stripped[0] not in "{[":
            return text
    else:
        try:
            json.loads(stripped)
        except ValueError:
            return text
    out: list[str] = []
    depth = 0
    pieces = [match.group() for match in _JSON_TOKEN.finditer(stripped)]
    for index, piece in enumerate(pieces):
        following = pieces[index + 1] if index + 1 < len(pieces) else ""
        if piece in ("{", "[") and following in ("}", "]"):
            out.append(piece)
        elif piece in ("{", "["):
            depth += 1
            out.append(piece + "\n" + "  " * depth)
        elif piece in ("}", "]"):
            previous = pieces[index - 1] if index else ""
            if previous in ("{", "["):
                out.append(piece)
            else:
                depth -= 1
                out.append("\n" + "  " * depth + piece)
        elif piece == ",":
            out.append(",\n" + "  " * depth)
        elif piece == ":":
            out.append(": ")
        else:
            out.append(piece)
    return "".join(out)


def _codec(encoding: str | None) -> str:
    try:
        return codecs.lookup(encoding or "utf-8").name
    except LookupError:
        return "utf-8"


def _value(value: Any) -> str:
    """A check's or capture's value as compact JSON, cut past VALUE_LIMIT characters."""
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=repr)
        except (TypeError, ValueError):
            text = repr(value)
    if len(text) > VALUE_LIMIT:
        text = text[:VALUE_LIMIT] + f" … (cut, {len(text):,} characters in all)"
    return text


def _where(location: SourceLocation) -> str:
    return f"{location.file}:{location.line}"


def _location(location: SourceLocation | None) -> str:
    if location is None:
        return ""
    return f'<code class="where" title="{_e(str(location))}">{_e(_where(location))}</code>'


def _duration(milliseconds: float) -> str:
    if not math.isfinite(milliseconds):
        return "?"
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    return f"{milliseconds / 1000:.2f} s"


def _date(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _e(text: str) -> str:
    return escape(text, quote=True)


_CSS = """
:root{--bg:#fff;--fg:#1b1f24;--muted:#59636e;--line:#d0d7de;--panel:#f6f8fa;
--ok:#1a7f37;--bad:#cf222e;--skip:#8250df;--badbg:#ffebe9;--okbg:#dafbe1}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;
--line:#3d444d;--panel:#151b23;--ok:#3fb950;--bad:#f85149;--skip:#ab7df8;
--badbg:#3c1618;--okbg:#12261e}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:80rem;padding:1rem 1.5rem;background:var(--bg);color:var(--fg);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
overflow-wrap:break-word}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
h1{font-size:1.5rem;margin:.2rem 0 .8rem}
h2{font-size:1.15rem;margin:1.4rem 0 .5rem}
h4{font-size:.95rem;margin:.9rem 0 .3rem}
.muted{color:var(--muted)}
.verdict{font-size:1rem;padding:.15rem .6rem;border-radius:1rem;vertical-align:middle}
.verdict.ok{background:var(--okbg);color:var(--ok)}
.verdict.bad{background:var(--badbg);color:var(--bad)}
.banner{padding:.5rem .8rem;border-radius:.4rem}
.banner.bad{background:var(--badbg);color:var(--bad)}
header.top{margin-bottom:.9rem}
.summary{display:flex;flex-wrap:wrap;gap:.5rem;margin:0 0 1rem;padding:0}
.stat{border:1px solid var(--line);border-radius:.4rem;padding:.35rem .7rem;background:var(--panel);
min-width:0;max-width:100%;overflow-wrap:anywhere}
.stat dt{font-size:.75rem;color:var(--muted)}
.stat dd{margin:0;font-weight:600}
.stat.ok dd{color:var(--ok)}
.stat.bad dd{color:var(--bad)}
.notes{color:var(--muted)}
.failures ol{margin:.2rem 0}
.failures a{color:var(--bad)}
.filter{margin:0 .3rem 0 1rem;accent-color:var(--fg)}
.filter:first-of-type{margin-left:0}
.filter:checked+label{font-weight:600;text-decoration:underline}
.filter:focus-visible+label{outline:2px solid var(--fg);outline-offset:2px}
#show-failed:checked~main .request.passed,#show-failed:checked~main .request.skipped,
#show-failed:checked~main .collection.all-passed{display:none}
.no-failures{display:none}
#show-failed:checked~main .no-failures{display:block;color:var(--ok)}
details.request{border:1px solid var(--line);border-left-width:4px;border-radius:.4rem;
margin:.4rem 0;background:var(--bg)}
details.request.passed{border-left-color:var(--ok)}
details.request.failed{border-left-color:var(--bad)}
details.request.skipped{border-left-color:var(--skip)}
summary{cursor:pointer;padding:.45rem .7rem;list-style-position:inside}
summary h3{display:inline;font-size:1rem;margin:0;font-weight:400}
summary:focus-visible{outline:2px solid var(--fg)}
.mark{display:inline-block;width:1.2em;font-weight:700}
.mark.passed,.outcome.passed{color:var(--ok)}
.mark.failed,.outcome.failed,.error{color:var(--bad)}
.mark.skipped,.outcome.skipped,.skip{color:var(--skip)}
.method{font-family:ui-monospace,monospace;font-weight:600}
.name{font-weight:600}
.badge{display:inline-block;margin-left:.4rem;padding:0 .45rem;border:1px solid var(--line);
border-radius:1rem;font-size:.8rem;color:var(--muted)}
.body-of-request{padding:0 .9rem .8rem;border-top:1px solid var(--line)}
table{border-collapse:collapse;width:100%;margin:.2rem 0}
.checks table,.captures table{table-layout:fixed}
col.col-result{width:10%}
col.col-value{width:20%}
col.col-where{width:20%}
col.col-name{width:20%}
code.value{display:block;max-height:10rem;overflow:auto;white-space:pre-wrap}
th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
thead th,caption{background:var(--panel);font-size:.8rem}
caption{text-align:left;padding:.2rem .5rem;border:1px solid var(--line);border-bottom:0}
table.headers{table-layout:fixed}
table.headers th{width:16rem;font-weight:500}
tr.check.failed td{background:var(--badbg)}
.message{color:var(--muted);font-size:.85rem}
pre.payload{background:var(--panel);border:1px solid var(--line);border-radius:.3rem;
padding:.5rem .7rem;max-height:32rem;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere}
.cut,.binary{color:var(--muted);font-style:italic}
.line{overflow-wrap:anywhere}
.line code{font-weight:600}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);
white-space:nowrap}
footer{margin-top:2rem;font-size:.8rem}
@media (max-width:40rem){body{padding:.6rem .7rem}.body-of-request{padding:0 .5rem .6rem}
table.headers th{width:38%}
.checks table,.checks tbody,.checks tr,.checks td,.captures table,.captures tbody,.captures tr,
.captures td{display:block;width:auto}
.checks thead,.captures thead,.checks colgroup,.captures colgroup{display:none}
.checks tr,.captures tr{border:1px solid var(--line);margin:0 0 .4rem}
.checks td,.captures td{border:0;border-top:1px solid var(--line)}
.checks td:first-child,.captures td:first-child{border-top:0}
td[data-label]::before{content:attr(data-label);display:block;font-size:.75rem;
color:var(--muted)}}
@media print{.filter,.filter-label{display:none}
summary,h4,.line{break-inside:avoid}
h2,h4,summary{break-after:avoid}
pre.payload{max-height:none;overflow:visible}}
"""
