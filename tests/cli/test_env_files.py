"""Per-environment secrets: ``--env staging`` reads ``.env.staging`` over ``.env``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from runner.cli import cli

DEV_KEY = "dev-key-1111"
STAGING_KEY = "staging-key-2222"


@pytest.fixture
def project(tmp_path: Path, httpserver: HTTPServer) -> Path:
    """A collection that sends API_KEY to the server, a dev and a staging environment."""
    (tmp_path / "environments").mkdir()
    for name in ("dev", "staging"):
        (tmp_path / "environments" / f"{name}.yaml").write_text(
            f"variables: {{base_url: '{httpserver.url_for('')}'}}\nsecrets: [API_KEY]\n"
        )
    (tmp_path / "c.yaml").write_text(
        "requests:\n"
        "  - name: Who\n"
        "    url: <<base_url>>/who\n"
        "    headers: {Authorization: Bearer <<API_KEY>>}\n"
        "    assert: {status: 200}\n"
    )
    return tmp_path


def expect_key(httpserver: HTTPServer, key: str) -> None:
    httpserver.expect_request("/who", headers={"Authorization": f"Bearer {key}"}).respond_with_data(
        "ok"
    )


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["run", "c.yaml", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_env_staging_reads_dot_env_staging_over_dot_env(
    project: Path, httpserver: HTTPServer
) -> None:
    (project / ".env").write_text(f"API_KEY={DEV_KEY}\n")
    (project / ".env.staging").write_text(f"API_KEY={STAGING_KEY}\n")
    expect_key(httpserver, STAGING_KEY)
    code, output = run("--env", "staging")
    assert code == 0, output
    assert STAGING_KEY not in output and DEV_KEY not in output


def test_an_environment_without_its_own_file_reads_dot_env(
    project: Path, httpserver: HTTPServer
) -> None:
    (project / ".env").write_text(f"API_KEY={DEV_KEY}\n")
    (project / ".env.staging").write_text(f"API_KEY={STAGING_KEY}\n")
    expect_key(httpserver, DEV_KEY)
    assert run("--env", "dev")[0] == 0


def test_names_missing_from_dot_env_staging_come_from_dot_env(
    project: Path, httpserver: HTTPServer
) -> None:
    (project / ".env").write_text(f"API_KEY={DEV_KEY}\n")
    (project / ".env.staging").write_text("OTHER=x\n")
    expect_key(httpserver, DEV_KEY)
    assert run("--env", "staging")[0] == 0


def test_the_process_environment_wins_over_dot_env_staging(
    project: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".env.staging").write_text(f"API_KEY={STAGING_KEY}\n")
    monkeypatch.setenv("API_KEY", "from-the-process")
    expect_key(httpserver, "from-the-process")
    assert run("--env", "staging")[0] == 0


def test_an_environment_given_as_a_path_reads_the_file_named_after_it(
    project: Path, httpserver: HTTPServer
) -> None:
    (project / ".env.staging").write_text(f"API_KEY={STAGING_KEY}\n")
    expect_key(httpserver, STAGING_KEY)
    assert run("--env", "./environments/staging.yaml")[0] == 0


def test_env_file_replaces_both(project: Path, httpserver: HTTPServer) -> None:
    (project / ".env.staging").write_text(f"API_KEY={STAGING_KEY}\n")
    (project / "ci.env").write_text("API_KEY=from-ci-file\n")
    expect_key(httpserver, "from-ci-file")
    assert run("--env", "staging", "--env-file", "ci.env")[0] == 0


def test_a_missing_secret_says_which_files_were_read(project: Path) -> None:
    code, output = run("--env", "staging")
    assert code == 2
    assert "API_KEY=... to .env.staging or .env" in output


def validate(*args: str) -> str:
    result = CliRunner().invoke(cli, ["validate", "c.yaml", "--show-vars", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_validate_reads_dot_env_staging_too(project: Path) -> None:
    assert "add it to .env.staging or .env" in validate("--env", "staging")
    (project / ".env.staging").write_text(f"API_KEY={STAGING_KEY}\n")
    output = validate("--env", "staging")
    assert re.search(r"API_KEY +\*\*\*\* \(secret\)", output)
    assert STAGING_KEY not in output and "not set" not in output
