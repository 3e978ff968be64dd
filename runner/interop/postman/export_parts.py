"""Pieces of ``export postman``: our placeholders, URLs, auth and bodies in Postman's shapes."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from runner.interop.postman.fields import SIGNING_FIELDS
from runner.model import AuthSpec, BodySpec

_PLACEHOLDER = re.compile(r"(\\?)<<[ \t]*(\$?[A-Za-z0-9_.\-]+)[ \t]*>>")
_DYNAMIC_TO_POSTMAN: Mapping[str, str] = {
    "$uuid": "$guid",
    "$timestamp": "$timestamp",
    "$isoTimestamp": "$isoTimestamp",
    "$randomInt": "$randomInt",
    "$randomString": "$randomAlphaNumeric",
}


def to_postman(value: Any) -> Any:
    """``<<x>>`` -> ``{{x}}`` in a string, recursively in lists and mappings."""
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            if match.group(1):  # an escaped ``\<<`` is a literal
                return match.group(0)[1:]
            name = match.group(2)
            return "{{" + _DYNAMIC_TO_POSTMAN.get(name, name) + "}}"

        return _PLACEHOLDER.sub(replace, value)
    if isinstance(value, Mapping):
        return {to_postman(key): to_postman(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_postman(item) for item in value]
    return value


def text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value)
    return str(value)


def url_object(url: str, params: Mapping[str, Any]) -> dict[str, Any]:
    base = to_postman(url)
    query: list[dict[str, str]] = []
    for name, value in params.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        query.extend(
            {"key": to_postman(name), "value": to_postman(text_of(item))} for item in values
        )
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


def auth_object(auth: AuthSpec | None) -> dict[str, Any]:
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
    elif auth.kind in SIGNING_FIELDS:
        fields = {
            theirs: params[ours]
            for theirs, ours in SIGNING_FIELDS[auth.kind].items()
            if ours in params
        }
        if auth.kind == "oauth1":
            fields.setdefault("signatureMethod", "HMAC-SHA1")
            fields["addParamsToHeader"] = True
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
            {"key": key, "value": to_postman(text_of(value)), "type": "string"}
            for key, value in fields.items()
        ],
    }


def body_object(
    body: BodySpec | None, typed: frozenset[str], base: str | None = None
) -> dict[str, Any] | None:
    """A Postman body; file paths relative to ``base`` (the collection's folder, as the
    import reads them) or else to the working directory."""
    if body is None:
        return None
    if body.kind == "json":
        return {
            "mode": "raw",
            "raw": json_text(body.value, typed),
            "options": {"raw": {"language": "json"}},
        }
    if body.kind == "raw":
        return {"mode": "raw", "raw": to_postman(body.value)}
    if body.kind == "form":
        return {"mode": "urlencoded", "urlencoded": _pairs(body.value)}
    if body.kind == "multipart":
        parts: list[dict[str, Any]] = []
        for name, value in body.value.items():
            if isinstance(value, Mapping):
                part = {
                    "key": to_postman(name),
                    "type": "file",
                    "src": _relative(value["file"], base),
                }
                if value.get("content_type"):
                    part["contentType"] = value["content_type"]
                parts.append(part)
            else:
                parts.extend({**entry, "type": "text"} for entry in _pairs({name: value}))
        return {"mode": "formdata", "formdata": parts}
    if body.kind == "file":
        return {"mode": "file", "file": {"src": _relative(body.value, base)}}
    graphql = body.value
    return {
        "mode": "graphql",
        "graphql": {
            "query": to_postman(graphql["query"]),
            "variables": json_text(graphql.get("variables") or {}, typed),
        },
    }


def _relative(path: str, base: str | None) -> str:
    """Paths are absolute in the model: give Postman one relative to ``base``."""
    try:
        return os.path.relpath(path, base)
    except ValueError:  # another drive on Windows
        return path


def _pairs(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    pairs: list[dict[str, Any]] = []
    for name, value in values.items():
        items = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend(
            {"key": to_postman(name), "value": to_postman(text_of(item))} for item in items
        )
    return pairs


def json_text(value: Any, typed: frozenset[str]) -> str:
    """JSON text in Postman's syntax. A string that is exactly one placeholder of a variable
    whose value is a number, boolean, list or mapping goes unquoted, since postrun sends it with
    that type (FORMAT.md 1.1); Postman pastes the text in."""
    marks: dict[str, str] = {}

    def mark(item: Any) -> Any:
        if isinstance(item, str):
            exact = _PLACEHOLDER.fullmatch(item)
            if exact and not exact.group(1) and exact.group(2) in typed:
                token = f"@@postrun{len(marks)}@@"
                marks[token] = to_postman(item)
                return token
            return to_postman(item)
        if isinstance(item, Mapping):
            return {to_postman(key): mark(inner) for key, inner in item.items()}
        if isinstance(item, (list, tuple)):
            return [mark(inner) for inner in item]
        return item

    text = json.dumps(mark(value), indent=4, ensure_ascii=False)
    for token, replacement in marks.items():
        text = text.replace(json.dumps(token), replacement)
    return text
