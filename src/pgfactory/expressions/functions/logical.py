"""Logical functions (spec 7.3).

``if``, ``and`` and ``or`` evaluate only the arguments they need, as ADF does: ``and(false, x)``
never evaluates ``x``. Booleans may also arrive as the strings 'true' / 'false'. ``equals``
compares JSON values by value (``equals(1, 1.0)``; ``equals(true, 1)`` is true, as ADF's
documentation shows); strings compare case-sensitively. The ordering functions compare two
numbers, or two strings by ordinal (code point) order.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from pgfactory.errors import ExpressionError
from pgfactory.expressions.functions import arguments
from pgfactory.expressions.values import is_number, type_name

Thunk = Callable[[], Any]


@arguments.lazy_arguments
def and_(first: Thunk, *rest: Thunk) -> bool:
    return all(arguments.boolean("and", argument(), index) for index, argument in enumerate((first, *rest)))


@arguments.lazy_arguments
def or_(first: Thunk, *rest: Thunk) -> bool:
    return any(arguments.boolean("or", argument(), index) for index, argument in enumerate((first, *rest)))


def not_(value: Any) -> bool:
    return not arguments.boolean("not", value)


@arguments.lazy_arguments
def if_(condition: Thunk, when_true: Thunk, when_false: Thunk) -> Any:
    return when_true() if arguments.boolean("if", condition(), 0) else when_false()


def equals(first: Any, second: Any) -> bool:
    return bool(first == second)


def _ordering(name: str, compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def ordering(value: Any, compare_to: Any) -> bool:
        if (is_number(value) and is_number(compare_to)) or (isinstance(value, str) and isinstance(compare_to, str)):
            return compare(value, compare_to)
        raise ExpressionError(f"The function '{name}' expects its parameters to be both numbers or both strings. "
                              f"The provided values are of type '{type_name(value)}' and '{type_name(compare_to)}'.")

    ordering.__name__ = name
    return ordering


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "and": and_,
    "equals": equals,
    "greater": _ordering("greater", operator.gt),
    "greaterOrEquals": _ordering("greaterOrEquals", operator.ge),
    "if": if_,
    "less": _ordering("less", operator.lt),
    "lessOrEquals": _ordering("lessOrEquals", operator.le),
    "not": not_,
    "or": or_,
}
