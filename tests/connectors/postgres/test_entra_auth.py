"""Entra authentication end to end: linked service JSON -> azure-identity -> stand-in -> real PostgreSQL.

Azure Database for PostgreSQL accepts an Entra access token as the role's password. The stand-in's
``on_token`` hook emulates that by setting the role's password to each token it issues, so a
connection succeeds only with the very token pgfactory fetched for the right identity.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from pgfactory.connectors.postgres.connection import connect
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings, resolve_connection_settings
from pgfactory.errors import ConnectionStageError
from pgfactory.identity.tokens import clear_token_cache
from pgfactory.models.factory import Factory, ResourceKind
from pgfactory.models.linked_service import LinkedServiceResource
from pgfactory.models.resources import CredentialResource, FactoryResource
from tests.fixtures.entra import ClientCertificate, EntraRequest, EntraStandIn
from tests.fixtures.postgres import RunningServer

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "0b9f7a1c-5d2e-4c3b-9a8f-6e5d4c3b2a19"
SCOPE = "https://ossrdbms-aad.database.windows.net/.default"
RESOURCE = "https://ossrdbms-aad.database.windows.net"
FACTORY_NAME = "pgfactory-e2e-factory"
UAMI_NAME = "pgfactory-e2e-uami"
UAMI_RESOURCE_ID = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pgfactory-rg/providers/"
                    "Microsoft.ManagedIdentity/userAssignedIdentities/" + UAMI_NAME)
UAMI_CLIENT_ID = "5c1e2d3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f"
REQUIRE = 3


def secure(value: str) -> dict[str, str]:
    return {"type": "SecureString", "value": value}


def linked_service(server: RunningServer, **auth: Any) -> LinkedServiceResource:
    return LinkedServiceResource.model_validate({
        "name": "EntraPostgres",
        "properties": {
            "type": "AzurePostgreSql",
            "version": "2.0",
            "typeProperties": {"server": server.host, "port": server.port, "database": "postgres",
                               "sslMode": REQUIRE, "azureCloudType": "AzurePublic", **auth},
        },
    })


def factory_with(*, credential: dict[str, Any] | None = None) -> Factory:
    factory = Factory()
    factory.add(ResourceKind.FACTORY, FactoryResource.model_validate(
        {"name": FACTORY_NAME, "location": "westeurope", "identity": {"type": "SystemAssigned"}}))
    if credential is not None:
        factory.add(ResourceKind.CREDENTIAL, CredentialResource.model_validate(
            {"name": "uami", "properties": {"type": "ManagedIdentity", "typeProperties": credential}}))
    return factory


def role_for(server: RunningServer, entra: EntraStandIn, role: str) -> None:
    """Create ``role`` with an unknown password; every token the stand-in issues becomes it."""
    server.create_role(role)

    def set_password(token: str, _: EntraRequest) -> None:
        server.set_password(role, token)

    entra.on_token = set_password


def assert_connects_with_the_issued_token(
    settings: PostgresConnectionSettings, entra: EntraStandIn, role: str
) -> EntraRequest:
    """Connects as ``role`` over TLS with the token the stand-in issued; a different token is refused."""
    assert settings.username == role
    with connect(settings, autocommit=True) as connection:
        row = connection.execute(
            "SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
        accepted_password = connection.info.password
    assert row == (role, True)
    [request] = entra.token_requests()
    assert request.token is not None and accepted_password == request.token

    # A fresh token that PostgreSQL was not told about is refused at authentication.
    clear_token_cache()
    entra.on_token = None
    with pytest.raises(ConnectionStageError) as caught:
        connect(settings)
    assert caught.value.stage == "authentication"
    assert len(entra.issued_tokens()) == 2 and entra.issued_tokens()[1] != request.token
    return request


def test_service_principal_with_client_secret(pg_tls: RunningServer, entra: EntraStandIn) -> None:
    client_secret = secrets.token_urlsafe(24)
    entra.register_client_secret(TENANT, CLIENT_ID, client_secret)
    role_for(pg_tls, entra, "entra_sp_secret")
    resource = linked_service(
        pg_tls, authenticationType="ServicePrincipal", username="entra_sp_secret", tenant=TENANT,
        servicePrincipalId=CLIENT_ID, servicePrincipalCredentialType="ServicePrincipalKey",
        servicePrincipalKey=secure(client_secret),
    )

    request = assert_connects_with_the_issued_token(resolve_connection_settings(resource), entra, "entra_sp_secret")

    assert (request.tenant, request.client_id, request.scope) == (TENANT, CLIENT_ID, SCOPE)
    assert request.client_authentication == "client_secret"


@pytest.mark.parametrize("password", ["pfx-Passw0rd", None], ids=["with-password", "without-password"])
def test_service_principal_with_certificate(
    pg_tls: RunningServer, entra: EntraStandIn, client_certificate: ClientCertificate, password: str | None
) -> None:
    entra.register_client_certificate(TENANT, CLIENT_ID, client_certificate.pem)
    role_for(pg_tls, entra, "entra_sp_cert")
    cert_properties: dict[str, Any] = {"servicePrincipalEmbeddedCert": secure(client_certificate.pfx_base64(password))}
    if password:
        cert_properties["servicePrincipalEmbeddedCertPassword"] = secure(password)
    resource = linked_service(
        pg_tls, authenticationType="ServicePrincipal", username="entra_sp_cert", tenant=TENANT,
        servicePrincipalId=CLIENT_ID, servicePrincipalCredentialType="ServicePrincipalCert", **cert_properties,
    )

    request = assert_connects_with_the_issued_token(resolve_connection_settings(resource), entra, "entra_sp_cert")

    assert (request.tenant, request.client_id, request.scope) == (TENANT, CLIENT_ID, SCOPE)
    assert request.client_authentication == "client_assertion"


def test_system_assigned_managed_identity_with_username(pg_tls: RunningServer, entra: EntraStandIn) -> None:
    entra.register_managed_identity()
    role_for(pg_tls, entra, "entra_sami_override")
    resource = linked_service(pg_tls, authenticationType="SystemAssignedManagedIdentity",
                              username="entra_sami_override")

    request = assert_connects_with_the_issued_token(
        resolve_connection_settings(resource), entra, "entra_sami_override")

    assert (request.resource, request.client_id, request.resource_id) == (RESOURCE, None, None)


def test_system_assigned_managed_identity_logs_in_as_the_factory(pg_tls: RunningServer, entra: EntraStandIn) -> None:
    entra.register_managed_identity()
    role_for(pg_tls, entra, FACTORY_NAME)
    resource = linked_service(pg_tls, authenticationType="SystemAssignedManagedIdentity")

    request = assert_connects_with_the_issued_token(
        resolve_connection_settings(resource, factory=factory_with()), entra, FACTORY_NAME)

    assert (request.resource, request.client_id, request.resource_id) == (RESOURCE, None, None)


def test_user_assigned_managed_identity_by_resource_id_logs_in_as_its_name(
    pg_tls: RunningServer, entra: EntraStandIn
) -> None:
    entra.register_managed_identity(resource_id=UAMI_RESOURCE_ID)
    role_for(pg_tls, entra, UAMI_NAME)
    resource = linked_service(pg_tls, authenticationType="UserAssignedManagedIdentity",
                              credential={"referenceName": "uami", "type": "CredentialReference"})
    factory = factory_with(credential={"resourceId": UAMI_RESOURCE_ID})

    request = assert_connects_with_the_issued_token(
        resolve_connection_settings(resource, factory=factory), entra, UAMI_NAME)

    assert (request.resource, request.client_id, request.resource_id) == (RESOURCE, None, UAMI_RESOURCE_ID)


def test_user_assigned_managed_identity_by_client_id(pg_tls: RunningServer, entra: EntraStandIn) -> None:
    entra.register_managed_identity(client_id=UAMI_CLIENT_ID, resource_id=UAMI_RESOURCE_ID)
    role_for(pg_tls, entra, UAMI_NAME)
    resource = linked_service(pg_tls, authenticationType="UserAssignedManagedIdentity",
                              credential={"referenceName": "uami", "type": "CredentialReference"})
    factory = factory_with(credential={"resourceId": UAMI_RESOURCE_ID, "clientId": UAMI_CLIENT_ID})

    request = assert_connects_with_the_issued_token(
        resolve_connection_settings(resource, factory=factory), entra, UAMI_NAME)

    assert (request.resource, request.client_id, request.resource_id) == (RESOURCE, UAMI_CLIENT_ID, None)


def test_a_token_for_another_identity_is_refused(pg_tls: RunningServer, entra: EntraStandIn) -> None:
    """The role's password is the token of a different identity: the connection fails at authentication."""
    entra.register_managed_identity()
    entra.register_managed_identity(resource_id=UAMI_RESOURCE_ID)
    pg_tls.create_role("entra_other_identity")
    entra.on_token = lambda token, record: (
        pg_tls.set_password("entra_other_identity", token) if record.resource_id is None else None)
    system_assigned = linked_service(pg_tls, authenticationType="SystemAssignedManagedIdentity",
                                     username="entra_other_identity")
    user_assigned = linked_service(pg_tls, authenticationType="UserAssignedManagedIdentity",
                                   username="entra_other_identity",
                                   credential={"referenceName": "uami", "type": "CredentialReference"})

    connect(resolve_connection_settings(system_assigned)).close()
    with pytest.raises(ConnectionStageError) as caught:
        connect(resolve_connection_settings(user_assigned, factory=factory_with(
            credential={"resourceId": UAMI_RESOURCE_ID})))

    assert caught.value.stage == "authentication"
    assert caught.value.code == "UserErrorPostgreSqlAuthenticationFailed"


def test_connection_report_shows_the_token_stage(pg_tls: RunningServer, entra: EntraStandIn) -> None:
    from pgfactory.connectors.postgres.diagnostics import test_connection as run_connection_test

    key = secrets.token_urlsafe(24)
    entra.register_client_secret(TENANT, CLIENT_ID, key)
    role_for(pg_tls, entra, "report_sp")
    resource = linked_service(
        pg_tls, authenticationType="ServicePrincipal", username="report_sp", tenant=TENANT,
        servicePrincipalId=CLIENT_ID, servicePrincipalCredentialType="ServicePrincipalKey",
        servicePrincipalKey=secure(key))
    report = run_connection_test(resource)
    assert report.succeeded, report.to_dict()
    token_stage = next(stage for stage in report.stages if stage.name == "token")
    assert token_stage.details["tenant"] == TENANT
    assert token_stage.details["scope"] == SCOPE

    clear_token_cache()
    wrong = linked_service(
        pg_tls, authenticationType="ServicePrincipal", username="report_sp", tenant=TENANT,
        servicePrincipalId=CLIENT_ID, servicePrincipalCredentialType="ServicePrincipalKey",
        servicePrincipalKey=secure("not-the-key"))
    failed = run_connection_test(wrong).failed_stage
    assert failed is not None and failed.name == "token"
    assert "AADSTS7000215" in failed.message
    assert "not-the-key" not in failed.message
