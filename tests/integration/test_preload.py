"""Loading in a forked child (runner/preload.py) and the console entry's quick exit.

``postrun`` started as a program loads its collections in a child process while it imports
requests; the run must be exactly the run loaded in-process: results, reports, notes, errors.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from runner import pickling, preload
from runner.cli import cli
from runner.cli.process import _exit_status

REPO = Path(__file__).resolve().parents[2]

# Runs postrun as its console entry does, counting the forks this process makes and saying
# whether it loaded YAML itself; an atexit callback prints both, which the entry's quick exit
# must still run. The machine counts as having two cores, so that the tests mean the same on a
# one-core runner (or a container limited to one CPU).
_COUNTING_ENTRY = """\
import atexit, os, sys
import runner.preload
runner.preload._usable_cores = lambda: 2
forks = []
real_fork = os.fork
def fork():
    pid = real_fork()
    if pid:
        forks.append(pid)
    return pid
os.fork = fork
def tell():
    print(f"forks: {len(forks)}", file=sys.stderr)
    print(f"loaded here: {'runner.loader' in sys.modules}", file=sys.stderr)
atexit.register(tell)
sys.argv[0] = "postrun"
from runner.cli import main
main()
"""

# The same command called in-process, as a test or an embedding program would: no fork.
_IN_PROCESS_ENTRY = """\
import sys
from runner.cli import cli
cli(prog_name="postrun")
"""


def _python(
    argv: list[str], cwd: Path, *, closing: str = "", buffered: bool = False
) -> subprocess.CompletedProcess[str]:
    """``python ARGV`` with this checkout on the path; ``closing`` names descriptors to start
    without (``"<&- >&-"``); ``buffered`` drops PYTHONUNBUFFERED, so a piped stdout is
    block-buffered as it usually is."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    if buffered:
        env.pop("PYTHONUNBUFFERED", None)
    command = [sys.executable, *argv]
    if closing:
        command = ["sh", "-c", f'exec "$@" {closing}', "sh", *command]
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _postrun(entry: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return _python(["-c", entry, *args], cwd)


def _request(index: int) -> str:
    return f"""\
  - name: item {index}
    method: POST
    url: <<base>>/items/{index}
    headers: {{Authorization: Bearer <<PREVIEW_TOKEN>>, X-Mode: <<mode>>}}
    body:
      json: {{index: {index}, tag: <<tag>>}}
    capture: {{last: $.index}}
    assert:
      status: 200
      jsonpath: {{$.index: {index if index % 7 else -1}}}
"""


def _write_project(root: Path, base: str) -> None:
    """Two collections (one failing check in every seventh request), a YAML file that is not a
    collection, an environment, and the secret in a .env file."""
    (root / "api").mkdir()
    for name, count in (("a", 60), ("b", 25)):
        head = f"name: {name}\nsecrets: [PREVIEW_TOKEN]\nvariables: {{tag: t-{name}}}\nrequests:\n"
        body = "".join(_request(index) for index in range(1, count + 1))
        (root / "api" / f"{name}.yaml").write_text(head + body, encoding="utf-8")
    (root / "api" / "notes.yaml").write_text("title: not a collection\n", encoding="utf-8")
    (root / "api" / "environments").mkdir()
    (root / "api" / "environments" / "local.yaml").write_text(
        f"variables: {{base: '{base}'}}\n", encoding="utf-8"
    )
    (root / ".env").write_text("PREVIEW_TOKEN=tok-abc\n", encoding="utf-8")


def _serve(httpserver: HTTPServer) -> None:
    from werkzeug import Request, Response

    def item(request: Request) -> Response:
        assert request.headers["Authorization"] == "Bearer tok-abc"
        index = int(request.path.rsplit("/", 1)[1])
        return Response(json.dumps({"index": index}), content_type="application/json")

    httpserver.expect_request(re.compile(r"/items/\d+")).respond_with_handler(item)


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    """A JSON report without what differs from run to run: times and the Date header."""
    del report["started_at"], report["elapsed_ms"]
    for request in report["requests"]:
        del request["elapsed_ms"]
        request["response_headers"] = [
            pair for pair in request["response_headers"] if pair[0].lower() != "date"
        ]
    return report


def test_a_run_loaded_in_a_child_is_the_run_loaded_in_process(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    _serve(httpserver)
    _write_project(tmp_path, httpserver.url_for("").rstrip("/"))
    runs = {}
    for label, entry in (("child", _COUNTING_ENTRY), ("in-process", _IN_PROCESS_ENTRY)):
        args = ["run", "api", "--env", "local", "--var", "mode=cli", "--report", f"json:{label}"]
        runs[label] = _postrun(entry, args, tmp_path)
    child, in_process = runs["child"], runs["in-process"]
    # The console entry forked once, the child loaded every file and the environment (no YAML
    # was read here), and the atexit callbacks still ran.
    assert "forks: 1\nloaded here: False\n" in child.stderr
    assert child.returncode == in_process.returncode == 1  # every seventh check fails
    # The note about notes.yaml is printed once, by the parent, as in-process.
    note = "note: skipped YAML files that have no `requests`: api/notes.yaml"
    assert child.stderr.count(note) == 1 and in_process.stderr.count(note) == 1
    assert child.stderr.replace("forks: 1\nloaded here: False\n", "") == in_process.stderr
    reports = [json.loads((tmp_path / label).read_text(encoding="utf-8")) for label in runs]
    assert _comparable(reports[0]) == _comparable(reports[1])
    totals = reports[0]["totals"]
    assert totals["requests"] == 85 and totals["failed"] == 8 + 3
    # Captures flowed, --var and the .env secret were used, and the secret was masked.
    sent = reports[0]["requests"][3]
    assert sent["captures"][0]["value"] == 4
    assert ["X-Mode", "cli"] in sent["request_headers"]
    assert "tok-abc" not in (tmp_path / "child").read_text(encoding="utf-8")
    # Console output matches line for line but for the times.
    strip = [line.rsplit("  ", 1)[0] for line in child.stdout.splitlines()[:-1]]
    assert strip == [line.rsplit("  ", 1)[0] for line in in_process.stdout.splitlines()[:-1]]


def test_a_load_error_found_by_the_child_is_reported_once_as_in_process(tmp_path: Path) -> None:
    _write_project(tmp_path, "http://127.0.0.1:9")
    path = tmp_path / "api" / "b.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    capture:", "    captrue:", 1), encoding="utf-8")
    child = _postrun(_COUNTING_ENTRY, ["run", "api", "--env", "local"], tmp_path)
    in_process = _postrun(_IN_PROCESS_ENTRY, ["run", "api", "--env", "local"], tmp_path)
    assert child.returncode == in_process.returncode == 2
    # The child sent its error back: reported as in-process, without loading a second time.
    assert "forks: 1\nloaded here: False\n" in child.stderr
    assert child.stderr.replace("forks: 1\nloaded here: False\n", "") == in_process.stderr
    assert child.stderr.count("unknown key 'captrue'") == 1
    assert "did you mean 'capture'?" in child.stderr
    assert child.stdout == in_process.stdout == ""


def _write_schemas(root: Path) -> None:
    """user.json refers to address.json, which refers to a part of a YAML file."""
    schemas = root / "api" / "schemas"
    schemas.mkdir(parents=True)
    user = {"type": "object", "properties": {"address": {"$ref": "address.json"}}}
    address = {"required": ["city"], "properties": {"city": {"$ref": "kinds.yaml#/$defs/name"}}}
    (schemas / "user.json").write_text(json.dumps(user), encoding="utf-8")
    (schemas / "address.json").write_text(json.dumps(address), encoding="utf-8")
    (schemas / "kinds.yaml").write_text("$defs: {name: {type: string}}\n", encoding="utf-8")


def test_schema_refs_loaded_in_a_child_are_the_refs_loaded_in_process(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """The schema files a $ref leads to travel in the model, pickled: the child's answer is
    used (no loading here), and it checks as the in-process load does."""
    _write_schemas(tmp_path)
    for path, body in (
        ("/good", {"address": {"city": "Lyon"}}),
        ("/bad", {"address": {"city": 1}}),
    ):
        httpserver.expect_request(path).respond_with_json(body)
    base = httpserver.url_for("").rstrip("/")
    requests = "".join(
        f"  - {{name: {name}, url: '{base}/{name}', assert: {{schema: schemas/user.json}}}}\n"
        for name in ("good", "bad")
    )
    (tmp_path / "api" / "users.yaml").write_text(f"requests:\n{requests}", encoding="utf-8")
    runs = {}
    for label, entry in (("child", _COUNTING_ENTRY), ("in-process", _IN_PROCESS_ENTRY)):
        runs[label] = _postrun(
            entry, ["run", "api/users.yaml", "--report", f"json:{label}"], tmp_path
        )
    assert "forks: 1\nloaded here: False\n" in runs["child"].stderr
    assert runs["child"].returncode == runs["in-process"].returncode == 1
    reports = [json.loads((tmp_path / label).read_text(encoding="utf-8")) for label in runs]
    assert _comparable(reports[0]) == _comparable(reports[1])
    assert [request["passed"] for request in reports[0]["requests"]] == [True, False]
    (check,) = reports[0]["requests"][1]["checks"]
    assert check["message"] == "$.address.city: 1 is not of type 'string'"
    # A ref the child refuses is reported as in-process, once.
    (tmp_path / "api" / "schemas" / "address.json").write_text('{"$ref": "/etc/x.json"}')
    child = _postrun(_COUNTING_ENTRY, ["run", "api/users.yaml"], tmp_path)
    in_process = _postrun(_IN_PROCESS_ENTRY, ["run", "api/users.yaml"], tmp_path)
    assert child.returncode == in_process.returncode == 2
    assert child.stderr.replace("forks: 1\nloaded here: False\n", "") == in_process.stderr
    assert in_process.stderr.count("$ref '/etc/x.json' is outside the working directory") == 1


def test_validate_and_an_in_process_run_do_not_fork(tmp_path: Path) -> None:
    _write_project(tmp_path, "http://127.0.0.1:9")
    args = ["validate", "api", "--env", "local", "--var", "mode=m"]
    validated = _postrun(_COUNTING_ENTRY, args, tmp_path)
    assert validated.returncode == 0 and "forks: 0\n" in validated.stderr
    forks: list[int] = []
    real_fork = os.fork

    def counting_fork() -> int:
        forks.append(1)
        return real_fork()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fork", counting_fork)
        patch.chdir(tmp_path)
        result = CliRunner().invoke(cli, ["run", "api", "--env", "local", "--mock"])
    assert forks == []
    assert "request" in result.output


def test_fork_pays_only_on_linux_with_a_second_core_and_no_other_thread() -> None:
    assert preload.fork_pays("linux", cores=2, threads=1)
    assert not preload.fork_pays("linux", cores=1, threads=1)
    assert not preload.fork_pays("linux", cores=8, threads=2)
    assert not preload.fork_pays("darwin", cores=8, threads=1)
    assert not preload.fork_pays("win32", cores=8, threads=1)


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """load_in_child forks here whatever threads the test process has; the children it
    started are listed."""
    monkeypatch.setattr(preload, "_threads", lambda: 1)
    monkeypatch.setattr(preload, "_usable_cores", lambda: 2)
    started: list[Any] = []
    real_start = preload._start

    def start(load: Any, wants_early: bool = False) -> Any:
        child = real_start(load, wants_early)
        started.append(child)
        return child

    monkeypatch.setattr(preload, "_start", start)
    return started


def test_load_in_child_returns_what_the_child_loaded(forking: list[Any]) -> None:
    ran_here: list[int] = []
    answer = preload.load_in_child(
        lambda ahead: {"pid": os.getpid(), "data": [1, "two", None]},
        lambda: ran_here.append(os.getpid()),
    )
    assert answer is not None
    assert answer["data"] == [1, "two", None]
    assert answer["pid"] != os.getpid()  # loaded in another process
    assert ran_here == [os.getpid()]  # while this one ran `meanwhile`
    assert len(forking) == 1 and not Path(f"/proc/{forking[0].pid}").exists()  # reaped


# When each part sent ahead was unpickled here (monotonic clock, shared by both processes).
_UNPICKLED_AT: list[float] = []


class _Part:
    """A part of an answer that notes when it is unpickled."""

    def __init__(self, index: int) -> None:
        self.index = index

    def __reduce__(self) -> tuple[Any, tuple[int]]:
        return _part_unpickled, (self.index,)


def _part_unpickled(index: int) -> _Part:
    _UNPICKLED_AT.append(time.monotonic())
    return _Part(index)


def _sends_ahead(ahead: preload.Ahead) -> object:
    parts = [_Part(index) for index in range(150)]
    for part in parts:
        ahead(part)
    time.sleep(1.0)  # still loading, while the parent reads what was sent
    return {"parts": parts, "done_at": time.monotonic()}


def test_parts_sent_ahead_are_read_while_the_child_loads_and_only_once(
    forking: list[Any],
) -> None:
    _UNPICKLED_AT.clear()
    answer = preload.load_in_child(_sends_ahead, lambda: None)
    assert answer is not None
    assert [part.index for part in answer["parts"]] == list(range(150))
    assert len(_UNPICKLED_AT) == 150  # the answer refers to the parts, it does not repeat them
    # Sent in batches of 64: two were read here before the child had finished.
    assert sum(when < answer["done_at"] for when in _UNPICKLED_AT) == 128


def _previews_then_waits(channel: preload.Channel) -> object:
    """Sends a preview, then builds nothing until the parent has shown it has the preview."""
    assert channel.early is not None
    go_on = Path(channel.early({"header": "h", "count": 100}) or _GO_ON)
    for _ in range(500):  # at most 5 s: the parent creates the file once it has the preview
        if go_on.exists():
            break
        time.sleep(0.01)
    parts = [f"part {index}" for index in range(100)]
    for part in parts:
        channel.ahead(part)
    return {"parts": parts, "saw_go_on": go_on.exists()}


_GO_ON = ""


def test_an_early_preview_comes_before_the_child_is_done_and_the_rest_follows(
    forking: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 21, run while loading: the preview is back here while the child has built nothing
    # yet; the parts then come as they are asked for, and the answer refers to them.
    monkeypatch.setattr(sys.modules[__name__], "_GO_ON", str(tmp_path / "go-on"))
    answer = preload.load_in_child(_previews_then_waits, lambda: None, wants_early=True)
    assert isinstance(answer, preload.Early)
    assert answer.preview == {"header": "h", "count": 100}
    assert not answer.rest.done
    (tmp_path / "go-on").touch()
    parts: list[object] = []
    while batch := answer.rest.next_parts():
        parts.extend(batch)
    assert answer.rest.done
    # A batch of 64 came ahead; the last 36 came with the answer, which refers to the first.
    assert parts == [f"part {index}" for index in range(64)]
    everything = [f"part {index}" for index in range(100)]
    assert answer.rest.answer == {"parts": everything, "saw_go_on": True}
    assert all(
        mine is theirs for mine, theirs in zip(answer.rest.answer["parts"][:64], parts, strict=True)
    )
    assert not Path(f"/proc/{forking[0].pid}").exists()  # reaped


def test_without_wanting_one_no_preview_can_be_sent(forking: list[Any]) -> None:
    def load(channel: preload.Channel) -> object:
        return channel.early is None

    assert preload.load_in_child(load, lambda: None) is True


def test_a_child_stopped_after_its_preview_is_ended_and_reaped(
    forking: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # --bail: the run ends before reading every request; the child still building goes.
    monkeypatch.setattr(sys.modules[__name__], "_GO_ON", str(tmp_path / "never"))
    answer = preload.load_in_child(_previews_then_waits, lambda: None, wants_early=True)
    assert isinstance(answer, preload.Early)
    answer.rest.stop()
    assert answer.rest.done and answer.rest.next_parts() == []
    assert not Path(f"/proc/{forking[0].pid}").exists()


def _sends_much(ahead: preload.Ahead) -> object:
    for _ in range(200):
        ahead(os.urandom(20_000))  # 4 MB: far more than a pipe holds
    return time.monotonic()


def test_a_full_pipe_does_not_hold_the_child_back(forking: list[Any]) -> None:
    imported_at: list[float] = []

    def importing() -> None:
        time.sleep(1.0)
        imported_at.append(time.monotonic())

    loaded_at = preload.load_in_child(_sends_much, importing)
    assert loaded_at is not None
    assert loaded_at < imported_at[0]  # not stopped at a full pipe until the parent read it


def _fails(ahead: preload.Ahead) -> object:
    raise ValueError("bad file")


def _unpicklable(ahead: preload.Ahead) -> object:
    return lambda: None


def _prints(ahead: preload.Ahead) -> object:
    print("from the child's stdout")
    os.write(2, b"from the child's stderr\n")
    return "done"


@pytest.mark.parametrize("load", [_fails, _unpicklable])
def test_a_child_that_fails_gives_no_answer(forking: list[Any], load: Any) -> None:
    assert preload.load_in_child(load, lambda: None) is None
    assert len(forking) == 1


def _recovers_from_a_part_that_does_not_pickle(
    ahead: preload.Ahead, caught: type[Exception]
) -> object:
    # As the YAML loader does: a RecursionError met while building a request (here: while
    # passing it on) makes it try again, and what it returns then refers to parts passed on.
    parts = [f"part {index}" for index in range(preload._AHEAD_BATCH - 1)]
    for part in parts:
        ahead(part)
    too_deep: list[Any] = []
    for _ in range(100_000):
        too_deep = [too_deep]
    with contextlib.suppress(caught):
        ahead(too_deep)  # completes the batch, which does not pickle
    return [f"new {index}" for index in range(100)] + parts


@pytest.mark.parametrize("caught", [RecursionError, Exception])
def test_a_part_that_could_not_be_sent_ahead_means_no_answer(
    forking: list[Any], caught: type[Exception]
) -> None:
    # The batch that failed never reached this process, so an answer sent after it would be
    # read here against the wrong parts ("part 0" back as "new 0"): the child gives none.
    def load(ahead: preload.Ahead) -> object:
        return _recovers_from_a_part_that_does_not_pickle(ahead, caught)

    assert preload.load_in_child(load, lambda: None) is None
    assert len(forking) == 1


def test_the_child_writes_nothing_to_the_terminal(
    forking: list[Any], capfd: pytest.CaptureFixture[str]
) -> None:
    assert preload.load_in_child(_prints, lambda: None) == "done"
    captured = capfd.readouterr()
    assert "from the child" not in captured.out + captured.err


def _slow(ahead: preload.Ahead) -> object:
    time.sleep(60)
    return "too late"


def test_an_interrupt_while_the_child_loads_ends_the_child(forking: list[Any]) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        preload.load_in_child(_slow, interrupted)
    assert time.monotonic() - started < 10
    (child,) = forking
    assert child.pipe.closed
    assert not Path(f"/proc/{child.pid}").exists()  # killed and reaped, not left loading


def test_no_fork_where_it_does_not_pay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preload, "_threads", lambda: 2)
    monkeypatch.setattr(preload, "_start", lambda *_: pytest.fail("forked"))
    assert preload.load_in_child(lambda ahead: "loaded", lambda: pytest.fail("not needed")) is None


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [(None, 0, ""), (0, 0, ""), (2, 2, ""), (130, 130, ""), ("cannot go on", 1, "cannot go on")],
)
def test_the_exit_status_is_what_sys_exit_would_give(
    code: object, status: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _exit_status(code) == status
    assert capsys.readouterr().err.strip() == message


def test_the_console_entry_flushes_piped_output_and_keeps_the_status(tmp_path: Path) -> None:
    _write_project(tmp_path, "http://127.0.0.1:9")
    listed = _postrun(_COUNTING_ENTRY, ["list", "api"], tmp_path)
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 + 60 + 25 and lines[-1].strip().startswith("POST")
    # Loaded by the child, then found wanting here: `base` is only set by the environment.
    failed = _postrun(_COUNTING_ENTRY, ["run", "api/a.yaml"], tmp_path)
    assert failed.returncode == 2 and "forks: 1\nloaded here: False\n" in failed.stderr
    assert "'base' used at api/a.yaml:7:10 (url)" in failed.stderr


def test_loaded_collections_come_back_from_a_pickle_equal(tmp_path: Path) -> None:
    """What the child sends: every shipped collection, a packed (over 1 MB) one and the test
    project, with environments and .env values, equal after the round trip."""
    from runner.cli.loading import _load
    from runner.compact import CompactRequests

    _write_project(tmp_path, "http://127.0.0.1:9")
    big = _request(1) + _request(2) + "# padding\n" * 110_000
    (tmp_path / "api" / "big.yaml").write_text(f"name: big\nrequests:\n{big}", encoding="utf-8")
    projects = [(REPO, ["collections"], "openai"), (tmp_path, ["api"], "local")]
    for root, paths, env_name in projects:
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(root)
            loaded = _load([Path(path) for path in paths], env_name, ["x=1"], None, False)
        again = pickle.loads(_model_pickled(loaded))
        assert again == loaded
        # Shared objects stay shared: the engine keys each folder's variables by its scopes.
        for before, after in zip(loaded.collections, again.collections, strict=True):
            scopes = {id(request.folder_scopes) for request in before.requests}
            assert len({id(request.folder_scopes) for request in after.requests}) == len(scopes)
        assert len(again.collections) == len(loaded.collections) >= 2
    assert any(isinstance(each.requests, CompactRequests) for each in again.collections)
    assert again.dotenv == {"PREVIEW_TOKEN": "tok-abc"}


def _model_pickled(value: object) -> bytes:
    """``value`` pickled as the loading child pickles what it sends."""
    buffer = io.BytesIO()
    pickling.ModelPickler(buffer, pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


@dataclass(frozen=True)
class _Outside:
    value: int


def test_only_postrun_dataclasses_that_init_can_rebuild_are_pickled_by_fields() -> None:
    from runner.model import Matcher
    from runner.source import SourceLocation

    location = SourceLocation("c.yaml", 3, 5)
    assert pickling.field_values(SourceLocation)(location) == ("c.yaml", 3, 5, 1)  # type: ignore[misc]
    assert pickling.field_values(Matcher) is not None
    assert pickling.field_values(_Outside) is None  # not postrun's: its own pickling
    assert pickling.field_values(dict) is None
    data = _model_pickled({"where": location, "outside": _Outside(1)})
    assert b"column" not in data  # fields by position, not by name
    assert pickle.loads(data) == {"where": location, "outside": _Outside(1)}


def test_the_console_entry_ends_quietly_when_started_with_stdout_closed(tmp_path: Path) -> None:
    """``postrun ... >&-``: Python then has no sys.stdout, and output is dropped, as before."""
    _write_project(tmp_path, "http://127.0.0.1:9")
    for args in (["--version"], ["list", "api/a.yaml"]):
        ended = _python(["-m", "runner", *args], tmp_path, closing=">&-")
        assert (ended.returncode, ended.stderr) == (0, "")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="utf-8").rsplit(")", 1)[1].split()
        except OSError:  # ended while listed
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; its reaper may not be waiting for it


def test_the_loading_child_ends_with_a_parent_killed_while_it_loads(tmp_path: Path) -> None:
    """SIGTERM (or SIGKILL) for postrun alone, not its process group: the child, whose answer
    nobody will read, must not go on loading for seconds."""
    requests = "".join(_request(index) for index in range(1, 20_001))
    (tmp_path / "big.yaml").write_text(f"name: big\nrequests:\n{requests}", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    command = [sys.executable, "-c", _COUNTING_ENTRY, "run", "big.yaml", "--var", "base=http://x"]
    with subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.DEVNULL) as parent:
        deadline = time.monotonic() + 30
        while not (children := _children(parent.pid)) and time.monotonic() < deadline:
            time.sleep(0.01)
        (child,) = children
        time.sleep(0.2)  # the child is loading now
        parent.terminate()
        assert parent.wait(timeout=30) == -15
        deadline = time.monotonic() + 1.5  # loading 20,000 requests takes seconds
        while _running(child) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not _running(child)


def test_a_child_the_system_reaps_still_answers(tmp_path: Path, httpserver: HTTPServer) -> None:
    """Started with SIGCHLD ignored (inherited through exec from some supervisors), the kernel
    reaps the child itself and waiting for it fails: its answer is still used."""
    _serve(httpserver)
    _write_project(tmp_path, httpserver.url_for("").rstrip("/"))
    entry = "import signal\nsignal.signal(signal.SIGCHLD, signal.SIG_IGN)\n" + _COUNTING_ENTRY
    ran = _postrun(entry, ["run", "api", "--env", "local", "--var", "mode=m"], tmp_path)
    assert "Traceback" not in ran.stderr
    assert ran.returncode == 1 and "forks: 1\nloaded here: False\n" in ran.stderr
    assert "85 requests" in ran.stdout


def test_what_atexit_callbacks_write_is_flushed_too(tmp_path: Path) -> None:
    """As at a normal exit, the standard streams are flushed after the atexit callbacks."""
    entry = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('said at exit'))\n"
        "sys.argv[0] = 'postrun'\n"
        "from runner.cli import main\n"
        "main()\n"
    )
    # Without PYTHONUNBUFFERED, stdout to a pipe is block-buffered.
    ended = _python(["-c", entry, "--version"], tmp_path, buffered=True)
    assert ended.returncode == 0
    assert ended.stdout.splitlines()[-1] == "said at exit"


def test_a_bad_var_and_traceback_mode(tmp_path: Path) -> None:
    """An input error the child meets before loading is sent back too; with --traceback (a
    hidden debugging flag) nothing forks, so a re-raised error comes from where it was raised."""
    _write_project(tmp_path, "http://127.0.0.1:9")
    args = ["run", "api", "--env", "local", "--var", "bad name=1"]
    child = _postrun(_COUNTING_ENTRY, args, tmp_path)
    in_process = _postrun(_IN_PROCESS_ENTRY, args, tmp_path)
    assert child.returncode == in_process.returncode == 2
    assert child.stderr.replace("forks: 1\nloaded here: False\n", "") == in_process.stderr
    traced = _postrun(_COUNTING_ENTRY, [*args, "--traceback"], tmp_path)
    assert "forks: 0\nloaded here: True\n" in traced.stderr
    # The console entry shows the traceback of the re-raised error, down to where it was raised.
    assert traced.returncode == 2
    assert "Traceback (most recent call last)" in traced.stderr
    assert 'runner/variables.py", line' in traced.stderr
    assert "Traceback" not in child.stderr


@pytest.mark.parametrize(
    ("quota", "period", "cpus"),
    [
        ("max", "100000", None),
        ("-1", "100000", None),
        ("100000", "100000", 1),
        ("50000", "100000", 1),
        ("150000", "100000", 1),
        ("400000", "100000", 4),
    ],
)
def test_a_cgroup_cpu_quota_counts_as_cores(quota: str, period: str, cpus: int | None) -> None:
    assert preload.cpus_from_quota(quota, period) == cpus


def _interrupt_disposition(ahead: preload.Ahead) -> object:
    return signal.getsignal(signal.SIGINT) == signal.SIG_DFL


def test_ctrl_c_simply_ends_the_child_and_stays_with_the_parent(forking: list[Any]) -> None:
    assert preload.load_in_child(_interrupt_disposition, lambda: None) is True
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_the_child_answers_when_started_without_stdin_and_stdout(tmp_path: Path) -> None:
    """Then the pipe takes descriptors 0 and 1, which the child's quieting must not overwrite."""
    _write_project(tmp_path, "http://127.0.0.1:9")
    ended = _python(["-c", _COUNTING_ENTRY, "run", "api/a.yaml"], tmp_path, closing="<&- >&-")
    assert ended.returncode == 2  # `base` comes from the environment, not given here
    assert "forks: 1\nloaded here: False\n" in ended.stderr


def test_a_debugger_that_was_told_to_continue_still_sees_the_program_end(tmp_path: Path) -> None:
    # After `c` with no breakpoint pdb has no trace function left; a quick exit would end pdb
    # too, before it can say how the program ended and restart it.
    (tmp_path / "c.yaml").write_text(
        "requests:\n  - {name: only, url: 'http://127.0.0.1:9/'}\n", encoding="utf-8"
    )
    # No option after the module: Python 3.13's pdb would take `--version` as its own.
    debugged = subprocess.run(
        [sys.executable, "-m", "pdb", "-m", "runner", "list", "c.yaml"],
        input="c\nq\n",
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "only" in debugged.stdout
    assert "The program exited via sys.exit(). Exit status: 0" in debugged.stdout


def test_a_profiler_still_reports_at_the_end(tmp_path: Path) -> None:
    profiled = _python(["-m", "cProfile", "-m", "runner", "--version"], tmp_path)
    assert profiled.returncode == 0
    assert "postrun, version" in profiled.stdout and "function calls" in profiled.stdout


def test_what_loading_says_on_stderr_is_said_as_in_process(tmp_path: Path) -> None:
    """Loading warns on stderr about lines of .env it cannot parse; a child loading the .env
    must not swallow that warning, and the order with the skipped-files note is kept."""
    _write_project(tmp_path, "http://127.0.0.1:9")
    (tmp_path / ".env").write_text("PREVIEW_TOKEN=tok-abc\nnot a statement\n", encoding="utf-8")
    args = ["run", "api", "--env", "local", "--var", "mode=m", "--timeout", "1"]
    child = _postrun(_COUNTING_ENTRY, args, tmp_path)
    in_process = _postrun(_IN_PROCESS_ENTRY, args, tmp_path)
    assert "warning: .env:2: not a NAME=value line" in in_process.stderr
    assert "forks: 1\nloaded here: False\n" in child.stderr
    assert child.stderr.replace("forks: 1\nloaded here: False\n", "") == in_process.stderr
    assert child.returncode == in_process.returncode == 1


def test_ctrl_c_held_back_over_the_fork_still_ends_the_child(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C pressed while the fork held it back is raised here once unblocked; the child
    already forked is killed and reaped then, not left loading."""
    monkeypatch.setattr(preload, "_threads", lambda: 1)
    monkeypatch.setattr(preload, "_usable_cores", lambda: 2)
    real_fork = os.fork
    children: list[int] = []

    def fork_while_interrupted() -> int:
        # To this thread (a signal to the process may go to another thread and be run at
        # once); held back, pending, until the mask is lifted.
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)
        pid = real_fork()
        if pid:
            children.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork_while_interrupted)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        preload.load_in_child(_slow, lambda: None)
    assert time.monotonic() - started < 10
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    (pid,) = children
    assert not Path(f"/proc/{pid}").exists()  # killed and reaped


def test_a_fork_that_raises_leaves_ctrl_c_unblocked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preload, "_threads", lambda: 1)
    monkeypatch.setattr(preload, "_usable_cores", lambda: 2)

    def fork_at_shutdown() -> int:
        raise RuntimeError("can't fork at interpreter shutdown")

    monkeypatch.setattr(os, "fork", fork_at_shutdown)
    with pytest.raises(RuntimeError):
        preload.load_in_child(_slow, lambda: None)
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


@pytest.mark.parametrize(
    ("files", "cpus"),
    [
        ({"cpu.max": b"200000 100000\n"}, 2),
        ({"cpu.max": b"max 100000\n"}, None),
        ({"cpu.max": b""}, None),
        ({"cpu.max": b"\xff\xfe 100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": b"300000\n", "cpu/cpu.cfs_period_us": b"100000\n"}, 3),
        ({"cpu/cpu.cfs_quota_us": b"\xe9\n", "cpu/cpu.cfs_period_us": b"100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": b"300000\n"}, None),
        ({}, None),
    ],
)
def test_cgroup_files_with_odd_contents_mean_no_limit(
    tmp_path: Path, files: dict[str, bytes], cpus: int | None
) -> None:
    (tmp_path / "cpu").mkdir()
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    assert preload._cgroup_cpu_quota(str(tmp_path)) == cpus
