"""`postrun run` details: .env secrets, --env-file, colour, -q, python -m runner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from runner.cli import cli


def write_collection(tmp_path: Path, url: str, status: int = 200) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(
        f"""name: Keys
secrets: [API_KEY]
requests:
  - name: Whoami
    url: {url}
    headers: {{X-Key: <<API_KEY>>}}
    assert: {{status: {status}}}
""",
        encoding="utf-8",
    )
    return path


def test_secret_from_dotenv_reaches_the_server_and_is_masked(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/me", headers={"X-Key": "from-dotenv-123"}).respond_with_data("hi")
    write_collection(tmp_path, httpserver.url_for("/me"))
    (tmp_path / ".env").write_text("API_KEY=from-dotenv-123\n", encoding="utf-8")
    result = cli_runner.invoke(cli, ["run", "c.yaml"])
    assert result.exit_code == 0, result.output
    assert "from-dotenv-123" not in result.output


def test_env_file_option_and_missing_env_file(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/me", headers={"X-Key": "elsewhere-456"}).respond_with_data("hi")
    write_collection(tmp_path, httpserver.url_for("/me"))
    (tmp_path / "keys.env").write_text("API_KEY=elsewhere-456\n", encoding="utf-8")
    assert cli_runner.invoke(cli, ["run", "c.yaml", "--env-file", "keys.env"]).exit_code == 0
    missing = cli_runner.invoke(cli, ["run", "c.yaml", "--env-file", "nope.env"])
    assert missing.exit_code == 2 and "nope.env" in missing.output


@pytest.mark.parametrize(
    ("flags", "no_color", "coloured"),
    [([], "1", False), (["--color"], "1", True), (["--no-color"], "", False)],
)
def test_colour_follows_flags_and_no_color(
    cli_runner: CliRunner,
    tmp_path: Path,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    flags: list[str],
    no_color: str,
    coloured: bool,
) -> None:
    monkeypatch.setenv("NO_COLOR", no_color)
    monkeypatch.setenv("API_KEY", "k" * 8)
    httpserver.expect_request("/me").respond_with_data("hi")
    write_collection(tmp_path, httpserver.url_for("/me"))
    result = cli_runner.invoke(cli, ["run", "c.yaml", *flags], color=True)
    assert result.exit_code == 0
    assert ("\x1b[" in result.output) is coloured


def test_quiet_prints_only_failures_and_summary(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_KEY", "k" * 8)
    httpserver.expect_request("/me").respond_with_data("hi")
    write_collection(tmp_path, httpserver.url_for("/me"))
    result = cli_runner.invoke(cli, ["run", "c.yaml", "-q"])
    assert result.exit_code == 0
    assert "Whoami" not in result.output and "1 request, 1 check" in result.output


def test_python_dash_m_runner_works(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "runner", "--version"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert completed.returncode == 0 and "postrun" in completed.stdout


def test_report_files_are_written_and_bad_format_is_exit_2(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import xml.etree.ElementTree as ET

    monkeypatch.setenv("API_KEY", "sk-report-secret")
    httpserver.expect_request("/me").respond_with_data("no", status=500)
    write_collection(tmp_path, httpserver.url_for("/me"))
    result = cli_runner.invoke(
        cli, ["run", "c.yaml", "--report", "junit:out/r.xml", "--report", "json:out/r.json"]
    )
    assert result.exit_code == 1
    suites = ET.parse(tmp_path / "out" / "r.xml").getroot()
    assert suites.get("tests") == "1" and suites.get("failures") == "1"
    report = json.loads((tmp_path / "out" / "r.json").read_text(encoding="utf-8"))
    assert report["schema_version"] == 1 and report["totals"]["checks_failed"] == 1
    for name in ("r.xml", "r.json"):
        assert "sk-report-secret" not in (tmp_path / "out" / name).read_text(encoding="utf-8")
    bad = cli_runner.invoke(cli, ["run", "c.yaml", "--report", "pdf:x.pdf"])
    assert bad.exit_code == 2 and "junit, json" in bad.output


def test_file_outside_the_working_directory_needs_allow_outside(
    cli_runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "secret.txt").write_text("private", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    (work / "c.yaml").write_text(
        "requests:\n  - name: Up\n    method: POST\n    url: http://127.0.0.1:9/\n"
        "    body: {file: ../secret.txt}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(work)
    refused = cli_runner.invoke(cli, ["validate", "c.yaml"])
    assert refused.exit_code == 2 and "--allow-outside" in refused.output
    assert "c.yaml:5" in refused.output
    allowed = cli_runner.invoke(cli, ["validate", "c.yaml", "--allow-outside"])
    assert allowed.exit_code == 0, allowed.output
