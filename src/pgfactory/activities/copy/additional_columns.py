"""A copy source's ``additionalColumns`` (spec 3.1): extra columns that take part in mapping like the source's own.

Each entry is ``{"name": ..., "value": ...}`` with the value (its expression already evaluated):

- ``"$$FILEPATH"``: the path of the file the row came from, relative to the dataset's folder
  (file sources only; a PostgreSQL source refuses it, as ADF does);
- ``"$$COLUMN:<source column>"``: a copy of that source column, under the new name;
- anything else: that value as text in every row (a non-string expression result as its JSON
  text, ``null`` as SQL NULL).

A PostgreSQL source gets them in its query (``SELECT source.*, <extras> FROM (<query>) AS
source``), so the server computes them and the COPY paths stay as they are; a file source gets
them appended to each Arrow batch (:func:`add_to_batch`), in C.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from psycopg import sql

from pgfactory.errors import ActivityError

FILE_PATH = "$$FILEPATH"
COLUMN_PREFIX = "$$COLUMN:"
_INVALID = "UserErrorInvalidCopy"


@dataclass(frozen=True)
class AdditionalColumn:
    name: str
    text: str | None = None  # the static value (None: SQL NULL)
    column: str | None = None  # $$COLUMN:<column>: the source column copied
    file_path: bool = False  # $$FILEPATH


def read_additional_columns(source: dict[str, Any], *, file_source: bool) -> tuple[AdditionalColumn, ...]:
    """The source's ``additionalColumns``, checked; empty when it has none."""
    entries = source.get("additionalColumns")
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise ActivityError("source.additionalColumns must be an array of {name, value}", code=_INVALID)
    columns: list[AdditionalColumn] = []
    for index, entry in enumerate(entries):
        where = f"source.additionalColumns[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise ActivityError(f"{where} must be an object with a name and a value", code=_INVALID)
        name, value = entry["name"], entry.get("value")
        if value == FILE_PATH:
            if not file_source:
                raise ActivityError(f"{where}: {FILE_PATH} is only supported for file sources; this source is a "
                                    "PostgreSQL table or query", code=_INVALID)
            columns.append(AdditionalColumn(name, file_path=True))
        elif isinstance(value, str) and value.startswith(COLUMN_PREFIX):
            column = value[len(COLUMN_PREFIX):]
            if not column:
                raise ActivityError(f"{where}: {COLUMN_PREFIX} needs a source column name after the colon", code=_INVALID)
            columns.append(AdditionalColumn(name, column=column))
        else:
            columns.append(AdditionalColumn(name, text=value if isinstance(value, str) or value is None
                                            else json.dumps(value)))
    return tuple(columns)


def with_additional_columns(query: sql.Composable, columns: tuple[AdditionalColumn, ...]) -> sql.Composable:
    """``query`` with the additional columns after its own (static values as ``text`` literals)."""
    extras = [sql.SQL("{} AS {}").format(sql.Identifier("source", column.column) if column.column is not None
                                         else sql.SQL("{}::text").format(sql.Literal(column.text)), sql.Identifier(column.name))
              for column in columns]
    return sql.SQL("SELECT source.*, {} FROM ({}) AS source").format(sql.SQL(", ").join(extras), query)


def names_with_additional(names: list[str], columns: tuple[AdditionalColumn, ...]) -> list[str]:
    """A file's column names followed by the additional columns'; a source column they copy must exist."""
    for column in columns:
        if column.column is not None and column.column not in names:
            raise ActivityError(f"source.additionalColumns {column.name!r}: the source has no column {column.column!r} "
                                f"to copy; columns: {', '.join(names)}", code="UserErrorColumnMappingFailed")
    return [*names, *(column.name for column in columns)]


def add_to_batch(batch: pa.RecordBatch, columns: tuple[AdditionalColumn, ...], relative_path: str) -> pa.RecordBatch:
    """``batch`` with the additional columns appended (constants repeated in C, copies shared)."""
    if not columns:
        return batch
    arrays = list(batch.columns)
    names = list(batch.schema.names)
    for column in columns:
        if column.column is not None:
            arrays.append(batch.column(names.index(column.column)))
        else:
            value = relative_path if column.file_path else column.text
            arrays.append(pa.repeat(pa.scalar(value, pa.string()), batch.num_rows))
    return pa.RecordBatch.from_arrays(arrays, names=[*names, *(column.name for column in columns)])


def check_unique_names(names: list[str]) -> None:
    """Additional columns must not take a name the source already has: mapping by name would be ambiguous."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ActivityError(f"The source has more than one column named {name!r} (an additional column may not "
                                "reuse a source column's name)", code="UserErrorColumnMappingFailed")
        seen.add(name)
