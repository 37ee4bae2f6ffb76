"""Math functions (spec 7.3) over integers and floats.

Integers stay integers (``add(1, 2)`` is ``3``); a float anywhere makes the result a float
(``add(1, 1.5)`` is ``2.5``). ``div`` of two integers is the integer quotient truncated toward
zero, as .NET divides (``div(11, 5)`` is ``2``); with a float it is the float quotient. ``mod``
takes the sign of the dividend, as .NET's ``%`` does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from pgfactory.errors import ExpressionError
from pgfactory.expressions.functions import arguments
from pgfactory.expressions.values import is_number, type_name

RANGE_LIMIT = 100_000
"""Most items ``range()`` makes: a ForEach takes no more, and it keeps a typo from eating memory."""


def add(first: Any, second: Any) -> int | float:
    return arguments.number("add", first, 0) + arguments.number("add", second, 1)


def sub(first: Any, second: Any) -> int | float:
    return arguments.number("sub", first, 0) - arguments.number("sub", second, 1)


def mul(first: Any, second: Any) -> int | float:
    return arguments.number("mul", first, 0) * arguments.number("mul", second, 1)


def div(dividend: Any, divisor: Any) -> int | float:
    top, bottom = _operands("div", dividend, divisor)
    if isinstance(top, int) and isinstance(bottom, int):
        quotient = abs(top) // abs(bottom)
        return quotient if (top >= 0) == (bottom > 0) else -quotient
    return top / bottom


def mod(dividend: Any, divisor: Any) -> int | float:
    top, bottom = _operands("mod", dividend, divisor)
    if isinstance(top, int) and isinstance(bottom, int):
        remainder = abs(top) % abs(bottom)
        return remainder if top >= 0 else -remainder
    return math.fmod(top, bottom)


def _operands(function: str, dividend: Any, divisor: Any) -> tuple[int | float, int | float]:
    top = arguments.number(function, dividend, 0)
    bottom = arguments.number(function, divisor, 1)
    if bottom == 0:
        raise ExpressionError(f"The function '{function}' cannot divide by zero: its second parameter is 0.")
    return top, bottom


def max_(first: Any, *rest: Any) -> int | float:
    return max(_numbers("max", first, rest))


def min_(first: Any, *rest: Any) -> int | float:
    return min(_numbers("min", first, rest))


def _numbers(function: str, first: Any, rest: tuple[Any, ...]) -> list[int | float]:
    """``max(1, 2, 3)`` and ``max(createArray(1, 2, 3))`` alike."""
    values = list(first) if not rest and isinstance(first, list) else [first, *rest]
    if not values:
        raise ExpressionError(f"The function '{function}' expects a non-empty array of numbers. The array is empty.")
    for position, value in enumerate(values, start=1):
        if not is_number(value):
            raise ExpressionError(f"The function '{function}' expects integers or decimal numbers. "
                                  f"Value {position} is of type '{type_name(value)}'.")
    return values


def rand(minimum: Any, maximum: Any) -> int:
    """A random integer from ``minimum`` (inclusive) to ``maximum`` (exclusive)."""
    low = arguments.integer("rand", minimum, 0)
    high = arguments.integer("rand", maximum, 1)
    if low >= high:
        raise ExpressionError(f"The function 'rand' expects its first parameter ({low}) to be less than its "
                              f"second parameter ({high}).")
    return random.randrange(low, high)


def range_(start: Any, count: Any) -> list[int]:
    """``count`` consecutive integers from ``start``: ``range(1, 4)`` is ``[1, 2, 3, 4]``."""
    begin = arguments.integer("range", start, 0)
    size = arguments.non_negative_integer("range", count, 1)
    if size > RANGE_LIMIT:
        raise ExpressionError(f"The function 'range' expects its second parameter (the count) to be at most "
                              f"{RANGE_LIMIT}. The provided value is {size}.")
    return list(range(begin, begin + size))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "add": add,
    "div": div,
    "max": max_,
    "min": min_,
    "mod": mod,
    "mul": mul,
    "rand": rand,
    "range": range_,
    "sub": sub,
}
