"""``enableSkipIncompatibleRow`` for a PostgreSQL sink (spec 3.5): bad rows are skipped and counted, the rest written.

Set-based and on the server, whatever the source:

1. the rows land as text in a staging table (``pgfactory_row`` numbers them in arrival order):
   from PostgreSQL by COPY TEXT, from files by the Arrow writer, the file's values as text;
2. one ``CREATE TEMP TABLE ... AS SELECT <casts> ... WHERE <every value is valid>`` keeps the rows
   whose every value converts to its sink column's type (``pg_input_is_valid``, PostgreSQL 16+)
   and is not NULL where the column is NOT NULL; the others are skipped;
3. the kept rows go into the target: CopyCommand and BulkInsert with ``ON CONFLICT DO NOTHING``,
   so a row that violates a primary key or unique constraint (of the table as it was, or of an
   earlier row of the same copy: the first one wins) is skipped too; Upsert merges them by its
   keys as usual (a key met again is an update, not a skip).

Other failures (a check or foreign key constraint, a trigger's error) still fail the copy.
The skipped rows, with the reason (``pg_input_error_info``'s message for the first bad value),
go to ADF's session log when ``logSettings.enableCopyActivityLog`` is on: a CSV
``Timestamp,Level,OperationName,OperationItem,Message`` at
``<logLocationSettings.path>/copyactivity-logs/<activity name>/<activity run id>/<uuid>.csv`` on
the ``FileServer`` linked service ``logLocationSettings.linkedServiceName`` names.
"""

from __future__ import annotations

import csv
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from psycopg import sql

from pgfactory.activities.base import ActivityInvocation
from pgfactory.activities.copy.consistency import check_counts, verification
from pgfactory.activities.copy.file_endpoints import file_server
from pgfactory.activities.copy.postgres_sink import UPSERT, PostgresSink, merge_statement, primary_key_query, upsert_keys
from pgfactory.activities.copy.statistics import CopyStatistics
from pgfactory.connectors.files.atomic import AtomicFile
from pgfactory.errors import ActivityError, DefinitionError
from pgfactory.models.values import as_flag

Run = Callable[[str], list[tuple[Any, ...]]]  # one SQL statement in the sink's transaction -> its rows
ROW_NUMBER = "pgfactory_row"
_CONFLICT = "The row violates a primary key or unique constraint of {table}"


@dataclass(frozen=True)
class SkipSettings:
    log_folder: Path | None = None  # where the session log goes; None: no log


@dataclass(frozen=True)
class SkipResult:
    accepted: int  # rows that passed every check: inserted, or (Upsert) handed to the merge
    copied: int  # rows the write reports (an Upsert's merged rows)
    skipped: int


def read_skip_settings(invocation: ActivityInvocation) -> SkipSettings | None:
    """The activity's skip settings; None when ``enableSkipIncompatibleRow`` is off."""
    properties = invocation.type_properties
    if not as_flag(properties.get("enableSkipIncompatibleRow"), False):
        return None
    log = properties.get("logSettings")
    if not isinstance(log, dict) or not as_flag(log.get("enableCopyActivityLog"), False):
        return SkipSettings()
    location = log.get("logLocationSettings")
    reference = location.get("linkedServiceName") if isinstance(location, dict) else None
    if not isinstance(reference, dict):
        raise ActivityError("logSettings.logLocationSettings.linkedServiceName must name the FileServer linked service "
                            "the session log is written to", code="UserErrorInvalidCopy")
    assert isinstance(location, dict)
    server = file_server(invocation.factory, reference, where="logSettings.logLocationSettings", what="writes the log")
    try:
        base = server.resolve(str(location.get("path") or ""), property_path="logSettings.logLocationSettings.path")
    except DefinitionError as error:
        raise ActivityError(f"logSettings.logLocationSettings.path: {error.message}", code=error.code) from None
    return SkipSettings(base / "copyactivity-logs" / invocation.name / invocation.activity_run_id)


@dataclass(frozen=True)
class _Column:
    name: str
    type_name: str  # format_type, with its modifier: numeric(10,2), varchar(5)
    not_null: bool

    def value(self, alias: str) -> sql.Composable:
        return sql.Identifier(alias, self.name)

    def valid(self, alias: str) -> sql.Composable:
        value, type_name = self.value(alias), sql.Literal(self.type_name)
        if self.not_null:
            return sql.SQL("({0} IS NOT NULL AND pg_input_is_valid({0}, {1}))").format(value, type_name)
        return sql.SQL("({0} IS NULL OR pg_input_is_valid({0}, {1}))").format(value, type_name)

    def problem(self, alias: str) -> sql.Composable:
        value, type_name = self.value(alias), sql.Literal(self.type_name)
        column = sql.Literal(f'Column "{self.name}" ({self.type_name}): ')
        missing = sql.Literal("a null value where the column is NOT NULL") if self.not_null else sql.SQL("NULL")
        return sql.SQL("CASE WHEN {0} IS NULL THEN {2} || {3} WHEN NOT pg_input_is_valid({0}, {1}) THEN {2} || "
                       "(pg_input_error_info({0}, {1})).message END").format(value, type_name, column, missing)


def create_text_staging(run: Run, names: list[str]) -> str:
    """The name of a new temporary table of text columns named like the sink's, numbered in arrival order, gone at commit."""
    name = f"pgfactory_skip_{secrets.token_hex(6)}"
    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(column)) for column in names)
    run(sql.SQL("CREATE TEMPORARY TABLE {} ({} bigint GENERATED ALWAYS AS IDENTITY, {}) ON COMMIT DROP").format(
        sql.Identifier(name), sql.Identifier(ROW_NUMBER), columns).as_string(None))
    return name


def write_valid_rows(run: Run, sink: PostgresSink, staging_name: str, names: list[str], keys: list[str],
                     settings: SkipSettings) -> SkipResult:
    """Move the rows staged in ``staging_name`` that fit into the target, skipping the others; the counts (the
    session log written)."""
    staging = sql.Identifier(staging_name)
    columns = _sink_columns(run, sink, names)
    typed = sql.Identifier(f"pgfactory_typed_{secrets.token_hex(6)}")
    number = sql.Identifier(ROW_NUMBER)
    run(sql.SQL("CREATE TEMPORARY TABLE {typed} ON COMMIT DROP AS SELECT s.{number}, {casts} FROM {staging} AS s "
                "WHERE {valid} ORDER BY s.{number}").format(
        typed=typed, number=number, staging=staging,
        casts=sql.SQL(", ").join(sql.SQL("{}::{} AS {}").format(column.value("s"), sql.SQL(column.type_name),
                                                                 sql.Identifier(column.name)) for column in columns),
        valid=sql.SQL(" AND ").join(column.valid("s") for column in columns)).as_string(None))
    [(staged, typed_rows)] = run(sql.SQL("SELECT (SELECT count(*) FROM {}), (SELECT count(*) FROM {})").format(
        staging, typed).as_string(None))
    if sink.write_method == UPSERT:
        merged = run(sql.SQL("WITH merged AS ({} RETURNING 1) SELECT count(*) FROM merged").format(
            merge_statement(sink, typed, names, keys)).as_string(None))
        copied, conflicts, accepted = int(merged[0][0]), list[int](), typed_rows
    else:
        copied, conflicts = _insert_skipping_conflicts(run, sink, typed, names)
        accepted = copied
    result = SkipResult(int(accepted), copied, int(staged) - int(typed_rows) + len(conflicts))
    if settings.log_folder is not None and result.skipped:
        _write_log(settings.log_folder, _skipped_rows(run, sink, staging, typed, columns, conflicts))
    return result


def write_staged_skipping(run: Run, sink: PostgresSink, staging: str, names: list[str], skip: SkipSettings,
                          statistics: CopyStatistics, *, validate: bool) -> None:
    """Move the staged text rows that fit into the target, count and log the rest, check the counts."""
    keys = upsert_keys(sink, names, lambda: [row[0] for row in run(primary_key_query(sink).as_string(None))])
    result = write_valid_rows(run, sink, staging, names, keys, skip)
    statistics.rows_copied, statistics.rows_skipped = result.copied, result.skipped
    if skip.log_folder is not None:
        statistics.log_file_path = str(skip.log_folder)
    if validate:
        check_counts(statistics.rows_read, result.accepted, result.skipped)
        statistics.consistency = verification(statistics.rows_skipped)


def _sink_columns(run: Run, sink: PostgresSink, names: list[str]) -> list[_Column]:
    rows = run(sql.SQL("SELECT attname, format_type(atttypid, atttypmod), attnotnull::int FROM pg_attribute "
                       "WHERE attrelid = {}::regclass AND attnum > 0 AND NOT attisdropped").format(
        sql.Literal(sink.table.as_string(None))).as_string(None))
    by_name = {str(name): _Column(str(name), str(type_name), int(not_null) == 1) for name, type_name, not_null in rows}
    return [by_name[name] for name in names]


def _insert_skipping_conflicts(run: Run, sink: PostgresSink, typed: sql.Identifier,
                               names: list[str]) -> tuple[int, list[int]]:
    """Insert the typed rows, first one wins on a unique conflict; rows inserted and the staged numbers of those not.

    The rows not inserted are found by their text: each inserted row (as returned) cancels one
    staged row of the same text, so duplicates are matched one for one.
    """
    columns = sql.SQL(", ").join(map(sql.Identifier, names))
    target_row = sql.SQL(", ").join(sql.Identifier("t", name) for name in names)
    typed_row = sql.SQL(", ").join(sql.Identifier("k", name) for name in names)
    [(inserted, conflicts)] = run(sql.SQL(
        "WITH inserted AS (INSERT INTO {table} AS t ({columns}) SELECT {columns} FROM {typed} ORDER BY {number} "
        "ON CONFLICT DO NOTHING RETURNING ROW({target_row})::text AS r), "
        "written AS (SELECT r, row_number() OVER (PARTITION BY r) AS n FROM inserted), "
        "kept AS (SELECT k.{number}, ROW({typed_row})::text AS r, "
        "row_number() OVER (PARTITION BY ROW({typed_row})::text ORDER BY k.{number}) AS n FROM {typed} AS k) "
        "SELECT (SELECT count(*) FROM inserted), "
        "(SELECT coalesce(string_agg({number}::text, ',' ORDER BY {number}), '') FROM kept "
        "WHERE NOT EXISTS (SELECT FROM written w WHERE w.r = kept.r AND w.n = kept.n))"
    ).format(table=sink.table, columns=columns, typed=typed, number=sql.Identifier(ROW_NUMBER), target_row=target_row,
             typed_row=typed_row).as_string(None))
    # As text: the two drivers (psycopg for tables, ADBC for files) load arrays differently.
    return int(inserted), [int(number) for number in str(conflicts).split(",") if number]


def _skipped_rows(run: Run, sink: PostgresSink, staging: sql.Identifier, typed: sql.Identifier, columns: list[_Column],
                  conflicts: list[int]) -> list[tuple[Any, ...]]:
    """``(values as one text, reason)`` of every skipped row, in arrival order."""
    number = sql.Identifier("s", ROW_NUMBER)
    item = sql.SQL("array_to_string(ARRAY[{}], ',', '')").format(sql.SQL(", ").join(column.value("s") for column in columns))
    conflict = sql.Literal(_CONFLICT.format(table=sink.table_text))
    return run(sql.SQL(
        "SELECT {item}, coalesce({problems}, {conflict}) FROM {staging} AS s "
        "WHERE NOT EXISTS (SELECT FROM {typed} AS k WHERE k.{row} = {number}) OR {number} = ANY({conflicts}::bigint[]) "
        "ORDER BY {number}"
    ).format(item=item, problems=sql.SQL("coalesce({})").format(sql.SQL(", ").join(column.problem("s") for column in columns)),
             conflict=conflict, staging=staging, typed=typed, row=sql.Identifier(ROW_NUMBER), number=number,
             conflicts=sql.Literal(conflicts)).as_string(None))


def _write_log(folder: Path, rows: list[tuple[Any, ...]]) -> None:
    """ADF's session log of skipped rows, under its final name only once complete."""
    file = AtomicFile(folder / f"{uuid.uuid4()}.csv")
    try:
        with file.temporary_path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["Timestamp", "Level", "OperationName", "OperationItem", "Message"])
            timestamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            writer.writerows([timestamp, "Warning", "TabularRowSkip", item, message] for item, message in rows)
        file.commit()
    except BaseException:
        file.discard()
        raise
