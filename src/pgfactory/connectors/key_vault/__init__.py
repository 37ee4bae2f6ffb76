"""Azure Key Vault: ``AzureKeyVaultSecret`` references resolved at run time with azure-keyvault-secrets."""

from __future__ import annotations

from pgfactory.connectors.key_vault.client import clear_key_vault_clients
from pgfactory.connectors.key_vault.resolver import KeyVaultSecretResolver

__all__ = ["KeyVaultSecretResolver", "clear_key_vault_clients"]
