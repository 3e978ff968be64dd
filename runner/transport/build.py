"""Building the ``requests.Request`` for an OutgoingRequest: headers, query, body, auth, and
the hook that keeps credentials from following a redirect to another origin."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.errors import PostrunError, TransportError
from runner.model import AuthSpec
from runner.transport.credentials import AuthHeaders, LeaveOnRedirect, auth_headers, digest_auth
from runner.transport.encoding import (
    DEFAULT_CONTENT_TYPES,
    OutgoingRequest,
    form_pairs,
    form_text,
    has_header,
    json_bytes,
    raw_bytes,
)

if TYPE_CHECKING:
    import requests

    from runner.auth.oauth2 import Token


def build_request(
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
            kwargs["data"] = json_bytes(body.value)
        elif body.kind == "raw":
            kwargs["data"] = raw_bytes(str(body.value), headers)
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
    """The requests auth object for ``auth`` (or None); a query apikey goes into ``params``.

    An explicit ``Authorization`` header written by the user wins over ``auth`` (and an
    explicit header or query parameter of the same name over ``apikey``).
    """
    if auth.kind not in ("bearer", "oauth2", "basic", "digest", "apikey", "oauth1", "awsv4"):
        raise TransportError(f"auth '{auth.kind}' is not supported by this version of postrun")
    values = auth.params
    if auth.kind in ("oauth1", "awsv4"):
        if has_header(headers, "Authorization"):
            return None
        from runner.transport.signers import signer

        try:
            return signer(auth.kind, values)
        except PostrunError as exc:  # the extra is missing (run checks it before sending)
            raise TransportError(f"{exc.message}: {exc.hint}") from None
    if auth.kind == "digest":
        if has_header(headers, "Authorization"):
            return None
        return digest_auth(str(values["username"]), str(values.get("password", "")))
    if auth.kind == "apikey" and "header" not in values:
        params.setdefault(str(values["query"]), str(values["value"]))
        return None
    added = auth_headers(auth, headers, token)
    return AuthHeaders(added) if added else None


def guard_redirects(
    prepared: requests.PreparedRequest, request: OutgoingRequest, auth: Any
) -> None:
    """Have a redirect to another origin leave the credentials behind (runner.transport.
    credentials): every header masked by name, the apikey header, digest answers."""
    if not request.follow_redirects:
        return
    spec = request.auth
    header = spec.params.get("header") if spec is not None and spec.kind == "apikey" else None
    names = [str(header)] if header else []
    digest = auth if spec is not None and spec.kind == "digest" else None
    prepared.register_hook("response", LeaveOnRedirect(names, digest))


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


def cert_option(cert: str | tuple[str, ...] | list[str] | None) -> str | tuple[str, ...] | None:
    """``options.cert``: a path, or [cert, key] (a YAML list) as the tuple requests wants."""
    if cert is None or isinstance(cert, str):
        return cert
    return tuple(str(part) for part in cert)


def proxies_option(proxy: str | None) -> dict[str, str] | None:
    return {"http": proxy, "https": proxy} if proxy else None
