"""Sending one request with ``requests`` and reading the whole response within its timeout
and its size limit (``options.max_body``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from typing import TYPE_CHECKING

from runner import __version__
from runner.errors import TransportError
from runner.results import ResponseData, SentRequest, StreamData
from runner.transport.body import BodyReader, BodyTooLarge
from runner.transport.build import build_request, cert_option, guard_redirects, proxies_option
from runner.transport.encoding import OutgoingRequest, body_bytes, declared_charset, has_header
from runner.transport.failures import describe_failure, unsendable
from runner.transport.oauth2 import oauth2_token
from runner.transport.tls import tls_warnings

if TYPE_CHECKING:
    import requests

    from runner.auth.oauth2 import Token, TokenCache
    from runner.transport.stream import EventCallback, StreamRead

USER_AGENT = f"postrun/{__version__}"
# Content codings in the order offered; urllib3 decodes br and zstd only when their optional
# packages are importable, so only what it can decode is offered (see accept_encoding).
_CODINGS = ("gzip", "deflate", "br", "zstd")
_RAISE_IT = "(options.max_body; --max-body to raise it)"


def new_session() -> requests.Session:
    """A session for one run: pooled connections, a cookie jar, postrun's User-Agent."""
    import requests

    return prepare_session(requests.Session())


def prepare_session(session: requests.Session) -> requests.Session:
    """Set up a session made elsewhere (Locust's ``HttpSession``) as ``new_session`` does."""
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
    clock: Callable[[], float] = time.perf_counter,
    on_event: EventCallback | None = None,
) -> tuple[SentRequest, ResponseData]:
    """Send ``request`` and read the whole response; failures raise TransportError (one line).

    ``tokens`` caches OAuth2 tokens for the run; without it each request fetches its own.
    ``clock`` measures ``elapsed_ms`` (injected by the engine); the timeout runs on real time.
    With ``request.stream``, an event stream is read event by event, each handed to
    ``on_event`` as it comes (runner.transport.stream).
    """
    import requests

    credentials, token = oauth2_token(request, session, tokens)
    with ExitStack() as stack:
        prepared, sent = _prepare(request, session, stack, token)
        started = clock()
        deadline = None if request.timeout is None else time.perf_counter() + request.timeout
        reader = _body_reader(request, prepared, deadline)
        try:
            response = _exchange(session, prepared, request)
            try:  # closed as it is read, not by a context manager: one less a request
                if request.stream is None:
                    body, streamed = reader.read(response), None
                else:
                    timing = (started, deadline, clock, on_event)
                    body, streamed = _read_stream(reader, request, response, sent, timing)
                elapsed_ms = (clock() - started) * 1000
            finally:
                response.close()
        except BodyTooLarge as exc:
            # Final, like curl's --max-filesize: the same answer would pass the limit again.
            raise TransportError(f"{exc} {_RAISE_IT}", sent=sent, retryable=False) from exc
        except UnicodeEncodeError as exc:  # http.client sends header values as Latin-1
            raise TransportError(unsendable(exc, request), sent=sent) from exc
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
    data = ResponseData(
        status=response.status_code,
        reason=response.reason or "",
        headers=tuple(response.headers.items()),
        body=body,
        elapsed_ms=elapsed_ms,
        url=response.url or sent.url,
        cookies=_cookies(response),
        encoding=declared_charset(response.headers.get("Content-Type", "")),
    )
    return sent, data if streamed is None else _stream_data(data, streamed)


def _exchange(
    session: requests.Session, prepared: requests.PreparedRequest, request: OutgoingRequest
) -> requests.Response:
    """The response, its body not yet read (the bodies of redirects read by the hooks)."""
    if request.verify is False:  # the warnings filter only then: a context manager a request
        with tls_warnings(request.verify):
            return _sent(session, prepared, request)
    return _sent(session, prepared, request)


def _sent(
    session: requests.Session, prepared: requests.PreparedRequest, request: OutgoingRequest
) -> requests.Response:
    return session.send(
        prepared,
        stream=True,
        timeout=None if request.timeout is None else (request.timeout, request.timeout),
        allow_redirects=request.follow_redirects,
        verify=request.verify,
        cert=cert_option(request.cert),
        proxies=proxies_option(request.proxy),
    )


def _prepare(
    request: OutgoingRequest, session: requests.Session, stack: ExitStack, token: Token | None
) -> tuple[requests.PreparedRequest, SentRequest]:
    """The prepared request (the session's headers and cookies merged in) and what it sends."""
    import requests

    try:
        built = build_request(request, stack, token)
        prepared = session.prepare_request(built)
    except UnicodeEncodeError as exc:
        raise TransportError(unsendable(exc, request)) from exc
    except (requests.RequestException, ValueError) as exc:  # a URL or header it cannot send
        raise TransportError(describe_failure(exc, request)) from exc
    except OSError as exc:
        raise TransportError(f"could not read the body file: {exc}") from exc
    guard_redirects(prepared, request, built.auth)
    sent = SentRequest(
        prepared.method or request.method,
        prepared.url or request.url,
        tuple(prepared.headers.items()),
        body_bytes(prepared.body),
    )
    return prepared, sent


def _body_reader(
    request: OutgoingRequest, prepared: requests.PreparedRequest, deadline: float | None
) -> BodyReader:
    """What reads the exchange's bodies: the final one, and those requests would read itself."""
    digest = request.auth is not None and request.auth.kind == "digest"
    reader = BodyReader(
        request.max_body,
        deadline,
        request.timeout,
        redirects=request.follow_redirects,
        digest=digest and not has_header(request.headers, "Authorization"),
    )
    reader.register(prepared)
    return reader


def _cookies(response: requests.Response) -> dict[str, str]:
    """Cookies set by the response, and by the redirects before it (a login that redirects)."""
    cookies: dict[str, str] = {}
    if not response.history and "set-cookie" not in response.headers:
        return cookies  # the usual case, without building a cookie jar view
    for step in (*response.history, response):
        cookies.update(step.cookies.get_dict())
    return cookies


def _read_stream(
    reader: BodyReader,
    request: OutgoingRequest,
    response: requests.Response,
    sent: SentRequest,
    timing: tuple[float, float | None, Callable[[], float], EventCallback | None],
) -> tuple[bytes, StreamRead | None]:
    """An event stream, read event by event (runner.transport.stream); any other answer to a
    stream request (an error is often plain JSON) read as a body, with no events."""
    from runner.transport.stream import StreamFailed, read_stream

    kind = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if kind != "text/event-stream":
        return reader.read(response), None
    started, deadline, clock, on_event = timing
    try:
        streamed = read_stream(
            response,
            request,
            sent,
            started=started,
            deadline=deadline,
            clock=clock,
            on_event=on_event,
        )
    except StreamFailed as exc:
        raise TransportError(exc.message, sent=sent, retryable=exc.retryable) from None
    return streamed.body, streamed


def _stream_data(data: ResponseData, streamed: StreamRead) -> StreamData:
    """``data`` as a StreamData, with the events read."""
    import dataclasses

    fields = {field.name: getattr(data, field.name) for field in dataclasses.fields(data)}
    return StreamData(
        **fields, events=tuple(streamed.events), first_event_ms=streamed.first_event_ms
    )
