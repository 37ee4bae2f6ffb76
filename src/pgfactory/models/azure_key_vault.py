"""``AzureKeyVault`` linked service typeProperties: the vault that ``AzureKeyVaultSecret`` references read.

ADF's shape (spec 1.5): ``baseUrl`` (required), and ``credential``, a reference to a Credential
resource (a user-assigned managed identity or a service principal); without it the vault is
read with the factory's own identity (the system-assigned managed identity).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from pgfactory.models.base import AdfModel
from pgfactory.models.references import CredentialReference
from pgfactory.models.values import DynamicStr, is_dynamic

AZURE_KEY_VAULT = "AzureKeyVault"


def _vault_url(value: Any) -> Any:
    if is_dynamic(value):
        return value
    parts = urlsplit(str(value))
    if parts.scheme != "https" or not parts.hostname:
        raise PydanticCustomError(
            "vault_url", "baseUrl must be the vault's https URL, e.g. https://myvault.vault.azure.net, got {value}",
            {"value": str(value)[:100]},
        )
    return value


class AzureKeyVaultTypeProperties(AdfModel):
    base_url: Annotated[DynamicStr, AfterValidator(_vault_url)]
    credential: CredentialReference | None = None
