"""OAuth2 client credentials for a request: the run's cached token, fetched through the session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.errors import TransportError
from runner.transport.body import BodyTooLarge, read_body
from runner.transport.build import cert_option, proxies_option
from runner.transport.encoding import OutgoingRequest, has_header
from runner.transport.failures import describe_failure
from runner.transport.tls import tls_warnings

if TYPE_CHECKING:
    import requests

    from runner.auth.oauth2 import ClientCredentials, Token, TokenCache, TokenGrant

MOCK_TOKEN = "mock-oauth2-token"  # noqa: S105 -- the stand-in token under --mock
# A token response is a few KiB of JSON; far more is a server to stop reading from.
TOKEN_BODY_LIMIT = 1024 * 1024


def oauth2_token(
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
    import time
    from contextlib import closing

    import requests

    from runner.auth.oauth2 import parse_token_response

    timeout = request.timeout
    deadline = None if timeout is None else time.perf_counter() + timeout
    failed = f"OAuth2 token request to {credentials.token_url} failed"
    try:
        with tls_warnings(request.verify):
            response = session.post(
                credentials.token_url,
                data=credentials.form(),
                headers={
                    "Authorization": credentials.authorization(),
                    "Accept": "application/json",
                },
                stream=True,  # read below within the deadline and TOKEN_BODY_LIMIT
                timeout=None if timeout is None else (timeout, timeout),
                allow_redirects=False,  # a redirected POST would turn into a GET
                verify=request.verify,
                cert=cert_option(request.cert),
                proxies=proxies_option(request.proxy),
            )
        with closing(response):
            body = read_body(response, TOKEN_BODY_LIMIT, deadline, timeout)
    except BodyTooLarge as exc:
        raise TransportError(f"{failed}: {exc}", retryable=False) from exc
    except requests.RequestException as exc:
        reason = describe_failure(exc, dataclasses.replace(request, url=credentials.token_url))
        raise TransportError(f"{failed}: {reason}") from exc
    return parse_token_response(
        credentials.token_url,
        response.status_code,
        response.reason or "",
        response.headers.get("Content-Type", ""),
        body,
    )
