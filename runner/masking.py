"""The one place that knows what a secret is and how to hide it (FORMAT.md section 3).

The engine masks everything it emits, so reporters only ever see masked data.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "****"
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "apikey", "x-api-key"}
)
# Below this length a secret would match inside ordinary words, so it is only masked whole.
MIN_MASKABLE_LENGTH = 4
# Authorization schemes are kept so "Bearer ****" still tells what was sent.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)\s+\S")


@dataclass(frozen=True, slots=True)
class Masker:
    """Replaces secret values by ``****`` in text, headers, URLs and JSON-like values."""

    whole_values: frozenset[str] = frozenset()
    sensitive_headers: frozenset[str] = SENSITIVE_HEADERS
    pattern: re.Pattern[str] | None = None
    enabled: bool = True
    short_secrets: tuple[str, ...] = field(default=())

    @classmethod
    def create(
        cls,
        secrets: Iterable[str],
        *,
        extra_sensitive_headers: Iterable[str] = (),
        enabled: bool = True,
    ) -> Masker:
        """Build a masker for these secret values; URL-encoded spellings are hidden too."""
        values = {str(value) for value in secrets if str(value)}
        long_values = {value for value in values if len(value) >= MIN_MASKABLE_LENGTH}
        spellings = set(long_values)
        for value in long_values:
            spellings.update(_spellings(value))
        # Longest first, so a secret that contains another is replaced whole.
        ordered = sorted(spellings, key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        headers = SENSITIVE_HEADERS | {name.lower() for name in extra_sensitive_headers}
        short = tuple(sorted(values - long_values))
        return cls(frozenset(values), headers, pattern, enabled, short)

    def with_secrets(self, values: Iterable[str]) -> Masker:
        """A masker that also hides ``values`` (secrets found during the run: OAuth2 tokens)."""
        return Masker.create(
            [*self.whole_values, *values],
            extra_sensitive_headers=self.sensitive_headers - SENSITIVE_HEADERS,
            enabled=self.enabled,
        )

    @property
    def active(self) -> bool:
        return self.enabled and bool(self.whole_values)

    def text(self, value: str) -> str:
        """Hide every secret inside free text (URLs, bodies, messages)."""
        if not self.enabled:
            return value
        if value in self.whole_values:
            return MASK
        if self.pattern is None:
            return value
        return self.pattern.sub(MASK, value)

    def header(self, name: str, value: str) -> str:
        """Hide a header value: sensitive ones whole (keeping the auth scheme), others' secrets."""
        if not self.enabled:
            return value
        if name.lower() in self.sensitive_headers and value:
            scheme = _SCHEME.match(value)
            if scheme and name.lower() in ("authorization", "proxy-authorization"):
                return f"{scheme.group(1)} {MASK}"
            return MASK
        return self.text(value)

    def headers(self, pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        """Mask a list of header pairs."""
        return tuple((name, self.header(name, value)) for name, value in pairs)

    def value(self, data: Any) -> Any:
        """Mask strings anywhere in a JSON-like value (mapping keys included)."""
        if not self.active:
            return data
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, Mapping):
            return {self.text(str(key)): self.value(item) for key, item in data.items()}
        if isinstance(data, (list, tuple)):
            return [self.value(item) for item in data]
        return data

    def body(self, data: bytes) -> bytes:
        """Mask a body given as bytes (decoded as UTF-8; undecodable bytes are kept)."""
        if not self.active or self.pattern is None:
            return data
        text = data.decode("utf-8", errors="surrogateescape")
        masked = self.pattern.sub(MASK, text)
        if masked == text:
            return data
        return masked.encode("utf-8", errors="surrogateescape")


def _spellings(value: str) -> set[str]:
    """How a secret may appear once it is written into a URL, JSON, a repr or a raw header.

    A secret with ``"``, ``\\`` or non-ASCII characters is escaped in a JSON body or a Python
    repr (error messages quote URLs with ``!r``), and header bytes change meaning between UTF-8
    and Latin-1: each spelling gives the secret away as surely as the value itself.
    """
    forms = {
        value,
        quote(value, safe=""),
        quote_plus(value),
        quote(value),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
    }
    with contextlib.suppress(UnicodeError):
        forms.add(value.encode("utf-8").decode("latin-1"))
    with contextlib.suppress(UnicodeError):
        # A header is sent as Latin-1; echoed back in a body, it is read as UTF-8.
        latin = value.encode("latin-1")
        forms.add(latin.decode("utf-8", errors="replace"))
        forms.add(latin.decode("utf-8", errors="surrogateescape"))
    return {form for form in forms if form}


NO_MASKING = Masker(enabled=False)
