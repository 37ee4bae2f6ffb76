"""Whole-array value conversions between the ADBC driver's Arrow and the documented representation.

Every function works on whole arrays with Arrow compute kernels (C), never per value in Python.

- Infinity: the driver shifts PostgreSQL's date/timestamp infinity sentinels by the 1970/2000
  epoch difference with wrapping arithmetic, leaving garbage far below any real date. On read
  they become DuckDB's infinities (+-largest value of the storage type); on write those become
  NULL plus a flag column, and the SQL that moves the row restores ``'infinity'``.
- numeric: the driver returns numeric as strings (an ``arrow.opaque`` extension); a declared
  precision turns them into an Arrow decimal.
- interval: Parquet has no month/day/nanosecond interval, so :func:`parquet_compatible` turns it
  into a struct of its three parts, which :func:`interval_from_struct` reverses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pgfactory.errors import ActivityError

if TYPE_CHECKING:
    from collections.abc import Callable

    import pyarrow as pa

TYPE_CONVERSION_FAILED = "TypeConversionFailure"  # ADF's code for a value the sink type cannot take

INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1
_TIMESTAMP_EPOCH_SHIFT = 946_684_800_000_000  # microseconds from 1970-01-01 to 2000-01-01 (PostgreSQL's epoch)
_DATE_EPOCH_SHIFT = 10_957  # days, likewise
# PostgreSQL's earliest timestamp/date (4713-11-24 BC) in Unix microseconds / days.
MIN_TIMESTAMP_US = -210_866_803_200_000_000
MIN_DATE_DAYS = -2_440_588
# The last date PostgreSQL takes (5874897-12-31), in Unix days.
MAX_DATE_DAYS = 2_145_042_905

INTERVAL_FIELDS = ("months", "days", "nanoseconds")


def conversion_error(message: str, *, column: str) -> ActivityError:
    return ActivityError(message, code=TYPE_CONVERSION_FAILED, failure_type="UserError",
                         details=[{"column": column}])


def _storage_kind(array: pa.Array) -> tuple[pa.DataType, int, int, int]:
    """(integer storage type, sentinel for +infinity, for -infinity, smallest valid value) from the driver."""
    import pyarrow as pa

    if pa.types.is_date32(array.type):
        return pa.int32(), -(2**31) + _DATE_EPOCH_SHIFT - 1, -(2**31) + _DATE_EPOCH_SHIFT, MIN_DATE_DAYS
    return pa.int64(), -(2**63) + _TIMESTAMP_EPOCH_SHIFT - 1, -(2**63) + _TIMESTAMP_EPOCH_SHIFT, MIN_TIMESTAMP_US


def infinities_from_driver(array: pa.Array, *, column: str) -> pa.Array:
    """A date32/timestamp array from the driver with its infinity sentinels made DuckDB's infinities."""
    import pyarrow as pa
    import pyarrow.compute as pc

    storage, plus_sentinel, minus_sentinel, smallest = _storage_kind(array)
    values = array.view(storage)
    low = pc.min(values).as_py()
    if low is None or low >= smallest:
        return array  # the common case: one min() pass, nothing to change
    largest = INT32_MAX if storage == pa.int32() else INT64_MAX
    plus, minus = pc.equal(values, plus_sentinel), pc.equal(values, minus_sentinel)
    stray = pc.and_(pc.less(values, smallest), pc.invert(pc.or_(plus, minus)))
    if pc.any(stray).as_py():
        raise conversion_error(
            f"column {column!r} holds a timestamp after 294247-01-10, beyond Arrow's timestamp[us] range; "
            f"copy it as text ({column}::text) to keep it", column=column,
        )
    mapped = pc.if_else(plus, pa.scalar(largest, storage), pc.if_else(minus, pa.scalar(-largest, storage), values))
    return mapped.view(array.type)


def infinities_to_flags(array: pa.Array, *, column: str, pg_type: str) -> tuple[pa.Array, pa.Array | None]:
    """(values with infinities as NULL, int16 flags +1/-1/NULL) for a date32/timestamp[us] array;
    flags are None when the array holds no infinity. Values PostgreSQL cannot hold are an error."""
    import pyarrow as pa
    import pyarrow.compute as pc

    storage = pa.int32() if pa.types.is_date32(array.type) else pa.int64()
    largest = INT32_MAX if storage == pa.int32() else INT64_MAX
    smallest = MIN_DATE_DAYS if storage == pa.int32() else MIN_TIMESTAMP_US
    values = array.view(storage)
    bounds = pc.min_max(values).as_py()
    low, high = bounds["min"], bounds["max"]
    if low is None:
        return array, None
    has_infinity = high == largest or low == -largest
    if has_infinity:
        plus, minus = pc.equal(values, largest), pc.equal(values, -largest)
        finite = pc.if_else(pc.or_(plus, minus), pa.scalar(None, storage), values)
        finite_bounds = pc.min_max(finite).as_py()
        low, high = finite_bounds["min"], finite_bounds["max"]
    if low is not None and (low < smallest or (storage == pa.int32() and high > MAX_DATE_DAYS)):
        raise conversion_error(f"column {column!r} holds a value outside the range of PostgreSQL's {pg_type}",
                               column=column)
    if not has_infinity:
        return array, None
    flags = pc.if_else(plus, pa.scalar(1, pa.int16()), pc.if_else(minus, pa.scalar(-1, pa.int16()),
                                                                   pa.scalar(None, pa.int16())))
    return finite.view(array.type), flags


def decimals_from_strings(array: pa.Array, decimal: pa.DataType, *, column: str, pg_type: str) -> pa.Array:
    """The driver's numeric strings as ``decimal``; NaN has no decimal form and is an error."""
    import pyarrow as pa
    import pyarrow.compute as pc

    strings = array.storage if isinstance(array, pa.ExtensionArray) else array
    try:
        return pc.cast(strings, decimal)
    except pa.ArrowInvalid:
        if pc.any(pc.equal(strings, "nan")).as_py():
            raise nan_error(column, pg_type) from None
        raise


def nan_error(column: str, pg_type: str) -> ActivityError:
    return conversion_error(f"column {column!r} ({pg_type}) holds NaN, which an Arrow decimal cannot hold; "
                            f"copy it as text ({column}::text) to keep it", column=column)


def map_list_values(array: pa.Array, convert: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """``array`` (a list array) with ``convert`` applied to all its values at once."""
    import pyarrow as pa

    return pa.ListArray.from_arrays(array.offsets, convert(array.values), mask=array.is_null())


def interval_to_struct(array: pa.Array) -> pa.Array:
    """A month_day_nano array as struct<months: int32, days: int32, nanoseconds: int64> (exact)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    raw = array.view(pa.binary(16))  # little-endian int32 months, int32 days, int64 nanoseconds

    def part(start: int, width: int, kind: pa.DataType) -> pa.Array:
        return pc.cast(pc.binary_slice(raw, start, start + width), pa.binary(width)).view(kind)

    parts = [part(0, 4, pa.int32()), part(4, 4, pa.int32()), part(8, 8, pa.int64())]
    return pa.StructArray.from_arrays(parts, names=list(INTERVAL_FIELDS), mask=array.is_null())


def interval_from_struct(array: pa.Array) -> pa.Array:
    """The inverse of :func:`interval_to_struct`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def raw(name: str, width: int) -> pa.Array:
        return pc.cast(pc.fill_null(array.field(name), 0).view(pa.binary(width)), pa.binary())

    joined = pc.binary_join_element_wise(raw("months", 4), raw("days", 4), raw("nanoseconds", 8), b"")
    intervals = pc.cast(joined, pa.binary(16)).view(pa.month_day_nano_interval())
    return pc.if_else(array.is_valid(), intervals, pa.scalar(None, pa.month_day_nano_interval()))


def is_interval_struct(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return pa.types.is_struct(kind) and [kind.field(i).name for i in range(kind.num_fields)] == list(INTERVAL_FIELDS)


def parquet_compatible(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` with every interval column as its exact struct form, which Parquet can store.

    Field metadata (``pg_type``) is kept, so a write of the read-back batch restores ``interval``.
    """
    import pyarrow as pa

    columns, fields = [], []
    for field, column in zip(batch.schema, batch.columns, strict=True):
        if pa.types.is_interval(field.type):
            column = interval_to_struct(column)
            field = field.with_type(column.type)
        columns.append(column)
        fields.append(field)
    return pa.RecordBatch.from_arrays(columns, schema=pa.schema(fields, metadata=batch.schema.metadata))
