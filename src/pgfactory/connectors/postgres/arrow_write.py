"""Write Arrow record batches into a table's columns through the ADBC driver's binary COPY.

Nothing here commits: rows go into the session's open transaction, which the caller commits
once at the end or rolls back (``ArrowSession.commit`` / ``rollback``).

Each target column gets a plan from its PostgreSQL type (:mod:`.arrow_types`) and the incoming
Arrow type: native columns are cast in C to the exact Arrow type the driver encodes for that
PostgreSQL type; text columns (and strings bound for non-string types, as from a CSV file) are
sent as text and parsed by PostgreSQL's own input function. Batches flow in two ways:

- **direct**: consecutive batches stream as one ``COPY target (columns) FROM STDIN (FORMAT binary)``;
- **through a wire table**: when a column travels as text, or a batch holds a date/timestamp
  infinity (which the driver cannot encode), the batch is copied into a temporary table of wire
  types and moved with ``INSERT INTO target (...) SELECT <casts> FROM wire``, then the wire table
  is emptied. Server-side casts cost roughly a second pass; the common types never need it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pgfactory.connectors.postgres.arrow_session import ArrowSession, cancelled_error, transfer_error
from pgfactory.connectors.postgres.arrow_types import (
    INTERVAL,
    JSON,
    JSONB,
    NUMERIC,
    STRING_TYPES,
    TEMPORAL_WITH_INFINITY,
    UUID,
    PgColumn,
    Travel,
)
from pgfactory.connectors.postgres.arrow_values import (
    conversion_error,
    infinities_to_flags,
    interval_from_struct,
    is_interval_struct,
)
from pgfactory.errors import ActivityError

if TYPE_CHECKING:
    import pyarrow as pa

_SINK = "sink write"


@dataclass(frozen=True)
class TableName:
    """A table, optionally schema-qualified; names are taken as written (no case folding)."""

    name: str
    schema: str | None = None

    @property
    def sql(self) -> str:
        quoted = _identifier(self.name)
        return f"{_identifier(self.schema)}.{quoted}" if self.schema else quoted


@dataclass(frozen=True)
class WriteResult:
    """Rows written, and bytes sent: the Arrow size of the batches as encoded for the wire."""

    rows: int
    bytes: int


def table_columns(session: ArrowSession, table: TableName) -> tuple[TableName, list[PgColumn]]:
    """The table with its real schema, and its columns in order: a domain column with its base
    type's OID and modifier (the driver encodes the base type; the server checks the domain), an
    enum column as text (an enum's binary form is its label's text), and the declared ``format_type``."""
    rows = session.execute(
        "SELECT n.nspname, c.relname, a.attname,"
        " (CASE t.typtype WHEN 'd' THEN t.typbasetype WHEN 'e' THEN 'text'::regtype ELSE a.atttypid END)::int8,"
        " CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END, format_type(a.atttypid, a.atttypmod)"
        " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_type t ON t.oid = a.atttypid"
        " WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (table.sql,), where="looking up the sink table",
    )
    if not rows:
        raise ActivityError(f"the sink table {table.sql} does not exist or has no columns",
                            code="UserErrorPostgreSqlTableNotFound", failure_type="UserError")
    resolved = TableName(rows[0][1], rows[0][0])
    return resolved, [PgColumn(name, int(oid), typmod, type_name) for _, _, name, oid, typmod, type_name in rows]


def create_staging_table(session: ArrowSession, like: TableName, columns: Sequence[str] | None = None) -> TableName:
    """A new temporary table shaped like ``like`` (all its columns with their defaults, or only
    ``columns``), dropped when the transaction commits: the place an upsert stages its rows."""
    name = f"pgfactory_stage_{secrets.token_hex(6)}"
    if columns is None:
        statement = f"CREATE TEMP TABLE {_identifier(name)} (LIKE {like.sql} INCLUDING DEFAULTS) ON COMMIT DROP"
    else:
        chosen = ", ".join(_identifier(column) for column in columns)
        statement = f"CREATE TEMP TABLE {_identifier(name)} ON COMMIT DROP AS SELECT {chosen} FROM {like.sql} WITH NO DATA"
    session.execute(statement, where="creating the staging table")
    return TableName(name, "pg_temp")


def write_batches(
    session: ArrowSession, table: TableName, columns: Sequence[str], batches: Iterable[pa.RecordBatch]
) -> WriteResult:
    """Write ``batches`` into ``columns`` of ``table`` (the i-th batch column into the i-th name).

    Streams: one batch is converted at a time. The caller commits or rolls back the session.
    """
    import pyarrow as pa

    resolved, table_cols = table_columns(session, table)
    by_name = {column.name: column for column in table_cols}
    missing = [name for name in columns if name not in by_name]
    if missing:
        raise ActivityError(f"the sink table {resolved.sql} has no column(s) {', '.join(map(repr, missing))}",
                            code="UserErrorPostgreSqlColumnNotFound", failure_type="UserError")
    iterator = iter(batches)
    first = next(iterator, None)
    if first is None:
        return WriteResult(0, 0)
    if first.num_columns != len(columns):
        raise ActivityError(f"the batches have {first.num_columns} columns but {len(columns)} sink columns are named",
                            code="UserErrorColumnCountMismatch", failure_type="UserError")
    plans = [_ColumnPlan.for_column(by_name[name], incoming) for name, incoming in zip(columns, first.schema, strict=True)]
    writer = _Writer(session, resolved, plans, pa.schema([plan.wire_field for plan in plans]))
    return writer.run(_chain(first, iterator))


@dataclass
class _ColumnPlan:
    """How one incoming Arrow column becomes what the driver sends for one target column."""

    target: PgColumn
    travel: Travel
    wire_type: pa.DataType
    convert: Callable[[pa.Array], pa.Array]
    temporal: bool = False

    @property
    def wire_field(self) -> pa.Field:
        import pyarrow as pa

        return pa.field(self.target.name, self.wire_type)

    @classmethod
    def for_column(cls, target: PgColumn, incoming: pa.Field) -> _ColumnPlan:
        import pyarrow as pa

        source = incoming.type
        storage = source.storage_type if isinstance(source, pa.ExtensionType) else source
        is_text = pa.types.is_string(storage) or pa.types.is_large_string(storage) or pa.types.is_string_view(storage)
        native = target.travel is Travel.NATIVE
        if native and target.type_oid in STRING_TYPES | {JSON} and is_text:
            return cls(target, Travel.NATIVE, pa.string(), _as_string)
        if native and target.type_oid == JSONB and is_text:
            return cls(target, Travel.NATIVE, pa.json_(), lambda array: pa.ExtensionArray.from_storage(
                pa.json_(), _as_string(array)))
        if native and target.type_oid == UUID and (source == pa.uuid() or source == pa.binary(16)):
            return cls(target, Travel.NATIVE, pa.uuid(), lambda array: array if array.type == pa.uuid()
                       else pa.ExtensionArray.from_storage(pa.uuid(), array))
        if native and target.type_oid == INTERVAL and is_interval_struct(source):
            return cls(target, Travel.NATIVE, pa.month_day_nano_interval(), interval_from_struct)
        # The driver encodes any decimal as numeric, whatever the column's precision (which reads as
        # text when Arrow has no decimal for it); the server fits the scale, as numeric_recv does. It
        # drops trailing zeros, so a numeric without a declared scale gets 1.5 for a decimal 1.50.
        if target.type_oid == NUMERIC and pa.types.is_decimal(source):
            return cls(target, Travel.NATIVE, source, _identity)
        if target.element_oid == NUMERIC and pa.types.is_list(source) and pa.types.is_decimal(source.value_type):
            return cls(target, Travel.NATIVE, source, _identity)
        if native and not is_text and not isinstance(source, pa.ExtensionType):
            wire = target.arrow_type()
            if source == wire:
                return cls(target, Travel.NATIVE, wire, _identity, target.type_oid in TEMPORAL_WITH_INFINITY)
            if _can_cast(source, wire):
                return cls(target, Travel.NATIVE, wire, _caster(wire, target), target.type_oid in TEMPORAL_WITH_INFINITY)
        # Everything else goes as text for the server to parse: PostgreSQL's own rules decide.
        if is_text:
            return cls(target, Travel.TEXT, pa.string(), _as_string)
        if _can_cast(storage, pa.string()) and not pa.types.is_binary(storage):  # raw bytes are no text form
            return cls(target, Travel.TEXT, pa.string(), _as_string)
        raise conversion_error(
            f"column {incoming.name!r} of Arrow type {source} cannot be written to {target.name!r} ({target.type_name})",
            column=target.name,
        )


@dataclass
class _WireBatch:
    batch: pa.RecordBatch
    flags: dict[int, pa.Array] = field(default_factory=dict)  # column index -> infinity flags


class _Writer:
    def __init__(self, session: ArrowSession, table: TableName, plans: list[_ColumnPlan], wire_schema: pa.Schema) -> None:
        self.session = session
        self.table = table
        self.plans = plans
        self.wire_schema = wire_schema
        self.rows = 0
        self.bytes = 0
        self.always_staged = any(plan.travel is Travel.TEXT for plan in plans)
        self.wire_table: TableName | None = None

    def run(self, batches: Iterator[pa.RecordBatch]) -> WriteResult:
        wire = (self._to_wire(batch) for batch in batches if batch.num_rows)
        pending = next(wire, None)
        while pending is not None:
            if self.session.cancel_requested:
                raise cancelled_error(_SINK)
            if self.always_staged or pending.flags:
                self._write_staged(pending)
                pending = next(wire, None)
            else:
                pending = self._write_direct(pending, wire)
        if self.wire_table is not None:
            self.session.execute(f"DROP TABLE {self.wire_table.sql}", where=_SINK)
        return WriteResult(self.rows, self.bytes)

    def _to_wire(self, batch: pa.RecordBatch) -> _WireBatch:
        import pyarrow as pa

        arrays, flags = [], {}
        for index, plan in enumerate(self.plans):
            array = plan.convert(batch.column(index))
            if plan.temporal:
                array, infinity = infinities_to_flags(array, column=plan.target.name, pg_type=plan.target.type_name)
                if infinity is not None:
                    flags[index] = infinity
            arrays.append(array)
        wire = pa.RecordBatch.from_arrays(arrays, schema=self.wire_schema)
        self.bytes += wire.nbytes
        return _WireBatch(wire, flags)

    def _write_direct(self, first: _WireBatch, rest: Iterator[_WireBatch]) -> _WireBatch | None:
        """Stream ``first`` and the batches after it in one COPY; returns the batch that stopped the run."""
        import pyarrow as pa

        stopped: list[_WireBatch] = []
        failures: list[BaseException] = []

        def segment() -> Iterator[pa.RecordBatch]:
            try:
                yield first.batch
                self.rows += first.batch.num_rows
                for wire in rest:
                    if self.session.cancel_requested:
                        return
                    if wire.flags:
                        stopped.append(wire)
                        return
                    yield wire.batch
                    self.rows += wire.batch.num_rows
            except GeneratorExit:
                raise
            except BaseException as error:  # ends the COPY; re-raised below with its own type and message
                failures.append(error)

        self._ingest(self.table, pa.RecordBatchReader.from_batches(self.wire_schema, segment()))
        if failures:
            raise failures[0]
        if self.session.cancel_requested:
            raise cancelled_error(_SINK)
        return stopped[0] if stopped else None

    def _write_staged(self, wire: _WireBatch) -> None:
        import pyarrow as pa

        wire_table = self._wire_table()
        names, arrays = [], []
        for index, plan in enumerate(self.plans):
            names.append(f"c{index}")
            arrays.append(wire.batch.column(index))
            if plan.temporal:
                names.append(f"f{index}")
                arrays.append(wire.flags.get(index, pa.nulls(wire.batch.num_rows, pa.int16())))
        self._ingest(wire_table, pa.RecordBatch.from_arrays(arrays, names=names))
        targets = ", ".join(_identifier(plan.target.name) for plan in self.plans)
        values = ", ".join(_select_expression(index, plan) for index, plan in enumerate(self.plans))
        self.session.execute(f"INSERT INTO {self.table.sql} ({targets}) SELECT {values} FROM {wire_table.sql} AS w",
                             where=_SINK)
        self.session.execute(f"TRUNCATE {wire_table.sql}", where=_SINK)
        self.rows += wire.batch.num_rows

    def _wire_table(self) -> TableName:
        if self.wire_table is None:
            name = f"pgfactory_wire_{secrets.token_hex(6)}"
            definitions = []
            for index, plan in enumerate(self.plans):
                definitions.append(f'"c{index}" {plan.target.type_name if plan.travel is Travel.NATIVE else "text"}')
                if plan.temporal:
                    definitions.append(f'"f{index}" smallint')
            self.session.execute(f"CREATE TEMP TABLE {_identifier(name)} ({', '.join(definitions)}) ON COMMIT DROP",
                                 where=_SINK)
            self.wire_table = TableName(name, "pg_temp")
        return self.wire_table

    def _ingest(self, table: TableName, data: pa.RecordBatch | pa.RecordBatchReader) -> None:
        from adbc_driver_manager import Error as AdbcError

        try:
            self.session.cursor.adbc_ingest(table.name, data, mode="append", db_schema_name=table.schema)
        except AdbcError as error:
            raise transfer_error(error, where=_SINK) from None


def _select_expression(index: int, plan: _ColumnPlan) -> str:
    value = f'w."c{index}"'
    type_name = plan.target.type_name
    if plan.travel is Travel.TEXT:
        return f"{value}::{type_name}"
    if plan.temporal:
        flag = f'w."f{index}"'
        return f"CASE {flag} WHEN 1 THEN 'infinity'::{type_name} WHEN -1 THEN '-infinity'::{type_name} ELSE {value} END"
    return value


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _chain(first: pa.RecordBatch, rest: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    yield first
    yield from rest


def _identity(array: pa.Array) -> pa.Array:
    return array


def _as_string(array: pa.Array) -> pa.Array:
    import pyarrow as pa

    if isinstance(array, pa.ExtensionArray):
        array = array.storage
    return array if array.type == pa.string() else array.cast(pa.string())


def _can_cast(source: pa.DataType, target: pa.DataType) -> bool:
    import pyarrow as pa

    try:
        pa.array([], source).cast(target)
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return False
    return True


def _caster(wire: pa.DataType, target: PgColumn) -> Callable[[pa.Array], pa.Array]:
    import pyarrow as pa
    import pyarrow.compute as pc

    # Overflow is an error; sub-microsecond digits are dropped, as PostgreSQL keeps microseconds.
    options = pc.CastOptions(wire, allow_time_truncate=True)

    def cast(array: pa.Array) -> pa.Array:
        try:
            return pc.cast(array, options=options)
        except pa.ArrowInvalid as error:
            raise conversion_error(f"column {target.name!r} ({target.type_name}): {error}", column=target.name) from None

    return cast
