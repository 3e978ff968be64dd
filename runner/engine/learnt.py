"""Secrets a run learns as it goes (OAuth2 tokens, captured cookies and sensitive headers)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runner.auth import TokenCache


class RunSecrets:
    """Secrets learnt during a run, shared by every engine of it: OAuth2 tokens (with their
    cache) and captured cookies and sensitive headers. Each engine adds them to its masker
    before it emits anything else.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: tuple[str, ...] = ()
        self._cache: TokenCache | None = None

    @property
    def cache(self) -> TokenCache:
        """The run's token cache, made on first use (most runs have no OAuth2)."""
        with self._lock:
            if self._cache is None:
                from runner.auth import TokenCache

                self._cache = TokenCache(on_token=self.learn)
            return self._cache

    def learn(self, value: str) -> None:
        """Treat ``value`` as a secret from now on."""
        with self._lock:
            if value and value not in self._values:
                self._values = (*self._values, value)

    @property
    def values(self) -> tuple[str, ...]:
        return self._values
