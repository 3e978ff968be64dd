"""`postrun load` with real Locust, headless, against a threaded server on loopback.

Each test starts `postrun` as a program (Locust runs in its child process, as for users) and
reads the server's own count of what it was sent. Together they take about 30 s of wall time,
most of it the 10-second run.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SECRET = "s3cr3t-load-token-9f8e7d"


@dataclass
class Counts:
    """What the server was sent, per route; ids it handed out and ids it was asked for."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    routes: dict[str, int] = field(default_factory=dict)
    issued: set[int] = field(default_factory=set)
    asked: list[int] = field(default_factory=list)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add(self, route: str) -> None:
        with self.lock:
            self.routes[route] = self.routes.get(route, 0) + 1


def _handler(counts: Counts) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def _reply(self, status: int, payload: object, headers: dict[str, str] | None = None):
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            counts.add("create")
            with counts.lock:
                item = next(counts.ids)
                counts.issued.add(item)
            self._reply(201, {"id": item, "token": self.headers.get("Authorization", "")})

        def do_GET(self) -> None:
            if self.path.startswith("/items/"):
                counts.add("read")
                item = int(self.path.rsplit("/", 1)[1])
                with counts.lock:
                    counts.asked.append(item)
                self._reply(200, {"id": item})
            elif self.path.startswith("/away"):
                counts.add("away")
                self.send_response(302)
                self.send_header("Location", "http://example.invalid/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                counts.add("list")
                self._reply(200, {"items": [], "echo": self.headers.get("Authorization", "")})

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, Counts]]:
    counts = Counts()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(counts))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", counts
    httpd.shutdown()
    httpd.server_close()


COLLECTION = """\
name: items
secrets: [API_TOKEN]
variables:
  base: {base}
defaults:
  headers:
    Authorization: Bearer <<API_TOKEN>>
requests:
  - name: Create item
    method: POST
    url: <<base>>/items
    body: {{json: {{title: load}}}}
    assert: {{status: 201}}
    capture: {{item_id: $.id}}
  - name: Read item
    url: <<base>>/items/<<item_id>>
    assert:
      status: 200
      jsonpath: {{$.id: <<item_id>>}}
  - name: List items
    url: <<base>>/items
    assert: {{status: {list_status}}}
{extra}"""


def write_collection(folder: Path, base: str, *, list_status: int = 200, extra: str = "") -> Path:
    path = folder / "items.yaml"
    path.write_text(COLLECTION.format(base=base, list_status=list_status, extra=extra))
    return path


def postrun_load(folder: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "API_TOKEN": SECRET}
    return subprocess.run(
        [sys.executable, "-m", "runner", "load", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def report_of(path: Path) -> dict:
    return json.loads(path.read_text())


def by_name(report: dict) -> dict[str, dict]:
    return {row["name"]: row for row in report["requests"]}


def test_a_ten_second_run_of_twenty_users_runs_the_requests_in_order_with_captures(
    server, tmp_path
):
    base, counts = server
    collection = write_collection(tmp_path, base)
    done = postrun_load(
        tmp_path, str(collection), "--users", "20", "--spawn-rate", "10", "--duration", "10s",
        "--report", "json:load.json",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = report_of(tmp_path / "load.json")
    rows = by_name(report)
    assert set(rows) == {"Create item", "Read item", "List items"}
    # Every request the server saw is in the statistics: users finish their pass at the end.
    assert rows["Create item"]["requests"] == counts.routes["create"]
    assert rows["Read item"]["requests"] == counts.routes["read"]
    assert rows["List items"]["requests"] == counts.routes["list"]
    assert report["total"]["requests"] == sum(counts.routes.values())
    assert report["total"]["failures"] == 0
    assert report["users"] == 20 and 8 <= report["duration_s"] <= 12
    # Captures flowed within each user's pass: every read asked for an id the server issued,
    # and in file order, each create was followed by its read.
    assert counts.asked and set(counts.asked) <= counts.issued
    assert counts.routes["create"] == counts.routes["read"] == counts.routes["list"]
    for line in ("POST Create item", "GET Read item", "GET List items", "All requests"):
        assert line in done.stdout
    assert "p95 ms" in done.stdout and "req/s" in done.stdout
    assert "MonkeyPatchWarning" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("list_status", "thresholds", "status", "shown"),
    [
        (200, ["p95<5s", "errors<1%", "Read item: max<5s", "rps>1"], 0, "all 4 thresholds held"),
        (201, ["p95<5s", "errors<1%"], 1, "FAIL  threshold errors<1%: 33.33%"),
        (200, ["Read item: requests>=1000"], 1, "1 of 1 thresholds failed"),
        (201, [], 1, "10 of 30 requests failed (no --threshold given)"),
        (201, ["errors<40%", "List items: errors==10"], 0, "all 2 thresholds held"),
    ],
)
def test_thresholds_that_hold_exit_0_and_one_that_fails_exits_1(
    server, tmp_path, list_status, thresholds, status, shown
):
    base, counts = server
    collection = write_collection(tmp_path, base, list_status=list_status)
    flags = [arg for text in thresholds for arg in ("--threshold", text)]
    done = postrun_load(tmp_path, str(collection), "-u", "2", "--iterations", "5", *flags)
    assert done.returncode == status, done.stdout + done.stderr
    assert shown in done.stdout + done.stderr
    assert sum(counts.routes.values()) == 30  # 2 users x 5 passes x 3 requests


def test_thresholds_in_the_collection_apply_and_a_failed_check_is_a_locust_failure(
    server, tmp_path
):
    base, _ = server
    extra = "load:\n  thresholds:\n    - 'List items: errors==0'\n    - p99<5s\n"
    collection = write_collection(tmp_path, base, list_status=204, extra=extra)
    done = postrun_load(
        tmp_path, str(collection), "-u", "2", "--iterations", "3", "--report", "json:r.json",
        "--report", "html:r.html", "--csv", "out/stats",
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL  threshold List items: errors==0: 6" in done.stdout
    assert "pass  threshold p99<5s" in done.stdout
    report = report_of(tmp_path / "r.json")
    assert report["passed"] is False and report["exit_status"] == 1
    assert report["failures"] == [
        {
            "name": "List items",
            "method": "GET",
            "message": "status: expected 204, got 200",
            "occurrences": 6,
        }
    ]
    # Locust's own outputs count it too, with the check's message.
    failures_csv = (tmp_path / "out" / "stats_failures.csv").read_text()
    assert "status: expected 204, got 200" in failures_csv and ",6" in failures_csv
    assert "List items" in (tmp_path / "out" / "stats_stats.csv").read_text()
    assert "<html" in (tmp_path / "r.html").read_text().lower()


def test_the_secret_appears_in_no_output_of_a_load_run(server, tmp_path):
    base, _ = server
    extra = "  - name: Echo\n    url: <<base>>/items?token=<<API_TOKEN>>\n"
    extra += "    assert: {jsonpath: {$.echo: nothing}}\n"
    collection = write_collection(tmp_path, base, extra=extra)
    done = postrun_load(
        tmp_path, str(collection), "-u", "2", "--iterations", "2", "--report", "json:r.json",
        "--report", "html:r.html", "--csv", "s",
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Echo" in done.stdout and "$.echo" in done.stdout  # the failure is shown, masked
    outputs = [done.stdout, done.stderr] + [
        p.read_text() for p in tmp_path.iterdir() if p.is_file()
    ]
    assert all(SECRET not in text for text in outputs)


def test_remote_targets_are_refused_before_and_while_running(server, tmp_path):
    base, counts = server
    remote = write_collection(tmp_path, "http://example.invalid:8080")
    done = postrun_load(tmp_path, str(remote), "--iterations", "1")
    assert done.returncode == 2
    assert "sends to example.invalid, which is not this machine" in done.stderr
    assert "items.yaml:" in done.stderr and "--allow-remote" in done.stderr
    # A redirect to another host is refused by the users' sessions before it connects.
    extra = "  - name: Away\n    url: <<base>>/away\n"
    collection = write_collection(tmp_path, base, extra=extra)
    done = postrun_load(tmp_path, str(collection), "--iterations", "2", "--report", "json:r.json")
    assert done.returncode == 1
    (failure,) = report_of(tmp_path / "r.json")["failures"]
    assert failure["name"] == "Away" and "not a loopback address" in failure["message"]
    assert counts.routes["away"] == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_master_and_two_workers_count_what_the_server_counted(server, tmp_path):
    base, counts = server
    collection = write_collection(tmp_path, base)
    port = str(_free_port())
    env = {**os.environ, "API_TOKEN": SECRET}

    def start(*args: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "runner", "load", str(collection), *args]
        return subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip

    master = start(
        "--master", "--expect-workers", "2", "--master-port", port, "-u", "6",
        "--iterations", "4", "--report", "json:total.json",
    )  # fmt: skip
    workers = [start("--worker", "--master-port", port) for _ in range(2)]
    try:
        out, err = master.communicate(timeout=60)
        ends = [worker.communicate(timeout=30) for worker in workers]
    finally:
        for process in (master, *workers):
            if process.poll() is None:
                process.kill()
    assert master.returncode == 0, out + err
    assert [worker.returncode for worker in workers] == [0, 0], ends
    total = report_of(tmp_path / "total.json")["total"]
    assert total["requests"] == sum(counts.routes.values()) == 6 * 4 * 3
    assert counts.routes == {"create": 24, "read": 24, "list": 24}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "a load run needs --duration or --iterations"),
        (["--iterations", "1", "--threshold", "p95<500"], "'500' is not a time"),
        (["--iterations", "1", "--threshold", "Read iten: p95<1s"], "did you mean 'Read item'?"),
        (["--iterations", "1", "--threshold", "p95 500ms"], "not a threshold"),
        (["--iterations", "1", "--report", "junit:x.xml"], "invalid --report 'junit:x.xml'"),
        (["--master", "--worker"], "--master and --worker exclude each other"),
        (["--worker", "--threshold", "p95<1s"], "--threshold belong on the master"),
        (["--duration", "soon"], "'soon' is not a duration"),
    ],
)
def test_bad_input_is_exit_2_with_a_message_and_nothing_sent(server, tmp_path, args, message):
    base, counts = server
    collection = write_collection(tmp_path, base)
    done = postrun_load(tmp_path, str(collection), *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert counts.routes == {}


def test_a_bad_threshold_in_the_collection_points_at_its_line(server, tmp_path):
    base, _ = server
    extra = "load:\n  thresholds:\n    - p95<1s\n    - p96x<1s\n"
    collection = write_collection(tmp_path, base, extra=extra)
    done = postrun_load(tmp_path, str(collection), "--iterations", "1")
    assert done.returncode == 2
    assert "unknown metric 'p96x'" in done.stderr
    assert "items.yaml:26:7" in done.stderr


def test_without_locust_the_command_says_how_to_install_it(server, tmp_path):
    base, _ = server
    collection = write_collection(tmp_path, base)
    code = (
        "import sys; sys.modules['locust'] = None; sys.argv = ['postrun', 'load', "
        f"{str(collection)!r}, '--iterations', '1']; from runner.cli import main; main()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2
    assert "postrun load needs Locust" in done.stderr
    assert "pip install 'postrun[load]'" in done.stderr


def test_help_and_version_import_neither_locust_nor_gevent():
    code = (
        "import sys, contextlib, io\n"
        "from runner.cli import cli\n"
        "for args in (['--help'], ['--version'], ['load', '--help']):\n"
        "    with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "        cli(args)\n"
        "print(sorted(m for m in ('locust', 'gevent') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_sigterm_ends_a_load_run_with_143_and_its_statistics(server, tmp_path):
    base, counts = server
    collection = write_collection(tmp_path, base)
    process = subprocess.Popen(
        [sys.executable, "-m", "runner", "load", str(collection), "-u", "2", "--duration",
         "60s", "--report", "json:r.json"],
        cwd=tmp_path, env={**os.environ, "API_TOKEN": SECRET}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while sum(counts.routes.values()) < 30 and time.monotonic() < deadline:
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)  # to postrun only: it passes it on to Locust
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143, out + err
    assert "All requests" in out and "interrupted" in err
    report = report_of(tmp_path / "r.json")
    assert report["exit_status"] == 143 and report["total"]["requests"] >= 30
