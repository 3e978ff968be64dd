"""Small readers of Postman JSON: text of any value, descriptions, enabled entries, scripts.

Postman exports are loose (a description is a string or ``{content}``, entries can be
``disabled`` or not ``enabled``, script lines a list or one string); these read them the
same way everywhere in the import.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

# Postman's field -> ours, for the signing auths (the export reads it the other way).
SIGNING_FIELDS: Mapping[str, Mapping[str, str]] = {
    "oauth1": {
        "consumerKey": "consumer_key",
        "consumerSecret": "consumer_secret",
        "token": "token",
        "tokenSecret": "token_secret",
        "signatureMethod": "signature_method",
        "realm": "realm",
    },
    "awsv4": {
        "accessKey": "access_key",
        "secretKey": "secret_key",
        "region": "region",
        "service": "service",
        "sessionToken": "session_token",
    },
}
# Our signing-auth fields that hold credentials, and the secret each literal becomes.
SIGNING_SECRETS: Mapping[str, str] = {
    "consumer_secret": "OAUTH1_CONSUMER_SECRET",
    "token": "OAUTH1_TOKEN",
    "token_secret": "OAUTH1_TOKEN_SECRET",
    "access_key": "AWS_ACCESS_KEY_ID",
    "secret_key": "AWS_SECRET_ACCESS_KEY",
    "session_token": "AWS_SESSION_TOKEN",
}
POSTMAN_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
VARIABLE_NAME = re.compile(r"[A-Za-z0-9_.\-]+")


def as_text(value: Any) -> str:
    """Any JSON value as text: ``""`` for null, ``true``/``false``, objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def description_of(value: Any) -> str | None:
    """A description (a string or ``{content}``) with Unix line ends; None when empty."""
    if isinstance(value, dict):
        value = value.get("content")
    if value is None or value == "":
        return None
    return str(value).replace("\r\n", "\n")


def enabled_entries(entries: Any) -> Iterator[Mapping[str, Any]]:
    """The entries of a list that are mappings and neither disabled nor not enabled."""
    if not isinstance(entries, list):
        return
    for entry in entries:
        if isinstance(entry, dict) and not entry.get("disabled") and entry.get("enabled", True):
            yield entry


def script_lines(events: Any) -> tuple[list[str], list[str]]:
    """The (test, prerequest) script lines of an ``event`` list, empty lines dropped at the ends."""
    tests: list[str] = []
    prerequest: list[str] = []
    for event in events if isinstance(events, list) else []:
        if not isinstance(event, dict) or event.get("disabled"):
            continue
        script = event.get("script") or {}
        lines = script.get("exec") if isinstance(script, dict) else None
        if isinstance(lines, str):
            lines = lines.splitlines()
        if not isinstance(lines, list):
            continue
        target = tests if event.get("listen") == "test" else prerequest
        target.extend(as_text(line) for line in lines)
    return _trim(tests), _trim(prerequest)


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def clean_lines(lines: Sequence[str]) -> list[str]:
    """Script lines as they are kept in the YAML (``x-postman-*`` text)."""
    # Trailing spaces would force a quoted scalar; tabs read badly in YAML.
    return [line.rstrip().replace("\t", "    ") for line in lines]


def plural(count: int, word: str) -> str:
    """``1 check``, ``2 checks``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
