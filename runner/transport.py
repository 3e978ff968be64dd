"""Sending one request with ``requests``: the only module of the run path that imports it.

The session is injected (one per run: connection reuse and cookies across requests), so the
engine and tests decide where requests go (a real server, or the ``mock`` adapter).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner import __version__
from runner.errors import TransportError
from runner.model import AuthSpec, BodySpec
from runner.results import ResponseData, SentRequest

if TYPE_CHECKING:
    import requests
    from requests import Session as Session  # re-exported for type hints elsewhere

USER_AGENT = f"postrun/{__version__}"
_CHUNK = 64 * 1024
_DEFAULT_CONTENT_TYPES = {
    "json": "application/json",
    "graphql": "application/json",
    "raw": "text/plain",
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


def new_session() -> requests.Session:
    """A session for one run: pooled connections, a cookie jar, postrun's User-Agent."""
    import requests

    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    # The environment's proxy and netrc settings must not change what a collection sends;
    # proxies are set per request from `options.proxy`.
    session.trust_env = False
    return session


def send(request: OutgoingRequest, session: requests.Session) -> tuple[SentRequest, ResponseData]:
    """Send ``request`` and read the whole response; failures raise TransportError (one line)."""
    import requests

    with ExitStack() as stack:
        try:
            prepared = session.prepare_request(_build(request, stack))
        except (requests.RequestException, ValueError) as exc:  # a URL or header it cannot send
            raise TransportError(describe_failure(exc, request)) from exc
        except OSError as exc:
            raise TransportError(f"could not read the body file: {exc}") from exc
        sent = SentRequest(
            prepared.method or request.method,
            prepared.url or request.url,
            tuple(prepared.headers.items()),
            _body_bytes(prepared.body),
        )
        started = time.perf_counter()
        deadline = None if request.timeout is None else started + request.timeout
        try:
            response = session.send(
                prepared,
                stream=True,
                timeout=None if request.timeout is None else (request.timeout, request.timeout),
                allow_redirects=request.follow_redirects,
                verify=request.verify,
                cert=request.cert,
                proxies=_proxies(request.proxy),
            )
            with _closing(response):
                body = _read_body(response, deadline, request.timeout)
                elapsed_ms = (time.perf_counter() - started) * 1000
        except requests.RequestException as exc:
            raise TransportError(describe_failure(exc, request)) from exc
        except OSError as exc:  # a multipart or file body that vanished since loading
            raise TransportError(f"could not read the body file: {exc}") from exc
    return sent, ResponseData(
        status=response.status_code,
        reason=response.reason or "",
        headers=tuple(response.headers.items()),
        body=body,
        elapsed_ms=elapsed_ms,
        url=response.url or sent.url,
        cookies=response.cookies.get_dict(),
        encoding=_declared_charset(response.headers.get("Content-Type", "")),
    )


@contextmanager
def _closing(response: requests.Response) -> Iterator[requests.Response]:
    try:
        yield response
    finally:
        response.close()


def _read_body(response: requests.Response, deadline: float | None, timeout: float | None) -> bytes:
    """Read the (decompressed) body, enforcing the whole-request timeout between chunks."""
    import requests

    chunks = bytearray()
    for chunk in response.iter_content(_CHUNK):
        chunks += chunk
        if deadline is not None and time.perf_counter() > deadline:
            raise requests.exceptions.ReadTimeout(f"timed out after {timeout:g}s")
    return bytes(chunks)


def _build(request: OutgoingRequest, stack: ExitStack) -> requests.Request:
    import requests

    headers = dict(request.headers)
    params = dict(request.params)
    auth = None
    if request.auth is not None:
        auth = _apply_auth(request.auth, headers, params)
    kwargs: dict[str, Any] = {}
    body = request.body
    if body is not None:
        default_type = _DEFAULT_CONTENT_TYPES.get(body.kind)
        if default_type and not _has_header(headers, "Content-Type"):
            headers["Content-Type"] = default_type
        if body.kind in ("json", "graphql"):
            kwargs["data"] = _json_bytes(body.value)
        elif body.kind == "raw":
            kwargs["data"] = str(body.value).encode("utf-8")
        elif body.kind == "form":
            kwargs["data"] = _pairs(body.value)
        elif body.kind == "file":
            kwargs["data"] = stack.enter_context(Path(body.value).open("rb"))  # noqa: SIM115
        elif body.kind == "multipart":
            kwargs["files"] = _multipart(body.value, stack)
    return requests.Request(
        request.method, request.url, headers=headers, params=_pairs(params), auth=auth, **kwargs
    )


def _apply_auth(auth: AuthSpec, headers: dict[str, str], params: dict[str, Any]) -> Any:
    """Set the auth header or query parameter; returns a requests auth object when one is needed.

    An explicit ``Authorization`` header written by the user wins over ``auth``.
    """
    from requests.auth import HTTPBasicAuth, HTTPDigestAuth

    values = auth.params
    if auth.kind == "bearer":
        if not _has_header(headers, "Authorization"):
            headers["Authorization"] = f"Bearer {values}"
        return None
    if auth.kind == "basic":
        return (
            None
            if _has_header(headers, "Authorization")
            else HTTPBasicAuth(str(values["username"]), str(values.get("password", "")))
        )
    if auth.kind == "digest":
        return HTTPDigestAuth(str(values["username"]), str(values.get("password", "")))
    if auth.kind == "apikey":
        if "header" in values:
            headers.setdefault(str(values["header"]), str(values["value"]))
        else:
            params.setdefault(str(values["query"]), str(values["value"]))
        return None
    raise TransportError(f"auth '{auth.kind}' is not supported by this version of postrun")


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": ")).encode("utf-8")


def _pairs(mapping: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Flatten a mapping into pairs; a list value repeats its key (``?tag=a&tag=b``)."""
    pairs: list[tuple[str, str]] = []
    for key, value in mapping.items():
        items = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend((key, _text(item)) for item in items)
    return pairs


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return str(value)


def _multipart(parts: Mapping[str, Any], stack: ExitStack) -> list[tuple[str, Any]]:
    files: list[tuple[str, Any]] = []
    for name, value in parts.items():
        if isinstance(value, Mapping) and "file" in value:
            path = Path(value["file"])
            handle = stack.enter_context(path.open("rb"))
            content_type = value.get("content_type")
            part = (path.name, handle, content_type) if content_type else (path.name, handle)
            files.append((name, part))
        else:
            files.append((name, (None, _text(value))))
    return files


def _has_header(headers: Mapping[str, str], name: str) -> bool:
    wanted = name.lower()
    return any(key.lower() == wanted for key in headers)


def _body_bytes(body: Any) -> bytes | None:
    if body is None:
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return None  # a streamed file: not kept in memory


def _declared_charset(content_type: str) -> str | None:
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


def _proxies(proxy: str | None) -> dict[str, str] | None:
    return {"http": proxy, "https": proxy} if proxy else None


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
