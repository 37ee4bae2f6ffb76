"""Expression values and how ADF shows them.

Values are plain JSON in Python: None, bool, int, float, str, list, dict. Binary data (what
``binary()``, ``base64ToBinary()``, ``xml()`` return) is ADF's content object,
``{"$content-type": "...", "$content": "<base64>"}``, so it stays JSON all the way into activity
inputs and run history.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

CONTENT_TYPE = "$content-type"
CONTENT = "$content"
OCTET_STREAM = "application/octet-stream"

_MISSING: Any = object()


def type_name(value: Any) -> str:
    """ADF's name for the type of ``value``, as its error messages say it."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list | tuple):
        return "Array"
    return "Object"


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def render_text(value: Any) -> str:
    """``value`` as ``@{...}`` interpolation and ``string()`` write it.

    ADF formats like .NET: ``True``/``False``, nothing for null, ``30`` for the double 30.0,
    objects and arrays as compact JSON, binary content as its decoded text.
    """
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float(value)
    data = content_bytes(value)
    if data is not None:
        return data.decode("utf-8", errors="replace")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def format_float(value: float) -> str:
    """A double as .NET writes it: shortest round-trip digits, no ``.0``, ``E`` exponents.

    .NET switches to an exponent from 1E+15 up and below 1E-04, as ``repr`` does below.
    """
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    if "e" not in text and abs(value) < 1e15:
        return text
    mantissa, _, exponent = f"{Decimal(text).normalize():E}".partition("E")
    sign = "-" if exponent.startswith("-") else "+"
    return f"{mantissa}E{sign}{exponent.lstrip('+-').zfill(2)}"


def make_content(data: bytes, content_type: str = OCTET_STREAM) -> dict[str, str]:
    return {CONTENT_TYPE: content_type, CONTENT: base64.b64encode(data).decode("ascii")}


def content_bytes(value: Any) -> bytes | None:
    """The bytes of a content object, or None when ``value`` is not one."""
    if not (isinstance(value, dict) and len(value) == 2 and isinstance(value.get(CONTENT), str)
            and isinstance(value.get(CONTENT_TYPE), str)):
        return None
    try:
        return base64.b64decode(value[CONTENT], validate=True)
    except binascii.Error:
        return None


def find_property(mapping: Mapping[str, Any], name: str) -> Any:
    """The value of property ``name``: the exact name first, else the first one equal without case.

    Returns the module's ``MISSING`` marker (see :func:`is_missing`) when there is none.
    """
    value = mapping.get(name, _MISSING)
    if value is not _MISSING:
        return value
    folded = name.casefold()
    for key, candidate in mapping.items():
        if isinstance(key, str) and key.casefold() == folded:
            return candidate
    return _MISSING


def is_missing(value: Any) -> bool:
    return value is _MISSING
