"""Secret-bearing property values: plain strings, ``SecureString`` and Key Vault references.

A ``SecureString`` never shows its value in a repr or in masked JSON; ADF masks it as ten
asterisks on every GET, and so does pgfactory wherever a definition is shown.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from pgfactory.models.base import AdfModel
from pgfactory.models.references import LinkedServiceReference
from pgfactory.models.values import DynamicStr

MASK = "**********"

# Properties whose plain-string values are secrets wherever they appear (ADF's own docs write
# them as bare strings too). A ``SecureString`` is a secret under any name.
SECRET_PROPERTIES = frozenset({
    "password",
    "servicePrincipalKey",
    "servicePrincipalEmbeddedCert",
    "servicePrincipalEmbeddedCertPassword",
    "servicePrincipalCredential",
    "accountKey",
    "sasToken",
    "sasUri",
})
# A plain-string connection string holds its secret in one of these keys (compared as drivers do:
# lower case, no spaces or underscores); the rest of the string (host, database...) is not secret.
CONNECTION_STRING_PROPERTY = "connectionString"
CONNECTION_STRING_SECRET_KEYS = frozenset({"password", "pwd", "psw", "accountkey", "sharedaccesskey"})


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
