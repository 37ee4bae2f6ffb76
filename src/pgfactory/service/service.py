"""The service behind ``pgfactory serve``: one object holding the store, the key, and the services the
API (and later the studio) call. Nothing here knows about HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pgfactory.errors import AuthenticationError
from pgfactory.secrets import load_secret_key
from pgfactory.service import tokens
from pgfactory.service.azure_accounts import AzureAccounts, AzureManagementSettings
from pgfactory.service.entra_tokens import EntraCaller, EntraTokenSettings, EntraTokenVerifier, looks_like_jwt
from pgfactory.service.folder import FactoryFolder
from pgfactory.service.resources import ResourceService
from pgfactory.service.runs import RunService
from pgfactory.service.scope import FactoryScope
from pgfactory.service.worker import RunWorker, WorkerSettings
from pgfactory.store import ResourceStore, TokenRecord
from pgfactory.store.database import state_database_url
from pgfactory.store.state import state_dir as resolve_state_dir

DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
DEFAULT_RESOURCE_GROUP = "pgfactory"

Principal = TokenRecord | EntraCaller  # who a request speaks for: both have a name and a role


@dataclass(frozen=True)
class ServiceSettings:
    state_dir: Path | None = None
    store_url: str | None = None  # None: SQLite in the state folder
    factory_folder: Path | None = None
    folder_scope: FactoryScope | None = None  # the ARM names the folder's factory answers to
    max_queued: int = 1000
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    entra: EntraTokenSettings | None = None  # None: API keys only; else Entra tokens of that issuer and audience too
    azure: AzureManagementSettings | None = None  # None: the studio cannot list Azure subscriptions and servers


class Service:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        state = resolve_state_dir(settings.state_dir)
        self.store = ResourceStore(settings.store_url or state_database_url(state))
        folder = None
        if settings.factory_folder is not None:
            root = settings.factory_folder.resolve()
            folder = FactoryFolder(root, settings.folder_scope or FactoryScope(DEFAULT_SUBSCRIPTION, DEFAULT_RESOURCE_GROUP,
                                                                               root.name))
        self.resources = ResourceService(self.store, load_secret_key(state), folder)
        self.worker = RunWorker(self.resources, settings.worker)
        self.runs = RunService(self.resources, self.worker, max_queued=settings.max_queued)
        self.entra_tokens = EntraTokenVerifier(settings.entra) if settings.entra is not None else None
        self.azure_accounts = AzureAccounts(settings.azure) if settings.azure is not None else None

    def authenticate(self, credential: str) -> Principal:
        """Who ``credential`` speaks for: a pgfactory API key, or (when configured) an Entra access token.

        The two are told apart by shape; :class:`AuthenticationError` when neither is valid.
        """
        credential = credential.strip()
        if credential.startswith(f"{tokens.PREFIX}_") or not looks_like_jwt(credential):
            return tokens.verify(self.store, credential)
        if self.entra_tokens is None:
            raise AuthenticationError("the token is a JWT, but this service takes Entra tokens only when started with "
                                      "--entra-issuer and --entra-audience; use a pgfactory API key")
        return self.entra_tokens.verify(credential)

    def start(self) -> None:
        if self.resources.folder is not None:
            self.resources.import_folder()
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()
        self.store.close()
