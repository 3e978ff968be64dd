"""GitHub Actions output: annotations at the failing YAML line and the appended job summary."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from runner.engine import Engine, RunOptions, plan_run
from runner.events import RequestFinished, RunFinished, RunStarted
from runner.loader import load_collection
from runner.report.github import (
    GitHubReporter,
    annotation,
    check_message,
    escape_cell,
    github_enabled,
    step_summary_path,
)
from runner.results import CheckResult, RequestResult, RunResult
from runner.source import SourceLocation
from runner.transport import new_session

COLLECTION = """\
name: "api: v1, beta"
requests:
  - name: Ok
    url: {url}/ok
    assert:
      status: 200
  - name: Bad
    url: {url}/bad
    assert:
      status: 200
      jsonpath:
        $.note: "50%: a, b"
  - name: Refused
    url: http://127.0.0.1:{port}/nothing
    options: {{timeout: 5}}
  - name: Later
    url: {url}/ok
    options: {{skip: not today}}
"""


def free_port() -> int:
    """A loopback port nobody listens on (bound then closed), so connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unescape(text: str) -> str:
    """What the Actions runner does to a message or property value."""
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, char)
    return text


def line_of(text: str, needle: str) -> int:
    """The 1-based number of the first line of ``text`` that contains ``needle``."""
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.fixture
def github_run(tmp_path: Path, httpserver: HTTPServer) -> tuple[str, str, Path, RunResult, Path]:
    """Run ok / failing checks / refused / skipped under a GitHubReporter.

    Returns (annotations, collection text, summary file, result, collection path).
    """
    httpserver.expect_request("/ok").respond_with_json({"note": "fine"})
    httpserver.expect_request("/bad").respond_with_json({"note": "100%: x, y"}, status=500)
    text = COLLECTION.format(url=httpserver.url_for("").rstrip("/"), port=free_port())
    folder = tmp_path / "collections"
    folder.mkdir()
    path = folder / "api.yaml"
    path.write_text(text, encoding="utf-8")
    summary = tmp_path / "summary.md"
    summary.write_text("# Earlier step\n\nkept\n", encoding="utf-8")
    out = io.StringIO()
    reporter = GitHubReporter(out, summary, tmp_path)
    plan = plan_run([load_collection(path, base_dir=tmp_path)], RunOptions())
    with new_session() as session:
        result = Engine(plan, session, [reporter]).run()
    return out.getvalue(), text, summary, result, path


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """``::error k=v,k=v::message`` -> ("error", {k: v}, message), values still escaped."""
    assert line.startswith("::")
    head, _, message = line[2:].partition("::")
    level, _, props = head.partition(" ")
    properties = dict(prop.split("=", 1) for prop in props.split(",")) if props else {}
    return level, properties, message


def test_annotations_point_at_the_failing_checks(
    github_run: tuple[str, str, Path, RunResult, Path],
) -> None:
    output, text, _, result, _ = github_run
    lines = output.splitlines()
    assert all(line.startswith("::error ") for line in lines)
    parsed = [parse(line) for line in lines]
    assert len(parsed) == 3  # status and jsonpath of Bad, and Refused; none for Ok and Later
    status, jsonpath, refused = parsed
    assert status[1]["file"] == "collections/api.yaml"
    assert status[1]["line"] == str(line_of(text, "status: 200") + 4)  # Bad's, not Ok's
    assert status[1]["col"] == "7"
    assert jsonpath[1]["line"] == str(line_of(text, "$.note"))
    assert refused[1]["line"] == str(line_of(text, "name: Refused"))
    assert refused[1]["file"] == "collections/api.yaml"
    # The title holds ':' and ',' from the collection name: escaped, so properties still split.
    assert status[1]["title"] == "api%3A v1%2C beta › Bad"
    assert unescape(refused[1]["title"]) == "api: v1, beta › Refused"
    bad = next(request for request in result.requests if request.name == "Bad")
    assert unescape(status[2]) == check_message(bad.failed_checks[0])
    assert "expected 200, got 500" in status[2]
    # The message keeps ':' and ',' (only properties escape them) but escapes '%'.
    assert unescape(jsonpath[2]) == check_message(bad.failed_checks[1])
    assert "%25: a, b" in jsonpath[2] and "100%25: x, y" in jsonpath[2]
    assert refused[2]


def test_summary_is_appended_with_a_row_per_request(
    github_run: tuple[str, str, Path, RunResult, Path],
) -> None:
    _, _, summary, result, _ = github_run
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# Earlier step\n\nkept\n")
    assert "## ❌ postrun: api: v1, beta" in text
    rows = [line for line in text.splitlines() if line.startswith(("| ✅", "| ❌", "| ⏭️"))]
    assert len(rows) == len(result.requests) == 4
    assert [row.split(" | ")[2] for row in rows] == ["Bad", "Refused", "Ok", "Later"]
    bad = rows[0]
    assert bad.startswith("| ❌ | api: v1, beta | Bad | 500 |")
    assert "status: expected 200, got 500<br>jsonpath $.note" in bad
    assert rows[1].startswith("| ❌ | api: v1, beta | Refused | error | – |")
    assert rows[3].startswith("| ⏭️ |") and "skipped: not today" in rows[3]
    assert "| 4 | 1 | 2 | 1 |" in text  # requests, passed, failed, skipped
    assert "Showing" not in text


def test_a_second_run_appends_again(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    for _ in range(2):
        reporter = GitHubReporter(io.StringIO(), summary, tmp_path)
        reporter(RunStarted(("c",), 0))
        reporter(RunFinished(RunResult((), 1.0)))
    assert summary.read_text(encoding="utf-8").count("## ✅ postrun: c") == 2


def _result(number: int, passed: bool) -> RequestResult:
    check = CheckResult("status", None, "status", passed, "eq 200", 500, None)
    return RequestResult(
        "c", f"r{number}", f"r{number}", "GET", "http://x", None, 500, 1.0, (check,)
    )


def test_summary_table_is_capped_failures_first(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    results = tuple(_result(number, passed=number % 2 == 0) for number in range(6))
    reporter = GitHubReporter(io.StringIO(), summary, tmp_path, max_rows=2)
    for result in results:
        reporter(RequestFinished(result))
    reporter(RunFinished(RunResult(results, 5.0)))
    text = summary.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith(("| ✅", "| ❌"))]
    assert [row.split(" | ")[2] for row in rows] == ["r1", "r3"]
    assert "_Showing 2 of 6 requests, failures first" in text


def test_no_summary_path_writes_nothing_and_bad_path_warns(tmp_path: Path) -> None:
    out = io.StringIO()
    GitHubReporter(out, None, tmp_path)(RunFinished(RunResult((), 1.0)))
    assert out.getvalue() == "" and list(tmp_path.iterdir()) == []
    reporter = GitHubReporter(out, tmp_path / "missing" / "summary.md", tmp_path)
    reporter(RunFinished(RunResult((), 1.0)))
    assert out.getvalue().startswith("::warning::postrun could not write the job summary")


def test_message_with_newline_and_percent_is_one_escaped_line(tmp_path: Path) -> None:
    location = SourceLocation(str(tmp_path / "dir" / "c.yaml"), 12, 9)
    check = CheckResult(
        "body", None, "body", False, "eq x", "y", location, message="50%: a,\r\nb\nc"
    )
    result = RequestResult(
        "col, one", "r: 1", "f/r: 1", "GET", "http://x", None, 200, checks=(check,)
    )
    out = io.StringIO()
    GitHubReporter(out, None, tmp_path)(RequestFinished(result))
    assert out.getvalue() == (
        "::error file=dir/c.yaml,line=12,col=9,title=col%2C one › f/r%3A 1"
        "::body: 50%25: a,%0D%0Ab%0Ac (expected eq x)\n"
    )


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, "::error::m"),
        ({"title": "T"}, "::error title=T::m"),
        ({"file": "a b.yaml", "line": 3}, "::error file=a b.yaml,line=3::m"),
        (
            {"file": "C:\\x,y%.yaml", "line": 1, "col": 2},
            "::error file=C%3A\\x%2Cy%25.yaml,line=1,col=2::m",
        ),
        ({"col": 4}, "::error::m"),  # a column without a file means nothing
    ],
)
def test_annotation_properties(kwargs: dict[str, object], expected: str) -> None:
    assert annotation("error", "m", **kwargs) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a|b", "a\\|b"),
        ("one\ntwo\r\nthree", "one<br>two<br>three"),
        ("<script>&", "&lt;script&gt;&amp;"),
        ("", ""),
    ],
)
def test_escape_cell(text: str, expected: str) -> None:
    assert escape_cell(text) == expected


@pytest.mark.parametrize(
    ("environ", "enabled", "path"),
    [
        ({"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": "/tmp/s.md"}, True, Path("/tmp/s.md")),
        ({"GITHUB_ACTIONS": "true"}, True, None),
        ({"GITHUB_ACTIONS": "false", "GITHUB_STEP_SUMMARY": ""}, False, None),
        ({"CI": "true"}, False, None),
        ({}, False, None),
    ],
)
def test_github_enabled_and_summary_path(
    environ: dict[str, str], enabled: bool, path: Path | None
) -> None:
    assert github_enabled(environ) is enabled
    assert step_summary_path(environ) == path
