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
from pgfactory.activities.postgres_session import (
    activity_connection,
    resolve_linked_service,
    statement_failure,
    statement_timeout,
)
from pgfactory.activities.script_output import json_size
from pgfactory.connectors.postgres.sql_text import is_plain_read, split_statements
from pgfactory.errors import ActivityError, DefinitionError
from pgfactory.expressions import ExpressionContext, evaluate_tree
from pgfactory.models.resources import DatasetResource
from pgfactory.models.values import as_flag

ROW_LIMIT = 5000
SIZE_LIMIT = 4 * 1024 * 1024
SOURCE_TYPE = "AzurePostgreSqlSource"
DATASET_TYPE = "AzurePostgreSqlTable"
_STREAM_CHUNK = 200 if psycopg.capabilities.has_stream_chunked() else 1


def run_lookup(invocation: ActivityInvocation, control: ActivityControl) -> dict[str, Any]:
    properties = invocation.type_properties
    source = properties.get("source")
    if not isinstance(source, dict) or str(source.get("type")) != SOURCE_TYPE:
        got = source.get("type") if isinstance(source, dict) else source
        raise _invalid(f"typeProperties.source must be of type {SOURCE_TYPE} for PostgreSQL, got {got!r}")
    dataset_reference = properties.get("dataset")
    dataset, dataset_properties, linked_service_reference = _dataset(invocation, dataset_reference)
    linked_service, settings = resolve_linked_service(
        invocation.factory, linked_service_reference, where=f"dataset '{dataset.name}' linkedServiceName")
    first_row_only = as_flag(properties.get("firstRowOnly"), True)
    timeout = statement_timeout(source.get("queryTimeout"), property_name="source.queryTimeout",
                                linked_service=linked_service, settings=settings)
    query_text = source.get("query")
    with activity_connection(settings, control.cancellation, linked_service=linked_service.name) as (connection, guard):
        query: str = query_text if isinstance(query_text, str) and query_text.strip() else \
            _table_query(dataset, dataset_properties).as_string(connection)
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


def _dataset(invocation: ActivityInvocation, reference: Any) -> tuple[DatasetResource, dict[str, Any], dict[str, Any]]:
    """The dataset, its typeProperties and its linked service reference, with ``@dataset()`` evaluated."""
    if not isinstance(reference, dict) or not reference.get("referenceName"):
        raise _invalid("typeProperties.dataset must name a dataset (referenceName)")
    name = str(reference["referenceName"])
    dataset = invocation.factory.datasets.get(name)
    if dataset is None:
        known = ", ".join(sorted(invocation.factory.datasets)) or "none"
        raise ActivityError(f"no dataset named {name!r}; known: {known}", code="UserErrorDatasetNotFound")
    if dataset.properties.type != DATASET_TYPE:
        raise _invalid(f"dataset '{name}' is of type {dataset.properties.type}; Lookup on PostgreSQL needs {DATASET_TYPE}")
    declared = dataset.properties.parameters or {}
    given = reference.get("parameters") or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise _invalid(f"dataset '{name}' declares no parameter(s) {', '.join(unknown)}; "
                       f"declared: {', '.join(sorted(declared)) or 'none'}")
    values = {key: spec.default_value for key, spec in declared.items()} | dict(given)
    scope = ExpressionContext(dataset_parameters=values, resource=name)
    linked_service = dataset.properties.linked_service_name.to_json()
    try:
        type_properties = evaluate_tree(dataset.properties.type_properties, scope)
        linked_service = evaluate_tree(linked_service, scope)
    except DefinitionError as error:
        raise ActivityError(f"dataset '{name}': {error.message}", code=error.code) from None
    return dataset, type_properties, linked_service


def _table_query(dataset: DatasetResource, properties: dict[str, Any]) -> sql.Composed:
    """``SELECT * FROM`` the dataset's table; ``schema``/``table`` are used exactly, legacy ``tableName`` as SQL would."""
    table = properties.get("table")
    schema = properties.get("schema")
    if table:
        parts = [str(schema), str(table)] if schema else [str(table)]
    elif properties.get("tableName"):
        parts = _qualified_name(str(properties["tableName"]))
    else:
        raise _invalid(f"dataset '{dataset.name}' names no table (schema and table, or tableName) and the source has "
                       "no query")
    return sql.SQL("SELECT * FROM {}").format(sql.Identifier(*parts))


def _qualified_name(text: str) -> list[str]:
    """``schema.table`` split on dots outside double quotes; unquoted parts fold to lower case as in SQL."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    was_quoted = False
    position = 0
    while position < len(text):
        char = text[position]
        if char == '"':
            if quoted and text[position + 1:position + 2] == '"':
                current.append('"')
                position += 1
            else:
                quoted = not quoted
                was_quoted = True
        elif char == "." and not quoted:
            parts.append("".join(current) if was_quoted else "".join(current).strip().lower())
            current, was_quoted = [], False
        else:
            current.append(char)
        position += 1
    parts.append("".join(current) if was_quoted else "".join(current).strip().lower())
    if quoted or not all(parts):
        raise _invalid(f"tableName {text!r} is not a valid [schema.]table name")
    return parts


def _invalid(message: str) -> ActivityError:
    return ActivityError(message, code="UserErrorInvalidLookup")
