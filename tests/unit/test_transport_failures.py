"""How transport failures read: one line each (DNS cannot be tested on loopback, so its
message is checked on the exception urllib3 raises for it)."""

from __future__ import annotations

import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError

from runner.transport import OutgoingRequest, describe_failure


def test_dns_failure_names_the_host() -> None:
    request = OutgoingRequest("GET", "https://api.nowhere.test/v1", timeout=5)
    inner = NameResolutionError("api.nowhere.test", None, OSError("Name or service not known"))  # type: ignore[arg-type]
    exc = requests.exceptions.ConnectionError(MaxRetryError(None, "/v1", inner))  # type: ignore[arg-type]
    assert describe_failure(exc, request) == "could not resolve host api.nowhere.test"


def test_invalid_url_says_what_to_write() -> None:
    request = OutgoingRequest("GET", "api.example.test/v1")
    exc = requests.exceptions.MissingSchema("No connection adapters")
    assert describe_failure(exc, request) == (
        "invalid URL 'api.example.test/v1': it must start with http:// or https://"
    )
