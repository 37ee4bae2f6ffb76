"""How each PostgreSQL type travels as Arrow: one table, read and write alike.

A column travels one of two ways:

- **native**: the ADBC driver's binary COPY encodes and decodes it in C, as the Arrow type below;
- **text**: as PostgreSQL's own text form in an Arrow ``string`` (``column::text`` on read, the
  server's input function on write). Exact for every type, because PostgreSQL's text output reads
  back to the same value; used for every type not in the native table.

============================  =============================================================
PostgreSQL                    Arrow
============================  =============================================================
smallint, integer, bigint     int16, int32, int64
real, double precision        float32, float64 (NaN and +-Infinity kept)
numeric(p,s), 0<=s<=p<=38     decimal128(p, s); a NaN value is an error (a decimal cannot hold it)
numeric(p,s), 38<p<=76        decimal256(p, s); NaN likewise
numeric (no precision, or     string: PostgreSQL's text ("NaN", "Infinity", 1000 digits ...)
p>76, or negative scale)
money                         int64, the amount in minor units (cents) as PostgreSQL stores it,
                              independent of lc_monetary
text, varchar(n), char(n)     string (char(n) padded, as PostgreSQL returns it)
bytea                         binary
boolean                       bool
date                          date32; +-infinity as +-(2**31-1) days
timestamp                     timestamp[us]; +-infinity as +-(2**63-1)
timestamp with time zone      timestamp[us, tz=UTC] (the instant; PostgreSQL keeps no zone);
                              +-infinity as +-(2**63-1)
time                          time64[us] (24:00:00 kept as 86,400,000,000 us)
interval                      month_day_nano_interval (months, days, microseconds x 1000);
                              Parquet has no such type: see :func:`parquet_compatible`
uuid                          arrow.uuid extension (Parquet UUID)
json, jsonb                   arrow.json extension over string (Parquet JSON)
smallint[] .. boolean[],      list<element as above>, one dimension with lower bound 1; a value
text[], varchar[], char[],    with more dimensions or another lower bound is an error on read
numeric(p,s)[]                (copy it as text: ``column::text``)
everything else: time with    string, PostgreSQL's text form: timetz keeps its offset
time zone, inet, cidr,        ("12:34:56+05:30"), arrays keep dimensions and bounds
macaddr, enums, ranges, xml,  ("[0:1]={1,2}", "{{1,2},{3,4}}")
bit, geometric, arrays of
other types, ...
domains                       as their base type; ``pg_type`` names the domain when the column
                              comes straight from a table column, else the base type
enums                         string on read (the label); written natively, as text is
============================  =============================================================

The infinities follow DuckDB's convention (the largest magnitude of the Arrow storage type), so
tools that know it read them as infinity. Every field carries the source column's type as
PostgreSQL's ``format_type`` spells it under :data:`PG_TYPE_KEY` (``b"numeric(38,10)"``,
``b"character varying(5)"``, ``b"integer[]"``), enough to create a table of the same shape.

Writing takes the table above backwards, from any Arrow type that converts exactly or as noted:
other integer/float widths, timestamp units (below microseconds truncated, as PostgreSQL keeps
microseconds), dictionary, large and view strings are cast in C; a naive timestamp into
``timestamptz`` is taken as UTC, and a UTC one into ``timestamp`` keeps its UTC clock time; strings
into any other type (a CSV file's columns) are parsed by PostgreSQL's input function; a decimal
into a numeric without declared scale keeps its value but not its trailing zeros (1.50 -> 1.5);
infinity is recognised in date32 and timestamp[us] only. What converts to nothing PostgreSQL
takes is refused before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

PG_TYPE_KEY = b"pg_type"

# Built-in type OIDs (fixed in PostgreSQL's catalog, pg_type.dat).
BOOL, BYTEA, INT8, INT2, INT4, TEXT, JSON = 16, 17, 20, 21, 23, 25, 114
FLOAT4, FLOAT8, MONEY, BPCHAR, VARCHAR, DATE, TIME = 700, 701, 790, 1042, 1043, 1082, 1083
TIMESTAMP, TIMESTAMPTZ, INTERVAL, NUMERIC, UUID, JSONB = 1114, 1184, 1186, 1700, 2950, 3802

# Array type OID -> element type OID, for the arrays that travel natively.
NATIVE_ARRAY_ELEMENTS = {
    1000: BOOL, 1005: INT2, 1007: INT4, 1016: INT8, 1021: FLOAT4, 1022: FLOAT8,
    1009: TEXT, 1014: BPCHAR, 1015: VARCHAR, 1231: NUMERIC,
}
TEMPORAL_WITH_INFINITY = frozenset({DATE, TIMESTAMP, TIMESTAMPTZ})
STRING_TYPES = frozenset({TEXT, VARCHAR, BPCHAR})

MAX_DECIMAL128_PRECISION = 38
MAX_DECIMAL256_PRECISION = 76
_VARHDRSZ = 4


class Travel(Enum):
    """How a column crosses the driver: in its own binary form, or as PostgreSQL text."""

    NATIVE = "native"
    TEXT = "text"


@dataclass(frozen=True)
class PgColumn:
    """A result or table column: its name, the OID and modifier of its type (a domain's base
    type: that is what travels) and its declared type as ``format_type`` spells it."""

    name: str
    type_oid: int
    typmod: int
    type_name: str

    @property
    def element_oid(self) -> int | None:
        """The element type of a natively travelling array type, else None."""
        return NATIVE_ARRAY_ELEMENTS.get(self.type_oid)

    @property
    def travel(self) -> Travel:
        scalar = self.element_oid or self.type_oid
        if scalar == NUMERIC:
            return Travel.NATIVE if numeric_precision(self.typmod) is not None else Travel.TEXT
        return Travel.NATIVE if scalar in _NATIVE_SCALAR_OIDS else Travel.TEXT

    def arrow_type(self) -> pa.DataType:
        """The Arrow type this column has in a record batch."""
        import pyarrow as pa

        if self.travel is Travel.TEXT:
            return pa.string()
        element = self.element_oid
        if element is not None:
            return pa.list_(_native_scalar_type(element, self.typmod))
        return _native_scalar_type(self.type_oid, self.typmod)

    def arrow_field(self) -> pa.Field:
        import pyarrow as pa

        return pa.field(self.name, self.arrow_type(), metadata={PG_TYPE_KEY: self.type_name.encode()})


def numeric_precision(typmod: int) -> tuple[int, int] | None:
    """(precision, scale) of a numeric type modifier when an Arrow decimal holds it exactly."""
    if typmod < _VARHDRSZ:
        return None  # numeric without precision: any number of digits
    precision = ((typmod - _VARHDRSZ) >> 16) & 0xFFFF
    scale = ((((typmod - _VARHDRSZ) & 0x7FF) ^ 1024) - 1024)  # an 11-bit signed scale since PostgreSQL 15
    if not 0 <= scale <= precision <= MAX_DECIMAL256_PRECISION:
        return None
    return precision, scale


def decimal_type(precision: int, scale: int) -> pa.DataType:
    import pyarrow as pa

    if precision <= MAX_DECIMAL128_PRECISION:
        return pa.decimal128(precision, scale)
    return pa.decimal256(precision, scale)


_NATIVE_SCALAR_OIDS = frozenset({
    INT2, INT4, INT8, FLOAT4, FLOAT8, MONEY, TEXT, VARCHAR, BPCHAR, BYTEA, BOOL,
    DATE, TIMESTAMP, TIMESTAMPTZ, TIME, INTERVAL, UUID, JSON, JSONB,
})


def _native_scalar_type(oid: int, typmod: int) -> pa.DataType:
    import pyarrow as pa

    if oid == NUMERIC:
        precision = numeric_precision(typmod)
        assert precision is not None, "a numeric without an Arrow decimal travels as text"
        return decimal_type(*precision)
    types: dict[int, pa.DataType] = {
        INT2: pa.int16(), INT4: pa.int32(), INT8: pa.int64(), MONEY: pa.int64(),
        FLOAT4: pa.float32(), FLOAT8: pa.float64(),
        TEXT: pa.string(), VARCHAR: pa.string(), BPCHAR: pa.string(), BYTEA: pa.binary(), BOOL: pa.bool_(),
        DATE: pa.date32(), TIMESTAMP: pa.timestamp("us"), TIMESTAMPTZ: pa.timestamp("us", tz="UTC"),
        TIME: pa.time64("us"), INTERVAL: pa.month_day_nano_interval(),
        UUID: pa.uuid(), JSON: pa.json_(), JSONB: pa.json_(),
    }
    return types[oid]
