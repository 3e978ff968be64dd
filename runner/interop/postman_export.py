"""Export loaded collections as one Postman Collection v2.1 document (a JSON-ready dict).

Requests come flattened with defaults merged (model.RequestSpec), so each exported request
carries its own headers and auth; folders are rebuilt from ``RequestSpec.folders``, with the
folder variables of ``folder_scopes``. Checks become ``pm.test`` blocks and captures
``pm.collectionVariables.set`` calls; what has no JavaScript form is named in a comment.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from runner.interop.postman_scripts import capture_to_js, check_to_js
from runner.model import (
    AuthSpec,
    BodySpec,
    CheckSpec,
    CollectionSpec,
    EnvironmentSpec,
    RequestSpec,
)

__all__ = ["HIDDEN_VALUE_NOTE", "SCHEMA_URL", "export_postman", "export_postman_environment"]

SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
HIDDEN_VALUE_NOTE = "postrun secret: the value is not exported; set it before sending"
_PLACEHOLDER = re.compile(r"(\\?)<<[ \t]*(\$?[A-Za-z0-9_.\-]+)[ \t]*>>")
_DYNAMIC_TO_POSTMAN: Mapping[str, str] = {
    "$uuid": "$guid",
    "$timestamp": "$timestamp",
    "$isoTimestamp": "$isoTimestamp",
    "$randomInt": "$randomInt",
    "$randomString": "$randomAlphaNumeric",
}


def export_postman(
    collections: Sequence[CollectionSpec], secret_values: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The v2.1 document for ``collections``: one collection as is, several as top folders.

    Secrets are exported empty unless ``secret_values`` (--show-secrets) gives their values.
    """
    shown = secret_values or {}
    if len(collections) == 1:
        only = collections[0]
        items = _items(only)
        name, description = only.name, only.description
        variables = _variables(only.variables.values, only.secrets, shown)
    else:
        items = [
            _folder(
                collection.name,
                collection.description,
                _items(collection),
                _variables(collection.variables.values, (), shown),
            )
            for collection in collections
        ]
        name, description = "postrun export", None
        secrets = dict.fromkeys(name for c in collections for name in c.secrets)
        variables = _variables({}, tuple(secrets), shown)
    variables = _hoist(items, variables)
    # A stable id, so exporting twice gives the same file (it lives in git next to the YAML).
    postman_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"postrun:{name}"))
    info: dict[str, Any] = {"_postman_id": postman_id, "name": name, "schema": SCHEMA_URL}
    if description:
        info["description"] = description
    document: dict[str, Any] = {"info": info, "item": items}
    if variables:
        document["variable"] = variables
    return document


def export_postman_environment(
    environment: EnvironmentSpec, secret_values: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A Postman environment export; secrets have type ``secret`` and no value unless given."""
    shown = secret_values or {}
    values = [
        {"key": name, "value": _pm(_text(value)), "type": "default", "enabled": True}
        for name, value in environment.variables.values.items()
    ]
    values.extend(
        {"key": name, "value": shown.get(name, ""), "type": "secret", "enabled": True}
        for name in environment.secrets
    )
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"postrun-environment:{environment.name}")),
        "name": environment.name,
        "values": values,
        "_postman_variable_scope": "environment",
    }


def _pm(value: Any) -> Any:
    """``<<x>>`` -> ``{{x}}`` in a string, recursively in lists and mappings."""
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            if match.group(1):  # an escaped ``\<<`` is a literal
                return match.group(0)[1:]
            name = match.group(2)
            return "{{" + _DYNAMIC_TO_POSTMAN.get(name, name) + "}}"

        return _PLACEHOLDER.sub(replace, value)
    if isinstance(value, Mapping):
        return {_pm(key): _pm(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_pm(item) for item in value]
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value)
    return str(value)


def _variables(
    values: Mapping[str, Any], secrets: Sequence[str], shown: Mapping[str, str]
) -> list[dict[str, Any]]:
    result = [
        {"key": name, "value": _pm(_text(value)), "type": "string"}
        for name, value in values.items()
    ]
    # The v2.1 schema has no secret type for collection variables: an empty value, marked in
    # the description so that the importer makes it a secret again.
    result.extend(
        {"key": name, "value": shown[name], "type": "string"}
        if name in shown
        else {"key": name, "value": "", "type": "string", "description": HIDDEN_VALUE_NOTE}
        for name in secrets
    )
    return result


def _hoist(items: list[dict[str, Any]], variables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Move folder variables up to the collection where that changes nothing.

    The Postman app does not use folder variables, though the format has them: a name with one
    value in every folder, and none at the top, moves up; any other stays on its folder.
    """
    found: dict[str, list[dict[str, Any]]] = {}
    top = {entry["key"] for entry in variables}

    def walk(entries: list[dict[str, Any]]) -> None:
        for item in entries:
            if "item" in item:
                for variable in item.get("variable", []):
                    found.setdefault(variable["key"], []).append(variable)
                walk(item["item"])

    walk(items)
    movable = {
        key
        for key, entries in found.items()
        if key not in top and len({entry["value"] for entry in entries}) == 1
    }

    def strip(entries: list[dict[str, Any]]) -> None:
        for item in entries:
            if "item" in item:
                kept = [entry for entry in item.get("variable", []) if entry["key"] not in movable]
                if kept:
                    item["variable"] = kept
                else:
                    item.pop("variable", None)
                strip(item["item"])

    strip(items)
    hoisted = [found[key][0] for key in found if key in movable]
    return [*variables, *hoisted]


def _folder(
    name: str, description: str | None, items: list[dict[str, Any]], variables: list[Any]
) -> dict[str, Any]:
    folder: dict[str, Any] = {"name": name}
    if description:
        folder["description"] = description
    if variables:
        folder["variable"] = variables
    folder["item"] = items
    return folder


def _items(collection: CollectionSpec) -> list[dict[str, Any]]:
    """Items with folders rebuilt; a folder appears where its first request is."""
    root: list[dict[str, Any]] = []
    folders: dict[tuple[str, ...], dict[str, Any]] = {}
    for request in collection.requests:
        siblings = root
        scopes = list(reversed(request.folder_scopes))  # outermost first, like request.folders
        for depth in range(len(request.folders)):
            key = request.folders[: depth + 1]
            if key not in folders:
                variables = scopes[depth].values if depth < len(scopes) else {}
                folder = _folder(key[-1], None, [], _variables(variables, (), {}))
                folders[key] = folder
                siblings.append(folder)
            siblings = folders[key]["item"]
        siblings.append(_request_item(request, _typed_names(collection, request)))
    return root


def _typed_names(collection: CollectionSpec, request: RequestSpec) -> frozenset[str]:
    """Variables whose value is not text here: Postman JSON holds them without quotes."""
    values: dict[str, Any] = dict(collection.variables.values)
    for scope in reversed(request.folder_scopes):  # outermost first, the innermost wins
        values.update(scope.values)
    return frozenset(name for name, value in values.items() if not isinstance(value, str))


def _request_item(request: RequestSpec, typed: frozenset[str]) -> dict[str, Any]:
    body = _body(request.body, typed)
    headers = dict(request.headers)
    pm_request: dict[str, Any] = {
        "method": request.method,
        "header": [
            {"key": _pm(name), "value": _pm(_text(value))} for name, value in headers.items()
        ],
        "url": _url(request.url, request.params),
    }
    if body is not None:
        pm_request["body"] = body
    pm_request["auth"] = _auth(request.auth)
    if request.description:
        pm_request["description"] = request.description
    item: dict[str, Any] = {"name": request.name, "request": pm_request}
    script = _test_script(request)
    if script:
        item["event"] = [{"listen": "test", "script": {"type": "text/javascript", "exec": script}}]
    if request.options.get("follow_redirects") is False:
        item["protocolProfileBehavior"] = {"followRedirects": False}
    item["response"] = [_example(request, example) for example in request.examples]
    return item


def _url(url: str, params: Mapping[str, Any]) -> dict[str, Any]:
    base = _pm(url)
    query: list[dict[str, str]] = []
    for name, value in params.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        query.extend({"key": _pm(name), "value": _pm(_text(item))} for item in values)
    raw = base
    if query:
        separator = "&" if "?" in base else "?"
        raw += separator + "&".join(f"{entry['key']}={entry['value']}" for entry in query)
    result: dict[str, Any] = {"raw": raw}
    match = re.match(
        r"^(?:(?P<protocol>[A-Za-z][\w+.\-]*)://)?(?P<host>[^/?#]*)(?P<path>[^?#]*)", base
    )
    if match:
        if match.group("protocol"):
            result["protocol"] = match.group("protocol")
        host = match.group("host")
        port = re.fullmatch(r"(.+):(\d+)", host)
        if port:
            host = port.group(1)
            result["port"] = port.group(2)
        result["host"] = [host] if host.startswith("{{") else host.split(".")
        path = match.group("path").strip("/")
        if path:
            result["path"] = path.split("/")
    if query:
        result["query"] = query
    return result


def _auth(auth: AuthSpec | None) -> dict[str, Any]:
    if auth is None:
        return {"type": "noauth"}
    params = auth.params
    if auth.kind == "bearer":
        fields = {"token": params}
    elif auth.kind in ("basic", "digest"):
        fields = {"username": params["username"], "password": params["password"]}
    elif auth.kind == "apikey":
        place = "query" if "query" in params else "header"
        fields = {"key": params[place], "value": params["value"], "in": place}
    else:
        fields = {
            "grant_type": "client_credentials",
            "accessTokenUrl": params["token_url"],
            "clientId": params["client_id"],
            "clientSecret": params["client_secret"],
        }
        if params.get("scope"):
            fields["scope"] = params["scope"]
    return {
        "type": auth.kind,
        auth.kind: [
            {"key": key, "value": _pm(_text(value)), "type": "string"}
            for key, value in fields.items()
        ],
    }


def _body(body: BodySpec | None, typed: frozenset[str]) -> dict[str, Any] | None:
    if body is None:
        return None
    if body.kind == "json":
        return {
            "mode": "raw",
            "raw": _json_text(body.value, typed),
            "options": {"raw": {"language": "json"}},
        }
    if body.kind == "raw":
        return {"mode": "raw", "raw": _pm(body.value)}
    if body.kind == "form":
        return {"mode": "urlencoded", "urlencoded": _pairs(body.value)}
    if body.kind == "multipart":
        parts: list[dict[str, Any]] = []
        for name, value in body.value.items():
            if isinstance(value, Mapping):
                part = {"key": _pm(name), "type": "file", "src": _relative(value["file"])}
                if value.get("content_type"):
                    part["contentType"] = value["content_type"]
                parts.append(part)
            else:
                parts.extend({**entry, "type": "text"} for entry in _pairs({name: value}))
        return {"mode": "formdata", "formdata": parts}
    if body.kind == "file":
        return {"mode": "file", "file": {"src": _relative(body.value)}}
    graphql = body.value
    return {
        "mode": "graphql",
        "graphql": {
            "query": _pm(graphql["query"]),
            "variables": _json_text(graphql.get("variables") or {}, typed),
        },
    }


def _relative(path: str) -> str:
    """Paths are absolute in the model: give Postman one relative to the working directory."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path


def _pairs(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    pairs: list[dict[str, Any]] = []
    for name, value in values.items():
        items = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend({"key": _pm(name), "value": _pm(_text(item))} for item in items)
    return pairs


def _json_text(value: Any, typed: frozenset[str]) -> str:
    """JSON text in Postman's syntax. A string that is exactly one placeholder of a variable
    whose value is a number, boolean, list or mapping goes unquoted, since postrun sends it with
    that type (FORMAT.md 1.1); Postman pastes the text in."""
    marks: dict[str, str] = {}

    def mark(item: Any) -> Any:
        if isinstance(item, str):
            exact = _PLACEHOLDER.fullmatch(item)
            if exact and not exact.group(1) and exact.group(2) in typed:
                token = f"@@postrun{len(marks)}@@"
                marks[token] = _pm(item)
                return token
            return _pm(item)
        if isinstance(item, Mapping):
            return {_pm(key): mark(inner) for key, inner in item.items()}
        if isinstance(item, (list, tuple)):
            return [mark(inner) for inner in item]
        return item

    text = json.dumps(mark(value), indent=4, ensure_ascii=False)
    for token, replacement in marks.items():
        text = text.replace(json.dumps(token), replacement)
    return text


def _test_script(request: RequestSpec) -> list[str]:
    lines: list[str] = []
    streamed = request.stream is not None
    for check in request.checks:
        # Postman's scripts see a stream's body as text: its JSON checks would fail there.
        on_events = streamed and check.kind in ("jsonpath", "schema")
        block = None if on_events else _check_js(check)
        if block is None:
            lines.append(
                f"// postrun check not exported: {check.kind} {check.target or ''}".rstrip()
            )
        else:
            lines.extend(block.splitlines())
    for capture in request.captures:
        on_events = streamed and capture.kind == "jsonpath"
        statement = None if on_events else capture_to_js(capture.name, capture.kind, capture.source)
        if statement is None:
            lines.append(f"// postrun capture not exported: {capture.name} ({capture.kind})")
        else:
            lines.append(statement)
    return lines


def _check_js(check: CheckSpec) -> str | None:
    if check.kind == "schema" or check.matcher is None:
        return None
    # Placeholders in expected values stay in our syntax: check_to_js turns them into lookups.
    return check_to_js(check.kind, check.target, check.matcher.operators)


def _example(request: RequestSpec, example: Any) -> dict[str, Any]:
    body = example.body
    text = body if isinstance(body, str) else json.dumps(body, indent=4, ensure_ascii=False)
    if example.events is not None:  # a stream: the events as they go on the wire
        from runner.sse import serialise

        text = b"".join(serialise(example.events)).decode("utf-8")
    is_json = isinstance(body, (dict, list))
    return {
        "name": example.name,
        "originalRequest": {"method": request.method, "header": [], "url": _url(request.url, {})},
        "status": _reason(example.status),
        "code": example.status,
        "_postman_previewlanguage": "json" if is_json else "text",
        "header": [{"key": name, "value": value} for name, value in example.headers.items()],
        "body": text,
    }


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(status)
