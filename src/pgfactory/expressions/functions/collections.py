"""Collection functions (spec 7.3): arrays, strings and, for some, objects.

Items are compared as ``equals()`` compares them: JSON values by value, ``1`` equal to ``1.0``.
``union`` and ``intersection`` keep the order in which items first appear; for objects, the
last collection that has a property gives its value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pgfactory.errors import ExpressionError
from pgfactory.expressions.functions import arguments
from pgfactory.expressions.values import render_text, type_name


def contains(collection: Any, value: Any) -> bool:
    """Substring of a string, element of an array, or key of an object; case-sensitive."""
    if isinstance(collection, str):
        return render_text(value) in collection
    if isinstance(collection, list):
        return any(item == value for item in collection)
    if isinstance(collection, dict):
        return isinstance(value, str) and value in collection
    raise arguments.type_error("contains", 0, "a string, an array or an object", collection)


def empty(collection: Any) -> bool:
    if collection is None:
        return True
    if isinstance(collection, str | list | dict):
        return len(collection) == 0
    raise arguments.type_error("empty", None, "a string, an array or an object", collection)


def first(collection: Any) -> Any:
    return _end("first", collection, 0)


def last(collection: Any) -> Any:
    return _end("last", collection, -1)


def _end(function: str, collection: Any, index: int) -> Any:
    """An end item of a string or array; null for an empty or null collection."""
    if collection is None:
        return None
    if not isinstance(collection, str | list):
        raise arguments.type_error(function, None, "an array or a string", collection)
    return collection[index] if collection else None


def join(collection: Any, delimiter: Any) -> str:
    return arguments.string("join", delimiter, 1).join(render_text(item) for item in arguments.array("join", collection, 0))


def length(collection: Any) -> int:
    if not isinstance(collection, str | list):
        raise arguments.type_error("length", None, "an array or a string", collection)
    return len(collection)


def skip(collection: Any, count: Any) -> Any:
    return _sliceable("skip", collection)[arguments.non_negative_integer("skip", count, 1) :]


def take(collection: Any, count: Any) -> Any:
    return _sliceable("take", collection)[: arguments.non_negative_integer("take", count, 1)]


def _sliceable(function: str, collection: Any) -> str | list[Any]:
    if not isinstance(collection, str | list):
        raise arguments.type_error(function, 0, "an array or a string", collection)
    return collection


def union(first_collection: Any, *collections: Any) -> list[Any] | dict[str, Any]:
    every = _same_kind("union", (first_collection, *collections))
    if isinstance(first_collection, dict):
        merged: dict[str, Any] = {}
        for mapping in every:
            merged.update(mapping)
        return merged
    return _distinct(item for items in every for item in items)


def intersection(first_collection: Any, *collections: Any) -> list[Any] | dict[str, Any]:
    every = _same_kind("intersection", (first_collection, *collections))
    if isinstance(first_collection, dict):
        return {key: every[-1][key] for key in every[-1]
                if all(key in mapping and mapping[key] == every[-1][key] for mapping in every)}
    return [item for item in _distinct(first_collection) if all(any(item == other for other in items) for items in every)]


def _same_kind(function: str, collections: tuple[Any, ...]) -> tuple[Any, ...]:
    kinds = {type_name(collection) for collection in collections}
    if kinds not in ({"Array"}, {"Object"}):
        provided = " and ".join(f"'{type_name(collection)}'" for collection in collections)
        raise ExpressionError(f"The function '{function}' expects its parameters to be all arrays or all objects. "
                              f"The provided values are of type {provided}.")
    return collections


def _distinct(items: Iterable[Any]) -> list[Any]:
    result: list[Any] = []
    seen: set[Any] = set()
    for item in items:
        if isinstance(item, list | dict):
            if any(item == kept for kept in result):
                continue
        elif item in seen:
            continue
        else:
            seen.add(item)
        result.append(item)
    return result


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "contains": contains,
    "empty": empty,
    "first": first,
    "intersection": intersection,
    "join": join,
    "last": last,
    "length": length,
    "skip": skip,
    "take": take,
    "union": union,
}
