"""Postman ``auth`` -> our auth block; literal credentials become secrets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runner.interop.postman.fields import SIGNING_FIELDS, SIGNING_SECRETS, as_text
from runner.interop.postman.importer import Importer


def convert_auth(importer: Importer, auth: Mapping[str, Any], where: str) -> tuple[Any, str | None]:
    """Our auth block (or None) and the Postman auth kept as text when not translated."""
    kind = as_text(auth.get("type"))
    fields = _auth_fields(auth.get(kind))

    def value(key: str) -> str:
        return importer.convert(fields.get(key, ""), where)

    def secret(key: str, label: str) -> str:
        return importer.secret_for_literal(value(key), label)

    if kind == "bearer":
        return {"bearer": secret("token", "BEARER_TOKEN")}, None
    if kind in ("basic", "digest"):
        if kind == "digest" and any(fields.get(key) for key in ("realm", "nonce", "opaque")):
            importer.notes.append(f"digest auth of {where}: realm/nonce/opaque are negotiated")
        credentials = {
            "username": value("username"),
            "password": secret("password", f"{kind.upper()}_PASSWORD"),
        }
        return {kind: credentials}, None
    if kind == "apikey":
        place = "query" if as_text(fields.get("in")) == "query" else "header"
        return {
            "apikey": {place: value("key") or "X-API-Key", "value": secret("value", "API_KEY")}
        }, None
    if kind == "oauth2" and as_text(fields.get("grant_type")) == "client_credentials":
        oauth: dict[str, str] = {
            "token_url": value("accessTokenUrl"),
            "client_id": value("clientId"),
            "client_secret": secret("clientSecret", "OAUTH2_CLIENT_SECRET"),
        }
        if fields.get("scope"):
            oauth["scope"] = value("scope")
        return {"oauth2": oauth}, None
    if kind in SIGNING_FIELDS:
        signing = _signing(importer, kind, fields, where)
        if signing is not None:
            return signing, None
    importer.notes.append(f"auth type '{kind}' of {where} is not supported: kept as x-postman-auth")
    # The kept text names the fields, never their values (they are often credentials).
    return None, f"type: {kind}; fields: {', '.join(sorted(fields)) or '-'}"


def _signing(
    importer: Importer, kind: str, fields: dict[str, Any], where: str
) -> dict[str, Any] | None:
    """oauth1 / awsv4 (sent with the ``oauth1`` / ``aws`` extras); None when Postman's
    settings ask for what we do not do (RSA keys, parameters outside the header)."""
    method = as_text(fields.get("signatureMethod")).upper()
    if kind == "oauth1" and (
        method.startswith("RSA") or fields.get("addParamsToHeader") in (False, "false")
    ):
        importer.notes.append(
            f"oauth1 of {where} signs with an RSA key or outside the Authorization header, "
            "which postrun does not do"
        )
        return None
    params: dict[str, str] = {}
    for theirs, ours in SIGNING_FIELDS[kind].items():
        text = importer.convert(fields.get(theirs, ""), where)
        if not text or (ours == "signature_method" and text.upper() == "HMAC-SHA1"):
            continue
        params[ours] = (
            importer.secret_for_literal(text, SIGNING_SECRETS[ours])
            if ours in SIGNING_SECRETS
            else text
        )
    extra = "oauth1" if kind == "oauth1" else "aws"
    importer.notes.append(f"{kind} auth of {where} is sent with pip install 'postrun[{extra}]'")
    return {kind: params}


def _auth_fields(value: Any) -> dict[str, Any]:
    """Postman auth parameters: a list of ``{key, value}`` (v2.1) or a mapping (v2.0)."""
    if isinstance(value, dict):
        return dict(value)
    fields: dict[str, Any] = {}
    if isinstance(value, list):
        for entry in value:
            if isinstance(entry, dict) and "key" in entry:
                fields[as_text(entry["key"])] = entry.get("value")
    return fields
