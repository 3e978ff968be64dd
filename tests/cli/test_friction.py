"""Issue 20, "friction to remove": what a first day with postrun stumbled on, each item tested.

Runs send real HTTP to pytest-httpserver on loopback; the rest goes through the CLI in-process.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from runner.cli import cli

SECRET = "sk-friction-secret-0123456789"


def invoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    """Run postrun in-process; no Python traceback may reach the user."""
    result = CliRunner().invoke(cli, args, env=env)
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------- validate warnings

TUTORIAL = """\
secrets: [API_KEY]
variables:
  base_url: http://127.0.0.1:9/v1
requests:
  - name: Chat
    method: POST
    url: <<base_url>>/chat
    headers:
      Authorization: Bearer $API_KEY
      X-Base: ${base_url}   # $base_url in a comment is no warning
    body:
      json: {model: m}
"""


def test_dollar_names_and_an_unused_secret_are_warned(tmp_path: Path) -> None:
    write(tmp_path / "chat.yaml", TUTORIAL)
    result = invoke(["validate", "chat.yaml"])
    assert result.exit_code == 0
    out = result.output
    assert (
        "warning: chat.yaml:9:29: '$API_KEY' is sent as written: postrun fills in "
        "<<API_KEY>>, not $API_KEY" in out
    )
    assert "warning: chat.yaml:10:15: '${base_url}' is sent as written" in out
    assert "$base_url'" not in out  # the comment
    assert "warning: chat.yaml:1:11: secret API_KEY is declared but no request uses it" in out


def test_a_secret_used_through_a_variable_counts_as_used(tmp_path: Path) -> None:
    write(
        tmp_path / "c.yaml",
        "secrets: [API_KEY]\nvariables: {auth: Bearer <<API_KEY>>}\nrequests:\n"
        "  - name: r\n    url: http://127.0.0.1:9/\n    headers: {Authorization: <<auth>>}\n",
    )
    result = invoke(["validate", "c.yaml"])
    assert result.exit_code == 0
    assert "warning" not in result.output


def test_the_shipped_collections_validate_without_warnings(shipped: Path) -> None:
    result = invoke(["validate", "collections/", "--env", "openai"])
    assert result.exit_code == 0
    assert "warning" not in result.output


RUN_TIME_FAILURES = """\
variables:
  base: http://127.0.0.1:9
requests:
  - name: a
    method: GETT
    url: <<base>>/a
    body:
      json: '{"title": "x"}'
    assert:
      jsonpath:
        $.count: {greater_than: 1, less_than: 5}
        $.size: {minimum: 1}
        $.pair: {x: 1, y: 2}
  - name: b
    method: PURGE
    url: <<base>>/b
"""


def test_validate_warns_about_what_fails_at_run_time(tmp_path: Path) -> None:
    write(tmp_path / "c.yaml", RUN_TIME_FAILURES)
    result = invoke(["validate", "c.yaml", "--var", "bsae=1", "--var", "base=http://x"])
    assert result.exit_code == 0
    out = result.output
    assert "warning: c.yaml:4:5: 'GETT' is not a known HTTP method (did you mean GET?)" in out
    assert "PURGE" not in out  # a known cache method
    assert "c.yaml:8:7: this json body is a string holding JSON" in out
    assert (
        'c.yaml:11:9: {"greater_than": 1, "less_than": 5} is compared as a literal object, '
        "not as a matcher: did you mean gt for 'greater_than', lt for 'less_than'?" in out
    )
    assert 'c.yaml:12:9: {"minimum": 1} is compared as a literal object' in out
    assert "did you mean gte for 'minimum'" in out
    assert '{"x": 1, "y": 2}' not in out  # keys that read as no operator: a literal, as meant
    assert "warning: --var bsae: no request uses 'bsae' (did you mean base?)" in out
    assert "--var base:" not in out


@pytest.mark.parametrize(
    ("url", "variables", "shown", "guess"),
    [
        ("127.0.0.1:8000/v1", "{}", "'127.0.0.1:8000/v1'", "http://127.0.0.1:8000/v1"),
        ("<<host>>/v1", "{host: localhost:8000}", "'localhost:8000/v1' (from '<<host>>/v1')",
         "http://localhost:8000/v1"),
        ("ftp://files.example/x", "{}", "'ftp://files.example/x'", "http://files.example/x"),
    ],
)  # fmt: skip
def test_a_url_with_no_http_scheme_is_an_input_error(
    tmp_path: Path, url: str, variables: str, shown: str, guess: str
) -> None:
    write(
        tmp_path / "c.yaml",
        f"variables: {variables}\nrequests:\n  - name: r\n    url: {url}\n",
    )
    result = invoke(["validate", "c.yaml"])
    assert result.exit_code == 2
    assert f"error: the URL of 'r' has no http:// or https:// scheme: {shown}" in result.output
    assert "--> c.yaml:3:5" in result.output
    assert f"did you mean '{guess}'?" in result.output


def test_a_url_that_starts_with_a_capture_is_left_to_the_run(tmp_path: Path) -> None:
    write(
        tmp_path / "c.yaml",
        "requests:\n  - name: a\n    url: http://127.0.0.1:9/\n    capture: {next: $.next}\n"
        "  - name: b\n    url: <<next>>\n",
    )
    assert invoke(["validate", "c.yaml"]).exit_code == 0


# ----------------------------------------------------------------------- loading and input


def test_a_typo_of_requests_in_a_directory_run_is_an_input_error(tmp_path: Path) -> None:
    write(tmp_path / "api/good.yaml", "requests:\n  - name: r\n    url: http://127.0.0.1:9/\n")
    write(tmp_path / "api/typo.yaml", "name: x\nrequets:\n  - name: r\n    url: http://x/\n")
    write(tmp_path / "api/compose.yaml", "services:\n  web: {image: nginx}\n")
    result = invoke(["run", "api", "--mock"])
    assert result.exit_code == 2
    assert "error: unknown key 'requets' in collection" in result.output
    assert "--> api/typo.yaml:2:1" in result.output
    assert "did you mean 'requests'?" in result.output
    assert "skipped YAML files that have no `requests`: api/compose.yaml" in result.output


def test_a_url_given_as_path_is_named_as_written(tmp_path: Path) -> None:
    result = invoke(["run", "http://127.0.0.1:8000/v1/models"])
    assert result.exit_code == 2
    assert (
        "error: 'http://127.0.0.1:8000/v1/models' is a URL: postrun runs collection files, "
        "not URLs" in result.output
    )
    assert "postrun import curl 'curl http://127.0.0.1:8000/v1/models'" in result.output


def test_a_malformed_env_line_is_named_with_file_and_line(tmp_path: Path) -> None:
    write(
        tmp_path / "c.yaml",
        "secrets: [API_KEY]\nrequests:\n  - name: r\n    url: http://127.0.0.1:9/\n"
        "    headers: {Authorization: Bearer <<API_KEY>>}\n",
    )
    write(tmp_path / "keys.env", f"API_KEY={SECRET}\nthis line is {SECRET} broken\nB=2\n")
    result = invoke(["validate", "c.yaml", "--env-file", "keys.env"])
    assert result.exit_code == 0
    assert "warning: keys.env:2: not a NAME=value line, so it is ignored" in result.output
    assert SECRET not in result.output  # the line is not shown: it may hold a secret
    assert "note: secret API_KEY is not set" not in result.output  # line 1 still counts


@pytest.mark.parametrize(
    ("text", "where", "hint"),
    [
        # A line indented less than the value it continues: PyYAML notices on the next key.
        ("    description: a note\n  that goes on\n    method: GET\n", "c.yaml:5:3",
         "this line is indented less than the one before, and has no ':'"),
        ("    method POST\n    body: {raw: x}\n", "c.yaml:4:5", "add ':' after the key"),
        ("     method: POST\n", "c.yaml:4:12", "this line is indented more than the one before"),
    ],
)  # fmt: skip
def test_a_mis_indented_line_is_reported_at_its_own_line(
    tmp_path: Path, text: str, where: str, hint: str
) -> None:
    write(tmp_path / "c.yaml", "requests:\n  - name: a\n    url: http://127.0.0.1:9/\n" + text)
    result = invoke(["validate", "c.yaml"])
    assert result.exit_code == 2
    assert f"--> {where}" in result.output
    assert hint in result.output


def test_inherited_auth_using_a_later_capture_names_the_request(tmp_path: Path) -> None:
    write(
        tmp_path / "c.yaml",
        """\
defaults:
  auth: {bearer: <<token>>}
requests:
  - name: Log in
    method: POST
    url: http://127.0.0.1:9/login
    capture: {token: $.token}
  - name: Me
    url: http://127.0.0.1:9/me
""",
    )
    for command in ("validate", "run"):
        result = invoke([command, "c.yaml"])
        assert result.exit_code == 2
        assert "'token' used at c.yaml:2:18 (defaults.auth)" in result.output
        assert (
            "hint: 'Log in' (c.yaml:4:5) inherits defaults.auth, which uses 'token' before it "
            "captures it: add `auth: none` to 'Log in'" in result.output
        )


def test_an_unusable_report_folder_is_refused_before_anything_is_sent(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """/proc takes no new file, although os.access says it does to root."""
    httpserver.expect_request("/x").respond_with_data("ok")
    write(tmp_path / "c.yaml", f"requests:\n  - name: r\n    url: {httpserver.url_for('/x')}\n")
    result = invoke(["run", "c.yaml", "--report", "json:/proc/postrun-nope/r.json"])
    assert result.exit_code == 2
    assert "cannot write the report /proc/postrun-nope/r.json: /proc takes no new file" in (
        result.output
    )
    assert httpserver.log == []


def test_help_shows_traceback_and_the_sigterm_status() -> None:
    main = invoke(["--help"]).output
    assert "143 stopped by SIGTERM" in " ".join(main.split())
    assert "--traceback" in main
    run = invoke(["run", "--help"]).output
    assert "--traceback" in run and "Show the Python traceback" in run


# ----------------------------------------------------------------- export curl's secrets


def test_export_curl_needs_no_secret_to_print_masked_commands(shipped: Path) -> None:
    result = invoke(["export", "curl", "collections/openai-chat.yaml", "--env", "openai"])
    assert result.exit_code == 0
    assert "-H 'Authorization: Bearer ****'" in result.output
    assert "note: secret API_KEY is not set: the commands show **** for it" in result.output
    assert "postrun-unset" not in result.output


def test_export_curl_needs_only_the_selected_files_and_secrets(shipped: Path) -> None:
    result = invoke(["export", "curl", "collections/", "--request", "Notes/*", "-o", "n.sh"])
    assert result.exit_code == 0
    script = (shipped / "n.sh").read_text(encoding="utf-8")
    assert "# Notes/Create note" in script and "api.openai.com" not in script
    assert "note: secret" not in result.output  # NOTES_PASSWORD is for 'Log in' only


def test_export_curl_with_show_secrets_demands_the_secrets_it_writes(shipped: Path) -> None:
    args = ["export", "curl", "collections/", "--request", "Log in", "--show-secrets"]
    missing = invoke(args)
    assert missing.exit_code == 2
    assert "error: secret NOTES_PASSWORD (declared at collections/notes-crud.yaml:26:11)" in (
        missing.output
    )
    assert "API_KEY" not in missing.output
    shown = invoke(args, env={"NOTES_PASSWORD": SECRET})
    assert shown.exit_code == 0
    assert SECRET in shown.output
    notes = invoke(["export", "curl", "collections/", "--request", "Notes/*", "--show-secrets"])
    assert notes.exit_code == 0  # no selected request uses NOTES_PASSWORD


# ------------------------------------------------------------------- after a failed request

CHAIN = """\
variables:
  base_url: {base}
requests:
  - name: Create
    method: POST
    url: <<base_url>>/items
    params: {{verbose: 1, tag: [a, b]}}
    capture: {{item_id: $.id}}
    assert:
      status: 201
      jsonpath:
        $.id: {{type: integer}}
        $.title: Buy milk
        $.done: false
      time_ms: {{lt: 0}}
  - name: Read
    url: <<base_url>>/items/<<item_id>>
"""


@pytest.fixture
def failed_chain(tmp_path: Path, httpserver: HTTPServer) -> Result:
    error = {"error": {"message": "You exceeded your current quota", "code": "insufficient_quota"}}
    httpserver.expect_request("/api/items", method="POST").respond_with_json(error, status=429)
    write(tmp_path / "c.yaml", CHAIN.format(base=httpserver.url_for("/api")))
    return invoke(["run", "c.yaml", "--report", "json:r.json", "--report", "junit:r.xml"])


def test_a_request_after_a_failed_capture_renders_what_it_can(
    failed_chain: Result, httpserver: HTTPServer
) -> None:
    out = failed_chain.output
    assert failed_chain.exit_code == 1
    assert f"✗ Read  GET {httpserver.url_for('/api')}/items/<<item_id>>" in out
    assert (
        "undefined variable 'item_id': capture 'item_id' in 'Create' found nothing "
        "(c.yaml:8:15)" in out
    )
    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    assert report["requests"][1]["url"] == f"{httpserver.url_for('/api')}/items/<<item_id>>"


def test_the_console_shows_params_in_the_url(failed_chain: Result, httpserver: HTTPServer) -> None:
    url = httpserver.url_for("/api/items")
    assert f"✗ Create  POST {url}?verbose=1&tag=a&tag=b  429 " in (failed_chain.output)


def test_jsonpath_failures_on_an_api_error_are_one_console_line(failed_chain: Result) -> None:
    out = failed_chain.output
    assert (
        "✗ 3 JSONPath checks failed: the body is an API error, not the response they expect "
        "($.id, $.title, $.done)" in out
    )
    assert "at c.yaml:12:9 and below; the reports list each check" in out
    assert "no match for $.title" not in out
    assert "✗ status: expected 201, got 429" in out  # other checks keep their own line
    assert "API error: (insufficient_quota) You exceeded your current quota" in out
    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    messages = [check["message"] for check in report["requests"][0]["checks"]]
    assert "no match for $.title" in messages and len(messages) == 5
    failures = ET.parse("r.xml").getroot().iter("failure")
    assert sum(1 for failure in failures if failure.get("type") == "jsonpath") == 3


def test_one_failed_jsonpath_check_keeps_its_own_line(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/x").respond_with_json({"error": "busy"}, status=503)
    write(
        tmp_path / "c.yaml",
        f"requests:\n  - name: r\n    url: {httpserver.url_for('/x')}\n"
        "    assert:\n      jsonpath: {$.id: 1}\n",
    )
    out = invoke(["run", "c.yaml"]).output
    assert "✗ jsonpath $.id: no match for $.id (expected 1)" in out
    assert "JSONPath checks failed" not in out


STREAMED = """\
requests:
  - name: Stream
    method: POST
    url: {url}
    stream:
      sse: {{join: "$.choices[0].delta.content"}}
    assert:
      status: 200
      events: {{length: {{gte: 3}}}}
      jsonpath:
        $[0].data.object: chat.completion.chunk
        $[-1].data: "[DONE]"
      joined: {{empty: false}}
      time_to_first_event_ms: {{lt: 10000}}
"""


def test_stream_checks_on_an_api_error_join_the_one_console_line(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    error = {"error": {"message": "You exceeded your current quota", "code": "insufficient_quota"}}
    httpserver.expect_request("/v1/chat").respond_with_json(error, status=429)
    write(tmp_path / "c.yaml", STREAMED.format(url=httpserver.url_for("/v1/chat")))
    result = invoke(["run", "c.yaml", "--report", "json:r.json", "--report", "junit:r.xml"])
    out = result.output
    assert result.exit_code == 1
    assert (
        "✗ 5 checks failed: the body is an API error, not the response they expect "
        "(events, $[0].data.object, $[-1].data, joined, time_to_first_event_ms)" in out
    )
    assert "at c.yaml:9:7 and below; the reports list each check" in out  # events, the first
    assert "not an event stream" not in out
    assert "✗ status: expected 200, got 429" in out
    assert "API error: (insufficient_quota) You exceeded your current quota" in out
    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    messages = [check["message"] for check in report["requests"][0]["checks"]]
    assert len(messages) == 6
    stream_problem = "the response is not an event stream (429, application/json)"
    assert sum(1 for message in messages if message == stream_problem) == 3
    kinds = [failure.get("type") for failure in ET.parse("r.xml").getroot().iter("failure")]
    assert sorted(kinds) == sorted(
        ["status", "events", "jsonpath", "jsonpath", "joined", "time_to_first_event_ms"]
    )


def test_one_stream_check_on_an_api_error_keeps_its_own_line(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/x").respond_with_json({"error": "busy"}, status=503)
    write(
        tmp_path / "c.yaml",
        f"requests:\n  - name: r\n    url: {httpserver.url_for('/x')}\n    stream: sse\n"
        "    assert:\n      events: {length: {gte: 1}}\n",
    )
    out = invoke(["run", "c.yaml"]).output
    assert (
        "✗ events: the response is not an event stream (503, application/json) "
        "(expected length gte 1)" in out
    )
    assert "checks failed" not in out


def test_time_ms_actual_values_are_rounded(failed_chain: Result) -> None:
    line = next(line for line in failed_chain.output.splitlines() if "time_ms:" in line)
    actual = line.rsplit("got ", 1)[1]
    assert len(actual.partition(".")[2]) <= 1, line
    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    (check,) = [c for c in report["requests"][0]["checks"] if c["kind"] == "time_ms"]
    assert check["actual"] == round(check["actual"], 1)
    assert check["message"] == f"expected < 0, got {check['actual']}"
    junit = ET.parse("r.xml").getroot()
    (failure,) = [f for f in junit.iter("failure") if f.get("type") == "time_ms"]
    assert failure.get("message") == check["message"]


def test_the_url_error_never_shows_a_secret(tmp_path: Path) -> None:
    write(
        tmp_path / "c.yaml",
        "secrets: [API_KEY]\nrequests:\n  - name: r\n    url: localhost:9/x?key=<<API_KEY>>\n",
    )
    for env in ({}, {"API_KEY": SECRET}):
        result = invoke(["validate", "c.yaml"], env=env)
        assert result.exit_code == 2 and "has no http:// or https:// scheme" in result.output
        assert SECRET not in result.output
    result = invoke(["validate", "c.yaml", "--var", f"API_KEY={SECRET}"])
    assert result.exit_code == 2 and SECRET not in result.output
    assert "'localhost:9/x?key=****'" in result.output


def test_a_literal_object_with_ordinary_keys_is_no_warning(tmp_path: Path) -> None:
    write(
        tmp_path / "c.yaml",
        "requests:\n  - name: r\n    url: http://127.0.0.1:9/\n    assert:\n      jsonpath:\n"
        "        $.page: {count: 3, total: 10}\n",
    )
    result = invoke(["validate", "c.yaml"])
    assert result.exit_code == 0 and "warning" not in result.output


def test_the_inherited_auth_hint_holds_for_a_large_file(tmp_path: Path) -> None:
    """A file over 1 MB is read as packed requests, decoded afresh on each walk."""
    lines = ["defaults:", "  auth: {bearer: <<token>>}", "requests:", "  - name: Log in"]
    lines += ["    method: POST", "    url: http://127.0.0.1:9/login", "    capture: {token: $.t}"]
    for index in range(3000):
        lines += [f"  - name: r{index}", f"    url: http://127.0.0.1:9/r/{index}"]
        lines += ["    description: " + "x" * 300]
    write(tmp_path / "big.yaml", "\n".join(lines) + "\n")
    assert (tmp_path / "big.yaml").stat().st_size > 1_000_000
    result = invoke(["validate", "big.yaml"])
    assert result.exit_code == 2
    assert "'Log in' (big.yaml:4:5) inherits defaults.auth" in result.output
