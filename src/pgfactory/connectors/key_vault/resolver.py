"""Resolve ``AzureKeyVaultSecret`` references through the factory's ``AzureKeyVault`` linked services.

The linked service gives the vault (``baseUrl``, which may use its own parameters) and the
identity that reads it: the Credential its ``credential`` names (a user-assigned managed
identity, or a service principal), else the factory's system-assigned managed identity. Nothing
is contacted until a reference is resolved, so a factory without Key Vault behaves as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from pydantic import TypeAdapter, ValidationError

from pgfactory.connectors.key_vault.client import KeyVault, read_secret
from pgfactory.errors import DefinitionError
from pgfactory.expressions import ExpressionContext, evaluate_value
from pgfactory.identity.clouds import CLOUDS, DEFAULT_CLOUD, AzureCloud
from pgfactory.identity.settings import EntraSettings
from pgfactory.models.azure_key_vault import AZURE_KEY_VAULT, AzureKeyVaultTypeProperties
from pgfactory.models.azure_postgresql import AuthenticationType, ServicePrincipalCredentialType
from pgfactory.models.factory import Factory, ResourceKind
from pgfactory.models.linked_service import LinkedServiceResource, parameter_values
from pgfactory.models.problems import problems_from_validation_error
from pgfactory.models.resources import ManagedIdentityCredentialTypeProperties
from pgfactory.models.secrets import AzureKeyVaultSecretReference, SecretValue
from pgfactory.secrets import Secret, resolve_secret

_TYPE_PROPERTIES = "properties.typeProperties"
# Credentials keep their typeProperties as plain JSON; a service principal's key is read as this.
_SECRET_VALUE: TypeAdapter[SecretValue] = TypeAdapter(SecretValue)


class KeyVaultSecretResolver:
    """A :data:`~pgfactory.secrets.KeyVaultResolver` for the linked services of ``factory``.

    ``http_options`` are azure-core settings (``retry_total``, ``connection_timeout``...) for the
    Key Vault requests.
    """

    def __init__(self, factory: Factory, *, http_options: Mapping[str, Any] | None = None) -> None:
        self._factory = factory
        self._http_options = dict(http_options or {})

    def __call__(self, reference: AzureKeyVaultSecretReference) -> Secret:
        return self._resolve(reference, ())

    def _resolve(self, reference: AzureKeyVaultSecretReference, via: tuple[str, ...]) -> Secret:
        store = reference.store.reference_name
        if store in via:
            raise DefinitionError(
                f"Key Vault linked service {store!r} needs a secret from itself to sign in (through "
                f"{' -> '.join([*via, store])}); keep the service principal's key in another vault or use a managed "
                "identity", resource=store, property_path=f"{_TYPE_PROPERTIES}.credential",
                code="UserErrorKeyVaultCredentialCycle",
            )
        vault = self._vault(store, reference.store.parameters or {}, (*via, store))
        return read_secret(vault, str(reference.secret_name), _optional_text(reference.secret_version),
                           http_options=self._http_options)

    def _vault(self, name: str, parameters: dict[str, Any], via: tuple[str, ...]) -> KeyVault:
        linked_service = self._factory.linked_service(name)
        file = self._factory.file_of(ResourceKind.LINKED_SERVICE, name)
        if linked_service.properties.type != AZURE_KEY_VAULT:
            raise DefinitionError(
                f"a Key Vault secret needs an {AZURE_KEY_VAULT} linked service; {name!r} is of type "
                f"{linked_service.properties.type!r}", file=file, resource=name, property_path="properties.type",
                code="UserErrorUnsupportedLinkedServiceType",
            )
        try:
            properties = AzureKeyVaultTypeProperties.model_validate(linked_service.properties.type_properties)
        except ValidationError as error:
            first = problems_from_validation_error(error, file=file, resource=name, prefix=_TYPE_PROPERTIES)[0]
            raise DefinitionError(first.message, file=file, resource=name, property_path=first.property_path) from None
        url = self._base_url(linked_service, properties, parameters, file)
        cloud = _cloud_of(url)
        if properties.credential is None:
            entra = EntraSettings(AuthenticationType.SYSTEM_ASSIGNED_MANAGED_IDENTITY, cloud)
        else:
            entra = self._credential(properties.credential.reference_name, cloud, via)
        return KeyVault(name, url, replace(entra, scope_override=cloud.key_vault_scope))

    def _base_url(self, linked_service: LinkedServiceResource, properties: AzureKeyVaultTypeProperties,
                  parameters: dict[str, Any], file: str) -> str:
        scope = ExpressionContext(linked_service_parameters=parameter_values(linked_service, parameters, file=file),
                                  resource=linked_service.name)
        url = evaluate_value(properties.base_url, scope)
        parts = urlsplit(str(url))
        if parts.scheme != "https" or not parts.hostname:
            raise DefinitionError(f"baseUrl must be the vault's https URL, got {str(url)[:100]!r}", file=file,
                                  resource=linked_service.name, property_path=f"{_TYPE_PROPERTIES}.baseUrl")
        return str(url).rstrip("/")

    def _credential(self, name: str, cloud: AzureCloud, via: tuple[str, ...]) -> EntraSettings:
        credential = self._factory.credential(name)
        file = self._factory.file_of(ResourceKind.CREDENTIAL, name)
        type_properties = credential.properties.type_properties
        if credential.properties.type == "ManagedIdentity":
            identity = ManagedIdentityCredentialTypeProperties.model_validate(type_properties)
            if not identity.resource_id and not identity.client_id:
                raise DefinitionError("a ManagedIdentity credential needs typeProperties.resourceId", file=file,
                                      resource=name, property_path=f"{_TYPE_PROPERTIES}.resourceId")
            return EntraSettings(AuthenticationType.USER_ASSIGNED_MANAGED_IDENTITY, cloud,
                                 managed_identity_client_id=identity.client_id,
                                 managed_identity_resource_id=identity.resource_id)
        if credential.properties.type == "ServicePrincipal":
            missing = [key for key in ("servicePrincipalId", "tenant", "servicePrincipalKey")
                       if not type_properties.get(key)]
            if missing:
                raise DefinitionError(f"a ServicePrincipal credential needs {', '.join(missing)}", file=file,
                                      resource=name, property_path=f"{_TYPE_PROPERTIES}.{missing[0]}")
            try:
                raw_key = _SECRET_VALUE.validate_python(type_properties["servicePrincipalKey"])
            except ValidationError:
                raise DefinitionError("servicePrincipalKey must be a string, a SecureString or an AzureKeyVaultSecret "
                                      "reference", file=file, resource=name,
                                      property_path=f"{_TYPE_PROPERTIES}.servicePrincipalKey") from None
            key = resolve_secret(raw_key, property_name="servicePrincipalKey",
                                 key_vault=lambda reference: self._resolve(reference, via))
            return EntraSettings(AuthenticationType.SERVICE_PRINCIPAL, cloud, tenant=str(type_properties["tenant"]),
                                 service_principal_id=str(type_properties["servicePrincipalId"]),
                                 credential_type=ServicePrincipalCredentialType.KEY, service_principal_key=key)
        raise DefinitionError(
            f"a Key Vault is read with a ManagedIdentity or ServicePrincipal credential; {name!r} is of type "
            f"{credential.properties.type!r}", file=file, resource=name, property_path="properties.type",
            code="UserErrorUnsupportedCredentialType",
        )


def _cloud_of(url: str) -> AzureCloud:
    """The cloud whose Key Vault domain serves ``url`` (its token scope and login host); the default
    cloud for any other host."""
    host = (urlsplit(url).hostname or "").lower()
    for cloud in CLOUDS.values():
        domain = urlsplit(cloud.key_vault_scope).hostname or ""
        if host.endswith(f".{domain}"):
            return cloud
    return CLOUDS[DEFAULT_CLOUD]


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)
