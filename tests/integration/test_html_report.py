"""The HTML reporter, fed by a real Engine run on loopback and parsed with html.parser."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from test_reports import SECRET, free_port
from test_reports import run_yaml as run_reports_yaml
from werkzeug import Request, Response

from runner.events import (
    AttemptFailed,
    Note,
    RequestFinished,
    RequestStarted,
    RunFinished,
    RunStarted,
)
from runner.report.html import HtmlReporter
from runner.results import (
    CaptureResult,
    CheckResult,
    RequestResult,
    ResponseData,
    RunResult,
    SentRequest,
)
from runner.source import SourceLocation

XSS = "<script>alert(1)</script>"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
BIG = b"a" * 200_000
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "srcset", "data", "background"}
NAMES = ["Ok", "Bad", "Xss", "Png", "Big", "Post", "Refused", "Later", "Flaky"]


@dataclass
class Row:
    classes: str
    cells: list[str] = field(default_factory=list)


class Page(HTMLParser):
    """Every start tag, the text under each element with an id, and the rows of each table."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[tuple[str, str | None]] = []
        self.text_by_id: dict[str, str] = {}
        self.texts: list[str] = []
        self.rows: dict[str, list[Row]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.starts.append((tag, attributes))
        if tag == "tr":
            owner = next((key for _, key in reversed(self.stack) if key), "")
            self.rows.setdefault(owner, []).append(Row(attributes.get("class") or ""))
        elif tag in ("td", "th") and self.rows:
            owner = next((key for _, key in reversed(self.stack) if key), "")
            self.rows[owner][-1].cells.append("")
        if tag not in VOID:
            element_id = attributes.get("id")
            if element_id is not None:
                self.text_by_id[element_id] = ""
            self.stack.append((tag, element_id))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        for _, element_id in self.stack:
            if element_id is not None:
                self.text_by_id[element_id] += data
        tags = [tag for tag, _ in self.stack]
        if "td" in tags or "th" in tags:
            owner = next((key for _, key in reversed(self.stack) if key), "")
            if self.rows.get(owner) and self.rows[owner][-1].cells:
                self.rows[owner][-1].cells[-1] += data

    def details(self) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.starts if tag == "details"]


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def run_yaml(tmp_path: Path, text: str, listeners: list[Callable[[Any], None]]) -> RunResult:
    return run_reports_yaml(tmp_path, text, listeners, sleep=lambda _: None)  # retries at once


def echo(request: Request) -> Response:
    return Response(request.get_data(), status=201, content_type="application/json")


@dataclass(frozen=True)
class Report:
    text: str
    page: Page
    result: RunResult

    def request_id(self, name: str) -> str:
        return f"r{NAMES.index(name) + 1}"

    def request_text(self, name: str) -> str:
        return self.page.text_by_id[self.request_id(name)]


@pytest.fixture
def report(tmp_path: Path, httpserver: HTTPServer) -> Report:
    """Run passing, failing, hostile, binary, large, refused, skipped and retried requests."""
    httpserver.expect_request("/ok").respond_with_json({"id": 7, "echo": "k=" + SECRET})
    httpserver.expect_request("/bad").respond_with_json({"error": {"code": "quota"}}, 429)
    httpserver.expect_request("/xss").respond_with_data(XSS, content_type="text/html")
    httpserver.expect_request("/png").respond_with_data(PNG, content_type="image/png")
    httpserver.expect_request("/big").respond_with_data(BIG, content_type="text/plain")
    httpserver.expect_request("/echo", method="POST").respond_with_handler(echo)
    httpserver.expect_oneshot_request("/flaky").respond_with_data("busy", status=503)
    httpserver.expect_request("/flaky").respond_with_json({"ready": True})
    port = free_port()
    text = f"""
name: demo <b>bold</b>
secrets: [API_KEY]
requests:
  - name: Ok
    url: {httpserver.url_for("/ok")}?key=<<API_KEY>>
    headers: {{Authorization: Bearer <<API_KEY>>, X-Key: <<API_KEY>>}}
    assert:
      status: 200
      jsonpath: {{$.id: 7}}
    capture: {{item_id: $.id}}
  - name: Bad
    url: {httpserver.url_for("/bad")}
    assert:
      status: 200
      jsonpath: {{$.error.code: quota}}
  - name: Xss
    url: {httpserver.url_for("/xss")}
    assert: {{status: 200}}
  - name: Png
    url: {httpserver.url_for("/png")}
    assert: {{status: 200}}
  - name: Big
    url: {httpserver.url_for("/big")}
  - name: Post
    method: POST
    url: {httpserver.url_for("/echo")}
    body:
      json: {{token: <<API_KEY>>, nested: {{list: [1, 2], empty: {{}}}}}}
    assert: {{status: 201}}
  - name: Refused
    url: http://127.0.0.1:{port}/nothing
    options: {{timeout: 5}}
  - name: Later
    url: {httpserver.url_for("/ok")}
    options: {{skip: not today}}
  - name: Flaky
    url: {httpserver.url_for("/flaky")}
    options: {{retries: {{count: 2, backoff: 0}}}}
    assert: {{status: 200}}
"""
    fixed = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    reporter = HtmlReporter(version="9.9", clock=lambda: fixed)
    result = run_yaml(tmp_path, text, [reporter])
    html_text = reporter.render()
    return Report(html_text, parse(html_text), result)


@pytest.mark.parametrize(
    ("element_id", "expected"),
    [
        ("requests-total", "9"),
        ("requests-passed", "6"),
        ("requests-failed", "2"),
        ("requests-skipped", "1"),
        ("environment", "(none)"),
        ("started", "2026-01-02 03:04:05 UTC"),
        ("collections", "demo <b>bold</b>"),
    ],
)
def test_summary_bar(report: Report, element_id: str, expected: str) -> None:
    assert report.page.text_by_id[element_id] == expected


def test_summary_check_counts_and_time(report: Report) -> None:
    result = report.result
    checks_failed = int(report.page.text_by_id["checks-failed"])
    checks_passed = int(report.page.text_by_id["checks-passed"])
    assert checks_failed == result.failed_check_count == 1
    assert checks_passed == result.check_count - result.failed_check_count
    assert re.fullmatch(r"\d+ ms|\d+\.\d\d s", report.page.text_by_id["total-time"])


def test_one_details_per_request_failed_ones_open(report: Report) -> None:
    details = report.page.details()
    assert [attrs["id"] for attrs in details] == [f"r{n}" for n in range(1, len(NAMES) + 1)]
    opened = {attrs["id"] for attrs in details if "open" in attrs}
    assert opened == {report.request_id("Bad"), report.request_id("Refused")}
    states = {attrs["id"]: (attrs["class"] or "").split()[-1] for attrs in details}
    assert states[report.request_id("Later")] == "skipped"
    assert states[report.request_id("Ok")] == "passed"


def test_failures_filter_works_without_script(report: Report) -> None:
    radios = [attrs for tag, attrs in report.page.starts if tag == "input"]
    assert [(attrs["type"], attrs["id"]) for attrs in radios] == [
        ("radio", "show-all"),
        ("radio", "show-failed"),
    ]
    assert "#show-failed:checked~main .request.passed" in report.text
    labels = {attrs.get("for") for tag, attrs in report.page.starts if tag == "label"}
    assert labels == {"show-all", "show-failed"}


def test_failed_check_shows_expected_actual_and_location(report: Report) -> None:
    rows = report.page.rows[report.request_id("Bad")]
    failed = [row for row in rows if "check failed" in row.classes]
    assert len(failed) == 1
    outcome, description, expected, actual, where = failed[0].cells
    assert outcome == "✗ fail" and description.startswith("status")
    assert (expected, actual) == ("200", "429")
    assert re.fullmatch(r".*collection\.yaml:\d+", where)
    passed = [row for row in rows if "check passed" in row.classes]
    assert [row.cells[0] for row in passed] == ["✓ pass"]


def test_script_body_is_text_and_nothing_can_run(report: Report) -> None:
    assert XSS in report.request_text("Xss")
    assert "<script" not in report.text.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report.text
    assert not any(tag in ("script", "iframe", "object", "embed") for tag, _ in report.page.starts)
    assert "&lt;b&gt;bold&lt;/b&gt;" in report.text  # collection names are escaped too
    assert "default-src 'none'" in report.text  # the CSP forbids script even if one slipped in


def test_no_external_resources(report: Report) -> None:
    for tag, attrs in report.page.starts:
        assert tag not in ("link", "img", "base", "iframe"), tag
        for name, value in attrs.items():
            if name in URL_ATTRIBUTES:
                assert not re.match(r"\s*(https?:)?//", value or ""), (tag, name, value)
                assert (value or "").startswith("#"), (tag, name, value)
    styles = report.text.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "url(" not in styles and "@import" not in styles and "@font-face" not in styles


def test_secret_appears_nowhere(report: Report) -> None:
    whole = "".join(report.page.texts)
    assert SECRET not in report.text
    assert SECRET not in whole
    ok = report.request_text("Ok")
    assert "key=****" in ok and "Bearer ****" in ok and "k=****" in ok
    assert '"token": "****"' in report.request_text("Post")


def test_binary_body_is_a_size(report: Report) -> None:
    assert f"<{len(PNG)} bytes of image/png>" in report.request_text("Png")
    assert "PNG" not in report.request_text("Png")


def test_large_body_is_cut_with_a_note(report: Report) -> None:
    text = report.request_text("Big")
    assert "a" * 65_536 in text and "a" * 65_537 not in text
    assert "showing the first 65,536 of 200,000 bytes (134,464 bytes not shown)" in text


def test_transport_failure_shows_its_error_line(report: Report) -> None:
    error = report.result.requests[NAMES.index("Refused")].error
    assert error and "refused" in error
    text = report.request_text("Refused")
    assert f"✗ Error: {error}" in text
    assert "Nothing was sent." in text or "No response." in text


def test_retries_and_captures_are_shown(report: Report) -> None:
    flaky = report.request_text("Flaky")
    assert "2 attempts" in flaky and "attempt 1: 503" in flaky
    rows = report.page.rows[report.request_id("Ok")]
    captures = [row.cells[:3] for row in rows if "capture" in row.classes]
    assert captures == [["item_id", "✓ found", "7"]]


def test_json_body_is_pretty_printed(report: Report) -> None:
    post = report.request_text("Post")
    assert '{\n  "token": "****",\n  "nested": {\n    "list": [\n      1,' in post
    assert '"empty": {}' in post


# Events fed directly: no socket needed -----------------------------------------------------


def finish(
    reporter: HtmlReporter, result: RequestResult, response: ResponseData | None = None
) -> None:
    reporter(RequestStarted(result.collection, result.path, 1, 1, result.iteration))
    reporter(RequestFinished(result, SentRequest("GET", result.url, ()), response))


def page_of(body: bytes, content_type: str, *, limit: int = 64) -> str:
    reporter = HtmlReporter(version="0", body_limit=limit)
    response = ResponseData(200, "OK", (("Content-Type", content_type),), body, 1.0, "http://x")
    finish(reporter, RequestResult("c", "r", "r", "GET", "http://x", None, status=200), response)
    return parse(reporter.render()).text_by_id["r1"]


@pytest.mark.parametrize(
    ("body", "content_type", "shown", "absent"),
    [
        # String literals are copied as they are: an escape is never decoded into new text.
        (b'{"a":"sk\\u002dx","b":[]}', "application/json", '"a": "sk\\u002dx"', "sk-x"),
        (b"[1,2]", "application/problem+json", "[\n  1,\n  2\n]", "[1,2]"),
        (b"{not json", "application/json", "{not json", "Cut"),
        (b"{}", "text/plain", "{}", "bytes of"),
        (b"\x00\x01\x02", "", "<3 bytes of unknown type>", "\x01"),
        (b"<h1>x</h1>", "text/html", "<h1>x</h1>", "bytes of"),
        ("é".encode() * 40, "text/plain", "é" * 32, "\ufffd"),  # the cut splits no character
        (b"b" * 100, "text/plain", "first 64 of 100 bytes (36 bytes not shown)", "b" * 65),
        # A cut JSON body cannot be parsed but is still indented; a cut text one is left alone.
        (b'{"k":"' + b"v" * 100 + b'"}', "application/json", '{\n  "k": "' + "v" * 58, "v" * 59),
        (b'[{"a": "x y ' + b"w" * 100, "application/json", '[\n  {\n    "a": "x y www', '"xy'),
        (b"[1, 2, " + b"3" * 100, "text/plain", "[1, 2, 333", "[\n"),
    ],
)
def test_body_rendering(body: bytes, content_type: str, shown: str, absent: str) -> None:
    text = page_of(body, content_type)
    assert shown in text
    assert absent not in text


@pytest.mark.parametrize("iteration", [1, 3])
def test_iteration_is_named(iteration: int) -> None:
    reporter = HtmlReporter(version="0")
    reporter(RunStarted(("c",), 1, "staging", mock=True))
    reporter(Note("secret API_KEY is short"))
    check = CheckResult("status", None, "status", False, "200", 500, SourceLocation("c.yaml", 4, 5))
    result = RequestResult(
        "c", "r", "f/r", "GET", "http://x", None, status=500, checks=(check,), iteration=iteration
    )
    finish(reporter, result)
    reporter(RunFinished(RunResult((result,), 12.0)))
    page = parse(reporter.render())
    assert f"iteration {iteration}" in page.text_by_id["r1"]
    assert f"f/r (iteration {iteration})" in "".join(page.texts)  # the failures index
    assert page.text_by_id["environment"] == "staging (mock)"
    assert "Note: secret API_KEY is short" in "".join(page.texts)
    assert "c.yaml:4" in page.text_by_id["r1"]


def test_empty_run_and_odd_values_render() -> None:
    reporter = HtmlReporter(version="0")
    assert "No request finished." in reporter.render()
    check = CheckResult(
        "jsonpath", "$.x", "jsonpath $.x", False, "eq 1", {"s": "\ud800", "o": object}, None
    )
    finish(reporter, RequestResult("c", "r", "r", "GET", "http://x", None, checks=(check,)))
    text = reporter.render()
    text.encode("utf-8")  # a lone surrogate must not make writing the file fail
    assert json.dumps(repr(object))[1:-1] in parse(text).text_by_id["r1"]


def test_missing_capture_and_long_actual_value() -> None:
    reporter = HtmlReporter(version="0")
    check = CheckResult("jsonpath", "$", "jsonpath $", False, "eq 1", "x" * 10_000, None)
    capture = CaptureResult("token", False, message="no match for $.token")
    result = RequestResult(
        "c", "r", "r", "GET", "http://x", None, status=200, checks=(check,), captures=(capture,)
    )
    finish(reporter, result)
    page = parse(reporter.render())
    rows = page.rows["r1"]
    actual = next(row for row in rows if "check failed" in row.classes).cells[3]
    assert actual.startswith('"' + "x" * 4000) and actual.endswith(
        "(cut, 10,002 characters in all)"
    )
    missing = next(row for row in rows if "capture missing" in row.classes)
    assert missing.cells[:3] == ["token", "✗ not found", "no match for $.token"]
    assert page.text_by_id["requests-failed"] == "1"


def test_bodies_stop_being_kept_past_the_run_limit() -> None:
    reporter = HtmlReporter(version="0", body_limit=60, total_body_limit=100)
    for _ in range(3):
        response = ResponseData(200, "OK", (("Content-Type", "text/plain"),), b"z" * 50, 1.0, "x")
        finish(reporter, RequestResult("c", "r", "r", "GET", "x", None, status=200), response)
    page = parse(reporter.render())
    assert "z" * 50 in page.text_by_id["r1"] and "z" * 50 in page.text_by_id["r2"]
    assert "Not kept: 50 bytes. This report already holds 100 bytes" in page.text_by_id["r3"]
    assert "z" not in page.text_by_id["r3"].split("Response", 1)[1]


def test_a_refused_attempt_that_was_retried_is_listed() -> None:
    reporter = HtmlReporter(version="0")
    error = "connection refused by 127.0.0.1:9"
    result = RequestResult("c", "r", "r", "GET", "http://x", None, error=error, attempts=2)
    reporter(RequestStarted("c", "r", 1, 1))
    reporter(AttemptFailed(error, 1, will_retry=True, wait_seconds=0.5))
    reporter(AttemptFailed(error, 2))  # the last attempt: not a retry
    reporter(RequestFinished(result, None, None))
    text = parse(reporter.render()).text_by_id["r1"]
    assert "2 attempts in all." in text
    assert "attempt 1: connection refused by 127.0.0.1:9, retried after 0.50 s" in text
    assert "attempt 2" not in text


# The page's stylesheet, read rule by rule: what a browser showed wrong, pinned without one ----


def css_rules(page: str) -> dict[tuple[str, str], dict[str, str]]:
    """Each rule of the page's <style> as {(media, selector): {property: value}}."""
    css = page.split("<style>", 1)[1].split("</style>", 1)[0]
    rules: dict[tuple[str, str], dict[str, str]] = {}
    media = ""
    for match in re.finditer(r"([^{}]*)\{([^{}]*)\}|([^{}]*)\{|\}", css):
        if match.group(3) is not None:  # "@media x{": the rules up to its "}" are inside it
            media = match.group(3).strip()
            continue
        if match.group(1) is None:
            media = ""
            continue
        declarations = {
            part.split(":", 1)[0].strip(): part.split(":", 1)[1].strip()
            for part in match.group(2).split(";")
            if ":" in part
        }
        for selector in match.group(1).split(","):
            rules.setdefault((media, selector.strip()), {}).update(declarations)
    return rules


@pytest.fixture
def rules(report: Report) -> dict[tuple[str, str], dict[str, str]]:
    return css_rules(report.text)


def test_css_reader_sees_media_blocks(rules: dict[tuple[str, str], dict[str, str]]) -> None:
    assert rules[("", "*")] == {"box-sizing": "border-box"}
    assert ("@media print", ".filter") in rules
    assert ("@media (prefers-color-scheme:dark)", ":root") in rules


def test_long_lines_wrap_or_scroll_inside_the_page(
    rules: dict[tuple[str, str], dict[str, str]],
) -> None:
    # A long URL once made the whole page 2,700 px wide: the request line must break anywhere.
    assert rules[("", ".line")]["overflow-wrap"] == "anywhere"
    assert rules[("", "body")]["overflow-wrap"] == "break-word"
    assert rules[("", "pre.payload")]["overflow"] == "auto"
    value = rules[("", "code.value")]
    assert value["overflow"] == "auto" and value["max-height"].endswith("rem")


def test_check_and_capture_tables_keep_their_columns(
    report: Report, rules: dict[tuple[str, str], dict[str, str]]
) -> None:
    # With automatic layout one long actual value squeezed the other columns to one letter.
    assert rules[("", ".checks table")]["table-layout"] == "fixed"
    assert rules[("", ".captures table")]["table-layout"] == "fixed"
    widths = [value["width"] for (media, selector), value in rules.items() if "col." in selector]
    assert widths and all(width.endswith("%") for width in widths)  # they must fit paper too
    cols = [attrs.get("class") for tag, attrs in report.page.starts if tag == "col"]
    assert cols[:5] == ["col-result", None, "col-value", "col-value", "col-where"]  # checks
    assert cols[5:9] == ["col-name", "col-result", None, "col-where"]  # Ok's captures


def test_narrow_screens_stack_each_check_with_labels(
    report: Report, rules: dict[tuple[str, str], dict[str, str]]
) -> None:
    narrow = "@media (max-width:40rem)"
    assert rules[(narrow, ".checks tr")] and rules[(narrow, ".checks td")]
    assert rules[(narrow, ".checks td")]["display"] == "block"
    assert rules[(narrow, "td[data-label]::before")]["content"] == "attr(data-label)"
    labels = [attrs.get("data-label") for tag, attrs in report.page.starts if tag == "td"]
    for name in ("Check", "Expected", "Actual", "Where", "Value"):
        assert name in labels


def test_printing_lets_long_requests_break_and_shows_whole_bodies(
    rules: dict[tuple[str, str], dict[str, str]],
) -> None:
    # Keeping each request on one page left half of the first page empty.
    assert ("@media print", "details.request") not in rules
    assert rules[("@media print", "pre.payload")]["max-height"] == "none"
    assert rules[("@media print", ".filter-label")]["display"] == "none"


def test_dark_mode_sets_every_colour(rules: dict[tuple[str, str], dict[str, str]]) -> None:
    light = rules[("", ":root")]
    dark = rules[("@media (prefers-color-scheme:dark)", ":root")]
    assert set(light) == set(dark) and all(name.startswith("--") for name in light)
