"""Conversion functions (spec 7.3): between strings, numbers, booleans, arrays, objects and binary.

Binary values are ADF's content objects (see :mod:`pgfactory.expressions.values`). Base64 and
percent-encoding work on the UTF-8 bytes of a string. ``xml`` and ``xpath`` live in
:mod:`~pgfactory.expressions.functions.xml`.
"""

from __future__ import annotations

import base64
import binascii
import json as json_module
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote, unquote_to_bytes

from pgfactory.errors import ExpressionError
from pgfactory.expressions.functions import arguments
from pgfactory.expressions.functions.xml import is_xml_content, xml_to_json
from pgfactory.expressions.values import CONTENT, CONTENT_TYPE, content_bytes, is_number, make_content, render_text

_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_FLOAT = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")
_NOT_CONVERTIBLE = "The value cannot be converted to the target type."


def _bytes_of(value: Any) -> bytes:
    """The bytes a value stands for: a content object's own, else the UTF-8 of its text."""
    data = content_bytes(value)
    return data if data is not None else render_text(value).encode("utf-8")


def array(value: Any) -> list[Any]:
    return [value]


def create_array(*values: Any) -> list[Any]:
    """An array of the arguments; ``createArray()`` is the empty array."""
    return list(values)


def coalesce(first: Any, *rest: Any) -> Any:
    """The first argument that is not null (empty strings, arrays and objects are not null)."""
    return next((value for value in (first, *rest) if value is not None), None)


def base64_(value: Any) -> str:
    return base64.b64encode(_bytes_of(value)).decode("ascii")


def _decode_base64(function: str, value: Any) -> bytes:
    text = arguments.string(function, value)
    try:
        # .NET's decoder skips whitespace inside the text; Python's strict one would reject it.
        return base64.b64decode("".join(text.split()), validate=True)
    except binascii.Error:
        raise arguments.invalid_value(function, "The value cannot be decoded from base64 representation.") from None


def base64_to_binary(value: Any) -> dict[str, str]:
    return make_content(_decode_base64("base64ToBinary", value))


def base64_to_string(value: Any) -> str:
    return _decode_base64("base64ToString", value).decode("utf-8", errors="replace")


def decode_base64(value: Any) -> str:
    return _decode_base64("decodeBase64", value).decode("utf-8", errors="replace")


def binary(value: Any) -> dict[str, str]:
    return make_content(_bytes_of(value))


def data_uri(value: Any) -> str:
    if content_bytes(value) is not None:
        return f"data:{value[CONTENT_TYPE]};base64,{value[CONTENT]}"
    return "data:text/plain;charset=utf-8;base64," + base64_(value)


def _parse_data_uri(function: str, value: Any) -> tuple[str, bytes]:
    """(media type, bytes) of ``data:[<media type>][;base64],<data>``."""
    text = arguments.string(function, value)
    header, comma, payload = text.partition(",")
    if not comma or header[:5].lower() != "data:":
        raise arguments.invalid_value(function, "The value is not a data URI ('data:[<media type>][;base64],<data>').")
    media_type = header[5:]
    if media_type.lower().endswith(";base64"):
        media_type = media_type[: -len(";base64")]
        try:
            data = base64.b64decode("".join(unquote(payload).split()), validate=True)
        except binascii.Error:
            raise arguments.invalid_value(function, "The data URI's data cannot be decoded from base64 "
                                          "representation.") from None
    else:
        data = unquote_to_bytes(payload)
    return media_type or "text/plain;charset=US-ASCII", data


def data_uri_to_binary(value: Any) -> dict[str, str]:
    media_type, data = _parse_data_uri("dataUriToBinary", value)
    return make_content(data, media_type)


def decode_data_uri(value: Any) -> dict[str, str]:
    media_type, data = _parse_data_uri("decodeDataUri", value)
    return make_content(data, media_type)


def data_uri_to_string(value: Any) -> str:
    media_type, data = _parse_data_uri("dataUriToString", value)
    charset = re.search(r";\s*charset=([^;]+)", media_type, re.IGNORECASE)
    try:
        return data.decode(charset.group(1).strip() if charset else "utf-8", errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def uri_component(value: Any) -> str:
    """Percent-encoding of everything but letters, digits and ``-_.~`` (as .NET's EscapeDataString)."""
    return quote(_bytes_of(value), safe="")


def encode_uri_component(value: Any) -> str:
    return uri_component(value)


def uri_component_to_string(value: Any) -> str:
    return unquote(arguments.string("uriComponentToString", value))


def decode_uri_component(value: Any) -> str:
    return unquote(arguments.string("decodeUriComponent", value))


def uri_component_to_binary(value: Any) -> dict[str, str]:
    return make_content(unquote_to_bytes(arguments.string("uriComponentToBinary", value)))


def bool_(value: Any) -> bool:
    """``bool(1)`` is true, ``bool(0)`` false; the strings 'true' / 'false' in any case."""
    if isinstance(value, bool):
        return value
    if is_number(value):
        return bool(value != 0)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise arguments.invalid_value("bool", _NOT_CONVERTIBLE)


def int_(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    raise arguments.invalid_value("int", _NOT_CONVERTIBLE)


def float_(value: Any) -> float:
    if is_number(value):
        return float(value)
    if isinstance(value, str) and _FLOAT.fullmatch(value):
        return float(value)
    raise arguments.invalid_value("float", _NOT_CONVERTIBLE)


def string(value: Any) -> str:
    """Text as ``@{...}`` writes it: objects and arrays as JSON, ``True``/``False``, null as empty."""
    return render_text(value)


def json(value: Any) -> Any:
    """The JSON value a string holds, or the JSON form of XML; a null gives an empty object."""
    if value is None:
        return {}
    if is_xml_content(value) or (isinstance(value, str) and value.lstrip().startswith("<")):
        return xml_to_json("json", value)
    if not isinstance(value, str):
        return value
    try:
        return json_module.loads(value, parse_constant=_reject_constant)
    except ValueError as error:
        shown = value if len(value) <= 200 else value[:200] + "..."
        raise ExpressionError(f"The function 'json' parameter is not valid. The provided value '{shown}' cannot be "
                              f"parsed: '{error}'.") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "array": array,
    "base64": base64_,
    "base64ToBinary": base64_to_binary,
    "base64ToString": base64_to_string,
    "binary": binary,
    "bool": bool_,
    "coalesce": coalesce,
    "createArray": create_array,
    "dataUri": data_uri,
    "dataUriToBinary": data_uri_to_binary,
    "dataUriToString": data_uri_to_string,
    "decodeBase64": decode_base64,
    "decodeDataUri": decode_data_uri,
    "decodeUriComponent": decode_uri_component,
    "encodeUriComponent": encode_uri_component,
    "float": float_,
    "int": int_,
    "json": json,
    "string": string,
    "uriComponent": uri_component,
    "uriComponentToBinary": uri_component_to_binary,
    "uriComponentToString": uri_component_to_string,
}
