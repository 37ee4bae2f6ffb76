"""Script block parameters: ADF's JSON to typed values, and their placeholders in the SQL text.

ADF (HOWTO-SCRIPT) writes parameters in two styles: named, ``@name`` in the text with the
parameter's ``name``; or positional, ``$1, $2 ...`` with ``name: null``, numbered in the order
the Input/InputOutput parameters are declared. Output parameters do not appear in the text: a
procedure call passes ``null`` in their place and their values come back in the call's row.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from psycopg.adapt import AdaptersMap
from psycopg.types.numeric import Float4, Int2, Int4, Int8
from psycopg.types.string import StrDumper

from pgfactory.connectors.postgres.json_values import json_number
from pgfactory.connectors.postgres.sql_text import bind_named_parameters, named_parameters_used
from pgfactory.errors import ActivityError
from pgfactory.models.timespan import format_timespan, parse_timespan

INPUT, OUTPUT, INPUT_OUTPUT = "Input", "Output", "InputOutput"
_DIRECTIONS = {direction.lower(): direction for direction in (INPUT, OUTPUT, INPUT_OUTPUT)}
_INTEGER_RANGES = {"Int16": (Int2, 16), "Int32": (Int4, 32), "Int64": (Int8, 64)}
_TYPES = ("Boolean", "DateTime", "DateTimeOffset", "Decimal", "Double", "Guid", "Int16", "Int32", "Int64",
          "Single", "String", "Timespan")
_TYPE_NAMES = {name.lower(): name for name in _TYPES}
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")  # .NET writes seven fraction digits; Python reads six


class Text(str):
    """A ``String`` parameter's value: sent as ``text``, as Npgsql sends a .NET string.

    psycopg sends a plain str as ``unknown`` and lets the server guess, which fails where
    nothing constrains the type (``SELECT pg_typeof(@p)``); untyped values keep that behaviour.
    """


def register_dumpers(adapters: AdaptersMap) -> None:
    """Teach ``adapters`` (a cursor's) how to send :class:`Text`."""
    adapters.register_dumper(Text, StrDumper)


@dataclass(frozen=True)
class ScriptParameter:
    name: str | None  # without a leading '@'; None in the positional style
    type: str | None  # one of _TYPES, or None when not given
    direction: str
    value: Any  # the value to send (typed for psycopg); None for Output
    size: int | None

    @property
    def is_input(self) -> bool:
        return self.direction != OUTPUT

    @property
    def is_output(self) -> bool:
        return self.direction != INPUT


def parse_parameters(raw: Any, *, where: str) -> list[ScriptParameter]:
    """The parameters of one script block; ``where`` (``scripts[0]``) locates errors."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _invalid(f"{where}.parameters must be an array")
    parameters = [_parse_one(item, f"{where}.parameters[{index}]") for index, item in enumerate(raw)]
    inputs = [parameter for parameter in parameters if parameter.is_input]
    if inputs and any(parameter.name for parameter in inputs) and not all(parameter.name for parameter in inputs):
        raise _invalid(f"{where}.parameters: use either named parameters (@name, with a name) or positional ones "
                       "($1, $2 ..., with name null), not both")
    for index, parameter in enumerate(parameters):
        if parameter.is_output and not parameter.name:
            raise _invalid(f"{where}.parameters[{index}]: an {parameter.direction} parameter needs a name; "
                           "it is the key of outputParameters")
    return parameters


def _parse_one(item: Any, where: str) -> ScriptParameter:
    if not isinstance(item, dict):
        raise _invalid(f"{where} must be an object with name, type, value and direction")
    raw_name = item.get("name")
    name = str(raw_name).strip().lstrip("@") if raw_name is not None else ""
    direction_text = str(item.get("direction") or INPUT)
    direction = _DIRECTIONS.get(direction_text.lower())
    if direction is None:
        raise _invalid(f"{where}.direction: {direction_text!r} is not supported; use Input, Output or InputOutput "
                       "(ReturnValue is not supported for PostgreSQL)")
    type_text = item.get("type")
    type_name = None
    if type_text not in (None, ""):
        type_name = _TYPE_NAMES.get(str(type_text).lower())
        if type_name is None:
            raise _invalid(f"{where}.type: {type_text!r} is not a script parameter type; use one of {', '.join(_TYPES)}")
    size = item.get("size")
    try:
        size = int(size) if size not in (None, "") else None
    except (TypeError, ValueError):
        raise _invalid(f"{where}.size must be a whole number, got {size!r}") from None
    value = None
    if direction != OUTPUT:
        value = convert_value(item.get("value"), type_name, where=f"{where}.value")
        if isinstance(value, str) and size and size > 0:
            value = type(value)(value[:size])
    return ScriptParameter(name or None, type_name, direction, value, size)


def convert_value(value: Any, type_name: str | None, *, where: str) -> Any:
    """``value`` as the Python value psycopg sends with the PostgreSQL type of ``type_name``."""
    if value is None:
        return None
    try:
        return _convert(value, type_name)
    except (ValueError, TypeError, InvalidOperation, OverflowError) as error:
        raise _invalid(f"{where}: {value!r} is not a valid {type_name}: {error}") from None


def _convert(value: Any, type_name: str | None) -> Any:
    if type_name is None:
        return value
    if type_name == "String":
        return Text(value if isinstance(value, str) else _json_text(value))
    if type_name == "Boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text not in {"true", "false"}:
            raise ValueError("expected true or false")
        return text == "true"
    if type_name in _INTEGER_RANGES:
        wrapper, bits = _INTEGER_RANGES[type_name]
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("expected a whole number")
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
        if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
            raise ValueError(f"out of range for a {bits}-bit integer")
        return wrapper(number)
    if type_name == "Decimal":
        return Decimal(str(value).strip())
    if type_name == "Double":
        return float(value)
    if type_name == "Single":
        return Float4(float(value))
    if type_name == "Guid":
        return uuid.UUID(str(value))
    if type_name == "DateTime":
        return _datetime(value)  # naive -> timestamp, with an offset or Z -> timestamptz (as Npgsql's DateTime kinds)
    if type_name == "DateTimeOffset":
        moment = _datetime(value)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return _timespan(str(value))  # Timespan


def _datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = _LONG_FRACTION.sub(r"\1", str(value).strip())
    return datetime.fromisoformat(text)


def _timespan(text: str) -> timedelta:
    negative = text.strip().startswith("-")
    duration = parse_timespan(text.strip().lstrip("-"))
    return -duration if negative else duration


def _json_text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"  # .NET's Boolean.ToString(), as ADF would pass it
    return str(value)


@dataclass(frozen=True)
class BoundStatement:
    """SQL with server placeholders and the values for them."""

    text: str
    values: list[Any]


def bind(text: str, parameters: list[ScriptParameter]) -> BoundStatement:
    """``text`` ready for the extended protocol: ``@name`` rewritten to ``$n``, values in ``$n`` order.

    Only the named parameters the text uses are sent (a declared but unused one would leave a
    placeholder whose type the server cannot infer); positional ones are sent as declared.
    """
    inputs = [parameter for parameter in parameters if parameter.is_input]
    if not inputs:
        return BoundStatement(text, [])
    if not inputs[0].name:
        return BoundStatement(text, [parameter.value for parameter in inputs])
    by_name = {str(parameter.name).lower(): parameter for parameter in inputs}
    used = [name for name in named_parameters_used(text) if name.lower() in by_name]
    numbers = {name: position for position, name in enumerate(used, start=1)}
    return BoundStatement(bind_named_parameters(text, numbers), [by_name[name.lower()].value for name in used])


def output_values(parameters: list[ScriptParameter], row: dict[str, Any] | None) -> dict[str, Any]:
    """outputParameters from the first row of the call, as Npgsql fills output parameters.

    A parameter whose name matches a column (ignoring case) takes that column; the others take
    the remaining columns in order. Without a row, Output parameters are null and InputOutput
    ones keep what was sent. String values are cut to ``size`` when one is given.
    """
    outputs = [parameter for parameter in parameters if parameter.is_output]
    if not outputs:
        return {}
    values: dict[str, Any] = {
        str(parameter.name): (parameter.value if parameter.direction == INPUT_OUTPUT else None) for parameter in outputs
    }
    if row is None:
        return values
    columns = {name.lower(): name for name in row}
    unmatched_columns = [name for name in row if name.lower() not in {str(p.name).lower() for p in outputs}]
    pending = [parameter for parameter in outputs if str(parameter.name).lower() not in columns]
    for parameter in outputs:
        column = columns.get(str(parameter.name).lower())
        if column is not None:
            values[str(parameter.name)] = row[column]
    for parameter, column in zip(pending, unmatched_columns, strict=False):
        values[str(parameter.name)] = row[column]
    for parameter in outputs:
        value = values[str(parameter.name)]
        if isinstance(value, str) and parameter.size and parameter.size > 0:
            values[str(parameter.name)] = value[:parameter.size]
    return {name: _plain(value) for name, value in values.items()}


def _plain(value: Any) -> Any:
    """An InputOutput value as sent (a typed Python value), in the JSON form rows use."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Decimal):
        return json_number(str(value))
    if isinstance(value, int):
        return int(value)  # Int4(3) -> 3
    if isinstance(value, float):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return format_timespan(value)
    return str(value)


def _invalid(message: str) -> ActivityError:
    return ActivityError(message, code="UserErrorInvalidScriptParameter")
