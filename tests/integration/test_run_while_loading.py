"""A large file the pre-check vouches for is sent while the loading child still builds it
(issue 21, "run while loading"), and runs exactly as when it is loaded whole first."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.cli.arriving import ArrivingRequests, PrecheckBroken, _Arrival
from runner.compact import Prechecked
from runner.errors import LoadError
from runner.loader import load_collection
from runner.loader.precheck import EARLY_CHARS
from runner.model import CollectionSpec, VariableScope

REPO = Path(__file__).resolve().parents[2]
TOKEN = "sk-arriving-0123456789"

HEADER = """\
name: Arriving
secrets: [TOKEN]
variables: {{base: "{base}"}}
requests:
"""
# Each request carries the same long description, so a file of few requests (quick to serve)
# is over the size from which the pre-check runs.
ITEM = (
    """\
  - name: chat {n}
    description: '"""
    + "the same words in every request " * 24
    + """'
    method: POST
    url: <<base>>/chat
    headers: {{Authorization: Bearer <<TOKEN>>}}
    body:
      json:
        messages:
          - content: Hello number {n}
    capture: {{last: $.n}}
    assert:
      status: 200
      jsonpath: {{$.object: chat.completion}}
"""
)
COUNT = 300


class _Watch:
    """What the server saw: each request's body, and whether postrun's loading child was
    still alive when the first one came."""

    def __init__(self) -> None:
        self.pid = 0
        self.bodies: list[object] = []
        self.child_alive_at_first: bool | None = None


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


@pytest.fixture
def watch() -> _Watch:
    return _Watch()


@pytest.fixture
def server(watch: _Watch) -> Iterator[HTTPServer]:
    httpserver = HTTPServer(host="127.0.0.1", threaded=True)
    httpserver.start()

    def chat(request: Request) -> Response:
        if watch.child_alive_at_first is None:
            watch.child_alive_at_first = bool(_children(watch.pid))
        watch.bodies.append(request.get_json())
        body = {"object": "chat.completion", "n": len(watch.bodies)}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/chat", method="POST").respond_with_handler(chat)
    yield httpserver
    httpserver.clear()
    httpserver.stop()


def _write(tmp_path: Path, server: HTTPServer, count: int = COUNT, extra: str = "") -> Path:
    path = tmp_path / "big.yaml"
    items = "".join(ITEM.format(n=n) for n in range(count))
    path.write_text(HEADER.format(base=server.url_for("").rstrip("/")) + items + extra)
    assert path.stat().st_size > EARLY_CHARS  # large enough to be checked early
    return path


def _postrun(tmp_path: Path, watch: _Watch, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "TOKEN": TOKEN}
    process = subprocess.Popen(
        [sys.executable, "-m", "runner", "run", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watch.pid = process.pid
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _without_times(output: str) -> str:
    """The output without what differs from run to run: durations, the server's Date."""
    output = re.sub(r"\d\d:\d\d:\d\d GMT", "DATE", output)
    return re.sub(r"\d+(\.\d+)? m?s\b", "T", output)


def test_the_first_request_goes_out_while_the_file_is_still_being_built(
    tmp_path: Path, server: HTTPServer, watch: _Watch
) -> None:
    path = _write(tmp_path, server)
    ran = _postrun(tmp_path, watch, path.name)
    assert ran.returncode == 0, ran.stderr
    assert f"{COUNT} requests, {2 * COUNT} checks: {2 * COUNT} passed" in ran.stdout
    assert watch.child_alive_at_first is True  # sent before the child had built every request
    assert watch.bodies == [{"messages": [{"content": f"Hello number {n}"}]} for n in range(COUNT)]
    assert TOKEN not in ran.stdout + ran.stderr


def test_it_runs_as_the_same_file_loaded_whole_first(
    tmp_path: Path, server: HTTPServer, watch: _Watch
) -> None:
    # A selection needs every request before the first is sent: the file is loaded whole.
    path = _write(tmp_path, server)
    early = _postrun(tmp_path, watch, path.name, "-v")
    assert watch.child_alive_at_first is True
    watch.child_alive_at_first = None
    watch.bodies.clear()
    whole = _postrun(tmp_path, watch, path.name, "-v", "--request", "*")
    assert watch.child_alive_at_first is False
    assert early.returncode == whole.returncode == 0
    assert _without_times(early.stdout) == _without_times(whole.stdout)
    assert early.stderr == whole.stderr


def test_iterations_and_overrides_read_the_arrived_requests_again(
    tmp_path: Path, server: HTTPServer, watch: _Watch
) -> None:
    path = _write(tmp_path, server)
    ran = _postrun(tmp_path, watch, path.name, "--iterations", "2", "--timeout", "7")
    assert ran.returncode == 0, ran.stderr
    assert watch.child_alive_at_first is True
    assert len(watch.bodies) == 2 * COUNT
    assert f"{2 * COUNT} requests" in ran.stdout


def test_an_undefined_name_still_stops_the_run_before_anything_is_sent(
    tmp_path: Path, server: HTTPServer, watch: _Watch
) -> None:
    late = ITEM.format(n="late").replace("<<base>>/chat", "<<base>>/chat/<<nowhere>>")
    path = _write(tmp_path, server, extra=late)
    ran = _postrun(tmp_path, watch, path.name)
    assert ran.returncode == 2
    assert "undefined variable 'nowhere'" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert watch.bodies == []


def test_bail_ends_the_child_that_is_still_building(
    tmp_path: Path, server: HTTPServer, watch: _Watch
) -> None:
    path = _write(tmp_path, server)
    text = path.read_text().replace("status: 200", "status: 201", 1)  # the first one fails
    path.write_text(text)
    ran = _postrun(tmp_path, watch, path.name, "--bail")
    assert ran.returncode == 1
    assert len(watch.bodies) == 1
    assert _children(watch.pid) == []


class _Answered:
    """A loading child that sends ``parts`` in one batch, then ``answer``."""

    def __init__(self, answer: object, parts: list[object] | None = None) -> None:
        self.answer = answer
        self.parts = parts or []
        self.done = False

    def next_parts(self) -> list[object]:
        parts, self.parts = self.parts, []
        self.done = not parts
        return parts

    def stop(self) -> None:
        self.done = True


def _arrival(answer: object, count: int = 1, parts: list[object] | None = None) -> _Arrival:
    header = CollectionSpec(
        name="A", file="a.yaml", variables=VariableScope("collection A", {}), requests=()
    )
    prechecked = Prechecked(header, count, ((-1, (), ()),) * count, frozenset(), frozenset())
    rest = _Answered(answer, parts)
    return _Arrival(rest, header, prechecked, "", False)  # type: ignore[arg-type]


def test_a_file_that_does_not_load_after_its_precheck_passed_stops_the_run_as_a_bug() -> None:
    # What the pre-check's property tests exist to prevent: should the loader still refuse a
    # file the pre-check passed, the run stops with the loader's error and says it is a bug.
    error = LoadError("unknown key 'x'")
    with pytest.raises(PrecheckBroken) as caught:
        _arrival((error, "")).part(0)
    assert caught.value.message == "unknown key 'x'"
    assert caught.value.hint is not None and "bug in postrun's pre-check" in caught.value.hint
    # Built, but not what the pre-check said (two requests for one): the same.
    header = CollectionSpec(
        name="A", file="a.yaml", variables=VariableScope("collection A", {}), requests=()
    )
    loaded = type("Loaded", (), {"collections": (header,)})()
    with pytest.raises(PrecheckBroken) as caught:
        _arrival((loaded, ""), count=2).part(0)
    assert "not what its pre-check found" in caught.value.message


def test_the_last_request_waits_until_the_file_as_built_is_checked() -> None:
    # Both requests came ahead, but the answer says the file does not load: the first is
    # given to the run, the last is not.
    arrival = _arrival((LoadError("duplicate name 'b'"), ""), count=2, parts=["a", "b"])
    assert arrival.part(0) == "a"
    with pytest.raises(PrecheckBroken) as caught:
        arrival.part(1)
    assert caught.value.hint is not None and "let 1 request(s)" in caught.value.hint


def test_arriving_requests_read_like_the_sequence_they_stand_for(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "requests:\n"
        + "".join(f"  - name: {name}\n    url: http://h/{name}\n" for name in ("a", "b", "c"))
    )
    collection = load_collection(path, base_dir=tmp_path)
    built = tuple(collection.requests)
    header = dataclasses.replace(collection, requests=())
    prechecked = Prechecked(header, 3, ((-1, (), ()),) * 3, frozenset(), frozenset())
    loaded = type("Loaded", (), {"collections": (collection,)})()
    rest = _Answered((loaded, ""), list(built))
    requests = ArrivingRequests(_Arrival(rest, header, prechecked, "", False))  # type: ignore[arg-type]
    assert len(requests) == 3
    assert requests[-1] == built[-1] and requests[0:2] == built[:2]
    assert tuple(requests) == built and requests == built
    with pytest.raises(IndexError):
        requests[3]
    assert [request.options["timeout"] for request in requests.with_options({"timeout": 3})] == [
        3
    ] * 3
    assert [request.name for request in requests.keep(lambda request: request.name != "b")] == [
        "a",
        "c",
    ]
