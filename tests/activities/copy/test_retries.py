"""A copy whose source connection dies mid-stream is retried by its policy and writes every row once."""

from __future__ import annotations

import threading
import time
from typing import Any

from pgfactory.engine import Engine
from pgfactory.models.factory import ResourceKind
from pgfactory.store.run_store import RunStore
from tests.activities.conftest import ROLE
from tests.activities.copy.test_postgres_to_postgres import create, dataset, rows
from tests.activities.invocations import make_factory, resource
from tests.fixtures.postgres import RunningServer

# The stream stalls near its end while the flag table has a row: the moment to kill the reader.
SLOW_SOURCE = ("SELECT g AS id FROM generate_series(1, 200000) AS g "
               "WHERE g <> 150000 OR pg_sleep(CASE WHEN EXISTS (SELECT FROM {schema}.stall) THEN 10 ELSE 0 END) IS NOT NULL")


def test_a_killed_source_connection_is_retried_without_duplicates(server: RunningServer, tmp_path: Any) -> None:
    for table in ("source", "target", "stall"):
        server.execute(f"DROP TABLE IF EXISTS {ROLE}.{table}")
    create(server, "target", "id int")
    create(server, "stall", "n int", "VALUES (1)")
    copy = {"name": "Copy", "type": "Copy", "policy": {"retry": 2, "retryIntervalInSeconds": 0},
            "inputs": [{"referenceName": "Source", "type": "DatasetReference"}],
            "outputs": [{"referenceName": "Sink", "type": "DatasetReference"}],
            "typeProperties": {"source": {"type": "AzurePostgreSqlSource", "query": SLOW_SOURCE.format(schema=ROLE)},
                               "sink": {"type": "AzurePostgreSqlSink"}}}
    factory = make_factory(server, datasets=[dataset("Source", "source"), dataset("Sink", "target")])
    factory.add(ResourceKind.PIPELINE, resource(ResourceKind.PIPELINE, {"name": "P", "properties": {"activities": [copy]}}))

    def kill_the_stalled_reader() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            killed = server.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE query LIKE 'COPY (SELECT%pg_sleep%' AND wait_event = 'PgSleep'")
            if killed:
                server.execute(f"DELETE FROM {ROLE}.stall")  # the retry streams straight through
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_stalled_reader)
    with RunStore.open(tmp_path) as store, Engine(factory, store=store) as engine:
        killer.start()
        result = engine.run("P")
        killer.join()
        attempts = [run for run in store.activity_runs(result.run.run_id) if run.activity_name == "Copy"]
    assert result.succeeded, result.run.message
    assert [(run.status, run.retry_attempt) for run in attempts] == [("Failed", None), ("Succeeded", 1)]
    assert attempts[0].error is not None and attempts[0].error["failureType"] == "SystemError"
    assert rows(server, "target", "id")[:2] == [(1,), (2,)]
    assert server.execute(f"SELECT count(*), count(DISTINCT id) FROM {ROLE}.target") == [(200000, 200000)]
