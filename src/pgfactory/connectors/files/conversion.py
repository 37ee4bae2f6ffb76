"""Converting read columns to the types a caller asks for, and saying exactly which value failed.

Arrow casts a whole column at once and, when one value does not convert, says which value but
not where. On that (rare) path the failing row is found by bisecting the column: a logarithmic
number of casts of prefixes.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pgfactory.connectors.files.errors import TYPE_CONVERSION_FAILURE, FileStoreError
from pgfactory.connectors.files.format_base import ColumnTypes


def cast_columns(batch: pa.RecordBatch, column_types: ColumnTypes | None, *, path: Path, rows_before: int) -> pa.RecordBatch:
    """``batch`` with the columns named in ``column_types`` cast to their types."""
    if not column_types or not any(name in column_types for name in batch.schema.names):
        return batch
    fields, columns = [], []
    for field, column in zip(batch.schema, batch.columns, strict=True):
        target = column_types.get(field.name)
        if target is not None and not field.type.equals(target):
            try:
                column = pc.cast(column, target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
                raise conversion_error(path, field.name, column, target, rows_before, error) from error
            field = field.with_type(target)
        fields.append(field)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, schema=pa.schema(fields, metadata=batch.schema.metadata))


def conversion_error(
    path: Path, column_name: str, column: pa.Array, target: pa.DataType, rows_before: int, error: Exception
) -> FileStoreError:
    """A ``TypeConversionFailure`` naming the file, the 1-based data row, the column and the value."""
    where = f"{str(path)!r}, column {column_name!r}"
    if isinstance(error, pa.ArrowNotImplementedError):
        return FileStoreError(f"{where}: values of type {column.type} cannot be converted to {target}",
                              code=TYPE_CONVERSION_FAILURE, path=path)
    row = first_unconvertible(column, target)
    if row is None:
        return FileStoreError(f"{where}, data rows after {rows_before}: {error}", code=TYPE_CONVERSION_FAILURE, path=path)
    value = repr(column[row].as_py())
    value = value if len(value) <= 100 else value[:97] + "..."
    return FileStoreError(f"{where}, data row {rows_before + row + 1}: value {value} cannot be converted to {target}",
                          code=TYPE_CONVERSION_FAILURE, path=path)


def first_unconvertible(column: pa.Array, target: pa.DataType) -> int | None:
    """The index of the first value of ``column`` that does not cast to ``target``, if any."""
    if _casts(column, target):
        return None
    converts, fails = 0, len(column)  # column[:converts] casts, column[:fails] does not
    while fails - converts > 1:
        middle = (converts + fails) // 2
        if _casts(column.slice(0, middle), target):
            converts = middle
        else:
            fails = middle
    return fails - 1


def _casts(column: pa.Array, target: pa.DataType) -> bool:
    try:
        pc.cast(column, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True
