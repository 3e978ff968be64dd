"""What a request is in bytes: rendered request, default Content-Types, JSON and form encoding.

Pure (no ``requests``): ``export curl`` writes bodies with the same functions the transport
sends them with, so an exported command sends the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runner.errors import TransportError
from runner.model import DEFAULT_MAX_BODY, AuthSpec, BodySpec, StreamSpec

DEFAULT_CONTENT_TYPES = {  # FORMAT.md 1.2; an explicit header wins
    "json": "application/json",
    "graphql": "application/json",
    "raw": "text/plain",
    "form": "application/x-www-form-urlencoded",
    "file": "application/octet-stream",
}


@dataclass(frozen=True, slots=True)
class OutgoingRequest:
    """A request with every placeholder rendered, ready for the wire."""

    method: str
    url: str
    params: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: BodySpec | None = None
    auth: AuthSpec | None = None
    timeout: float | None = None
    follow_redirects: bool = True
    verify: bool | str = True
    cert: str | tuple[str, ...] | None = None
    proxy: str | None = None
    max_body: int = DEFAULT_MAX_BODY  # bytes of decoded response body; one more fails
    stream: StreamSpec | None = None  # read as server-sent events (runner.transport.stream)
    idle_timeout: float | None = None  # seconds a stream may wait for its next event


def json_text(value: Any) -> str:
    """A JSON body as postrun sends it (also what `export curl` writes)."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def json_bytes(value: Any) -> bytes:
    return json_text(value).encode("utf-8")


def form_pairs(mapping: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Flatten a mapping into pairs; a list value repeats its key (``?tag=a&tag=b``)."""
    pairs: list[tuple[str, str]] = []
    for key, value in mapping.items():
        items = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend((str(key), form_text(item)) for item in items)
    return pairs


def form_text(value: Any) -> str:
    """A param or form value as sent: strings as is, null and booleans in JSON spelling."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return str(value)


def raw_bytes(text: str, headers: Mapping[str, str]) -> bytes:
    """A raw body in the charset its Content-Type declares (UTF-8 when none)."""
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    charset = declared_charset(content_type) or "utf-8"
    try:
        return text.encode(charset)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        raise TransportError(
            f"the raw body cannot be sent as {charset}: it contains {bad!r}"
        ) from exc


def has_header(headers: Mapping[str, Any], name: str) -> bool:
    """Whether ``headers`` has ``name``, in any case."""
    wanted = name.lower()
    return any(key.lower() == wanted for key in headers)


def body_bytes(body: Any) -> bytes | None:
    if body is None:
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return None  # a streamed file: not kept in memory


def declared_charset(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip("\"' ")
            try:
                "".encode(charset)
            except LookupError:
                return None
            return charset
    return None
