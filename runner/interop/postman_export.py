"""Export loaded collections as one Postman Collection v2.1 document (a JSON-ready dict).

Requests come flattened with defaults merged (model.RequestSpec), so each exported request
carries its own headers and auth; folders are rebuilt from ``RequestSpec.folders``, with the
folder variables of ``folder_scopes``. Checks become ``pm.test`` blocks and captures
``pm.collectionVariables.set`` calls; what has no JavaScript form is named in a comment.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.interop.postman.export_parts import (
    auth_object,
    body_object,
    text_of,
    to_postman,
    url_object,
)
from runner.interop.postman.export_tree import (
    auth_of,
    collection_checks,
    node_events,
    path_variables,
    scope_parts,
    tree_items,
)
from runner.interop.postman.tree import Node, read_tree
from runner.interop.postman_scripts import capture_to_js, check_to_js
from runner.model import (
    CheckSpec,
    CollectionSpec,
    EnvironmentSpec,
    RequestSpec,
)

__all__ = ["HIDDEN_VALUE_NOTE", "SCHEMA_URL", "export_postman", "export_postman_environment"]

SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
HIDDEN_VALUE_NOTE = "postrun secret: the value is not exported; set it before sending"


def export_postman(
    collections: Sequence[CollectionSpec], secret_values: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The v2.1 document for ``collections``: one collection as is, several as top folders.

    Secrets are exported empty unless ``secret_values`` (--show-secrets) gives their values.
    """
    shown = secret_values or {}
    top: dict[str, Any] = {}
    if len(collections) == 1:
        only = collections[0]
        items, top = _collection_items(only)
        name, description = only.name, only.description
        variables = _variables(only.variables.values, only.secrets, shown)
    else:
        items = []
        for collection in collections:
            inner, parts = _collection_items(collection)
            folder = _folder(
                collection.name,
                collection.description,
                inner,
                _variables(collection.variables.values, (), shown),
            )
            items.append({**folder, **parts})
        name, description = "postrun export", None
        secrets = dict.fromkeys(name for c in collections for name in c.secrets)
        variables = _variables({}, tuple(secrets), shown)
    variables = _hoist(items, variables)
    # A stable id, so exporting twice gives the same file (it lives in git next to the YAML).
    postman_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"postrun:{name}"))
    info: dict[str, Any] = {"_postman_id": postman_id, "name": name, "schema": SCHEMA_URL}
    if description:
        info["description"] = description
    document: dict[str, Any] = {"info": info, "item": items, **top}
    if variables:
        document["variable"] = variables
    return document


def _collection_items(collection: CollectionSpec) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The items of one collection, and its own ``auth`` and ``event`` (from the file as
    written when it can be read again; else from the model, each request with its own)."""
    tree = read_tree(Path(collection.file))
    if tree is None:
        return _items(collection), {}
    checks = collection_checks(collection, tree)
    base = str(Path(collection.file).parent)

    def request_item(request: RequestSpec, node: Node, own: Sequence[CheckSpec]) -> dict[str, Any]:
        typed = _typed_names(collection, request)
        return _request_item(request, typed, _Written(node, own, base))

    def folder_variables(values: Mapping[str, Any]) -> list[Any]:
        return _variables(values, (), {})

    items = tree_items(collection, tree, checks, request_item, _checks_script, folder_variables)
    return items, scope_parts(tree, checks, _checks_script)


def export_postman_environment(
    environment: EnvironmentSpec, secret_values: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A Postman environment export; secrets have type ``secret`` and no value unless given."""
    shown = secret_values or {}
    values = [
        {"key": name, "value": to_postman(text_of(value)), "type": "default", "enabled": True}
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


def _variables(
    values: Mapping[str, Any], secrets: Sequence[str], shown: Mapping[str, str]
) -> list[dict[str, Any]]:
    result = [_variable(name, value) for name, value in values.items()]
    # The v2.1 schema has no secret type for collection variables: an empty value, marked in
    # the description so that the importer makes it a secret again.
    result.extend(
        {"key": name, "value": shown[name], "type": "string"}
        if name in shown
        else {"key": name, "value": "", "type": "string", "description": HIDDEN_VALUE_NOTE}
        for name in secrets
    )
    return result


def _variable(name: str, value: Any) -> dict[str, Any]:
    """A collection variable; numbers and booleans keep their JSON type (the v2.1 schema
    allows any value, with type ``number`` or ``boolean``), so they come back typed."""
    if isinstance(value, bool):
        return {"key": name, "value": value, "type": "boolean"}
    if isinstance(value, (int, float)):
        return {"key": name, "value": value, "type": "number"}
    return {"key": name, "value": to_postman(text_of(value)), "type": "string"}


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


@dataclass(frozen=True, slots=True)
class _Written:
    """A request as written in its file: its tree node, the checks it owns, its folder."""

    node: Node
    checks: Sequence[CheckSpec]
    base: str


def _request_item(
    request: RequestSpec, typed: frozenset[str], written: _Written | None = None
) -> dict[str, Any]:
    body = body_object(request.body, typed, written.base if written else None)
    headers = dict(request.headers)
    pm_request: dict[str, Any] = {
        "method": request.method,
        "header": [
            {"key": to_postman(name), "value": to_postman(text_of(value))}
            for name, value in headers.items()
        ],
        # A draft (a skipped request with no url) goes back as Postman writes one: an empty raw.
        "url": url_object(request.url, request.params) if request.url else {"raw": ""},
    }
    if body is not None:
        pm_request["body"] = body
    if written is None:
        pm_request["auth"] = auth_object(request.auth)
    else:
        path_variables(pm_request["url"], written.node)
        # The request's own auth from the model (YAML 1.2 values), none when it inherits.
        auth = auth_of(written.node)
        if auth is not None:
            own = isinstance(written.node.auth, Mapping) and request.auth is not None
            pm_request["auth"] = auth_object(request.auth) if own else auth
    if request.description:
        pm_request["description"] = request.description
    item: dict[str, Any] = {"name": request.name, "request": pm_request}
    if written is None:
        script = _test_script(request)
        if script:
            item["event"] = [node_events_test(script)]
    else:
        events = node_events(written.node, _test_script(request, written.checks))
        if events:
            item["event"] = events
    behaviour = _behaviour(request.options)
    if behaviour:
        item["protocolProfileBehavior"] = behaviour
    node = written.node if written else None
    item["response"] = [_example(request, example, node) for example in request.examples]
    return item


def node_events_test(script: list[str]) -> dict[str, Any]:
    return {"listen": "test", "script": {"type": "text/javascript", "exec": script}}


def _behaviour(options: Mapping[str, Any]) -> dict[str, Any]:
    behaviour: dict[str, Any] = {}
    if options.get("follow_redirects") is False:
        behaviour["followRedirects"] = False
    if options.get("verify") is False:
        behaviour["strictSSL"] = False
    return behaviour


def _checks_script(checks: Sequence[CheckSpec], streamed: bool = False) -> list[str]:
    lines: list[str] = []
    for check in checks:
        # Postman's scripts see a stream's body as text: its JSON checks would fail there.
        on_events = streamed and check.kind in ("jsonpath", "schema")
        block = None if on_events else _check_js(check)
        if block is None:
            lines.append(
                f"// postrun check not exported: {check.kind} {check.target or ''}".rstrip()
            )
        else:
            lines.extend(block.splitlines())
    return lines


def _test_script(request: RequestSpec, checks: Sequence[CheckSpec] | None = None) -> list[str]:
    streamed = request.stream is not None
    lines = _checks_script(request.checks if checks is None else checks, streamed)
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


def _example(request: RequestSpec, example: Any, node: Node | None = None) -> dict[str, Any]:
    body = to_postman(example.body) if node is not None else example.body
    text = body if isinstance(body, str) else json.dumps(body, indent=4, ensure_ascii=False)
    if example.events is not None:  # a stream: the events as they go on the wire
        from runner.sse import serialise

        text = b"".join(serialise(example.events)).decode("utf-8")
    is_json = isinstance(body, (dict, list))
    headers = example.headers
    return {
        "name": example.name,
        "originalRequest": {
            "method": request.method,
            "header": [],
            "url": url_object(request.url, {}),
        },
        "status": _reason(example.status),
        "code": example.status,
        "_postman_previewlanguage": "json" if is_json else "text",
        "header": [{"key": name, "value": value} for name, value in headers.items()],
        "body": text,
    }


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(status)
