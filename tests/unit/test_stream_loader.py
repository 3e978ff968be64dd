"""Loading ``stream`` (request and ``defaults``) and example ``events``."""

from __future__ import annotations

from pathlib import Path

from runner.loader import load_collection
from runner.model import ExampleEvent

COLLECTION = """
defaults:
  stream: {sse: {done: "[DONE]", max_events: 500}}
  options: {idle_timeout: 2.5}
requests:
  - name: inherits
    url: https://api.test/a
  - name: removes
    url: https://api.test/b
    stream: none
  - name: replaces
    url: https://api.test/c
    headers: {accept: application/json}
    stream:
      sse:
        join: $.t
    examples:
      - name: ok
        events:
          - plain text
          - {data: {t: 1}, event: delta, id: 7, retry: 3000, delay_ms: 12.5}
          - data: [1, 2]
"""


def test_stream_from_defaults_is_inherited_removed_or_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(COLLECTION, encoding="utf-8")
    inherits, removes, replaces = load_collection(path, base_dir=tmp_path).requests
    assert inherits.stream is not None
    assert (inherits.stream.done, inherits.stream.max_events, inherits.stream.join) == (
        "[DONE]",
        500,
        None,
    )
    assert inherits.options["idle_timeout"] == 2.5
    assert inherits.headers == {"Accept": "text/event-stream"}
    assert removes.stream is None and removes.headers == {}
    assert replaces.stream is not None
    assert (replaces.stream.done, replaces.stream.max_events, replaces.stream.join) == (
        None,
        10_000,
        "$.t",
    )
    assert replaces.headers == {"accept": "application/json"}  # the one written wins
    (example,) = replaces.examples
    assert example.headers == {"Content-Type": "text/event-stream"}
    assert example.body == ""
    assert example.events == (
        ExampleEvent("plain text"),
        ExampleEvent({"t": 1}, event="delta", id="7", retry=3000, delay_ms=12.5),
        ExampleEvent([1, 2]),
    )
