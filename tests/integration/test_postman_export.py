"""``export_postman``: the v2.1 document; import(export(c)) gives back an equivalent collection."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from runner.interop.postman_export import (
    HIDDEN_VALUE_NOTE,
    SCHEMA_URL,
    export_postman,
    export_postman_environment,
)
from runner.interop.postman_import import import_postman
from runner.loader import load_collection, load_environment
from runner.model import CollectionSpec, RequestSpec

DATA = Path(__file__).resolve().parents[1] / "data" / "postman"

HAND_WRITTEN = """
name: Hand written
variables: {base_url: "http://127.0.0.1:9", temp: 0.7, model: gpt}
secrets: [API_KEY]
defaults:
  headers: {Accept: application/json}
  auth: {bearer: <<API_KEY>>}
requests:
  - name: Chat
    method: POST
    url: <<base_url>>/chat
    params: {v: "1", tag: [a, b]}
    body:
      json: {model: <<model>>, temperature: <<temp>>, id: <<$uuid>>, note: "t=<<temp>>"}
    assert:
      status: [200, 201]
      headers:
        Content-Type: {contains: json}
        X-Gone: {exists: false}
      jsonpath:
        $.object: chat.completion
        $.usage.total_tokens: {gt: 0, lt: 5000}
        $.choices: {length: 1}
        $.model: <<model>>
        $.choices[*].finish_reason: {each: {in: [stop]}}
      body: {contains: chat}
      time_ms: {lt: 30000}
    capture:
      reply: $.choices[0].message.content
      request_id: {header: X-Request-Id}
      code: {status: true}
      n: {regex: 'n=(\\d+)'}
    examples:
      - name: ok
        status: 201
        body: {object: chat.completion}
      - name: teapot
        status: 418
        headers: {Content-Type: text/plain}
        body: short and stout
  - name: Users
    variables: {page: 2}
    defaults: {auth: {basic: {username: u, password: <<API_KEY>>}}}
    requests:
      - name: Admin
        requests:
          - name: Form
            method: PUT
            url: <<base_url>>/users/<<page>>
            auth: none
            body: {form: {a: "1", b: [x, y]}}
            assert: {status: 2xx}
      - name: Key
        url: <<base_url>>/key
        auth: {apikey: {query: key, value: <<API_KEY>>}}
        body: {raw: "plain <<page>> text"}
      - name: Graph
        method: POST
        url: <<base_url>>/graphql
        body: {graphql: {query: "{ me { id } }", variables: {page: <<page>>}}}
"""


def write_hand_written(tmp_path: Path) -> CollectionSpec:
    path = tmp_path / "collections" / "hand.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    return load_collection(path, base_dir=tmp_path)


def round_trip(tmp_path: Path, collection: CollectionSpec, name: str) -> CollectionSpec:
    exported = tmp_path / f"{name}.postman_collection.json"
    exported.write_text(json.dumps(export_postman([collection])), encoding="utf-8")
    summary = import_postman(exported, [], tmp_path / name)
    return load_collection(summary.collection_file, base_dir=tmp_path)


def comparable(request: RequestSpec, root: Path) -> dict[str, Any]:
    body: Any = None
    if request.body is not None:
        value = request.body.value
        if request.body.kind == "file":
            value = Path(value).read_bytes()
        elif request.body.kind == "multipart":
            value = {
                key: Path(part["file"]).read_bytes() if isinstance(part, dict) else part
                for key, part in value.items()
            }
        body = (request.body.kind, value)
    return {
        "path": request.path,
        "method": request.method,
        "url": request.url,
        "headers": {name.lower(): value for name, value in request.headers.items()},
        "params": dict(request.params),
        "body": body,
        "auth": None if request.auth is None else (request.auth.kind, request.auth.params),
        "checks": sorted(
            (
                check.kind,
                check.target or "",
                repr(check.matcher.operators if check.matcher else None),
            )
            for check in request.checks
        ),
        "captures": [(c.name, c.kind, c.source) for c in request.captures],
        "examples": [(e.name, e.status, e.body) for e in request.examples],
    }


def test_document_shape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    document = export_postman([write_hand_written(tmp_path)])
    assert document["info"]["schema"] == SCHEMA_URL
    assert document["info"]["name"] == "Hand written"
    assert export_postman([write_hand_written(tmp_path / "again")])["info"] == document["info"]
    assert {"key": "temp", "value": 0.7, "type": "number"} in document["variable"]
    secret = {"key": "API_KEY", "value": "", "type": "string", "description": HIDDEN_VALUE_NOTE}
    assert secret in document["variable"]
    chat, users = document["item"]
    request = chat["request"]
    assert request["method"] == "POST"
    assert request["url"]["raw"] == "{{base_url}}/chat?v=1&tag=a&tag=b"
    assert request["url"]["query"] == [
        {"key": "v", "value": "1"},
        {"key": "tag", "value": "a"},
        {"key": "tag", "value": "b"},
    ]
    assert request["header"] == [{"key": "Accept", "value": "application/json"}]
    # defaults.auth is the collection's auth; a request that only inherits it has none.
    assert document["auth"] == {
        "type": "bearer",
        "bearer": [{"key": "token", "value": "{{API_KEY}}", "type": "string"}],
    }
    assert "auth" not in request
    raw = request["body"]["raw"]
    assert request["body"]["options"] == {"raw": {"language": "json"}}
    # A number variable goes unquoted (Postman pastes text); a string one stays quoted.
    assert '"temperature": {{temp}}' in raw and '"model": "{{model}}"' in raw
    assert '"id": "{{$guid}}"' in raw and '"note": "t={{temp}}"' in raw
    script = "\n".join(chat["event"][0]["script"]["exec"])
    assert chat["event"][0]["listen"] == "test"
    for line in (
        "pm.expect(pm.response.code).to.be.oneOf([200, 201]);",
        'pm.expect(pm.response.headers.get("Content-Type")).to.include("json");',
        'pm.response.to.not.have.header("X-Gone");',
        'pm.expect(jsonData.object).to.eql("chat.completion");',
        "pm.expect(jsonData.usage.total_tokens).to.be.above(0);",
        "pm.expect(jsonData.usage.total_tokens).to.be.below(5000);",
        "pm.expect(jsonData.choices.length).to.eql(1);",
        'pm.expect(jsonData.model).to.eql(pm.variables.get("model"));',
        "// postrun check not exported: jsonpath $.choices[*].finish_reason",
        'pm.expect(pm.response.text()).to.include("chat");',
        "pm.expect(pm.response.responseTime).to.be.below(30000);",
        'pm.collectionVariables.set("reply", pm.response.json().choices[0].message.content);',
        'pm.collectionVariables.set("request_id", pm.response.headers.get("X-Request-Id"));',
        'pm.collectionVariables.set("code", pm.response.code);',
        "// postrun capture not exported: n (regex)",
    ):
        assert line in script
    ok, teapot = chat["response"]
    assert (ok["code"], ok["status"], json.loads(ok["body"])) == (
        201,
        "Created",
        {"object": "chat.completion"},
    )
    assert {"key": "Content-Type", "value": "application/json"} in ok["header"]
    assert (teapot["code"], teapot["body"]) == (418, "short and stout")
    assert users["name"] == "Users"
    assert "variable" not in users  # moved up: Postman does not use folder variables
    assert {"key": "page", "value": 2, "type": "number"} in document["variable"]
    admin, key, graph = users["item"]
    assert admin["name"] == "Admin" and admin["item"][0]["name"] == "Form"
    form = admin["item"][0]["request"]
    assert form["auth"] == {"type": "noauth"}
    assert form["url"]["raw"] == "{{base_url}}/users/{{page}}"
    assert form["body"] == {
        "mode": "urlencoded",
        "urlencoded": [
            {"key": "a", "value": "1"},
            {"key": "b", "value": "x"},
            {"key": "b", "value": "y"},
        ],
    }
    assert "pm.expect(pm.response.code).to.be.within(200, 299);" in "\n".join(
        admin["item"][0]["event"][0]["script"]["exec"]
    )
    assert key["request"]["auth"]["apikey"][0] == {"key": "key", "value": "key", "type": "string"}
    assert {"key": "in", "value": "query", "type": "string"} in key["request"]["auth"]["apikey"]
    assert key["request"]["body"] == {"mode": "raw", "raw": "plain {{page}} text"}
    assert users["auth"]["type"] == "basic"  # the folder's defaults.auth
    assert "auth" not in graph["request"]
    graphql = graph["request"]["body"]["graphql"]
    assert graphql["query"] == "{ me { id } }"
    assert json.loads(graphql["variables"].replace("{{page}}", "2")) == {"page": 2}


def test_several_collections_become_top_folders(tmp_path: Path) -> None:
    one = write_hand_written(tmp_path / "one")
    other = tmp_path / "two.yaml"
    other.write_text(
        "name: Two\nvariables: {base_url: 'http://other', only_here: 1}\nsecrets: [API_KEY]\n"
        "requests:\n  - {name: Ping, url: <<base_url>>/ping}\n",
        encoding="utf-8",
    )
    document = export_postman([one, load_collection(other, base_dir=tmp_path)])
    assert [item["name"] for item in document["item"]] == ["Hand written", "Two"]
    assert document["item"][0]["item"][0]["name"] == "Chat"
    # base_url differs between the two: it stays on each top folder; the rest moves up.
    first, second = document["item"]
    assert first["variable"] == [
        {"key": "base_url", "value": "http://127.0.0.1:9", "type": "string"}
    ]
    assert second["variable"] == [{"key": "base_url", "value": "http://other", "type": "string"}]
    keys = [entry["key"] for entry in document["variable"]]
    assert keys == ["API_KEY", "temp", "model", "page", "only_here"]


def test_round_trip_hand_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    original = write_hand_written(tmp_path)
    again = round_trip(tmp_path, original, "back")
    assert again.secrets == ("API_KEY",)
    assert dict(again.variables.values) == {
        "base_url": "http://127.0.0.1:9",
        "temp": 0.7,
        "model": "gpt",
        "page": 2,
    }
    lost = {
        ("jsonpath", "$.choices[*].finish_reason"),  # `each` has no chai form
    }
    for before, after in zip(original.requests, again.requests, strict=True):
        expected = comparable(before, tmp_path)
        expected["checks"] = [check for check in expected["checks"] if check[:2] not in lost]
        expected["captures"] = [c for c in expected["captures"] if c[1] != "regex"]
        assert comparable(after, tmp_path) == expected
    # `page` had one value: it moved up to the collection (Postman ignores folder variables).
    assert again.variables.values["page"] == 2  # used unquoted in JSON: a number again


def test_round_trip_of_imported_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    summary = import_postman(DATA / "petstore.postman_collection.json", [], tmp_path / "a")
    shutil.copytree(DATA / "files", tmp_path / "a" / "collections" / "files")
    original = load_collection(summary.collection_file, base_dir=tmp_path)
    # Exported file paths are relative to the working directory, as Postman reads them; the
    # The export writes them relative to the collection file, as the importer reads them.
    shutil.copytree(DATA / "files", tmp_path / "b" / "collections" / "files")
    again = round_trip(tmp_path, original, "b")
    assert len(again.requests) == len(original.requests) == 10
    for before, after in zip(original.requests, again.requests, strict=True):
        assert comparable(after, tmp_path) == comparable(before, tmp_path)


def test_environment_export_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "environments" / "staging.yaml"
    path.parent.mkdir()
    path.write_text(
        "name: Staging\nvariables: {base_url: 'https://s.test', retries: 3}\nsecrets: [TOKEN]\n",
        encoding="utf-8",
    )
    document = export_postman_environment(load_environment(path))
    assert document["name"] == "Staging"
    assert document["values"] == [
        {"key": "base_url", "value": "https://s.test", "type": "default", "enabled": True},
        {"key": "retries", "value": "3", "type": "default", "enabled": True},
        {"key": "TOKEN", "value": "", "type": "secret", "enabled": True},
    ]
    exported = tmp_path / "staging.postman_environment.json"
    exported.write_text(json.dumps(document), encoding="utf-8")
    collection = tmp_path / "c.json"
    collection.write_text(
        json.dumps({"info": {"name": "c", "schema": SCHEMA_URL}, "item": []}), encoding="utf-8"
    )
    summary = import_postman(collection, [exported], tmp_path / "back")
    again = load_environment(summary.environment_files[0])
    assert dict(again.variables.values) == {"base_url": "https://s.test", "retries": "3"}
    assert again.secrets == ("TOKEN",)


@pytest.mark.parametrize("name", ["petstore", "auth-kinds", "odd-shapes"], ids=lambda name: name)
def test_the_older_fixtures_round_trip_unchanged(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """import(export(import(x))) == import(x), the YAML text compared."""
    monkeypatch.chdir(tmp_path)
    summary = import_postman(DATA / f"{name}.postman_collection.json", [], tmp_path / "a")
    # The uploads name files next to the collection (odd-shapes writes placeholders there).
    shutil.copytree(DATA / "files", tmp_path / "a" / "collections" / "files", dirs_exist_ok=True)
    collection = load_collection(summary.collection_file, base_dir=tmp_path)
    exported = tmp_path / "x.postman_collection.json"
    exported.write_text(json.dumps(export_postman([collection])), encoding="utf-8")
    again = import_postman(exported, [], tmp_path / "b")
    assert again.collection_file.read_text(encoding="utf-8") == (
        summary.collection_file.read_text(encoding="utf-8")
    )
