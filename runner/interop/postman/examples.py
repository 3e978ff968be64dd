"""Saved responses -> ``examples`` (what ``--mock`` answers with), kept literal."""

from __future__ import annotations

import json
from typing import Any

from runner.interop.credentials import PLACEHOLDER
from runner.interop.postman.fields import as_text, enabled_entries


def convert_examples(responses: Any) -> list[dict[str, Any]]:
    """Each saved response as an example: a unique name, status, headers, body."""
    examples: list[dict[str, Any]] = []
    names: set[str] = set()
    for response in responses if isinstance(responses, list) else []:
        if not isinstance(response, dict):
            continue
        name = as_text(response.get("name")) or "example"
        unique, number = name, 2
        while unique in names:
            unique, number = f"{name} ({number})", number + 1
        names.add(unique)
        example: dict[str, Any] = {"name": unique}
        code = response.get("code")
        if isinstance(code, int) and 100 <= code <= 599 and code != 200:  # 200: the default
            example["status"] = code
        headers = {
            _escape(as_text(entry.get("key"))): _escape(as_text(entry.get("value")))
            for entry in enabled_entries(response.get("header"))
            if entry.get("key")
        }
        body_text = as_text(response.get("body"))
        parsed = None
        if body_text:
            try:
                parsed = json.loads(body_text)
            except (ValueError, RecursionError):
                parsed = None
        if isinstance(parsed, (dict, list)):
            # Implied for a JSON body (FORMAT.md 1.5): the export writes it back.
            headers = {
                name: value
                for name, value in headers.items()
                if name.lower() != "content-type" or value != "application/json"
            }
        if headers:
            example["headers"] = headers
        if body_text:
            example["body"] = (
                _escape_tree(parsed) if isinstance(parsed, (dict, list)) else _escape(body_text)
            )
        examples.append(example)
    return examples


def _escape(text: str) -> str:
    # Postman does not template saved responses: our own syntax in them must stay literal.
    return PLACEHOLDER.sub(lambda match: "\\" + match.group(0), text)


def _escape_tree(value: Any) -> Any:
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, dict):
        return {_escape(key): _escape_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escape_tree(item) for item in value]
    return value
