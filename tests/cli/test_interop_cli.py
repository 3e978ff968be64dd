"""`postrun import curl` and `postrun export curl` through the command line."""

from __future__ import annotations

import base64
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from runner.cli import cli

OPENAI_CURL = """curl https://api.openai.com/v1/chat/completions \\
  -H "Content-Type: application/json" \\
  -H "Authorization: Bearer $OPENAI_API_KEY" \\
  -d '{"model": "gpt-3.5-turbo", "temperature": 0.7}'"""


def test_import_curl_prints_a_collection_that_loads(cli_runner: CliRunner, tmp_path: Path) -> None:
    result = cli_runner.invoke(cli, ["import", "curl", OPENAI_CURL])
    assert result.exit_code == 0, result.output
    (tmp_path / "c.yaml").write_text(result.stdout, encoding="utf-8")
    listed = cli_runner.invoke(cli, ["list", "c.yaml"])
    assert listed.exit_code == 0, listed.output
    assert "POST    POST /v1/chat/completions  https://api.openai.com/v1/chat/completions" in (
        listed.output
    )
    validated = cli_runner.invoke(cli, ["validate", "c.yaml"])
    assert validated.exit_code == 0, validated.output


def test_import_curl_from_stdin_appends_to_a_collection(
    cli_runner: CliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "api.yaml"
    target.write_text(
        "# my API\nname: API\nrequests:\n  - name: Health  # keep me\n    url: http://h/health\n",
        encoding="utf-8",
    )
    result = cli_runner.invoke(
        cli, ["import", "curl", "-o", "api.yaml"], input="curl -X DELETE http://h/items/1\n"
    )
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# my API\nname: API\nrequests:\n  - name: Health  # keep me\n")
    listed = cli_runner.invoke(cli, ["list", "api.yaml"])
    assert "DELETE  DELETE /items/1" in listed.output


def test_import_curl_with_unknown_flag_warns(cli_runner: CliRunner) -> None:
    result = cli_runner.invoke(cli, ["import", "curl", "curl --frobnicate http://h/x"])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "--frobnicate" in result.stderr


def test_import_curl_that_is_not_curl_is_an_input_error(cli_runner: CliRunner) -> None:
    result = cli_runner.invoke(cli, ["import", "curl", "wget http://h/x"])
    assert result.exit_code == 2
    assert "error:" in result.output and "Traceback" not in result.output


def test_export_curl_masks_secrets_unless_asked(
    cli_runner: CliRunner, tmp_path: Path, httpserver: HTTPServer
) -> None:
    (tmp_path / "c.yaml").write_text(
        f"""name: C
secrets: [API_KEY]
requests:
  - name: Me
    url: {httpserver.url_for("/me")}
    headers: {{X-Key: <<API_KEY>>}}
  - name: Other
    url: {httpserver.url_for("/other")}
""",
        encoding="utf-8",
    )
    env = {"API_KEY": "sk-export-secret-9"}
    masked = cli_runner.invoke(cli, ["export", "curl", "c.yaml", "--request", "Me"], env=env)
    assert masked.exit_code == 0, masked.output
    assert "X-Key: ****" in masked.output and "sk-export-secret-9" not in masked.output
    assert "/other" not in masked.output
    shown = cli_runner.invoke(
        cli, ["export", "curl", "c.yaml", "--show-secrets", "-o", "out/cmds.sh"], env=env
    )
    assert shown.exit_code == 0, shown.output
    script = (tmp_path / "out/cmds.sh").read_text(encoding="utf-8")
    assert script.startswith("#!/bin/sh\n# Me\ncurl ")
    assert "sk-export-secret-9" in script and "# Other" in script


def test_export_curl_with_no_matching_request_is_an_input_error(
    cli_runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "c.yaml").write_text(
        "name: C\nrequests:\n  - name: A\n    url: http://h/a\n", encoding="utf-8"
    )
    result = cli_runner.invoke(cli, ["export", "curl", "c.yaml", "--request", "Nope"])
    assert result.exit_code == 2
    assert "Nope" in result.output


POSTMAN = Path(__file__).resolve().parents[1] / "data" / "postman"


def test_import_postman_writes_yaml_that_validates_and_refuses_to_overwrite(
    cli_runner: CliRunner, tmp_path: Path
) -> None:
    args = [
        "import",
        "postman",
        str(POSTMAN / "petstore.postman_collection.json"),
        "--environment",
        str(POSTMAN / "local.postman_environment.json"),
        "-o",
        "out",
    ]
    result = cli_runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "10 requests, 15 checks and 2 captures translated" in result.output
    assert (tmp_path / "out/collections/pet-store-v2.yaml").exists()
    assert (tmp_path / "out/environments/local-dev.yaml").exists()
    again = cli_runner.invoke(cli, args)
    assert (
        again.exit_code == 2 and "already exists" in again.output and "--overwrite" in again.output
    )
    assert cli_runner.invoke(cli, [*args, "--overwrite"]).exit_code == 0


def test_import_postman_of_a_file_that_is_not_postman_is_an_input_error(
    cli_runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "x.json").write_text('{"hello": ', encoding="utf-8")
    result = cli_runner.invoke(cli, ["import", "postman", "x.json"])
    assert result.exit_code == 2
    assert "x.json" in result.output and "Traceback" not in result.output


def test_export_postman_then_import_gives_the_same_requests(
    cli_runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "api.yaml").write_text(
        """name: API
variables: {base: "http://127.0.0.1:1"}
requests:
  - name: Users
    requests:
      - name: Create
        method: POST
        url: <<base>>/users
        headers: {X-Team: qa}
        body: {json: {name: ann, admin: false}}
        assert: {status: 201, jsonpath: {$.id: {exists: true}}}
        capture: {user_id: $.id}
      - name: Get
        url: <<base>>/users/<<user_id>>
        assert: {status: 200}
""",
        encoding="utf-8",
    )
    exported = cli_runner.invoke(cli, ["export", "postman", "api.yaml", "-o", "api.json"])
    assert exported.exit_code == 0, exported.output
    document = (tmp_path / "api.json").read_text(encoding="utf-8")
    assert "v2.1.0" in document and "{{base}}/users" in document
    imported = cli_runner.invoke(cli, ["import", "postman", "api.json", "-o", "back"])
    assert imported.exit_code == 0, imported.output
    listed = cli_runner.invoke(cli, ["list", "back/collections/api.yaml"])
    assert listed.exit_code == 0, listed.output
    assert "POST    Users/Create  <<base>>/users" in listed.output
    assert "GET     Users/Get     <<base>>/users/<<user_id>>" in listed.output


def test_export_postman_leaves_secrets_empty_unless_asked(
    cli_runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "ci.yaml").write_text(
        "name: ci\nvariables: {base: 'http://h'}\nsecrets: [TOKEN]\n", encoding="utf-8"
    )
    (tmp_path / "api.yaml").write_text(
        "name: API\nsecrets: [API_KEY]\nrequests:\n  - name: A\n    url: <<base>>/a\n"
        "    headers: {X-Key: <<API_KEY>>, X-Token: <<TOKEN>>}\n",
        encoding="utf-8",
    )
    env = {"API_KEY": "key-value-123", "TOKEN": "token-value-456"}
    hidden = cli_runner.invoke(
        cli, ["export", "postman", "api.yaml", "--env", "ci", "-o", "out/api.json"], env=env
    )
    assert hidden.exit_code == 0, hidden.output
    written = (tmp_path / "out/api.json").read_text(encoding="utf-8") + (
        tmp_path / "out/ci.postman_environment.json"
    ).read_text(encoding="utf-8")
    assert "key-value-123" not in written and "token-value-456" not in written
    shown = cli_runner.invoke(
        cli,
        ["export", "postman", "api.yaml", "--env", "ci", "-o", "out/api.json", "--show-secrets"],
        env=env,
    )
    assert shown.exit_code == 0, shown.output
    written = (tmp_path / "out/api.json").read_text(encoding="utf-8") + (
        tmp_path / "out/ci.postman_environment.json"
    ).read_text(encoding="utf-8")
    assert "key-value-123" in written and "token-value-456" in written


# A literal credential in a pasted command: (id, command with {url}, the literals that must not
# be written or printed, {secret name: value to set when running}, where the credential goes).
BASIC_B64 = base64.b64encode(b"ann:pw-basic-88").decode()
LITERAL_CASES = [
    (
        "bearer header",
        "curl -H 'Authorization: Bearer sk-live-abc123' {url}",
        ["sk-live-abc123"],
        {"AUTHORIZATION": "sk-live-abc123"},
        "Authorization",
    ),
    (
        "basic -u",
        "curl -u ann:pw-literal-77 {url}",
        ["pw-literal-77", base64.b64encode(b"ann:pw-literal-77").decode()],
        {"BASIC_PASSWORD": "pw-literal-77"},
        "Authorization",
    ),
    (
        "basic header",
        f"curl -H 'Authorization: Basic {BASIC_B64}' {{url}}",
        ["pw-basic-88", BASIC_B64],
        {"BASIC_PASSWORD": "pw-basic-88"},
        "Authorization",
    ),
    (
        "api-key header",
        "curl -H 'x-api-key: ak-literal-55' {url}",
        ["ak-literal-55"],
        {"X_API_KEY": "ak-literal-55"},
        "x-api-key",
    ),
    (
        "cookie header",
        "curl -H 'Cookie: session=sess-literal-66' {url}",
        ["sess-literal-66"],
        {"COOKIE": "session=sess-literal-66"},
        "Cookie",
    ),
    (
        "cookie -b",
        "curl -b 'session=sess-literal-67; theme=dark' {url}",
        ["sess-literal-67"],
        {"COOKIE": "session=sess-literal-67; theme=dark"},
        "Cookie",
    ),
    (
        "query api_key",
        "curl '{url}?api_key=qk-literal-44&page=2'",
        ["qk-literal-44"],
        {"API_KEY": "qk-literal-44"},
        "?api_key",
    ),
    (
        "oauth2 bearer",
        "curl --oauth2-bearer ob-literal-33 {url}",
        ["ob-literal-33"],
        {"BEARER_TOKEN": "ob-literal-33"},
        "Authorization",
    ),
    (
        "login in the URL",
        "curl {userinfo_url}",
        ["pw-url-11", base64.b64encode(b"ann:pw-url-11").decode()],
        {"BASIC_PASSWORD": "pw-url-11"},
        "Authorization",
    ),
]


def _sent(httpserver: HTTPServer, where: str) -> str | None:
    request = httpserver.log[-1][0]
    if where.startswith("?"):
        return request.args.get(where[1:])
    return request.headers.get(where)


@pytest.mark.parametrize(
    ("command", "literals", "secrets", "where"),
    [case[1:] for case in LITERAL_CASES],
    ids=[case[0] for case in LITERAL_CASES],
)
def test_import_curl_never_writes_a_literal_credential(
    cli_runner: CliRunner,
    tmp_path: Path,
    httpserver: HTTPServer,
    command: str,
    literals: list[str],
    secrets: dict[str, str],
    where: str,
) -> None:
    httpserver.expect_request("/v1/items").respond_with_data("ok")
    url = httpserver.url_for("/v1/items")
    pasted = command.format(url=url, userinfo_url=url.replace("://", "://ann:pw-url-11@"))
    printed = cli_runner.invoke(cli, ["import", "curl", pasted])
    written = cli_runner.invoke(cli, ["import", "curl", "-o", "c.yaml", pasted])
    assert printed.exit_code == 0 and written.exit_code == 0, printed.output + written.output
    text = (tmp_path / "c.yaml").read_text(encoding="utf-8")
    assert printed.stdout == text
    for literal in literals:
        for output in (text, printed.stdout, printed.stderr, written.stdout, written.stderr):
            assert literal not in output
    data = yaml.safe_load(text)
    assert data["secrets"] == list(secrets)
    assert all(f"<<{name}>>" in text for name in secrets)
    for name in secrets:
        assert f"export {name}=..." in written.stderr
        assert f"became the secret {name}" in written.stderr
    assert ".env" in written.stderr

    # The real curl, then the imported collection with the secret set: the same credential.
    args = shlex.split(pasted)
    done = subprocess.run(
        ["/usr/bin/curl", "-sS", "-o", "/dev/null", *args[1:]],
        capture_output=True,
        timeout=20,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    original = _sent(httpserver, where)
    assert original is not None
    ran = cli_runner.invoke(cli, ["run", "c.yaml"], env=secrets)
    assert ran.exit_code == 0, ran.output
    assert len(httpserver.log) == 2
    assert _sent(httpserver, where) == original
    assert all(literal not in ran.output for literal in literals)
