"""Sending one request with ``requests``: the only module of the run path that imports it.

The session is injected (one per run: connection reuse and cookies across requests), so the
engine and tests decide where requests go (a real server, or the ``mock`` adapter).
"""

from __future__ import annotations

import json
import mimetypes
import re
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping
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

    from runner.auth.oauth2 import ClientCredentials, Token, TokenCache, TokenGrant

USER_AGENT = f"postrun/{__version__}"
MOCK_TOKEN = "mock-oauth2-token"  # noqa: S105 -- the stand-in token under --mock
_CHUNK = 64 * 1024
DEFAULT_CONTENT_TYPES = {  # FORMAT.md 1.2; an explicit header wins
    "json": "application/json",
    "graphql": "application/json",
    "raw": "text/plain",
    "form": "application/x-www-form-urlencoded",
    "file": "application/octet-stream",
}
# Content codings in the order offered; urllib3 decodes br and zstd only when their optional
# packages are importable, so only what it can decode is offered (see accept_encoding).
_CODINGS = ("gzip", "deflate", "br", "zstd")


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
    session.headers["Accept-Encoding"] = accept_encoding(_decodable_codings())
    # The environment's proxy and netrc settings must not change what a collection sends;
    # proxies are set per request from `options.proxy`.
    session.trust_env = False
    return session


def import_requests() -> None:
    """Import requests now (about 0.1 s), for example while a child process loads collections."""
    import requests  # noqa: F401


def accept_encoding(decodable: Iterable[str]) -> str:
    """The ``Accept-Encoding`` value offering each coding that can be decoded, gzip first."""
    available = {coding.lower() for coding in decodable}
    return ", ".join(coding for coding in _CODINGS if coding in available)


def _decodable_codings() -> tuple[str, ...]:
    """The content codings urllib3 decodes here (br needs the optional ``brotli`` package)."""
    from urllib3.response import HTTPResponse

    return tuple(HTTPResponse.CONTENT_DECODERS)


def send(
    request: OutgoingRequest,
    session: requests.Session,
    *,
    tokens: TokenCache | None = None,
) -> tuple[SentRequest, ResponseData]:
    """Send ``request`` and read the whole response; failures raise TransportError (one line).

    ``tokens`` caches OAuth2 tokens for the run; without it each request fetches its own.
    """
    import requests

    credentials, token = _oauth2_token(request, session, tokens)
    with ExitStack() as stack:
        try:
            prepared = session.prepare_request(_build(request, stack, token))
        except UnicodeEncodeError as exc:
            raise TransportError(_unsendable(exc, request)) from exc
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
            with _tls_warnings(request.verify):
                response = session.send(
                    prepared,
                    stream=True,
                    timeout=None if request.timeout is None else (request.timeout, request.timeout),
                    allow_redirects=request.follow_redirects,
                    verify=request.verify,
                    cert=_cert(request.cert),
                    proxies=_proxies(request.proxy),
                )
            with _closing(response):
                body = _read_body(response, deadline, request.timeout)
                elapsed_ms = (time.perf_counter() - started) * 1000
        except UnicodeEncodeError as exc:  # http.client sends header values as Latin-1
            raise TransportError(_unsendable(exc, request), sent=sent) from exc
        except requests.RequestException as exc:
            raise TransportError(describe_failure(exc, request), sent=sent) from exc
        except OSError as exc:
            # requests checks the `verify` and `cert` paths only now, with an OSError.
            if "TLS" in str(exc):
                raise TransportError(f"TLS error: {exc}", sent=sent) from exc
            raise TransportError(f"could not read the body file: {exc}", sent=sent) from exc
    if response.status_code == 401 and token is not None and credentials and tokens is not None:
        # The API refused the token (revoked early): the next request or retry fetches anew.
        tokens.forget(credentials, token)
    return sent, ResponseData(
        status=response.status_code,
        reason=response.reason or "",
        headers=tuple(response.headers.items()),
        body=body,
        elapsed_ms=elapsed_ms,
        url=response.url or sent.url,
        cookies=_cookies(response),
        encoding=_declared_charset(response.headers.get("Content-Type", "")),
    )


def _oauth2_token(
    request: OutgoingRequest, session: requests.Session, tokens: TokenCache | None
) -> tuple[ClientCredentials | None, Token | None]:
    """The OAuth2 token for ``request`` (from the run's cache), unless it needs none."""
    auth = request.auth
    if auth is None or auth.kind != "oauth2" or has_header(request.headers, "Authorization"):
        return None, None
    from requests.adapters import HTTPAdapter

    from runner.auth.oauth2 import BEARER, ClientCredentials, Token, TokenCache

    credentials = ClientCredentials.from_params(auth.params)
    try:
        mocked = not isinstance(session.get_adapter(credentials.token_url), HTTPAdapter)
    except ValueError:  # InvalidSchema: left to the token request to explain
        mocked = False
    if mocked:
        # Under --mock nothing leaves the process, so the token is a placeholder.
        return credentials, Token(MOCK_TOKEN, BEARER, None)
    cache = tokens if tokens is not None else TokenCache()
    token = cache.get(credentials, lambda c: _fetch_token(c, request, session))
    return credentials, token


def _fetch_token(
    credentials: ClientCredentials, request: OutgoingRequest, session: requests.Session
) -> TokenGrant:
    """POST the client credentials grant, with the request's TLS, proxy and timeout options."""
    import dataclasses

    import requests

    from runner.auth.oauth2 import parse_token_response

    try:
        with _tls_warnings(request.verify):
            response = session.post(
                credentials.token_url,
                data=credentials.form(),
                headers={
                    "Authorization": credentials.authorization(),
                    "Accept": "application/json",
                },
                timeout=None if request.timeout is None else (request.timeout, request.timeout),
                allow_redirects=False,  # a redirected POST would turn into a GET
                verify=request.verify,
                cert=_cert(request.cert),
                proxies=_proxies(request.proxy),
            )
    except requests.RequestException as exc:
        reason = describe_failure(exc, dataclasses.replace(request, url=credentials.token_url))
        raise TransportError(
            f"OAuth2 token request to {credentials.token_url} failed: {reason}"
        ) from exc
    return parse_token_response(
        credentials.token_url,
        response.status_code,
        response.reason or "",
        response.headers.get("Content-Type", ""),
        response.content,
    )


@contextmanager
def _tls_warnings(verify: bool | str) -> Iterator[None]:
    """Silence urllib3's per-request warning when the user turned verification off on purpose."""
    if verify is not False:
        yield
        return
    from urllib3.exceptions import InsecureRequestWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureRequestWarning)
        yield


@contextmanager
def _closing(response: requests.Response) -> Iterator[requests.Response]:
    try:
        yield response
    finally:
        response.close()


def _read_body(response: requests.Response, deadline: float | None, timeout: float | None) -> bytes:
    """Read the (decompressed) body, enforcing the whole-request timeout between socket reads.

    ``read1`` returns what one socket read brings, so a server that trickles bytes slowly is
    still cut off at the deadline (``iter_content`` would wait for a full chunk first).
    """
    import requests
    from urllib3.response import HTTPResponse

    raw = response.raw
    if not isinstance(raw, HTTPResponse):  # the mock adapter's in-memory body
        return response.content
    exceptions = requests.exceptions
    from urllib3 import exceptions as low

    chunks = bytearray()
    try:
        while chunk := raw.read1(_CHUNK, decode_content=True):
            chunks += chunk
            if deadline is not None and time.perf_counter() > deadline:
                raise exceptions.ReadTimeout(f"timed out after {timeout:g}s")
    except low.ReadTimeoutError as exc:
        raise exceptions.ReadTimeout(exc) from exc
    except low.SSLError as exc:
        raise exceptions.SSLError(exc) from exc
    except low.DecodeError as exc:
        raise exceptions.ContentDecodingError(exc) from exc
    except low.ProtocolError as exc:
        raise exceptions.ChunkedEncodingError(exc) from exc
    # Read to the end: hand the connection back to the pool for the next request.
    raw.release_conn()
    return bytes(chunks)


def _cookies(response: requests.Response) -> dict[str, str]:
    """Cookies set by the response, and by the redirects before it (a login that redirects)."""
    cookies: dict[str, str] = {}
    if not response.history and "set-cookie" not in response.headers:
        return cookies  # the usual case, without building a cookie jar view
    for step in (*response.history, response):
        cookies.update(step.cookies.get_dict())
    return cookies


def _build(
    request: OutgoingRequest, stack: ExitStack, token: Token | None = None
) -> requests.Request:
    import requests

    headers = dict(request.headers)
    params = dict(request.params)
    auth = None
    if request.auth is not None:
        auth = _apply_auth(request.auth, headers, params, token)
    kwargs: dict[str, Any] = {}
    body = request.body
    if body is not None:
        default_type = DEFAULT_CONTENT_TYPES.get(body.kind)
        if default_type and not has_header(headers, "Content-Type"):
            headers["Content-Type"] = default_type
        if body.kind in ("json", "graphql"):
            kwargs["data"] = _json_bytes(body.value)
        elif body.kind == "raw":
            kwargs["data"] = _raw_bytes(str(body.value), headers)
        elif body.kind == "form":
            kwargs["data"] = form_pairs(body.value)
        elif body.kind == "file":
            # A file object is streamed by requests, with Content-Length from its size.
            kwargs["data"] = stack.enter_context(Path(body.value).open("rb"))  # noqa: SIM115
        elif body.kind == "multipart":
            kwargs["data"] = _multipart(body.value, headers)
    # Given as query text: requests takes text as it is, where a dict or list (its default is
    # an empty dict) is checked against runtime Protocols, four slow checks per request.
    query = _encode_params(form_pairs(params)) if params else ""
    return requests.Request(
        request.method, request.url, headers=headers, params=query, auth=auth, **kwargs
    )


def _encode_params(pairs: list[tuple[str, Any]]) -> str:
    """Query text for ``pairs``, exactly as requests encodes a list of pairs itself."""
    from requests.models import RequestEncodingMixin

    return RequestEncodingMixin._encode_params(pairs)


def _apply_auth(
    auth: AuthSpec,
    headers: dict[str, str],
    params: dict[str, Any],
    token: Token | None = None,
) -> Any:
    """Set the auth header or query parameter; returns a requests auth object when one is needed.

    An explicit ``Authorization`` header written by the user wins over ``auth`` (and an
    explicit header or query parameter of the same name over ``apikey``).
    """
    from requests.auth import HTTPBasicAuth, HTTPDigestAuth

    values = auth.params
    user_authorization = has_header(headers, "Authorization")
    if auth.kind == "bearer":
        if not user_authorization:
            headers["Authorization"] = f"Bearer {values}"
        return None
    if auth.kind == "oauth2":
        if token is not None and not user_authorization:
            headers["Authorization"] = token.authorization()
        return None
    if auth.kind in ("basic", "digest"):
        if user_authorization:
            return None
        scheme = HTTPBasicAuth if auth.kind == "basic" else HTTPDigestAuth
        return scheme(str(values["username"]), str(values.get("password", "")))
    if auth.kind == "apikey":
        if "header" in values:
            if not has_header(headers, str(values["header"])):
                headers[str(values["header"])] = str(values["value"])
        else:
            params.setdefault(str(values["query"]), str(values["value"]))
        return None
    raise TransportError(f"auth '{auth.kind}' is not supported by this version of postrun")


def _raw_bytes(text: str, headers: Mapping[str, str]) -> bytes:
    """A raw body in the charset its Content-Type declares (UTF-8 when none)."""
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    charset = _declared_charset(content_type) or "utf-8"
    try:
        return text.encode(charset)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        raise TransportError(
            f"the raw body cannot be sent as {charset}: it contains {bad!r}"
        ) from exc


def json_text(value: Any) -> str:
    """A JSON body as postrun sends it (also what `export curl` writes)."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _json_bytes(value: Any) -> bytes:
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


def _multipart(parts: Mapping[str, Any], headers: dict[str, str]) -> bytes:
    """Encode a multipart/form-data body and set its Content-Type.

    A file part without ``content_type`` gets one guessed from its name. An explicit
    ``Content-Type`` header wins; one of ``multipart/*`` without a boundary gets the encoder's.
    """
    from urllib3.filepost import choose_boundary, encode_multipart_formdata

    fields: list[tuple[str, Any]] = []
    for name, value in parts.items():
        if isinstance(value, Mapping) and "file" in value:
            path = Path(value["file"])
            content_type = value.get("content_type") or (
                mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            )
            fields.append((name, (path.name, path.read_bytes(), content_type)))
        else:
            items = value if isinstance(value, (list, tuple)) else [value]
            fields.extend((name, form_text(item)) for item in items)
    boundary = choose_boundary()
    data, encoded_type = encode_multipart_formdata(fields, boundary=boundary)
    written = next((key for key in headers if key.lower() == "content-type"), None)
    if written is None:
        headers["Content-Type"] = encoded_type
    else:
        value = headers[written]
        if value.lower().startswith("multipart/") and "boundary=" not in value.lower():
            headers[written] = f"{value.rstrip('; ')}; boundary={boundary}"
    return data


def _cert(cert: str | tuple[str, ...] | list[str] | None) -> str | tuple[str, ...] | None:
    """``options.cert``: a path, or [cert, key] (a YAML list) as the tuple requests wants."""
    if cert is None or isinstance(cert, str):
        return cert
    return tuple(str(part) for part in cert)


def has_header(headers: Mapping[str, Any], name: str) -> bool:
    """Whether ``headers`` has ``name``, in any case."""
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


def _unsendable(exc: UnicodeEncodeError, request: OutgoingRequest) -> str:
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
