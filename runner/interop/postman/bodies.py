"""Request bodies: raw (JSON with ``{{var}}`` in it), urlencoded, form-data, file, GraphQL."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from runner.interop.postman.fields import (
    POSTMAN_PLACEHOLDER,
    as_text,
    enabled_entries,
)
from runner.interop.postman.importer import Importer

_RAW_CONTENT_TYPES: Mapping[str, str] = {
    "json": "application/json",
    "xml": "application/xml",
    "html": "text/html",
    "javascript": "application/javascript",
}


def convert_body(
    importer: Importer, body: Mapping[str, Any], where: str, headers: dict[str, str]
) -> dict[str, Any] | None:
    """Our ``body`` for a Postman body (None when left out); may add a Content-Type header."""
    mode = as_text(body.get("mode"))
    if mode == "raw":
        return _raw_body(importer, body, where, headers)
    if mode == "urlencoded":
        form: dict[str, Any] = {}
        for entry in enabled_entries(body.get("urlencoded")):
            _add_form(
                importer, form, entry.get("key"), importer.convert(entry.get("value"), where), where
            )
        return {"form": form}
    if mode == "formdata":
        return _formdata(importer, body, where)
    if mode == "file":
        source = (body.get("file") or {}).get("src") if isinstance(body.get("file"), dict) else None
        return {"file": _file_path(importer, source, "body", where)}
    if mode == "graphql":
        return _graphql(importer, body, where)
    importer.notes.append(f"body mode '{mode}' of {where} is not supported: left out")
    return None


def _formdata(importer: Importer, body: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``multipart`` parts: text fields, and files named by a single path."""
    parts: dict[str, Any] = {}
    for entry in enabled_entries(body.get("formdata")):
        if entry.get("type") == "file":
            source = entry.get("src")
            if isinstance(source, list):
                source = source[0] if len(source) == 1 else None
            label = f"part '{as_text(entry.get('key'))}'"
            part: dict[str, Any] = {"file": _file_path(importer, source, label, where)}
            if entry.get("contentType"):
                part["content_type"] = as_text(entry["contentType"])
            _add_form(importer, parts, entry.get("key"), part, where)
        else:
            _add_form(
                importer,
                parts,
                entry.get("key"),
                importer.convert(entry.get("value"), where),
                where,
            )
    return {"multipart": parts}


_ABSOLUTE = re.compile(r"^(?:/|~|[A-Za-z]:[\\/]|\\\\)")


def _file_path(importer: Importer, source: Any, label: str, where: str) -> str:
    """The path to write for a file Postman sends: relative ones as they are; an absolute
    one (the exporter's machine) or none becomes an empty placeholder under ``files/``.

    The placeholder is written next to the collection so the file loads; the note says
    which file to put there.
    """
    text = as_text(source)
    if text and not _ABSOLUTE.match(text):
        importer.notes.append(f"{where} sends '{text}': paths are relative to the collection file")
        return text
    base = re.split(r"[\\/]", text)[-1] if text else ""
    base = re.sub(r"[^\w.\-]+", "_", base).strip("._") or f"{slugify_part(label)}.bin"
    placeholder = f"files/{base}"
    importer.placeholder_files.setdefault(placeholder, None)
    what = f"the absolute path '{text}'" if text else "no file"
    importer.notes.append(
        f"the {label} of {where} names {what}: it sends '{placeholder}' (an empty file "
        "written next to the collection): put the real file there"
    )
    return placeholder


def slugify_part(label: str) -> str:
    """``part 'avatar'`` -> ``avatar``."""
    return re.sub(r"[^A-Za-z0-9]+", "-", label.replace("part ", "")).strip("-") or "upload"


def _graphql(importer: Importer, body: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The query and its variables (JSON, ``{{var}}`` allowed; not an object: left out)."""
    graphql = body.get("graphql") or {}
    query = importer.convert(graphql.get("query"), where)
    variables_text = as_text(graphql.get("variables")).strip()
    variables: Any = {}
    if variables_text:
        try:
            variables = _json_with_placeholders(importer, variables_text, where)
        except (ValueError, RecursionError):
            variables = None
        if not isinstance(variables, dict):
            importer.notes.append(f"graphql variables of {where} are not a JSON object: left out")
            variables = {}
    return {"graphql": {"query": query, "variables": variables}}


def _add_form(importer: Importer, form: dict[str, Any], key: Any, value: Any, where: str) -> None:
    name = importer.convert(key, where)
    if name in form:
        existing = form[name]
        if isinstance(value, dict) or isinstance(existing, dict):
            importer.notes.append(f"part '{name}' of {where} repeats: the last one kept")
            form[name] = value
            return
        form[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
    else:
        form[name] = value


def _raw_body(
    importer: Importer, body: Mapping[str, Any], where: str, headers: dict[str, str]
) -> dict[str, Any]:
    text = as_text(body.get("raw"))
    options = body.get("options") or {}
    language = as_text(
        ((options.get("raw") or {}) if isinstance(options, dict) else {}).get("language")
    )
    has_type = any(name.lower() == "content-type" for name in headers)
    declared = next(
        (value for name, value in headers.items() if name.lower() == "content-type"), ""
    )
    if language == "json" or (not language and "json" in declared.lower()):
        try:
            value = _json_with_placeholders(importer, text, where)
        except (ValueError, RecursionError):
            value = None
        else:
            return {"json": value}
    content_type = _RAW_CONTENT_TYPES.get(language)
    if content_type and not has_type:
        headers["Content-Type"] = content_type
    return {"raw": importer.convert(text, where)}


def _json_with_placeholders(importer: Importer, text: str, where: str) -> Any:
    """Parse JSON text holding ``{{var}}``, quoted or not; ValueError when it is not JSON.

    An unquoted ``{{temp}}`` becomes the string ``<<temp>>``, which typed substitution sends
    with the variable's type: the variable's value is given a JSON type to match.
    """
    marks: dict[str, str] = {}
    pieces: list[str] = []
    index = 0
    in_string = False
    while index < len(text):
        char = text[index]
        if in_string:
            if char == "\\":
                pieces.append(text[index : index + 2])
                index += 2
                continue
            if char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        match = POSTMAN_PLACEHOLDER.match(text, index) if char == "{" else None
        if match and not in_string:
            mark = f"\u0000postrun{len(marks)}\u0000"
            marks[mark] = importer.convert(match.group(0), where)
            name = importer.name_for(match.group(1))
            if name and not name.startswith("$"):
                importer.typed_names.add(name)
            pieces.append(json.dumps(mark))
            index = match.end()
            continue
        pieces.append(char)
        index += 1
    value = json.loads("".join(pieces))

    def restore(item: Any) -> Any:
        if isinstance(item, str):
            return marks[item] if item in marks else importer.convert(item, where)
        if isinstance(item, dict):
            return {restore(key): restore(inner) for key, inner in item.items()}
        if isinstance(item, list):
            return [restore(inner) for inner in item]
        return item

    return restore(value)
