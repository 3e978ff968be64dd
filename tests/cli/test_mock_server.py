"""``postrun mock`` as a real process on a free port, hit by requests and by ``postrun run``."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "collections").glob("*.yaml"))
SECRETS = {"NOTES_PASSWORD": "mock-password", "API_KEY": "sk-mock-key"}


class MockProcess:
    """A running ``postrun mock`` and the base URL it printed."""

    def __init__(self, process: subprocess.Popen[str], base_url: str, banner: str) -> None:
        self.process = process
        self.base_url = base_url
        self.banner = banner


def postrun(*args: str, cwd: Path, secrets: bool = False) -> subprocess.CompletedProcess[str]:
    """``postrun ARGS`` as its own process (with the shipped collections' secrets if asked)."""
    return subprocess.run(
        [sys.executable, "-m", "runner", *args],
        cwd=cwd,
        env={**os.environ, **SECRETS} if secrets else None,
        capture_output=True,
        text=True,
        timeout=60,
    )


def start_mock(*args: str, cwd: Path) -> MockProcess:
    process = subprocess.Popen(
        [sys.executable, "-m", "runner", "mock", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    found = re.search(r"on (http://127\.0\.0\.1:\d+)$", first.strip())
    if found is None:
        process.kill()
        _, err = process.communicate()
        raise AssertionError(f"no base URL in {first!r}: {err}")
    lines = [first]
    while not lines[-1].startswith("Ctrl-C"):
        lines.append(process.stdout.readline())
    return MockProcess(process, found.group(1), "".join(lines))


@pytest.fixture
def mock_all(shipped: Path) -> Iterator[MockProcess]:
    server = start_mock("collections", "--port", "0", cwd=shipped)
    yield server
    server.process.send_signal(signal.SIGINT)
    server.process.communicate(timeout=10)


@pytest.mark.parametrize("collection", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_collection_passes_against_its_own_mock(
    shipped: Path, collection: Path
) -> None:
    server = start_mock(f"collections/{collection.name}", "--port", "0", cwd=shipped)
    try:
        run = postrun(
            *("run", f"collections/{collection.name}", "--var", f"base_url={server.base_url}"),
            cwd=shipped,
            secrets=True,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "0 failed" in run.stdout
        assert server.base_url in run.stdout  # it really went to the mock
    finally:
        server.process.send_signal(signal.SIGINT)
        out, _ = server.process.communicate(timeout=10)
    # One log line per request, naming the request and example that answered.
    assert re.search(r"^POST /\S+ -> 200 .*\[ok\]", out, re.M)


def test_the_banner_gives_the_base_url_routes_and_how_to_run(mock_all: MockProcess) -> None:
    assert "GET     /notes/42" in mock_all.banner
    assert "POST    /chat/completions" in mock_all.banner
    assert f"--var base_url={mock_all.base_url}" in mock_all.banner


def test_the_named_example_header_picks_the_example(mock_all: MockProcess) -> None:
    url = f"{mock_all.base_url}/chat/completions"
    first = requests.post(url, json={}, timeout=10)
    assert first.status_code == 200
    assert first.json()["object"] == "chat.completion"
    for header in ("x-mock-example", "x-mock-response-name"):
        named = requests.post(url, json={}, headers={header: "insufficient_quota"}, timeout=10)
        assert named.status_code == 429
        assert named.json()["error"]["code"] == "insufficient_quota"


def test_an_unknown_route_is_a_404_with_the_closest_routes(mock_all: MockProcess) -> None:
    response = requests.get(f"{mock_all.base_url}/nots", timeout=10)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == "no route matches GET /nots"
    assert body["closest"][0] == "GET /notes"
    assert len(body["closest"]) <= 5


def test_an_unknown_example_name_is_a_404_listing_the_names(mock_all: MockProcess) -> None:
    response = requests.post(
        f"{mock_all.base_url}/chat/completions", headers={"x-mock-example": "nope"}, timeout=10
    )
    assert response.status_code == 404
    assert response.json() == {
        "error": "no example named 'nope' for POST /chat/completions",
        "examples": ["insufficient_quota", "ok"],
    }


def test_fifty_parallel_clients_are_all_answered(mock_all: MockProcess) -> None:
    def client(number: int) -> tuple[int, int]:
        with requests.Session() as session:
            statuses = [
                session.get(f"{mock_all.base_url}/notes/42", timeout=30).status_code
                for _ in range(4)
            ]
        assert statuses == [200] * 4
        return number, len(statuses)

    with ThreadPoolExecutor(max_workers=50) as pool:
        answered = list(pool.map(client, range(50)))
    assert sorted(number for number, _ in answered) == list(range(50))


def test_ctrl_c_stops_the_server_with_130_and_sigterm_with_143(shipped: Path) -> None:
    for signum, status in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        server = start_mock("collections", "--port", "0", cwd=shipped)
        assert requests.get(f"{server.base_url}/notes", timeout=10).status_code == 200
        server.process.send_signal(signum)
        _, err = server.process.communicate(timeout=10)
        assert server.process.returncode == status
        assert err.strip() == "postrun mock: stopped"
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{server.base_url}/notes", timeout=2)


def test_a_port_in_use_is_an_input_error_with_a_hint(shipped: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = postrun("mock", "collections", "--port", str(port), cwd=shipped)
    assert run.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use" in run.stderr
    assert "--port 0" in run.stderr
    assert "Traceback" not in run.stderr


def test_collections_without_examples_are_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "bare.yaml").write_text("requests:\n  - name: a\n    url: http://x/a\n")
    run = postrun("mock", "bare.yaml", "--port", "0", cwd=tmp_path)
    assert run.returncode == 2
    assert "no request in these collections has an example to serve" in run.stderr


def test_a_broken_collection_is_reported_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("requests:\n  - name: a\n    urll: http://x/a\n")
    run = postrun("mock", "bad.yaml", "--port", "0", cwd=tmp_path)
    assert run.returncode == 2
    assert "bad.yaml:3:5" in run.stderr
    assert "did you mean 'url'" in run.stderr


def test_help_and_version_import_neither_the_server_nor_ruamel() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from runner.cli import cli\n"
        "for args in (['--help'], ['--version'], ['mock', '--help'], ['run', '--help']):\n"
        "    assert CliRunner().invoke(cli, args).exit_code == 0, args\n"
        "heavy = ('http.server', 'socketserver', 'runner.mockserver', 'runner.recording',\n"
        "         'ruamel', 'requests')\n"
        "print([name for name in heavy if name in sys.modules])\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_a_base_url_with_the_collections_path_prefix_is_served_too(shipped: Path) -> None:
    server = start_mock("collections/openai-chat.yaml", "--port", "0", cwd=shipped)
    try:
        run = postrun(
            *("run", "collections/openai-chat.yaml", "--env", "local"),
            *("--var", f"base_url={server.base_url}/v1"),
            cwd=shipped,
            secrets=True,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert f"{server.base_url}/v1/chat/completions" in run.stdout
    finally:
        server.process.send_signal(signal.SIGINT)
        server.process.communicate(timeout=10)
