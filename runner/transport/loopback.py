"""Keeping a session on this machine: ``postrun load`` sends to loopback hosts only, unless told.

A load test is an attack on a server that is not yours, so each request a load session sends
(redirects and OAuth2 token fetches included) is refused before it leaves, unless its host is
``localhost`` or a loopback address. Host names are not resolved: only the name ``localhost``
(and ``*.localhost``, RFC 6761) counts, so a name that resolves elsewhere cannot slip through.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import requests

REFUSED = "not a loopback address; a load run sends only to this machine unless --allow-remote"


@functools.lru_cache(maxsize=256)  # asked once a request, for a handful of hosts
def is_loopback(host: str | None) -> bool:
    """True for ``localhost``, ``*.localhost``, ``127.0.0.0/8`` and ``::1``."""
    if not host:
        return False
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_host(url: str) -> str | None:
    """The host of ``url``, None when it has none or cannot be parsed."""
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def loopback_only(session: requests.Session) -> None:
    """Make ``session`` refuse, before connecting, any URL whose host is not loopback."""
    from requests.adapters import BaseAdapter

    class LoopbackOnly(BaseAdapter):
        """The session's own adapter, for loopback hosts only."""

        def __init__(self, inner: BaseAdapter) -> None:
            super().__init__()
            self.inner = inner

        def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
            import requests

            host = url_host(request.url or "")
            if not is_loopback(host):
                raise requests.exceptions.ConnectionError(f"{host} is {REFUSED}")
            return self.inner.send(request, *args, **kwargs)

        def close(self) -> None:
            self.inner.close()

    for prefix in ("https://", "http://"):
        session.mount(prefix, LoopbackOnly(session.get_adapter(prefix)))
