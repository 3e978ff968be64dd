"""OAuth2 client credentials (RFC 6749 section 4.4): the token request, its answer, the cache.

No I/O here: ``runner.transport`` posts the token request and hands the answer to
``parse_token_response``; ``TokenCache`` decides when a token must be fetched, so one run asks
the token endpoint once per (token_url, client_id, scope) and again only when the token expires.
"""

from __future__ import annotations

import base64
import json
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote_plus

from runner.errors import TransportError

# A token is renewed this long before the server says it expires, so it does not lapse in
# flight; short-lived tokens get a tenth of their lifetime instead.
REFRESH_MARGIN_SECONDS = 10.0
_MAX_DETAIL_CHARS = 200
BEARER = "Bearer"

CacheKey = tuple[str, str, str | None]


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """``auth: {oauth2: {token_url, client_id, client_secret, scope}}``, rendered."""

    token_url: str
    client_id: str
    client_secret: str
    scope: str | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ClientCredentials:
        """Build from the rendered ``auth.oauth2`` mapping (the loader checked the keys)."""
        scope = params.get("scope")
        return cls(
            token_url=str(params["token_url"]),
            client_id=str(params["client_id"]),
            client_secret=str(params["client_secret"]),
            scope=str(scope) if scope not in (None, "") else None,
        )

    @property
    def key(self) -> CacheKey:
        """What identifies a token within a run."""
        return (self.token_url, self.client_id, self.scope)

    def authorization(self) -> str:
        """The client's HTTP Basic header; RFC 6749 2.3.1 form-encodes id and secret first."""
        pair = f"{quote_plus(self.client_id)}:{quote_plus(self.client_secret)}"
        return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")

    def form(self) -> list[tuple[str, str]]:
        """The urlencoded body of the token request."""
        fields = [("grant_type", "client_credentials")]
        if self.scope is not None:
            fields.append(("scope", self.scope))
        return fields


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """A token endpoint's successful answer: the token, its type, its lifetime in seconds."""

    access_token: str
    token_type: str = BEARER
    expires_in: float | None = None


@dataclass(frozen=True, slots=True)
class Token:
    """A cached token; ``expires_at`` is on the cache's clock (None: valid for the whole run)."""

    access_token: str
    token_type: str
    expires_at: float | None

    def authorization(self) -> str:
        """The ``Authorization`` header value for API requests."""
        return f"{self.token_type} {self.access_token}"

    def valid_at(self, now: float) -> bool:
        return self.expires_at is None or now < self.expires_at


def refresh_margin(expires_in: float) -> float:
    """Seconds before expiry at which a token is renewed."""
    return min(REFRESH_MARGIN_SECONDS, expires_in / 10)


def parse_token_response(
    token_url: str, status: int, reason: str, content_type: str, body: bytes
) -> TokenGrant:
    """Read a token endpoint's answer; a failure is a one-line TransportError naming the URL."""
    fields = _fields(content_type, body)
    if not 200 <= status < 300:
        detail = f"HTTP {status} {reason}".rstrip()
        error = _one_line(fields.get("error"))
        description = _one_line(fields.get("error_description"))
        if error:
            detail += f": {error}"
        if description:
            detail += f" ({description})" if error else f": {description}"
        raise TransportError(f"OAuth2 token request to {token_url} failed: {detail}")
    token = fields.get("access_token")
    if not isinstance(token, str) or not token:
        kind = content_type.split(";", 1)[0].strip() or "no Content-Type"
        raise TransportError(
            f"OAuth2 token response from {token_url} has no access_token (HTTP {status}, {kind})"
        )
    token_type = fields.get("token_type")
    if not isinstance(token_type, str) or not token_type or token_type.lower() == "bearer":
        token_type = BEARER  # RFC 6749: the type is case-insensitive; send the usual spelling
    return TokenGrant(token, token_type, _seconds(fields.get("expires_in")))


def _fields(content_type: str, body: bytes) -> Mapping[str, Any]:
    """The answer's fields: JSON per RFC 6749, or urlencoded as some older servers send."""
    text = body.decode("utf-8", errors="replace")
    if "x-www-form-urlencoded" in content_type.lower():
        return dict(parse_qsl(text))
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _one_line(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    text = " ".join(value.split())
    return text if len(text) <= _MAX_DETAIL_CHARS else text[: _MAX_DETAIL_CHARS - 3] + "..."


class TokenCache:
    """OAuth2 tokens for one run, keyed by (token_url, client_id, scope).

    ``clock`` is injectable for tests; ``on_token`` is told every new token value, so the engine
    can mask it everywhere from then on. Safe to share between threads: concurrent requests for
    the same client wait for one fetch.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_token: Callable[[str], None] | None = None,
    ) -> None:
        self._clock = clock
        self._on_token = on_token
        self._tokens: dict[CacheKey, Token] = {}
        self._lock = threading.Lock()

    def get(
        self,
        credentials: ClientCredentials,
        fetch: Callable[[ClientCredentials], TokenGrant],
    ) -> Token:
        """The cached token when still valid, else a new one from ``fetch`` (which may raise)."""
        with self._lock:
            token = self._tokens.get(credentials.key)
            if token is not None and token.valid_at(self._clock()):
                return token
            grant = fetch(credentials)
            now = self._clock()
            expires_at = None
            if grant.expires_in is not None:
                expires_at = now + grant.expires_in - refresh_margin(grant.expires_in)
            token = Token(grant.access_token, grant.token_type, expires_at)
            if self._on_token is not None:
                # Before any other request can take the token from the cache, so no worker
                # emits a response that echoes it before it is known as a secret.
                self._on_token(token.access_token)
            self._tokens[credentials.key] = token
        return token

    def forget(self, credentials: ClientCredentials, token: Token) -> None:
        """Drop ``token`` (the API refused it) unless another request already replaced it."""
        with self._lock:
            if self._tokens.get(credentials.key) == token:
                del self._tokens[credentials.key]
