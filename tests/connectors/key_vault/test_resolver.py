"""Key Vault references through the real azure-keyvault-secrets and azure-identity, against the stand-ins."""

from __future__ import annotations

import secrets
import socket

import pytest

from pgfactory.connectors.key_vault import KeyVaultSecretResolver
from pgfactory.connectors.postgres.settings import resolve_connection_settings
from pgfactory.errors import DefinitionError, SecretError
from pgfactory.models.linked_service import LinkedServiceResource
from pgfactory.secrets import Secret
from tests.connectors.key_vault.vaults import (
    CLIENT_ID,
    TENANT,
    UAMI_CLIENT_ID,
    UAMI_RESOURCE_ID,
    credential,
    factory_of,
    reference,
    reference_json,
    vault,
)
from tests.fixtures.entra import EntraStandIn
from tests.fixtures.key_vault import SYSTEM_ASSIGNED, VAULT_RESOURCE, KeyVaultStandIn

SECRET_VALUE = "vault-held-Pa55word"
NO_RETRIES = {"retry_total": 0}


def resolver_for(key_vault: KeyVaultStandIn, **vault_properties: object) -> KeyVaultSecretResolver:
    return KeyVaultSecretResolver(factory_of(linked_services=(vault("Vault", key_vault.url, **vault_properties),)),
                                  http_options=NO_RETRIES)


def failure(resolver: KeyVaultSecretResolver, name: str = "pg-password") -> SecretError:
    with pytest.raises(SecretError) as raised:
        resolver(reference("Vault", name))
    assert SECRET_VALUE not in f"{raised.value} {raised.value.to_dict()!r}"
    return raised.value


@pytest.fixture
def system_identity(entra: EntraStandIn, key_vault: KeyVaultStandIn) -> KeyVaultStandIn:
    """The factory's system-assigned identity, with access to the vault, which holds ``pg-password``."""
    entra.register_managed_identity()
    key_vault.grant(SYSTEM_ASSIGNED)
    key_vault.set_secret("pg-password", SECRET_VALUE)
    return key_vault


def test_the_system_assigned_identity_reads_the_latest_version_after_the_challenge(
    system_identity: KeyVaultStandIn, entra: EntraStandIn
) -> None:
    system_identity.set_secret("pg-password", "newer-value")

    secret = resolver_for(system_identity)(reference("Vault", "pg-password"))

    assert isinstance(secret, Secret) and secret.reveal() == "newer-value"
    challenge, read = system_identity.requests
    assert (challenge.authorized, challenge.status) == (False, 401)
    assert (read.authorized, read.status, read.subject) == (True, 200, SYSTEM_ASSIGNED)
    assert read.path == "/secrets/pg-password/" and read.api_version == "7.4"
    [token_request] = entra.token_requests()
    assert (token_request.kind, token_request.resource) == ("managed-identity", VAULT_RESOURCE)


def test_a_given_version_is_read(system_identity: KeyVaultStandIn) -> None:
    first = system_identity.set_secret("rotated", "first-value")
    system_identity.set_secret("rotated", "second-value")

    secret = resolver_for(system_identity)(reference("Vault", "rotated", first))

    assert secret.reveal() == "first-value"
    assert system_identity.secret_reads()[-1].path == f"/secrets/rotated/{first}"


def test_clients_and_tokens_are_reused_across_reads(system_identity: KeyVaultStandIn, entra: EntraStandIn) -> None:
    resolver = resolver_for(system_identity)
    for _ in range(3):
        assert resolver(reference("Vault", "pg-password")).reveal() == SECRET_VALUE
    assert [request.status for request in system_identity.requests] == [401, 200, 200, 200]
    assert len(entra.token_requests()) == 1


def test_a_user_assigned_identity_from_the_credential(entra: EntraStandIn, key_vault: KeyVaultStandIn) -> None:
    entra.register_managed_identity(client_id=UAMI_CLIENT_ID, resource_id=UAMI_RESOURCE_ID)
    key_vault.grant(UAMI_CLIENT_ID)
    key_vault.set_secret("pg-password", SECRET_VALUE)
    factory = factory_of(linked_services=(vault("Vault", key_vault.url, credential="VaultReader"),),
                         credentials=(credential("VaultReader", "ManagedIdentity", resourceId=UAMI_RESOURCE_ID),))

    assert KeyVaultSecretResolver(factory)(reference("Vault", "pg-password")).reveal() == SECRET_VALUE

    [token_request] = entra.token_requests()
    assert (token_request.resource_id, token_request.resource) == (UAMI_RESOURCE_ID, VAULT_RESOURCE)


def test_a_service_principal_credential(entra: EntraStandIn, key_vault: KeyVaultStandIn) -> None:
    client_secret = secrets.token_urlsafe(24)
    entra.register_client_secret(TENANT, CLIENT_ID, client_secret)
    key_vault.grant(CLIENT_ID)
    key_vault.set_secret("pg-password", SECRET_VALUE)
    service_principal = credential("VaultApp", "ServicePrincipal", servicePrincipalId=CLIENT_ID, tenant=TENANT,
                                   servicePrincipalKey={"type": "SecureString", "value": client_secret})
    factory = factory_of(linked_services=(vault("Vault", key_vault.url, credential="VaultApp"),),
                         credentials=(service_principal,))

    assert KeyVaultSecretResolver(factory)(reference("Vault", "pg-password")).reveal() == SECRET_VALUE

    [token_request] = entra.token_requests()
    assert (token_request.tenant, token_request.client_id, token_request.scope) == (
        TENANT, CLIENT_ID, f"{VAULT_RESOURCE}/.default")


def test_a_service_principal_key_kept_in_another_vault(entra: EntraStandIn, key_vault: KeyVaultStandIn) -> None:
    client_secret = secrets.token_urlsafe(24)
    entra.register_managed_identity()
    entra.register_client_secret(TENANT, CLIENT_ID, client_secret)
    key_vault.grant(SYSTEM_ASSIGNED)
    key_vault.grant(CLIENT_ID)
    key_vault.set_secret("app-key", client_secret)
    key_vault.set_secret("pg-password", SECRET_VALUE)
    service_principal = credential("VaultApp", "ServicePrincipal", servicePrincipalId=CLIENT_ID, tenant=TENANT,
                                   servicePrincipalKey=reference_json("KeysVault", "app-key"))
    factory = factory_of(credentials=(service_principal,), linked_services=(
        vault("KeysVault", key_vault.url), vault("Vault", key_vault.url, credential="VaultApp")))

    assert KeyVaultSecretResolver(factory)(reference("Vault", "pg-password")).reveal() == SECRET_VALUE
    assert [read.subject for read in key_vault.secret_reads()] == [SYSTEM_ASSIGNED, CLIENT_ID]


def test_a_vault_whose_key_is_in_itself_is_a_definition_error(key_vault: KeyVaultStandIn) -> None:
    service_principal = credential("VaultApp", "ServicePrincipal", servicePrincipalId=CLIENT_ID, tenant=TENANT,
                                   servicePrincipalKey=reference_json("Vault", "app-key"))
    factory = factory_of(linked_services=(vault("Vault", key_vault.url, credential="VaultApp"),),
                         credentials=(service_principal,))
    with pytest.raises(DefinitionError) as raised:
        KeyVaultSecretResolver(factory)(reference("Vault", "pg-password"))
    assert raised.value.code == "UserErrorKeyVaultCredentialCycle"
    assert "Vault -> Vault" in raised.value.message
    assert key_vault.requests == []


# -- failures -----------------------------------------------------------------------------------


def test_an_unknown_secret_is_not_found(system_identity: KeyVaultStandIn) -> None:
    error = failure(resolver_for(system_identity), "no-such-secret")
    assert error.code == "UserErrorKeyVaultSecretNotFound" and not error.transient
    assert error.message.startswith(f"Failed to get secret 'no-such-secret' (version latest) from Key Vault "
                                    f"{system_identity.url} through linked service 'Vault': HTTP 404 SecretNotFound: "
                                    "A secret with (name/id) no-such-secret was not found in this key vault.")


def test_an_identity_without_access_is_denied(entra: EntraStandIn, key_vault: KeyVaultStandIn) -> None:
    entra.register_managed_identity()
    key_vault.set_secret("pg-password", SECRET_VALUE)
    error = failure(resolver_for(key_vault))
    assert error.code == "UserErrorKeyVaultAccessDenied"
    assert "HTTP 403 Forbidden: Caller is not authorized" in error.message
    assert "grant the identity (the system-assigned managed identity) Get permission on secrets" in error.message


def test_an_identity_that_gets_no_token_is_named(entra: EntraStandIn, key_vault: KeyVaultStandIn) -> None:
    # No managed identity is registered with the Entra stand-in.
    error = failure(resolver_for(key_vault))
    assert error.code == "UserErrorKeyVaultAuthenticationFailed"
    assert "no token for the vault: the managed identity endpoint refused the token request" in error.message
    assert "scope https://vault.azure.net/.default" in error.message
    assert key_vault.secret_reads() == []


def test_an_unreachable_vault_is_transient(entra: EntraStandIn, key_vault: KeyVaultStandIn) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    resolver = KeyVaultSecretResolver(factory_of(linked_services=(vault("Vault", f"https://127.0.0.1:{closed_port}"),)),
                                      http_options=NO_RETRIES)
    error = failure(resolver)
    assert error.code == "UserErrorKeyVaultUnreachable" and error.transient
    assert f"from Key Vault https://127.0.0.1:{closed_port} through linked service 'Vault': the vault is unreachable" \
        in error.message


def test_a_store_that_is_not_a_key_vault_is_a_definition_error() -> None:
    postgres = {"name": "Vault", "properties": {"type": "AzurePostgreSql", "typeProperties": {}}}
    with pytest.raises(DefinitionError) as raised:
        KeyVaultSecretResolver(factory_of(linked_services=(postgres,)))(reference("Vault", "x"))
    assert (raised.value.resource, raised.value.property_path) == ("Vault", "properties.type")


# -- through a linked service -------------------------------------------------------------------


def test_parameters_choose_the_secret_and_the_vault(system_identity: KeyVaultStandIn) -> None:
    system_identity.set_secret("sales-password", "sales-secret")
    parameterized_vault = vault("Vault", "@{linkedService().vaultUrl}",
                                parameters={"vaultUrl": {"type": "String"}})
    postgres = LinkedServiceResource.model_validate({"name": "Pg", "properties": {
        "type": "AzurePostgreSql", "version": "2.0",
        "parameters": {"tenantName": {"type": "String", "defaultValue": "sales"}},
        "typeProperties": {"server": "127.0.0.1", "database": "postgres", "username": "u", "password": reference_json(
            "Vault", "@{linkedService().tenantName}-password", parameters={"vaultUrl": system_identity.url})}}})
    factory = factory_of(linked_services=(parameterized_vault,))

    settings = resolve_connection_settings(postgres, factory=factory)

    assert settings.password is not None and settings.password.reveal() == "sales-secret"
    assert system_identity.secret_reads()[-1].path == "/secrets/sales-password/"


def test_without_a_factory_a_reference_names_what_is_missing() -> None:
    postgres = LinkedServiceResource.model_validate({"name": "Pg", "properties": {
        "type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
            "server": "127.0.0.1", "database": "postgres", "username": "u",
            "password": reference_json("Vault", "pg-password")}}})
    with pytest.raises(SecretError) as raised:
        resolve_connection_settings(postgres)
    assert raised.value.code == "UserErrorKeyVaultNotConfigured"
