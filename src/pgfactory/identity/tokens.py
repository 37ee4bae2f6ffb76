"""Token providers: one per identity and scope, refreshing a few minutes before expiry.

Modelled on Dagster's ``PgTokenProvider``: the token is fetched under a lock, kept, and
replaced when less than ``refresh_margin`` seconds of life remain, so a burst of connections
makes one token request.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

from pgfactory.identity.settings import EntraSettings
from pgfactory.secrets import Secret

REFRESH_MARGIN_SECONDS = 300


@dataclass(frozen=True)
class EntraToken:
    token: Secret
    expires_on: int  # seconds since the epoch


class TokenProvider(Protocol):
    def get_token(self) -> EntraToken: ...


class CachedTokenProvider:
    """Asks ``fetch`` for a token only when the cached one is missing or about to expire."""

    def __init__(self, fetch: TokenProvider, *, refresh_margin: int = REFRESH_MARGIN_SECONDS) -> None:
        self._fetch = fetch
        self._refresh_margin = refresh_margin
        self._lock = threading.Lock()
        self._token: EntraToken | None = None

    def get_token(self) -> EntraToken:
        with self._lock:
            if self._token is None or self._token.expires_on - time.time() < self._refresh_margin:
                self._token = self._fetch.get_token()
            return self._token


_providers: dict[EntraSettings, CachedTokenProvider] = {}
_providers_lock = threading.Lock()


def token_provider_for(entra: EntraSettings) -> CachedTokenProvider:
    """The shared provider for these settings (tokens are reused across connections)."""
    from pgfactory.identity.credentials import AzureIdentityTokenSource

    with _providers_lock:
        provider = _providers.get(entra)
        if provider is None:
            provider = _providers[entra] = CachedTokenProvider(AzureIdentityTokenSource(entra))
        return provider


def clear_token_cache() -> None:
    with _providers_lock:
        _providers.clear()
