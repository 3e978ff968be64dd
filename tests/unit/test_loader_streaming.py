"""Large files are loaded with their `requests` items composed one at a time: same result."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import LoadError
from runner.loader import builder, load_collection, streaming

REPO = Path(__file__).resolve().parents[2]

CASES = {
    "plain": """\
name: Plain
variables: {base: "http://h"}
defaults:
  headers: {X-Team: qa}
  assert: {status: 200}
requests:
  - name: A
    url: <<base>>/a
    assert: {jsonpath: {$.id: {type: integer}}}
  - name: Folder
    variables: {page: 2}
    requests:
      - name: B
        method: POST
        url: <<base>>/b?p=<<page>>
        body: {json: {a: [1, 2, {b: null}]}}
""",
    "anchors across items": """\
x-checks: &checks
  jsonpath: {$.ok: true}
requests:
  - name: A
    url: http://h/a
    assert: *checks
  - &req
    name: B
    url: http://h/b
  - <<: *req
    name: C
""",
    "keys after requests": """\
requests:
  - name: A
    url: <<base>>/a
variables: {base: "http://h"}
""",
    "duplicate names": """\
requests:
  - {name: A, url: 'http://h/a'}
  - {name: A, url: 'http://h/b'}
""",
    "a typo in a later item": """\
requests:
  - name: A
    url: http://h/a
  - name: B
    url: http://h/b
    headres: {X: y}
""",
    "broken YAML in a later item": """\
requests:
  - name: A
    url: http://h/a
  - name: B
    url: "http://h/b
""",
    "an unknown tag in an item": """\
requests:
  - name: A
    url: !!python/name:os.system http://h/a
""",
    "two documents": """\
requests:
  - {name: A, url: 'http://h/a'}
---
requests: []
""",
    "requests is not a list": "requests: {name: A}\n",
    # Read in chunks: multi-byte characters across chunk ends keep every line and column.
    "non-ASCII text": "name: Café ☕\nrequests:\n"
    + "".join(
        f"  - name: Grüße {n}\n    description: {'é☕日本' * 300}\n    url: http://h/ä{n}\n"
        for n in range(40)
    )
    + "  - name: 日本\n    url: http://h/b\n    headres: {X: y}\n",
    "flow root": "{requests: [{name: A, url: 'http://h/a'}]}\n",
}


def outcome(path: Path) -> object:
    try:
        return load_collection(path, base_dir=path.parent)
    except LoadError as exc:
        return ("error", exc.message, exc.location, exc.hint)


@pytest.mark.parametrize("name", sorted(CASES))
def test_streamed_and_whole_loads_agree(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CASES[name], encoding="utf-8")
    whole = outcome(path)
    monkeypatch.setattr(streaming, "STREAM_CHARS", 0)
    streamed = outcome(path)
    assert streamed == whole


@pytest.mark.parametrize("shipped", ["openai-chat.yaml", "notes-crud.yaml"])
def test_shipped_collections_load_the_same_streamed(
    shipped: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = REPO / "collections" / shipped
    whole = load_collection(path, base_dir=REPO)
    monkeypatch.setattr(streaming, "STREAM_CHARS", 0)
    assert load_collection(path, base_dir=REPO) == whole


def test_a_large_file_never_holds_every_node_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Items are composed as the builder asks for them, not all before building starts."""
    path = tmp_path / "big.yaml"
    items = "".join(f"  - name: R{n}\n    url: http://h/{n}\n" for n in range(50))
    path.write_text(f"name: Big\nrequests:\n{items}", encoding="utf-8")
    monkeypatch.setattr(streaming, "STREAM_CHARS", 0)
    composed: list[int] = []
    built: list[int] = []
    original_request = builder.CollectionBuilder.request
    original_items = streaming.Items._compose_items

    def counting_items(self: streaming.Items):  # type: ignore[no-untyped-def]
        for item in original_items(self):
            composed.append(len(built))
            yield item

    def counting_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        built.append(1)
        return original_request(self, *args, **kwargs)

    monkeypatch.setattr(streaming.Items, "_compose_items", counting_items)
    monkeypatch.setattr(builder.CollectionBuilder, "request", counting_request)
    collection = load_collection(path, base_dir=tmp_path)
    assert len(collection.requests) == 50
    # Item n was composed after n requests had been built: one at a time.
    assert composed == list(range(50))


@pytest.mark.parametrize("streamed", [False, True])
def test_each_request_is_handed_on_as_soon_as_it_is_built(
    streamed: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A loading child sends requests ahead through ``on_request`` (runner/preload.py); the
    # collection must then hold those very objects, in the order they were handed on.
    if streamed:
        monkeypatch.setattr(streaming, "STREAM_CHARS", 0)
    path = tmp_path / "c.yaml"
    path.write_text(CASES["plain"], encoding="utf-8")
    handed: list[object] = []
    collection = load_collection(path, base_dir=tmp_path, on_request=handed.append)
    assert [request.path for request in collection.requests] == ["A", "Folder/B"]
    held = collection.requests._packed if streamed else collection.requests  # type: ignore[attr-defined]
    assert len(handed) == 2
    assert all(isinstance(item, bytes) for item in handed) is streamed  # packed when streamed
    assert all(mine is theirs for mine, theirs in zip(held, handed, strict=True))
