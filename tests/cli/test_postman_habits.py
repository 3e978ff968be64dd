"""The command line for people coming from Postman: pointers for Postman's syntax and files,
``import postman DIR`` (Collection v3), ``run --mock --mock-missing skip|fail``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import cli

CORPUS = Path(__file__).resolve().parents[1] / "data" / "postman" / "corpus"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Unquoted: YAML reads {{base}}/users as a mapping, then stumbles on the rest.
        ("requests:\n  - name: a\n    url: {{base}}/users\n", "invalid YAML"),
        ("requests:\n  - name: a\n    url: {{base}}\n", "'url' must be text, got a mapping"),
        # Quoted: it would be sent as text, an invalid URL at run time.
        (
            'variables: {base: "http://x"}\nrequests:\n  - name: a\n    url: "{{base}}/users"\n',
            "'{{base}}' in the url is Postman's syntax",
        ),
    ],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_postman_placeholders_get_the_hint_to_write_ours(
    text: str, message: str, command: str, cli_runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    result = cli_runner.invoke(cli, [command, "c.yaml"])
    assert result.exit_code == 2
    assert message in result.output
    assert "<<base>>" in result.output
    assert "indentation" not in result.output and "Traceback" not in result.output


def test_a_postman_placeholder_elsewhere_is_a_validate_warning(
    cli_runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "c.yaml").write_text(
        "variables: {base: 'http://x'}\nrequests:\n  - name: a\n    url: <<base>>/u\n"
        "    headers: {Authorization: 'Bearer {{token}}'}\n",
        encoding="utf-8",
    )
    result = cli_runner.invoke(cli, ["validate", "c.yaml"])
    assert result.exit_code == 0
    assert "c.yaml:5:38: '{{token}}' is Postman's syntax, sent as text: write <<token>>" in (
        result.output
    )


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_postman_export_given_to_run_or_validate_says_how_to_import_it(
    command: str, cli_runner: CliRunner, tmp_path: Path
) -> None:
    source = CORPUS / "public-api.postman_collection.json"
    (tmp_path / "api.postman_collection.json").write_text(source.read_text(), encoding="utf-8")
    result = cli_runner.invoke(cli, [command, "api.postman_collection.json"])
    assert result.exit_code == 2
    assert "this is a Postman export" in result.output
    assert "run `postrun import postman api.postman_collection.json`" in result.output
    environment = {"name": "e", "values": [], "_postman_variable_scope": "environment"}
    (tmp_path / "e.json").write_text(json.dumps(environment), encoding="utf-8")
    result = cli_runner.invoke(cli, [command, "e.json"])
    assert result.exit_code == 2 and "--environment e.json" in result.output
    # A folder holding only the export: the hint names the file.
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "x.postman_collection.json").write_text("{}", encoding="utf-8")
    result = cli_runner.invoke(cli, [command, "exports"])
    assert result.exit_code == 2
    assert "postrun import postman exports/x.postman_collection.json" in result.output


def test_import_postman_of_a_v3_folder(cli_runner: CliRunner, tmp_path: Path) -> None:
    result = cli_runner.invoke(cli, ["import", "postman", str(CORPUS / "v3-shop"), "-o", "."])
    assert result.exit_code == 0, result.output
    assert "4 requests, 7 checks and 1 capture translated" in result.output
    text = (tmp_path / "collections" / "shop-collection-v3.yaml").read_text(encoding="utf-8")
    assert "bearer: <<shopToken>>" in text and "limit: <<pageSize>>" in text
    validated = cli_runner.invoke(cli, ["validate", "collections"])
    assert validated.exit_code == 0, validated.output
    # Running a v3 folder directly points at the import.
    result = cli_runner.invoke(cli, ["run", str(CORPUS / "v3-shop")])
    assert result.exit_code == 2
    assert f"postrun import postman {CORPUS / 'v3-shop'}" in result.output


def test_import_postman_of_a_folder_that_is_no_collection(
    cli_runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    result = cli_runner.invoke(cli, ["import", "postman", "empty"])
    assert result.exit_code == 2
    assert "is not a Postman collection folder" in result.output


def test_mock_missing_skip_runs_what_has_examples(cli_runner: CliRunner, tmp_path: Path) -> None:
    source = CORPUS / "mock-examples.postman_collection.json"
    assert cli_runner.invoke(cli, ["import", "postman", str(source)]).exit_code == 0
    path = "collections/partly-documented-api.yaml"
    failing = cli_runner.invoke(cli, ["run", path, "--mock"])
    assert failing.exit_code == 1
    assert "1 request has no saved example: failed under --mock" in failing.output
    skipping = cli_runner.invoke(cli, ["run", path, "--mock", "--mock-missing", "skip"])
    assert skipping.exit_code == 0, skipping.output
    assert "1 request has no saved example: skipped (--mock-missing skip)" in skipping.output
    assert "3 checks: 3 passed, 0 failed, 1 skipped" in skipping.output
    alone = cli_runner.invoke(cli, ["run", path, "--mock-missing", "skip"])
    assert alone.exit_code == 2 and "--mock-missing needs --mock" in alone.output
