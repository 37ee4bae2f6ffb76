"""Which source column goes to which sink column: ADF's default mapping by name, or the translator's.

Default (no ``translator``, or one without ``mappings``): every source column goes to the sink
column of the same name, matched case-sensitively; a source column the sink lacks is an error,
sink columns the source lacks keep their defaults. A ``TabularTranslator`` lists the pairs
itself, by name or by 1-based ordinal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from pgfactory.errors import ActivityError


@dataclass(frozen=True)
class Column:
    name: str
    type_oid: int
    type_name: str  # as format_type writes it, e.g. "numeric(12,2)"


@dataclass(frozen=True)
class ColumnPair:
    source: Column
    sink: Column

    @property
    def same_type(self) -> bool:
        return self.source.type_oid == self.sink.type_oid


def query_columns(connection: psycopg.Connection[Any], query: sql.Composable) -> list[Column]:
    """The columns ``query`` returns, found without running it for its rows."""
    cursor = connection.execute(sql.SQL("SELECT * FROM ({}) AS source LIMIT 0").format(query))
    described = cursor.description or []
    names = _type_names(connection, [column.type_code for column in described])
    return [Column(column.name, column.type_code, names[column.type_code]) for column in described]


def table_columns(connection: psycopg.Connection[Any], table: sql.Identifier) -> list[Column]:
    """The writable columns of ``table`` in order (not dropped, not generated)."""
    rows = connection.execute(
        "SELECT attname, atttypid, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
        [table.as_string(connection)],
    ).fetchall()
    return [Column(name, int(oid), type_name) for name, oid, type_name in rows]


def _type_names(connection: psycopg.Connection[Any], oids: list[int]) -> dict[int, str]:
    if not oids:
        return {}
    rows = connection.execute("SELECT oid, format_type(oid, NULL) FROM pg_type WHERE oid = ANY(%s)", [oids]).fetchall()
    return {int(oid): name for oid, name in rows}


def map_columns(source: list[Column], sink: list[Column], translator: Any, *, sink_name: str) -> list[ColumnPair]:
    """The column pairs to copy between two tables' columns; errors name the column and what exists."""
    sink_by_name = {column.name: column for column in sink}
    return [ColumnPair(source[index], sink_by_name[name])
            for index, name in map_names([column.name for column in source], list(sink_by_name), translator,
                                         sink_name=sink_name)]


def map_names(source: list[str], sink: list[str] | None, translator: Any, *, sink_name: str) -> list[tuple[int, str]]:
    """``(source column index, sink column name)`` for every column to copy, in order.

    ``sink`` is None when the sink takes whatever names it is given (a file): then the default
    mapping keeps the source's names, and a translator's sink names are free.
    """
    if translator is None or (isinstance(translator, dict) and "mappings" not in translator):
        # A translator without mappings (only typeConversion settings, as ADF's UI writes one) maps by name.
        missing = [name for name in source if sink is not None and name not in sink]
        if missing:
            raise ActivityError(
                f"The sink {sink_name} has no column {', '.join(map(repr, missing))} for the source column(s) of "
                f"the same name (default mapping matches names case-sensitively); sink columns: "
                f"{', '.join(sink or [])}. Add a translator with explicit mappings to copy them elsewhere.",
                code="UserErrorColumnMappingFailed",
            )
        return list(enumerate(source))
    mappings = translator.get("mappings") if isinstance(translator, dict) else None
    if not isinstance(mappings, list) or not mappings:
        raise ActivityError("translator.mappings must be a non-empty array of {source, sink} pairs",
                            code="UserErrorColumnMappingFailed")
    pairs = []
    for index, mapping in enumerate(mappings):
        where = f"translator.mappings[{index}]"
        if not isinstance(mapping, dict):
            raise ActivityError(f"{where} must be an object with source and sink", code="UserErrorColumnMappingFailed")
        source_index = _pick(source, mapping.get("source"), f"{where}.source", "source")
        sink_index = _pick(sink, mapping.get("sink"), f"{where}.sink", f"sink {sink_name}") if sink is not None else None
        if sink is None:
            side = mapping.get("sink")
            name = side.get("name") if isinstance(side, dict) else None
            pairs.append((source_index, str(name) if name is not None else source[source_index]))
        else:
            assert sink_index is not None
            pairs.append((source_index, sink[sink_index]))
    return pairs


def _pick(names: list[str], side: Any, where: str, what: str) -> int:
    if isinstance(side, dict) and side.get("name") is not None:
        name = str(side["name"])
        if name not in names:
            raise ActivityError(f"{where}.name: the {what} has no column {name!r}; columns: {', '.join(names)}",
                                code="UserErrorColumnMappingFailed")
        return names.index(name)
    if isinstance(side, dict) and side.get("ordinal") is not None:
        ordinal = int(side["ordinal"])
        if not 1 <= ordinal <= len(names):
            raise ActivityError(f"{where}.ordinal: {ordinal} is outside 1..{len(names)} of the {what}",
                                code="UserErrorColumnMappingFailed")
        return ordinal - 1
    raise ActivityError(f"{where} needs a name or an ordinal", code="UserErrorColumnMappingFailed")
