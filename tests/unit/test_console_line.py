"""The console's line for a finished request, built in one place (issue 21, item 3): the same
text as before for passing and failing requests, colour or not, control characters escaped."""

from __future__ import annotations

import io

import pytest

from runner.events import RequestFinished, RequestStarted
from runner.report.console import ConsoleReporter, _printable
from runner.results import CheckResult, RequestResult, ResponseData


def _line(result: RequestResult, *, color: bool) -> str:
    out = io.StringIO()
    console = ConsoleReporter(out, color=color)
    console(RequestStarted("C", result.path, 1, 1))
    response = ResponseData(result.status or 0, "Created", (), b"", 1.0, result.url)
    console(RequestFinished(result, None, response, 1))
    return out.getvalue().splitlines()[2]  # after the blank line and the heading


def _result(**changes: object) -> RequestResult:
    fields: dict[str, object] = {
        "collection": "C",
        "name": "make",
        "path": "make",
        "method": "POST",
        "url": "http://127.0.0.1:9/items?n=1",
        "location": None,
        "status": 201,
        "elapsed_ms": 12.4,
        "attempts": 1,
    }
    fields.update(changes)
    return RequestResult(**fields)  # type: ignore[arg-type]


def test_a_passing_line_without_colour() -> None:
    line = _line(_result(), color=False)
    assert line == "  + make  POST http://127.0.0.1:9/items?n=1  201 Created  12 ms"


def test_a_failing_line_with_colour_has_its_name_bold_and_its_attempts() -> None:
    failed = CheckResult(
        kind="status",
        description="status",
        passed=False,
        expected="200",
        target=None,
        actual=500,
        location=None,
    )
    line = _line(_result(status=500, checks=(failed,), attempts=3), color=True)
    assert line.startswith("  \x1b[31m\x1b[1mx\x1b[0m \x1b[1mmake\x1b[0m  ")
    assert "\x1b[31m500 Created\x1b[0m" in line
    assert line.endswith("\x1b[2m  12 ms\x1b[0m  (3 attempts)")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("http://h/caf\u00e9?q=\u2713", "http://h/caf\u00e9?q=\u2713"),  # printable: as it is
        ("http://h/\x1b[2J", "http://h/\\x1b[2J"),
        ("http://h/\x85\x07x", "http://h/\\x85\\x07x"),
        # Not printable, yet no control character: the regex leaves it, and so does the test.
        ("a\u00a0b\u2028c", "a\u00a0b\u2028c"),
        ("tab\there", "tab\there"),
    ],
)
def test_only_control_characters_are_escaped(text: str, shown: str) -> None:
    assert _printable(text) == shown
