"""Partitioned reads of a PostgreSQL source (spec 3.2): which partitions, and each one's query.

``partitionOption`` (the docs' table also spells it ``partitionOptions``) picks how:

- ``None`` (default): one query, the source's ``query`` or ``SELECT *`` from the dataset's table.
- ``PhysicalPartitionsOfTable``: one query per partition of the dataset's table, found in
  ``pg_inherits`` (declarative partitions, sub-partitions and inheritance children alike; a
  parent that holds rows itself is read ``ONLY``), or ``partitionSettings.partitionNames``.
  A table without partitions is read as itself.
- ``DynamicRange``: ``parallelCopies`` ranges of ``partitionSettings.partitionColumnName``
  (default: the table's single-column primary key) between ``partitionLowerBound`` and
  ``partitionUpperBound`` (default: the column's min and max), strided as ADF does (ID 1..80 with
  4 copies: [1,20], [21,40], [41,60], [61,80]). The bounds shape the strides and filter nothing:
  the first range is open below and also takes the NULLs, the last is open above.

A source ``query`` takes part through ADF's hooks, replaced in its text: ``?AdfTabularPartitionName``
(the partition, or the dataset's table for ranges), ``?AdfRangePartitionColumnName`` (a quoted
identifier), ``?AdfRangePartitionLowbound``/``?AdfRangePartitionUpbound`` (typed literals; the first
range's low bound is the type's minimum, the last's high bound its maximum, so no row is lost)
and ``?AdfDynamicRangePartitionCondition`` (the whole condition, NULLs included). A range query
without hooks is wrapped: ``SELECT * FROM (<query>) AS q WHERE <condition>``.

Settings are checked once here for the activity (:func:`read_partition_settings`) and for
``pgfactory validate`` (:func:`partition_setting_problems`); planning needs a connection.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from pgfactory.activities.copy.columns import query_columns
from pgfactory.activities.copy.range_partitions import RANGE_TYPES, RangeType, range_strides
from pgfactory.errors import ActivityError

NONE, PHYSICAL_PARTITIONS, DYNAMIC_RANGE = "None", "PhysicalPartitionsOfTable", "DynamicRange"
OPTIONS = (NONE, PHYSICAL_PARTITIONS, DYNAMIC_RANGE)
PARTITIONED_PARALLEL_COPIES = 4  # ADF's parallelCopies for a partitioned relational source

INVALID_COPY = "UserErrorInvalidCopy"
DATA_TYPE_NOT_SUPPORTED = "AzurePostgreSqlNpgsqlDataTypeNotSupported"
COLUMN_NAME_NOT_PROVIDED = "AzurePostgreSqlNpgsqlPartitionColumnNameNotProvided"

TABLE_HOOK = "?AdfTabularPartitionName"
COLUMN_HOOK = "?AdfRangePartitionColumnName"
UPPER_HOOK = "?AdfRangePartitionUpbound"
LOWER_HOOK = "?AdfRangePartitionLowbound"
CONDITION_HOOK = "?AdfDynamicRangePartitionCondition"
_HOOK = re.compile(r"\?Adf(?:TabularPartitionName|RangePartitionColumnName|RangePartitionUpbound|RangePartitionLowbound|"
                   r"DynamicRangePartitionCondition)\b")
_RANGE_HOOKS = {UPPER_HOOK, LOWER_HOOK, CONDITION_HOOK}


@dataclass(frozen=True)
class PartitionSettings:
    """A source's partitioning as written: checked, not yet looked up in the database."""

    option: str = NONE
    names: tuple[str, ...] = ()
    column: str | None = None
    lower_bound: str | None = None
    upper_bound: str | None = None
    parallel_copies: int = 1  # partitions read at once (DynamicRange: also how many ranges)


@dataclass(frozen=True)
class Partition:
    index: int
    query: sql.Composable
    description: str = ""  # for messages: the partition's table, or the range's condition


def partition_setting_problems(type_properties: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(property path under typeProperties, message)`` for each partition setting that cannot run.

    Values still written as expressions are skipped: they are checked once evaluated.
    """
    problems: list[tuple[str, str]] = []
    source = type_properties.get("source")
    source = source if isinstance(source, Mapping) else {}
    key = "partitionOptions" if "partitionOption" not in source and "partitionOptions" in source else "partitionOption"
    option = source.get(key)
    if option is not None and not _is_expression(option) and _option(option) is None:
        problems.append((f"source.{key}", f"unknown partition option {option!r}; use {', '.join(OPTIONS)}"))
    partition_settings = source.get("partitionSettings")
    if partition_settings is not None and not _is_expression(partition_settings):
        if not isinstance(partition_settings, Mapping):
            problems.append(("source.partitionSettings", "must be an object"))
        else:
            names = partition_settings.get("partitionNames")
            if names is not None and not _is_expression(names) and not (
                    isinstance(names, list) and all(isinstance(name, str) and name for name in names)):
                problems.append(("source.partitionSettings.partitionNames", "must be an array of table names"))
            column = partition_settings.get("partitionColumnName")
            if column is not None and not _is_expression(column) and not isinstance(column, str):
                problems.append(("source.partitionSettings.partitionColumnName", "must be a column name"))
            for bound in ("partitionLowerBound", "partitionUpperBound"):
                value = partition_settings.get(bound)
                if value is not None and not _is_expression(value) and (isinstance(value, bool) or
                                                                        not isinstance(value, str | int | float)):
                    problems.append((f"source.partitionSettings.{bound}", "must be a number, a date or a timestamp"))
    copies = type_properties.get("parallelCopies")
    if copies is not None and not _is_expression(copies) and _positive_integer(copies) is None:
        problems.append(("parallelCopies", f"must be an integer of at least 1, got {copies!r}"))
    return problems


def read_partition_settings(type_properties: Mapping[str, Any]) -> PartitionSettings:
    """The Copy activity's partitioning (its source's settings and ``parallelCopies``); invalid ones raise."""
    problems = partition_setting_problems(type_properties)
    if problems:
        path, message = problems[0]
        raise ActivityError(f"{path}: {message}", code=INVALID_COPY)
    source = type_properties.get("source")
    source = source if isinstance(source, Mapping) else {}
    option = _option(source.get("partitionOption", source.get("partitionOptions"))) or NONE
    settings = source.get("partitionSettings") or {}
    copies = type_properties.get("parallelCopies")
    parallel = _positive_integer(copies) if copies is not None else None
    default = 1 if option == NONE else PARTITIONED_PARALLEL_COPIES
    return PartitionSettings(option, tuple(settings.get("partitionNames") or ()), settings.get("partitionColumnName") or None,
                             _bound(settings.get("partitionLowerBound")), _bound(settings.get("partitionUpperBound")),
                             parallel or default)


def plan_partitions(connection: psycopg.Connection[Any], settings: PartitionSettings, *, query_text: str | None,
                    table: sql.Identifier | None) -> list[Partition]:
    """The partitions to read, each with its query; ``connection`` looks up tables, keys and bounds."""
    if settings.option == NONE:
        return [single_partition(query_text, table)]
    hooks = set(_HOOK.findall(query_text or ""))
    if settings.option == PHYSICAL_PARTITIONS:
        return _physical_partitions(connection, settings, query_text, table, hooks)
    return _range_partitions(connection, settings, query_text, table, hooks)


def single_partition(query_text: str | None, table: sql.Identifier | None) -> Partition:
    """The one query of an unpartitioned read (no database needed)."""
    hooks = set(_HOOK.findall(query_text or ""))
    if hooks:
        raise ActivityError(f"The source query holds {', '.join(sorted(hooks))}, which only a partitioned read fills "
                            "in; set source.partitionOption or remove the hooks", code=INVALID_COPY)
    return Partition(0, sql.SQL(query_text) if query_text else sql.SQL("SELECT * FROM {}").format(table))


def _physical_partitions(connection: psycopg.Connection[Any], settings: PartitionSettings, query_text: str | None,
                         table: sql.Identifier | None, hooks: set[str]) -> list[Partition]:
    if query_text is not None and TABLE_HOOK not in hooks:
        raise ActivityError(f"PhysicalPartitionsOfTable with a source query reads each partition where the query says "
                            f"{TABLE_HOOK} (e.g. SELECT * FROM {TABLE_HOOK} WHERE ...); the query has no such hook",
                            code=INVALID_COPY)
    if settings.names:
        relations: list[sql.Composable] = [_named_relation(connection, name, table) for name in settings.names]
    elif table is None:
        raise ActivityError("PhysicalPartitionsOfTable needs the dataset's table (schema and table) or "
                            "source.partitionSettings.partitionNames", code=INVALID_COPY)
    else:
        relations = _partitions_of(connection, table) or [table]
    partitions = []
    for index, relation in enumerate(relations):
        query = _fill_hooks(query_text, {TABLE_HOOK: relation}) if query_text is not None else \
            sql.SQL("SELECT * FROM {}").format(relation)
        partitions.append(Partition(index, query, f"partition {relation.as_string(connection)}"))
    return partitions


def _partitions_of(connection: psycopg.Connection[Any], table: sql.Identifier) -> list[sql.Composable]:
    """The relations holding the rows of ``table``'s partition or inheritance tree; none when it has no children."""
    rows = connection.execute(
        "WITH RECURSIVE tree(relid) AS (SELECT %s::regclass::oid UNION ALL "
        "SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.relid) "
        "SELECT n.nspname, c.relname, EXISTS (SELECT FROM pg_inherits i WHERE i.inhparent = c.oid) "
        "FROM tree t JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind <> 'p' ORDER BY n.nspname, c.relname",  # a partitioned table ('p') holds no rows itself
        [table.as_string(connection)]).fetchall()
    if len(rows) == 1 and not rows[0][2]:
        return []  # the table alone, or a partitioned table with one partition: one read either way
    # An inheritance parent can hold rows of its own: read it without its children, which are read on their own.
    return [sql.SQL("ONLY {}").format(sql.Identifier(schema, name)) if has_children else sql.Identifier(schema, name)
            for schema, name, has_children in rows]


def _named_relation(connection: psycopg.Connection[Any], name: str, table: sql.Identifier | None) -> sql.Identifier:
    """A ``partitionNames`` entry: a table of that exact name in the dataset table's schema, else a name as SQL reads it."""
    candidates = [name]
    if table is not None:
        row = connection.execute("SELECT relnamespace::regnamespace::text FROM pg_class WHERE oid = %s::regclass",
                                 [table.as_string(connection)]).fetchone()
        if row is not None:  # the schema as SQL spells it, quoted where it needs to be
            candidates.insert(0, f"{row[0]}.{sql.Identifier(name).as_string(connection)}")
    for candidate in candidates:
        try:
            row = connection.execute(
                "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.oid = to_regclass(%s)", [candidate]).fetchone()
        except psycopg.errors.InvalidName:
            row = None
        if row is not None:
            return sql.Identifier(row[0], row[1])
    raise ActivityError(f"source.partitionSettings.partitionNames: there is no table {name!r}", code=INVALID_COPY)


def _range_partitions(connection: psycopg.Connection[Any], settings: PartitionSettings, query_text: str | None,
                      table: sql.Identifier | None, hooks: set[str]) -> list[Partition]:
    if (TABLE_HOOK in hooks or query_text is None) and table is None:
        raise ActivityError(f"DynamicRange needs the dataset's table (schema and table) for {TABLE_HOOK}",
                            code=INVALID_COPY)
    column_name = settings.column or _primary_key_column(connection, table)
    column = sql.Identifier(column_name)
    fixed: dict[str, sql.Composable] = {COLUMN_HOOK: column}
    if table is not None:
        fixed[TABLE_HOOK] = table
    in_query = bool(hooks & _RANGE_HOOKS)  # the query places the range itself; else it is wrapped
    null = sql.SQL("NULL")
    probe = _fill_hooks(query_text, {**fixed, CONDITION_HOOK: sql.SQL("TRUE"), LOWER_HOOK: null, UPPER_HOOK: null}) \
        if query_text is not None else sql.SQL("SELECT * FROM {}").format(table)
    oid, type_name = _column_type(connection, probe, column_name, table if in_query else None)
    kind = RANGE_TYPES.get(oid)
    if kind is None:
        raise ActivityError(f"The data type of the chosen Partition Column, '{column_name}', is '{type_name}' and this "
                            "data type is not supported for partitioning.", code=DATA_TYPE_NOT_SUPPORTED)
    type_sql = sql.SQL(type_name)
    widest = {**fixed, CONDITION_HOOK: sql.SQL("TRUE"), LOWER_HOOK: kind.lowest(type_sql), UPPER_HOOK: kind.highest(type_sql)}
    everything = _fill_hooks(query_text, widest) if query_text is not None else sql.SQL("SELECT * FROM {}").format(table)
    lower, upper = _bounds(connection, settings, kind, type_sql, column, everything)
    if lower is None or upper is None:  # no value to stride over: one partition reads it all
        return [Partition(0, everything, "all rows")]
    strides = range_strides(lower, upper, settings.parallel_copies)
    partitions = []
    for index, (low, high) in enumerate(strides):
        first, last = index == 0, index == len(strides) - 1
        low_sql, high_sql = kind.literal(low, type_sql), kind.literal(high, type_sql)
        condition = _condition(column, low_sql if not first else None, high_sql if not last else None)
        values = {**fixed, CONDITION_HOOK: condition, LOWER_HOOK: widest[LOWER_HOOK] if first else low_sql,
                  UPPER_HOOK: widest[UPPER_HOOK] if last else high_sql}
        if query_text is not None and in_query:
            query = _fill_hooks(query_text, values)
        elif query_text is not None:
            query = sql.SQL("SELECT * FROM ({}) AS q WHERE {}").format(_fill_hooks(query_text, values), condition)
        else:
            query = sql.SQL("SELECT * FROM {} WHERE {}").format(table, condition)
        partitions.append(Partition(index, query, f"range {condition.as_string(connection)}"))
    return partitions


def _condition(column: sql.Identifier, low: sql.Composable | None, high: sql.Composable | None) -> sql.Composable:
    """One range's condition: the first (no ``low``) is open below and takes the NULLs, the last open above."""
    if low is None and high is None:
        return sql.SQL("TRUE")
    if low is None:
        return sql.SQL("({0} <= {1} OR {0} IS NULL)").format(column, high)
    if high is None:
        return sql.SQL("{} >= {}").format(column, low)
    return sql.SQL("({0} >= {1} AND {0} <= {2})").format(column, low, high)


def _primary_key_column(connection: psycopg.Connection[Any], table: sql.Identifier | None) -> str:
    keys = [] if table is None else [row[0] for row in connection.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = %s::regclass AND i.indisprimary", [table.as_string(connection)]).fetchall()]
    if len(keys) != 1:
        why = "the dataset names no table" if table is None else \
            f"the table has {'no primary key' if not keys else 'a primary key of several columns'}"
        raise ActivityError(f"Partition column name must be specified. ({why}: set "
                            "source.partitionSettings.partitionColumnName)", code=COLUMN_NAME_NOT_PROVIDED)
    return str(keys[0])


def _column_type(connection: psycopg.Connection[Any], probe: sql.Composable, column: str,
                 table: sql.Identifier | None) -> tuple[int, str]:
    """The partition column's type: from the rows the source returns, else (hooks placing it) from the dataset's table."""
    for described in query_columns(connection, probe):
        if described.name == column:
            return described.type_oid, described.type_name
    if table is not None:
        row = connection.execute(
            "SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END, format_type(CASE WHEN t.typtype = 'd' "
            "THEN t.typbasetype ELSE t.oid END, NULL) FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            "WHERE a.attrelid = %s::regclass AND a.attname = %s AND a.attnum > 0 AND NOT a.attisdropped",
            [table.as_string(connection), column]).fetchone()
        if row is not None:
            return int(row[0]), str(row[1])
    where = "the source's columns" + (" or the dataset's table" if table is not None else "")
    raise ActivityError(f"source.partitionSettings.partitionColumnName: {column!r} is not among {where} (names match "
                        "case-sensitively)", code=INVALID_COPY)


def _bounds(connection: psycopg.Connection[Any], settings: PartitionSettings, kind: RangeType, type_sql: sql.Composable,
            column: sql.Identifier, everything: sql.Composable) -> tuple[int | None, int | None]:
    """The stride bounds as ordinals: given ones converted, missing ones the column's min and max (finite values)."""
    given: list[int | None] = []
    for name, text in (("partitionLowerBound", settings.lower_bound), ("partitionUpperBound", settings.upper_bound)):
        if text is None:
            given.append(None)
            continue
        try:
            row = connection.execute(sql.SQL("SELECT {}").format(kind.ordinal(
                sql.SQL("{}::{}").format(sql.Literal(text), type_sql)))).fetchone()
        except psycopg.errors.DataError as error:
            raise ActivityError(f"source.partitionSettings.{name} {text!r} is not a {type_sql.as_string(connection)}: "
                                f"{error.diag.message_primary}", code=INVALID_COPY) from None
        given.append(int(row[0]) if row is not None else None)
    lower, upper = given
    if lower is None or upper is None:
        finite = sql.SQL(" WHERE {0} > '-infinity' AND {0} < 'infinity'").format(column) if kind.has_infinity else sql.SQL("")
        row = connection.execute(sql.SQL("SELECT {}, {} FROM ({}) AS q{}").format(
            kind.ordinal(sql.SQL("min({})").format(column)), kind.ordinal(sql.SQL("max({})").format(column)),
            everything, finite)).fetchone()
        found = (row[0], row[1]) if row is not None else (None, None)
        lower = lower if lower is not None else found[0]
        upper = upper if upper is not None else found[1]
    if lower is not None and upper is not None and lower > upper:
        raise ActivityError(f"source.partitionSettings: the lower bound ({settings.lower_bound or 'the minimum'}) is "
                            f"above the upper bound ({settings.upper_bound or 'the maximum'})", code=INVALID_COPY)
    return lower, upper


def _fill_hooks(query_text: str, values: Mapping[str, sql.Composable]) -> sql.Composed:
    """``query_text`` with each ``?Adf...`` hook replaced by its SQL, in one pass (a value is never searched again)."""
    parts: list[sql.Composable] = []
    position = 0
    for match in _HOOK.finditer(query_text):
        value = values.get(match.group(0))
        if value is None:
            raise ActivityError(f"The source query uses {match.group(0)}, which a {PHYSICAL_PARTITIONS} read does not fill "
                                f"in; with it, use {TABLE_HOOK} only", code=INVALID_COPY)
        parts += [sql.SQL(query_text[position:match.start()]), value]
        position = match.end()
    parts.append(sql.SQL(query_text[position:]))
    return sql.Composed(parts)


def _option(value: Any) -> str | None:
    text = str(value).strip().lower() if isinstance(value, str) else None
    return next((option for option in OPTIONS if option.lower() == text), None)


def _positive_integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        return None
    return number if number >= 1 else None


def _bound(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value).strip()


def _is_expression(value: Any) -> bool:
    return (isinstance(value, Mapping) and value.get("type") == "Expression") or (isinstance(value, str) and
                                                                                  value.startswith("@"))
