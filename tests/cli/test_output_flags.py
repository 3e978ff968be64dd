"""-v/--verbose, GitHub Actions output and --report html through the command line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from runner.cli import cli

COLLECTION = """\
name: Demo
secrets: [API_KEY]
requests:
  - name: Chat
    method: POST
    url: {url}?key=<<API_KEY>>
    headers: {{Authorization: Bearer <<API_KEY>>}}
    body: {{json: {{model: gpt-4o-mini}}}}
    assert:
      status: 200
      jsonpath: {{$.object: chat.completion}}
"""


def write_demo(tmp_path: Path, httpserver: HTTPServer) -> None:
    (tmp_path / "demo.yaml").write_text(
        COLLECTION.format(url=httpserver.url_for("/v1/chat")), encoding="utf-8"
    )


def test_verbose_dumps_the_masked_exchange(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/v1/chat").respond_with_json({"object": "chat.completion"})
    write_demo(tmp_path, httpserver)
    result = cli_runner.invoke(cli, ["run", "demo.yaml", "-v"], env={"API_KEY": "sk-verbose-42"})
    assert result.exit_code == 0, result.output
    assert "> POST " in result.output and '"model": "gpt-4o-mini"' in result.output
    assert "< 200 OK" in result.output and '"object": "chat.completion"' in result.output
    assert "sk-verbose-42" not in result.output


def test_github_actions_annotations_and_step_summary(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/v1/chat").respond_with_json({"object": "list"})
    write_demo(tmp_path, httpserver)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    env = {
        "API_KEY": "sk-gh-secret-42",
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    result = cli_runner.invoke(cli, ["run", "demo.yaml", "--report", "html:r.html"], env=env)
    assert result.exit_code == 1, result.output
    assert "::error file=demo.yaml,line=11," in result.output
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n") and "| " in text and "Chat" in text
    for output in (result.output, text, (tmp_path / "r.html").read_text(encoding="utf-8")):
        assert "sk-gh-secret-42" not in output


def test_no_annotations_outside_github(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/v1/chat").respond_with_json({"object": "list"})
    write_demo(tmp_path, httpserver)
    result = cli_runner.invoke(
        cli, ["run", "demo.yaml"], env={"API_KEY": "k-123456", "GITHUB_ACTIONS": ""}
    )
    assert result.exit_code == 1
    assert "::error" not in result.output


def test_terminal_escapes_from_a_response_are_shown_not_obeyed(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/x").respond_with_data(
        "boom \x1b[2J\x1b]0;pwned\x07 end", status=500, content_type="text/plain"
    )
    (tmp_path / "c.yaml").write_text(
        f"name: C\nrequests:\n  - name: X\n    url: {httpserver.url_for('/x')}\n"
        "    assert: {status: 200, body: {contains: ok}}\n",
        encoding="utf-8",
    )
    result = cli_runner.invoke(cli, ["run", "c.yaml"])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b[2J" in result.output


def test_an_unwritable_report_path_is_refused_before_anything_is_sent(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    write_demo(tmp_path, httpserver)
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    (tmp_path / "adir").mkdir()
    for target, message in [
        ("json:afile/r.json", "not a writable folder"),
        ("html:adir", "is a folder"),
    ]:
        result = cli_runner.invoke(
            cli, ["run", "demo.yaml", "--report", target], env={"API_KEY": "k-12345"}
        )
        assert result.exit_code == 2, result.output
        assert message in result.output
    assert httpserver.log == []
