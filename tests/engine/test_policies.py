"""Activity policies on real SQL: timeout cancels the statement, retry, secure input and output; run cancel."""

from __future__ import annotations

import time

from pgfactory.engine import Engine
from pgfactory.store.run_store import RunStore
from tests.engine.pipelines import ROLE, activity_runs, after, factory_with, run, script, wait_for
from tests.fixtures.postgres import RunningServer


def sleeping_backends(server: RunningServer) -> int:
    return int(server.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(%'")[0][0])



def test_a_timeout_fails_the_activity_and_cancels_its_sql(server: RunningServer, store: RunStore) -> None:
    factory = factory_with(server, script("Slow", "SELECT pg_sleep(30)", policy={"timeout": "00:00:01"}))
    started = time.monotonic()
    result = run(factory, "P", store)
    assert time.monotonic() - started < 5
    error = activity_runs(store, result)["Slow"][0].error
    assert error is not None and error["errorCode"] == "ActivityTimedOut"
    assert "policy.timeout of 00:00:01" in error["message"]
    wait_for(lambda: sleeping_backends(server) == 0)


def test_retry_runs_again_and_records_each_attempt(server: RunningServer, store: RunStore) -> None:
    # A sequence counts attempts: nextval survives the failed block's rollback.
    server.execute(f"DROP SEQUENCE IF EXISTS {ROLE}.attempts")
    server.execute(f"CREATE SEQUENCE {ROLE}.attempts")
    server.execute(f"GRANT ALL ON {ROLE}.attempts TO {ROLE}")
    flaky = f"DO $$ BEGIN IF nextval('{ROLE}.attempts') < 3 THEN RAISE EXCEPTION 'not yet'; END IF; END $$"
    factory = factory_with(server, script("Flaky", flaky, policy={"retry": 3, "retryIntervalInSeconds": 0}))
    result = run(factory, "P", store)
    assert result.succeeded, result.run.message
    attempts = activity_runs(store, result)["Flaky"]
    assert [(record.status, record.retry_attempt) for record in attempts] == [
        ("Failed", None), ("Failed", 1), ("Succeeded", 2)]
    assert "not yet" in attempts[0].error["message"]  # type: ignore[index]


def test_retries_run_out(server: RunningServer, store: RunStore) -> None:
    factory = factory_with(server, script("Broken", "SELECT 1/0", policy={"retry": 1, "retryIntervalInSeconds": 0}))
    result = run(factory, "P", store)
    assert [record.status for record in activity_runs(store, result)["Broken"]] == ["Failed", "Failed"]
    assert result.run.status == "Failed" and "division by zero" in result.run.message


def test_secure_input_and_output_are_masked_in_history_but_flow_downstream(server: RunningServer, store: RunStore) -> None:
    factory = factory_with(
        server,
        script("Secret", "SELECT 'classified' AS word", policy={"secureInput": True, "secureOutput": True}),
        script("Reader", "SELECT '@{activity('Secret').output.resultSets[0].rows[0].word}' AS seen", **after("Secret")),
    )
    result = run(factory, "P", store)
    assert result.succeeded, result.run.message
    runs = activity_runs(store, result)
    assert runs["Secret"][0].input == {"secureInput": "**********"}
    assert runs["Secret"][0].output == {"secureOutput": "**********"}
    assert runs["Reader"][0].output["resultSets"][0]["rows"] == [{"seen": "classified"}]  # type: ignore[index]


def test_cancelling_a_run_cancels_its_running_sql(server: RunningServer, store: RunStore) -> None:
    factory = factory_with(server, script("Slow", "SELECT pg_sleep(60)"))
    with Engine(factory, store=store) as engine:
        handle = engine.start("P")
        wait_for(lambda: sleeping_backends(server) == 1)
        handle.cancel()
        result = handle.wait(timeout=10)
    assert result.run.status == "Cancelled"
    assert activity_runs(store, result)["Slow"][0].status == "Cancelled"
    wait_for(lambda: sleeping_backends(server) == 0)


def test_execution_output_carries_the_runtime(server: RunningServer) -> None:
    result = run(factory_with(server, script("One", "SELECT 1 AS one")), "P")
    output = result.activities["One"].output
    assert output["resultSets"][0]["rows"] == [{"one": 1}]
    assert output["effectiveIntegrationRuntime"].startswith("AutoResolveIntegrationRuntime")
