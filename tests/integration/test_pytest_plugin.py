"""The pytest plugin (runner/pytest_plugin.py), run by pytester against a loopback server."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

# What the plugin imports, imported here first: pytester's in-process runs drop the modules
# they import, and a second import of the YAML loader next to the first would not load.
import runner.engine
import runner.loader
import runner.report.console
import runner.transport

pytest_plugins = ["pytester"]
runner.transport.import_requests()

SECRET = "plugin-secret-value-987"


def collection(base: str, *, status: int = 200, name: str = "Notes") -> str:
    """Create a note, read it back with the captured id, then check a status."""
    return f"""\
name: {name}
variables: {{base_url: '{base}'}}
requests:
  - name: Create
    method: POST
    url: <<base_url>>/notes
    body: {{json: {{title: first}}}}
    assert:
      status: 201
    capture:
      note_id: $.id
  - name: Reads
    requests:
      - name: Get one
        url: <<base_url>>/notes/<<note_id>>
        assert:
          status: 200
          jsonpath: {{$.title: first}}
  - name: Health
    url: <<base_url>>/health
    assert:
      status: {status}
"""


def notes_api(httpserver: HTTPServer) -> None:
    """A notes API whose ids differ per create, so a capture must flow to be right."""
    notes: dict[str, dict[str, str]] = {}

    def create(request: Request) -> Response:
        note_id = str(len(notes) + 1)
        notes[note_id] = {"id": note_id, **json.loads(request.data)}
        return Response(json.dumps({"id": note_id}), status=201, content_type="application/json")

    def read(request: Request) -> Response:
        note = notes.get(request.path.rsplit("/", 1)[-1])
        if note is None:
            return Response("{}", status=404, content_type="application/json")
        return Response(json.dumps(note), content_type="application/json")

    httpserver.expect_request("/notes", method="POST").respond_with_handler(create)
    httpserver.expect_request("/health").respond_with_data("ok")
    for note_id in range(1, 10):
        httpserver.expect_request(f"/notes/{note_id}").respond_with_handler(read)


@pytest.fixture
def base(httpserver: HTTPServer) -> str:
    notes_api(httpserver)
    return httpserver.url_for("").rstrip("/")


def test_each_request_is_an_item_at_its_file_and_line(pytester: pytest.Pytester, base: str) -> None:
    pytester.makefile(".yaml", **{"collections/notes": collection(base)})
    items, _ = pytester.inline_genitems("--postrun")
    assert [item.nodeid for item in items] == [
        "collections/notes.yaml::Create",
        "collections/notes.yaml::Reads/Get one",
        "collections/notes.yaml::Health",
    ]
    assert [item.location[1] + 1 for item in items] == [4, 14, 19]
    assert items[0].location[2] == "POST Create"


def test_requests_run_in_order_with_captures_and_pass(
    pytester: pytest.Pytester, base: str, httpserver: HTTPServer
) -> None:
    pytester.makefile(".yaml", **{"collections/notes": collection(base)})
    result = pytester.runpytest("--postrun", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*collections/notes.yaml::Reads/Get one PASSED*"])
    assert httpserver.log[1][0].path == "/notes/1"


def test_a_failed_request_shows_its_checks_as_postrun_does(
    pytester: pytest.Pytester, base: str
) -> None:
    pytester.makefile(".yaml", **{"collections/notes": collection(base, status=503)})
    result = pytester.runpytest("--postrun")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*✗ Health  GET http://*/health  200 OK*",
            "*✗ status: expected 503, got 200*",
            "*at collections/notes.yaml:22:7*",
            "FAILED collections/notes.yaml::Health - status: expected 503, got 200*",
        ]
    )
    assert result.ret == 1


def test_without_opting_in_yaml_files_are_not_tests(pytester: pytest.Pytester, base: str) -> None:
    pytester.makefile(".yaml", **{"collections/notes": collection(base)})
    result = pytester.runpytest()
    result.assert_outcomes()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_the_ini_option_opts_in(pytester: pytest.Pytester, base: str) -> None:
    pytester.makefile(".yaml", **{"collections/notes": collection(base)})
    pytester.makeini("[pytest]\npostrun = true\n")
    pytester.runpytest("collections/").assert_outcomes(passed=3)


def test_dash_p_postrun_opts_in(pytester: pytest.Pytester, base: str) -> None:
    pytester.makefile(".yaml", **{"collections/notes": collection(base)})
    pytester.runpytest("-p", "postrun", "collections/").assert_outcomes(passed=3)


def test_dash_p_postrun_opts_in_even_without_plugin_autoload(
    pytester: pytest.Pytester, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makefile(".yaml", **{"collections/notes": collection(base)})
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = pytester.runpytest_subprocess("-p", "postrun", "collections/")
    result.assert_outcomes(passed=3)


def test_environments_are_not_collected_and_other_yaml_is_left_alone(
    pytester: pytest.Pytester, base: str
) -> None:
    pytester.makefile(".yaml", **{"collections/notes": collection(base)})
    pytester.makefile(".yaml", **{"environments/dev": "variables: {requests: 1}\n"})
    pytester.makefile(".yaml", config="settings: {a: 1}\n")
    items, _ = pytester.inline_genitems("--postrun")
    assert {item.path.name for item in items} == {"notes.yaml"}


def test_postrun_env_var_and_env_secrets(pytester: pytest.Pytester, httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/who", headers={"Authorization": f"Bearer {SECRET}", "X-Team": "blue"}
    ).respond_with_data("ok")
    pytester.makefile(
        ".yaml",
        **{
            "environments/staging": f"variables: {{base_url: '{httpserver.url_for('')}'}}\n"
            "secrets: [TOKEN]\n",
            "collections/who": "requests:\n"
            "  - name: Who\n"
            "    url: <<base_url>>who\n"
            "    headers: {Authorization: Bearer <<TOKEN>>, X-Team: <<team>>}\n"
            "    assert: {status: 200, body: nobody}\n",
        },
    )
    pytester.path.joinpath(".env.staging").write_text(f"TOKEN={SECRET}\n")
    result = pytester.runpytest(
        "--postrun", "--postrun-env", "staging", "--postrun-var", "team=blue"
    )
    result.assert_outcomes(failed=1)  # the body is "ok": the check fails, after the request
    result.stdout.fnmatch_lines(['*✗ body: expected "nobody", got "ok"*'])
    assert SECRET not in result.stdout.str() + result.stderr.str()
    assert len(httpserver.log) == 1 and httpserver.log[0][1].status_code == 200


def test_postrun_mock_answers_from_examples(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        api="requests:\n"
        "  - name: Offline\n"
        "    url: https://api.invalid/items\n"
        "    assert: {status: 200, jsonpath: {$.ok: true}}\n"
        "    examples: [{name: ok, body: {ok: true}}]\n",
    )
    pytester.runpytest("--postrun", "--postrun-mock").assert_outcomes(passed=1)


def test_a_collection_that_does_not_load_is_a_collection_error(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".yaml", api="requests:\n  - name: a\n    url: u\n    headres: {}\n")
    result = pytester.runpytest("--postrun")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*error: unknown key 'headres' in request*",
            "*--> api.yaml:4:5*",
            "*hint: did you mean 'headers'?*",
        ]
    )


def test_a_missing_secret_is_a_collection_error_naming_it(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", api="secrets: [NOPE_KEY]\nrequests:\n  - {name: a, url: u}\n")
    result = pytester.runpytest("--postrun")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*secret NOPE_KEY * is not set*"])


def reads(base: str, count: int) -> str:
    """A create, then ``count`` reads of the created note: each needs the captured id."""
    gets = "".join(
        f"  - name: Get {number}\n"
        "    url: <<base_url>>/notes/<<note_id>>\n"
        "    assert: {status: 200}\n"
        for number in range(count)
    )
    return (
        f"variables: {{base_url: '{base}'}}\n"
        "requests:\n"
        "  - name: Create\n"
        "    method: POST\n"
        "    url: <<base_url>>/notes\n"
        "    body: {json: {title: t}}\n"
        "    capture: {note_id: $.id}\n" + gets
    )


@pytest.mark.parametrize("dist", [[], ["--dist", "loadfile"]], ids=["-n 2", "--dist loadfile"])
def test_xdist_runs_each_file_whole_on_one_worker(
    pytester: pytest.Pytester, base: str, dist: list[str]
) -> None:
    """Spread by request, the reads at the end of a file would run on the worker that did not
    capture the id, and fail; spread by file, every one passes."""
    for number in (1, 2):
        pytester.makefile(".yaml", **{f"collections/notes{number}": reads(base, 8)})
    pytester.makepyfile(test_plain="def test_python_tests_still_run():\n    assert True\n")
    result = pytester.runpytest_subprocess("--postrun", "-n", "2", "-p", "no:cacheprovider", *dist)
    result.assert_outcomes(passed=19)
    assert "2 workers" in result.stdout.str()
