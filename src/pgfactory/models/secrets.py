"""Secret-bearing property values: plain strings, ``SecureString`` and Key Vault references.

A ``SecureString`` never shows its value in a repr or in masked JSON; ADF masks it as ten
asterisks on every GET, and so does pgfactory wherever a definition is shown.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from pgfactory.models.base import AdfModel
from pgfactory.models.references import LinkedServiceReference
from pgfactory.models.values import DynamicStr

MASK = "**********"


class SecureString(AdfModel):
    type: Literal["SecureString"]
    value: str = Field(repr=False)

    def __repr__(self) -> str:
        return f"SecureString(value={MASK!r})"


class AzureKeyVaultSecretReference(AdfModel):
    type: Literal["AzureKeyVaultSecret"]
    store: LinkedServiceReference
    secret_name: DynamicStr
    secret_version: DynamicStr | None = None


SecretBase = Annotated[SecureString | AzureKeyVaultSecretReference, Field(discriminator="type")]
# Real definitions also put secrets in bare strings (ADF's own docs do); those are masked too.
SecretValue = SecretBase | str


def mask_secret_json(value: Any) -> Any:
    """The JSON form of a secret property with its clear text replaced by the mask."""
    if isinstance(value, dict):
        if value.get("type") == "SecureString":
            return {**value, "value": MASK}
        return value  # a Key Vault reference holds no secret
    if isinstance(value, str):
        return MASK
    return value
