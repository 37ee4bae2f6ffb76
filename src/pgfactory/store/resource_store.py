"""The service's metadata store: factories, their resources, API tokens, the run queue and the run history.

One :class:`ResourceStore` is one database (SQLite in the state folder, or a PostgreSQL URL that
several service processes share) with its schema at head. Its parts share one engine, so that
``queue.enqueue`` records a Queued pipeline run and its request in one transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from pgfactory.store.connection_tests import ConnectionTests
from pgfactory.store.database import StoreDatabase, state_database_url
from pgfactory.store.factories import Factories
from pgfactory.store.records import utc_now
from pgfactory.store.resources import Resources
from pgfactory.store.run_queue import RunQueue
from pgfactory.store.run_store import RunStore
from pgfactory.store.tokens import ApiTokens

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

    from sqlalchemy import URL

    from pgfactory.store.arm import Clock


class ResourceStore:
    """``factories``, ``resources``, ``tokens``, ``queue``, ``runs`` and ``connection_tests`` over one database; thread-safe.

    ``clock`` gives the times the service's tables record (creation, update, enqueue, heartbeat).
    """

    def __init__(self, url: str | URL, *, clock: Clock = utc_now) -> None:
        self.database = StoreDatabase(url)
        self.factories = Factories(self.database, clock)
        self.resources = Resources(self.database, clock)
        self.tokens = ApiTokens(self.database, clock)
        self.queue = RunQueue(self.database, clock)
        self.runs = RunStore(self.database)
        self.connection_tests = ConnectionTests(self.database, clock)

    @classmethod
    def open(cls, state_dir: Path | None = None, *, clock: Clock = utc_now) -> ResourceStore:
        """The SQLite store in the state folder: the same ``runs.db`` that :meth:`RunStore.open` opens."""
        return cls(state_database_url(state_dir), clock=clock)

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
