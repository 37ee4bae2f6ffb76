"""Reading one secret from Azure Key Vault with azure-keyvault-secrets.

This is the one place the Key Vault SDK is called, so its exceptions are translated here, once,
into :class:`~pgfactory.errors.SecretError` with an ADF-style message: the linked service, the
vault, the secret's name and version, and Key Vault's own words; never a secret value.

Clients are kept per vault and identity: a client holds its token and the vault's authentication
challenge, so later reads make one request each.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.keyvault.secrets import SecretClient

from pgfactory.errors import IdentityError, SecretError
from pgfactory.identity.settings import EntraSettings
from pgfactory.identity.token_credential import EntraTokenCredential
from pgfactory.secrets import Secret

# The version ADF's secret fetch uses (spec 1.5); pinned so that every SDK release asks the same.
API_VERSION = "7.4"
# azure-core waits up to 300 s per connection and retries ten times by default; a secret read that
# blocks an activity should fail sooner.
HTTP_OPTIONS: dict[str, Any] = {"connection_timeout": 15, "read_timeout": 60, "retry_total": 3}


@dataclass(frozen=True)
class KeyVault:
    """A vault as an ``AzureKeyVault`` linked service describes it, with the identity that reads it."""

    linked_service: str
    url: str
    entra: EntraSettings


_clients: dict[tuple[str, EntraSettings, tuple[tuple[str, Any], ...]], SecretClient] = {}
_clients_lock = threading.Lock()


def read_secret(vault: KeyVault, name: str, version: str | None, *,
                http_options: Mapping[str, Any] | None = None) -> Secret:
    """The value of secret ``name`` (its latest version when ``version`` is None)."""
    client = _client(vault, {**HTTP_OPTIONS, **(http_options or {})})
    try:
        secret = client.get_secret(name, version)
    except IdentityError as error:
        raise _failure(vault, name, version, f"no token for the vault: {error.message}",
                       "UserErrorKeyVaultAuthenticationFailed", transient=error.transient) from None
    except ResourceNotFoundError as error:
        raise _failure(vault, name, version, _answer(error), "UserErrorKeyVaultSecretNotFound") from None
    except (ServiceRequestError, ServiceResponseError) as error:
        raise _failure(vault, name, version, f"the vault is unreachable: {error.message}",
                       "UserErrorKeyVaultUnreachable", transient=True) from None
    except HttpResponseError as error:
        status = error.status_code or 0
        if isinstance(error, ClientAuthenticationError) or status in (401, 403):
            cause = f"{_answer(error)}; grant the identity ({_identity(vault.entra)}) Get permission on secrets"
            raise _failure(vault, name, version, cause, "UserErrorKeyVaultAccessDenied") from None
        raise _failure(vault, name, version, _answer(error), "UserErrorKeyVaultRequestFailed",
                       transient=status >= 500 or status in (408, 429)) from None
    except (AzureError, ValueError) as error:  # the SDK raises ValueError for a challenge it refuses
        raise _failure(vault, name, version, str(error), "UserErrorKeyVaultRequestFailed") from None
    if secret.value is None:
        raise _failure(vault, name, version, "the secret has no value", "UserErrorKeyVaultSecretNotFound")
    return Secret(secret.value)


def clear_key_vault_clients() -> None:
    """Close and forget every cached client (tests; a service reloading its factory)."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()


def _client(vault: KeyVault, options: dict[str, Any]) -> SecretClient:
    key = (vault.url, vault.entra, tuple(sorted(options.items())))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = SecretClient(
                vault.url, EntraTokenCredential(vault.entra), api_version=API_VERSION,
                # The SDK checks that the challenge's resource (https://vault.azure.net) is the vault URL's
                # own domain, so that a host posing as a vault cannot get a token for another service. A
                # vault on loopback (the tests' stand-in) has no such domain; every other URL keeps the check.
                verify_challenge_resource=not _is_loopback(vault.url), **options,
            )
        return client


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _answer(error: HttpResponseError) -> str:
    """Key Vault's own error code and message, with the HTTP status."""
    detail = error.error
    if detail is not None and detail.message:
        return f"HTTP {error.status_code} {detail.code}: {' '.join(detail.message.split())}"  # one line, for logs
    return f"HTTP {error.status_code} {error.reason or ''}".strip()


def _identity(entra: EntraSettings) -> str:
    if entra.service_principal_id:
        return f"service principal {entra.service_principal_id}"
    described = entra.managed_identity_client_id or entra.managed_identity_resource_id
    return f"user-assigned managed identity {described}" if described else "the system-assigned managed identity"


def _failure(vault: KeyVault, name: str, version: str | None, cause: str, code: str, *,
             transient: bool = False) -> SecretError:
    return SecretError(
        f"Failed to get secret {name!r} (version {version or 'latest'}) from Key Vault {vault.url} through linked "
        f"service {vault.linked_service!r}: {cause}",
        code=code, transient=transient,
    )
