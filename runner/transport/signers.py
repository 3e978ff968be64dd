"""Signing auth from optional extras: OAuth 1.0a (``postrun[oauth1]``) and AWS Signature
Version 4 (``postrun[aws]``).

OAuth 1.0a is requests-oauthlib's ``OAuth1`` (the requests project's own binding of oauthlib,
the reference implementation of RFC 5849): it signs the method, URL, query and a form body
with HMAC-SHA1/256/512 or PLAINTEXT, with a fresh nonce and timestamp, in the Authorization
header. AWS SigV4 is requests-aws4auth's ``AWS4Auth``: a small pure-Python signer that hashes
the body and signs the host, date and payload hash (botocore's signer would do the same at
the cost of a 10 MB dependency that takes 100 ms to import). Both are imported only when a
request is signed, and the run says how to install a missing one before anything is sent.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Mapping
from typing import Any

from runner.errors import PostrunError, TransportError

# auth kind -> (the module it needs, the extra that installs it)
EXTRAS: Mapping[str, tuple[str, str]] = {
    "oauth1": ("requests_oauthlib", "oauth1"),
    "awsv4": ("requests_aws4auth", "aws"),
}
SIGNATURE_METHODS = ("HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512", "PLAINTEXT")


def check_extras(kinds: Iterable[str]) -> None:
    """An input error (exit 2) naming the extra to install when an auth kind needs one."""
    for kind in sorted(set(kinds)):
        module, extra = EXTRAS.get(kind, ("", ""))
        if module and importlib.util.find_spec(module) is None:
            raise PostrunError(
                f"auth {kind} needs the '{extra}' extra, which is not installed",
                hint=f"pip install 'postrun[{extra}]'",
            )


def signer(kind: str, values: Mapping[str, Any]) -> Any:
    """The requests auth object that signs a request for ``oauth1`` or ``awsv4``."""
    check_extras([kind])
    return _TextHeaders(_oauth1(values) if kind == "oauth1" else _awsv4(values))


class _TextHeaders:
    """Runs a signer, then gives its headers as text: requests-oauthlib sets Authorization as
    bytes, which the rest of postrun (masking, reports) reads as text."""

    __slots__ = ("inner",)

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, prepared: Any) -> Any:
        prepared = self.inner(prepared)
        for name, value in list(prepared.headers.items()):
            if isinstance(value, bytes):
                prepared.headers[name] = value.decode("latin-1")
        return prepared


def _oauth1(values: Mapping[str, Any]) -> Any:
    from requests_oauthlib import OAuth1

    method = str(values.get("signature_method") or "HMAC-SHA1").upper()
    if method not in SIGNATURE_METHODS:
        raise TransportError(
            f"oauth1 signature_method '{method}' is not supported: use "
            + ", ".join(SIGNATURE_METHODS)
        )
    return OAuth1(
        str(values["consumer_key"]),
        client_secret=str(values["consumer_secret"]),
        resource_owner_key=_optional(values, "token"),
        resource_owner_secret=_optional(values, "token_secret"),
        signature_method=method,
        realm=_optional(values, "realm"),
    )


def _awsv4(values: Mapping[str, Any]) -> Any:
    from requests_aws4auth import AWS4Auth

    return AWS4Auth(
        str(values["access_key"]),
        str(values["secret_key"]),
        str(values["region"]),
        str(values["service"]),
        session_token=_optional(values, "session_token"),
    )


def _optional(values: Mapping[str, Any], key: str) -> str | None:
    value = values.get(key)
    return str(value) if value not in (None, "") else None


def sent_credentials(kind: str, values: Mapping[str, Any]) -> tuple[str, ...]:
    """What of a signing auth goes out and must be masked where echoed: the OAuth token,
    the AWS session token (secrets themselves are never sent, only signatures)."""
    key = "token" if kind == "oauth1" else "session_token"
    value = _optional(values, key)
    return (value,) if value else ()
