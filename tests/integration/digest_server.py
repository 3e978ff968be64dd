"""A server handler doing a real RFC 7616 digest challenge and check (MD5, qop=auth)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from werkzeug import Request, Response
from werkzeug.http import parse_dict_header


def digest_handler(
    user: str, password: str, realm: str = "postrun-test", then: Response | None = None
) -> Any:
    """A handler that challenges, then answers a request that passed (``then``, or the user)."""
    nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093"

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    def handler(request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        if header.startswith("Digest "):
            fields = parse_dict_header(header[len("Digest ") :])
            ha1 = md5(f"{fields['username']}:{realm}:{password}")
            ha2 = md5(f"{request.method}:{fields['uri']}")
            expected = md5(
                f"{ha1}:{fields['nonce']}:{fields['nc']}:{fields['cnonce']}:{fields['qop']}:{ha2}"
            )
            if fields["username"] == user and fields["response"] == expected:
                return then or Response(json.dumps({"user": user}), content_type="application/json")
        challenge = f'Digest realm="{realm}", qop="auth", nonce="{nonce}", algorithm=MD5'
        return Response("denied", status=401, headers={"WWW-Authenticate": challenge})

    return handler
