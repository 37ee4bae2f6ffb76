"""The Lookup activity on an AzurePostgreSqlTable dataset (spec section 5).

The source's ``query`` runs, or ``SELECT * FROM "schema"."table"`` for the dataset's table.
Output: ``{"firstRow": {...}}`` (no ``firstRow`` when there is no row) or
``{"count": n, "value": [...]}``. ADF's limits: the first 5000 rows, no failure beyond; the
output at most 4 MB, else the activity fails; exactly one result set.

A single statement is streamed (rows arrive in chunks, not all at once) and reading stops at
the row limit: a query that only reads is then cancelled, so a million-row table costs one
chunk; any other statement (an INSERT ... RETURNING, a call) is read to its end without keeping
the rows, so its effects are not rolled back (Npgsql's reader does the same). A text with
several statements goes through the simple protocol, whose results arrive whole.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any, cast

import psycopg
from psycopg import sql
from psycopg.rows import DictRow, dict_row

from pgfactory.activities.base import ActivityControl, ActivityInvocation
from pgfactory.activities.datasets import POSTGRESQL_TABLE, resolve_dataset, table_identifier
from pgfactory.activities.postgres_session import (
    activity_connection,
    resolve_linked_service,
    statement_failure,
    statement_timeout,
)
from pgfactory.activities.script_output import json_size
from pgfactory.connectors.postgres.sql_text import is_plain_read, split_statements
from pgfactory.errors import ActivityError
from pgfactory.models.values import as_flag

ROW_LIMIT = 5000
SIZE_LIMIT = 4 * 1024 * 1024
SOURCE_TYPE = "AzurePostgreSqlSource"
_STREAM_CHUNK = 200 if psycopg.capabilities.has_stream_chunked() else 1


def run_lookup(invocation: ActivityInvocation, control: ActivityControl) -> dict[str, Any]:
    properties = invocation.type_properties
    source = properties.get("source")
    if not isinstance(source, dict) or str(source.get("type")) != SOURCE_TYPE:
        got = source.get("type") if isinstance(source, dict) else source
        raise _invalid(f"typeProperties.source must be of type {SOURCE_TYPE} for PostgreSQL, got {got!r}")
    dataset = resolve_dataset(invocation.factory, properties.get("dataset"), where="typeProperties.dataset",
                              types=(POSTGRESQL_TABLE,))
    linked_service, settings = resolve_linked_service(
        invocation.factory, dataset.linked_service, where=f"dataset '{dataset.name}' linkedServiceName")
    first_row_only = as_flag(properties.get("firstRowOnly"), True)
    timeout = statement_timeout(source.get("queryTimeout"), property_name="source.queryTimeout",
                                linked_service=linked_service, settings=settings)
    query_text = source.get("query")
    with activity_connection(settings, control.cancellation, linked_service=linked_service.name) as (connection, guard):
        query: str = query_text if isinstance(query_text, str) and query_text.strip() else \
            sql.SQL("SELECT * FROM {}").format(
                table_identifier(dataset, otherwise=" and the source has no query")).as_string(connection)
        with guard.deadline(timeout) as deadline:
            try:
                rows = _read(connection, query, limit=1 if first_row_only else ROW_LIMIT)
            except psycopg.Error as error:
                raise statement_failure(error, guard, deadline, where="The Lookup query",
                                        timeout_property="source.queryTimeout", code="PostgreSqlLookupQuery") from None
    if first_row_only:
        return {"firstRow": rows[0]} if rows else {}
    return {"count": len(rows), "value": rows}


def _read(connection: psycopg.Connection[Any], query: str, *, limit: int) -> list[dict[str, Any]]:
    statements = split_statements(query)
    if not statements:
        raise _invalid("source.query holds no statement")
    rows: list[dict[str, Any]] = []
    size = len('{"count":0,"value":[]}')
    if len(statements) == 1:
        stream = cast(Generator[DictRow, None, None],  # psycopg declares an Iterator; it is a generator
                      connection.cursor(row_factory=dict_row).stream(statements[0], size=_STREAM_CHUNK))
        try:
            _take(stream, rows, limit, size, keep_reading=not is_plain_read(statements[0]))
        except psycopg.ProgrammingError as error:
            if error.sqlstate:
                raise
            raise _result_sets(0) from None  # stream(): "the operation didn't produce a result"
        finally:
            stream.close()  # an unfinished read query is cancelled here
        return rows
    cursor = connection.cursor(row_factory=dict_row)
    cursor.execute(query, prepare=False)
    result_sets = list(_row_results(cursor, limit))
    if len(result_sets) != 1:
        raise _result_sets(len(result_sets))
    _take(iter(result_sets[0]), rows, limit, size, keep_reading=False)
    return rows


def _row_results(cursor: psycopg.Cursor[DictRow], limit: int) -> Iterator[list[DictRow]]:
    for _ in cursor.results():
        if cursor.description is not None:
            yield cursor.fetchmany(limit) if cursor.rowcount else []


def _take(source: Iterator[DictRow], rows: list[dict[str, Any]], limit: int, size: int, *, keep_reading: bool) -> None:
    """Move up to ``limit`` rows from ``source`` into ``rows``; past it, drain ``source`` only if ``keep_reading``."""
    for row in source:
        if len(rows) < limit:
            size += json_size(row) + 1
            if size > SIZE_LIMIT:
                raise ActivityError(
                    f"The size of the Lookup activity output exceeds the limit of {SIZE_LIMIT} bytes (4 MB) after "
                    f"{len(rows)} rows; select fewer columns or rows, or use a Copy activity for large data.",
                    code="UserErrorLookupOutputTooLarge",
                )
            rows.append(row)
        elif not keep_reading:
            return


def _result_sets(count: int) -> ActivityError:
    return ActivityError(
        f"The Lookup query must return exactly one result set; it returned {count}.",
        code="UserErrorLookupResultSetCount",
    )


def _invalid(message: str) -> ActivityError:
    return ActivityError(message, code="UserErrorInvalidLookup")
