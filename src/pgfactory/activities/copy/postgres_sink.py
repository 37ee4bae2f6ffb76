"""Writing into a PostgreSQL table the way ADF's sink does: preCopyScript, write methods, one transaction.

CopyCommand writes the rows straight into the target. BulkInsert and Upsert stage them in a
temporary table (same columns, gone at commit) and then move them with one INSERT: plain for
BulkInsert, ``ON CONFLICT (keys) DO UPDATE`` for Upsert, keys defaulting to the primary key.
The caller holds the transaction; nothing here commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from pgfactory.activities.copy.columns import ColumnPair
from pgfactory.activities.postgres_session import StatementGuard, statement_failure
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings
from pgfactory.errors import ActivityError

COPY_COMMAND, BULK_INSERT, UPSERT = "CopyCommand", "BulkInsert", "Upsert"


@dataclass(frozen=True)
class PostgresSink:
    linked_service: str
    settings: PostgresConnectionSettings
    table: sql.Identifier
    table_text: str
    write_method: str = COPY_COMMAND
    upsert_keys: tuple[str, ...] = ()  # empty: the table's primary key
    pre_copy_script: str | None = None


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
           pairs: list[ColumnPair]) -> int:
    """Move the staged rows into the target (Upsert: insert or update by key; BulkInsert: insert); rows written."""
    names = [pair.sink.name for pair in pairs]
    columns = sql.SQL(", ").join(map(sql.Identifier, names))
    keys: list[str] = []
    if sink.write_method == BULK_INSERT:
        statement = sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(sink.table, columns, columns, staging)
    else:
        keys = list(sink.upsert_keys) or _primary_key(writer, sink)
        missing = [key for key in keys if key not in names]
        if missing:
            raise ActivityError(f"upsertSettings.keys {', '.join(map(repr, missing))} are not among the copied columns "
                                f"({', '.join(names)})", code="UserErrorInvalidUpsertKeys")
        key_list = sql.SQL(", ").join(map(sql.Identifier, keys))
        updates = [name for name in names if name not in keys]
        action = sql.SQL("DO NOTHING") if not updates else sql.SQL("DO UPDATE SET {}").format(sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(name)) for name in updates))
        # The last staged row of a key wins, as if the rows had been applied one after the other.
        statement = sql.SQL(
            "INSERT INTO {table} ({columns}) SELECT DISTINCT ON ({keys}) {columns} FROM {staging} "
            "ORDER BY {keys}, ctid DESC ON CONFLICT ({keys}) {action}"
        ).format(table=sink.table, columns=columns, keys=key_list, staging=staging, action=action)
    try:
        with guard.deadline(None) as deadline:
            return max(writer.execute(statement).rowcount, 0)
    except psycopg.errors.InvalidColumnReference as error:
        raise ActivityError(
            f"Upsert into {sink.table_text} needs a primary key or unique constraint on exactly its keys "
            f"({', '.join(keys)}): {error.diag.message_primary}", code="UserErrorInvalidUpsertKeys") from None
    except psycopg.Error as error:
        raise statement_failure(error, guard, deadline, where=f"{sink.write_method} into {sink.table_text}",
                                timeout_property="", code="PostgreSqlCopy") from None


def _primary_key(writer: psycopg.Connection[Any], sink: PostgresSink) -> list[str]:
    rows = writer.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)",
        [sink.table.as_string(writer)],
    ).fetchall()
    if not rows:
        raise ActivityError(f"Upsert into {sink.table_text}: the table has no primary key; give upsertSettings.keys",
                            code="UserErrorInvalidUpsertKeys")
    return [row[0] for row in rows]
