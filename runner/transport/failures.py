"""One line saying why a request could not be completed: refused, DNS, TLS, timeout, cut short."""

from __future__ import annotations

import re

from runner.transport.encoding import OutgoingRequest


def describe_failure(exc: Exception, request: OutgoingRequest) -> str:
    """One line saying why a request could not be completed (refused, DNS, TLS, timeout...)."""
    import requests

    exceptions = requests.exceptions
    detail = str(exc)
    if isinstance(exc, exceptions.ConnectTimeout):
        return f"connection timed out after {request.timeout:g}s"
    if isinstance(exc, exceptions.Timeout):
        return f"timed out after {request.timeout:g}s waiting for the response"
    if isinstance(exc, exceptions.SSLError):
        return f"TLS error: {_innermost(exc)}"
    if isinstance(exc, exceptions.ProxyError):
        return f"proxy error: {_innermost(exc)}"
    early = _early_end(exc)
    if early is not None:
        return early
    if isinstance(exc, exceptions.ChunkedEncodingError):
        return "the connection was reset while reading the response"
    if isinstance(exc, exceptions.ContentDecodingError):
        return f"could not decode the response body: {_innermost(exc)}"
    if isinstance(exc, exceptions.TooManyRedirects):
        return "too many redirects (set options.follow_redirects: false to check the redirect)"
    if isinstance(exc, (exceptions.MissingSchema, exceptions.InvalidSchema)):
        return f"invalid URL {request.url!r}: it must start with http:// or https://"
    if isinstance(exc, (exceptions.InvalidURL, exceptions.URLRequired)):
        return f"invalid URL {request.url!r}"
    if isinstance(exc, exceptions.InvalidHeader):
        return f"invalid header: {detail}"
    if isinstance(exc, exceptions.ConnectionError):
        lowered = detail.lower()
        host = _host(request.url)
        if "refused" in lowered:
            return f"connection refused by {host}"
        if "resolve" in lowered or "name or service" in lowered or "nodename" in lowered:
            return f"could not resolve host {host.split(':')[0]}"
        if "reset" in lowered or "aborted" in lowered or "remotedisconnected" in lowered:
            return f"the connection to {host} was closed before a complete response"
        return f"connection to {host} failed: {_innermost(exc)}"
    return f"request failed: {_innermost(exc)}"


def unsendable(exc: UnicodeEncodeError, request: OutgoingRequest) -> str:
    """Name the header (or auth) whose text HTTP cannot carry: header values are Latin-1."""
    bad = exc.object[exc.start : exc.end] if isinstance(exc.object, str) else ""
    for name, value in request.headers.items():
        if not _latin1(name) or not _latin1(str(value)):
            return (
                f"header '{name}' has characters HTTP headers cannot carry ({bad!r}); "
                "headers are Latin-1: percent-encode the value or send it in the body"
            )
    if request.auth is not None:
        return (
            f"the {request.auth.kind} auth values have characters HTTP headers cannot carry "
            f"({bad!r}); headers are Latin-1"
        )
    return f"the request has text that cannot be encoded ({bad!r}): {exc.reason}"


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _cause(exc: BaseException, name: str) -> BaseException | None:
    """The first exception named ``name`` in the chain (causes, contexts and wrapped args)."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if any(kind.__name__ == name for kind in type(current).__mro__):
            return current
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        pending.extend(link for link in (current.__cause__, current.__context__) if link)
    return None


def _early_end(exc: BaseException) -> str | None:
    """Say how a response ended early (short body, or not HTTP at all), when that is the cause."""
    short = _cause(exc, "IncompleteRead")
    if short is not None:
        match = re.search(r"(\d+) bytes read, (\d+) more expected", str(short))
        if match:
            got, more = int(match.group(1)), int(match.group(2))
            return (
                f"the response body is incomplete: the connection closed after {got} of "
                f"{got + more} bytes (Content-Length)"
            )
        return "the response body is incomplete: the connection closed before its end"
    not_http = _cause(exc, "BadStatusLine")
    if not_http is not None:
        sent = str(not_http.args[0] if not_http.args else "")[:40]
        return f"the server did not answer with HTTP (it sent {sent!r}); is the port right?"
    return None


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).netloc or url
    except ValueError:
        return url


def _innermost(exc: BaseException) -> str:
    """The most specific message in an exception chain, on one line."""
    current: BaseException = exc
    seen = 0
    while seen < 10:
        inner = getattr(current, "reason", None) or current.__cause__ or current.__context__
        if not isinstance(inner, BaseException):
            break
        current = inner
        seen += 1
    text = str(current) or type(current).__name__
    return " ".join(text.split())
