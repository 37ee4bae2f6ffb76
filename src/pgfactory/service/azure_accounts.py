"""The Azure subscriptions, PostgreSQL flexible servers and databases an identity of the service can see.

This is what the studio's "From Azure subscription" account selection lists, without HTTP of its
own: the Azure management SDKs (``SubscriptionClient`` of azure-mgmt-resource-subscriptions, the
package azure-mgmt-resource split its subscriptions module into, and ``PostgreSQLManagementClient``
of azure-mgmt-postgresqlflexibleservers) ask the configured Resource Manager endpoint, and nothing
else, with a token for the configured scope.

Which identity (``AzureManagementSettings.credential``):

- ``environment``: the service principal that azure-identity's ``EnvironmentCredential`` reads from
  ``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID`` and ``AZURE_CLIENT_SECRET`` (a client secret);
- ``managed-identity``: this machine's managed identity (``AZURE_CLIENT_ID`` picks a user-assigned
  one, as ``DefaultAzureCredential`` does).

The variables are read when a list is asked for, so a service started without them says what is
missing instead of failing at startup, and nothing is contacted before the first list.
``AZURE_AUTHORITY_HOST`` points the token request at another cloud's Entra ID. Tokens come from
the same cache as PostgreSQL's (:mod:`pgfactory.identity`): fetched once, refreshed before expiry.

A list is kept for ``cache_seconds``: each change of a select in the form asks again for what the
selects above it chose. Failures are translated here, once, into :class:`AzureManagementError`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit

from azure.core.exceptions import AzureError, HttpResponseError, ServiceRequestError, ServiceResponseError
from azure.mgmt.core.tools import parse_resource_id
from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient
from azure.mgmt.postgresqlflexibleservers.models import Server
from azure.mgmt.resource.subscriptions import SubscriptionClient

from pgfactory.errors import AzureManagementError, IdentityError
from pgfactory.identity.clouds import CLOUDS, DEFAULT_CLOUD
from pgfactory.identity.settings import EntraSettings
from pgfactory.identity.token_credential import EntraTokenCredential
from pgfactory.models.azure_postgresql import AuthenticationType, ServicePrincipalCredentialType
from pgfactory.secrets import Secret

ARM_ENDPOINT = "https://management.azure.com"
ENVIRONMENT_VARIABLES = ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")
# azure-core waits up to 300 s per connection and retries ten times by default; a select in a form should
# say sooner that Resource Manager does not answer.
HTTP_OPTIONS: dict[str, Any] = {"connection_timeout": 10, "read_timeout": 30, "retry_total": 1}
NOT_CONFIGURED = "AzureCredentialsNotConfigured"

T = TypeVar("T")


class AzureCredentialSource(StrEnum):
    ENVIRONMENT = "environment"
    MANAGED_IDENTITY = "managed-identity"


@dataclass(frozen=True)
class AzureManagementSettings:
    credential: AzureCredentialSource = AzureCredentialSource.ENVIRONMENT
    endpoint: str = ARM_ENDPOINT  # Resource Manager's base URL (another cloud's, or a stand-in's)
    scope: str | None = None  # the token's scope; None: the endpoint's own, as azure-mgmt-core derives it
    cache_seconds: float = 60.0

    def __post_init__(self) -> None:
        if urlsplit(self.endpoint).scheme != "https" or not urlsplit(self.endpoint).hostname:
            raise ValueError(f"the Azure management endpoint must be an https URL, got {self.endpoint!r}")

    @property
    def credential_scope(self) -> str:
        return self.scope or f"{self.endpoint.rstrip('/')}/.default"


@dataclass(frozen=True)
class AzureSubscription:
    subscription_id: str
    name: str
    state: str


@dataclass(frozen=True)
class FlexibleServer:
    """An Azure Database for PostgreSQL flexible server, as Resource Manager lists it."""

    resource_id: str
    name: str
    subscription_id: str
    resource_group: str
    location: str
    fully_qualified_domain_name: str | None  # None while the server is being created
    state: str
    version: str

    def matches(self, id_or_name: str) -> bool:
        """Whether ``id_or_name`` names this server: its resource id or its name (ARM compares both without case)."""
        return id_or_name.lower() in (self.resource_id.lower(), self.name.lower())


def find_server(servers: Iterable[FlexibleServer], id_or_name: str) -> FlexibleServer | None:
    """The server ``id_or_name`` names (its resource id or its name), when one of ``servers`` does."""
    return next((server for server in servers if id_or_name and server.matches(id_or_name)), None)


class AzureAccounts:
    """Lists from Resource Manager for ``settings``; ``http_options`` are azure-core pipeline settings."""

    def __init__(self, settings: AzureManagementSettings, *, http_options: dict[str, Any] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._http_options = {**HTTP_OPTIONS, **(http_options or {})}
        self._clock = clock
        self._cache: dict[tuple[str, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def identity(self) -> str:
        """Who asks Resource Manager, in words (no secret); :class:`AzureManagementError` when it is not configured."""
        entra = self._entra()
        if entra.service_principal_id:
            return f"service principal {entra.service_principal_id} (tenant {entra.tenant})"
        if entra.managed_identity_client_id:
            return f"user-assigned managed identity {entra.managed_identity_client_id}"
        return "this machine's system-assigned managed identity"

    def subscriptions(self) -> list[AzureSubscription]:
        def ask(client: SubscriptionClient) -> list[AzureSubscription]:
            found = [AzureSubscription(item.subscription_id or "", item.display_name or item.subscription_id or "",
                                       _text(item.state)) for item in client.subscriptions.list()]
            return sorted(found, key=lambda subscription: subscription.name.lower())

        return self._cached(("subscriptions",), "listing subscriptions", lambda credential: _with(
            SubscriptionClient(credential, base_url=self.settings.endpoint,
                               credential_scopes=[self.settings.credential_scope], **self._http_options), ask))

    def servers(self, subscription_id: str) -> list[FlexibleServer]:
        """The flexible servers of the subscription, every page of them, by name."""
        def ask(client: PostgreSQLManagementClient) -> list[FlexibleServer]:
            return sorted((_server(item) for item in client.servers.list_by_subscription()),
                          key=lambda server: server.name.lower())

        return self._cached(("servers", subscription_id.lower()), f"listing the flexible servers of subscription "
                            f"{subscription_id}", lambda credential: _with(self._postgres(credential, subscription_id), ask))

    def databases(self, server: FlexibleServer) -> list[str]:
        """The names of the server's databases, sorted."""
        def ask(client: PostgreSQLManagementClient) -> list[str]:
            names = (item.name or "" for item in client.databases.list_by_server(server.resource_group, server.name))
            return sorted(names, key=str.lower)

        return self._cached(("databases", server.resource_id.lower()), f"listing the databases of server {server.name}",
                            lambda credential: _with(self._postgres(credential, server.subscription_id), ask))

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def _postgres(self, credential: EntraTokenCredential, subscription_id: str) -> PostgreSQLManagementClient:
        return PostgreSQLManagementClient(credential, subscription_id, base_url=self.settings.endpoint,
                                          credential_scopes=[self.settings.credential_scope], **self._http_options)

    def _cached(self, key: tuple[str, ...], action: str, ask: Callable[[EntraTokenCredential], T]) -> T:
        now = self._clock()
        with self._lock:
            kept = self._cache.get(key)
        if kept is not None and kept[0] > now:
            found: T = kept[1]
            return found
        value = self._call(action, ask)
        with self._lock:
            self._cache[key] = (now + self.settings.cache_seconds, value)
        return value

    def _call(self, action: str, ask: Callable[[EntraTokenCredential], T]) -> T:
        endpoint = self.settings.endpoint
        try:
            return ask(EntraTokenCredential(self._entra()))
        except IdentityError as error:
            raise AzureManagementError(f"{action}: no token for Azure Resource Manager: {error.message}",
                                       code="AzureManagementAuthenticationFailed", transient=error.transient) from None
        except (ServiceRequestError, ServiceResponseError) as error:
            raise AzureManagementError(f"{action}: Azure Resource Manager at {endpoint} is unreachable: {error.message}",
                                       code="AzureManagementUnreachable", transient=True) from None
        except HttpResponseError as error:
            status = error.status_code or 0
            if status in (401, 403):
                raise AzureManagementError(
                    f"{action}: Azure Resource Manager at {endpoint} refused {self.identity()}: {_answer(error)}",
                    code="AzureManagementAccessDenied") from None
            raise AzureManagementError(f"{action}: Azure Resource Manager at {endpoint} answered {_answer(error)}",
                                       transient=status >= 500 or status in (408, 429)) from None
        except AzureError as error:
            raise AzureManagementError(f"{action}: the call to Azure Resource Manager at {endpoint} failed: "
                                       f"{error.message}") from None

    def _entra(self) -> EntraSettings:
        cloud, scope = CLOUDS[DEFAULT_CLOUD], self.settings.credential_scope
        if self.settings.credential is AzureCredentialSource.MANAGED_IDENTITY:
            client_id = os.environ.get("AZURE_CLIENT_ID")
            if client_id:
                return EntraSettings(AuthenticationType.USER_ASSIGNED_MANAGED_IDENTITY, cloud,
                                     managed_identity_client_id=client_id, scope_override=scope)
            return EntraSettings(AuthenticationType.SYSTEM_ASSIGNED_MANAGED_IDENTITY, cloud, scope_override=scope)
        missing = [name for name in ENVIRONMENT_VARIABLES if not os.environ.get(name)]
        if missing:
            raise AzureManagementError(
                f"the service signs in to Azure with the service principal of its environment (--azure-credential "
                f"environment), and {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set there",
                code=NOT_CONFIGURED)
        return EntraSettings(AuthenticationType.SERVICE_PRINCIPAL, cloud, tenant=os.environ["AZURE_TENANT_ID"],
                             service_principal_id=os.environ["AZURE_CLIENT_ID"],
                             credential_type=ServicePrincipalCredentialType.KEY,
                             service_principal_key=Secret(os.environ["AZURE_CLIENT_SECRET"]), scope_override=scope)


def _with(client: Any, ask: Callable[[Any], T]) -> T:
    """``ask(client)``, the client's HTTP session closed afterwards."""
    with client:
        return ask(client)


def _server(item: Server) -> FlexibleServer:
    resource_id = item.id or ""
    parts = parse_resource_id(resource_id)
    properties = item.properties
    return FlexibleServer(
        resource_id=resource_id, name=item.name or "", subscription_id=str(parts.get("subscription", "")),
        resource_group=str(parts.get("resource_group", "")),
        location=item.location or "", fully_qualified_domain_name=properties.fully_qualified_domain_name if properties else None,
        state=_text(properties.state) if properties else "", version=_text(properties.version) if properties else "")


def _text(value: str | Enum | None) -> str:
    """An SDK value that may be one of its enums (whose str() is the member's Python name) as ARM wrote it."""
    return str(value.value) if isinstance(value, Enum) else value or ""


def _answer(error: HttpResponseError) -> str:
    """Resource Manager's own error code and message, with the HTTP status."""
    detail = error.error
    if detail is not None and detail.message:
        return f"HTTP {error.status_code} {detail.code}: {' '.join(detail.message.split())}"
    return f"HTTP {error.status_code} {error.reason or ''}".strip()
