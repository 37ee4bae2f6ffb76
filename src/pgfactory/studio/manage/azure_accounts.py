"""The "From Azure subscription" account selection of the Azure Database for PostgreSQL linked service form.

``GET {F}/manage/azure/accounts?azureSubscription=<id>&azureServer=<resource id or name>&database=<name>``
answers ``manage/_azure_account.html``, which the form shows inside its ``<div id="azure-account">``:
selects for the subscription, the flexible server and the database, and the ``server`` (the chosen
server's fully qualified domain name) and ``port`` inputs, so that the form posts the same fields as
"Enter manually". Each select asks for the fragment again when it changes, with the others' values.

The lists come from the service's :class:`~pgfactory.service.azure_accounts.AzureAccounts`. Without
Azure credentials the fragment says why the choice is unavailable and how to configure it; when
Resource Manager cannot be asked, it says what failed and keeps what was listed before the failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from pgfactory.errors import AzureManagementError
from pgfactory.service.azure_accounts import NOT_CONFIGURED, AzureAccounts, AzureSubscription, FlexibleServer, find_server
from pgfactory.store import TokenRole
from pgfactory.studio.factory_page import FACTORY_PATH, Factory
from pgfactory.studio.rendering import render
from pgfactory.studio.session import User, require, service_of

router = APIRouter()
POSTGRES_PORT = 5432  # what flexible servers listen on (PgBouncer, when enabled, on 6432)


@dataclass
class AccountSelection:
    """What the fragment shows: the lists asked so far, the choices that are in them, and why it stopped, if it did."""

    subscriptions: list[AzureSubscription] | None = None
    subscription: str = ""
    servers: list[FlexibleServer] | None = None
    server: FlexibleServer | None = None
    databases: list[str] | None = None
    database: str = ""
    identity: str = ""
    unavailable: str | None = None  # no Azure credentials: why, in words
    failure: AzureManagementError | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def subscription_options(self) -> list[tuple[str, str]]:
        return [(item.subscription_id, item.name) for item in self.subscriptions or []]

    @property
    def server_options(self) -> list[tuple[str, str]]:
        """Servers by resource id (names repeat across resource groups), shown with their group when names repeat."""
        servers = self.servers or []
        names = [server.name.lower() for server in servers]
        return [(server.resource_id, server.name if names.count(server.name.lower()) == 1
                 else f"{server.name} ({server.resource_group})") for server in servers]

    @property
    def database_options(self) -> list[tuple[str, str]]:
        return [(name, name) for name in self.databases or []]


@router.get(FACTORY_PATH + "/manage/azure/accounts")
def azure_account(request: Request, factory: Factory, user: User,
                  subscription: Annotated[str, Query(alias="azureSubscription")] = "",
                  server: Annotated[str, Query(alias="azureServer")] = "",
                  database: Annotated[str, Query(alias="database")] = "") -> Response:
    require(user, TokenRole.CONTRIBUTOR, "choosing an Azure server for a linked service")
    accounts = service_of(request).azure_accounts
    selection = account_selection(accounts, subscription, server, database) if accounts is not None else AccountSelection(
        unavailable="this pgfactory service was started without Azure credentials")
    return render(request, "manage/_azure_account.html", {"selection": selection, "port": POSTGRES_PORT})


def account_selection(accounts: AzureAccounts, subscription: str, server: str, database: str) -> AccountSelection:
    """Ask for each list the choices above it allow: subscriptions, then the chosen one's servers, then its databases."""
    selection = AccountSelection()
    try:
        selection.identity = accounts.identity()
        selection.subscriptions = accounts.subscriptions()
        chosen = [item for item in selection.subscriptions if item.subscription_id.lower() == subscription.lower()]
        if not chosen and len(selection.subscriptions) == 1:  # one subscription: nothing to choose
            chosen = selection.subscriptions
        if not chosen:
            return selection
        selection.subscription = chosen[0].subscription_id
        selection.servers = accounts.servers(selection.subscription)
        selection.server = find_server(selection.servers, server)
        if selection.server is None:
            return selection
        if not selection.server.fully_qualified_domain_name:
            selection.problems.append(f"Server {selection.server.name} has no domain name yet (its state is "
                                      f"{selection.server.state or 'unknown'}); choose it again once it is ready.")
        selection.databases = accounts.databases(selection.server)
        selection.database = next((name for name in selection.databases if name == database), "")
    except AzureManagementError as error:
        if error.code == NOT_CONFIGURED:
            selection.unavailable = error.message
        else:
            selection.failure = error
    return selection
