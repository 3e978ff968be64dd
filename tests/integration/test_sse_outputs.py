"""Streams on the command line: the keys' errors, ``-v`` and the reports (masked), the shipped
streaming request under ``--mock`` and against a loopback fake of the API, and the exports."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sse_server import Reply, Seen, StreamServer, events, json_reply

from runner.cli import cli
from runner.loader import load_collection
from runner.sse import serialise

REPO = Path(__file__).resolve().parents[2]
SECRET = "sk-stream-secret-98765"


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("API_KEY", raising=False)


@pytest.fixture
def server() -> Iterator[StreamServer]:
    with StreamServer() as running:
        yield running


def invoke(args: list[str]) -> Result:
    result = CliRunner().invoke(cli, args)
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def collection(text: str) -> str:
    Path("c.yaml").write_text(text, encoding="utf-8")
    return "c.yaml"


BAD = [
    ("    stream: see\n", "unknown stream kind 'see'", "c.yaml:4:13", "did you mean 'sse'?"),
    (
        "    stream: {sse: {joins: $.x}}\n",
        "unknown key 'joins' in stream.sse",
        "c.yaml:4:20",
        "did you mean 'join'?",
    ),
    (
        "    stream: sse\n    assert: {events: 3}\n",
        "'events' needs a matcher, not a bare value",
        "c.yaml:5:22",
        "write events: {length: 3}",
    ),
    (
        "    stream: sse\n    assert: {time_to_first_event_ms: 300}\n",
        "'time_to_first_event_ms' needs a matcher, not a bare value",
        "c.yaml:5:38",
        "write {lt: 300}",
    ),
    (
        "    assert: {events: {length: 2}}\n",
        "'events' needs a stream, but the request has no 'stream'",
        "c.yaml:4:14",
        "add stream: sse",
    ),
    (
        "    stream: sse\n    assert: {joined: {contains: Hi}}\n",
        "'joined' reads the joined text, but the stream has no 'join'",
        "c.yaml:5:14",
        "join: $.choices[0].delta.content",
    ),
    (
        "    capture: {reply: {joined: true}}\n",
        "capture 'reply' needs a stream",
        "c.yaml:4:15",
        "add stream: sse",
    ),
    (
        "    stream: sse\n    options: {retries: {unless: {joined: x}}}\n",
        "'joined' cannot be checked in retries.unless",
        "c.yaml:5:34",
        "check the joined text in assert",
    ),
    (
        "    stream: {sse: {join: 'choices'}}\n",
        "",
        "c.yaml:4:",
        "a JSONPath starts with $",
    ),
    (
        "    stream: sse\n    options: {idle_timeout: 0}\n",
        "'idle_timeout' must be greater than 0",
        "c.yaml:5:29",
        "",
    ),
    (
        "    examples:\n      - name: ok\n        body: hi\n        events: [a, b]\n",
        "an example has either 'body' or 'events', not both",
        "c.yaml:7:9",
        "events: is a stream",
    ),
    (
        "    examples:\n      - name: ok\n        events: [{event: x}]\n",
        "an event needs 'data'",
        "c.yaml:6:18",
        "add data:",
    ),
]


@pytest.mark.parametrize(("extra", "message", "where", "hint"), BAD)
def test_a_bad_stream_key_is_an_input_error_at_its_place(
    extra: str, message: str, where: str, hint: str
) -> None:
    path = collection(f"requests:\n  - name: r\n    url: http://127.0.0.1:9/\n{extra}")
    result = invoke(["validate", path])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert where in result.output
    assert hint in result.output


STREAMED = """
secrets: [API_KEY]
requests:
  - name: chat
    method: POST
    url: {url}/chat
    headers: {{Authorization: Bearer <<API_KEY>>}}
    stream:
      sse:
        join: $.choices[0].delta.content
        done: "[DONE]"
    assert:
      events: {{length: 4}}
      joined: {{contains: "key "}}
    capture:
      echoed: {{joined: true}}
"""


def echo_key(seen: Seen) -> Reply:
    """A stream that echoes the key it was sent, in an event's data, its id and its type."""
    key = seen.headers["Authorization"].removeprefix("Bearer ")
    parts = events(
        {"choices": [{"delta": {"content": "your key "}}]},
        {"choices": [{"delta": {"content": f"is {key}"}}]},
        pause=0.01,
    )
    parts.append((0.01, f"event: {key}\nid: {key}\ndata: x\n\n".encode()))
    parts += events("[DONE]")
    return Reply(parts)


def test_verbose_shows_each_event_and_no_output_shows_the_secret(
    monkeypatch: pytest.MonkeyPatch, server: StreamServer
) -> None:
    monkeypatch.setenv("API_KEY", SECRET)
    server.routes["/chat"] = echo_key
    path = collection(STREAMED.format(url=server.url))
    reports = ["json:r.json", "junit:r.xml", "html:r.html"]
    result = invoke(["run", path, "-v", *[arg for r in reports for arg in ("--report", r)]])
    assert result.exit_code == 0, result.output
    output = result.output
    assert SECRET not in output
    lines = output.splitlines()
    event_lines = [line for line in lines if line.strip().startswith("< event ")]
    assert len(event_lines) == 4
    assert '"content": "is ****"' in event_lines[1].replace('":"', '": "')
    assert "event: ****  id: ****  data: x" in event_lines[2]
    # The request is shown before its events, the summary line after them.
    first_request = next(i for i, line in enumerate(lines) if "> POST" in line)
    assert first_request < lines.index(event_lines[0])
    assert "4 events, first after" in output
    assert "time to first event: median" in output
    for name in ("r.json", "r.xml", "r.html"):
        text = Path(name).read_text(encoding="utf-8")
        assert SECRET not in text, name
    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    stream = report["requests"][0]["stream"]
    assert stream["events"] == 4 and stream["events_cut"] == 0
    assert stream["shown_events"][2] == {"event": "****", "id": "****", "data": "x"}
    assert stream["time_to_first_event_ms"] > 0
    assert report["totals"]["time_to_first_event_ms"]["count"] == 1
    assert report["requests"][0]["captures"][0]["value"] == "your key is ****"
    assert "stream: 4 events, first after" in Path("r.xml").read_text(encoding="utf-8")
    assert "Time to first event" in Path("r.html").read_text(encoding="utf-8")


def test_the_json_report_validates_and_cuts_long_streams(server: StreamServer) -> None:
    from jsonschema import Draft202012Validator

    server.routes["/many"] = lambda _seen: Reply(events(*range(120)))
    path = collection(f"requests:\n  - name: many\n    url: {server.url}/many\n    stream: sse\n")
    assert invoke(["run", path, "--report", "json:r.json"]).exit_code == 0
    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    schema = json.loads((REPO / "runner/report/report-schema.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema).validate(report)
    stream = report["requests"][0]["stream"]
    assert stream["events"] == 120
    assert len(stream["shown_events"]) == 50 and stream["events_cut"] == 70


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "collections", tmp_path / "collections")
    shutil.copytree(REPO / "environments", tmp_path / "environments")
    return tmp_path


def test_the_shipped_streaming_request_passes_under_mock(shipped: Path) -> None:
    result = invoke(["run", "collections/openai-chat.yaml", "--mock", "-v"])
    assert result.exit_code == 0, result.output
    assert "Chat completion (streaming)" in result.output
    assert "20 events, first after" in result.output
    assert "< event 20" in result.output and "data: [DONE]" in result.output


def fake_openai(seen: Seen) -> Reply:
    """The API as the shipped examples show it: JSON, or with "stream": true, a stream."""
    if seen.headers.get("Authorization") != f"Bearer {SECRET}":
        return json_reply({"error": {"code": "invalid_api_key", "message": "no"}}, status=401)
    (spec, streamed) = load_collection(Path("collections/openai-chat.yaml")).requests
    if not json.loads(seen.body).get("stream"):
        return json_reply(spec.examples[0].body)
    wire = serialise(streamed.examples[0].events or ())
    return Reply([(0.005, part) for part in wire])


def test_the_shipped_streaming_request_passes_against_a_loopback_fake_of_the_api(
    shipped: Path, monkeypatch: pytest.MonkeyPatch, server: StreamServer
) -> None:
    monkeypatch.setenv("API_KEY", SECRET)
    server.routes["/v1/chat/completions"] = fake_openai
    args = ["run", "collections/openai-chat.yaml", "--var", f"base_url={server.url}/v1"]
    result = invoke([*args, "--report", "json:r.json"])
    assert result.exit_code == 0, result.output
    assert "2 requests" in result.output and " 0 failed" in result.output
    bodies = [json.loads(seen.body) for seen in server.seen]
    assert [body.get("stream", False) for body in bodies] == [False, True]
    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    streaming = report["requests"][1]
    assert streaming["stream"]["events"] == 20
    reply = streaming["captures"][0]["value"]
    assert reply.startswith("To use the ChatGPT API") and reply.endswith("pricing.")


def test_export_curl_adds_no_buffer_for_a_stream_only(
    shipped: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_KEY", SECRET)
    result = invoke(["export", "curl", "collections/openai-chat.yaml"])
    assert result.exit_code == 0, result.output
    plain, streaming = result.output.split("# Chat completion (streaming)\n")
    assert "curl " in plain and "--no-buffer" not in plain
    assert "--no-buffer" in streaming and '"stream": true' in streaming


def test_export_postman_keeps_the_body_and_the_stream_example(
    shipped: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_KEY", SECRET)
    result = invoke(["export", "postman", "collections/openai-chat.yaml", "-o", "p.json"])
    assert result.exit_code == 0, result.output
    exported = json.loads(Path("p.json").read_text(encoding="utf-8"))
    item = next(i for i in exported["item"] if i["name"] == "Chat completion (streaming)")
    assert '"stream": true' in item["request"]["body"]["raw"]
    example = item["response"][0]
    assert example["body"].endswith("data: [DONE]\n\n")
    assert {"key": "Content-Type", "value": "text/event-stream; charset=utf-8"} in example["header"]
    script = "\n".join(item["event"][0]["script"]["exec"])
    assert "pm.response.json()" not in script  # a stream's body is no JSON document in Postman


def test_the_readme_stream_example_works_as_written(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Streams (server-sent events)") :]
    start = section.index("```yaml\n") + len("```yaml\n")
    Path("stream.yaml").write_text(section[start : section.index("```", start)], encoding="utf-8")
    result = invoke(["run", "stream.yaml", "--mock"])
    assert result.exit_code == 0, result.output
    assert "7 checks: 7 passed" in result.output
    assert "4 events, first after" in result.output


def test_the_runs_stream_figures_count_every_file_under_jobs(server: StreamServer) -> None:
    server.routes["/a"] = lambda _seen: Reply(events("x", first=0.05))
    server.routes["/b"] = lambda _seen: Reply(events("y", first=0.2))
    for name in ("a", "b"):
        Path("api").mkdir(exist_ok=True)
        text = f"requests:\n  - name: {name}\n    url: {server.url}/{name}\n    stream: sse\n"
        Path(f"api/{name}.yaml").write_text(text, encoding="utf-8")
    for jobs in ("1", "2"):
        result = invoke(["run", "api", "--jobs", jobs])
        assert result.exit_code == 0, result.output
        assert "time to first event: median" in result.output
        assert "(2 streams)" in result.output


def test_an_events_control_characters_are_shown_escaped_in_colour_too() -> None:
    import io

    from runner.events import StreamEventReceived
    from runner.report.console import ConsoleReporter
    from runner.results import SseEvent

    out = io.StringIO()
    reporter = ConsoleReporter(out, color=True, verbose=True)
    reporter(StreamEventReceived(SseEvent("message", None, "clear\x1b[2Jscreen\nnext"), 1, 12.0))
    line = out.getvalue()
    assert "data: clear\\x1b[2Jscreen\\nnext" in line
    assert "\x1b[2J" not in line and "\x1b[" in line  # its own colour codes are kept


def test_the_json_report_keeps_4096_characters_of_a_streams_data(server: StreamServer) -> None:
    server.routes["/big"] = lambda _seen: Reply(events(*["x" * 1000] * 10))
    path = collection(f"requests:\n  - name: big\n    url: {server.url}/big\n    stream: sse\n")
    assert invoke(["run", path, "--report", "json:r.json"]).exit_code == 0
    stream = json.loads(Path("r.json").read_text(encoding="utf-8"))["requests"][0]["stream"]
    assert stream["events"] == 10
    assert [len(event["data"]) for event in stream["shown_events"][:4]] == [1000] * 4
    assert stream["shown_events"][4]["data"] == "x" * 96 + "... (904 more chars)"
    assert stream["events_cut"] == 5
