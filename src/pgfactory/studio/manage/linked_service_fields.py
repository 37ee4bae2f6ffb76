"""The fields of each connector's linked service form: which typeProperties it shows, how, and when.

A field's ``name`` is its typeProperties key and also the name of the form control, so that a
fragment served elsewhere (the Azure account picker posts ``server``, ``port`` and ``database``)
fills the same definition. AzurePostgreSql shows a different set of fields per authentication
type (and, for a service principal, per credential type); the others show one set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pgfactory.models.azure_key_vault import AZURE_KEY_VAULT
from pgfactory.models.azure_postgresql import AuthenticationType, AzureCloudType, ServicePrincipalCredentialType, SslMode
from pgfactory.models.file_datasets import FILE_SERVER
from pgfactory.models.validation import AZURE_POSTGRESQL

FieldKind = Literal["text", "number", "flag", "choice", "secret", "certificate", "credential"]


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the typeProperties key and the form control's name
    label: str
    kind: FieldKind = "text"
    help: str = ""
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) of a choice
    default: str = ""  # what a new form holds
    alias: str | None = None  # another key that holds the same property (connectionTimeout's REST name, timeout)
    placeholder: str = ""


# ADF's names for the numbers sslMode takes (the model stores the numbers).
SSL_MODE_CHOICES = (
    (str(int(SslMode.DISABLE)), "Disable"), (str(int(SslMode.ALLOW)), "Allow"), (str(int(SslMode.PREFER)), "Prefer"),
    (str(int(SslMode.REQUIRE)), "Require"), (str(int(SslMode.VERIFY_CA)), "VerifyCA"),
    (str(int(SslMode.VERIFY_FULL)), "VerifyFull"),
)
AUTHENTICATION_CHOICES = (
    (AuthenticationType.BASIC.value, "Basic authentication"),
    (AuthenticationType.SERVICE_PRINCIPAL.value, "Service principal"),
    (AuthenticationType.SYSTEM_ASSIGNED_MANAGED_IDENTITY.value, "System-assigned managed identity"),
    (AuthenticationType.USER_ASSIGNED_MANAGED_IDENTITY.value, "User-assigned managed identity"),
)
CREDENTIAL_TYPE_CHOICES = (
    (ServicePrincipalCredentialType.KEY.value, "Service principal key"),
    (ServicePrincipalCredentialType.CERTIFICATE.value, "Service principal certificate"),
)
CLOUD_CHOICES = (
    (AzureCloudType.PUBLIC.value, "Azure public"), (AzureCloudType.CHINA.value, "Azure China"),
    (AzureCloudType.US_GOVERNMENT.value, "Azure US Government"), (AzureCloudType.GERMANY.value, "Azure Germany"),
)
_FLAG_CHOICES = (("", "Default"), ("true", "Yes"), ("false", "No"))

AUTHENTICATION_TYPE = "authenticationType"
CREDENTIAL_TYPE = "servicePrincipalCredentialType"
CERTIFICATE = "servicePrincipalEmbeddedCert"

_POSTGRES_ACCOUNT = (
    FieldSpec("server", "Fully qualified domain name", required=True, placeholder="myserver.postgres.database.azure.com"),
    FieldSpec("port", "Port", "number", default="5432", help="Azure Database for PostgreSQL listens on 5432."),
    FieldSpec("database", "Database name", required=True),
)
_POSTGRES_MAIN = (
    FieldSpec("sslMode", "SSL mode", "choice", choices=SSL_MODE_CHOICES, default=str(int(SslMode.PREFER)),
              help="Require encrypts; VerifyCA and VerifyFull also check the server's certificate."),
)
_USERNAME = FieldSpec("username", "User name", required=True)
_AUTHENTICATION = {
    AuthenticationType.BASIC.value: (_USERNAME, FieldSpec("password", "Password", "secret", required=True)),
    AuthenticationType.SERVICE_PRINCIPAL.value: (
        FieldSpec("username", "Service principal name", required=True,
                  help="The PostgreSQL role of the service principal: its display name."),
        FieldSpec("tenant", "Tenant", required=True, help="The tenant ID where the service principal was created."),
        FieldSpec("servicePrincipalId", "Service principal ID", required=True, help="The application (client) ID."),
        FieldSpec(CREDENTIAL_TYPE, "Service principal credential type", "choice", choices=CREDENTIAL_TYPE_CHOICES,
                  default=ServicePrincipalCredentialType.KEY.value),
    ),
    AuthenticationType.SYSTEM_ASSIGNED_MANAGED_IDENTITY.value: (),
    AuthenticationType.USER_ASSIGNED_MANAGED_IDENTITY.value: (
        FieldSpec("credential", "Credentials", "credential", required=True,
                  help="A user-assigned managed identity credential of this factory."),
    ),
}
_SERVICE_PRINCIPAL_CREDENTIAL = {
    ServicePrincipalCredentialType.KEY.value: (
        FieldSpec("servicePrincipalKey", "Service principal key", "secret", required=True,
                  help="The Value of one of the app's client secrets."),
    ),
    ServicePrincipalCredentialType.CERTIFICATE.value: (
        FieldSpec(CERTIFICATE, "Service principal certificate", "certificate", required=True,
                  help="A .pfx (PKCS#12) file with the certificate and its private key, or a .pem file holding both."),
        FieldSpec("servicePrincipalEmbeddedCertPassword", "Certificate password", "secret",
                  help="Only if the certificate file is password-protected."),
    ),
}
_CLOUD = FieldSpec("azureCloudType", "Azure cloud type", "choice", choices=CLOUD_CHOICES,
                   default=AzureCloudType.PUBLIC.value)
_POSTGRES_ADVANCED = (
    FieldSpec("schema", "Schema (search path)", help="Sets the session's search_path."),
    FieldSpec("connectionTimeout", "Connection timeout (seconds)", "number", alias="timeout",
              help="How long to wait for the server to accept a connection; default 15."),
    FieldSpec("commandTimeout", "Command timeout (seconds)", "number", help="Default 30; 0 means no limit."),
    FieldSpec("pooling", "Connection pooling", "flag", choices=_FLAG_CHOICES),
    FieldSpec("trustServerCertificate", "Trust server certificate", "flag", choices=_FLAG_CHOICES,
              help="Yes turns certificate verification off for VerifyCA and VerifyFull."),
    FieldSpec("readBufferSize", "Read buffer size (bytes)", "number"),
    FieldSpec("timezone", "Time zone", help="The session time zone, e.g. UTC or Europe/Berlin."),
    FieldSpec("encoding", "Encoding", help="The .NET encoding name of the server's text, e.g. UTF-8."),
)

_FILE_SERVER = (
    FieldSpec("host", "Host", required=True, placeholder="/srv/data",
              help="The root folder; datasets' folder paths stay inside it."),
    FieldSpec("userId", "User name"),
    FieldSpec("password", "Password", "secret"),
)
_KEY_VAULT = (
    FieldSpec("baseUrl", "Azure Key Vault base URL", required=True, placeholder="https://myvault.vault.azure.net"),
    FieldSpec("credential", "Credentials", "credential",
              help="Leave empty to read the vault with the factory's system-assigned managed identity."),
)


def account_fields(connector_type: str) -> tuple[FieldSpec, ...]:
    """The fields ADF groups under Account selection method (AzurePostgreSql only)."""
    return _POSTGRES_ACCOUNT if connector_type == AZURE_POSTGRESQL else ()


def main_fields(connector_type: str) -> tuple[FieldSpec, ...]:
    """The connector's fields other than the account, authentication and advanced ones."""
    return {AZURE_POSTGRESQL: _POSTGRES_MAIN, FILE_SERVER: _FILE_SERVER, AZURE_KEY_VAULT: _KEY_VAULT}.get(connector_type, ())


def advanced_fields(connector_type: str) -> tuple[FieldSpec, ...]:
    return _POSTGRES_ADVANCED if connector_type == AZURE_POSTGRESQL else ()


def authentication_fields(connector_type: str, authentication_type: str, credential_type: str) -> tuple[FieldSpec, ...]:
    """The fields of one authentication type (and service principal credential type), in ADF's order."""
    if connector_type != AZURE_POSTGRESQL:
        return ()
    fields = _AUTHENTICATION.get(authentication_type, ())
    if authentication_type == AuthenticationType.SERVICE_PRINCIPAL.value:
        chosen = _SERVICE_PRINCIPAL_CREDENTIAL.get(credential_type, _SERVICE_PRINCIPAL_CREDENTIAL[CREDENTIAL_TYPE_CHOICES[0][0]])
        fields = (*fields, *chosen, _CLOUD)
    return fields


def all_authentication_fields(connector_type: str) -> tuple[FieldSpec, ...]:
    """Every field some authentication type shows (each name once), the authentication type itself included."""
    if connector_type != AZURE_POSTGRESQL:
        return ()
    found: dict[str, FieldSpec] = {AUTHENTICATION_TYPE: FieldSpec(AUTHENTICATION_TYPE, "Authentication type", "choice",
                                                                  choices=AUTHENTICATION_CHOICES,
                                                                  default=AuthenticationType.BASIC.value)}
    for authentication_type, _ in AUTHENTICATION_CHOICES:
        for credential_type, _ in CREDENTIAL_TYPE_CHOICES:
            for spec in authentication_fields(connector_type, authentication_type, credential_type):
                found.setdefault(spec.name, spec)
    return tuple(found.values())


def every_field(connector_type: str) -> tuple[FieldSpec, ...]:
    """Every field the connector's form may show, each name once, in the order a new definition writes them."""
    found: dict[str, FieldSpec] = {}
    for spec in (*account_fields(connector_type), *main_fields(connector_type), *all_authentication_fields(connector_type),
                 *advanced_fields(connector_type)):
        found.setdefault(spec.name, spec)
    return tuple(found.values())
