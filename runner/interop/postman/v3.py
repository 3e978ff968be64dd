"""Postman Collection v3 (Postman v12's folder of YAML files) read as a v2.1 document.

The layout, from Postman's "collections schemas" page and the files the app writes: a folder
is a collection or a folder of it; its metadata (``$kind: collection``: name, description,
variables, auth, scripts, order) is in ``.resources/definition.yaml`` (or ``definition.yaml``);
each request is a ``<name>.request.yaml`` (``$kind: http-request``: name, method, url, headers,
queryParams, pathVariables, body ``{type, content}``, auth ``{type, credentials}``, scripts
``[{type: beforeRequest|afterResponse, code}]``, order); its saved responses are
``.resources/<name>.resources/examples/*.example.yaml`` (``$kind: http-example``: name,
response ``{statusCode, headers, body}``). Items sort by ``order``, then name. A repository
root holding ``postman/collections/<one collection>`` is read as that collection.

The result is the v2.1 shape the rest of the import reads, so both versions share one path.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runner.errors import LoadError, PostrunError
from runner.interop.postman.fields import as_text as _text
from runner.source import SourceLocation

_RAW_LANGUAGES = {"json": "json", "xml": "xml", "html": "html", "javascript": "javascript"}
_TEXT_TYPES = (*_RAW_LANGUAGES, "text", "raw")


def is_v3_folder(path: Path) -> bool:
    """A folder that holds a v3 collection (or a repository with one under postman/)."""
    return path.is_dir() and _collection_root(path, strict=False) is not None


def read_v3(path: Path) -> dict[str, Any]:
    """The v3 collection in folder ``path`` as a v2.1 collection document."""
    root = _collection_root(path, strict=True)
    if root is None:  # strict raises instead; this keeps the type checker informed
        raise PostrunError(f"'{path}' is not a Postman collection folder")
    definition = _definition(root)
    document: dict[str, Any] = {
        "info": {
            "name": str(definition.get("name") or root.name),
            "schema": "https://schema.postman.com/collection/v3.0.0",
        },
        "item": _items(root),
    }
    if definition.get("description"):
        document["info"]["description"] = definition["description"]
    _scope(definition, document)
    return document


def _collection_root(path: Path, *, strict: bool) -> Path | None:
    if _definition_file(path) is not None or any(path.glob("*.request.yaml")):
        return path
    collections = path / "postman" / "collections"
    if not collections.is_dir() and any(path.rglob("*.request.yaml")):
        return path  # folders of requests, no definition at the top
    found = (
        sorted(item for item in collections.iterdir() if item.is_dir())
        if collections.is_dir()
        else []
    )
    if len(found) == 1:
        return found[0]
    if not strict:
        return found[0] if found else None
    if found:
        names = ", ".join(str(item) for item in found)
        raise PostrunError(
            f"'{path}' holds {len(found)} Postman collections", hint=f"import one of: {names}"
        )
    raise PostrunError(
        f"'{path}' is not a Postman collection folder",
        hint="give a v3 collection folder (with .resources/definition.yaml or *.request.yaml), "
        "or a Collection v2.1 .json export",
    )


def _definition_file(folder: Path) -> Path | None:
    for candidate in (folder / ".resources" / "definition.yaml", folder / "definition.yaml"):
        if candidate.is_file():
            return candidate
    return None


def _definition(folder: Path) -> Mapping[str, Any]:
    file = _definition_file(folder)
    return _yaml(file) if file is not None else {}


def _yaml(file: Path) -> Mapping[str, Any]:
    """A v3 file as a mapping; a LoadError at its line when it is not YAML."""
    import yaml

    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise PostrunError(f"cannot read '{file}': {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PostrunError(f"'{file}' is not UTF-8 text") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        location = SourceLocation(str(file), mark.line + 1, mark.column + 1) if mark else None
        raise LoadError(
            f"'{file}' is not valid YAML: {exc.problem}",
            location=location,
            hint="quote a value that starts with {{ (Postman's own files need it too)",
        ) from None
    except (yaml.YAMLError, RecursionError):
        raise PostrunError(f"'{file}' is not valid YAML") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise PostrunError(f"'{file}' is not a Postman v3 file (not a mapping)")
    return data


def _items(folder: Path) -> list[dict[str, Any]]:
    entries: list[tuple[float, str, dict[str, Any]]] = []
    for file in folder.glob("*.request.yaml"):
        data = _yaml(file)
        name = str(data.get("name") or file.name.removesuffix(".request.yaml"))
        entries.append((_order(data), name, _request_item(folder, file, name, data)))
    for sub in folder.iterdir():
        if not sub.is_dir() or sub.name.startswith("."):
            continue
        definition = _definition(sub)
        name = str(definition.get("name") or sub.name)
        item: dict[str, Any] = {"name": name, "item": _items(sub)}
        if definition.get("description"):
            item["description"] = definition["description"]
        _scope(definition, item)
        entries.append((_order(definition), name, item))
    entries.sort(key=lambda entry: (entry[0], entry[1]))
    return [item for _, _, item in entries]


def _order(data: Mapping[str, Any]) -> float:
    order = data.get("order")
    return float(order) if isinstance(order, (int, float)) and not isinstance(order, bool) else 0.0


def _scope(definition: Mapping[str, Any], target: dict[str, Any]) -> None:
    """Variables, auth and scripts of a collection or folder definition."""
    variables = _pairs(definition.get("variables"))
    if variables:
        target["variable"] = variables
    auth = _auth(definition.get("auth"))
    if auth is not None:
        target["auth"] = auth
    events = _events(definition.get("scripts"))
    if events:
        target["event"] = events


def _request_item(folder: Path, file: Path, name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    url: dict[str, Any] = {"raw": _text(data.get("url"))}
    query = _pairs(data.get("queryParams"))
    if query:
        url["query"] = query
    variables = _pairs(data.get("pathVariables"))
    if variables:
        url["variable"] = variables
    request: dict[str, Any] = {
        "method": _text(data.get("method")) or "GET",
        "url": url,
        "header": _pairs(data.get("headers")),
    }
    body = _body(data.get("body"))
    if body is not None:
        request["body"] = body
    auth = _auth(data.get("auth"))
    if auth is not None:
        request["auth"] = auth
    if data.get("description"):
        request["description"] = data["description"]
    item: dict[str, Any] = {"name": name, "request": request}
    events = _events(data.get("scripts"))
    if events:
        item["event"] = events
    item["response"] = _examples(folder, file, name, data)
    return item


def _pairs(value: Any) -> list[dict[str, Any]]:
    """``[{key, value, disabled}]`` or ``{key: value}`` -> v2.1 key/value entries."""
    if isinstance(value, Mapping):
        return [{"key": str(key), "value": _text(item)} for key, item in value.items()]
    pairs: list[dict[str, Any]] = []
    for entry in value if isinstance(value, list) else ():
        if isinstance(entry, Mapping) and "key" in entry:
            pair = {"key": _text(entry["key"]), "value": _value(entry.get("value"))}
            if entry.get("disabled"):
                pair["disabled"] = True
            pairs.append(pair)
    return pairs


def _value(value: Any) -> Any:
    # Numbers and booleans stay typed (collection variables keep their JSON type).
    return value if isinstance(value, (int, float, bool)) else _text(value)


def _body(body: Any) -> dict[str, Any] | None:
    if not isinstance(body, Mapping):
        return None
    kind = _text(body.get("type")).lower()
    content = body.get("content")
    if kind in _TEXT_TYPES:
        raw: dict[str, Any] = {"mode": "raw", "raw": _raw_text(content)}
        if kind in _RAW_LANGUAGES:
            raw["options"] = {"raw": {"language": _RAW_LANGUAGES[kind]}}
        return raw
    if kind in ("urlencoded", "formdata"):
        entries = []
        for entry in content if isinstance(content, list) else _pairs(content):
            if isinstance(entry, Mapping):
                entries.append({str(key): item for key, item in entry.items()})
        return {"mode": kind, kind: entries}
    if kind == "graphql":
        graphql = content if isinstance(content, Mapping) else {"query": _text(content)}
        variables = graphql.get("variables")
        return {
            "mode": "graphql",
            "graphql": {"query": _text(graphql.get("query")), "variables": _raw_text(variables)},
        }
    if kind in ("file", "binary"):
        source = content.get("src") if isinstance(content, Mapping) else content
        return {"mode": "file", "file": {"src": _text(source)}}
    return {"mode": kind or "none"}


def _raw_text(content: Any) -> str:
    if isinstance(content, (dict, list)):
        return json.dumps(content, indent=2)
    return _text(content)


def _auth(auth: Any) -> dict[str, Any] | None:
    if not isinstance(auth, Mapping) or not auth.get("type"):
        return None
    kind = _text(auth["type"])
    if kind == "inherit":
        return None
    credentials = auth.get("credentials")
    return {"type": kind, kind: _pairs(credentials)}


def _events(scripts: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for script in scripts if isinstance(scripts, list) else ():
        if not isinstance(script, Mapping):
            continue
        kind = _text(script.get("type")).removeprefix("http:")
        listen = "prerequest" if kind == "beforeRequest" else "test"
        code = _text(script.get("code"))
        events.append({"listen": listen, "script": {"exec": code.splitlines()}})
    return events


def _examples(folder: Path, file: Path, name: str, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    places = [folder / ".resources" / f"{name}.resources" / "examples"]
    stem = file.name.removesuffix(".request.yaml")
    places.append(folder / ".resources" / f"{stem}.resources" / "examples")
    written = data.get("examples")
    if isinstance(written, str):
        places.insert(0, folder / written)
    place = next((candidate for candidate in places if candidate.is_dir()), None)
    responses: list[dict[str, Any]] = []
    for example_file in sorted(place.glob("*.example.yaml")) if place else ():
        example = _yaml(example_file)
        response = example.get("response") if isinstance(example.get("response"), Mapping) else {}
        body = response.get("body")
        text = body.get("content") if isinstance(body, Mapping) else body
        entry: dict[str, Any] = {
            "name": _text(example.get("name")) or example_file.name.removesuffix(".example.yaml"),
            "header": _pairs(response.get("headers")),
            "body": _raw_text(text),
        }
        code = response.get("statusCode")
        if isinstance(code, int):
            entry["code"] = code
        responses.append(entry)
    return responses
