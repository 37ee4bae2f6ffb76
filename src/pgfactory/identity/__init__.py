"""Entra ID tokens for PostgreSQL, from azure-identity, cached until shortly before expiry."""

from __future__ import annotations

from pgfactory.identity.settings import EntraSettings
from pgfactory.identity.tokens import EntraToken, TokenProvider, token_provider_for

__all__ = ["EntraSettings", "EntraToken", "TokenProvider", "token_provider_for"]
