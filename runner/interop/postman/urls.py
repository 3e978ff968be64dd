"""A request's URL, query parameters and headers, with credentials in them made secrets."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from runner.interop.postman.fields import VARIABLE_NAME, as_text, enabled_entries
from runner.interop.postman.importer import Importer


def convert_url(importer: Importer, url: Any, where: str) -> tuple[str, dict[str, Any]]:
    """The URL without its query, and the query as ``params`` (path variables filled in)."""
    params: dict[str, Any] = {}
    if isinstance(url, dict):
        raw = as_text(url.get("raw"))
        if not raw:
            raw = _url_from_parts(url)
        base, _, query = raw.partition("?")
        base = base.split("#", 1)[0]
        if isinstance(url.get("query"), list):
            for entry in enabled_entries(url.get("query")):
                _add_param(importer, params, entry.get("key"), entry.get("value"), where)
        else:  # some exports carry the query only in ``raw``
            _query_string(importer, params, query, where)
        base = _path_variables(importer, base, url.get("variable"), where)
    else:
        base, _, query = as_text(url).partition("?")
        _query_string(importer, params, query, where)
    converted = importer.convert(base, where)
    return converted.replace("\u0000", "<<").replace("\u0001", ">>"), params


def _path_variables(importer: Importer, base: str, entries: Any, where: str) -> str:
    """``:name`` segments become ``<<name>>``, the value a default: never put in place.

    A value that is one ``{{var}}`` is that variable; a literal value becomes a collection
    variable (renamed when the name is taken with another value); an empty one is the text
    ``:name`` Postman sends when it has no value, with a note. ``x-postman-path-variables``
    on the request keeps the segment names for the export.
    """
    values = {
        as_text(entry.get("key")): entry.get("value")
        for entry in enabled_entries(entries)
        if as_text(entry.get("key"))
    }
    scheme, slash, rest = base.partition("://")
    prefix = f"{scheme}{slash}" if slash else ""
    path = rest if slash else base
    segments = path.split("/")
    for index, segment in enumerate(segments):
        if (index == 0 and slash) or not segment.startswith(":") or len(segment) < 2:
            continue
        key = segment[1:]
        if not VARIABLE_NAME.fullmatch(key):
            continue
        name = importer.path_variable(key, values.get(key), where)
        segments[index] = "\u0000" + name + "\u0001"
    return prefix + "/".join(segments)


def _query_string(importer: Importer, params: dict[str, Any], query: str, where: str) -> None:
    for part in filter(None, query.split("#", 1)[0].split("&")):
        key, _, value = part.partition("=")
        _add_param(importer, params, key, value, where)


def _url_from_parts(url: Mapping[str, Any]) -> str:
    host = url.get("host", "")
    host_text = ".".join(map(as_text, host)) if isinstance(host, list) else as_text(host)
    path = url.get("path", "")
    path_text = "/".join(map(as_text, path)) if isinstance(path, list) else as_text(path)
    protocol = as_text(url.get("protocol"))
    prefix = f"{protocol}://" if protocol else ""
    port = f":{url['port']}" if url.get("port") else ""
    return f"{prefix}{host_text}{port}/{path_text.lstrip('/')}"


def _add_param(
    importer: Importer, params: dict[str, Any], key: Any, value: Any, where: str
) -> None:
    name = as_text(key)
    text = as_text(value)
    if re.search(r"%[0-9A-Fa-f]{2}", name + text):
        # Postman keeps what was typed; requests encodes again, so decode once here.
        name, text = unquote(name), unquote(text)
    name, text = importer.convert(name, where), importer.convert(text, where)
    text = importer.credential(name, text, where)
    if name in params:
        existing = params[name]
        params[name] = [*existing, text] if isinstance(existing, list) else [existing, text]
    else:
        params[name] = text


def convert_headers(importer: Importer, entries: Any, where: str) -> dict[str, str]:
    """Enabled headers (a list, or the old one-string form); a repeated name keeps the last."""
    headers: dict[str, str] = {}
    if isinstance(entries, str):
        entries = [
            {"key": line.partition(":")[0].strip(), "value": line.partition(":")[2].strip()}
            for line in entries.splitlines()
            if ":" in line
        ]
    for entry in enabled_entries(entries):
        name = importer.convert(entry.get("key"), where)
        if not name:
            continue
        for existing in list(headers):
            if existing.lower() == name.lower():
                importer.notes.append(f"header {name} is set twice in {where}: the last one kept")
                del headers[existing]
        headers[name] = importer.credential(
            name, importer.convert(entry.get("value"), where), where
        )
    return headers
