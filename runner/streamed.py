"""What checks and captures read of a stream (``stream: sse``): its events, the joined text.

Pure. A stream's response (``results.StreamData``) is seen as a JSON array of ``{event, id,
data}``; the *joined* text is the ``stream.sse.join`` JSONPath applied to each event's data,
its text matches joined in order (OpenAI's ``$.choices[0].delta.content`` gives the reply).
An answer to a stream request that is not ``text/event-stream`` (an API error, often plain
JSON) has no events: these checks fail on it with a message saying what it was.
"""

from __future__ import annotations

from typing import Any

from runner.jsonquery import compile_path, query
from runner.model import MISSING
from runner.results import ResponseData, StreamData


def not_a_stream(response: ResponseData) -> str | None:
    """Why ``response`` has no events (it is no event stream), or None when it is one."""
    if isinstance(response, StreamData):
        return None
    kind = response.content_type or "no Content-Type"
    return f"the response is not an event stream ({response.status}, {kind})"


def events_value(response: StreamData) -> list[Any]:
    """The events as checks see them."""
    value: list[Any] = response.json.value
    return value


def joined_text(response: StreamData, path: str) -> str:
    """The text matches of ``path`` in each event's data, joined (raises JsonPathError)."""
    singular = compile_path(path).singular
    parts: list[str] = []
    for event in events_value(response):
        data = event["data"]
        if not isinstance(data, (dict, list)):
            continue  # [DONE] and other text: nothing to join
        found = query(path, data)
        for value in (found,) if singular else found:
            if isinstance(value, str):
                parts.append(value)
            elif value is not MISSING and value is not None and not isinstance(value, (dict, list)):
                parts.append(str(value).lower() if isinstance(value, bool) else str(value))
    return "".join(parts)
