"""A request's URL, query parameters and headers, with credentials in them made secrets."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from runner.interop.postman.fields import as_text, enabled_entries
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
        for entry in enabled_entries(url.get("variable")):
            key = as_text(entry.get("key"))
            if key and entry.get("value") is not None:
                # Backslashes doubled: the value is text, not a template (`\d`, `\1`).
                value = as_text(entry["value"]).replace("\\", "\\\\")
                base = re.sub(rf"(?<=/):{re.escape(key)}(?=/|$)", value, base)
    else:
        base, _, query = as_text(url).partition("?")
        _query_string(importer, params, query, where)
    return importer.convert(base, where), params


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
