"""Entra ID access tokens from azure-identity, for each ``authenticationType`` of a linked service.

This is the one place azure-identity and azure-core are called, so their exceptions are
translated here, once, into :class:`~pgfactory.errors.IdentityError`. Messages name the flow,
authority, tenant, client id and scope plus the endpoint's own description (AADSTS text), and
never a secret value.

A credential is built for every fetch and closed after it. :class:`CachedTokenProvider` is the
single cache: azure-identity's own cache would otherwise decide on its own when to refresh (it
keeps a nearly expired token for 30 s after a request, and swallows a failed refresh).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from azure.core.exceptions import AzureError, ServiceRequestError, ServiceResponseError
from azure.identity import CertificateCredential, ClientSecretCredential, ManagedIdentityCredential
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from msal.exceptions import MsalServiceError  # type: ignore[import-untyped]

from pgfactory.errors import IdentityError
from pgfactory.identity.clouds import CLOUDS, authority_host
from pgfactory.identity.settings import EntraSettings
from pgfactory.identity.tokens import EntraToken
from pgfactory.models.azure_postgresql import AuthenticationType, ServicePrincipalCredentialType
from pgfactory.secrets import MASK, Secret

# Hosts MSAL knows; for any other (a sovereign endpoint, a local stand-in) instance discovery is
# turned off, because it would ask login.microsoftonline.com whether the host is genuine.
KNOWN_AUTHORITY_HOSTS = frozenset(urlparse(cloud.authority_host).hostname for cloud in CLOUDS.values())

IMDS_ENDPOINT = "http://169.254.169.254/metadata/identity/oauth2/token"

# azure-core waits up to 300 s per connection by default; a test connection should fail sooner.
# Only for the token endpoint: azure-identity tunes the managed identity endpoints itself.
SERVICE_PRINCIPAL_HTTP_OPTIONS: dict[str, Any] = {"connection_timeout": 15, "read_timeout": 60}

_FLOWS = {
    AuthenticationType.SYSTEM_ASSIGNED_MANAGED_IDENTITY: "system-assigned managed identity",
    AuthenticationType.USER_ASSIGNED_MANAGED_IDENTITY: "user-assigned managed identity",
}
_SERVICE_PRINCIPAL_FLOWS = {
    ServicePrincipalCredentialType.KEY: "service principal with a client secret",
    ServicePrincipalCredentialType.CERTIFICATE: "service principal with a certificate",
}

# MSAL raises this for a 4xx/5xx answer without an OAuth error body; the status is only in the text.
_MSAL_HTTP_ERROR = re.compile(r"HTTP Error: (\d{3})")
# azure-identity reports any non-token answer of a managed identity endpoint as "<source> managed identity
# configuration not found in environment. Token request error: (invalid_scope) <status>, <message>" (MSAL
# labels them all invalid_scope); only the status and message are the endpoint's own words.
_MANAGED_IDENTITY_ANSWER = re.compile(r"Token request error: \(\w+\) (?P<status>\d{3}), (?P<message>.*)", re.S)
# MSAL replaces a failed tenant discovery (e.g. AADSTS90002, unknown tenant) with a generic ValueError;
# the one it replaced, its __context__, still holds the endpoint's answer.
_DISCOVERY_FAILURE = re.compile(
    r"OIDC Discovery failed on (?P<url>\S+)\. HTTP status: (?P<status>\d{3}), Error: (?P<body>.*)", re.S)

Credential = ClientSecretCredential | CertificateCredential | ManagedIdentityCredential


class AzureIdentityTokenSource:
    """Fetches a PostgreSQL access token for ``entra`` from Entra ID (no caching; see the module doc).

    ``http_options`` are azure-core pipeline settings (``retry_total``, ``connection_timeout``...)
    passed to every credential.
    """

    def __init__(self, entra: EntraSettings, *, http_options: Mapping[str, Any] | None = None) -> None:
        self._entra = entra
        self._http_options = dict(http_options or {})

    def get_token(self) -> EntraToken:
        entra = self._entra
        try:
            credential = build_credential(entra, http_options=self._http_options)
            with credential:  # closes the HTTP session the credential opened
                access = credential.get_token(entra.scope)
        except (AzureError, ValueError, RuntimeError, OSError) as error:
            raise translate_identity_error(error, entra) from None
        if access.expires_on <= time.time():
            raise IdentityError(
                f"the token endpoint returned an expired token (expired {_utc(access.expires_on)}, this "
                f"machine's time is {_utc(time.time())}) for {_context(entra)}; check this machine's clock",
                code="UserErrorEntraTokenExpired",
            )
        return EntraToken(Secret(access.token), int(access.expires_on))


def _utc(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def build_credential(entra: EntraSettings, *, http_options: Mapping[str, Any] | None = None) -> Credential:
    """The azure-identity credential for ``entra``; certificate problems raise :class:`IdentityError`."""
    options = dict(http_options or {})
    if entra.authentication_type is AuthenticationType.SERVICE_PRINCIPAL:
        return _service_principal_credential(entra, {**SERVICE_PRINCIPAL_HTTP_OPTIONS, **options})
    if entra.authentication_type is AuthenticationType.SYSTEM_ASSIGNED_MANAGED_IDENTITY:
        return ManagedIdentityCredential(**options)
    if entra.authentication_type is AuthenticationType.USER_ASSIGNED_MANAGED_IDENTITY:
        if entra.managed_identity_client_id:
            return ManagedIdentityCredential(client_id=entra.managed_identity_client_id, **options)
        if entra.managed_identity_resource_id:
            return ManagedIdentityCredential(
                identity_config={"resource_id": entra.managed_identity_resource_id}, **options
            )
        raise IdentityError(
            "a user-assigned managed identity needs the credential's resourceId or clientId",
            code="UserErrorManagedIdentityUnavailable",
        )
    raise IdentityError(f"authenticationType {entra.authentication_type.value} does not use Entra ID tokens")


def _service_principal_credential(entra: EntraSettings, options: dict[str, Any]) -> Credential:
    tenant, client_id = entra.tenant, entra.service_principal_id
    if not tenant or not client_id:
        missing = [name for name, value in (("tenant", tenant), ("servicePrincipalId", client_id)) if not value]
        raise IdentityError(f"ServicePrincipal authentication needs {' and '.join(missing)}",
                            code="UserErrorEntraSettingsIncomplete")
    authority = authority_host(entra.cloud)
    if urlparse(authority).hostname not in KNOWN_AUTHORITY_HOSTS:
        options["disable_instance_discovery"] = True
    try:
        if entra.credential_type is ServicePrincipalCredentialType.CERTIFICATE:
            certificate, password = _certificate(entra)
            return CertificateCredential(tenant, client_id, certificate_data=certificate,
                                         password=password, authority=authority, **options)
        if entra.service_principal_key is None:
            raise IdentityError("ServicePrincipalKey authentication needs servicePrincipalKey",
                                code="UserErrorEntraSettingsIncomplete")
        return ClientSecretCredential(tenant, client_id, entra.service_principal_key.reveal(),
                                      authority=authority, **options)
    except ValueError as error:  # azure-identity checks the tenant id's characters
        raise translate_identity_error(error, entra) from None


def _certificate(entra: EntraSettings) -> tuple[bytes, str | None]:
    """The PFX bytes and password, checked here so that each fault gets its own message."""
    if entra.certificate is None or not entra.certificate.reveal().strip():
        raise IdentityError("ServicePrincipalCert authentication needs servicePrincipalEmbeddedCert",
                            code="UserErrorEntraSettingsIncomplete")
    password = entra.certificate_password.reveal() if entra.certificate_password else None
    try:
        data = base64.b64decode("".join(entra.certificate.reveal().split()), validate=True)
    except (binascii.Error, ValueError):
        raise _unreadable("servicePrincipalEmbeddedCert is not valid base64; it must hold the PFX (PKCS#12) "
                          "certificate file, base64-encoded") from None
    try:
        key, certificate, _ = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except ValueError:
        if not _looks_like_pkcs12(data):
            raise _unreadable("servicePrincipalEmbeddedCert does not hold a PFX (PKCS#12) certificate; export the "
                              "certificate with its private key as .pfx and base64-encode the file") from None
        if password:
            raise _unreadable("servicePrincipalEmbeddedCert cannot be opened with "
                              "servicePrincipalEmbeddedCertPassword: the password is wrong") from None
        raise _unreadable("servicePrincipalEmbeddedCert is password-protected: set "
                          "servicePrincipalEmbeddedCertPassword") from None
    if key is None or certificate is None:
        raise _unreadable("servicePrincipalEmbeddedCert must hold the certificate together with its private key")
    if not isinstance(key, RSAPrivateKey):
        raise _unreadable("servicePrincipalEmbeddedCert must hold an RSA key: Entra ID client assertions are "
                          "signed with RS256")
    return data, password


def _unreadable(message: str) -> IdentityError:
    return IdentityError(message, code="UserErrorEntraCertificateUnreadable")


def _looks_like_pkcs12(data: bytes) -> bool:
    """A DER SEQUENCE whose first element is INTEGER 3: the PFX version (RFC 7292, section 4)."""
    if len(data) < 5 or data[0] != 0x30:
        return False
    header = 2 + (data[1] & 0x7F if data[1] & 0x80 else 0)
    return data[header:header + 3] == b"\x02\x01\x03"


def translate_identity_error(error: BaseException, entra: EntraSettings) -> IdentityError:
    """An :class:`IdentityError` naming the flow and identity, with the endpoint's own words."""
    detail = str(getattr(error, "message", None) or error or type(error).__name__)
    detail = detail.removeprefix("Authentication failed: ").strip()
    status = _http_status(error)
    answer = _MANAGED_IDENTITY_ANSWER.search(detail)
    if answer:
        status = int(answer["status"])
        detail = f"HTTP {answer['status']}: {answer['message']}"
    discovery = next(filter(None, (_DISCOVERY_FAILURE.match(str(cause)) for cause in _chain(error))), None)
    if discovery:
        status = int(discovery["status"])
        detail = f"tenant discovery at {discovery['url']} answered HTTP {status}: {_description(discovery['body'])}"
    transient = _network_failure(error) or (status is not None and (status >= 500 or status == 429))
    managed = entra.authentication_type is not AuthenticationType.SERVICE_PRINCIPAL
    endpoint = "the managed identity endpoint" if managed else "Entra ID"
    what = f"{endpoint} is unreachable or unavailable" if transient else f"{endpoint} refused the token request"
    return IdentityError(
        _scrub(f"{what} for {_context(entra)}: {detail}", entra),
        code="UserErrorManagedIdentityUnavailable" if managed else "UserErrorEntraTokenFailed",
        transient=transient,
    )


def _description(body: str) -> str:
    """The OAuth ``error_description`` of an error body, else the body itself."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body.strip()
    return str(parsed.get("error_description") or body).strip() if isinstance(parsed, dict) else body.strip()


def _network_failure(error: BaseException) -> bool:
    return any(isinstance(cause, ServiceRequestError | ServiceResponseError | ConnectionError | TimeoutError)
               for cause in _chain(error))


def _http_status(error: BaseException) -> int | None:
    """The HTTP status of the answer behind ``error``, when one came back."""
    for cause in _chain(error):
        status = getattr(cause, "status_code", None)
        if isinstance(status, int):
            return status
        if isinstance(cause, MsalServiceError) and (match := _MSAL_HTTP_ERROR.fullmatch(str(cause))):
            return int(match[1])
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _scrub(text: str, entra: EntraSettings) -> str:
    # Defence in depth: azure-identity's messages hold no secrets today; this keeps it so.
    secrets = [entra.service_principal_key, entra.certificate_password, entra.certificate]
    values = [secret.reveal() for secret in secrets if secret is not None]
    values.append(os.environ.get("IDENTITY_HEADER", ""))
    for value in values:
        if len(value) >= 4:
            text = text.replace(value, MASK)
    return text


def describe(entra: EntraSettings) -> dict[str, str]:
    """What the token request will use (flow, authority or endpoint, identity, scope); no secrets."""
    described: dict[str, str] = {"flow": _flow(entra), "cloud": entra.cloud.name.value}
    if entra.authentication_type is AuthenticationType.SERVICE_PRINCIPAL:
        described["authority"] = authority_host(entra.cloud)
        described["tenant"] = entra.tenant or ""
        described["clientId"] = entra.service_principal_id or ""
    else:
        described["endpoint"] = managed_identity_endpoint()
        if entra.managed_identity_client_id:
            described["clientId"] = entra.managed_identity_client_id
        if entra.managed_identity_resource_id:
            described["resourceId"] = entra.managed_identity_resource_id
    described["scope"] = entra.scope
    return described


def managed_identity_endpoint() -> str:
    """Where azure-identity will ask for a managed identity token on this machine."""
    return os.environ.get("IDENTITY_ENDPOINT") or os.environ.get("MSI_ENDPOINT") or IMDS_ENDPOINT


def _flow(entra: EntraSettings) -> str:
    if entra.authentication_type is AuthenticationType.SERVICE_PRINCIPAL:
        kind = entra.credential_type or ServicePrincipalCredentialType.KEY
        return _SERVICE_PRINCIPAL_FLOWS[kind]
    return _FLOWS.get(entra.authentication_type) or entra.authentication_type.value


_LABELS = {"authority": "authority", "endpoint": "endpoint", "tenant": "tenant", "clientId": "client id",
           "resourceId": "resource id", "scope": "scope"}


def _context(entra: EntraSettings) -> str:
    described = describe(entra)
    details = ", ".join(f"{label} {described[key]}" for key, label in _LABELS.items() if described.get(key))
    return f"{described['flow']} ({details})"
