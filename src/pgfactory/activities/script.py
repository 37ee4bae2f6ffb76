"""The Script activity on AzurePostgreSql (spec section 4).

Blocks run one after the other on one connection, each in autocommit as ADF runs them: a block
is one implicit transaction (all its statements commit together or not at all, unless the
script itself says BEGIN/COMMIT), and a later block's failure does not undo an earlier one.

How a block is sent depends on its parameters:

- no parameters: the text goes as is through the simple query protocol, so it may hold any
  number of statements; every row-returning statement adds a result set;
- with parameters, one statement: ``@name`` placeholders become ``$n`` and the values go with
  the extended protocol, typed as declared;
- with named input parameters and several statements: each statement is bound on its own and
  all are pipelined up to one Sync, the same single implicit transaction Npgsql's batches give.
  Positional or output parameters in a multi-statement block are refused, as ADF refuses them.

NOTICE and other messages are the block's logs when ``logSettings`` is present.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import RawCursor
from psycopg.errors import Diagnostic
from psycopg.rows import DictRow, dict_row

from pgfactory.activities.base import ActivityControl, ActivityInvocation
from pgfactory.activities.postgres_session import (
    StatementGuard,
    activity_connection,
    cancelled_error,
    resolve_linked_service,
    statement_failure,
    statement_timeout,
)
from pgfactory.activities.script_logs import LogSettings, write_external_log
from pgfactory.activities.script_output import BlockResult, ScriptOutput
from pgfactory.activities.script_parameters import (
    ScriptParameter,
    bind,
    output_values,
    parse_parameters,
    register_dumpers,
)
from pgfactory.connectors.postgres.sql_text import split_statements
from pgfactory.errors import ActivityError

QUERY, NON_QUERY = "Query", "NonQuery"
_AFFECTING_COMMANDS = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE", "COPY"})


@dataclass(frozen=True)
class ScriptBlock:
    index: int
    text: str
    kind: str
    parameters: list[ScriptParameter]

    @property
    def where(self) -> str:
        return f"scripts[{self.index}]"


def run_script(invocation: ActivityInvocation, control: ActivityControl) -> dict[str, Any]:
    """Run every script block and return the merged output (spec 4.2)."""
    properties = invocation.type_properties
    linked_service, settings = resolve_linked_service(
        invocation.factory, invocation.activity.get("linkedServiceName"), where="linkedServiceName")
    blocks = parse_blocks(properties.get("scripts"))  # every block is checked before the first one runs
    timeout = statement_timeout(properties.get("scriptBlockExecutionTimeout"), property_name="scriptBlockExecutionTimeout",
                                linked_service=linked_service, settings=settings)
    logging_settings = LogSettings.from_json(properties.get("logSettings"), invocation)
    output = ScriptOutput(logs_in_output=logging_settings is not None and logging_settings.folder is None)
    logs: list[str] = []

    def collect(diagnostic: Diagnostic) -> None:
        logs.append(diagnostic.message_primary or "")

    location = ""
    try:
        with activity_connection(settings, control.cancellation, linked_service=linked_service.name) as (connection, guard):
            if logging_settings is not None:
                connection.add_notice_handler(collect)
            try:
                for block in blocks:
                    result = _run_block(connection, guard, block, timeout, output.rows_left)
                    result.logs, logs[:] = list(logs), []
                    output.add(result)
            finally:
                if logging_settings is not None:
                    connection.remove_notice_handler(collect)
    finally:
        # An external log is written even when a block failed: that is when it is read.
        if logging_settings is not None and logging_settings.folder is not None:
            location = write_external_log(logging_settings.folder, output.logs + logs)
    return output.to_json(logs_location=location)


def parse_blocks(raw: Any) -> list[ScriptBlock]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ActivityError("typeProperties.scripts must be an array of script blocks", code="UserErrorInvalidScript")
    blocks = []
    for index, item in enumerate(raw):
        where = f"scripts[{index}]"
        if not isinstance(item, dict):
            raise ActivityError(f"{where} must be an object with text, type and parameters", code="UserErrorInvalidScript")
        kind_text = str(item.get("type") or QUERY)
        kind = {QUERY.lower(): QUERY, NON_QUERY.lower(): NON_QUERY}.get(kind_text.lower())
        if kind is None:
            raise ActivityError(f"{where}.type must be Query or NonQuery, got {kind_text!r}", code="UserErrorInvalidScript")
        text = item.get("text")
        if text is not None and not isinstance(text, str):
            raise ActivityError(f"{where}.text must be a string", code="UserErrorInvalidScript")
        blocks.append(ScriptBlock(index, text or "", kind, parse_parameters(item.get("parameters"), where=where)))
    return blocks


def _run_block(connection: psycopg.Connection[Any], guard: StatementGuard, block: ScriptBlock,
               timeout: float | None, rows_left: int) -> BlockResult:
    if guard.cancelled:
        raise cancelled_error(guard.cancellation)
    if not split_statements(block.text):
        return BlockResult()  # empty, or only comments
    with guard.deadline(timeout) as deadline:
        try:
            cursors = _execute(connection, block)
            return _collect(cursors, block, rows_left)
        except psycopg.Error as error:
            raise statement_failure(error, guard, deadline, where=block.where,
                                    timeout_property="scriptBlockExecutionTimeout", code="PostgreSqlScriptBlock") from None


def _execute(connection: psycopg.Connection[Any], block: ScriptBlock) -> list[psycopg.Cursor[DictRow]]:
    """Send the block; the cursors hold its results."""
    if not block.parameters:
        cursor = connection.cursor(row_factory=dict_row)
        cursor.execute(block.text, prepare=False)  # no parameters: simple protocol, any number of statements
        return [cursor]
    statements = split_statements(block.text)
    if len(statements) == 1:
        bound = bind(statements[0], block.parameters)
        cursor = _parameter_cursor(connection)
        cursor.execute(bound.text, bound.values, prepare=False)
        return [cursor]
    if any(parameter.is_output for parameter in block.parameters) or not _named(block.parameters):
        raise ActivityError(
            f"{block.where} holds {len(statements)} statements and positional or output parameters; "
            "PostgreSQL script blocks with positional ($1) or output parameters must hold one statement: "
            "split the block into one script block per statement.",
            code="UserErrorScriptMultiStatementNotSupported",
        )
    cursors: list[psycopg.Cursor[DictRow]] = []
    with connection.pipeline():  # one Sync: the statements share one implicit transaction
        for statement in statements:
            bound = bind(statement, block.parameters)
            cursor = _parameter_cursor(connection)
            cursor.execute(bound.text, bound.values, prepare=False)
            cursors.append(cursor)
    return cursors


def _parameter_cursor(connection: psycopg.Connection[Any]) -> RawCursor[DictRow]:
    """A cursor for PostgreSQL's own $n placeholders (so '%' in the text is just '%')."""
    cursor = RawCursor(connection, row_factory=dict_row)
    register_dumpers(cursor.adapters)
    return cursor


def _named(parameters: list[ScriptParameter]) -> bool:
    return all(parameter.name for parameter in parameters if parameter.is_input)


def _collect(cursors: list[psycopg.Cursor[DictRow]], block: ScriptBlock, rows_left: int) -> BlockResult:
    """Result sets (Query blocks), affected rows and output parameters, reading no more rows than allowed."""
    result = BlockResult()
    first_row: dict[str, Any] | None = None
    first_result_set = True
    for cursor in cursors:
        for _ in cursor.results():
            if cursor.description is None:
                command = (cursor.statusmessage or "").split(" ", 1)[0]
                if command in _AFFECTING_COMMANDS and cursor.rowcount > 0:
                    result.records_affected += cursor.rowcount
                continue
            available = cursor.rowcount
            wanted = min(available, rows_left) if block.kind == QUERY else 0
            rows: list[dict[str, Any]] = []
            if first_result_set and available:
                first = cursor.fetchone()
                first_row = dict(first) if first is not None else None
                if wanted and first is not None:
                    rows.append(first)
            if wanted > len(rows):
                rows.extend(cursor.fetchmany(wanted - len(rows)))
            first_result_set = False
            if block.kind == QUERY:
                result.result_sets.append(rows)
                result.rows_dropped = result.rows_dropped or available > len(rows)
                rows_left -= len(rows)
    result.output_parameters = output_values(block.parameters, first_row)
    return result

