"""Large files are loaded with their `requests` items composed one at a time: same result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.errors import LoadError
from runner.loader import builder, load_collection, streaming
from runner.loader.pyyaml import streaming_loader_class

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

    def counting_items(self: streaming.Items, *args):  # type: ignore[no-untyped-def]
        for item in original_items(self, *args):
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


# ---------------------------------------------------------------- the composer of plain items


def _tree(node: Any) -> object:
    """Everything the loader reads of a node: kind, tag, value, style and both marks."""
    marks = tuple((mark.line, mark.column, mark.index) for mark in (node.start_mark, node.end_mark))
    style = getattr(node, "style", None), getattr(node, "flow_style", None)
    if isinstance(node.value, str):
        value: object = node.value
    else:
        value = tuple(
            (_tree(part[0]), _tree(part[1])) if isinstance(part, tuple) else _tree(part)
            for part in node.value
        )
    return type(node).__name__, node.tag, value, style, marks


def _items(text: str, *, fast: bool) -> object:
    """The streamed items of ``text`` by one composer or the other, or the error it raised."""
    try:
        root = streaming._compose_root_until_requests(
            streaming_loader_class()(streaming._TextChunks(text)), anchored=not fast
        )
        (items,) = [value for _, value in root.value if isinstance(value, streaming.Items)]
        return [_tree(item) for item in items.value]
    except (yaml.YAMLError, streaming.NotStreamable) as exc:
        return type(exc).__name__ if fast else "either"


def _same_items(text: str) -> None:
    expected = _items(text, fast=False)
    got = _items(text, fast=True)
    if expected == "either":  # PyYAML's composer refused it: so must the plain one
        assert isinstance(got, str), got
    elif isinstance(got, str):  # only what reading whole words better: an alias, an anchor
        assert got == "NotStreamable" and ("*" in text or "&" in text), got
    else:
        assert got == expected


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["<<name>>", "0x1F", "1e3", "~", "null", "yes", "- x", "a: b", "#no", "!x"]),
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(DATA, max_size=4),
    st.sampled_from([None, True, False]),
    st.sampled_from([None, '"', "'", "|", ">"]),
)
def test_plain_items_compose_as_pyyaml_composes_them(
    items: list[Any], flow: bool | None, style: str | None
) -> None:
    # Issue 21: a large file without anchors has its items composed by a loop of its own,
    # three times as fast as PyYAML's composer: every node the same, tags, styles and marks.
    body = yaml.safe_dump(items, default_flow_style=flow, default_style=style, indent=4)
    _same_items(f"name: Any\nrequests:\n{body}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_case_composes_the_same_by_either_composer(name: str) -> None:
    _same_items(CASES[name])


@pytest.mark.parametrize("shipped", ["openai-chat.yaml", "notes-crud.yaml"])
def test_shipped_collections_compose_the_same_by_either_composer(shipped: str) -> None:
    _same_items((REPO / "collections" / shipped).read_text(encoding="utf-8"))


def test_an_alias_in_a_file_without_anchors_is_read_whole_for_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("requests:\n  - name: A\n    url: *nowhere\n", encoding="utf-8")
    whole = outcome(path)
    assert isinstance(whole, tuple) and whole[0] == "error"
    monkeypatch.setattr(streaming, "STREAM_CHARS", 0)
    assert outcome(path) == whole
