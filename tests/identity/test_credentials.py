"""Entra tokens through the real azure-identity and MSAL, against the local HTTPS stand-in."""

from __future__ import annotations

import base64
import socket
import time

import pytest

from pgfactory.errors import IdentityError
from pgfactory.identity.clouds import CLOUDS
from pgfactory.identity.credentials import AzureIdentityTokenSource, describe
from pgfactory.identity.settings import EntraSettings
from pgfactory.identity.tokens import token_provider_for
from pgfactory.models.azure_postgresql import AuthenticationType, AzureCloudType, ServicePrincipalCredentialType
from pgfactory.secrets import Secret
from tests.fixtures.entra import ClientCertificate, EntraStandIn, make_client_certificate

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CLIENT_SECRET = "s3cr3t-Value~of.the_app-secret"
PFX_PASSWORD = "pfx-password-1234"
UAMI_RESOURCE_ID = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
                    "Microsoft.ManagedIdentity/userAssignedIdentities/pgfactory-uami")
UAMI_CLIENT_ID = "99999999-8888-7777-6666-555555555555"
PUBLIC_SCOPE = "https://ossrdbms-aad.database.windows.net/.default"
NO_RETRIES = {"retry_total": 0}


def client_secret_settings(secret: str = CLIENT_SECRET, cloud: AzureCloudType = AzureCloudType.PUBLIC) -> EntraSettings:
    return EntraSettings(
        AuthenticationType.SERVICE_PRINCIPAL, CLOUDS[cloud], tenant=TENANT, service_principal_id=CLIENT_ID,
        credential_type=ServicePrincipalCredentialType.KEY, service_principal_key=Secret(secret),
    )


def certificate_settings(pfx_base64: str, password: str | None = None) -> EntraSettings:
    return EntraSettings(
        AuthenticationType.SERVICE_PRINCIPAL, CLOUDS[AzureCloudType.PUBLIC], tenant=TENANT,
        service_principal_id=CLIENT_ID, credential_type=ServicePrincipalCredentialType.CERTIFICATE,
        certificate=Secret(pfx_base64), certificate_password=Secret(password) if password else None,
    )


def managed_identity_settings(client_id: str | None = None, resource_id: str | None = None) -> EntraSettings:
    kind = (AuthenticationType.USER_ASSIGNED_MANAGED_IDENTITY if client_id or resource_id
            else AuthenticationType.SYSTEM_ASSIGNED_MANAGED_IDENTITY)
    return EntraSettings(kind, CLOUDS[AzureCloudType.PUBLIC], managed_identity_client_id=client_id,
                         managed_identity_resource_id=resource_id)


def identity_error(settings: EntraSettings, **http_options: object) -> IdentityError:
    with pytest.raises(IdentityError) as caught:
        AzureIdentityTokenSource(settings, http_options=http_options).get_token()
    return caught.value


def assert_no_secret(error: IdentityError, *secrets: str) -> None:
    text = f"{error} {error.to_dict()!r}"
    for secret in secrets:
        assert secret not in text


# -- each flow --------------------------------------------------------------------------------


def test_client_secret_flow_gets_a_token_for_the_tenant_client_and_scope(entra: EntraStandIn) -> None:
    entra.register_client_secret(TENANT, CLIENT_ID, CLIENT_SECRET)

    token = AzureIdentityTokenSource(client_secret_settings()).get_token()

    [request] = entra.token_requests()
    assert (request.tenant, request.client_id, request.scope) == (TENANT, CLIENT_ID, PUBLIC_SCOPE)
    assert (request.grant_type, request.client_authentication) == ("client_credentials", "client_secret")
    assert token.token.reveal() == request.token
    assert abs(token.expires_on - (time.time() + 3600)) < 60


def test_only_tenant_discovery_and_token_endpoint_are_called(entra: EntraStandIn) -> None:
    entra.register_client_secret(TENANT, CLIENT_ID, CLIENT_SECRET)

    AzureIdentityTokenSource(client_secret_settings()).get_token()

    assert [(r.method, r.path) for r in entra.requests] == [
        ("GET", f"/{TENANT}/v2.0/.well-known/openid-configuration"),
        ("POST", f"/{TENANT}/oauth2/v2.0/token"),
    ]


@pytest.mark.parametrize("password", [PFX_PASSWORD, None], ids=["with-password", "without-password"])
def test_certificate_flow_signs_an_assertion_the_registered_certificate_verifies(
    entra: EntraStandIn, client_certificate: ClientCertificate, password: str | None
) -> None:
    entra.register_client_certificate(TENANT, CLIENT_ID, client_certificate.pem)
    settings = certificate_settings(client_certificate.pfx_base64(password), password)

    token = AzureIdentityTokenSource(settings).get_token()

    [request] = entra.token_requests()
    assert (request.tenant, request.client_id, request.scope) == (TENANT, CLIENT_ID, PUBLIC_SCOPE)
    assert request.client_authentication == "client_assertion"
    assert token.token.reveal() == request.token


def test_certificate_flow_is_refused_when_another_certificate_is_registered(
    entra: EntraStandIn, client_certificate: ClientCertificate
) -> None:
    entra.register_client_certificate(TENANT, CLIENT_ID, make_client_certificate("someone-else").certificate)

    error = identity_error(certificate_settings(client_certificate.pfx_base64()))

    assert error.code == "UserErrorEntraTokenFailed"
    assert "AADSTS700027" in error.message


def test_system_assigned_managed_identity_asks_for_the_resource_without_a_selector(entra: EntraStandIn) -> None:
    entra.register_managed_identity()

    token = AzureIdentityTokenSource(managed_identity_settings()).get_token()

    [request] = entra.token_requests()
    assert request.kind == "managed-identity"
    assert request.api_version == "2019-08-01"
    assert request.resource == "https://ossrdbms-aad.database.windows.net"
    assert (request.client_id, request.resource_id, request.object_id) == (None, None, None)
    assert token.token.reveal() == request.token


def test_user_assigned_managed_identity_is_selected_by_resource_id(entra: EntraStandIn) -> None:
    entra.register_managed_identity(resource_id=UAMI_RESOURCE_ID)

    AzureIdentityTokenSource(managed_identity_settings(resource_id=UAMI_RESOURCE_ID)).get_token()

    [request] = entra.token_requests()
    assert (request.client_id, request.resource_id) == (None, UAMI_RESOURCE_ID)


def test_user_assigned_managed_identity_prefers_the_client_id(entra: EntraStandIn) -> None:
    entra.register_managed_identity(client_id=UAMI_CLIENT_ID, resource_id=UAMI_RESOURCE_ID)

    AzureIdentityTokenSource(managed_identity_settings(UAMI_CLIENT_ID, UAMI_RESOURCE_ID)).get_token()

    [request] = entra.token_requests()
    assert (request.client_id, request.resource_id) == (UAMI_CLIENT_ID, None)


@pytest.mark.parametrize(("cloud", "scope"), [
    (AzureCloudType.PUBLIC, "https://ossrdbms-aad.database.windows.net/.default"),
    (AzureCloudType.CHINA, "https://ossrdbms-aad.database.chinacloudapi.cn/.default"),
    (AzureCloudType.US_GOVERNMENT, "https://ossrdbms-aad.database.usgovcloudapi.net/.default"),
    (AzureCloudType.GERMANY, "https://ossrdbms-aad.database.cloudapi.de/.default"),
])
def test_scope_follows_azure_cloud_type(entra: EntraStandIn, cloud: AzureCloudType, scope: str) -> None:
    entra.register_client_secret(TENANT, CLIENT_ID, CLIENT_SECRET)

    AzureIdentityTokenSource(client_secret_settings(cloud=cloud)).get_token()

    assert [r.scope for r in entra.token_requests()] == [scope]


# -- caching ----------------------------------------------------------------------------------


def test_shared_provider_reuses_a_fresh_token(entra: EntraStandIn) -> None:
    entra.register_client_secret(TENANT, CLIENT_ID, CLIENT_SECRET)

    first = token_provider_for(client_secret_settings()).get_token()
    second = token_provider_for(client_secret_settings()).get_token()

    assert first == second
    assert len(entra.token_requests()) == 1


def test_shared_provider_refreshes_a_token_within_five_minutes_of_expiry(entra: EntraStandIn) -> None:
    entra.register_client_secret(TENANT, CLIENT_ID, CLIENT_SECRET)
    entra.token_lifetime = 200
    provider = token_provider_for(client_secret_settings())

    first = provider.get_token()
    second = provider.get_token()

    assert first.token != second.token
    assert [r.token for r in entra.token_requests()] == [first.token.reveal(), second.token.reveal()]


# -- failures ---------------------------------------------------------------------------------


def test_wrong_client_secret_reports_the_aadsts_description_and_who_asked(entra: EntraStandIn) -> None:
    entra.register_client_secret(TENANT, CLIENT_ID, CLIENT_SECRET)
    wrong = "not-the-right-secret-value"

    error = identity_error(client_secret_settings(secret=wrong))

    assert error.code == "UserErrorEntraTokenFailed"
    assert error.transient is False
    assert "AADSTS7000215: Invalid client secret provided" in error.message
    for part in ("client secret", entra.authority, TENANT, CLIENT_ID, PUBLIC_SCOPE):
        assert part in error.message
    assert_no_secret(error, wrong, CLIENT_SECRET)


def test_unknown_tenant_is_reported(entra: EntraStandIn) -> None:
    error = identity_error(client_secret_settings())

    assert (error.code, error.transient) == ("UserErrorEntraTokenFailed", False)
    assert f"AADSTS90002: Tenant '{TENANT}' not found." in error.message
    assert_no_secret(error, CLIENT_SECRET)


def _not_a_pfx() -> str:
    return base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").decode()


@pytest.mark.parametrize(("make_cert", "password", "expected"), [
    (lambda c: "this is not base64 at all!", None, "servicePrincipalEmbeddedCert is not valid base64"),
    (lambda c: _not_a_pfx(), None, "does not hold a PFX (PKCS#12) certificate"),
    (lambda c: c.pfx_base64(PFX_PASSWORD), "wrong-pfx-password", "cannot be opened with "
     "servicePrincipalEmbeddedCertPassword: the password is wrong"),
    (lambda c: c.pfx_base64(PFX_PASSWORD), None, "password-protected: set servicePrincipalEmbeddedCertPassword"),
], ids=["bad-base64", "not-a-pfx", "wrong-password", "missing-password"])
def test_unreadable_certificate_says_which_property_is_wrong(
    entra: EntraStandIn, client_certificate: ClientCertificate, make_cert: object, password: str | None,
    expected: str,
) -> None:
    entra.register_client_certificate(TENANT, CLIENT_ID, client_certificate.pem)
    assert callable(make_cert)
    embedded = make_cert(client_certificate)

    error = identity_error(certificate_settings(embedded, password))

    assert error.code == "UserErrorEntraCertificateUnreadable"
    assert expected in error.message
    assert entra.requests == []
    assert_no_secret(error, embedded, PFX_PASSWORD, *([password] if password else []))


@pytest.mark.parametrize("flow", ["client-secret", "managed-identity"])
def test_an_already_expired_token_is_refused(entra: EntraStandIn, flow: str) -> None:
    entra.register_client_secret(TENANT, CLIENT_ID, CLIENT_SECRET)
    entra.register_managed_identity()
    entra.token_lifetime = -120
    settings = client_secret_settings() if flow == "client-secret" else managed_identity_settings()

    error = identity_error(settings)

    assert error.code == "UserErrorEntraTokenExpired"
    assert "the token endpoint returned an expired token" in error.message
    assert "check this machine's clock" in error.message
    assert_no_secret(error, CLIENT_SECRET, *entra.issued_tokens())


def test_managed_identity_with_a_wrong_identity_header_is_refused(
    entra: EntraStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    entra.register_managed_identity()
    wrong_header = "wrong-identity-header-value"
    monkeypatch.setenv("IDENTITY_HEADER", wrong_header)

    error = identity_error(managed_identity_settings())

    assert error.code == "UserErrorManagedIdentityUnavailable"
    assert error.transient is False
    assert "system-assigned managed identity" in error.message
    assert entra.identity_endpoint in error.message
    assert "X-IDENTITY-HEADER header is missing or does not match" in error.message
    assert_no_secret(error, wrong_header, entra.identity_header)


def test_unknown_user_assigned_identity_is_reported(entra: EntraStandIn) -> None:
    entra.register_managed_identity()  # only the system-assigned one

    error = identity_error(managed_identity_settings(resource_id=UAMI_RESOURCE_ID))

    assert error.code == "UserErrorManagedIdentityUnavailable"
    assert UAMI_RESOURCE_ID in error.message
    assert "No User Assigned or Delegated Managed Identity found" in error.message


@pytest.mark.parametrize(("flow", "code", "endpoint"), [
    ("client-secret", "UserErrorEntraTokenFailed", "Entra ID"),
    ("managed-identity", "UserErrorManagedIdentityUnavailable", "the managed identity endpoint"),
])
def test_a_5xx_answer_is_transient(entra: EntraStandIn, flow: str, code: str, endpoint: str) -> None:
    entra.register_client_secret(TENANT, CLIENT_ID, CLIENT_SECRET)
    entra.register_managed_identity()
    entra.fail_token_requests(1, status=503)
    settings = client_secret_settings() if flow == "client-secret" else managed_identity_settings()

    error = identity_error(settings, **NO_RETRIES)

    assert (error.code, error.transient) == (code, True)
    assert f"{endpoint} is unreachable or unavailable" in error.message


def test_an_unreachable_authority_is_transient(entra: EntraStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", f"https://127.0.0.1:{closed_port}")

    error = identity_error(client_secret_settings(), **NO_RETRIES)

    assert error.transient is True
    assert f"https://127.0.0.1:{closed_port}" in error.message
    assert_no_secret(error, CLIENT_SECRET)


def test_the_public_authority_is_never_contacted_from_tests(
    entra: EntraStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The egress guard works: without the stand-in, login.microsoftonline.com is refused, not reached."""
    monkeypatch.delenv("AZURE_AUTHORITY_HOST")

    error = identity_error(client_secret_settings(), **NO_RETRIES)

    assert error.transient is True
    assert "https://login.microsoftonline.com" in error.message
    assert entra.blocked_egress and all("login.microsoftonline.com" in item for item in entra.blocked_egress)
    entra.blocked_egress.clear()  # expected here; any other test that leaves loopback fails


# -- describe ---------------------------------------------------------------------------------


def test_describe_names_the_service_principal_request_without_secrets(entra: EntraStandIn) -> None:
    described = describe(client_secret_settings())

    assert described == {
        "flow": "service principal with a client secret", "cloud": "AzurePublic", "authority": entra.authority,
        "tenant": TENANT, "clientId": CLIENT_ID, "scope": PUBLIC_SCOPE,
    }


def test_describe_names_the_managed_identity_endpoint_and_selector(entra: EntraStandIn) -> None:
    described = describe(managed_identity_settings(resource_id=UAMI_RESOURCE_ID))

    assert described == {
        "flow": "user-assigned managed identity", "cloud": "AzurePublic", "endpoint": entra.identity_endpoint,
        "resourceId": UAMI_RESOURCE_ID, "scope": PUBLIC_SCOPE,
    }
