"""PostgreSQL's binary numeric (what ``numeric_send`` returns) as an Arrow decimal128, decoded with numpy.

The ADBC driver spells every numeric as text, which costs about four times as much as the rest
of a column's decoding, and the text must then be parsed again into a decimal. A ``numeric(p,s)``
with ``p <= 18`` fits an int64 unscaled, so the read asks the server for ``numeric_send(column)``
(a bytea) and this module turns a whole batch of those into decimals at once.

The binary form is four big-endian int16 (``ndigits``, ``weight``, ``sign``, ``dscale``) and
``ndigits`` base-10000 digits; the value is ``sum(digit[k] * 10000 ** (weight - k))``. Scaled by
``10 ** s`` every term is a whole number: a digit past the declared scale only holds zeros there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa
    from numpy.typing import NDArray

MAX_INT64_PRECISION = 18  # numeric(p,s) with p up to this decodes here; wider ones travel as text
_POSITIVE, _NEGATIVE = 0x0000, 0x4000  # any other sign is NaN or an infinity
_POWERS_OF_TEN = 10 ** np.arange(MAX_INT64_PRECISION + 1, dtype=np.int64)  # 10**19 overflows


class NotANumber(ValueError):
    """A value was NaN (or an infinity), which a decimal cannot hold."""


def decimals_from_wire(array: pa.Array, decimal: pa.Decimal128Type) -> pa.Array:
    """A binary array of ``numeric_send`` values as ``decimal`` (precision <= 18); nulls stay null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    count = len(array)
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32, count=array.offset + count + 1)[array.offset:]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    present = offsets[1:] > offsets[:-1]  # a null has no bytes; every numeric has at least its 8-byte header
    starts = offsets[:-1][present].astype(np.int64)
    digit_count, weight, sign = (_int16(data, starts + offset) for offset in (0, 2, 4))
    if np.any((sign & 0xFFFF != _POSITIVE) & (sign & 0xFFFF != _NEGATIVE)):
        raise NotANumber
    unscaled = np.zeros(len(starts), dtype=np.int64)
    for k in range(int(digit_count.max()) if len(starts) else 0):
        has_digit = digit_count > k
        digit = _int16(data, np.where(has_digit, starts + 8 + 2 * k, 0)) * has_digit
        # The power of ten of this digit's place at the column's scale: 0..17 up, or 1..3 down for
        # a last digit that runs past the scale (clipped for the values without a k-th digit).
        exponent = 4 * (weight - k) + decimal.scale
        up, down = (np.clip(exponent, 0, MAX_INT64_PRECISION), np.clip(-exponent, 0, MAX_INT64_PRECISION))
        unscaled += digit * _POWERS_OF_TEN[up] // _POWERS_OF_TEN[down]
    unscaled[sign & 0xFFFF == _NEGATIVE] *= -1
    little_endian_pairs = np.zeros((count, 2), dtype=np.int64)  # decimal128: low then high 64 bits
    little_endian_pairs[present, 0] = unscaled
    little_endian_pairs[:, 1] = little_endian_pairs[:, 0] >> 63
    validity = pc.is_valid(array).buffers()[1] if array.null_count else None
    return pa.Array.from_buffers(decimal, count, [validity, pa.py_buffer(little_endian_pairs)],
                                 null_count=array.null_count)


def _int16(data: NDArray[np.uint8], positions: NDArray[np.int64]) -> NDArray[np.int64]:
    """The big-endian signed int16 at each position."""
    return ((data[positions].astype(np.int32) << 8) | data[positions + 1]).astype(np.int16).astype(np.int64)
