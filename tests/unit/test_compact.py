"""Packed requests (runner.compact) decode into RequestSpecs equal to the ones packed."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.compact import RequestPacker
from runner.loader import load_collection
from runner.model import RequestSpec


def test_packed_requests_decode_equal(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        """\
variables: {base: "http://h"}
defaults: {headers: {X-Team: qa}, assert: {status: 200}}
requests:
  - name: A
    method: POST
    url: <<base>>/a
    auth: {bearer: <<token>>}
    body: {json: {a: [1, 2.5, {b: null}], c: <<n>>}}
    assert: {jsonpath: {$.id: {type: integer}, $.tags: {each: {length: {gt: 0}}}}}
    capture: {token: $.token, when: {header: Date}}
    options: {retries: {count: 2, unless: {status: 429}}}
    tags: [smoke]
    examples: [{name: ok, body: {id: 1}}]
  - name: Folder
    variables: {page: 2}
    requests:
      - name: B
        url: <<base>>/b?p=<<page>>
      - name: C
        url: <<base>>/c
        body: {raw: "text with \\\\<< literal"}
""",
        encoding="utf-8",
    )
    collection = load_collection(path, base_dir=tmp_path)
    originals: tuple[RequestSpec, ...] = tuple(collection.requests)
    packer = RequestPacker()
    packed = packer.sequence([packer.pack(request) for request in originals])
    assert len(packed) == 3
    assert tuple(packed) == originals
    assert packed[1] == originals[1] and packed[-1] == originals[-1]
    assert packed[:2] == originals[:2]
    assert packed == originals and originals == packed
    # Each read decodes a new object; folder scopes are shared, not copied.
    assert packed[1] is not packed[1]
    assert packed[1].folder_scopes[0] is packed[2].folder_scopes[0]
    assert packed[1].folder_scopes == originals[1].folder_scopes
    overridden = packed.with_options({"timeout": 3})
    assert [request.options["timeout"] for request in overridden] == [3, 3, 3]
    assert overridden[0].options["retries"] == originals[0].options["retries"]
    kept = packed.keep(lambda request: request.name != "B")
    assert [request.name for request in kept] == ["A", "C"]
    with pytest.raises(IndexError):
        packed[3]
