#!/usr/bin/env python3
"""Copy throughput against the physical limit and against other tools, measured in one run on one server.

Creates a realistic table (bigint, int, numeric, double, text, varchar, timestamptz, date,
boolean, uuid, jsonb; the target has a primary key), then times, in this order:

- psql's ``COPY ... TO STDOUT (FORMAT binary) | COPY ... FROM STDIN (FORMAT binary)`` pipe: the
  physical limit every ratio is taken against;
- the ADBC PostgreSQL driver streaming a read into an ingest (PG->PG), and streaming a Parquet
  file into an ingest (Parquet->PG), into copies of the target whose jsonb (and, PG->PG, numeric)
  columns are text: the driver cannot write its own string reading of those types back;
- DuckDB's postgres extension writing the table to Parquet (PG->Parquet) when the ``bench``
  extra is installed; psql ``COPY TO`` a binary file;
- pgfactory's Copy activity, each a real pipeline in a child process: PG->PG (single stream and
  DynamicRange x4), PG->Parquet, Parquet->PG, PG->CSV, and Upsert of the rows with 10% changed;
- peak RSS of pgfactory's PG->PG and PG->Parquet at a tenth of the rows, against the full table.

Every tool runs in its own child process, which reports its own time and peak RSS. The machine's
speed drifts by up to a third within an hour, so only the ratios printed here mean anything.

    .venv/bin/pip install -e .[bench]          # DuckDB and its postgres extension (optional)
    .venv/bin/python -m bench.copy [--rows 5000000] [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from pgfactory.embedded.binaries import find_bin_dir
from pgfactory.embedded.server import EmbeddedPostgres

COLUMNS = """id bigint PRIMARY KEY, quantity int, price numeric(12,2), ratio double precision, note text,
    code varchar(32), created timestamptz, day date, active boolean, ref uuid, attributes jsonb"""
FILL = """INSERT INTO source SELECT g, g % 1000, (g % 100000) / 100.0, g / 7.0, 'note number ' || g, 'C' || (g % 5000),
    timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', date '2024-01-01' + g % 3650, g % 2 = 0,
    gen_random_uuid(), jsonb_build_object('k', g % 10, 'tags', jsonb_build_array('a', 'b'))
    FROM generate_series(1, {rows}) AS g"""

# Each child prints {"seconds": ..., "rss": peak bytes, ...} about itself only.
MEASURE = """
import json, resource, sys, time
spec = json.loads(sys.argv[1])
started = time.perf_counter()
extra = run(spec) or {}
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, **extra}))
"""

PGFACTORY = """
from pgfactory.engine import Engine
from pgfactory.models.factory import Factory, ResourceKind, parse_resource

def run(spec):
    factory = Factory()
    for kind, items in ((ResourceKind.LINKED_SERVICE, spec["linkedServices"]), (ResourceKind.DATASET, spec["datasets"]),
                        (ResourceKind.PIPELINE, [spec["pipeline"]])):
        for data in items:
            model, problems = parse_resource(kind, data, file=kind.folder)
            assert model is not None, problems
            factory.add(kind, model)
    with Engine(factory) as engine:
        result = engine.run("Bench")
    assert result.succeeded, result.run.message
    output = result.activities["Copy"].output
    return {"method": output["executionDetails"][0]["copyMethod"], "streams": output["usedParallelCopies"]}
"""

ADBC_PG_TO_PG = """
from adbc_driver_postgresql import dbapi

def run(spec):
    with dbapi.connect(spec["uri"]) as reader, dbapi.connect(spec["uri"]) as writer:
        with reader.cursor() as source, writer.cursor() as sink:
            source.execute("SELECT * FROM source")
            sink.adbc_ingest("adbc_target", source.fetch_record_batch(), mode="append")
        writer.commit()
"""

ADBC_PARQUET_TO_PG = """
import pyarrow as pa, pyarrow.parquet as pq
from adbc_driver_postgresql import dbapi

def run(spec):
    file = pq.ParquetFile(spec["parquet"])
    stream = pa.RecordBatchReader.from_batches(file.schema_arrow, file.iter_batches())
    with dbapi.connect(spec["uri"]) as writer, writer.cursor() as sink:
        sink.adbc_ingest("adbc_parquet_target", stream, mode="append")
        writer.commit()
"""

DUCKDB_PG_TO_PARQUET = """
import duckdb, duckdb_ext, os

def run(spec):
    extension = os.path.join(list(duckdb_ext.__path__)[0], "extensions", "v" + duckdb.__version__,
                             "linux_amd64", "postgres_scanner.duckdb_extension")
    connection = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    connection.execute(f"LOAD '{extension}'")
    connection.execute(f"ATTACH '{spec['libpq']}' AS pg (TYPE postgres, READ_ONLY)")
    connection.execute(f"COPY pg.public.source TO '{spec['parquet']}' (FORMAT parquet, COMPRESSION snappy)")
"""


def child(code: str, spec: dict[str, Any]) -> dict[str, Any]:
    finished = subprocess.run([sys.executable, "-c", code + MEASURE, json.dumps(spec)], capture_output=True, text=True,
                              check=False)
    if finished.returncode != 0:
        raise RuntimeError(finished.stderr.strip().splitlines()[-1] if finished.stderr.strip() else "child failed")
    return json.loads(finished.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


class Bench:
    def __init__(self, server: EmbeddedPostgres, password: str, folder: Path, admin: psycopg.Connection[Any]) -> None:
        self.server, self.password, self.folder, self.admin = server, password, folder, admin
        self.psql = str(find_bin_dir() / "psql")
        self.limit = 0.0

    @property
    def uri(self) -> str:
        return f"postgresql://{self.server.superuser}:{self.password}@{self.server.host}:{self.server.port}/postgres"

    def fresh_target(self) -> None:
        self.admin.execute("TRUNCATE target, adbc_target, adbc_parquet_target")
        self.admin.execute("CHECKPOINT")

    def psql_args(self, command: str) -> list[str]:
        return [self.psql, "-h", self.server.host, "-p", str(self.server.port), "-U", self.server.superuser,
                "-d", "postgres", "-X", "-q", "-c", command]

    def psql_pipe(self) -> dict[str, Any]:
        environment = {**os.environ, "PGPASSWORD": self.password}
        started = time.perf_counter()
        out = subprocess.Popen(self.psql_args("COPY source TO STDOUT (FORMAT binary)"), stdout=subprocess.PIPE,
                               env=environment)
        subprocess.run(self.psql_args("COPY target FROM STDIN (FORMAT binary)"), stdin=out.stdout, check=True,
                       env=environment)
        assert out.wait() == 0
        return {"seconds": time.perf_counter() - started}

    def psql_to_file(self) -> dict[str, Any]:
        environment = {**os.environ, "PGPASSWORD": self.password}
        started = time.perf_counter()
        with open(self.folder / "source.bin", "wb") as file:
            subprocess.run(self.psql_args("COPY source TO STDOUT (FORMAT binary)"), stdout=file, check=True,
                           env=environment)
        return {"seconds": time.perf_counter() - started}

    def pgfactory(self, source: dict[str, Any], sink: dict[str, Any], source_dataset: str = "Table",
                  sink_dataset: str = "Target") -> dict[str, Any]:
        linked = {"referenceName": "Bench", "type": "LinkedServiceReference"}
        files = {"referenceName": "Files", "type": "LinkedServiceReference"}

        def file_dataset(name: str, kind: str, file_name: str, **properties: Any) -> dict[str, Any]:
            location = {"type": "FileServerLocation", "folderPath": "out", "fileName": file_name}
            return {"name": name, "properties": {"type": kind, "linkedServiceName": files,
                                                 "typeProperties": {"location": location, **properties}}}

        spec = {
            "linkedServices": [
                {"name": "Bench", "properties": {"type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
                    "server": self.server.host, "port": self.server.port, "database": "postgres", "sslMode": 0,
                    "authenticationType": "BasicAuth", "username": self.server.superuser,
                    "password": {"type": "SecureString", "value": self.password}}}},
                {"name": "Files", "properties": {"type": "FileServer", "typeProperties": {"host": str(self.folder)}}},
            ],
            "datasets": [
                {"name": "Table", "properties": {"type": "AzurePostgreSqlTable", "linkedServiceName": linked,
                                                 "typeProperties": {"schema": "public", "table": "source"}}},
                {"name": "Target", "properties": {"type": "AzurePostgreSqlTable", "linkedServiceName": linked,
                                                  "typeProperties": {"schema": "public", "table": "target"}}},
                {"name": "AdbcTarget", "properties": {"type": "AzurePostgreSqlTable", "linkedServiceName": linked,
                                                      "typeProperties": {"schema": "public", "table": "adbc_parquet_target"}}},
                file_dataset("Parquet", "Parquet", "source.parquet", compressionCodec="snappy"),
                file_dataset("Csv", "DelimitedText", "source.csv", columnDelimiter=",", firstRowAsHeader=True),
            ],
            "pipeline": {"name": "Bench", "properties": {"activities": [{
                "name": "Copy", "type": "Copy", "inputs": [{"referenceName": source_dataset, "type": "DatasetReference"}],
                "outputs": [{"referenceName": sink_dataset, "type": "DatasetReference"}],
                "typeProperties": {"source": source, "sink": sink}}]}},
        }
        return child(PGFACTORY, spec)

    def line(self, label: str, runs: list[dict[str, Any]], *, reference: float | None = None, against: str = "") -> float:
        seconds = statistics.median(run["seconds"] for run in runs)
        ratio = (reference or self.limit or seconds) / seconds
        rss = max((run.get("rss", 0) for run in runs), default=0)
        details = f"  peak RSS {rss / 1_048_576:5,.0f} MiB" if rss else ""
        if runs[0].get("method"):
            details += f"  ({runs[0]['method']}, {runs[0]['streams']} stream(s))"
        print(f"  {label:<42} {seconds:7.2f} s  {ratio:5.2f}x {against or 'the psql pipe'}{details}", flush=True)
        return seconds


def repeat(times: int, prepare: Callable[[], None] | None, work: Callable[[], dict[str, Any]]) -> list[dict[str, Any]]:
    runs = []
    for _ in range(times):
        if prepare is not None:
            prepare()
        runs.append(work())
    return runs


def duckdb_available() -> bool:
    try:
        import duckdb  # noqa: F401
        import duckdb_ext  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--rows", type=int, default=5_000_000)
    arguments.add_argument("--repeats", type=int, default=1)
    options = arguments.parse_args()
    password = secrets.token_urlsafe(16)
    postgresql = {"type": "AzurePostgreSqlSource"}
    into_table = {"type": "AzurePostgreSqlSink"}
    with tempfile.TemporaryDirectory(prefix="pgfactory-bench-") as folder_name, \
            EmbeddedPostgres(Path(folder_name) / "data", superuser_password=password,
                             settings={"max_wal_size": "8GB", "checkpoint_timeout": "30min"}) as server, \
            psycopg.connect(server.conninfo, autocommit=True) as admin:
        folder = Path(folder_name)
        (folder / "out").mkdir()
        admin.execute(f"CREATE TABLE source ({COLUMNS})")
        admin.execute(f"CREATE TABLE target ({COLUMNS})")
        # ADBC reads numeric and jsonb as strings and cannot write strings into those types: its target
        # has text there (otherwise the same table, primary key included).
        admin.execute("CREATE TABLE adbc_target (LIKE target INCLUDING ALL)")
        admin.execute("ALTER TABLE adbc_target ALTER price TYPE text, ALTER attributes TYPE text")
        # From Parquet, numeric arrives as a decimal ADBC writes natively; jsonb still as a string.
        admin.execute("CREATE TABLE adbc_parquet_target (LIKE target INCLUDING ALL)")
        admin.execute("ALTER TABLE adbc_parquet_target ALTER attributes TYPE text")
        admin.execute(FILL.format(rows=options.rows))
        admin.execute("VACUUM ANALYZE source")
        size = admin.execute("SELECT pg_total_relation_size('source')").fetchone()[0]  # type: ignore[index]
        print(f"{options.rows:,} rows, 11 columns, source table {size / 1_048_576:,.0f} MiB, target with a primary key")
        bench = Bench(server, password, folder, admin)
        n = options.repeats

        print("PG -> PG")
        bench.limit = bench.line("psql binary pipe (the limit)", repeat(n, bench.fresh_target, bench.psql_pipe))
        adbc = bench.line("ADBC read -> ingest", repeat(n, bench.fresh_target, lambda: child(ADBC_PG_TO_PG, {"uri": bench.uri})))
        single = bench.line("pgfactory Copy", repeat(n, bench.fresh_target, lambda: bench.pgfactory(postgresql, into_table)))
        print(f"  {'':<42} {adbc / single:5.2f}x ADBC's throughput")
        bench.line("pgfactory Copy, DynamicRange x4", repeat(n, bench.fresh_target, lambda: bench.pgfactory(
            {**postgresql, "partitionOption": "DynamicRange"}, into_table)), reference=single, against="the single stream")

        print("PG -> Parquet (snappy)")
        reference = bench.line("psql COPY to a binary file", repeat(n, None, bench.psql_to_file))
        duck = None
        if duckdb_available():
            duck = bench.line("DuckDB postgres extension", repeat(n, None, lambda: child(DUCKDB_PG_TO_PARQUET, {
                "libpq": f"host={server.host} port={server.port} user={server.superuser} password={password} dbname=postgres",
                "parquet": str(folder / "duckdb.parquet")})), reference=reference, against="psql to a file")
        else:
            print("  DuckDB postgres extension: not installed (pip install -e .[bench])")
        parquet = bench.line("pgfactory Copy", repeat(n, None, lambda: bench.pgfactory(postgresql, {"type": "ParquetSink"},
                                                                                      sink_dataset="Parquet")),
                             reference=reference, against="psql to a file")
        if duck:
            print(f"  {'':<42} {duck / parquet:5.2f}x DuckDB's throughput")

        print("Parquet -> PG")
        adbc_in = bench.line("ADBC streaming ingest", repeat(n, bench.fresh_target, lambda: child(ADBC_PARQUET_TO_PG, {
            "uri": bench.uri, "parquet": str(folder / "out" / "source.parquet")})))
        same_table = bench.line("pgfactory Copy, into ADBC's table", repeat(n, bench.fresh_target, lambda: bench.pgfactory(
            {"type": "ParquetSource"}, into_table, source_dataset="Parquet", sink_dataset="AdbcTarget")))
        print(f"  {'':<42} {adbc_in / same_table:5.2f}x ADBC's throughput into the same table")
        bench.line("pgfactory Copy, into the target", repeat(n, bench.fresh_target, lambda: bench.pgfactory(
            {"type": "ParquetSource"}, into_table, source_dataset="Parquet")))

        print("PG -> CSV")
        bench.line("pgfactory Copy", repeat(n, None, lambda: bench.pgfactory(postgresql, {"type": "DelimitedTextSink"},
                                                                            sink_dataset="Csv")),
                   reference=reference, against="psql to a file")

        print("Upsert of the same rows, 10% changed, into the filled target")
        admin.execute("UPDATE source SET note = note || ' changed' WHERE id % 10 = 0")
        admin.execute("VACUUM ANALYZE source")
        bench.line("pgfactory Copy, writeMethod Upsert", repeat(n, None, lambda: bench.pgfactory(
            postgresql, {**into_table, "writeMethod": "Upsert"})))

        print(f"Memory: peak RSS at {options.rows // 10:,} rows (a tenth) against {options.rows:,}")
        tenth = {**postgresql, "query": f"SELECT * FROM source WHERE id <= {options.rows // 10}"}
        for label, sink, dataset in (("PG -> PG", into_table, "Target"), ("PG -> Parquet", {"type": "ParquetSink"}, "Parquet")):
            bench.fresh_target()
            small = bench.pgfactory(tenth, sink, sink_dataset=dataset)["rss"]
            bench.fresh_target()
            large = bench.pgfactory(postgresql, sink, sink_dataset=dataset)["rss"]
            print(f"  {label:<42} {small / 1_048_576:5,.0f} MiB -> {large / 1_048_576:5,.0f} MiB  "
                  f"({large / small:4.2f}x for 10x the rows)")


if __name__ == "__main__":
    main()
