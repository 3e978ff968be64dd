"""The one place that knows what a secret is and how to hide it (FORMAT.md section 3).

The engine masks everything it emits, so reporters only ever see masked data. A declared secret
is hidden as written and in every spelling that still gives it away: URL-encoded, JSON-escaped,
re-read in another charset, and base64-encoded (alone or inside longer base64, as in an echoed
``Authorization: Basic`` header). Secrets learnt during a run (OAuth2 tokens, captured cookies,
the credentials postrun builds from ``auth``) are hidden in their text spellings.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import quote, quote_plus

MASK = "****"
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "apikey", "x-api-key"}
)
# Below this length a secret would match inside ordinary words, so it is only masked whole.
MIN_MASKABLE_LENGTH = 4
# Base64 fragments of a secret shorter than this are not masked: 6 characters carry 36 bits of
# the secret (4.5 of its bytes, more than the 4 characters below which a secret itself is only
# masked whole), so a shorter run of letters and digits would match unrelated text by chance.
MIN_BASE64_FRAGMENT = 6
_URL_SAFE = str.maketrans("+/", "-_")
# From this length on, a text is first searched for a declared secret's base64 forms one by one
# (Masker.text): below it, the one regex costs no more than the search.
_GATED_LENGTH = 96
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
    declared: frozenset[str] = frozenset()  # the values whose base64 forms are hidden too
    # The text spellings alone, and the base64 forms: ``text_pattern`` serves any text in
    # which no base64 form occurs (the usual case), since ``pattern`` then finds the same.
    text_pattern: re.Pattern[str] | None = None
    base64_forms: tuple[str, ...] = ()

    @classmethod
    def create(
        cls,
        secrets: Iterable[str],
        *,
        learnt: Iterable[str] = (),
        extra_sensitive_headers: Iterable[str] = (),
        enabled: bool = True,
    ) -> Masker:
        """Build a masker for the declared ``secrets`` (all their spellings, base64 included)
        and for values ``learnt`` during the run (their text spellings)."""
        declared = {str(value) for value in secrets if str(value)}
        values = declared | {str(value) for value in learnt if str(value)}
        long_values = {value for value in values if len(value) >= MIN_MASKABLE_LENGTH}
        spellings = set(long_values)
        encoded: set[str] = set()
        for value in long_values:
            spellings.update(_spellings(value))
            if value in declared:
                encoded.update(base64_spellings(value))
        headers = SENSITIVE_HEADERS | {name.lower() for name in extra_sensitive_headers}
        short = tuple(sorted(values - long_values))
        return cls(
            frozenset(values),
            headers,
            _alternation(spellings | encoded),
            enabled,
            short,
            frozenset(declared),
            _alternation(spellings) if encoded - spellings else None,
            _innermost(encoded - spellings),
        )

    def with_secrets(self, values: Iterable[str]) -> Masker:
        """A masker that also hides ``values`` (secrets learnt during the run: OAuth2 tokens,
        cookies, the credentials built from ``auth``)."""
        learnt = [str(value) for value in values if str(value) not in self.whole_values]
        if not any(learnt):
            return self  # nothing new (a credential that is also a declared secret): no rebuild
        return Masker.create(
            self.declared,
            learnt=[*(self.whole_values - self.declared), *learnt],
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
        return self._pattern_for(value).sub(MASK, value) if self.pattern is not None else value

    def _pattern_for(self, text: str) -> re.Pattern[str]:
        """The one regex, or the text spellings alone when no base64 form is in ``text``.

        A declared secret's base64 fragments are plain letters and digits, which the one regex
        tries at nearly every character; a substring test per form, in C, rules them out at a
        fraction of that. The results are the same: without a base64 form in the text, only
        text spellings can match, and they are tried in the same order (longest first). Short
        texts (a URL, a check's description) go to the one regex, which is as quick there.
        """
        if self.text_pattern is None or len(text) < _GATED_LENGTH:
            return cast("re.Pattern[str]", self.pattern)
        for form in self.base64_forms:  # a loop, not any(): no generator set up per text
            if form in text:
                return cast("re.Pattern[str]", self.pattern)
        return self.text_pattern

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
        masked = self._pattern_for(text).sub(MASK, text)
        if masked == text:
            return data
        return masked.encode("utf-8", errors="surrogateescape")


def _innermost(forms: set[str]) -> tuple[str, ...]:
    """The forms that hold no other one: a text holds some form exactly when it holds one of
    these (``abc`` and ``abc==``: testing ``abc`` alone tells)."""
    shortest_first = sorted(forms, key=len)
    kept: list[str] = []
    for form in shortest_first:
        if not any(inner in form for inner in kept):
            kept.append(form)
    return tuple(kept)


def _alternation(spellings: set[str]) -> re.Pattern[str] | None:
    """One regex for all ``spellings``, longest first, so a secret that contains another is
    replaced whole; None when there are none."""
    ordered = sorted(spellings, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None


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
        json.dumps(value)[1:-1].replace("/", "\\/"),  # PHP's json_encode escapes "/"
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


def base64_spellings(value: str) -> set[str]:
    """The base64 forms of a secret: alone, and the part of it that is the same inside longer
    base64 (``user:secret`` in an echoed Basic header), in the standard and URL-safe alphabets.

    Base64 writes each 3 bytes as 4 characters, so inside longer data the secret starts 0, 1 or 2
    bytes into a group and is written one of three ways. Each way, the characters made of the
    secret's bits alone do not depend on what surrounds it; the one or two at each edge do, and
    are left. Forms shorter than MIN_BASE64_FRAGMENT are left too (a 4-character secret has no
    such fragment: only its encoding alone is hidden).
    """
    forms: set[str] = set()
    for data in _byte_forms(value):
        alone = base64.b64encode(data).decode("ascii")
        forms.update((alone, alone.rstrip("=")))
        for offset in range(3):
            encoded = base64.b64encode(bytes(offset) + data + bytes(2)).decode("ascii")
            first = -(-8 * offset // 6)  # the first character with none of the offset's bits
            forms.add(encoded[first : (8 * (offset + len(data))) // 6])
    forms = {form for form in forms if len(form) >= MIN_BASE64_FRAGMENT}
    forms.update([form.translate(_URL_SAFE) for form in forms])
    # In a URL "+", "/" and "=" are percent-encoded; some JSON encoders (PHP's) write "/" as "\/".
    forms.update([quote(form, safe="") for form in forms])
    forms.update([form.replace("/", "\\/") for form in forms if "/" in form])
    return forms


def _byte_forms(value: str) -> list[bytes]:
    """The bytes a secret is sent as: UTF-8, and Latin-1 (how HTTP headers and requests' Basic
    auth encode text) where that differs."""
    forms = [value.encode("utf-8", errors="surrogatepass")]
    with contextlib.suppress(UnicodeError):
        latin = value.encode("latin-1")
        if latin != forms[0]:
            forms.append(latin)
    return forms


NO_MASKING = Masker(enabled=False)
