"""DynamicRange arithmetic: the column types a range can stride over, and the strides themselves.

Every supported type is discrete in PostgreSQL, so a value is handled as an integer *ordinal*:
integers as themselves, ``date`` as days since 1970-01-01, ``timestamp``/``timestamptz`` as
microseconds since 1970-01-01 00:00 (UTC for timestamptz), ``time`` as microseconds since
midnight. The server computes ordinals (so it parses every input format it accepts); strides are
integer arithmetic; each stride's ends go back into SQL as literals of the column's type, and
consecutive ranges neither overlap nor leave a gap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from psycopg import sql

from pgfactory.errors import ActivityError

_EPOCH_DATE = date(1970, 1, 1)
_EPOCH = datetime(1970, 1, 1)
_DAY_MICROSECONDS = 86_400_000_000


def range_strides(lower: int, upper: int, count: int) -> list[tuple[int, int]]:
    """``count`` inclusive ranges covering ``lower..upper`` as evenly as integers allow (fewer when there are
    fewer values): ADF's example, 1..80 in 4, gives (1, 20), (21, 40), (41, 60), (61, 80)."""
    if count < 1 or lower > upper:
        raise ValueError(f"no strides for {lower}..{upper} in {count}")
    size = upper - lower + 1
    count = min(count, size)
    return [(lower + size * index // count, lower + size * (index + 1) // count - 1) for index in range(count)]


@dataclass(frozen=True)
class RangeType:
    """How one PostgreSQL type is strided."""

    ordinal_sql: str  # a value -> its ordinal as bigint; "{}" is the value
    to_text: Callable[[int], str]  # an ordinal -> the type's input text
    lowest_text: str  # below or at every value: the first range's open end
    highest_text: str
    has_infinity: bool = False  # ±infinity values are left out of the min/max the strides come from

    def ordinal(self, value: sql.Composable) -> sql.Composable:
        return sql.SQL(self.ordinal_sql).format(value)

    def literal(self, ordinal: int, type_sql: sql.Composable) -> sql.Composable:
        try:
            text = self.to_text(ordinal)
        except (OverflowError, ValueError):
            raise ActivityError("DynamicRange strides over values outside the years 1 to 9999 are not supported; give "
                                "source.partitionSettings.partitionLowerBound and partitionUpperBound within them",
                                code="UserErrorInvalidCopy") from None
        return _typed(text, type_sql)

    def lowest(self, type_sql: sql.Composable) -> sql.Composable:
        return _typed(self.lowest_text, type_sql)

    def highest(self, type_sql: sql.Composable) -> sql.Composable:
        return _typed(self.highest_text, type_sql)


def _typed(text: str, type_sql: sql.Composable) -> sql.Composable:
    return sql.SQL("{}::{}").format(sql.Literal(text), type_sql)


def _integer(bits: int) -> RangeType:
    return RangeType("({})::bigint", str, str(-(1 << (bits - 1))), str((1 << (bits - 1)) - 1))


def _date_text(days: int) -> str:
    return (_EPOCH_DATE + timedelta(days=days)).isoformat()


def _timestamp_text(microseconds: int) -> str:
    return (_EPOCH + timedelta(microseconds=microseconds)).isoformat(sep=" ")


def _timestamptz_text(microseconds: int) -> str:
    return (_EPOCH.replace(tzinfo=UTC) + timedelta(microseconds=microseconds)).isoformat(sep=" ")


def _time_text(microseconds: int) -> str:
    if microseconds >= _DAY_MICROSECONDS:
        return "24:00:00"  # the one time of day a datetime.time cannot hold
    return (datetime.min + timedelta(microseconds=microseconds)).time().isoformat()


_MICROSECONDS = "round(extract(epoch FROM {}) * 1000000)::bigint"

RANGE_TYPES: dict[int, RangeType] = {
    21: _integer(16),  # smallint (smallserial)
    23: _integer(32),  # integer (serial)
    20: _integer(64),  # bigint (bigserial)
    1082: RangeType("({} - date '1970-01-01')", _date_text, "-infinity", "infinity", has_infinity=True),
    1114: RangeType(_MICROSECONDS, _timestamp_text, "-infinity", "infinity", has_infinity=True),
    1184: RangeType(_MICROSECONDS, _timestamptz_text, "-infinity", "infinity", has_infinity=True),
    1083: RangeType(_MICROSECONDS, _time_text, "00:00:00", "24:00:00"),
}
"""By type OID: the types ADF's PostgreSQL connector partitions on (a domain counts as its base type)."""
