"""What ``auth`` adds to a request, and what stays behind when a redirect leaves the origin.

postrun sets the headers of ``auth`` itself (Authorization for bearer, OAuth2 and basic; the
apikey header) through an auth object, so they win over a session's own ``auth`` and netrc as
requests' own auth objects do, and the engine knows the exact credential sent, to mask it
where a server echoes it.

On a redirect to another origin, ``LeaveOnRedirect`` (a response hook registered on the
prepared request, so any injected session runs it, a front-end's own hooks kept) removes every
header postrun masks by name from the request that requests copies for the next hop, and stops
digest auth from answering the new origin's challenge. Another origin is what requests'
``should_strip_auth`` decides for Authorization: the scheme, host or port changed, except
http -> https on the standard ports of the same host.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from runner.masking import SENSITIVE_HEADERS
from runner.model import AuthSpec
from runner.transport.encoding import has_header

if TYPE_CHECKING:
    import requests

    from runner.auth.oauth2 import Token


def basic_token(username: str, password: str) -> str:
    """The base64 of ``username:password``, encoded as requests' HTTPBasicAuth does (Latin-1)."""
    pair = username.encode("latin-1") + b":" + password.encode("latin-1")
    return base64.b64encode(pair).decode("ascii")


def auth_headers(
    auth: AuthSpec, headers: Mapping[str, str], token: Token | None = None
) -> dict[str, str]:
    """The headers postrun adds for ``auth`` (rendered): none that the user wrote himself.

    An explicit ``Authorization`` header wins over bearer, OAuth2 and basic, and an explicit
    header of the apikey's name over the apikey. Digest and a query apikey add no header here.
    """
    values = auth.params
    if auth.kind == "apikey":
        name = str(values.get("header") or "")
        if not name or has_header(headers, name):
            return {}
        return {name: str(values["value"])}
    if has_header(headers, "Authorization"):
        return {}
    if auth.kind == "bearer":
        return {"Authorization": f"Bearer {values}"}
    if auth.kind == "oauth2" and token is not None:
        return {"Authorization": token.authorization()}
    if auth.kind == "basic":
        username, password = str(values["username"]), str(values.get("password", ""))
        return {"Authorization": f"Basic {basic_token(username, password)}"}
    return {}


def auth_credentials(
    auth: AuthSpec | None, headers: Mapping[str, str], params: Mapping[str, Any]
) -> tuple[str, ...]:
    """The credentials postrun sends for ``auth``, to be masked wherever they show up.

    The bearer token, the base64 of a basic ``user:password`` and the apikey value, declared
    secrets or not: postrun hides them by name where it sends them (Authorization, the apikey
    header), so it hides them too where a server echoes them back. OAuth2 tokens are learnt
    when they are fetched; digest sends no reusable credential.
    """
    if auth is None:
        return ()
    if auth.kind in ("oauth1", "awsv4"):
        from runner.transport.signers import sent_credentials

        return sent_credentials(auth.kind, auth.params)
    query = auth.params.get("query") if auth.kind == "apikey" else None
    if query:
        return () if str(query) in params else (str(auth.params["value"]),)
    try:
        added = auth_headers(auth, headers)
    except UnicodeEncodeError:  # not sendable: the transport says so, and nothing goes out
        return ()
    if not added:
        return ()
    (value,) = added.values()
    credential = value if auth.kind == "apikey" else value.partition(" ")[2]
    return (credential,) if credential else ()


class AuthHeaders:
    """A requests auth object setting the headers of ``auth`` on the prepared request."""

    __slots__ = ("headers",)

    def __init__(self, headers: Mapping[str, str]) -> None:
        self.headers = dict(headers)

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        prepared.headers.update(self.headers)
        return prepared


def digest_auth(username: str, password: str) -> Any:
    """requests' HTTPDigestAuth, answering challenges until a redirect leaves the origin."""
    return _digest_class()(username, password)


@functools.cache
def _digest_class() -> type:
    from requests.auth import HTTPDigestAuth

    class OriginDigestAuth(HTTPDigestAuth):
        """Digest auth that answers no challenge once a redirect has left the first origin."""

        left_origin = False

        def handle_401(self, r: requests.Response, **kwargs: Any) -> requests.Response:
            if self.left_origin:
                return r
            return super().handle_401(r, **kwargs)

    return OriginDigestAuth


class LeaveOnRedirect:
    """A response hook: a redirect to another origin takes none of the credentials along."""

    __slots__ = ("digest", "names")

    def __init__(self, extra_names: Iterable[str] = (), digest: Any = None) -> None:
        self.names = SENSITIVE_HEADERS | {name.lower() for name in extra_names}
        self.digest = digest  # the request's digest auth (digest_auth), if any

    def __call__(self, response: requests.Response, **kwargs: Any) -> None:
        if not response.is_redirect:
            return  # the usual case
        from requests.sessions import SessionRedirectMixin

        location = SessionRedirectMixin().get_redirect_target(response)
        if not location or not _leaves_origin(str(response.url), location):
            return
        if self.digest is not None:
            self.digest.left_origin = True
        # requests builds the next hop from a copy of the request just sent (and, after a
        # digest challenge, from the request before it, kept in the history).
        for step in (response, *response.history):
            headers = step.request.headers
            for name in [name for name in headers if name.lower() in self.names]:
                del headers[name]


def _leaves_origin(url: str, location: str) -> bool:
    """Whether following ``location`` from ``url`` goes to another origin, as requests decides
    for Authorization (``Session.should_strip_auth``); a Location it cannot read leaves too."""
    from requests.sessions import SessionRedirectMixin

    try:
        return SessionRedirectMixin().should_strip_auth(url, urljoin(url, location))
    except ValueError:  # an unparsable host or port
        return True
