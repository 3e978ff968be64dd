"""Verbose dumps and the live progress line of the console reporter, through a real Engine run."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.engine import Engine, RunOptions, plan_run
from runner.loader import load_collection
from runner.report.console import ConsoleReporter, body_lines
from runner.report.progress import CLEAR_LINE, ProgressLine, progress_enabled
from runner.results import ResponseData, RunResult
from runner.transport import new_session

SECRET = "sk-verbose-secret-42"


class Log(io.StringIO):
    """A StringIO with a UTF-8 encoding, so the reporter uses its Unicode marks."""

    encoding = "utf-8"  # type: ignore[assignment]


class Terminal(Log):
    """A log that says it is a terminal, so the progress line is drawn into it."""

    def isatty(self) -> bool:
        return True


def run_console(
    tmp_path: Path, text: str, out: io.StringIO | None = None, **options: object
) -> tuple[str, RunResult]:
    """Run a YAML collection through the Engine with a ConsoleReporter; return its output."""
    path = tmp_path / "collection.yaml"
    path.write_text(text, encoding="utf-8")
    collection = load_collection(path, base_dir=tmp_path)
    plan = plan_run([collection], RunOptions(environ={"API_KEY": SECRET}))
    stream = out if out is not None else Log()
    reporter = ConsoleReporter(stream, **options)  # type: ignore[arg-type]
    with new_session() as session:
        result = Engine(plan, session, [reporter], sleep=lambda _seconds: None).run()
    return stream.getvalue(), result


def screen(raw: str) -> list[str]:
    """What a terminal shows once ``\\r`` and erase-to-end-of-line are applied, line by line.

    A last line without a newline (progress left behind) is kept, so tests can see it.
    """
    lines: list[str] = []
    current: list[str] = []
    column = 0
    index = 0
    while index < len(raw):
        if raw.startswith("\x1b[K", index):
            del current[column:]
            index += 3
            continue
        char = raw[index]
        if char == "\r":
            column = 0
        elif char == "\n":
            lines.append("".join(current))
            current, column = [], 0
        else:
            if column < len(current):
                current[column] = char
            else:
                current.append(char)
            column += 1
        index += 1
    if current:
        lines.append("".join(current))
    return lines


def steady(lines: list[str]) -> list[str]:
    """Drop what changes between runs (timings, dates), so two runs compare line by line."""
    return [re.sub(r"\d+(\.\d+)? m?s\b", "T", line) for line in lines if "< Date:" not in line]


# Verbose -----------------------------------------------------------------------------------


def test_verbose_dumps_request_and_pretty_json_response(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/chat", method="POST").respond_with_json(
        {"id": 7, "choices": [{"text": "hi"}]}, headers={"X-Trace": "abc"}
    )
    output, result = run_console(
        tmp_path,
        f"""
name: demo
requests:
  - name: Chat
    method: POST
    url: {httpserver.url_for("/chat")}
    headers: {{X-Team: qa}}
    body:
      json: {{model: gpt, n: 2}}
    assert: {{status: 200}}
""",
        verbose=True,
    )
    assert result.exit_code == 0
    lines = output.splitlines()
    request_line = f"    > POST {httpserver.url_for('/chat')}"
    assert request_line in lines
    assert "    > X-Team: qa" in lines
    assert '    >   "model": "gpt",' in lines  # the JSON request body, pretty-printed
    assert "    < 200 OK  (" in output
    assert "    < X-Trace: abc" in lines
    assert '    <   "id": 7,' in lines
    assert '    <       "text": "hi"' in lines
    # The dump comes before the request's result line, and in order: request, then response.
    assert lines.index(request_line) < lines.index('    <   "id": 7,')
    assert lines.index('    <   "id": 7,') < next(
        i for i, line in enumerate(lines) if "Chat" in line and "POST" in line
    )


def test_verbose_shows_every_retry_attempt(tmp_path: Path, httpserver: HTTPServer) -> None:
    answers = [Response("busy, try later", 503), Response('{"ok": true}', 200)]
    bodies: list[bytes] = []

    def handler(request: Request) -> Response:
        bodies.append(request.get_data())
        return answers.pop(0)

    httpserver.expect_request("/flaky").respond_with_handler(handler)
    output, result = run_console(
        tmp_path,
        f"""
name: demo
requests:
  - name: Flaky
    method: PUT
    url: {httpserver.url_for("/flaky")}
    body: {{raw: payload-here}}
    options: {{retries: {{count: 1, backoff: 0}}}}
    assert: {{status: 200}}
""",
        verbose=True,
    )
    assert result.exit_code == 0 and result.requests[0].attempts == 2
    assert bodies == [b"payload-here", b"payload-here"]
    lines = output.splitlines()
    sent = [i for i, line in enumerate(lines) if line.startswith("    > PUT ")]
    assert len(sent) == 2
    assert [line for line in lines if line == "    > payload-here"] == ["    > payload-here"] * 2
    first_status = lines.index(next(line for line in lines if line.startswith("    < 503")))
    attempt_note = lines.index("    · attempt 2, waited 0.0 s")
    second_status = lines.index(next(line for line in lines if line.startswith("    < 200")))
    assert sent[0] < first_status < attempt_note < sent[1] < second_status
    assert "    < busy, try later" in lines
    assert "(2 attempts)" in output


def test_verbose_output_is_masked(tmp_path: Path, httpserver: HTTPServer) -> None:
    def echo(request: Request) -> Response:
        body = {"key": request.args["key"], "header": request.headers["X-Key"]}
        return Response(json.dumps(body), 200, content_type="application/json")

    httpserver.expect_request("/echo").respond_with_handler(echo)
    output, _ = run_console(
        tmp_path,
        f"""
name: demo
secrets: [API_KEY]
requests:
  - name: Echo
    url: {httpserver.url_for("/echo")}?key=<<API_KEY>>
    headers: {{X-Key: <<API_KEY>>}}
""",
        verbose=True,
    )
    assert SECRET not in output
    assert "?key=****" in output
    assert "    > X-Key: ****" in output.splitlines()
    assert '    <   "key": "****",' in output.splitlines()
    assert '    <   "header": "****"' in output.splitlines()


def test_verbose_binary_and_long_bodies(tmp_path: Path, httpserver: HTTPServer) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    httpserver.expect_request("/logo.png").respond_with_data(png, content_type="image/png")
    httpserver.expect_request("/long").respond_with_data(
        "a" * 100_000 + "TAIL", content_type="text/plain"
    )
    output, _ = run_console(
        tmp_path,
        f"""
name: demo
requests:
  - name: Logo
    url: {httpserver.url_for("/logo.png")}
  - name: Long
    url: {httpserver.url_for("/long")}
""",
        verbose=True,
    )
    assert f"    < <{len(png)} bytes of image/png>" in output.splitlines()
    assert "PNG" not in output and "\x1a" not in output  # never decoded
    assert "a" * 8192 in output and "a" * 8193 not in output
    assert "TAIL" not in output
    assert f"    < … {100_004 - 8192} more bytes cut" in output.splitlines()


def test_quiet_verbose_dumps_only_failed_requests(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/good").respond_with_data("good body")
    httpserver.expect_request("/bad").respond_with_data("bad body", status=500)
    output, result = run_console(
        tmp_path,
        f"""
name: demo
requests:
  - name: Good
    url: {httpserver.url_for("/good")}
    assert: {{status: 200}}
  - name: Bad
    url: {httpserver.url_for("/bad")}
    assert: {{status: 200}}
""",
        verbose=True,
        quiet=True,
    )
    assert result.exit_code == 1
    assert "good body" not in output and "/good" not in output
    lines = output.splitlines()
    assert "    < bad body" in lines
    dump = lines.index("    < bad body")
    result_line = next(i for i, line in enumerate(lines) if "Bad" in line and "GET" in line)
    assert lines.index("demo") < dump < result_line


def test_without_verbose_there_is_no_dump(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/good").respond_with_data("good body")
    output, _ = run_console(
        tmp_path, f"name: demo\nrequests:\n  - name: G\n    url: {httpserver.url_for('/good')}\n"
    )
    assert "> GET" not in output and "good body" not in output


def _message(content_type: str, body: bytes, encoding: str | None = None) -> ResponseData:
    return ResponseData(
        200, "OK", (("Content-Type", content_type),), body, 1.0, "http://x", {}, encoding
    )


@pytest.mark.parametrize(
    ("content_type", "body", "limit", "expected"),
    [
        ("application/json", b'{"a":[1]}', 100, ["{", '  "a": [', "    1", "  ]", "}"]),
        ("application/problem+json", b'{"t":"x"}', 100, ["{", '  "t": "x"', "}"]),
        ("application/json", b"not json", 100, ["not json"]),
        ("text/plain", b"one\r\ntwo", 100, ["one", "two"]),
        ("text/plain", b"esc\x1b[31mred", 100, ["esc\\x1b[31mred"]),
        ("text/plain", b"abcdef", 4, ["abcd", "… 2 more bytes cut"]),
        ("text/plain", "é".encode() * 3, 3, ["é", "… 3 more bytes cut"]),
        ("text/plain; charset=latin-1", b"caf\xe9", 100, ["café"]),
        ("application/octet-stream", b"\x00\x01", 100, ["<2 bytes of application/octet-stream>"]),
        ("text/plain", b"", 100, []),
    ],
)
def test_body_lines(content_type: str, body: bytes, limit: int, expected: list[str]) -> None:
    encoding = "latin-1" if "latin-1" in content_type else None
    assert body_lines(_message(content_type, body, encoding), limit) == expected


# Progress ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("isatty", "environ", "expected"),
    [
        (True, {}, True),
        (True, {"TERM": "xterm-256color"}, True),
        (False, {}, False),
        (True, {"TERM": "dumb"}, False),
        (True, {"CI": "true"}, False),
        (True, {"CI": "1"}, False),
        (True, {"CI": "false"}, True),
        (True, {"CI": ""}, True),
        (True, {"GITHUB_ACTIONS": "true", "CI": "true"}, False),
    ],
)
def test_progress_enabled(isatty: bool, environ: dict[str, str], expected: bool) -> None:
    assert progress_enabled(isatty, environ) is expected


def test_progress_line_fits_the_width_and_erases() -> None:
    out = Terminal()
    progress = ProgressLine(out, 12, width=30)
    progress.start("folder/a request with a very long name indeed")
    assert screen(out.getvalue()) == ["[0/12] 0 failed  folder/a re…"]
    assert len(progress.text()) == 29
    progress.finish(failed=True)
    progress.start("next")
    assert screen(out.getvalue()) == ["[1/12] 1 failed  next"]
    progress.hide()
    progress.hide()  # a second hide writes nothing more
    assert out.getvalue().endswith("next" + CLEAR_LINE)
    assert screen(out.getvalue()) == []


def _many(httpserver: HTTPServer, count: int) -> str:
    httpserver.expect_request("/ok").respond_with_data("fine")
    httpserver.expect_request("/bad").respond_with_data("no", status=500)
    lines = ["name: demo", "requests:"]
    for number in range(count):
        path = "/bad" if number == 2 else "/ok"
        lines += [
            f"  - name: Request {number}",
            f"    url: {httpserver.url_for(path)}",
            "    assert: {status: 200}",
        ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("verbose", [False, True])
def test_progress_leaves_the_log_intact(
    tmp_path: Path, httpserver: HTTPServer, verbose: bool
) -> None:
    text = _many(httpserver, 6)
    raw, _ = run_console(tmp_path, text, Terminal(), verbose=verbose, progress=True)
    plain, _ = run_console(tmp_path, text, Log(), verbose=verbose)
    assert "[0/6] 0 failed  Request 0" in raw and "[3/6] 1 failed  Request 3" in raw
    assert "\r" not in plain
    shown = screen(raw)
    assert not any("failed  Request" in line for line in shown)  # no progress left behind
    assert raw.endswith("\n")
    assert steady(shown) == steady(plain.splitlines())


def test_no_progress_for_a_short_run(tmp_path: Path, httpserver: HTTPServer) -> None:
    raw, _ = run_console(tmp_path, _many(httpserver, 3), Terminal(), progress=True)
    assert "\r" not in raw and "[0/3]" not in raw


def test_an_ascii_only_stream_gets_no_character_it_cannot_encode(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    # Under PYTHONIOENCODING=ascii (or a C locale) every mark, separator and ellipsis postrun
    # writes has a plain spelling, so none of them comes out as '?'.
    httpserver.expect_ordered_request("/busy").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/busy").respond_with_json({"ok": True})
    httpserver.expect_request("/long").respond_with_data("x" * 5000, content_type="text/plain")

    class Ascii(io.StringIO):
        encoding = "ascii"  # type: ignore[assignment]

    text = f"""\
requests:
  - name: busy
    url: {httpserver.url_for("/busy")}
    options: {{retries: {{count: 1, on: [503], backoff: 0}}}}
    assert: {{status: 200}}
  - name: long
    url: {httpserver.url_for("/long")}
    assert: {{body: {{contains: "{"y" * 300}"}}}}
"""
    output, _ = run_console(tmp_path, text, out=Ascii(), verbose=True, body_limit=100)
    assert output.isascii()
    assert output.startswith("postrun - 2 requests\n")
    assert "    ~ attempt 1 got 503; retrying" in output
    assert "    < ... 4900 more bytes cut\n" in output  # the verbose body, cut
    (failure,) = [line for line in output.splitlines() if line.startswith("      x body: ")]
    assert failure.endswith("...")  # the failure message, cut
