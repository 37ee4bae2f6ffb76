#!/usr/bin/env python3
"""Engine overhead per activity run, against the same statements run directly with psycopg.

A ForEach over N items runs a Script (``SELECT 1``) per item, sequentially and with batchCount
20, with run history written to a SQLite store as ``pgfactory run`` does. The reference is the
same N statements on one psycopg connection, measured in the same process on the same server.
Overhead per activity = (pipeline time - reference time) / N. Medians of a few repeats, since
this machine's speed drifts.

    .venv/bin/python -m bench.engine [--items 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from pgfactory.connectors.postgres.pool import close_pools
from pgfactory.embedded.server import EmbeddedPostgres
from pgfactory.engine import Engine
from pgfactory.models.factory import Factory, ResourceKind, parse_resource
from pgfactory.store.run_store import RunStore


def factory_for(server: EmbeddedPostgres, password: str) -> Factory:
    factory = Factory()
    resources: list[tuple[ResourceKind, dict[str, Any]]] = [
        (ResourceKind.LINKED_SERVICE, {"name": "Bench", "properties": {"type": "AzurePostgreSql", "version": "2.0",
            "typeProperties": {"server": server.host, "port": server.port, "database": "postgres", "sslMode": 0,
                               "authenticationType": "BasicAuth", "username": "postgres",
                               "password": {"type": "SecureString", "value": password}}}}),
    ]
    for batch_name, sequential, batch_count in (("Sequential", True, 1), ("Batch20", False, 20)):
        resources.append((ResourceKind.PIPELINE, {"name": batch_name, "properties": {
            "parameters": {"items": {"type": "Array"}},
            "activities": [{"name": "Each", "type": "ForEach", "typeProperties": {
                "items": "@pipeline().parameters.items", "isSequential": sequential, "batchCount": batch_count,
                "activities": [{"name": "Select1", "type": "Script",
                                "linkedServiceName": {"referenceName": "Bench", "type": "LinkedServiceReference"},
                                "typeProperties": {"scripts": [{"type": "Query", "text": "SELECT 1"}]}}]}}]}}))
    for kind, data in resources:
        model, problems = parse_resource(kind, data, file=f"{kind.folder}/{data['name']}.json")
        assert model is not None, problems
        factory.add(kind, model)
    return factory


def direct(conninfo: str, items: int) -> float:
    with psycopg.connect(conninfo, autocommit=True) as connection:
        started = time.perf_counter()
        for _ in range(items):
            connection.execute("SELECT 1").fetchall()
        return time.perf_counter() - started


def pipeline(engine: Engine, name: str, items: int) -> float:
    started = time.perf_counter()
    result = engine.run(name, {"items": list(range(items))})
    elapsed = time.perf_counter() - started
    assert result.succeeded, result.run.message
    return elapsed


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--items", type=int, default=1000)
    arguments.add_argument("--repeats", type=int, default=3)
    options = arguments.parse_args()
    with tempfile.TemporaryDirectory(prefix="pgfactory-bench-") as folder:
        password = secrets.token_urlsafe(16)
        with EmbeddedPostgres(Path(folder) / "data", superuser_password=password) as server, \
                RunStore.open(Path(folder) / "state") as store, \
                Engine(factory_for(server, password), store=store) as engine:
            pipeline(engine, "Sequential", 20)  # warm up: pool, caches
            reference = statistics.median(direct(server.conninfo, options.items) for _ in range(options.repeats))
            print(f"psycopg, {options.items} statements on one connection: {reference:.3f} s "
                  f"({reference / options.items * 1000:.3f} ms each)")
            for name in ("Sequential", "Batch20"):
                elapsed = statistics.median(pipeline(engine, name, options.items) for _ in range(options.repeats))
                overhead = (elapsed - reference) / options.items * 1000
                print(f"ForEach {name:<10} {options.items} Script activities: {elapsed:.3f} s, "
                      f"{elapsed / options.items * 1000:.3f} ms per activity, ratio {elapsed / reference:.1f}x, "
                      f"engine overhead {overhead:.3f} ms per activity (target < 3 ms)")
        close_pools()


if __name__ == "__main__":
    main()
