#!/usr/bin/env python3
"""Copy throughput against the physical limit, measured in one run on one server.

Creates a realistic table (bigint, int, numeric, double, text, varchar, timestamptz, date,
boolean, uuid, jsonb), then times:

- psql's ``COPY ... TO STDOUT (FORMAT binary) | COPY ... FROM STDIN (FORMAT binary)`` pipe into a
  table with a primary key: the physical limit every ratio is taken against;
- pgfactory's Copy activity, PostgreSQL to PostgreSQL (CopyCommand), into the same table;
- the same copy read as a DynamicRange over the key by 4 parallel connections into the one sink
  COPY, also printed as a ratio to the single stream;
- pgfactory's Upsert of the same rows with 10% changed, into the filled table.

Each pgfactory copy runs a real pipeline in a child process, so its peak RSS is its own.
The machine's speed drifts, so only the ratios printed here, taken in the same run, mean anything.

    .venv/bin/python -m bench.copy [--rows 5000000] [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from pgfactory.embedded.binaries import find_bin_dir
from pgfactory.embedded.server import EmbeddedPostgres

COLUMNS = """id bigint PRIMARY KEY, quantity int, price numeric(12,2), ratio double precision, note text,
    code varchar(32), created timestamptz, day date, active boolean, ref uuid, attributes jsonb"""
FILL = """INSERT INTO source SELECT g, g % 1000, (g % 100000) / 100.0, g / 7.0, 'note number ' || g, 'C' || (g % 5000),
    timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', date '2024-01-01' + g % 3650, g % 2 = 0,
    gen_random_uuid(), jsonb_build_object('k', g % 10, 'tags', jsonb_build_array('a', 'b'))
    FROM generate_series(1, %s) AS g"""

CHILD = """
import json, sys, time
from pgfactory.engine import Engine
from pgfactory.models.factory import Factory, ResourceKind, parse_resource
spec = json.loads(sys.argv[1])
factory = Factory()
for kind, data in ((ResourceKind.LINKED_SERVICE, spec["linkedService"]), (ResourceKind.DATASET, spec["source"]),
                   (ResourceKind.DATASET, spec["sink"]), (ResourceKind.PIPELINE, spec["pipeline"])):
    model, problems = parse_resource(kind, data, file=kind.folder)
    assert model is not None, problems
    factory.add(kind, model)
started = time.perf_counter()
with Engine(factory) as engine:
    result = engine.run("Bench")
assert result.succeeded, result.run.message
print(json.dumps({"seconds": time.perf_counter() - started, "output": result.activities["Copy"].output}))
"""


def pgfactory_copy(server: EmbeddedPostgres, password: str, sink: dict[str, object],
                   source: dict[str, object] | None = None) -> tuple[float, int, dict[str, object]]:
    """Seconds, the child's peak RSS in bytes, and the Copy output."""
    linked = {"referenceName": "Bench", "type": "LinkedServiceReference"}
    spec = {
        "linkedService": {"name": "Bench", "properties": {"type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
            "server": server.host, "port": server.port, "database": "postgres", "sslMode": 0,
            "authenticationType": "BasicAuth", "username": server.superuser,
            "password": {"type": "SecureString", "value": password}}}},
        "source": {"name": "Source", "properties": {"type": "AzurePostgreSqlTable", "linkedServiceName": linked,
                                                    "typeProperties": {"schema": "public", "table": "source"}}},
        "sink": {"name": "Sink", "properties": {"type": "AzurePostgreSqlTable", "linkedServiceName": linked,
                                                "typeProperties": {"schema": "public", "table": "target"}}},
        "pipeline": {"name": "Bench", "properties": {"activities": [{
            "name": "Copy", "type": "Copy", "inputs": [{"referenceName": "Source", "type": "DatasetReference"}],
            "outputs": [{"referenceName": "Sink", "type": "DatasetReference"}],
            "typeProperties": {"source": {"type": "AzurePostgreSqlSource", **(source or {})},
                               "sink": {"type": "AzurePostgreSqlSink", **sink}}}]}},
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    finished = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], capture_output=True, text=True, check=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = json.loads(finished.stdout)
    return result["seconds"], max(peak, before) * 1024, result["output"]


def psql_pipe(server: EmbeddedPostgres, password: str) -> float:
    psql = str(find_bin_dir() / "psql")
    connection = ["-h", server.host, "-p", str(server.port), "-U", server.superuser, "-d", "postgres", "-X", "-q"]
    environment = {**os.environ, "PGPASSWORD": password}
    started = time.perf_counter()
    out = subprocess.Popen([psql, *connection, "-c", "COPY source TO STDOUT (FORMAT binary)"], stdout=subprocess.PIPE,
                           env=environment)
    subprocess.run([psql, *connection, "-c", "COPY target FROM STDIN (FORMAT binary)"], stdin=out.stdout, check=True,
                   env=environment)
    assert out.wait() == 0
    return time.perf_counter() - started


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--rows", type=int, default=5_000_000)
    arguments.add_argument("--repeats", type=int, default=1)
    options = arguments.parse_args()
    password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="pgfactory-bench-") as folder, \
            EmbeddedPostgres(Path(folder) / "data", superuser_password=password,
                             settings={"max_wal_size": "8GB", "checkpoint_timeout": "30min"}) as server, \
            psycopg.connect(server.conninfo, autocommit=True) as admin:
        admin.execute(f"CREATE TABLE source ({COLUMNS})")
        admin.execute(f"CREATE TABLE target ({COLUMNS})")
        admin.execute(FILL.replace("%s", str(options.rows)))
        admin.execute("VACUUM ANALYZE source")
        size = admin.execute("SELECT pg_total_relation_size('source')").fetchone()[0]  # type: ignore[index]
        print(f"{options.rows:,} rows, 11 columns, source table {size / 1_048_576:,.0f} MiB, target with a primary key")

        def fresh_target() -> None:
            admin.execute("TRUNCATE target")
            admin.execute("CHECKPOINT")

        limit = []
        for _ in range(options.repeats):
            fresh_target()
            limit.append(psql_pipe(server, password))
        reference = statistics.median(limit)
        print(f"{'psql binary pipe (limit)':<34} {reference:8.2f} s  ratio 1.00")

        def report(label: str, runs: list[tuple[float, int, dict[str, object]]]) -> None:
            seconds = statistics.median(run[0] for run in runs)
            peak = max(run[1] for run in runs)
            method = runs[0][2]["executionDetails"][0]["copyMethod"]  # type: ignore[index]
            print(f"{label:<34} {seconds:8.2f} s  ratio {reference / seconds:4.2f} of the limit's throughput  "
                  f"peak RSS {peak / 1_048_576:,.0f} MiB  ({method})")

        copies = []
        for _ in range(options.repeats):
            fresh_target()
            copies.append(pgfactory_copy(server, password, {}))
        report("pgfactory PG->PG CopyCommand", copies)
        partitioned = []
        for _ in range(options.repeats):
            fresh_target()
            partitioned.append(pgfactory_copy(server, password, {}, {"partitionOption": "DynamicRange"}))
        report("pgfactory PG->PG DynamicRange x4", partitioned)
        single = statistics.median(run[0] for run in copies)
        print(f"{'':<34} ratio {single / statistics.median(run[0] for run in partitioned):4.2f} of the single stream's "
              f"throughput ({partitioned[0][2]['usedParallelCopies']} parallel reads into one COPY)")
        admin.execute("UPDATE source SET note = note || ' changed' WHERE id % 10 = 0")
        admin.execute("VACUUM ANALYZE source")
        upserts = [pgfactory_copy(server, password, {"writeMethod": "Upsert"}) for _ in range(options.repeats)]
        report("pgfactory PG->PG Upsert (10% changed)", upserts)


if __name__ == "__main__":
    main()
