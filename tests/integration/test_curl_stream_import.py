"""`postrun import curl` of a streaming command (-N, Accept: text/event-stream), run for real.

The imported request is run against a threaded server that writes and flushes its events.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sse_server import Reply, StreamServer, events

from runner.engine import Engine, RunOptions, plan_run
from runner.interop.curl import collection_text, export_commands, parse_curl
from runner.loader import load_collection
from runner.transport import new_session

CHUNKS = [
    {"object": "chat.completion.chunk", "choices": [{"delta": {"content": "Hel"}}]},
    {"object": "chat.completion.chunk", "choices": [{"delta": {"content": "lo"}}]},
    "[DONE]",
]


@pytest.fixture
def server() -> Iterator[StreamServer]:
    with StreamServer() as running:
        running.routes["/v1/chat"] = lambda _seen: Reply(events(*CHUNKS, pause=0.01))
        yield running


def test_an_imported_curl_n_command_checks_the_events(tmp_path: Path, server: StreamServer) -> None:
    command = (
        f"curl -N {server.url}/v1/chat -H 'Content-Type: application/json' "
        """-d '{"model": "m", "stream": true}'"""
    )
    text = collection_text(parse_curl(command))
    text += "    assert:\n      events: {length: 3}\n      jsonpath:\n"
    text += '        $[-1].data: "[DONE]"\n      time_to_first_event_ms: {lt: 5000}\n'
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    plan = plan_run([load_collection(path, base_dir=tmp_path)], RunOptions(environ={}))
    with new_session() as session:
        (result,) = Engine(plan, session, [], sleep=lambda _s: None).run().requests
    assert result.passed, [check.message for check in result.failed_checks]
    assert result.events == 3
    assert server.seen[0].headers["Accept"] == "text/event-stream"  # as EventSource asks


def test_export_then_import_keeps_the_stream(tmp_path: Path, server: StreamServer) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        f"requests:\n  - name: chat\n    method: POST\n    url: {server.url}/v1/chat\n"
        "    stream: sse\n",
        encoding="utf-8",
    )
    collection = load_collection(path, base_dir=tmp_path)
    ((_, command),) = list(export_commands([collection], RunOptions(environ={})))
    assert "--no-buffer" in command
    imported = parse_curl(command)
    assert imported.request["stream"] == "sse"
    assert imported.request["url"] == f"{server.url}/v1/chat"
