#!/usr/bin/env python3
"""PostgreSQL <-> Arrow record batches: pgfactory's bridge against psql's binary COPY, and the
designs it was chosen over, on one throwaway server in one run (this machine drifts by up to a
third within an hour, so only ratios from the same run mean anything).

Table: N rows, 11 columns (bigint key, int, numeric(12,2), double, text, varchar, timestamptz,
date, boolean, uuid, jsonb); the target has the same shape and a primary key. Medians of
``--repeats`` runs, seconds, and the ratio to the psql reference of the same direction.

- read: ``psql COPY (table) TO STDOUT (FORMAT binary) > /dev/null`` vs ``read_query`` (ADBC binary
  COPY decoded in C) vs the rejected design: psycopg ``COPY TO STDOUT (FORMAT csv)`` parsed by
  ``pyarrow.csv`` (one Python call per COPY message, i.e. per row).
- write: psql loading a binary COPY file vs ``write_batches`` of in-memory batches (ADBC binary
  COPY encoded in C) vs the rejected design: ``pyarrow.csv.write_csv`` per batch into psycopg's
  ``COPY FROM STDIN (FORMAT csv)``.
- read + write: psql's binary pipe (``COPY TO STDOUT | COPY FROM STDIN``) vs ``read_query`` streamed
  into ``write_batches`` (one batch in memory at a time).

Measured on this 2-core machine (client and server share it), 1,000,000 rows, median of 5:

    read        psql 0.69 s | pgfactory 0.83 s (1.20x) | psycopg csv + pyarrow.csv 1.00 s (1.44x)
    write       psql 1.86 s | pgfactory 1.33 s (0.71x) | pgfactory, one text column 2.77 s (1.49x)
                | pyarrow csv + psycopg COPY csv 2.68 s (1.44x)
    read+write  psql 1.34 s | pgfactory 1.90 s (1.42x)

Over five runs that hour: read 1.20-1.22x, write 0.71-1.04x (psql's load itself varied 1.33-1.86 s),
read+write 1.42-1.46x; the CSV designs 1.37-1.52x (read) and 1.44-1.99x (write). A column that
travels as text (here of type ``name``) sends every batch through the wire table: about 2.1x the
direct write (2.8x when that column is xml, whose input function parses each value).

    .venv/bin/python -m bench.arrow_bridge [--rows 1000000] [--repeats 3]

(``-P``: bench/copy.py would otherwise shadow the standard library's ``copy`` module.)
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv

from pgfactory.connectors.postgres.arrow_read import read_query
from pgfactory.connectors.postgres.arrow_session import ArrowSession
from pgfactory.connectors.postgres.arrow_write import TableName, write_batches
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings, resolve_connection_settings
from pgfactory.embedded.binaries import find_bin_dir
from pgfactory.embedded.server import EmbeddedPostgres
from pgfactory.models.linked_service import LinkedServiceResource

SOURCE_SQL = """
CREATE TABLE source AS SELECT i::bigint AS id, (i % 100000)::int AS quantity, (i * 1.37)::numeric(12,2) AS amount,
    i / 7.0::float8 AS ratio, 'name ' || i AS name, ('code' || (i % 1000))::varchar(20) AS code,
    timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second' AS created, date '2020-01-01' + (i % 3000) AS day,
    i % 2 = 0 AS flag, gen_random_uuid() AS uid, jsonb_build_object('k', i, 'v', 'x' || i) AS doc
FROM generate_series(1, {rows}) AS i
"""
COLUMNS = ["id", "quantity", "amount", "ratio", "name", "code", "created", "day", "flag", "uid", "doc"]
# What pyarrow.csv must be told to type the CSV candidate's columns as the table's.
CSV_TYPES = {"amount": pa.decimal128(12, 2), "created": pa.timestamp("us", "UTC"), "name": pa.string(),
             "code": pa.string(), "uid": pa.string(), "doc": pa.string()}


class CopyReader(io.RawIOBase):
    """psycopg's COPY TO STDOUT messages as a file for pyarrow.csv (the rejected read design)."""

    def __init__(self, copy: psycopg.Copy) -> None:
        self.copy, self.pending = copy, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        parts, size = [self.pending], len(self.pending)
        while size < len(buffer):
            data = bytes(self.copy.read())  # one message: one row
            if not data:
                break
            parts.append(data)
            size += len(data)
        data = b"".join(parts)
        count = min(len(buffer), len(data))
        buffer[:count], self.pending = data[:count], data[count:]
        return count


def settings_for(server: EmbeddedPostgres) -> PostgresConnectionSettings:
    resource = LinkedServiceResource.model_validate({"name": "Bench", "properties": {
        "type": "AzurePostgreSql", "version": "2.0", "typeProperties": {
            "server": server.host, "port": server.port, "database": "postgres", "sslMode": 0,
            "authenticationType": "BasicAuth", "username": server.superuser, "commandTimeout": 0,
            "password": {"type": "SecureString", "value": server.superuser_password}}}})
    return resolve_connection_settings(resource)


class Bench:
    def __init__(self, server: EmbeddedPostgres, folder: Path) -> None:
        self.server, self.settings = server, settings_for(server)
        self.psql = [str(find_bin_dir() / "psql"), "-X", "-q", "-h", server.host, "-p", str(server.port),
                     "-U", server.superuser, "-d", "postgres"]
        self.environment = dict(os.environ, PGPASSWORD=server.superuser_password)
        self.binary_file = folder / "source.bin"

    def sql(self, statement: str) -> None:
        with psycopg.connect(self.server.conninfo, autocommit=True) as connection:
            connection.execute(statement)

    def run_psql(self, command: str, **streams: object) -> subprocess.Popen[bytes]:
        return subprocess.Popen([*self.psql, "-c", command], env=self.environment, **streams)  # type: ignore[call-overload]

    # --- read ---
    def psql_read(self) -> None:
        self.run_psql("COPY source TO STDOUT (FORMAT binary)", stdout=subprocess.DEVNULL).wait()

    def pgfactory_read(self) -> None:
        with read_query(self.settings, "SELECT * FROM source") as stream:
            for _ in stream:
                pass

    def csv_read(self) -> None:
        options = pacsv.ConvertOptions(column_types=CSV_TYPES, strings_can_be_null=True, true_values=["t"],
                                       false_values=["f"])
        with psycopg.connect(self.server.conninfo) as connection, connection.cursor() as cursor, \
                cursor.copy("COPY source TO STDOUT (FORMAT csv)") as copy:
            for _ in pacsv.open_csv(CopyReader(copy), read_options=pacsv.ReadOptions(column_names=COLUMNS),
                                    convert_options=options):
                pass

    # --- write ---
    def psql_write(self) -> None:
        with self.binary_file.open("rb") as source:
            self.run_psql("COPY target FROM STDIN (FORMAT binary)", stdin=source).wait()

    def pgfactory_write(self, batches: list[pa.RecordBatch], table: str = "target") -> Callable[[], None]:
        def write() -> None:
            with ArrowSession.open(self.settings) as session:
                write_batches(session, TableName(table), COLUMNS, batches)
                session.commit()
        return write

    def csv_write(self, batches: list[pa.RecordBatch]) -> Callable[[], None]:
        def write() -> None:
            with psycopg.connect(self.server.conninfo) as connection, connection.cursor() as cursor, \
                    cursor.copy("COPY target FROM STDIN (FORMAT csv)") as copy:
                for batch in batches:
                    sink = pa.BufferOutputStream()
                    pacsv.write_csv(batch, sink, pacsv.WriteOptions(include_header=False))
                    copy.write(sink.getvalue())
        return write

    # --- read + write ---
    def psql_pipe(self) -> None:
        reader = self.run_psql("COPY source TO STDOUT (FORMAT binary)", stdout=subprocess.PIPE)
        writer = self.run_psql("COPY target FROM STDIN (FORMAT binary)", stdin=reader.stdout)
        assert reader.stdout is not None
        reader.stdout.close()  # the writer holds the pipe now
        writer.wait()
        reader.wait()

    def pgfactory_pipe(self) -> None:
        with read_query(self.settings, "SELECT * FROM source") as stream, ArrowSession.open(self.settings) as session:
            write_batches(session, TableName("target"), COLUMNS, stream)
            session.commit()

    def timed(self, action: Callable[[], None], repeats: int, *, writes: bool) -> float:
        times = []
        for _ in range(repeats):
            if writes:
                self.sql("TRUNCATE target, target_text")
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
        return statistics.median(times)


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--rows", type=int, default=1_000_000)
    arguments.add_argument("--repeats", type=int, default=3)
    options = arguments.parse_args()
    with tempfile.TemporaryDirectory(prefix="pgfactory-bench-") as folder:
        os.chmod(folder, 0o755)  # under root the server runs as nobody and must reach its data folder
        with EmbeddedPostgres(Path(folder) / "data", superuser_password=secrets.token_urlsafe(16)) as server:
            bench = Bench(server, Path(folder))
            bench.sql(SOURCE_SQL.format(rows=options.rows))
            bench.sql("ALTER TABLE source ADD PRIMARY KEY (id)")
            bench.sql("CREATE TABLE target (LIKE source INCLUDING ALL)")
            # The same, but "name" of PostgreSQL's type name (cheap to parse, and one that travels as
            # text): every batch goes through the wire table and an INSERT ... SELECT, the fallback's cost.
            bench.sql("CREATE TABLE target_text (LIKE source INCLUDING ALL)")
            bench.sql("ALTER TABLE target_text ALTER COLUMN name TYPE name")
            bench.sql("VACUUM ANALYZE source")
            with bench.binary_file.open("wb") as sink:
                bench.run_psql("COPY source TO STDOUT (FORMAT binary)", stdout=sink).wait()
            with read_query(bench.settings, "SELECT * FROM source") as stream:
                batches = list(stream)
            # write_csv has no uuid/json extension types: the CSV candidate gets those as text.
            as_text = ", ".join(f"{column}::text" if column in {"uid", "doc"} else column for column in COLUMNS)
            with read_query(bench.settings, f"SELECT {as_text} FROM source") as stream:
                csv_batches = list(stream)
            repeats = options.repeats
            rows = [
                ("read", bench.timed(bench.psql_read, repeats, writes=False),
                 [("pgfactory", bench.timed(bench.pgfactory_read, repeats, writes=False)),
                  ("psycopg csv + pyarrow.csv", bench.timed(bench.csv_read, repeats, writes=False))]),
                ("write", bench.timed(bench.psql_write, repeats, writes=True),
                 [("pgfactory", bench.timed(bench.pgfactory_write(batches), repeats, writes=True)),
                  ("pgfactory, one text column", bench.timed(bench.pgfactory_write(batches, "target_text"), repeats,
                                                             writes=True)),
                  ("pyarrow csv + psycopg COPY csv", bench.timed(bench.csv_write(csv_batches), repeats, writes=True))]),
                ("read+write", bench.timed(bench.psql_pipe, repeats, writes=True),
                 [("pgfactory", bench.timed(bench.pgfactory_pipe, repeats, writes=True))]),
            ]
            print(f"{options.rows:,} rows, 11 columns, median of {repeats}:")
            for label, reference, candidates in rows:
                measured = " | ".join(f"{name} {seconds:.2f} s ({seconds / reference:.2f}x)" for name, seconds in candidates)
                print(f"    {label:<11} psql {reference:.2f} s | {measured}")


if __name__ == "__main__":
    main()
