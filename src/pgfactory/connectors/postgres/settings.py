"""Resolve an ``AzurePostgreSql`` linked service into concrete connection settings.

Resolution evaluates expressions (``@linkedService().x``) against the linked service's
parameters, turns secrets into :class:`~pgfactory.secrets.Secret`, follows the credential
reference of a user-assigned managed identity, applies ADF's defaults, and upgrades a 1.0
definition on the fly. Nothing is contacted here.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pgfactory.connectors.key_vault import KeyVaultSecretResolver
from pgfactory.errors import DefinitionError
from pgfactory.expressions import ExpressionContext, evaluate_value
from pgfactory.identity.clouds import CLOUDS, DEFAULT_CLOUD
from pgfactory.identity.settings import EntraSettings
from pgfactory.models.azure_postgresql import (
    AuthenticationType,
    AzureCloudType,
    AzurePostgreSqlTypeProperties,
    ServicePrincipalCredentialType,
    SslMode,
    is_version_2,
)
from pgfactory.models.factory import Factory, ResourceKind
from pgfactory.models.linked_service import LinkedServiceResource, parameter_values
from pgfactory.models.problems import problems_from_validation_error
from pgfactory.models.resources import ManagedIdentityCredentialTypeProperties
from pgfactory.secrets import Secret, resolve_secret
from pgfactory.secrets.resolver import KeyVaultResolver

LINKED_SERVICE_TYPE = "AzurePostgreSql"
DEFAULT_PORT = 5432
DEFAULT_CONNECT_TIMEOUT = 15  # seconds; Npgsql's default, which ADF inherits
DEFAULT_COMMAND_TIMEOUT = 30  # seconds; 0 means no limit
_NO_ROOT_CERTIFICATE = "/nonexistent/pgfactory-trust-server-certificate/root.crt"

# .NET encoding names (ADF's ``encoding``) to PostgreSQL client_encoding names.
_CLIENT_ENCODINGS = {
    "utf-8": "UTF8", "utf8": "UTF8", "unicode": "UTF8",
    "iso-8859-1": "LATIN1", "latin1": "LATIN1", "iso-8859-2": "LATIN2", "iso-8859-5": "ISO_8859_5",
    "iso-8859-15": "LATIN9", "windows-1250": "WIN1250", "windows-1251": "WIN1251",
    "windows-1252": "WIN1252", "windows-1253": "WIN1253", "windows-1254": "WIN1254",
    "windows-1255": "WIN1255", "windows-1256": "WIN1256", "windows-1257": "WIN1257",
    "windows-1258": "WIN1258", "koi8-r": "KOI8R", "koi8-u": "KOI8U", "euc-jp": "EUC_JP",
    "euc-kr": "EUC_KR", "gb18030": "GB18030", "gb2312": "EUC_CN", "big5": "BIG5",
    "shift_jis": "SJIS", "shift-jis": "SJIS", "us-ascii": "SQL_ASCII", "ascii": "SQL_ASCII",
}


@dataclass(frozen=True)
class PostgresConnectionSettings:
    """Everything needed to open a connection; secrets stay wrapped until the driver call."""

    linked_service: str
    host: str
    port: int
    database: str
    username: str | None
    authentication_type: AuthenticationType
    ssl_mode: SslMode
    trust_server_certificate: bool = False
    connect_timeout: int = DEFAULT_CONNECT_TIMEOUT
    command_timeout: int = DEFAULT_COMMAND_TIMEOUT
    search_path: str | None = None
    timezone: str | None = None
    client_encoding: str | None = None
    pooling: bool = True
    read_buffer_size: int | None = None
    password: Secret | None = None
    entra: EntraSettings | None = None
    ssl_root_cert: Path | None = None

    @property
    def effective_ssl_mode(self) -> SslMode:
        """The mode libpq is given: ``trustServerCertificate`` turns verification off."""
        if self.trust_server_certificate and self.ssl_mode >= SslMode.VERIFY_CA:
            return SslMode.REQUIRE
        return self.ssl_mode

    def libpq_params(self, password: Secret | None) -> dict[str, Any]:
        """Keyword arguments for ``psycopg.connect``; ``password`` is revealed here and only here."""
        mode = self.effective_ssl_mode
        params: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "dbname": self.database,
            "sslmode": mode.libpq_name,
            "connect_timeout": max(self.connect_timeout, 2) if self.connect_timeout else 0,
            "application_name": f"pgfactory:{self.linked_service}"[:63],
        }
        if self.username:
            params["user"] = self.username
        if password is not None:
            params["password"] = password.reveal()
        if mode >= SslMode.VERIFY_CA and self.ssl_root_cert is not None:
            params["sslrootcert"] = str(self.ssl_root_cert)
        elif self.trust_server_certificate and mode is SslMode.REQUIRE:
            # libpq's require still verifies when a root file exists (PGSSLROOTCERT, ~/.postgresql);
            # a root file that does not exist is libpq's own way to say "verify nothing".
            params["sslrootcert"] = _NO_ROOT_CERTIFICATE
        options = []
        if self.search_path:
            options.append(f"-c search_path={_escape_option(self.search_path)}")
        if self.timezone:
            options.append(f"-c TimeZone={_escape_option(self.timezone)}")
        if self.command_timeout:
            options.append(f"-c statement_timeout={self.command_timeout * 1000}")
        if options:
            params["options"] = " ".join(options)
        if self.client_encoding:
            params["client_encoding"] = self.client_encoding
        return params


def _escape_option(value: str) -> str:
    # libpq's options string splits on spaces; a backslash keeps one inside a value.
    return value.replace("\\", "\\\\").replace(" ", "\\ ")


def default_ssl_root_cert() -> Path | None:
    """Where verify-ca/verify-full find trusted roots: libpq's PGSSLROOTCERT, then
    ``~/.postgresql/root.crt``, then the operating system's CA bundle."""
    configured = os.environ.get("PGSSLROOTCERT")
    if configured:
        return Path(configured)
    home_root = Path.home() / ".postgresql" / "root.crt"
    if home_root.exists():
        return home_root
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    return None


def parse_type_properties(resource: LinkedServiceResource, *, file: str | None = None) -> AzurePostgreSqlTypeProperties:
    """The typed v2.0 typeProperties, upgrading a 1.0 definition first."""
    if resource.properties.type != LINKED_SERVICE_TYPE:
        raise DefinitionError(
            f"linked service type {resource.properties.type!r} is not supported here; expected {LINKED_SERVICE_TYPE}",
            file=file, resource=resource.name, property_path="properties.type",
            code="UserErrorUnsupportedLinkedServiceType",
        )
    if not is_version_2(resource.properties.version):
        from pgfactory.connectors.postgres.upgrade import upgrade_linked_service

        resource = upgrade_linked_service(resource).linked_service
    try:
        return AzurePostgreSqlTypeProperties.model_validate(resource.properties.type_properties)
    except ValidationError as error:
        problems = problems_from_validation_error(
            error, file=file or "", resource=resource.name, prefix="properties.typeProperties"
        )
        first = problems[0]
        more = f" (and {len(problems) - 1} more; run 'pgfactory validate')" if len(problems) > 1 else ""
        raise DefinitionError(first.message + more, file=file, resource=resource.name,
                              property_path=first.property_path) from None


def resolve_connection_settings(
    resource: LinkedServiceResource,
    *,
    factory: Factory | None = None,
    parameters: dict[str, Any] | None = None,
    key_vault: KeyVaultResolver | None = None,
) -> PostgresConnectionSettings:
    """Concrete settings for ``resource``; ``parameters`` override the declared defaults.

    Key Vault references are read through ``key_vault``, by default through the factory's
    ``AzureKeyVault`` linked services.
    """
    file = factory.file_of(ResourceKind.LINKED_SERVICE, resource.name) if factory else None
    if key_vault is None and factory is not None:
        key_vault = KeyVaultSecretResolver(factory)
    props = parse_type_properties(resource, file=file)
    scope = ExpressionContext(
        linked_service_parameters=parameter_values(resource, parameters or {}, file=file), resource=resource.name
    )

    def value(name: str, raw: Any) -> Any:
        try:
            return evaluate_value(raw, scope)
        except DefinitionError as error:
            raise DefinitionError(error.detail, file=file, resource=resource.name,
                                  property_path=f"properties.typeProperties.{name}", code=error.code) from None

    def text(name: str, raw: Any) -> str | None:
        resolved = value(name, raw)
        return None if resolved is None else str(resolved)

    def number(name: str, raw: Any, default: int) -> int:
        resolved = value(name, raw)
        if resolved is None or resolved == "":
            return default
        try:
            return int(str(resolved).strip())
        except ValueError:
            raise DefinitionError(f"must be a whole number, got {resolved!r}", file=file, resource=resource.name,
                                  property_path=f"properties.typeProperties.{name}") from None

    def flag(name: str, raw: Any, default: bool) -> bool:
        resolved = value(name, raw)
        if resolved is None:
            return default
        return resolved if isinstance(resolved, bool) else str(resolved).strip().lower() == "true"

    def secret(name: str, raw: Any) -> Secret | None:
        if raw is None:
            return None
        return resolve_secret(raw, property_name=name, evaluate=lambda item: value(name, item), key_vault=key_vault)

    host = text("server", props.server) or ""
    port = number("port", props.port, 0)
    if ":" in host and host.count(":") == 1 and not port:  # "server" may carry the port
        host, _, port_text = host.partition(":")
        port = number("server", port_text, DEFAULT_PORT)
    port = port or DEFAULT_PORT
    ssl_mode_number = number("sslMode", props.ssl_mode, SslMode.PREFER)
    if ssl_mode_number not in SslMode._value2member_map_:
        raise DefinitionError(f"sslMode must be 0 to 5, got {ssl_mode_number}", file=file, resource=resource.name,
                              property_path="properties.typeProperties.sslMode")
    auth_text = text("authenticationType", props.authentication_type) or AuthenticationType.BASIC.value
    try:
        auth = AuthenticationType(auth_text)
    except ValueError:
        raise DefinitionError(f"unknown authenticationType {auth_text!r}", file=file, resource=resource.name,
                              property_path="properties.typeProperties.authenticationType") from None

    username = text("username", props.username)
    password: Secret | None = None
    entra: EntraSettings | None = None
    if auth is AuthenticationType.BASIC:
        password = secret("password", props.password)
    else:
        cloud_text = text("azureCloudType", props.azure_cloud_type) or DEFAULT_CLOUD.value
        try:
            cloud = CLOUDS[AzureCloudType(cloud_text)]
        except ValueError:
            raise DefinitionError(f"unknown azureCloudType {cloud_text!r}", file=file, resource=resource.name,
                                  property_path="properties.typeProperties.azureCloudType") from None
        entra = EntraSettings(authentication_type=auth, cloud=cloud)
        if auth is AuthenticationType.SERVICE_PRINCIPAL:
            kind_text = text("servicePrincipalCredentialType", props.service_principal_credential_type)
            kind = ServicePrincipalCredentialType(kind_text or ServicePrincipalCredentialType.KEY)
            entra = replace(
                entra,
                tenant=text("tenant", props.tenant),
                service_principal_id=text("servicePrincipalId", props.service_principal_id),
                credential_type=kind,
                service_principal_key=secret("servicePrincipalKey", props.service_principal_key),
                certificate=secret("servicePrincipalEmbeddedCert", props.service_principal_embedded_cert),
                certificate_password=secret("servicePrincipalEmbeddedCertPassword",
                                            props.service_principal_embedded_cert_password),
            )
        elif auth is AuthenticationType.USER_ASSIGNED_MANAGED_IDENTITY:
            assert props.credential is not None  # required-when rule
            identity = _managed_identity(props.credential.reference_name, factory, resource.name, file)
            entra = replace(entra, managed_identity_client_id=identity.client_id,
                            managed_identity_resource_id=identity.resource_id)
            username = username or _identity_name(identity.resource_id)
        else:
            username = username or (factory.name if factory else None)
        if not username:
            raise DefinitionError(
                "cannot tell which PostgreSQL role the managed identity logs in as: set 'username' to the "
                "role name of the identity (its display name, without @tenant)",
                file=file, resource=resource.name, property_path="properties.typeProperties.username",
                code="UserErrorManagedIdentityUsernameUnknown",
            )

    encoding = text("encoding", props.encoding)
    client_encoding = None
    if encoding:
        client_encoding = _CLIENT_ENCODINGS.get(encoding.strip().lower())
        if client_encoding is None:
            raise DefinitionError(
                f"encoding {encoding!r} has no PostgreSQL client encoding; use e.g. UTF-8, windows-1252, ISO-8859-1",
                file=file, resource=resource.name, property_path="properties.typeProperties.encoding",
            )
    connect_timeout_raw = props.connection_timeout if props.connection_timeout is not None else props.timeout
    return PostgresConnectionSettings(
        linked_service=resource.name,
        host=host,
        port=port,
        database=text("database", props.database) or "",
        username=username,
        authentication_type=auth,
        ssl_mode=SslMode(ssl_mode_number),
        trust_server_certificate=flag("trustServerCertificate", props.trust_server_certificate, False),
        connect_timeout=number("connectionTimeout", connect_timeout_raw, DEFAULT_CONNECT_TIMEOUT),
        command_timeout=number("commandTimeout", props.command_timeout, DEFAULT_COMMAND_TIMEOUT),
        search_path=text("schema", props.schema_),
        timezone=text("timezone", props.timezone),
        client_encoding=client_encoding,
        pooling=flag("pooling", props.pooling, True),
        read_buffer_size=number("readBufferSize", props.read_buffer_size, 0) or None,
        password=password,
        entra=entra,
        ssl_root_cert=default_ssl_root_cert(),
    )


def _managed_identity(
    name: str, factory: Factory | None, linked_service: str, file: str | None
) -> ManagedIdentityCredentialTypeProperties:
    if factory is None or name not in factory.credentials:
        raise DefinitionError(
            f"credential {name!r} is not defined; add credential/{name}.json of type ManagedIdentity",
            file=file, resource=linked_service, property_path="properties.typeProperties.credential",
            code="UserErrorCredentialNotFound",
        )
    credential = factory.credentials[name]
    credential_file = factory.file_of(ResourceKind.CREDENTIAL, name)
    if credential.properties.type != "ManagedIdentity":
        raise DefinitionError(
            f"UserAssignedManagedIdentity needs a credential of type ManagedIdentity, {name!r} is "
            f"{credential.properties.type!r}", file=credential_file, resource=name, property_path="properties.type",
        )
    identity = ManagedIdentityCredentialTypeProperties.model_validate(credential.properties.type_properties)
    if not identity.resource_id and not identity.client_id:
        raise DefinitionError(
            "a ManagedIdentity credential needs typeProperties.resourceId", file=credential_file, resource=name,
            property_path="properties.typeProperties.resourceId",
        )
    return identity


def _identity_name(resource_id: str | None) -> str | None:
    """The user-assigned identity's name: the last segment of its ARM resource id."""
    if not resource_id:
        return None
    return resource_id.rstrip("/").rsplit("/", 1)[-1] or None
