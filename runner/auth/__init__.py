"""Authentication that needs more than a header: OAuth2 client credentials (FORMAT.md 1.7).

Simple schemes (bearer, basic, apikey, digest) are applied by ``runner.transport``; this package
holds what lives longer than one request, such as the OAuth2 token cache of a run.
"""

from __future__ import annotations

from runner.auth.oauth2 import ClientCredentials, Token, TokenCache, TokenGrant

__all__ = ["ClientCredentials", "Token", "TokenCache", "TokenGrant"]
