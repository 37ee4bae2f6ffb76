"""Argument checks shared by the function modules, with ADF's wording.

ADF's messages name the function and the parameter ("its parameter" for one-parameter functions,
"its second parameter" otherwise), what was expected and the type that came, e.g.
``The function 'length' expects its parameter to be an array or a string. The provided value
is of type 'Object'.`` Functions raise :class:`ExpressionError` without a position; the evaluator
adds the expression text and the position of the call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pgfactory.errors import ExpressionError
from pgfactory.expressions.values import is_number, type_name

_ORDINALS = ("first", "second", "third", "fourth", "fifth")

Function = TypeVar("Function", bound=Callable[..., Any])


def lazy_arguments(function: Function) -> Function:
    """Mark ``function`` as taking its arguments as zero-argument callables (``if``, ``and``, ``or``
    evaluate only what they need, as ADF does)."""
    function.lazy_arguments = True  # type: ignore[attr-defined]
    return function


def _which(index: int | None) -> str:
    return "its parameter" if index is None else f"its {_ORDINALS[index]} parameter"


def type_error(function: str, index: int | None, expected: str, value: Any) -> ExpressionError:
    """``index`` is the 0-based parameter, or None for a function of one parameter."""
    return ExpressionError(f"The function '{function}' expects {_which(index)} to be {expected}. "
                           f"The provided value is of type '{type_name(value)}'.")


def invalid_value(function: str, why: str) -> ExpressionError:
    return ExpressionError(f"The function '{function}' was invoked with a parameter that is not valid. {why}")


def string(function: str, value: Any, index: int | None = None) -> str:
    if not isinstance(value, str):
        raise type_error(function, index, "a string", value)
    return value


def integer(function: str, value: Any, index: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise type_error(function, index, "an integer", value)
    return value


def non_negative_integer(function: str, value: Any, index: int | None = None) -> int:
    number = integer(function, value, index)
    if number < 0:
        raise ExpressionError(f"The function '{function}' expects {_which(index)} to be a non-negative integer. "
                              f"The provided value is {number}.")
    return number


def number(function: str, value: Any, index: int | None = None) -> int | float:
    if not is_number(value):
        raise type_error(function, index, "an integer or a decimal number", value)
    result: int | float = value
    return result


def array(function: str, value: Any, index: int | None = None) -> list[Any]:
    if not isinstance(value, list):
        raise type_error(function, index, "an array", value)
    return value


def boolean(function: str, value: Any, index: int | None = None) -> bool:
    """A boolean; the strings 'true' and 'false' count too (variables of type String often hold them)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise type_error(function, index, "a boolean", value)
