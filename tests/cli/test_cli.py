"""End-to-end tests of the command line through click's CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from runner.cli import cli

SECRET = "sk-supersecret-value-123"

SECRET_COLLECTION = """\
name: Secrets
secrets: [API_KEY]
requests:
  - name: r
    url: https://x.test/<<API_KEY>>
    headers:
      Authorization: Bearer <<API_KEY>>
    assert:
      status: 201
    examples:
      - name: ok
        status: 200
"""

SIMPLE_COLLECTION = """\
name: Simple
variables:
  base_url: https://x.test
  user: alice
requests:
  - name: Get item
    method: POST
    url: <<base_url>>/items/<<user>>
    assert:
      status: 200
    examples:
      - name: ok
        status: 200
"""


def invoke(runner: CliRunner, args: list[str]) -> Result:
    """Invoke the CLI and check that no Python traceback leaked into the output."""
    result = runner.invoke(cli, args)
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def write(path: Path, text: str) -> Path:
    """Write a file, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_version(cli_runner: CliRunner) -> None:
    result = invoke(cli_runner, ["--version"])
    assert result.exit_code == 0
    assert "postrun" in result.output
    assert "0." in result.output


def test_help_lists_commands(cli_runner: CliRunner) -> None:
    result = invoke(cli_runner, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "validate", "list"):
        assert f"  {command}" in result.output


@pytest.mark.parametrize(
    "path", ["collections", "collections/openai-chat.yaml", "collections/notes-crud.yaml"]
)
def test_run_shipped_collections_mock(cli_runner: CliRunner, shipped: Path, path: str) -> None:
    result = invoke(cli_runner, ["run", path, "--mock"])
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output
    assert "✗" not in result.output


def test_run_mock_example_insufficient_quota(cli_runner: CliRunner, shipped: Path) -> None:
    args = ["run", "collections/openai-chat.yaml", "--mock", "--mock-example"]
    result = invoke(cli_runner, [*args, "insufficient_quota"])
    assert result.exit_code == 1
    assert "insufficient_quota" in result.output
    assert "You exceeded your current quota" in result.output
    assert "expected 200, got 429" in result.output


def test_missing_secret_without_mock(cli_runner: CliRunner, shipped: Path) -> None:
    result = invoke(cli_runner, ["run", "collections/openai-chat.yaml"])
    assert result.exit_code == 2
    assert "error: secret API_KEY" in result.stderr
    assert "--> collections/openai-chat.yaml:30:11" in result.stderr
    assert "export API_KEY" in result.stderr


@pytest.mark.parametrize(
    ("flags", "secret_shown"),
    [([], False), (["-q"], False), (["--show-secrets"], True)],
)
def test_secret_masking(
    cli_runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    flags: list[str],
    secret_shown: bool,
) -> None:
    monkeypatch.setenv("API_KEY", SECRET)
    write(tmp_path / "c.yaml", SECRET_COLLECTION)
    result = invoke(cli_runner, ["run", "c.yaml", "--mock", *flags])
    assert result.exit_code == 1  # the status check fails, so the request is reported
    assert (SECRET in result.output) is secret_shown
    if not secret_shown:
        assert "https://x.test/****" in result.output


def test_shipped_secret_never_shown_by_default(
    cli_runner: CliRunner, monkeypatch: pytest.MonkeyPatch, shipped: Path
) -> None:
    monkeypatch.setenv("API_KEY", SECRET)
    for args in (
        ["run", "collections/openai-chat.yaml", "--mock"],
        ["run", "collections/openai-chat.yaml", "--mock", "--mock-example", "insufficient_quota"],
        ["validate", "collections/openai-chat.yaml", "--show-vars"],
    ):
        result = invoke(cli_runner, args)
        assert SECRET not in result.output, args


def test_unknown_key_suggests(cli_runner: CliRunner, tmp_path: Path) -> None:
    write(
        tmp_path / "h.yaml",
        "name: H\nrequests:\n  - name: r\n    url: https://x.test/\n    headres:\n      A: b\n",
    )
    result = invoke(cli_runner, ["run", "h.yaml", "--mock"])
    assert result.exit_code == 2
    assert "error: unknown key 'headres'" in result.stderr
    assert "--> h.yaml:5:5" in result.stderr
    assert "    headres:" in result.stderr
    assert "^^^^^^^" in result.stderr
    assert "did you mean 'headers'" in result.stderr


def test_yaml_syntax_error(cli_runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "y.yaml", "name: Y\nrequests:\n  - name: r\n    url: [unclosed\n")
    result = invoke(cli_runner, ["validate", "y.yaml"])
    assert result.exit_code == 2
    assert "error: invalid YAML" in result.stderr
    assert "y.yaml:" in result.stderr
    assert "y.yaml:4" in result.stderr or "y.yaml:5" in result.stderr


@pytest.mark.parametrize("command", [["run", "u.yaml", "--mock"], ["validate", "u.yaml"]])
def test_undefined_variable(cli_runner: CliRunner, tmp_path: Path, command: list[str]) -> None:
    write(
        tmp_path / "u.yaml",
        "name: U\nrequests:\n  - name: r\n    url: https://x.test/<<nope>>\n"
        "    examples:\n      - name: ok\n",
    )
    result = invoke(cli_runner, command)
    assert result.exit_code == 2
    assert "undefined variable 'nope'" in result.stderr
    assert "u.yaml:4:25" in result.stderr
    assert "--var nope=" in result.stderr


def test_unknown_env_lists_existing(cli_runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "c.yaml", SIMPLE_COLLECTION)
    write(tmp_path / "environments/alpha.yaml", "name: alpha\nvariables: {x: 1}\n")
    write(tmp_path / "environments/beta.yaml", "name: beta\nvariables: {x: 2}\n")
    result = invoke(cli_runner, ["validate", "c.yaml", "--env", "nope"])
    assert result.exit_code == 2
    assert "unknown environment 'nope'" in result.stderr
    assert "alpha" in result.stderr
    assert "beta" in result.stderr


@pytest.mark.parametrize("command", ["run", "validate"])
def test_var_bad_json(cli_runner: CliRunner, tmp_path: Path, command: str) -> None:
    write(tmp_path / "c.yaml", SIMPLE_COLLECTION)
    result = invoke(cli_runner, [command, "c.yaml", "--var", "x:={bad"])
    assert result.exit_code == 2
    assert "error: --var 'x:={bad'" in result.stderr
    assert "not JSON" in result.stderr


def test_mock_example_needs_mock(cli_runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "c.yaml", SIMPLE_COLLECTION)
    result = invoke(cli_runner, ["run", "c.yaml", "--mock-example", "ok"])
    assert result.exit_code == 2
    assert "error: --mock-example needs --mock" in result.stderr
    assert "= hint: add --mock" in result.stderr


def test_validate_ok(cli_runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "c.yaml", SIMPLE_COLLECTION)
    result = invoke(cli_runner, ["validate", "c.yaml"])
    assert result.exit_code == 0
    assert "ok c.yaml: Simple, 1 request" in result.output


def test_validate_warns_of_broken_placeholders_at_the_loaders_line(
    cli_runner: CliRunner, tmp_path: Path
) -> None:
    """A U+2028 in a value is a line break to YAML, so the warning counts it as one too."""
    text = (
        "name: Broken\n"
        'description: "first\u2028second"\n'
        "requests:\n"
        "  - name: one\n"
        "    url: http://127.0.0.1:9/<<id\n"
    )
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    result = invoke(cli_runner, ["validate", "c.yaml"])
    assert "c.yaml:6:" in result.output, result.output
    assert "'<<id' looks like a broken placeholder" in result.output


def test_validate_shipped(cli_runner: CliRunner, shipped: Path) -> None:
    result = invoke(cli_runner, ["validate", "collections"])
    assert result.exit_code == 0
    assert "ok collections/notes-crud.yaml" in result.output
    assert "ok collections/openai-chat.yaml" in result.output


def test_validate_show_vars_scopes(cli_runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "c.yaml", SIMPLE_COLLECTION)
    write(tmp_path / "environments/dev.yaml", "name: dev\nvariables:\n  base_url: http://dev\n")
    args = ["validate", "c.yaml", "--show-vars", "--env", "dev", "--var", "extra:=42"]
    result = invoke(cli_runner, args)
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.startswith("  ")}
    assert "collection Simple" in lines["user"]
    assert "alice" in lines["user"]
    assert "environment dev" in lines["base_url"]
    assert "http://dev" in lines["base_url"]
    assert "--var" in lines["extra"]
    assert "42" in lines["extra"]


def test_list_prints_method_and_path(cli_runner: CliRunner, shipped: Path) -> None:
    result = invoke(cli_runner, ["list", "collections"])
    assert result.exit_code == 0
    assert "Notes API  (collections/notes-crud.yaml)" in result.output
    assert "POST    Notes/Create note" in result.output
    assert "DELETE  Notes/Delete note" in result.output
    assert "POST    Chat completion" in result.output


def test_list_notes_skipped_yaml(cli_runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "d/c.yaml", SIMPLE_COLLECTION)
    write(tmp_path / "d/other.yaml", "foo: 1\n")
    result = invoke(cli_runner, ["list", "d"])
    assert result.exit_code == 0
    assert "note:" in result.stderr
    assert "d/other.yaml" in result.stderr
    assert "POST    Get item" in result.stdout


@pytest.mark.parametrize(
    ("setup", "target", "message"),
    [
        ({"e/other.yaml": "foo: 1\n"}, "e", "no collection found in e"),
        ({}, "nothere.yaml", "'nothere.yaml' does not exist"),
    ],
)
@pytest.mark.parametrize("command", ["run", "validate", "list"])
def test_no_collection(
    cli_runner: CliRunner,
    tmp_path: Path,
    setup: dict[str, str],
    target: str,
    message: str,
    command: str,
) -> None:
    for name, text in setup.items():
        write(tmp_path / name, text)
    result = invoke(cli_runner, [command, target])
    assert result.exit_code == 2
    assert f"error: {message}" in result.stderr
    assert "= hint:" in result.stderr


@pytest.mark.parametrize(
    ("status", "exit_code", "expected"),
    [(200, 0, "1 passed, 0 failed"), (500, 1, "expected 200, got 500")],
)
def test_run_real_http(
    cli_runner: CliRunner,
    tmp_path: Path,
    httpserver: HTTPServer,
    status: int,
    exit_code: int,
    expected: str,
) -> None:
    httpserver.expect_request("/x").respond_with_json({"ok": True}, status=status)
    url = httpserver.url_for("/x")
    write(
        tmp_path / "h.yaml",
        f"name: Live\nrequests:\n  - name: get x\n    url: {url}\n    assert:\n      status: 200\n",
    )
    result = invoke(cli_runner, ["run", "h.yaml"])
    assert result.exit_code == exit_code, result.output
    assert expected in result.output
    assert "get x" in result.output
