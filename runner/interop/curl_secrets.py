"""Credentials in an imported curl request become placeholders of new secrets."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from runner.interop.credentials import PLACEHOLDER, SecretVault


def secure_request(
    request: dict[str, Any], vault: SecretVault, warnings: list[str]
) -> dict[str, Any]:
    """``request`` with each literal credential replaced by the placeholder of a new secret.

    The same rules as ``import postman``: auth passwords and tokens, and headers and query
    parameters named like a credential; then the values found are scrubbed from every other
    string (a token repeated in the URL or the body).
    """
    secured = dict(request)
    _url_credentials(secured, warnings)
    headers = dict(secured.get("headers") or {})
    if "auth" not in secured:
        _basic_header_to_auth(secured, headers)
    auth = secured.get("auth")
    if isinstance(auth, dict) and "bearer" in auth:
        secured["auth"] = {
            "bearer": vault.for_literal(auth["bearer"], "BEARER_TOKEN", "the bearer token")
        }
    elif isinstance(auth, dict):
        ((kind, fields),) = auth.items()
        password = vault.for_literal(
            fields["password"], f"{kind.upper()}_PASSWORD", f"the {kind} auth password"
        )
        secured["auth"] = {kind: {**fields, "password": password}}
    secured.pop("headers", None)
    if headers:
        secured["headers"] = {
            name: vault.credential(name, value, f"header {name}") for name, value in headers.items()
        }
    params = secured.get("params")
    if params:
        secured["params"] = {
            name: [vault.credential(name, item, f"query parameter {name}") for item in value]
            if isinstance(value, list)
            else vault.credential(name, value, f"query parameter {name}")
            for name, value in params.items()
        }
    proxy = (secured.get("options") or {}).get("proxy")
    if isinstance(proxy, str):
        stripped = _without_userinfo(proxy)
        if stripped != proxy:
            secured["options"] = {**secured["options"], "proxy": stripped}
            warnings.append(
                "-x: the proxy's user and password were left out of the file; "
                "give them when running: postrun run --proxy URL"
            )
    scrubbed: dict[str, Any] = vault.scrub(secured)
    # Keys in the order build_request writes them, whatever was added or removed here.
    order = ("name", "method", "url", "params", "headers", "auth", "body", "options")
    rank = {key: index for index, key in enumerate(order)}
    return {key: scrubbed[key] for key in sorted(scrubbed, key=lambda key: rank.get(key, 99))}


def _url_credentials(request: dict[str, Any], warnings: list[str]) -> None:
    """``https://user:pw@host/`` is basic auth to curl: it becomes ``auth`` (-u wins over it)."""
    from urllib.parse import unquote

    url = str(request["url"])
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    if "@" not in parts.netloc or parts.password is None:
        return
    request["url"] = _without_userinfo(url)
    if "auth" in request:
        warnings.append("the user and password in the URL were left out; -u gives the login")
        return
    username, password = unquote(parts.username or ""), unquote(parts.password)
    request["auth"] = {"basic": {"username": username, "password": password}}


def _without_userinfo(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _basic_header_to_auth(request: dict[str, Any], headers: dict[str, str]) -> None:
    """``Authorization: Basic <base64 of user:pw>`` becomes ``auth: {basic: ...}``, as -u would.

    Only when the login is plain ASCII, so that the header postrun sends is the same bytes.
    """
    import base64
    import binascii

    for name, value in headers.items():
        if name.lower() != "authorization":
            continue
        scheme, _, encoded = value.strip().partition(" ")
        if scheme.lower() != "basic" or PLACEHOLDER.search(encoded):
            return
        try:
            login = base64.b64decode(encoded.strip(), validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError):
            return
        username, colon, password = login.partition(":")
        if not colon or not login.isprintable():
            return
        del headers[name]
        request["auth"] = {"basic": {"username": username, "password": password}}
        return
