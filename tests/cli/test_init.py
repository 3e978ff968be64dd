"""``postrun init [DIR]``: a starter that validates, runs offline and against a server, and
never overwrites a file."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.cli import cli
from runner.cli.starter import COLLECTION_SCHEMA_LINE, ENVIRONMENT_SCHEMA_LINE

REPO = Path(__file__).resolve().parents[2]
STARTER = (
    "collections/example.yaml",
    "environments/dev.yaml",
    ".env.example",
    ".github/workflows/api-tests.yml",
    ".gitignore",
)


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result


def test_init_writes_the_starter_files(tmp_path: Path) -> None:
    result = invoke("init", "project")
    assert result.exit_code == 0, result.output
    for name in STARTER:
        assert (tmp_path / "project" / name).is_file(), name
        assert f"created  {name}" in result.output
    assert "next: cd project && postrun run collections/ --mock" in result.output


def test_init_without_a_folder_starts_here(tmp_path: Path) -> None:
    assert invoke("init").exit_code == 0
    assert (tmp_path / "collections" / "example.yaml").is_file()


def test_the_starter_validates_and_runs_offline(tmp_path: Path) -> None:
    invoke("init")
    assert invoke("validate", "collections/").exit_code == 0
    assert invoke("validate", "collections/", "--env", "dev").exit_code == 0
    result = invoke("run", "collections/", "--mock")
    assert result.exit_code == 0, result.output
    assert "2 requests" in result.output and "0 failed" in result.output


def httpbin_anything(request: Request) -> Response:
    """What httpbin's /anything answers: the method, the query and the JSON body."""
    if request.headers.get("Authorization") != "Bearer starter-key-123":
        return Response("no key", status=401)
    body = {"method": request.method, "args": dict(request.args), "url": request.url}
    if request.data:
        body["json"] = json.loads(request.data)
    return Response(json.dumps(body), content_type="application/json")


def test_the_starter_runs_against_a_server_with_the_dev_environment(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/anything/items").respond_with_handler(httpbin_anything)
    invoke("init")
    (tmp_path / ".env.dev").write_text("API_KEY=starter-key-123\n")
    base = httpserver.url_for("").rstrip("/")
    result = invoke("run", "collections/", "--env", "dev", "--var", f"base_url={base}")
    assert result.exit_code == 0, result.output
    assert "9 passed, 0 failed" in result.output
    assert "starter-key-123" not in result.output
    # the capture went into the second request's query
    assert httpserver.log[1][0].args["name"] == "first item"


def test_the_starter_files_name_their_schema_and_satisfy_it(tmp_path: Path) -> None:
    invoke("init")
    for name, line, schema in (
        ("collections/example.yaml", COLLECTION_SCHEMA_LINE, "collection.schema.json"),
        ("environments/dev.yaml", ENVIRONMENT_SCHEMA_LINE, "environment.schema.json"),
    ):
        text = (tmp_path / name).read_text()
        assert text.splitlines()[0] == line
        contents = json.loads((REPO / "schemas" / schema).read_text())
        assert line.endswith(contents["$id"].rsplit("/", 2)[-2] + "/" + schema)
        jsonschema.Draft7Validator(contents).validate(yaml.safe_load(text))


def test_the_workflow_commands_pass_in_the_starter(tmp_path: Path) -> None:
    invoke("init")
    workflow = yaml.safe_load((tmp_path / ".github/workflows/api-tests.yml").read_text())
    commands = [step["run"] for step in workflow["jobs"]["postrun"]["steps"] if "run" in step]
    assert commands[0] == "pip install postrun"
    for command in commands[1:]:
        words = shlex.split(command)
        assert words[0] == "postrun"
        result = invoke(*words[1:])
        assert result.exit_code == 0, (command, result.output)
    assert (tmp_path / "results.xml").is_file() and (tmp_path / "report.html").is_file()


def test_init_never_overwrites_a_file(tmp_path: Path) -> None:
    mine = tmp_path / "collections" / "example.yaml"
    mine.parent.mkdir()
    mine.write_text("requests: []  # mine\n")
    result = invoke("init")
    assert result.exit_code == 0
    assert mine.read_text() == "requests: []  # mine\n"
    assert "kept     collections/example.yaml (it exists)" in result.output
    assert (tmp_path / "environments" / "dev.yaml").is_file()
    again = invoke("init")
    assert again.exit_code == 0 and "created" not in again.output


def test_init_adds_the_env_lines_to_an_existing_gitignore_once(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/\n.env")
    invoke("init")
    invoke("init")
    lines = (tmp_path / ".gitignore").read_text().splitlines()
    assert lines[:2] == ["node_modules/", ".env"]
    assert lines.count(".env") == 1 and lines.count(".env.*") == 1
    assert "!.env.example" in lines


def test_init_on_a_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    result = invoke("init", "taken")
    assert result.exit_code == 2
    assert "taken is not a directory" in result.output


@pytest.mark.parametrize("folder", ["collections", "environments"])
def test_the_readme_shows_the_schema_lines_init_writes(folder: str) -> None:
    readme = (REPO / "README.md").read_text()
    line = COLLECTION_SCHEMA_LINE if folder == "collections" else ENVIRONMENT_SCHEMA_LINE
    assert line in readme
