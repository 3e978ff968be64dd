"""Sending one request with ``requests``: the only package of the run path that imports it.

The session is injected (one per run: connection reuse and cookies across requests), so the
engine and tests decide where requests go (a real server, the ``mock`` adapter, or a session
of a front-end's own such as Locust's ``HttpSession``).

| module | what it holds |
|---|---|
| ``encoding`` | ``OutgoingRequest``; default Content-Types; JSON, form and raw body bytes (pure) |
| ``build`` | the ``requests.Request``: headers, query text, bodies, multipart, auth |
| ``credentials`` | the headers ``auth`` adds, the credentials to mask, what a redirect leaves |
| ``failures`` | one line saying why a request could not be completed |
| ``tls`` | urllib3's warning silenced when verification is off on purpose |
| ``oauth2`` | the run's OAuth2 token for a request, fetched through the session |
| ``signers`` | OAuth 1.0a and AWS SigV4 signing from optional extras (``oauth1``, ``aws``) |
| ``body`` | reading bodies within the deadline and ``max_body`` (redirects and digest too) |
| ``stream`` | ``stream: sse``: an event stream read event by event, idle timeout, limits |
| ``send`` | ``new_session`` (``prepare_session`` for one made elsewhere) and ``send`` |
| ``loopback`` | ``loopback_only``: a session that refuses hosts not on this machine (``load``) |

Who may import it: the engine (when a request is sent), runner.mock, runner.interop (export
writes bodies as they are sent) and the CLI (a session per run). It imports the model, results
and runner.auth, never the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.transport.credentials import auth_credentials
from runner.transport.encoding import (
    DEFAULT_CONTENT_TYPES,
    OutgoingRequest,
    form_pairs,
    form_text,
    has_header,
    json_text,
)
from runner.transport.failures import describe_failure
from runner.transport.oauth2 import MOCK_TOKEN
from runner.transport.send import (
    USER_AGENT,
    accept_encoding,
    import_requests,
    new_session,
    prepare_session,
    send,
)

if TYPE_CHECKING:
    from requests import Session as Session  # re-exported for type hints elsewhere

__all__ = [
    "DEFAULT_CONTENT_TYPES",
    "MOCK_TOKEN",
    "USER_AGENT",
    "OutgoingRequest",
    "accept_encoding",
    "auth_credentials",
    "describe_failure",
    "form_pairs",
    "form_text",
    "has_header",
    "import_requests",
    "json_text",
    "new_session",
    "prepare_session",
    "send",
]
