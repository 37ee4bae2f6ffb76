"""String functions (spec 7.3): they work on strings only, with ADF's case rules.

``startsWith``, ``endsWith``, ``indexOf`` and ``lastIndexOf`` ignore case; ``replace`` does not.
Indexes are 0-based.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from pgfactory.errors import ExpressionError
from pgfactory.expressions.functions import arguments
from pgfactory.expressions.values import render_text


def concat(first: Any, *rest: Any) -> str | list[Any]:
    """Strings joined; other values are written as interpolation writes them. Arrays only -> one array."""
    values = (first, *rest)
    if all(isinstance(value, list) for value in values):
        return [item for value in values for item in value]
    return "".join(render_text(value) for value in values)


def ends_with(text: Any, search: Any) -> bool:
    return arguments.string("endsWith", text, 0).casefold().endswith(arguments.string("endsWith", search, 1).casefold())


def starts_with(text: Any, search: Any) -> bool:
    return arguments.string("startsWith", text, 0).casefold().startswith(
        arguments.string("startsWith", search, 1).casefold())


def index_of(text: Any, search: Any) -> int:
    found = re.search(re.escape(arguments.string("indexOf", search, 1)), arguments.string("indexOf", text, 0),
                      re.IGNORECASE)
    return found.start() if found else -1


def last_index_of(text: Any, search: Any) -> int:
    # A lookahead finds overlapping matches too ('aaa', 'aa' -> 1), as a backwards search does.
    pattern = f"(?={re.escape(arguments.string('lastIndexOf', search, 1))})"
    starts = [found.start() for found in re.finditer(pattern, arguments.string("lastIndexOf", text, 0), re.IGNORECASE)]
    return starts[-1] if starts else -1


def replace(text: Any, old: Any, new: Any) -> str:
    old_text = arguments.string("replace", old, 1)
    if not old_text:
        raise ExpressionError("The function 'replace' expects its second parameter (the text to replace) "
                              "to be a non-empty string.")
    return arguments.string("replace", text, 0).replace(old_text, arguments.string("replace", new, 2))


def split(text: Any, delimiter: Any) -> list[str]:
    separator = arguments.string("split", delimiter, 1)
    whole = arguments.string("split", text, 0)
    return whole.split(separator) if separator else [whole]


def substring(text: Any, start: Any, length: Any = None) -> str:
    whole = arguments.string("substring", text, 0)
    begin = arguments.integer("substring", start, 1)
    count = len(whole) - begin if length is None else arguments.integer("substring", length, 2)
    if begin < 0 or count < 0 or begin + count > len(whole):
        raise ExpressionError("The function 'substring' parameters are out of range: 'start index' and 'length' "
                              "must be non-negative integers and their sum must be no larger than the length of "
                              f"the string. The string has {len(whole)} characters; start index {begin}, "
                              f"length {count}.")
    return whole[begin : begin + count]


def to_lower(text: Any) -> str:
    return arguments.string("toLower", text).lower()


def to_upper(text: Any) -> str:
    return arguments.string("toUpper", text).upper()


def trim(text: Any) -> str:
    return arguments.string("trim", text).strip()


def guid(format_specifier: Any = "D") -> str:
    """A new GUID in one of .NET's formats: N, D (default), B, P or X."""
    specifier = arguments.string("guid", format_specifier).upper() or "D"
    value = uuid.uuid4()
    hyphenated = str(value)
    if specifier == "N":
        return value.hex
    if specifier == "D":
        return hyphenated
    if specifier == "B":
        return "{" + hyphenated + "}"
    if specifier == "P":
        return "(" + hyphenated + ")"
    if specifier == "X":
        tail = ",".join(f"0x{byte:02x}" for byte in value.bytes[8:])
        return f"{{0x{value.hex[:8]},0x{value.hex[8:12]},0x{value.hex[12:16]},{{{tail}}}}}"
    raise ExpressionError(f"The function 'guid' expects its parameter to be one of the formats 'N', 'D', 'B', "
                          f"'P' or 'X'. The provided value is '{specifier}'.")


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "concat": concat,
    "endsWith": ends_with,
    "guid": guid,
    "indexOf": index_of,
    "lastIndexOf": last_index_of,
    "replace": replace,
    "split": split,
    "startsWith": starts_with,
    "substring": substring,
    "toLower": to_lower,
    "toUpper": to_upper,
    "trim": trim,
}
