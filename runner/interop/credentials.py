"""What counts as a credential in an import, and turning literal ones into declared secrets.

``import postman`` and ``import curl`` share this so they decide alike (names such as ``api_key``
or ``Authorization``; the ``Bearer``/``Basic`` scheme word stays literal), name the new secrets
alike and word their notes alike. A ``SecretVault`` lives for one import: it hands out unique
names, remembers which value each stands for, and scrubs those values out of anything written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PLACEHOLDER", "SecretVault", "looks_secret", "secret_label", "secrets_help"]

# A postrun placeholder: a value holding one already refers to a variable or secret.
PLACEHOLDER = re.compile(r"<<[ \t]*\$?[A-Za-z0-9_.\-]+[ \t]*>>")
_SECRET_WORDS = frozenset(
    [
        "key",
        "apikey",
        "token",
        "password",
        "passwd",
        "pwd",
        "pass",
        "secret",
        "secrets",
        "auth",
        "authorization",
        "credential",
        "credentials",
        "bearer",
        "jwt",
        "session",
        "cookie",
        "private",
        "signature",
        "sig",
        "otp",
        "pin",
    ]
)
# A name ending in one of these words describes a secret without holding one (token_url).
_NOT_SECRET_TAILS = frozenset(
    [
        "url",
        "uri",
        "endpoint",
        "host",
        "domain",
        "path",
        "type",
        "name",
        "id",
        "header",
        "expiry",
        "expires",
        "ttl",
        "length",
    ]
)
_SCHEME = re.compile(r"(?i)(bearer|basic|token|digest)\s+")
# Shorter values would be replaced inside ordinary words (a password `p` in every `http`).
_MIN_SCRUB_LENGTH = 4
# Inside longer text (a URL, a body, a name) only a value this long is replaced: a short one,
# like a password `test`, would turn `api.test.com` into `api.<<BASIC_PASSWORD>>.com`. Shorter
# values are still replaced where they are a whole value (a body field, a header).
_MIN_SUBSTRING_SCRUB_LENGTH = 8


def looks_secret(name: str) -> bool:
    """True for a variable name that names a credential (``api_key``, ``accessToken`` ...)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    words = [word.lower() for word in re.split(r"[^A-Za-z0-9]+", spaced) if word]
    if not words or words[-1] in _NOT_SECRET_TAILS:
        return False
    joined = "".join(words)
    return any(word in _SECRET_WORDS for word in words) or joined in ("apikey", "accesstoken")


def secret_label(name: str) -> str:
    """The secret name for a header or parameter name: ``x-api-key`` -> ``X_API_KEY``."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper() or "SECRET"


def secrets_help(names: Iterable[str]) -> list[str]:
    """Lines telling the user which secrets to set and how; empty when there are none."""
    listed = list(dict.fromkeys(names))
    if not listed:
        return []
    return [
        "Secrets (their values were not written; set them before running):",
        *(f"  export {name}=..." for name in listed),
        "  (or put NAME=value lines in a .env file, or pass --var NAME=value)",
    ]


@dataclass(slots=True)
class SecretVault:
    """The secrets of one import: their names, the values they stand for, and notes made.

    ``taken`` holds names a new secret must not take (the variables and secrets of a file being
    extended); ``notes`` may be the importer's own list so notes keep their order.
    """

    taken: frozenset[str] = frozenset()
    notes: list[str] = field(default_factory=list)
    names: dict[str, None] = field(default_factory=dict)
    created: dict[str, None] = field(default_factory=dict)
    scrubbed: dict[str, str] = field(default_factory=dict)  # value -> name, for scrub()
    literals: dict[str, str] = field(default_factory=dict)  # value -> name, any length

    def add(self, name: str, value: Any) -> None:
        """Declare ``name``; its value, when known and long enough, is scrubbed from output."""
        self.names[name] = None
        text = "" if value is None else str(value)
        if len(text) >= _MIN_SCRUB_LENGTH:
            self.scrubbed.setdefault(text, name)

    def for_literal(self, value: str, label: str, what: str = "auth") -> str:
        """A literal credential becomes ``<<NAME>>`` of a new secret, its value left behind."""
        if not value or PLACEHOLDER.search(value):
            return value
        known = self.literals.get(value) or self.scrubbed.get(value)
        if known is not None:
            return f"<<{known}>>"
        name = label
        number = 2
        while name in self.names or name in self.taken:
            name = f"{label}_{number}"
            number += 1
        self.add(name, value)
        self.literals[value] = name
        if len(value) >= _MIN_SCRUB_LENGTH:
            self.scrubbed[value] = name
        self.created[name] = None
        self.notes.append(f"a literal credential in {what} became the secret {name}")
        return f"<<{name}>>"

    def credential(self, name: str, value: str, what: str) -> str:
        """A header or parameter named like a credential, written literally, becomes a secret.

        A leading scheme word (``Bearer``, ``Basic``, ``Token``, ``Digest``) stays literal.
        """
        if not looks_secret(name) or PLACEHOLDER.search(value):
            return value
        scheme = _SCHEME.match(value)
        prefix = scheme.group(0) if scheme else ""
        return prefix + self.for_literal(value[len(prefix) :], secret_label(name), what)

    def scrub(self, value: Any) -> Any:
        """``value`` (a string, or lists and mappings of them) with every known secret replaced."""
        if isinstance(value, str):
            if value in self.scrubbed:
                return f"<<{self.scrubbed[value]}>>"
            long_values = [
                secret for secret in self.scrubbed if len(secret) >= _MIN_SUBSTRING_SCRUB_LENGTH
            ]
            if not long_values:
                return value
            # One pass, longest first, so a placeholder put in is never matched again; and only
            # the text between placeholders, since a value may spell part of a secret's name.
            pattern = re.compile(
                "|".join(map(re.escape, sorted(long_values, key=len, reverse=True)))
            )
            pieces = re.split(f"({PLACEHOLDER.pattern})", value)
            for index in range(0, len(pieces), 2):
                pieces[index] = pattern.sub(
                    lambda match: f"<<{self.scrubbed[match.group(0)]}>>", pieces[index]
                )
            return "".join(pieces)
        if isinstance(value, dict):
            return {self.scrub(key): self.scrub(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        return value
