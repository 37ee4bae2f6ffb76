"""Entra tokens for Azure SDK clients (Key Vault), through the same shared cache as PostgreSQL's.

An SDK client asks its credential for a token of the scope its service names (Key Vault's
authentication challenge says which). :class:`EntraTokenCredential` answers with azure-core's
``TokenCredential`` protocol from :func:`~pgfactory.identity.tokens.token_provider_for`, so the
token is fetched, translated on failure and refreshed exactly as for a PostgreSQL connection.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from azure.core.credentials import AccessToken

from pgfactory.identity.settings import EntraSettings
from pgfactory.identity.tokens import token_provider_for


class EntraTokenCredential:
    """azure-core's ``TokenCredential`` for the identity in ``entra``; failures raise IdentityError.

    The challenge's tenant and claims are not passed on: the identity's own tenant is the one
    its settings name, and tokens come from the shared cache.
    """

    def __init__(self, entra: EntraSettings) -> None:
        self._entra = entra

    def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
                  enable_cae: bool = False, **kwargs: Any) -> AccessToken:
        [scope] = scopes  # Azure SDK clients ask for one resource at a time
        token = token_provider_for(replace(self._entra, scope_override=scope)).get_token()
        return AccessToken(token.token.reveal(), token.expires_on)
