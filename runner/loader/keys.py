"""What the format allows, as tables (FORMAT.md 1 and 2): the keys of each object the format
defines, capture forms, auth kinds and their keys, name patterns and the status range.

Public, so the editor's JSON Schema can be written from the same tables. Body kinds, check kinds,
matcher operators and type names live in ``runner.model``, next to the model that uses them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

COLLECTION_KEYS = (
    "name",
    "description",
    "variables",
    "secrets",
    "set_by_script",
    "defaults",
    "load",
    "requests",
)
# The collection's `load` mapping: settings of `postrun load` only (`run` ignores them).
LOAD_KEYS = ("thresholds",)
FOLDER_KEYS = ("name", "description", "variables", "defaults", "tags", "requests")
REQUEST_KEYS = (
    "name",
    "description",
    "method",
    "url",
    "params",
    "headers",
    "auth",
    "body",
    "assert",
    "capture",
    "options",
    "tags",
    "examples",
    "stream",
)
EXAMPLE_KEYS = ("name", "description", "status", "headers", "body", "events")
EVENT_KEYS = ("data", "event", "id", "retry", "delay_ms")
SSE_KEYS = ("join", "done", "max_events")
ENVIRONMENT_KEYS = ("name", "description", "variables", "secrets")
DEFAULTS_KEYS = ("headers", "params", "auth", "options", "assert", "stream")
OPTION_KEYS = (
    "timeout",
    "follow_redirects",
    "verify",
    "cert",
    "proxy",
    "delay_ms",
    "idle_timeout",
    "max_body",
    "skip",
    "retries",
)
RETRY_KEYS = ("count", "on", "backoff", "max_wait", "unless")
CAPTURE_FORMS = ("header", "cookie", "regex", "status", "joined")
CAPTURE_FORMS_TEXT = (
    "$.path, {header: Name}, {cookie: name}, {regex: '...'}, {status: true} or {joined: true}"
)
# auth kind -> (required keys, optional keys); bearer takes the token itself, apikey is special.
AUTH_KEYS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "basic": (("username", "password"), ()),
    "digest": (("username", "password"), ()),
    "oauth2": (("token_url", "client_id", "client_secret"), ("scope",)),
    "oauth1": (
        ("consumer_key", "consumer_secret"),
        ("token", "token_secret", "signature_method", "realm"),
    ),
    "awsv4": (("access_key", "secret_key", "region", "service"), ("session_token",)),
}
AUTH_KINDS = ("bearer", "basic", "apikey", "digest", "oauth2", "oauth1", "awsv4")

VARIABLE_NAME = re.compile(r"[A-Za-z0-9_.\-]+")
HTTP_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
STATUS_CLASS = re.compile(r"[1-5][xX][xX]")
MIN_STATUS, MAX_STATUS = 100, 599
