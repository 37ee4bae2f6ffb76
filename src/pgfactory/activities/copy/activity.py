"""The Copy activity (spec section 3): one source dataset, one sink dataset, and the rows between.

The source and sink are resolved from ``inputs[0]``/``outputs[0]`` and ``typeProperties.source``/
``sink``; the pair decides how rows move: PostgreSQL to PostgreSQL as COPY bytes, PostgreSQL to
and from files (DelimitedText, Parquet, Json on a FileServer folder) as Arrow record batches.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from pgfactory.activities.base import ActivityControl, ActivityInvocation
from pgfactory.activities.copy.additional_columns import read_additional_columns
from pgfactory.activities.copy.file_endpoints import FILE_DATASETS, file_endpoint
from pgfactory.activities.copy.files_to_postgres import copy_files_to_postgres
from pgfactory.activities.copy.partitions import read_partition_settings
from pgfactory.activities.copy.postgres_sink import (
    BULK_INSERT,
    COPY_COMMAND,
    DEFAULT_WRITE_BATCH_SIZE,
    DEFAULT_WRITE_BATCH_TIMEOUT,
    UPSERT,
    PostgresSink,
)
from pgfactory.activities.copy.postgres_to_files import copy_postgres_to_files
from pgfactory.activities.copy.postgres_to_postgres import PostgresSource, copy_postgres_to_postgres
from pgfactory.activities.copy.skip_rows import read_skip_settings
from pgfactory.activities.copy.statistics import CopyStatistics
from pgfactory.activities.datasets import POSTGRESQL_TABLE, ResolvedDataset, resolve_dataset, table_identifier, table_name
from pgfactory.activities.postgres_session import resolve_linked_service, statement_timeout
from pgfactory.errors import ActivityError
from pgfactory.models.timespan import parse_timespan
from pgfactory.models.values import as_flag

DATASET_TYPES = (POSTGRESQL_TABLE, *FILE_DATASETS)
WRITE_METHODS = {method.lower(): method for method in (COPY_COMMAND, BULK_INSERT, UPSERT)}


def run_copy(invocation: ActivityInvocation, control: ActivityControl) -> dict[str, Any]:
    properties = invocation.type_properties
    source_json, sink_json = _typed(properties, "source"), _typed(properties, "sink")
    factory = invocation.factory
    source = resolve_dataset(factory, _only(invocation.activity, "inputs"), where="inputs[0]", types=DATASET_TYPES)
    sink = resolve_dataset(factory, _only(invocation.activity, "outputs"), where="outputs[0]", types=DATASET_TYPES)
    _expect_type(source_json, side_type(source.type, "Source"), "source")
    _expect_type(sink_json, side_type(sink.type, "Sink"), "sink")
    translator = properties.get("translator")
    statistics = CopyStatistics(source_type=_store(source), sink_type=_store(sink))
    validate = as_flag(properties.get("validateDataConsistency"), False)
    skip = read_skip_settings(invocation) if sink.type == POSTGRESQL_TABLE else None
    if source.type == POSTGRESQL_TABLE and sink.type == POSTGRESQL_TABLE:
        copy_postgres_to_postgres(_postgres_source(invocation, source, source_json),
                                  _postgres_sink(invocation, sink, sink_json), translator, control, statistics,
                                  validate=validate, skip=skip)
    elif source.type == POSTGRESQL_TABLE:
        copy_postgres_to_files(_postgres_source(invocation, source, source_json),
                               file_endpoint(factory, sink, sink_json), translator, control, statistics,
                               default_stem=_stem(source, source_json), validate=validate)
    elif sink.type == POSTGRESQL_TABLE:
        copy_files_to_postgres(file_endpoint(factory, source, source_json), _postgres_sink(invocation, sink, sink_json),
                               translator, control, statistics, validate=validate, skip=skip)
    else:
        raise ActivityError(unsupported_pair(source.type, sink.type) or "", code="UserErrorUnsupportedCopy")
    return statistics.to_output()


def side_type(dataset_type: str, side: str) -> str:
    """The copy source or sink type that goes with a dataset type: AzurePostgreSqlSource, ParquetSink, ..."""
    return f"AzurePostgreSql{side}" if dataset_type == POSTGRESQL_TABLE else f"{dataset_type}{side}"


def unsupported_pair(source_type: str, sink_type: str) -> str | None:
    """Why Copy cannot go from one dataset type to the other, or None when it can."""
    if source_type not in DATASET_TYPES or sink_type not in DATASET_TYPES:
        unknown = source_type if source_type not in DATASET_TYPES else sink_type
        return f"Copy cannot use a {unknown} dataset; pgfactory copies {', '.join(DATASET_TYPES)}"
    if POSTGRESQL_TABLE not in (source_type, sink_type):
        return (f"Copy from {source_type} to {sink_type}: pgfactory copies between PostgreSQL and files, "
                "and between PostgreSQL tables")
    return None


def _store(dataset: ResolvedDataset) -> str:
    """The store ADF names in executionDetails: the connector, not the format."""
    return "AzurePostgreSql" if dataset.type == POSTGRESQL_TABLE else "FileServer"


def _stem(dataset: ResolvedDataset, source: dict[str, Any]) -> str:
    """A generated file's name: the source table's, or "data" for a query."""
    if isinstance(source.get("query"), str) and source["query"].strip():
        return "data"
    return table_name(dataset, otherwise=" and the source has no query")[-1]


def _typed(properties: dict[str, Any], key: str) -> dict[str, Any]:
    value = properties.get(key)
    if not isinstance(value, dict) or not value.get("type"):
        raise ActivityError(f"typeProperties.{key} must be an object with a type", code="UserErrorInvalidCopy")
    return value


def _only(activity: dict[str, Any], key: str) -> Any:
    references = activity.get(key)
    if not isinstance(references, list) or len(references) != 1:
        raise ActivityError(f"a Copy activity needs exactly one dataset in {key}", code="UserErrorInvalidCopy")
    return references[0]


def _expect_type(json: dict[str, Any], expected: str, key: str) -> None:
    # ADF's docs also spell the sink "AzurePostgreSQLSink": types are matched without case.
    if str(json["type"]).lower() != expected.lower():
        raise ActivityError(f"typeProperties.{key}.type {json['type']!r} does not go with its dataset; use {expected}",
                            code="UserErrorInvalidCopy")


def _postgres_source(invocation: ActivityInvocation, dataset: ResolvedDataset, source: dict[str, Any]) -> PostgresSource:
    linked_service, settings = resolve_linked_service(invocation.factory, dataset.linked_service,
                                                      where=f"dataset '{dataset.name}' linkedServiceName")
    text = source.get("query")
    query_text = text.rstrip().rstrip(";") if isinstance(text, str) and text.strip() else None
    names_table = any(dataset.type_properties.get(key) for key in ("table", "tableName"))
    table = table_identifier(dataset, otherwise=" and the source has no query") if names_table or query_text is None else None
    query = sql.SQL(query_text) if query_text is not None else sql.SQL("SELECT * FROM {}").format(table)
    timeout = statement_timeout(source.get("queryTimeout"), property_name="source.queryTimeout",
                                linked_service=linked_service, settings=settings)
    return PostgresSource(linked_service.name, settings, query, timeout, table=table, query_text=query_text,
                          partitioning=read_partition_settings(invocation.type_properties),
                          additional_columns=read_additional_columns(source, file_source=False))


def _postgres_sink(invocation: ActivityInvocation, dataset: ResolvedDataset, sink: dict[str, Any]) -> PostgresSink:
    linked_service, settings = resolve_linked_service(invocation.factory, dataset.linked_service,
                                                      where=f"dataset '{dataset.name}' linkedServiceName")
    method_text = str(sink.get("writeMethod") or COPY_COMMAND)
    method = WRITE_METHODS.get(method_text.lower())
    if method is None:
        raise ActivityError(f"sink.writeMethod must be CopyCommand, BulkInsert or Upsert, got {method_text!r}",
                            code="UserErrorInvalidCopy")
    keys = (sink.get("upsertSettings") or {}).get("keys") or []
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise ActivityError("sink.upsertSettings.keys must be an array of column names", code="UserErrorInvalidCopy")
    script = sink.get("preCopyScript")
    parts = table_name(dataset)
    return PostgresSink(linked_service.name, settings, table_identifier(dataset), ".".join(parts), tuple(parts),
                        method, tuple(keys), script if isinstance(script, str) and script.strip() else None,
                        write_batch_size=_write_batch_size(sink.get("writeBatchSize")),
                        write_batch_timeout=_seconds(sink.get("writeBatchTimeout") or DEFAULT_WRITE_BATCH_TIMEOUT,
                                                     "sink.writeBatchTimeout"))


def _write_batch_size(value: Any) -> int:
    if value is None or value == "":
        return DEFAULT_WRITE_BATCH_SIZE
    try:
        size = int(str(value))
    except ValueError:
        size = 0
    if size < 1:
        raise ActivityError(f"sink.writeBatchSize must be a whole number of rows of at least 1, got {value!r}",
                            code="UserErrorInvalidCopy")
    return size


def _seconds(value: Any, property_name: str) -> float | None:
    try:
        return parse_timespan(str(value)).total_seconds() or None
    except ValueError as error:
        raise ActivityError(f"{property_name}: {error}", code="UserErrorInvalidTimeout") from None
