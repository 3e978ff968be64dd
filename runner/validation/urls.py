"""Request URLs as a run would send them: without ``http://`` or ``https://`` none can be sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runner.engine import RunOptions, render_what_can, request_stack
from runner.errors import PostrunError
from runner.model import CollectionSpec
from runner.templating import Renderer

_SCHEMES = ("http", "https")


def check_url_schemes(
    collections: Sequence[CollectionSpec], options: RunOptions, secrets: Mapping[str, Any]
) -> None:
    """Raise for the first request whose URL, rendered with what is known before sending, has
    no http or https scheme (``127.0.0.1:8000/v1``, ``localhost/x``); requests would refuse it
    at run time with "No connection adapters were found"."""
    for collection in collections:
        stacks: dict[int, Renderer] = {}
        for request in collection.requests:
            if not request.url:
                continue  # a skipped draft with no url (the loader allows nothing else)
            key = id(request.folder_scopes)
            if key not in stacks:
                stack = request_stack(request, collection, options, secrets, {})
                stacks[key] = Renderer(stack.lookup)
            url = render_what_can(request.url, stacks[key]).strip()
            if url.startswith("<<"):
                continue  # it starts with a value captured at run time, or an unset secret
            # Not urlsplit: it raises on some texts (``http://[x``), and only the scheme matters.
            scheme = url.split("://", 1)[0].lower() if "://" in url else ""
            if scheme in _SCHEMES:
                continue
            written = f" (from {request.url!r})" if url != request.url else ""
            guess = url.split("://", 1)[-1].lstrip("/")
            raise PostrunError(
                f"the URL of '{request.path}' has no http:// or https:// scheme: {url!r}{written}",
                location=request.location,
                hint=f"did you mean 'http://{guess}'? requests are sent over http or https only",
            )
