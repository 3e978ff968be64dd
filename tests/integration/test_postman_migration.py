"""Issue 16 on small exports: path variables, variables set by scripts, v2.0 auth, uploads
from the exporter's machine, names Postman allows, typed JSON both ways, signing auth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from runner.interop.postman_export import export_postman
from runner.interop.postman_import import ImportSummary, import_postman
from runner.loader import load_collection
from runner.validation import validate

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


def imported(tmp_path: Path, items: list[Any], **top: Any) -> tuple[ImportSummary, str]:
    document = {"info": {"name": "t", "schema": SCHEMA}, "item": items, **top}
    source = tmp_path / "t.postman_collection.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    summary = import_postman(source, [], tmp_path / "out")
    text = summary.collection_file.read_text(encoding="utf-8")
    # Each of these exports round-trips too: import(export(import(x))) == import(x).
    collection = load_collection(summary.collection_file, base_dir=tmp_path)
    again_source = tmp_path / "again.postman_collection.json"
    again_source.write_text(json.dumps(export_postman([collection])), encoding="utf-8")
    again = import_postman(again_source, [], tmp_path / "again")
    assert again.collection_file.read_text(encoding="utf-8") == text
    return summary, text


def item(name: str, url: Any, **request: Any) -> dict[str, Any]:
    event = request.pop("event", None)
    data: dict[str, Any] = {"name": name, "request": {"method": "GET", "url": url, **request}}
    if event:
        data["event"] = event
    return data


def script(listen: str, *lines: str) -> list[dict[str, Any]]:
    return [{"listen": listen, "script": {"exec": list(lines)}}]


def test_path_variables_become_placeholders_with_defaults_and_go_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    def url(raw: str, **values: str) -> dict[str, Any]:
        return {"raw": raw, "variable": [{"key": k, "value": v} for k, v in values.items()]}

    summary, _ = imported(
        tmp_path,
        [
            item("a", url("https://e.com/payments/:id", id="pay_1")),
            item("b", url("https://e.com/payments/:id/cancels", id="")),
            item("c", url("https://e.com/users/:id", id="{{userId}}")),
            item("d", url("https://e.com/orders/:id", id="ord_2")),
        ],
        variable=[{"key": "userId", "value": "7"}],
    )
    collection = load_collection(summary.collection_file, base_dir=tmp_path)
    urls = [request.url for request in collection.requests]
    assert urls == [
        "https://e.com/payments/<<id>>",
        "https://e.com/payments/<<id_2>>/cancels",  # never an empty segment
        "https://e.com/users/<<userId>>",
        "https://e.com/orders/<<id_3>>",  # `id` holds another value: its own name
    ]
    assert dict(collection.variables.values) == {
        "userId": "7",
        "id": "pay_1",
        "id_2": ":id",  # what Postman sends for an empty value
        "id_3": "ord_2",
    }
    assert "path variable :id of b has no value" in summary.table()
    exported = export_postman([collection])["item"]
    assert exported[0]["request"]["url"]["raw"] == "https://e.com/payments/:id"
    assert exported[0]["request"]["url"]["variable"] == [{"key": "id", "value": "{{id}}"}]
    assert exported[1]["request"]["url"]["path"] == ["payments", ":id", "cancels"]
    assert exported[3]["request"]["url"]["variable"] == [{"key": "id", "value": "{{id_3}}"}]


def test_variables_set_by_untranslated_scripts_are_declared_and_validate(
    tmp_path: Path,
) -> None:
    summary, _ = imported(
        tmp_path,
        [
            item(
                "Login",
                "https://e.com/login",
                event=script(
                    "test",
                    'pm.environment.set("sessionToken", pm.response.json().token.trim());',
                    'pm.environment.set("userId", pm.response.json().id);',
                    "pm.collectionVariables.set('startedAt', Date.now());",
                ),
            ),
            item(
                "Me",
                "https://e.com/users/{{userId}}?since={{startedAt}}",
                header=[{"key": "Authorization", "value": "Bearer {{sessionToken}}"}],
            ),
        ],
    )
    collection = load_collection(summary.collection_file, base_dir=tmp_path)
    assert collection.requests[0].captures[0].name == "userId"  # a translated set: a capture
    # Not an empty variable, sent empty: set_by_script names the request whose script sets it.
    assert "startedAt" not in collection.variables.values
    assert collection.set_by_script["startedAt"][0] == "Login"
    assert "sessionToken" in collection.secrets  # a credential: the run asks for it
    report = validate([collection], environment=None, cli_vars={}, environ={}, dotenv={})
    assert "note: secret sessionToken is not set" in report
    table = summary.table()
    assert "'startedAt' is set by the script of 'Login', which stays text" in table
    assert "'sessionToken' is set by the script of 'Login', which stays text" in table


def test_v20_object_basic_auth_imports_as_basic(tmp_path: Path) -> None:
    auth = {
        "type": "basic",
        "basic": {"username": "ann", "password": "{{pw}}", "showPassword": False},
    }
    summary, text = imported(tmp_path, [item("a", "https://e.com", auth=auth)])
    assert "basic:\n        username: ann\n        password: <<pw>>" in text
    (request,) = load_collection(summary.collection_file, base_dir=tmp_path).requests
    assert request.auth is not None and request.auth.params == {
        "username": "ann",
        "password": "<<pw>>",
    }


def test_uploads_from_the_exporters_machine_get_a_placeholder_that_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    parts = [
        {"key": "photo", "type": "file", "src": "/home/jane/Pictures/cat.jpg"},
        {"key": "scan", "type": "file", "src": "C:\\Users\\bob\\scan 1.pdf"},
        {"key": "none", "type": "file", "src": []},
    ]
    body = {"mode": "formdata", "formdata": parts}
    summary, text = imported(tmp_path, [item("up", "https://e.com", method="POST", body=body)])
    folder = summary.collection_file.parent
    for name in ("files/cat.jpg", "files/scan_1.pdf", "files/none.bin"):
        assert name in text
        assert (folder / name).read_bytes() == b""
    assert "/home/jane" not in text
    table = summary.table()
    assert (
        "names the absolute path '/home/jane/Pictures/cat.jpg': it sends 'files/cat.jpg'" in table
    )
    assert "put the real file there" in table
    (request,) = load_collection(summary.collection_file, base_dir=tmp_path).requests
    assert request.body is not None and set(request.body.value) == {"photo", "scan", "none"}


def test_names_postman_allows_are_mapped_and_said(tmp_path: Path) -> None:
    summary, _ = imported(
        tmp_path,
        [
            item(
                "a",
                "{{baseUrl+ApiVersion}}/x/{{user id}}",
                header=[{"key": "X", "value": "{{a/b}}"}],
            )
        ],
        variable=[
            {"key": "baseUrl+ApiVersion", "value": "https://e.com/v2"},
            {"key": "user id", "value": "7"},
            {"key": "a/b", "value": "c"},
        ],
    )
    collection = load_collection(summary.collection_file, base_dir=tmp_path)
    assert collection.requests[0].url == "<<baseUrl_ApiVersion>>/x/<<user_id>>"
    assert dict(collection.variables.values) == {
        "baseUrl_ApiVersion": "https://e.com/v2",
        "user_id": "7",
        "a_b": "c",
    }
    assert "variable 'baseUrl+ApiVersion' is named 'baseUrl_ApiVersion'" in summary.table()


def test_unquoted_json_placeholders_keep_their_type_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    raw = '{"total": {{price}}, "gift": {{gift}}, "tags": {{tags}}, "note": "{{price}} EUR"}'
    body = {"mode": "raw", "raw": raw, "options": {"raw": {"language": "json"}}}
    summary, _ = imported(
        tmp_path,
        [item("o", "https://e.com", method="POST", body=body)],
        variable=[
            {"key": "price", "value": "19.99"},
            {"key": "gift", "value": "true"},
            {"key": "tags", "value": '["a", "b"]'},
        ],
    )
    collection = load_collection(summary.collection_file, base_dir=tmp_path)
    assert dict(collection.variables.values) == {"price": 19.99, "gift": True, "tags": ["a", "b"]}
    exported = export_postman([collection])
    sent = exported["item"][0]["request"]["body"]["raw"]
    for unquoted in ('"total": {{price}}', '"gift": {{gift}}', '"tags": {{tags}}'):
        assert unquoted in sent
    assert '"note": "{{price}} EUR"' in sent


def test_signing_auth_credentials_never_reach_the_disk(tmp_path: Path) -> None:
    oauth1 = {
        "type": "oauth1",
        "oauth1": [
            {"key": "consumerKey", "value": "ck-public"},
            {"key": "consumerSecret", "value": "cs-LITERAL-111"},
            {"key": "token", "value": "tk-LITERAL-222"},
            {"key": "tokenSecret", "value": "ts-LITERAL-333"},
            {"key": "signatureMethod", "value": "HMAC-SHA256"},
        ],
    }
    awsv4 = {
        "type": "awsv4",
        "awsv4": [
            {"key": "accessKey", "value": "AKIA-LITERAL-444"},
            {"key": "secretKey", "value": "sk-LITERAL-555"},
            {"key": "region", "value": "eu-west-1"},
            {"key": "service", "value": "s3"},
        ],
    }
    summary, text = imported(
        tmp_path, [item("o", "https://e.com", auth=oauth1), item("a", "https://e.com", auth=awsv4)]
    )
    table = summary.table()
    for literal in (
        "cs-LITERAL-111",
        "tk-LITERAL-222",
        "ts-LITERAL-333",
        "AKIA-LITERAL",
        "sk-LITERAL",
    ):
        assert literal not in text and literal not in table
    first, second = load_collection(summary.collection_file, base_dir=tmp_path).requests
    assert first.auth is not None and first.auth.params == {
        "consumer_key": "ck-public",
        "consumer_secret": "<<OAUTH1_CONSUMER_SECRET>>",
        "token": "<<OAUTH1_TOKEN>>",
        "token_secret": "<<OAUTH1_TOKEN_SECRET>>",
        "signature_method": "HMAC-SHA256",
    }
    assert second.auth is not None and second.auth.kind == "awsv4"
    assert second.auth.params["secret_key"] == "<<AWS_SECRET_ACCESS_KEY>>"
    assert "pip install 'postrun[oauth1]'" in table


def test_hawk_and_ntlm_stay_reported_and_round_trip(tmp_path: Path) -> None:
    hawk = {
        "type": "hawk",
        "hawk": [{"key": "authId", "value": "id"}, {"key": "authKey", "value": "k"}],
    }
    summary, text = imported(tmp_path, [item("h", "https://e.com", auth=hawk)])
    assert "x-postman-auth: 'type: hawk; fields: authId, authKey'" in text
    assert summary.requests[0].untranslated == ("auth",)


def test_a_credential_in_a_path_variable_becomes_a_secret(tmp_path: Path) -> None:
    url = {
        "raw": "https://e.com/reset/:token",
        "variable": [{"key": "token", "value": "rst-98765"}],
    }
    summary, text = imported(tmp_path, [item("reset", url, method="POST")])
    assert "rst-98765" not in text and "rst-98765" not in summary.table()
    assert "url: https://e.com/reset/<<TOKEN>>" in text
    assert summary.secrets == ("TOKEN",)


def test_a_request_with_no_url_is_kept_skipped_and_goes_back_without_one(tmp_path: Path) -> None:
    draft = {"name": "Draft", "request": {"method": "POST", "header": [], "url": {"raw": ""}}}
    bare = {"name": "Bare"}  # no request at all: a GET draft
    summary, text = imported(tmp_path, [draft, item("Ping", "https://e.com/ping"), bare])
    assert (
        "  - name: Draft\n    method: POST\n    options:\n      skip: 'no URL in the Postman "
        "export (a draft): add a url, then remove this skip'\n"
    ) in text
    collection = load_collection(summary.collection_file, base_dir=tmp_path)
    requests = {request.name: request for request in collection.requests}
    assert list(requests) == ["Draft", "Ping", "Bare"]
    assert requests["Draft"].url == "" and requests["Draft"].options["skip"].startswith("no URL")
    assert "'Draft' has no URL (a draft): kept with options.skip" in summary.table()
    report = validate([collection], environment=None, cli_vars={}, environ={}, dotenv={})
    assert f"ok {collection.file}: t, 3 requests" in report
    exported = {entry["name"]: entry["request"] for entry in export_postman([collection])["item"]}
    assert exported["Draft"] == {"method": "POST", "header": [], "url": {"raw": ""}}
    assert exported["Bare"]["url"] == {"raw": ""}
    assert exported["Ping"]["url"]["raw"] == "https://e.com/ping"
