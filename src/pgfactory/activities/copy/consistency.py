"""``validateDataConsistency`` (spec 3.7 ``dataConsistencyVerification``): checks made before the copy commits.

Every copy checks, as ADF does for tabular data, that the rows read equal the rows written plus
the rows skipped. Where both sides are PostgreSQL and every mapped column has the same type (the
binary path), the servers also compute an order-independent checksum of the copied columns:
``count(*)`` and ``sum(hashtextextended(row::text, 0)::numeric)`` over the rows, with the
settings that shape a value's text (TimeZone, DateStyle, IntervalStyle, extra_float_digits,
bytea_output) fixed on both sides. The sink side covers only what this copy wrote:

- BulkInsert and Upsert: the staging table, before it is merged (so an Upsert's collapsing of
  duplicate keys is not an inconsistency);
- CopyCommand: the target's rows whose ``xmin`` is this transaction, minus those the
  ``preCopyScript`` wrote in it (measured before the COPY).

The source checksum reads the source again after the copy: a source that changes meanwhile is
reported as inconsistent. An inconsistency raises before the commit, so the target is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from pgfactory.errors import ActivityError

VERIFIED = {"VerificationResult": "Verified"}
INCONSISTENT = "UserErrorDataConsistencyValidationFailed"
_SETTINGS = (("TimeZone", "UTC"), ("DateStyle", "ISO, MDY"), ("IntervalStyle", "postgres"), ("extra_float_digits", "1"),
             ("bytea_output", "hex"))


@dataclass(frozen=True)
class Checksum:
    rows: int
    total: int  # the sum of the rows' hashes

    def __sub__(self, other: Checksum) -> Checksum:
        return Checksum(self.rows - other.rows, self.total - other.total)


def verification(rows_skipped: int) -> dict[str, str]:
    """The output's ``dataConsistencyVerification`` once the checks passed."""
    return {**VERIFIED, "InconsistentData": "Skipped" if rows_skipped else "None"}


def check_counts(rows_read: int, rows_written: int, rows_skipped: int) -> None:
    if rows_read != rows_written + rows_skipped:
        raise ActivityError(f"Data consistency validation failed: {rows_read} rows read, but {rows_written} written and "
                            f"{rows_skipped} skipped; nothing was committed", code=INCONSISTENT)


def check_checksums(source: Checksum, sink: Checksum) -> None:
    if source != sink:
        raise ActivityError(f"Data consistency validation failed: the source's {source.rows} rows have checksum "
                            f"{source.total}, the {sink.rows} rows written have {sink.total}; nothing was committed",
                            code=INCONSISTENT)


def checksum(connection: psycopg.Connection[Any], rows: sql.Composable) -> Checksum:
    """The checksum of the rows ``rows`` (a SELECT of the copied columns, in mapping order) returns.

    Runs in a savepoint whose ``SET LOCAL`` settings are undone afterwards, so an open copy
    transaction keeps its own settings.
    """
    found: tuple[Any, ...] | None = None
    with connection.transaction():
        for name, value in _SETTINGS:
            connection.execute("SELECT set_config(%s, %s, true)", [name, value])
        found = connection.execute(sql.SQL(
            "SELECT count(*), coalesce(sum(hashtextextended(r::text, 0)::numeric), 0) FROM ({}) AS r").format(rows)).fetchone()
        raise psycopg.Rollback()  # undoes the settings (the savepoint wrote nothing else)
    assert found is not None
    return Checksum(int(found[0]), int(found[1]))


def written_by_this_transaction(table: sql.Identifier, columns: sql.Composable) -> sql.Composable:
    """The rows of ``table`` this transaction inserted or updated (their ``xmin`` is its id)."""
    return sql.SQL("SELECT {} FROM {} WHERE xmin = pg_current_xact_id()::xid").format(columns, table)
