"""A collection file over 1 MB keeps its requests packed (runner.compact) and runs exactly as
the same file loaded as plain objects: same results, locations, captures, selection, overrides
and pre-flight errors."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.cli import cli
from runner.compact import CompactRequests
from runner.engine import Engine, RunOptions, plan_run
from runner.errors import TemplateError
from runner.loader import load_collection, streaming
from runner.model import CollectionSpec
from runner.results import RequestResult
from runner.selection import Selection
from runner.transport import new_session

# Three kinds of request, one after another, so a decoded request often takes the memory
# (and the id) of the one two before it, which sees other variables and renders other parts.
_ROUND = """\
  - name: Team {n}
    variables: {{who: team-{n}}}
    requests:
      - name: Echo
        url: <<base>>/echo?who=<<who>>&n={n}
        headers: {{Authorization: Bearer <<token>>}}
        assert:
          jsonpath: {{$.who: team-{n}, $.auth: Bearer t-123}}
  - name: Plain {n}
    url: <<base>>/echo?who=<<who>>&n={n}
    assert:
      jsonpath: {{$.who: top}}
  - name: Header {n}
    url: http://{host}/echo?n={n}
    headers: {{X-Who: <<who>>}}
    assert:
      jsonpath: {{$.header: top, $.n: "{wrong}"}}
"""


def _collection_text(base: str, rounds: int, *, extra: str = "") -> str:
    host = base.removeprefix("http://")
    parts = [
        f'name: Big\nvariables: {{base: "{base}", who: top}}\nrequests:\n',
        "  - name: Login\n    method: POST\n    url: <<base>>/login\n"
        "    capture: {token: $.token}\n    assert: {status: 200}\n",
    ]
    for n in range(rounds):
        # Every fifth Header request expects the wrong n: failures at known lines.
        wrong = n + 1 if n % 5 == 0 else n
        parts.append(_ROUND.format(n=n, host=host, wrong=wrong))
    parts.append(
        "  - name: Slow\n    url: <<base>>/slow\n    options: {timeout: 30}\n"
        "    assert: {status: 200}\n"
    )
    parts.append(extra)
    # Comments take the file over the 1 MB that makes the loader pack its requests.
    parts.append("# padding\n" * 110_000)
    return "".join(parts)


def _serve(httpserver: HTTPServer) -> None:
    def echo(request: Request) -> Response:
        body = {
            "who": request.args.get("who"),
            "n": request.args.get("n"),
            "auth": request.headers.get("Authorization"),
            "header": request.headers.get("X-Who"),
        }
        return Response(json.dumps(body), content_type="application/json")

    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/login", method="POST").respond_with_json({"token": "t-123"})
    httpserver.expect_request("/echo").respond_with_handler(echo)
    httpserver.expect_request("/slow").respond_with_handler(slow)


def _load_both(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[CollectionSpec, CollectionSpec]:
    packed = load_collection(path, base_dir=path.parent)
    with monkeypatch.context() as patch:
        patch.setattr(streaming, "STREAM_CHARS", 10**9)
        plain = load_collection(path, base_dir=path.parent)
    assert isinstance(packed.requests, CompactRequests)
    assert isinstance(plain.requests, tuple)
    return packed, plain


def _run(collection: CollectionSpec, options: RunOptions) -> list[RequestResult]:
    plan = plan_run([collection], options)
    with new_session() as session:
        run = Engine(plan, session).run()
    return [dataclasses.replace(result, elapsed_ms=0.0) for result in run.requests]


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A threaded server: /slow holds one thread while the next run is served on another."""
    httpserver = HTTPServer(host="127.0.0.1", threaded=True)
    httpserver.start()
    _serve(httpserver)
    yield httpserver
    httpserver.clear()
    httpserver.stop()


@pytest.fixture
def big_file(tmp_path: Path, server: HTTPServer) -> Path:
    path = tmp_path / "big.yaml"
    path.write_text(_collection_text(server.url_for("").rstrip("/"), 12), encoding="utf-8")
    assert path.stat().st_size > 1_000_000
    return path


def test_a_packed_collection_runs_like_the_plain_one(
    big_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packed, plain = _load_both(big_file, monkeypatch)
    assert packed == plain
    # Everything but Slow, twice: the second iteration decodes every request again.
    selection = Selection(patterns=("Login", "Team */*", "Plain *", "Header *"))
    options = RunOptions(selection=selection, iterations=2)
    from_packed = _run(packed, options)
    from_plain = _run(plain, options)
    assert from_packed == from_plain
    assert len(from_packed) == 2 * (1 + 3 * 12)
    # Captures flowed: the token from Login reached every Team request, in both iterations.
    team = [result for result in from_packed if result.path.startswith("Team ")]
    assert len(team) == 24
    assert all(result.passed for result in team), [r for r in team if not r.passed][:1]
    # Each request saw its own variables, whichever request came before it.
    assert all(result.passed for result in from_packed if result.name.startswith("Plain "))
    failed = [result for result in from_packed if not result.passed]
    assert [result.name for result in failed] == ["Header 0", "Header 5", "Header 10"] * 2
    text = big_file.read_text(encoding="utf-8").splitlines()
    for result in failed:
        (check,) = [check for check in result.checks if not check.passed]
        assert check.location is not None
        assert check.location.file == str(big_file)
        assert text[check.location.line - 1].strip().startswith("jsonpath: {$.header: top")


def test_selection_and_timeout_override_stay_packed(
    big_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packed, plain = _load_both(big_file, monkeypatch)
    options = RunOptions(
        selection=Selection(patterns=("Slow", "Plain 3")), option_overrides={"timeout": 0.2}
    )
    plan = plan_run([packed], options)
    (selected,) = plan.collections
    assert isinstance(selected.requests, CompactRequests)
    assert [request.path for request in selected.requests] == ["Plain 3", "Slow"]
    assert all(request.options["timeout"] == 0.2 for request in selected.requests)
    from_packed, from_plain = _run(packed, options), _run(plain, options)
    assert from_packed == from_plain
    plain_3, slow = from_packed
    assert plain_3.passed
    # The file's own `timeout: 30` gave way to the command line's 0.2 s.
    assert slow.status is None and slow.error is not None and "timed out after 0.2s" in slow.error


def test_an_undefined_variable_is_found_before_anything_is_sent(
    tmp_path: Path, server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.yaml"
    extra = "  - name: Late\n    url: <<base>>/late/<<nowhere>>\n"
    text = _collection_text(server.url_for("").rstrip("/"), 3, extra=extra)
    path.write_text(text, encoding="utf-8")
    packed, plain = _load_both(path, monkeypatch)
    errors = []
    for collection in (packed, plain):
        with pytest.raises(TemplateError) as caught:
            plan_run([collection], RunOptions())
        errors.append((caught.value.message, caught.value.location, caught.value.hint))
    assert errors[0] == errors[1]
    # The message names each place the variable is used, with file:line:column.
    line = text.count("\n", 0, text.index("<<nowhere>>")) + 1
    assert "undefined variable 'nowhere'" in errors[0][0]
    assert f"{path}:{line}:" in errors[0][0]
    assert server.log == []


def test_the_cli_lists_and_runs_a_packed_file(
    big_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(big_file.parent)
    monkeypatch.setenv("NO_COLOR", "1")
    runner = CliRunner()
    listed = runner.invoke(cli, ["list", big_file.name, "--request", "Team 1*"])
    assert listed.exit_code == 0, listed.output
    assert "Team 1/Echo" in listed.output and "Team 11/Echo" in listed.output
    assert "Team 2/Echo" not in listed.output
    arguments = ["run", big_file.name, "--request", "Login", "--request", "Header 5"]
    result = runner.invoke(cli, [*arguments, "--timeout", "5"])
    assert result.exit_code == 1, result.output
    line = big_file.read_text(encoding="utf-8").count("\n", 0, _position_of_header(5, big_file))
    assert f"{big_file.name}:{line + 1}:" in result.output
    assert "2 requests" in result.output and "1 failed" in result.output


def _position_of_header(n: int, path: Path) -> int:
    """Where the failing check of request Header n is written."""
    text = path.read_text(encoding="utf-8")
    return text.index("$.header", text.index(f"- name: Header {n}\n"))


_APIKEY = """\
  - name: Keyed
    url: <<base>>/echo?who=keyed
    auth: {apikey: {header: X-Bench-Key, value: k-0123456789}}
    assert: {status: 200}
"""


def test_planning_reads_the_packed_summary_and_decodes_nothing(
    tmp_path: Path, server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 21: the folder scopes and apikey headers come from what packing noted, so planning
    # decodes each request once for the pre-flight, not once more for the scopes.
    from runner.engine.scopes import scan_scopes

    path = tmp_path / "keyed.yaml"
    text = _collection_text(server.url_for("").rstrip("/"), 3, extra=_APIKEY)
    path.write_text(text, encoding="utf-8")
    packed, plain = _load_both(path, monkeypatch)
    assert isinstance(packed.requests, CompactRequests)
    assert packed.requests.summary.apikey_headers == {"X-Bench-Key"}
    assert packed.requests.summary.auth_kinds == {"apikey"}
    decoded: list[object] = []
    original = CompactRequests._decode
    monkeypatch.setattr(
        CompactRequests, "_decode", lambda self, data: decoded.append(data) or original(self, data)
    )
    scopes, headers = scan_scopes([packed], None)
    assert decoded == []
    assert (scopes, headers) == scan_scopes([plain], None)
    assert headers == {"X-Bench-Key"}
    # Selected apart, the summary is of the kept requests only.
    kept = packed.requests.keep(lambda request: request.name != "Keyed")
    assert kept.summary.apikey_headers == frozenset()
    assert kept.summary.auth_kinds == frozenset()
    assert len(kept.summary.folder_scopes) == len(packed.requests.summary.folder_scopes)


def _counting_decodes(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The packed requests decoded from now on, one entry each."""
    decoded: list[object] = []
    original = CompactRequests._decode
    monkeypatch.setattr(
        CompactRequests, "_decode", lambda self, data: decoded.append(data) or original(self, data)
    )
    return decoded


def test_a_run_of_a_packed_file_decodes_each_request_once(
    big_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 21: planning reads the packed summary (scopes, apikey headers, auth kinds for the
    # signers' extras, outlines), so the whole `postrun run` decodes each request once, to run
    # it. Checking the auth kinds by decoding every request cost 0.2 s for 10,000 POSTs.
    monkeypatch.chdir(big_file.parent)
    monkeypatch.setenv("NO_COLOR", "1")
    packed, _ = _load_both(big_file, monkeypatch)
    assert packed.requests.summary.auth_kinds == frozenset()
    decoded = _counting_decodes(monkeypatch)
    arguments = ["run", big_file.name, "--timeout", "5"]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 1, result.output
    assert f"{len(packed.requests)} requests" in result.output
    assert len(decoded) == len(packed.requests)


def test_the_placeholder_check_reads_outlines_and_decodes_nothing(
    big_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 21: packing notes each request's placeholder and capture names, so planning a large
    # file that is all defined decodes none of its requests (about 100k instructions each).
    packed, plain = _load_both(big_file, monkeypatch)
    assert isinstance(packed.requests, CompactRequests)
    outlines = [(scopes, names, captures) for scopes, names, captures in packed.requests.outlines()]
    assert [(names, captures) for _, names, captures in outlines] == [
        (
            tuple(dict.fromkeys(use.name for use in request.placeholders)),
            tuple(spec.name for spec in request.captures),
        )
        for request in plain.requests
    ]
    assert [scopes for scopes, _, _ in outlines] == [r.folder_scopes for r in plain.requests]
    decoded = _counting_decodes(monkeypatch)
    plan = plan_run([packed], RunOptions(iterations=2))
    assert decoded == []
    assert plan.total_requests == 2 * len(plain.requests)


def test_a_selection_keeps_the_outlines_of_the_requests_it_keeps(
    tmp_path: Path, server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An undefined name in a request the selection leaves out is no error; one in a kept
    # request is, with its place, as for the plain file.
    path = tmp_path / "big.yaml"
    extra = "  - name: Late\n    url: <<base>>/late/<<nowhere>>\n"
    text = _collection_text(server.url_for("").rstrip("/"), 3, extra=extra)
    path.write_text(text, encoding="utf-8")
    packed, plain = _load_both(path, monkeypatch)
    options = RunOptions(selection=Selection(patterns=("Login", "Team 2/*", "Slow")))
    plan = plan_run([packed], options)
    (selected,) = plan.collections
    assert isinstance(selected.requests, CompactRequests)
    assert [names for _, names, _ in selected.requests.outlines()] == [
        tuple(dict.fromkeys(use.name for use in request.placeholders))
        for request in plan_run([plain], options).collections[0].requests
    ]
    # Without Login, the token Team 2/Echo uses is captured by a request left out.
    without_login = RunOptions(selection=Selection(patterns=("Team 2/*", "Late")))
    errors = []
    for collection in (packed, plain):
        with pytest.raises(TemplateError) as caught:
            plan_run([collection], without_login)
        errors.append((caught.value.message, caught.value.hint))
    assert errors[0] == errors[1]
    assert "'token'" in errors[0][0] and "'nowhere'" in errors[0][0]
    assert errors[0][1] is not None and "--request 'Login'" in errors[0][1]
    assert server.log == []


def test_a_variable_cycle_in_a_packed_file_is_found_at_its_place(
    tmp_path: Path, server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.yaml"
    extra = (
        "  - name: Loop\n    variables: {a: '<<b>>', b: '<<a>>'}\n"
        "    requests:\n      - name: Inner\n        url: <<base>>/loop/<<a>>\n"
    )
    text = _collection_text(server.url_for("").rstrip("/"), 3, extra=extra)
    path.write_text(text, encoding="utf-8")
    packed, plain = _load_both(path, monkeypatch)
    errors = []
    for collection in (packed, plain):
        with pytest.raises(TemplateError) as caught:
            plan_run([collection], RunOptions())
        errors.append((caught.value.message, caught.value.location))
    assert errors[0] == errors[1]
    assert "variable cycle" in errors[0][0]
    assert (
        errors[0][1] is not None
        and errors[0][1].line == text[: text.index("<<a>>\n")].count("\n") + 1
    )
    assert server.log == []


@pytest.mark.parametrize(
    ("extra", "said", "below"),
    [
        ("  - name: Late\n    url: <<base>>/late\n    methd: POST\n", "unknown key 'methd'", 2),
        ("  - name: Late\n    url: <<base>>/x/<<nowhere>>\n", "undefined variable 'nowhere'", 1),
    ],
)
def test_a_bad_request_at_the_end_of_a_large_file_stops_the_run_before_anything_is_sent(
    tmp_path: Path, server: HTTPServer, extra: str, said: str, below: int
) -> None:
    # As a program, so the loading child packs the requests and sends them ahead in batches
    # while the parent waits: still nothing is sent before the last request is checked.
    import os
    import subprocess
    import sys

    path = tmp_path / "big.yaml"
    text = _collection_text(server.url_for("").rstrip("/"), 40, extra=extra)
    path.write_text(text, encoding="utf-8")
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo), "NO_COLOR": "1"}
    ran = subprocess.run(
        [sys.executable, "-m", "runner", "run", str(path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 2, ran.stderr
    line = text.count("\n", 0, text.index("- name: Late")) + 1
    assert said in ran.stderr
    assert f"big.yaml:{line + below}:" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert server.log == []
