"""Every ``postrun ...`` command in README.md's shell blocks runs, with its documented status.

The commands are read from the README itself (```sh, ```bash, ```shell blocks, and the ``$ ``
lines of ```console blocks; ``\\`` continuations joined, comments dropped, a line split at
``&&``, ``||``, ``|`` and ``;``). Each one must be in exactly one of two tables:

- ``RUN``: run as ``python -m runner ...`` in a fresh copy of the shipped ``collections/`` and
  ``environments/``, and its exit status compared. ``loopback=True`` points the shipped
  collections at the example server below (``--var base_url=...``, which wins over any
  environment) and gives the run the test's own ``API_KEY`` and ``NOTES_PASSWORD``: the command
  runs as written, against loopback instead of the internet.
- ``NOT_RUN``: the reason it cannot run here (the real internet, a secret or a file that only
  the reader has).

A README command in neither table fails ``test_every_readme_command_is_run_or_listed``, and a
table entry the README no longer has fails ``test_no_table_entry_is_stale``. The output lines
under a ``$ postrun ...`` prompt of a ```console block must be what the command prints (times
may differ; a line ending in `` ...`` is cut there).

Adding a command (for the lead, when merging a branch that documents one): copy the failing
command from the test's message into ``RUN`` with its status, and a ``setup`` from ``SETUPS`` if
it needs files the repository does not ship (add a function there); a command that serves until
stopped (``postrun mock PATH --port P``) takes ``stop_after=SECONDS``: it is sent SIGTERM then,
and ``status`` is what it exits with (a test of the server itself belongs elsewhere).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from runner.loader import load_collection
from runner.sse import serialise

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"


@dataclass(frozen=True)
class Run:
    """How a README command is run: its exit status, and what it needs."""

    status: int
    loopback: bool = False  # the shipped collections' base_url on the example server
    setup: str | None = None  # a function of SETUPS, given the project folder
    stdin: str | None = None
    stop_after: float | None = None  # a command that serves: SIGTERM after this many seconds


MOCK_QUOTA = "postrun run collections/openai-chat.yaml --mock --mock-example insufficient_quota"
IMPORT_CURL = (
    "postrun import curl 'curl https://api.openai.com/v1/chat/completions "
    '-H "Content-Type: application/json" -H "Authorization: Bearer $OPENAI_API_KEY" '
    '-d "{\\"model\\": \\"gpt-3.5-turbo\\", \\"temperature\\": 0.7}"\' -o collections/openai.yaml'
)
PASTED_CURL = "curl https://api.example.com/v1/items -H 'Accept: application/json'"

RUN: dict[str, Run] = {
    "postrun run collections/ --mock": Run(0),
    "postrun run collections/openai-chat.yaml --mock": Run(0),
    "postrun run collections/openai-chat.yaml --mock -v --request 'Chat completion (streaming)'": (
        Run(0)
    ),
    MOCK_QUOTA: Run(1),
    "postrun run collections/openai-chat.yaml --env openai": Run(0, loopback=True),
    "postrun run collections/openai-chat.yaml --env openai --var temperature:=0": Run(
        0, loopback=True
    ),
    "postrun run collections/notes-crud.yaml --mock --bail --no-color": Run(0),
    "postrun run collections/ --tag smoke": Run(0, loopback=True),
    "postrun run collections/ --exclude-tag destructive": Run(0, loopback=True),
    "postrun run collections/notes-crud.yaml --request 'Notes/*' --request 'Log in'": Run(
        0, loopback=True
    ),
    "postrun list collections/ --tag smoke": Run(0),
    "postrun run collections/ --jobs 8 --report junit:out/results.xml": Run(0, loopback=True),
    "postrun validate collections/ --env openai --show-vars": Run(0),
    "postrun list collections/notes-crud.yaml": Run(0),
    "postrun list collections/ --tag smoke --exclude-tag destructive": Run(0),
    'postrun import postman "My API.postman_collection.json" '
    '--environment "Staging.postman_environment.json" -o .': Run(0, setup="postman_exports"),
    "postrun export postman collections/my-api.yaml -o my-api.postman_collection.json "
    "--env staging": Run(0, setup="postman_imported"),
    IMPORT_CURL: Run(0),
    "postrun import curl -o collections/openai.yaml": Run(0, stdin=PASTED_CURL),
    "postrun export curl collections/openai-chat.yaml --env openai": Run(0),
    "postrun export curl collections/ --request 'Notes/*' -o notes.sh": Run(0),
    "postrun init api-tests": Run(0),
    "postrun mock collections/notes-crud.yaml": Run(143, stop_after=3),
    "postrun run collections/notes-crud.yaml --mock": Run(0),
    "postrun load load-demo.yaml --users 10 --spawn-rate 5 --duration 10s": Run(
        0, setup="load_demo"
    ),
    "postrun load load-demo.yaml --users 5 --iterations 20 --threshold 'README: p99<1s' "
    "--report json:out/load.json --report html:out/load.html --csv out/load": Run(
        0, setup="load_demo"
    ),
    "postrun import postman postman/collections/my-api -o .": Run(0, setup="postman_v3"),
}

NOT_RUN: dict[str, str] = {
    "postrun run collections/ --env staging --record-missing": (
        "records from the reader's staging API; tests/cli/test_record.py records from loopback"
    ),
    "postrun run collections/notes-crud.yaml --env staging --record": (
        "records from the reader's staging API; tests/cli/test_record.py records from loopback"
    ),
    "postrun run collections/users.yaml --data users.json": (
        "illustrative: collections/users.yaml and users.json are the reader's own files"
    ),
    "postrun run collections/users.yaml --data users.csv --iterations 1": (
        "illustrative: collections/users.yaml and users.csv are the reader's own files"
    ),
    "postrun run collections/health.yaml --iterations 5": (
        "illustrative: collections/health.yaml is the reader's own file"
    ),
    "postrun run collections/signup.yaml --data users.csv --jobs 4 --parallel-iterations": (
        "illustrative: collections/signup.yaml and users.csv are the reader's own files"
    ),
    "postrun run collections/ --env staging": (
        "the reader's imported Postman collection, against its real staging API and secrets"
    ),
    "postrun load load-demo.yaml --master --expect-workers 2 --users 40 --duration 2m "
    "--threshold 'p95<500ms' --report json:out/load.json": (
        "a master that waits for the two workers of the next command, for two minutes; "
        "tests/integration/test_load.py runs a master and two workers"
    ),
    "postrun load load-demo.yaml --worker --master-host 127.0.0.1": (
        "a worker of the master above; tests/integration/test_load.py runs them together"
    ),
    "postrun run collections/ --env staging --report html:out/report.html "
    "--report junit:out/junit.xml": (
        "illustrative: environments/staging.yaml and its API are the reader's own"
    ),
}


# ------------------------------------------------------------------------ the extraction

_BLOCK = re.compile(r"^```(sh|bash|shell|console)[ \t]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_commands(text: str) -> list[str]:
    """Every ``postrun ...`` command of the shell blocks, in README order, each once."""
    found: dict[str, None] = {}
    for language, body in _BLOCK.findall(text):
        for line in re.sub(r"\\\n[ \t]*", " ", body).splitlines():
            if language == "console":
                if not line.startswith("$ "):
                    continue  # output
                line = line[2:]
            for segment in _segments(line):
                if segment == "postrun" or segment.startswith("postrun "):
                    found[" ".join(segment.split())] = None
    return list(found)


def _segments(line: str) -> Iterator[str]:
    """``line`` split at ``&&``, ``||``, ``|``, ``;`` and an unquoted ``#``, quotes respected."""
    quote: str | None = None
    start = index = 0
    while index < len(line):
        char = line[index]
        if quote is not None:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            break
        elif char in "|&;":
            yield line[start:index].strip()
            while index + 1 < len(line) and line[index + 1] in "|&":
                index += 1
            start = index + 1
        index += 1
    yield line[start:index].strip()


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))


def test_every_readme_command_is_run_or_listed() -> None:
    missing = [command for command in COMMANDS if command not in RUN and command not in NOT_RUN]
    both = sorted(set(RUN) & set(NOT_RUN))
    assert not both, f"in both RUN and NOT_RUN: {both}"
    assert not missing, (
        "README commands that no test runs; add each to RUN (with its exit status) or to "
        "NOT_RUN (with the reason) in tests/cli/test_readme_commands.py:\n"
        + "\n".join(f"    {command!r}" for command in missing)
    )


def test_no_table_entry_is_stale() -> None:
    stale = [command for command in (*RUN, *NOT_RUN) if command not in COMMANDS]
    assert not stale, f"no longer in README.md, remove from the tables: {stale}"


def test_the_extraction_reads_continuations_pipes_and_console_prompts() -> None:
    text = (
        "```sh\npip install . && postrun run a.yaml --mock   # offline\n"
        "pbpaste | postrun import curl -o c.yaml\n"
        "postrun import curl 'curl https://x \\\n  -H \"A: b|c\"' -o d.yaml\n"
        'eval "$(_POSTRUN_COMPLETE=bash_source postrun)"\n```\n'
        "```console\n$ postrun list x\npostrun · not a command\n```\n"
        "```yaml\nrun: postrun run collections/\n```\n"
    )
    assert readme_commands(text) == [
        "postrun run a.yaml --mock",
        "postrun import curl -o c.yaml",
        "postrun import curl 'curl https://x -H \"A: b|c\"' -o d.yaml",
        "postrun list x",
    ]


# ------------------------------------------------------------------ the example server


class ExampleServer:
    """Answers the shipped collections' requests over HTTP with their first saved example.

    Each request goes to the first request of the collections, in file order, not answered yet
    since ``reset``, whose method and URL template (``<<base_url>>`` at ``/v1``, any other
    placeholder as any text) match it; the examples' own base URLs (a ``Location`` header) are
    rewritten to this server's.
    """

    def __init__(self, collections: list[Path]) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Any]] = []
        self.originals: list[str] = []
        for path in collections:
            collection = load_collection(path, base_dir=path.parent.parent)
            self.originals.append(str(collection.variables.values["base_url"]))
            for request in collection.requests:
                self.routes.append((request.method, _template(request.url), request.examples[0]))
        self.answered: set[int] = set()
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def reset(self) -> None:
        with self.lock:
            self.answered.clear()

    def answer(self, method: str, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        with self.lock:
            for index, (want, pattern, example) in enumerate(self.routes):
                if index not in self.answered and want == method and pattern.fullmatch(path):
                    self.answered.add(index)
                    return self._response(example)
        return 404, [("Content-Type", "text/plain")], b"no route"

    def _response(self, example: Any) -> tuple[int, list[tuple[str, str]], bytes]:
        headers = [(name, self._here(str(value))) for name, value in example.headers.items()]
        body = example.body
        if example.events is not None:  # a stream, sent at once (its pauses left out)
            data = b"".join(serialise(example.events))
        elif isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            if not any(name.lower() == "content-type" for name, _ in headers):
                headers.append(("Content-Type", "application/json"))
        else:
            data = (body or "").encode()
        return example.status, headers, data

    def _here(self, text: str) -> str:
        for original in self.originals:
            text = text.replace(original, self.base)
        return text

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                status, headers, data = server.answer(self.command, self.path.split("?")[0])
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _template(url: str) -> re.Pattern[str]:
    """A request's URL template as a pattern on the path: ``<<base_url>>`` is ``/v1``."""
    parts = re.split(r"(<<\s*[\w.$-]+\s*>>)", url)
    pattern = ""
    for part in parts:
        if re.fullmatch(r"<<\s*base_url\s*>>", part):
            pattern += "/v1"
        elif part.startswith("<<"):
            pattern += ".*"
        else:
            pattern += re.escape(part)
    return re.compile(pattern)


@pytest.fixture(scope="module")
def example_server() -> Iterator[ExampleServer]:
    server = ExampleServer(sorted((REPO / "collections").glob("*.yaml")))
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


# ------------------------------------------------------------------------------ set-ups


def postman_exports(project: Path) -> None:
    """The two files a Postman user exports: a collection "My API" and its "Staging"."""
    collection = {
        "info": {
            "name": "My API",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "item": [
            {
                "name": "List pets",
                "request": {"method": "GET", "url": "{{base_url}}/pets"},
                "event": [
                    {
                        "listen": "test",
                        "script": {"exec": ["pm.response.to.have.status(200);"]},
                    }
                ],
            }
        ],
    }
    environment = {
        "name": "Staging",
        "values": [{"key": "base_url", "value": "https://staging.example.com", "enabled": True}],
    }
    (project / "My API.postman_collection.json").write_text(json.dumps(collection))
    (project / "Staging.postman_environment.json").write_text(json.dumps(environment))


def postman_imported(project: Path) -> None:
    """What the README's `import postman` leaves: collections/my-api.yaml and staging.yaml."""
    postman_exports(project)
    args = ["import", "postman", "My API.postman_collection.json"]
    args += ["--environment", "Staging.postman_environment.json", "-o", "."]
    done = _postrun(args, project, dict(os.environ))
    assert done.returncode == 0, done.stderr


class _DemoServer(ThreadingHTTPServer):
    # http.server's backlog of 5 drops connections of 10 users that reconnect on every
    # request (HTTP/1.0), and each drop costs a 1 s SYN retransmission: a latency of its own.
    request_queue_size = 128


def load_demo(project: Path) -> None:
    """The README's `load-demo.yaml` and the folder it loads, served as `http.server` would.

    The file is the README's own block; only its `base` points at this server's free port
    instead of 8000. The server is a daemon thread that ends with the test process.
    """
    block = re.search(
        r"^```yaml\n(name: load demo\n.*?)^```", README.read_text(encoding="utf-8"), re.M | re.S
    )
    assert block is not None, "README lost its load-demo.yaml block"
    (project / "README.md").write_text("postrun load demo\n")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(project))
    httpd = _DemoServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    text = block.group(1).replace("http://127.0.0.1:8000", f"http://127.0.0.1:{httpd.server_port}")
    assert text != block.group(1), "the README's load demo no longer serves on port 8000"
    (project / "load-demo.yaml").write_text(text)


def postman_v3(project: Path) -> None:
    """A repository with a Postman v12 collection (Collection v3 YAML files) in it."""
    corpus = Path(__file__).resolve().parents[1] / "data" / "postman" / "corpus" / "v3-shop"
    shutil.copytree(corpus, project / "postman" / "collections" / "my-api")


SETUPS: dict[str, Callable[[Path], None]] = {
    "postman_exports": postman_exports,
    "postman_imported": postman_imported,
    "load_demo": load_demo,
    "postman_v3": postman_v3,
}


# ---------------------------------------------------------------------------- the runs


def _postrun(
    args: list[str],
    cwd: Path,
    env: dict[str, str],
    stdin: str | None = None,
    stop_after: float | None = None,
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "runner", *args]
    if stop_after is None:
        return subprocess.run(
            command, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=120
        )
    process = subprocess.Popen(
        command, cwd=cwd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        out, err = process.communicate(stdin, timeout=stop_after)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    return subprocess.CompletedProcess(command, process.returncode, out, err)


@pytest.mark.parametrize("command", [c for c in COMMANDS if c in RUN])
def test_a_readme_command_exits_as_documented(
    command: str, tmp_path: Path, example_server: ExampleServer
) -> None:
    spec = RUN[command]
    project = tmp_path / "project"
    shutil.copytree(REPO / "collections", project / "collections")
    shutil.copytree(REPO / "environments", project / "environments")
    if spec.setup is not None:
        SETUPS[spec.setup](project)
    env = {key: value for key, value in os.environ.items() if not key.startswith("POSTRUN")}
    for name in ("API_KEY", "NOTES_PASSWORD", "GITHUB_ACTIONS", "CI"):
        env.pop(name, None)
    env["NO_COLOR"] = "1"
    args = shlex.split(command)[1:]
    if spec.loopback:
        example_server.reset()
        args += ["--var", f"base_url={example_server.base}"]
        env.update(API_KEY="sk-readme-test-key", NOTES_PASSWORD="readme-test-password")
    done = _postrun(args, project, env, spec.stdin, spec.stop_after)
    assert "Traceback" not in done.stderr
    assert done.returncode == spec.status, f"{command}\n{done.stdout}\n{done.stderr}"


def test_a_command_that_does_not_end_is_stopped_with_sigterm(tmp_path: Path) -> None:
    """What ``stop_after`` gives a serving command: SIGTERM, then its status (143 for a run)."""
    import socket

    with socket.socket() as silent:  # listens, never answers: the run waits on it
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        (tmp_path / "c.yaml").write_text(
            f"requests:\n  - name: r\n    url: http://127.0.0.1:{port}/\n", encoding="utf-8"
        )
        done = _postrun(["run", "c.yaml"], tmp_path, dict(os.environ), stop_after=3)
    assert done.returncode == 143, done.stderr


def console_examples(text: str) -> list[tuple[str, list[str]]]:
    """Each ``$ postrun ...`` of a ```console block with the output lines shown under it."""
    examples: list[tuple[str, list[str]]] = []
    for language, body in _BLOCK.findall(text):
        if language != "console":
            continue
        for line in body.splitlines():
            if line.startswith("$ "):
                examples.append((" ".join(line[2:].split()), []))
            elif examples:
                examples[-1][1].append(line)
    return examples


def _shown_as(line: str) -> re.Pattern[str]:
    """A README output line as a pattern: times vary, and a line ending in `...` is cut."""
    pattern = re.escape(line)
    pattern = re.sub(r"\d+\\ ms", r"\\d+\\ ms", pattern)
    pattern = re.sub(r"\d+\\.\d+\\ s\b", r"\\d+\\.\\d+\\ s", pattern)
    if line.endswith(" ..."):
        pattern = pattern[: -len(re.escape(" ..."))] + " .*"
    return re.compile(pattern)


@pytest.mark.parametrize(
    ("command", "shown"),
    console_examples(README.read_text(encoding="utf-8")),
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_console_example_prints_what_the_readme_shows(
    command: str, shown: list[str], tmp_path: Path
) -> None:
    spec = RUN[command]
    assert not spec.loopback and spec.setup is None, "a console example runs as written"
    shutil.copytree(REPO / "collections", tmp_path / "collections")
    shutil.copytree(REPO / "environments", tmp_path / "environments")
    env = {key: value for key, value in os.environ.items() if key not in ("API_KEY", "CI")}
    env["NO_COLOR"] = "1"
    done = _postrun(shlex.split(command)[1:], tmp_path, env)
    printed = (done.stderr + done.stdout).splitlines()
    assert len(printed) == len(shown), "\n".join(printed)
    for want, got in zip(shown, printed, strict=True):
        assert _shown_as(want).fullmatch(got), f"README: {want!r}\nprinted: {got!r}"
