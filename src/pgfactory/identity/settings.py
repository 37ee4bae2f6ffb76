"""What an Entra-authenticated linked service needs to get a token, fully resolved."""

from __future__ import annotations

from dataclasses import dataclass

from pgfactory.identity.clouds import AzureCloud
from pgfactory.models.azure_postgresql import AuthenticationType, ServicePrincipalCredentialType
from pgfactory.secrets import Secret


@dataclass(frozen=True)
class EntraSettings:
    authentication_type: AuthenticationType
    cloud: AzureCloud
    tenant: str | None = None
    service_principal_id: str | None = None
    credential_type: ServicePrincipalCredentialType | None = None
    service_principal_key: Secret | None = None
    certificate: Secret | None = None  # base64 PFX, as servicePrincipalEmbeddedCert holds it
    certificate_password: Secret | None = None
    managed_identity_client_id: str | None = None
    managed_identity_resource_id: str | None = None
    scope_override: str | None = None  # a token for another resource than PostgreSQL (Key Vault)

    @property
    def scope(self) -> str:
        return self.scope_override or self.cloud.postgres_scope
