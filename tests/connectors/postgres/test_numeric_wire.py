"""numeric's binary form decoded into Arrow decimals, checked against the server's own text."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from pgfactory.connectors.postgres.numeric_wire import MAX_INT64_PRECISION, NotANumber, decimals_from_wire
from tests.fixtures.postgres import RunningServer

# Each declared type with values at its edges: zero, signs, the largest magnitude, the smallest
# step, digits on both sides of base-10000 boundaries, trailing zeros, and NULL.
CASES = {
    (18, 0): ["0", "1", "-1", "9999", "10000", "-10001", "999999999999999999", "-999999999999999999", None],
    (18, 5): ["0.00001", "-0.00001", "1.5", "1234567890123.45678", "-9999999999999.99999", "10000.0001", None],
    (12, 2): ["0.50", "-0.01", "9999999999.99", "100", "12.3", None, "-7"],
    (4, 4): ["0.9999", "-0.0001", "0.1", "0"],
    (1, 0): ["9", "-9", "0"],
    (9, 3): ["123456.789", "0.001", "-1000.000", "99999.9"],
}


def _wire(pg_plain: RunningServer, precision: int, scale: int, values: list[str | None]) -> tuple[pa.Array, list[str | None]]:
    rows = pg_plain.execute(f"SELECT numeric_send(v::numeric({precision},{scale})), v::numeric({precision},{scale})::text"
                            " FROM unnest(%s::text[]) WITH ORDINALITY AS u(v, n) ORDER BY n", (values,))
    return pa.array([row[0] for row in rows], pa.binary()), [row[1] for row in rows]


@pytest.mark.parametrize(("precision", "scale"), list(CASES))
def test_every_value_decodes_to_the_servers_own_number(pg_plain: RunningServer, precision: int, scale: int) -> None:
    wire, texts = _wire(pg_plain, precision, scale, CASES[precision, scale])
    decoded = decimals_from_wire(wire, pa.decimal128(precision, scale))
    assert decoded.type == pa.decimal128(precision, scale)
    assert decoded.to_pylist() == [None if text is None else Decimal(text) for text in texts]


def test_a_slice_decodes_only_its_own_values(pg_plain: RunningServer) -> None:
    wire, texts = _wire(pg_plain, 12, 2, CASES[12, 2])
    decoded = decimals_from_wire(wire.slice(2, 4), pa.decimal128(12, 2))
    assert decoded.to_pylist() == [None if text is None else Decimal(text) for text in texts[2:6]]
    assert decoded.null_count == 1


def test_all_nulls_and_empty_arrays(pg_plain: RunningServer) -> None:
    assert decimals_from_wire(pa.array([None, None], pa.binary()), pa.decimal128(5, 1)).to_pylist() == [None, None]
    assert decimals_from_wire(pa.array([], pa.binary()), pa.decimal128(5, 1)).to_pylist() == []


def test_nan_is_refused(pg_plain: RunningServer) -> None:
    wire, _ = _wire(pg_plain, 10, 2, ["1", "NaN"])
    with pytest.raises(NotANumber):
        decimals_from_wire(wire, pa.decimal128(10, 2))


def test_the_widest_precision_fits_int64() -> None:
    assert 10**MAX_INT64_PRECISION - 1 < 2**63
