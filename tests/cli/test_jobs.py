"""--jobs and --parallel-iterations: files side by side, output grouped, one merged report."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import cli


class _Slow(BaseHTTPRequestHandler):
    """Answers after a pause and records how many requests were in flight at once."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        server = self.server
        with server.lock:  # type: ignore[attr-defined]
            server.active += 1  # type: ignore[attr-defined]
            server.peak = max(server.peak, server.active)  # type: ignore[attr-defined]
            server.paths.append(self.path)  # type: ignore[attr-defined]
        time.sleep(0.15)
        with server.lock:  # type: ignore[attr-defined]
            server.active -= 1  # type: ignore[attr-defined]
        cookie = self.headers.get("Cookie", "")
        body = json.dumps({"path": self.path, "cookie": cookie}).encode()
        self.send_response(500 if "fail" in self.path else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.path.endswith("/login"):
            self.send_header("Set-Cookie", f"who={self.path.split('/')[1]}; Path=/")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def slow_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    server.lock = threading.Lock()  # type: ignore[attr-defined]
    server.active = server.peak = 0  # type: ignore[attr-defined]
    server.paths = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def write_files(folder: Path, base: str, count: int, *, failing: int | None = None) -> None:
    """Files f1..fN: a login that sets a cookie, then a request that must see that file's cookie."""
    folder.mkdir()
    for number in range(1, count + 1):
        second = "fail" if number == failing else "me"
        (folder / f"f{number}.yaml").write_text(
            f"""name: F{number}
requests:
  - name: Login
    url: {base}/f{number}/login
    capture: {{me: $.path}}
  - name: Me
    url: {base}/f{number}/{second}?from=<<me>>
    assert:
      status: 200
      jsonpath: {{$.cookie: who=f{number}}}
""",
            encoding="utf-8",
        )


def test_jobs_run_files_side_by_side_with_grouped_output_and_one_report(
    cli_runner: CliRunner, tmp_path: Path, slow_server: ThreadingHTTPServer
) -> None:
    base = f"http://127.0.0.1:{slow_server.server_address[1]}"
    write_files(tmp_path / "many", base, 4)
    result = cli_runner.invoke(
        cli,
        ["run", "many", "--jobs", "4", "--report", "json:r.json", "--report", "html:r.html"],
    )
    assert result.exit_code == 0, result.output
    assert slow_server.peak >= 2  # type: ignore[attr-defined]
    # Each file's lines stay together and in file order, as in a sequential run.
    headings = [line for line in result.output.splitlines() if line.startswith("F")]
    assert headings == ["F1", "F2", "F3", "F4"]
    lines = result.output.splitlines()
    for number in range(1, 5):
        start = lines.index(f"F{number}")
        assert f"/f{number}/login" in lines[start + 1] and f"/f{number}/me" in lines[start + 2]
    assert result.output.count("postrun · 8 requests") == 1
    assert "8 requests, 8 checks: 8 passed, 0 failed" in result.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["totals"]["requests"] == 8
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count("<details") >= 8 and "/f4/me" in page
    # In plan order, though the files finished in any order.
    assert [request["collection"] for request in report["requests"]] == [
        f"F{n}" for n in range(1, 5) for _ in (1, 2)
    ]


def test_a_failure_in_one_file_fails_the_run_and_others_still_run(
    cli_runner: CliRunner, tmp_path: Path, slow_server: ThreadingHTTPServer
) -> None:
    base = f"http://127.0.0.1:{slow_server.server_address[1]}"
    write_files(tmp_path / "many", base, 3, failing=2)
    result = cli_runner.invoke(cli, ["run", "many", "--jobs", "3"])
    assert result.exit_code == 1, result.output
    assert len(slow_server.paths) == 6  # type: ignore[attr-defined]
    assert "6 requests" in result.output and "1 request(s) failed" in result.output


def test_bail_stops_the_other_workers(
    cli_runner: CliRunner, tmp_path: Path, slow_server: ThreadingHTTPServer
) -> None:
    base = f"http://127.0.0.1:{slow_server.server_address[1]}"
    folder = tmp_path / "many"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        f"name: A\nrequests:\n  - name: Boom\n    url: {base}/fail\n    assert: {{status: 200}}\n",
        encoding="utf-8",
    )
    steps = "".join(f"  - name: S{n}\n    url: {base}/b/{n}\n" for n in range(1, 11))
    (folder / "b.yaml").write_text(f"name: B\nrequests:\n{steps}", encoding="utf-8")
    result = cli_runner.invoke(cli, ["run", "many", "--jobs", "2", "--bail"])
    assert result.exit_code == 1, result.output
    b_paths = [path for path in slow_server.paths if path.startswith("/b/")]  # type: ignore[attr-defined]
    assert 0 < len(b_paths) < 10


def test_parallel_iterations_run_one_files_iterations_side_by_side(
    cli_runner: CliRunner, tmp_path: Path, slow_server: ThreadingHTTPServer
) -> None:
    base = f"http://127.0.0.1:{slow_server.server_address[1]}"
    (tmp_path / "one.yaml").write_text(
        f"name: One\nrequests:\n  - name: Get\n    url: {base}/one/<<n>>\n"
        "    assert: {jsonpath: {$.path: /one/<<n>>}}\n",
        encoding="utf-8",
    )
    (tmp_path / "rows.csv").write_text("n\n1\n2\n3\n4\n", encoding="utf-8")
    result = cli_runner.invoke(
        cli,
        [
            "run",
            "one.yaml",
            "--data",
            "rows.csv",
            "--jobs",
            "4",
            "--parallel-iterations",
            "--report",
            "junit:r.xml",
        ],
    )
    assert result.exit_code == 0, result.output
    assert slow_server.peak >= 2  # type: ignore[attr-defined]
    assert sorted(slow_server.paths) == ["/one/1", "/one/2", "/one/3", "/one/4"]  # type: ignore[attr-defined]
    assert "4 requests, 4 checks: 4 passed" in result.output


def test_parallel_iterations_needs_jobs(cli_runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(
        "name: One\nrequests:\n  - name: Get\n    url: http://127.0.0.1:1/\n", encoding="utf-8"
    )
    result = cli_runner.invoke(cli, ["run", "one.yaml", "--parallel-iterations"])
    assert result.exit_code == 2
    assert "--parallel-iterations needs --jobs" in result.output


def test_bail_leaves_out_files_not_begun(
    cli_runner: CliRunner, tmp_path: Path, slow_server: ThreadingHTTPServer
) -> None:
    base = f"http://127.0.0.1:{slow_server.server_address[1]}"
    folder = tmp_path / "many"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        f"name: A\nrequests:\n  - name: Boom\n    url: {base}/fail\n    assert: {{status: 200}}\n",
        encoding="utf-8",
    )
    for name in "bcdef":
        steps = "".join(f"  - name: S{n}\n    url: {base}/{name}/{n}\n" for n in (1, 2, 3))
        (folder / f"{name}.yaml").write_text(
            f"name: {name.upper()}\nrequests:\n{steps}", encoding="utf-8"
        )
    result = cli_runner.invoke(cli, ["run", "many", "--jobs", "2", "--bail"])
    assert result.exit_code == 1, result.output
    # a and b start together; a fails while b is still busy: b stops, c to f never begin.
    paths = slow_server.paths  # type: ignore[attr-defined]
    assert "/fail" in paths and "/b/3" not in paths
    assert all(path.startswith(("/fail", "/b/")) for path in paths), paths


def test_under_jobs_a_capture_from_another_file_is_an_input_error(
    cli_runner: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        "name: A\nrequests:\n  - name: Login\n    url: http://127.0.0.1:1/login\n"
        "    capture: {tok: $.token}\n",
        encoding="utf-8",
    )
    (folder / "b.yaml").write_text(
        "name: B\nrequests:\n  - name: Me\n    url: http://127.0.0.1:1/me?t=<<tok>>\n",
        encoding="utf-8",
    )
    result = cli_runner.invoke(cli, ["run", "many", "--jobs", "2"])
    assert result.exit_code == 2, result.output
    assert "undefined variable 'tok'" in result.output
    assert "captured by 'Login'" in result.output and "--jobs" in result.output


def test_github_annotations_stay_with_their_file_under_jobs(
    cli_runner: CliRunner, tmp_path: Path, slow_server: ThreadingHTTPServer
) -> None:
    base = f"http://127.0.0.1:{slow_server.server_address[1]}"
    write_files(tmp_path / "many", base, 3, failing=2)
    summary = tmp_path / "summary.md"
    result = cli_runner.invoke(
        cli,
        ["run", "many", "--jobs", "3"],
        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    errors = [index for index, line in enumerate(lines) if line.startswith("::error")]
    assert len(errors) == 1  # the status check of F2's second request (the server said 500)
    assert all(lines.index("F2") < index < lines.index("F3") for index in errors)
    assert "many/f2.yaml" in lines[errors[0]]
    assert summary.read_text(encoding="utf-8").count("| F") >= 6


def test_files_never_share_cookies_even_on_one_worker(
    cli_runner: CliRunner, tmp_path: Path, slow_server: ThreadingHTTPServer
) -> None:
    base = f"http://127.0.0.1:{slow_server.server_address[1]}"
    folder = tmp_path / "many"
    folder.mkdir()
    # f1 logs in (the server sets a cookie); f2 and f3 must not see it, though with two workers
    # one of them runs two files one after the other.
    (folder / "f1.yaml").write_text(
        f"name: F1\nrequests:\n  - name: Login\n    url: {base}/f1/login\n", encoding="utf-8"
    )
    # f2 keeps the other worker busy, so the worker that ran f1 runs f3 next.
    for name, count in (("f2", 3), ("f3", 1)):
        steps = "".join(
            f"  - name: Me {n}\n    url: {base}/{name}/me\n"
            "    assert: {jsonpath: {$.cookie: ''}}\n"
            for n in range(count)
        )
        (folder / f"{name}.yaml").write_text(f"name: {name}\nrequests:\n{steps}", encoding="utf-8")
    result = cli_runner.invoke(cli, ["run", "many", "--jobs", "2"])
    assert result.exit_code == 0, result.output
