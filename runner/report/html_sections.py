"""The results part of the HTML report: the failure index and a section per collection.

Each request is a ``<details>`` element holding its retries, checks, captures, and what was
sent and received; every piece of text is escaped on the way in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from runner.report.html_body import Body, body_html
from runner.report.html_text import (
    CROSS,
    DASH,
    TICK,
    duration_text,
    esc,
    location_html,
    value_text,
    where_text,
)
from runner.report.streams import stream_text
from runner.results import CheckResult, RequestResult, ResponseData, SentRequest


@dataclass(frozen=True, slots=True)
class Retry:
    """One attempt that was not final: what came back (or what failed) and how long we waited."""

    attempt: int
    outcome: str  # "503 Service Unavailable", or the transport error, already masked
    wait_seconds: float


@dataclass(frozen=True, slots=True)
class Entry:
    """What one request needs on the page, with no whole body kept."""

    result: RequestResult
    sent: SentRequest | None
    request_body: Body | None
    response: ResponseData | None
    response_body: Body | None
    retries: tuple[Retry, ...]
    index: int = 0  # plan position: the page lists requests in plan order


def failure_index(entries: list[Entry]) -> str:
    """Links to each failed request, so a long report gets to the point at once."""
    links = [
        f'<li><a href="#r{number}">{esc(entry.result.collection)} / {esc(entry.result.path)}'
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


def sections(entries: list[Entry]) -> list[str]:
    """One section per collection, in the order they ran, each request inside it."""
    groups: dict[str, list[tuple[int, Entry]]] = {}
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
            f'<h2 id="c{index}">{esc(collection)} <span class="muted">({counts})</span></h2>'
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


def _request(number: int, entry: Entry) -> str:
    """One request as a ``<details>``: open when it failed, closed otherwise."""
    result = entry.result
    state = _state(result)
    mark = {"passed": TICK, "failed": CROSS, "skipped": DASH}[state]
    word = {"passed": "passed", "failed": "failed", "skipped": "skipped"}[state]
    method = entry.sent.method if entry.sent is not None else result.method
    badge_html = _badges(result)
    opened = " open" if state == "failed" else ""
    parts = [
        f'<details class="request {state}" id="r{number}"{opened}>',
        # A heading inside <summary> is allowed and keeps the outline h1 > h2 > h3 > h4.
        "<summary><h3>"
        f'<span class="mark {state}" aria-hidden="true">{mark}</span>'
        f'<span class="visually-hidden">{word}: </span>'
        f'<span class="method">{esc(method)}</span> '
        f'<span class="name">{esc(result.path)}</span></h3>{badge_html}'
        "</summary>",
        '<div class="body-of-request">',
    ]
    where = f" · {esc(where_text(result.location))}" if result.location is not None else ""
    parts.append(
        f'<p class="meta"><span class="outcome {state}">{mark} {word}</span>'
        f"{esc(_iteration_text(result))}{where}</p>"
    )
    if result.skipped is not None:
        parts.append(f'<p class="skip">{DASH} Skipped: {esc(result.skipped)}</p>')
    if result.error is not None:
        parts.append(f'<p class="error"><strong>{CROSS} Error:</strong> {esc(result.error)}</p>')
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


def _badges(result: RequestResult) -> str:
    """The badges beside a request's name: iteration, status, time, attempts, checks passed."""
    badges: list[str] = []
    if result.iteration is not None:
        badges.append(f"iteration {result.iteration}")
    if result.status is not None:
        badges.append(str(result.status))
    elif result.error is not None:
        badges.append("no response")
    if result.status is not None:
        badges.append(duration_text(result.elapsed_ms))
    if result.attempts > 1:
        badges.append(f"{result.attempts} attempts")
    streamed = stream_text(result)
    if streamed is not None:
        badges.append(streamed)
    if result.checks:
        passed_checks = len(result.checks) - len(result.failed_checks)
        badges.append(f"{passed_checks}/{len(result.checks)} checks")
    return "".join(f'<span class="badge">{esc(badge)}</span>' for badge in badges)


def _retries(attempts: int, retries: tuple[Retry, ...]) -> str:
    lines = [
        f"<li>attempt {retry.attempt}: {esc(retry.outcome)}, "
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
        actual = "(missing)" if check.actual_missing else value_text(check.actual)
        message = f'<div class="message">{esc(check.message)}</div>' if check.message else ""
        # data-label names each cell where a narrow screen stacks the row (see html_page.CSS).
        rows.append(
            f'<tr class="check {state}"><td class="outcome {state}">{mark}</td>'
            f'<td data-label="Check">{esc(check.description)}{message}</td>'
            f'<td class="expected" data-label="Expected">'
            f'<code class="value">{esc(check.expected)}</code></td>'
            f'<td class="actual" data-label="Actual"><code class="value">{esc(actual)}</code></td>'
            f'<td data-label="Where">{location_html(check.location)}</td></tr>'
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
            value = esc(value_text(capture.value))
            cells += f'<td data-label="Value"><code class="value">{value}</code></td>'
        else:
            message = capture.message or "found nothing"
            cells = f'<td class="outcome failed">{CROSS} not found</td>'
            cells += f'<td data-label="Value">{esc(message)}</td>'
        state = "found" if capture.found else "missing"
        rows.append(
            f'<tr class="capture {state}"><td><code>{esc(capture.name)}</code></td>{cells}'
            f'<td data-label="Where">{location_html(capture.location)}</td></tr>'
        )
    return (
        '<div class="captures"><h4>Captures</h4><table>'
        '<colgroup><col class="col-name"><col class="col-result"><col>'
        '<col class="col-where"></colgroup>'
        '<thead><tr><th scope="col">Variable</th><th scope="col">Result</th>'
        '<th scope="col">Value</th><th scope="col">Where</th></tr></thead>'
        "<tbody>" + "".join(rows) + "</tbody></table></div>"
    )


def _request_part(result: RequestResult, entry: Entry) -> str:
    sent = entry.sent
    method = sent.method if sent is not None else result.method
    url = sent.url if sent is not None else result.url
    parts = [
        '<div class="exchange"><h4>Request</h4>',
        f'<p class="line"><code>{esc(method)} {esc(url)}</code></p>',
    ]
    if sent is None:
        parts.append('<p class="muted">Nothing was sent.</p>')
    else:
        parts.append(_headers(sent.headers))
        parts.append(body_html(entry.request_body))
    parts.append("</div>")
    return "".join(parts)


def _response_part(entry: Entry) -> str:
    response = entry.response
    parts = ['<div class="exchange"><h4>Response</h4>']
    if response is None:
        parts.append('<p class="muted">No response.</p>')
    else:
        size = entry.response_body.size if entry.response_body is not None else 0
        parts.append(
            f'<p class="line"><code>{response.status} {esc(response.reason)}</code>'
            f' <span class="muted">{duration_text(response.elapsed_ms)}, {size:,} bytes</span></p>'
        )
        parts.append(_headers(response.headers))
        parts.append(body_html(entry.response_body))
    parts.append("</div>")
    return "".join(parts)


def _headers(headers: Iterable[tuple[str, str]]) -> str:
    rows = "".join(
        f'<tr><th scope="row">{esc(name)}</th><td>{esc(value)}</td></tr>' for name, value in headers
    )
    if not rows:
        return '<p class="muted">No headers.</p>'
    return f'<table class="headers"><caption>Headers</caption><tbody>{rows}</tbody></table>'
