"""Writing into a PostgreSQL table the way ADF's sink does: preCopyScript, write methods, one transaction.

CopyCommand writes the rows straight into the target with one COPY. BulkInsert and Upsert stage
them in a temporary table (same columns, gone at commit) and then move them with INSERT
statements of about ``writeBatchSize`` rows each (whole pages of the staging table, in the order
the rows arrived), each bounded by ``writeBatchTimeout``: plain for BulkInsert, ``ON CONFLICT
(keys) DO UPDATE`` for Upsert, keys defaulting to the primary key. The statements take their rows
from the staging table, not from bind parameters, so PostgreSQL's limit of 65,535 parameters per
statement (what ADF's own BulkInsert runs into) never applies. The caller holds the transaction;
nothing here commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from pgfactory.activities.copy.columns import ColumnPair
from pgfactory.activities.postgres_session import StatementGuard, statement_failure
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings
from pgfactory.errors import ActivityError

COPY_COMMAND, BULK_INSERT, UPSERT = "CopyCommand", "BulkInsert", "Upsert"
DEFAULT_WRITE_BATCH_SIZE = 1_000_000  # ADF's defaults for the version 2.0 connector
DEFAULT_WRITE_BATCH_TIMEOUT = "00:30:00"
ALL_ROWS = sql.SQL("")  # the batch condition that takes every staged row


@dataclass(frozen=True)
class PostgresSink:
    linked_service: str
    settings: PostgresConnectionSettings
    table: sql.Identifier
    table_text: str
    table_parts: tuple[str, ...]  # [schema,] table as the dataset names them
    write_method: str = COPY_COMMAND
    upsert_keys: tuple[str, ...] = ()  # empty: the table's primary key
    pre_copy_script: str | None = None
    write_batch_size: int = DEFAULT_WRITE_BATCH_SIZE  # rows per INSERT of BulkInsert and Upsert
    write_batch_timeout: float | None = 1800.0  # seconds per such INSERT; None: no limit


def run_pre_copy_script(writer: psycopg.Connection[Any], guard: StatementGuard, script: str) -> None:
    try:
        with guard.deadline(None) as deadline:
            writer.execute(script)  # no parameters: the simple protocol, so several statements may follow each other
    except psycopg.Error as error:
        raise statement_failure(error, guard, deadline, where="The sink's preCopyScript", timeout_property="",
                                code="PostgreSqlPreCopyScript") from None


def create_staging(writer: psycopg.Connection[Any], sink: PostgresSink, pairs: list[ColumnPair]) -> sql.Identifier:
    """A temporary table with the mapped columns of the target, gone at commit."""
    staging = sql.Identifier(f"pgfactory_stage_{uuid.uuid4().hex[:12]}")
    columns = sql.SQL(", ").join(sql.Identifier(pair.sink.name) for pair in pairs)
    writer.execute(sql.SQL("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
        staging, columns, sink.table))
    return staging


def merge_staged(writer: psycopg.Connection[Any], guard: StatementGuard, sink: PostgresSink, staging: sql.Identifier,
                 pairs: list[ColumnPair], rows: int) -> int:
    """Move the ``rows`` staged rows into the target (Upsert: insert or update by key; BulkInsert: insert); rows written."""
    names = [pair.sink.name for pair in pairs]
    keys = upsert_keys(sink, names, lambda: [row[0] for row in writer.execute(primary_key_query(sink)).fetchall()])
    pages = int(writer.execute(staged_pages_query(staging)).fetchone()[0])  # type: ignore[index]
    written = 0
    for batch in staged_batches(pages, rows, sink.write_batch_size):
        try:
            with guard.deadline(sink.write_batch_timeout) as deadline:
                written += max(writer.execute(merge_statement(sink, staging, names, keys, batch)).rowcount, 0)
        except psycopg.errors.InvalidColumnReference as error:
            raise keys_without_constraint(sink, keys, error.diag.message_primary or "") from None
        except psycopg.Error as error:
            raise statement_failure(error, guard, deadline, where=f"{sink.write_method} into {sink.table_text}",
                                    timeout_property="sink.writeBatchTimeout", code="PostgreSqlCopy") from None
    return written


def staged_pages_query(staging: sql.Composable) -> sql.Composed:
    return sql.SQL("SELECT pg_relation_size({}::regclass) / current_setting('block_size')::int").format(
        sql.Literal(staging.as_string(None)))


def staged_batches(pages: int, rows: int, batch_size: int) -> list[sql.Composable]:
    """Conditions that split a staging table of ``pages`` pages holding ``rows`` rows into runs of
    whole pages of about ``batch_size`` rows, in page order; together they take every row."""
    if rows <= batch_size or pages <= 1:
        return [ALL_ROWS]
    pages_per_batch = max(1, batch_size * pages // rows)
    starts = range(0, pages, pages_per_batch)
    conditions: list[sql.Composable] = []
    for start in starts:
        lower = sql.SQL("ctid >= {}::tid").format(sql.Literal(f"({start},0)")) if start else None
        upper = sql.SQL("ctid < {}::tid").format(sql.Literal(f"({start + pages_per_batch},0)")) \
            if start + pages_per_batch < pages else None  # the last batch is open-ended
        bounds = [bound for bound in (lower, upper) if bound is not None]
        conditions.append(sql.SQL(" WHERE ") + sql.SQL(" AND ").join(bounds))
    return conditions


def upsert_keys(sink: PostgresSink, names: list[str], primary_key: Callable[[], list[str]]) -> list[str]:
    """The keys an Upsert matches rows on (``upsertSettings.keys``, else the primary key); none for BulkInsert."""
    if sink.write_method != UPSERT:
        return []
    keys = list(sink.upsert_keys) or primary_key()
    if not keys:
        raise ActivityError(f"Upsert into {sink.table_text}: the table has no primary key; give upsertSettings.keys",
                            code="UserErrorInvalidUpsertKeys")
    missing = [key for key in keys if key not in names]
    if missing:
        raise ActivityError(f"upsertSettings.keys {', '.join(map(repr, missing))} are not among the copied columns "
                            f"({', '.join(names)})", code="UserErrorInvalidUpsertKeys")
    return keys


def primary_key_query(sink: PostgresSink) -> sql.Composed:
    """The target's primary key columns, in key order."""
    return sql.SQL(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = {}::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)"
    ).format(sql.Literal(sink.table.as_string(None)))


def merge_statement(sink: PostgresSink, staging: sql.Composable, names: list[str], keys: list[str],
                    batch: sql.Composable = ALL_ROWS) -> sql.Composed:
    """The INSERT that moves staged rows (those ``batch`` selects, see :func:`staged_batches`) into the
    target: plain (BulkInsert) or ON CONFLICT by ``keys`` (Upsert)."""
    columns = sql.SQL(", ").join(map(sql.Identifier, names))
    if not keys:
        return sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}{}").format(sink.table, columns, columns, staging, batch)
    key_list = sql.SQL(", ").join(map(sql.Identifier, keys))
    updates = [name for name in names if name not in keys]
    # A row whose values are all the same is left alone: no new row version, no WAL, no index
    # update. Rows compare as text, which every type has (json has no equality operator).
    changed = sql.SQL("ROW({})::text IS DISTINCT FROM ROW({})::text").format(
        sql.SQL(", ").join(sql.SQL("target.{}").format(sql.Identifier(name)) for name in updates),
        sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(name)) for name in updates))
    action = sql.SQL("DO NOTHING") if not updates else sql.SQL("DO UPDATE SET {} WHERE {}").format(
        sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(name)) for name in updates), changed)
    # The last staged row of a key wins, as if the rows had been applied one after the other (batches
    # go in page order, so a later batch's row overwrites an earlier one's).
    return sql.SQL(
        "INSERT INTO {table} AS target ({columns}) SELECT DISTINCT ON ({keys}) {columns} FROM {staging}{batch} "
        "ORDER BY {keys}, ctid DESC ON CONFLICT ({keys}) {action}"
    ).format(table=sink.table, columns=columns, keys=key_list, staging=staging, batch=batch, action=action)


def keys_without_constraint(sink: PostgresSink, keys: list[str], message: str) -> ActivityError:
    return ActivityError(
        f"Upsert into {sink.table_text} needs a primary key or unique constraint on exactly its keys "
        f"({', '.join(keys)}): {message}", code="UserErrorInvalidUpsertKeys")
