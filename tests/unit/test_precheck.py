"""The pre-check (runner/loader/precheck.py) answers for a file only what the loader will load:
whatever it accepts, load_collection accepts, with the same requests' outlines and collection."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.compact import Prechecked
from runner.errors import LoadError
from runner.loader import load_collection
from runner.loader.precheck import precheck
from runner.loader.pyyaml import read_text

HEADER = """\
name: Big
secrets: [TOKEN]
variables:
  base: http://h
  model: gpt
defaults:
  headers: {X-Team: qa}
requests:
"""

ITEM = """\
  - name: chat {n}
    method: POST
    url: <<base>>/v1/chat
    headers:
      Authorization: Bearer <<TOKEN>>
    body:
      json:
        model: <<model>>
        messages:
          - role: user
            content: Hello number {n}
          - role: system
            content: "quoted {n}"
        temperature: 0.7
    capture: {{id: $.id}}
    assert:
      status: 200
      jsonpath:
        $.object: chat.completion
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _checked(path: Path) -> Prechecked | None:
    # Read as the loader reads it: bytes decoded, line ends kept.
    return precheck(path, read_text(path), base_dir=path.parent, allow_outside=False)


def _outlines(path: Path) -> tuple[object, ...]:
    requests = load_collection(path, base_dir=path.parent).requests
    return tuple(
        (
            -1,
            tuple(dict.fromkeys(use.name for use in request.placeholders)),
            tuple(spec.name for spec in request.captures),
        )
        for request in requests
    )


def _agrees(path: Path, found: Prechecked) -> None:
    """What the pre-check found is what the loader loads."""
    collection = load_collection(path, base_dir=path.parent)
    assert found.count == len(collection.requests)
    assert found.outlines == _outlines(path)
    assert found.header == dataclasses.replace(collection, requests=())


def test_a_file_of_one_request_repeated_is_found_with_its_outlines(tmp_path: Path) -> None:
    path = _file(tmp_path, HEADER + "".join(ITEM.format(n=n) for n in range(300)))
    found = _checked(path)
    assert found is not None
    assert found.count == 300
    assert found.outlines[0] == (-1, ("base", "TOKEN", "model"), ("id",))
    assert len(set(found.outlines)) == 1
    _agrees(path, found)


def test_distinct_requests_are_each_checked(tmp_path: Path) -> None:
    items = [ITEM.format(n=n) for n in range(40)]
    items[7] = items[7].replace("capture: {id: $.id}", "capture: {other: $.x}")
    items[9] = items[9].replace("method: POST", "method: PUT")
    path = _file(tmp_path, HEADER + "".join(items))
    found = _checked(path)
    assert found is not None
    assert found.outlines[7] == (-1, ("base", "TOKEN", "model"), ("other",))
    _agrees(path, found)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda items: items.__setitem__(30, items[30].replace("method:", "methd:")), "typo"),
        (lambda items: items.__setitem__(30, items[30].replace("chat 30", "chat 3")), "dup name"),
        (
            lambda items: items.__setitem__(30, items[30].replace("status: 200", "status: 2x")),
            "bad",
        ),
        (lambda items: items.append("variables: {late: 1}\n"), "a key after requests"),
        (lambda items: items.__setitem__(5, items[5].replace("Hello number 5", "*alias")), "alias"),
        (lambda items: items.__setitem__(5, items[5].replace("POST", "&a POST")), "anchor"),
        (lambda items: items.__setitem__(5, items[5].replace("chat 5", "!!str chat 5")), "tag"),
        (
            lambda items: items.__setitem__(5, items[5].replace("content: Hello", 'content: "He')),
            "yaml",
        ),
        (
            lambda items: items.__setitem__(
                5,
                "  - name: F\n    requests:\n"
                + items[5].replace("  - ", "      - ").replace("\n    ", "\n        "),
            ),
            "folder",
        ),
        (lambda items: items.__setitem__(5, items[5].replace("\n", "\r\n")), "CRLF"),
        (lambda items: items.__setitem__(5, items[5].replace("POST", "POST\u2028")), "LS"),
        (lambda items: items.__setitem__(5, items[5].replace("POST", "POST\x85")), "NEL"),
        (lambda items: items.__setitem__(5, items[5] + "---\n"), "two documents"),
        (lambda items: items.__setitem__(5, items[5].replace("chat 5", "404")), "a number as name"),
    ],
)
def test_anything_it_cannot_vouch_for_is_left_to_the_loader(
    tmp_path: Path, change: object, why: str
) -> None:
    items = [ITEM.format(n=n) for n in range(40)]
    change(items)  # type: ignore[operator]
    path = _file(tmp_path, HEADER + "".join(items))
    assert _checked(path) is None, why


def test_more_distinct_requests_than_it_checks_are_left_to_the_loader(tmp_path: Path) -> None:
    items = [ITEM.format(n=n).replace("/v1/chat", f"/v1/chat/{n}") for n in range(70)]
    assert _checked(_file(tmp_path, HEADER + "".join(items))) is None
    assert _checked(_file(tmp_path, HEADER + "".join(items[:60]))) is not None


# A free value in every spelling the pre-check may meet, safe or not: the loader has the last word.
FREE = st.one_of(
    st.text(alphabet="abcXYZ019 _.-:#'\"<>\\!&*[]{},?|%@`", min_size=0, max_size=12),
    st.sampled_from(
        ["1", "1.5", "true", "null", "~", "0x1f", "-", "a b", "a: b", "a #b", "x<<y>>"]
    ),
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(FREE, FREE, st.sampled_from(["", '"', "'"])), min_size=1, max_size=12))
def test_whatever_it_accepts_the_loader_loads_the_same(
    tmp_path: Path, values: list[tuple[str, str, str]]
) -> None:
    items = []
    for n, (name, content, quote) in enumerate(values):
        item = ITEM.format(n=n).replace(f"chat {n}\n", f"{name}\n", 1)
        items.append(item.replace(f"Hello number {n}", f"{quote}{content}{quote}"))
    path = _file(tmp_path, HEADER + "".join(items))
    found = _checked(path)
    if found is None:
        return
    try:
        collection = load_collection(path, base_dir=tmp_path)
    except LoadError as exc:  # pragma: no cover - the failure this test exists to catch
        pytest.fail(f"pre-check accepted what the loader refuses: {exc.message}")
    assert len(collection.requests) == found.count
    _agrees(path, found)
