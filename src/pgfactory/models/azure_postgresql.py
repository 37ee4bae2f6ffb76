"""``AzurePostgreSql`` linked service typeProperties, version 2.0 and the legacy 1.0.

Property names, enums and required-when rules follow ADF's connector documentation and REST
model (see ARCHITECTURE.md for sources). Both ``connectionTimeout`` (documented name) and
``timeout`` (REST name) are accepted.
"""

from __future__ import annotations

from enum import Enum, IntEnum, StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from pgfactory.models.base import AdfModel
from pgfactory.models.references import CredentialReference
from pgfactory.models.secrets import SecretValue
from pgfactory.models.values import DynamicBool, DynamicInt, DynamicStr, Expression, is_expression_text


class AuthenticationType(StrEnum):
    BASIC = "BasicAuth"
    SERVICE_PRINCIPAL = "ServicePrincipal"
    SYSTEM_ASSIGNED_MANAGED_IDENTITY = "SystemAssignedManagedIdentity"
    USER_ASSIGNED_MANAGED_IDENTITY = "UserAssignedManagedIdentity"


class ServicePrincipalCredentialType(StrEnum):
    KEY = "ServicePrincipalKey"
    CERTIFICATE = "ServicePrincipalCert"


class AzureCloudType(StrEnum):
    PUBLIC = "AzurePublic"
    CHINA = "AzureChina"
    US_GOVERNMENT = "AzureUsGovernment"
    GERMANY = "AzureGermany"


class SslMode(IntEnum):
    """ADF's numeric sslMode; the names are libpq's ``sslmode`` values."""

    DISABLE = 0
    ALLOW = 1
    PREFER = 2
    REQUIRE = 3
    VERIFY_CA = 4
    VERIFY_FULL = 5

    @property
    def libpq_name(self) -> str:
        return self.name.lower().replace("_", "-")


def _ssl_mode_value(value: int | str | Expression) -> int | str | Expression:
    if isinstance(value, Expression) or is_expression_text(value):
        return value
    number = int(value)
    if number not in SslMode._value2member_map_:
        raise PydanticCustomError(
            "ssl_mode", "sslMode must be 0 (Disable), 1 (Allow), 2 (Prefer), 3 (Require), "
            "4 (VerifyCA) or 5 (VerifyFull), got {value}", {"value": value},
        )
    return number


def _enum_value(enum: type[Enum]) -> AfterValidator:
    allowed = ", ".join(str(member.value) for member in enum)

    def check(value: str | Expression) -> str | Expression:
        if isinstance(value, Expression) or is_expression_text(value):
            return value
        if value not in enum._value2member_map_:
            raise PydanticCustomError("enum", "must be one of {allowed}, got '{value}'", {"allowed": allowed, "value": value})
        return value

    return AfterValidator(check)


class AzurePostgreSqlTypeProperties(AdfModel):
    """typeProperties of an ``AzurePostgreSql`` linked service, version 2.0."""

    server: DynamicStr
    port: DynamicInt | None = None
    database: DynamicStr
    ssl_mode: Annotated[DynamicInt, AfterValidator(_ssl_mode_value)] | None = None
    authentication_type: Annotated[DynamicStr, _enum_value(AuthenticationType)] | None = None
    username: DynamicStr | None = None
    password: SecretValue | None = None
    tenant: DynamicStr | None = None
    service_principal_id: DynamicStr | None = None
    service_principal_credential_type: Annotated[DynamicStr, _enum_value(ServicePrincipalCredentialType)] | None = None
    service_principal_key: SecretValue | None = None
    service_principal_embedded_cert: SecretValue | None = None
    service_principal_embedded_cert_password: SecretValue | None = None
    azure_cloud_type: Annotated[DynamicStr, _enum_value(AzureCloudType)] | None = None
    credential: CredentialReference | None = None
    # ``schema`` would shadow a BaseModel attribute, hence the trailing underscore.
    schema_: DynamicStr | None = Field(default=None, alias="schema")
    pooling: DynamicBool | None = None
    connection_timeout: DynamicInt | None = None
    timeout: DynamicInt | None = None
    command_timeout: DynamicInt | None = None
    trust_server_certificate: DynamicBool | None = None
    read_buffer_size: DynamicInt | None = None
    timezone: DynamicStr | None = None
    encoding: DynamicStr | None = None
    encrypted_credential: str | None = None

    @model_validator(mode="after")
    def _required_per_authentication_type(self) -> AzurePostgreSqlTypeProperties:
        auth = self.authentication_type or AuthenticationType.BASIC.value
        if isinstance(auth, Expression) or is_expression_text(auth):
            return self  # decided when the expression is evaluated
        missing: list[str] = []
        if auth == AuthenticationType.BASIC:
            missing = [name for name in ("username", "password") if getattr(self, name) is None]
        elif auth == AuthenticationType.SERVICE_PRINCIPAL:
            missing = [
                alias for name, alias in (
                    ("username", "username"), ("tenant", "tenant"),
                    ("service_principal_id", "servicePrincipalId"),
                    ("service_principal_credential_type", "servicePrincipalCredentialType"),
                ) if getattr(self, name) is None
            ]
            kind = self.service_principal_credential_type
            if kind == ServicePrincipalCredentialType.KEY and self.service_principal_key is None:
                missing.append("servicePrincipalKey")
            if kind == ServicePrincipalCredentialType.CERTIFICATE and self.service_principal_embedded_cert is None:
                missing.append("servicePrincipalEmbeddedCert")
        elif auth == AuthenticationType.USER_ASSIGNED_MANAGED_IDENTITY and self.credential is None:
            missing = ["credential"]
        if missing:
            raise PydanticCustomError(
                "required_when",
                "authenticationType {auth} requires {missing}",
                {"auth": auth, "missing": ", ".join(missing)},
            )
        return self




class AzurePostgreSqlV1TypeProperties(AdfModel):
    """typeProperties of a legacy (1.0) ``AzurePostgreSql`` linked service."""

    connection_string: SecretValue
    password: SecretValue | None = None


def is_version_2(version: Any) -> bool:
    return str(version or "1.0").strip() in {"2.0", "2"}
