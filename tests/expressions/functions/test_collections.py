from __future__ import annotations

from typing import Any

import pytest

from tests.expressions.functions.helpers import error_of, evaluate


@pytest.mark.parametrize(("text", "expected"), [
    # ADF's documented examples
    ("@contains('hello world', 'world')", True),
    ("@contains('hello world', 'universe')", False),
    ("@empty('')", True),
    ("@empty('abc')", False),
    ("@first('hello')", "h"),
    ("@first(createArray(0, 1, 2))", 0),
    ("@intersection(createArray(1, 2, 3), createArray(101, 2, 1, 10), createArray(6, 8, 1, 2))", [1, 2]),
    ("@join(createArray('a', 'b', 'c'), '.')", "a.b.c"),
    ("@last('abcd')", "d"),
    ("@last(createArray(0, 1, 2, 3))", 3),
    ("@length('abcd')", 4),
    ("@length(createArray(0, 1, 2, 3))", 4),
    ("@skip(createArray(0, 1, 2, 3), 1)", [1, 2, 3]),
    ("@take('abcde', 3)", "abc"),
    ("@take(createArray(0, 1, 2, 3, 4), 3)", [0, 1, 2]),
    ("@union(createArray(1, 2, 3), createArray(1, 2, 10, 101))", [1, 2, 3, 10, 101]),
    # arrays, objects and edges
    ("@contains(createArray('a', 1), 1)", True),
    ("@contains(createArray(json('{\"a\": 1}')), json('{\"a\": 1}'))", True),
    ("@contains(json('{\"Key\": 1}'), 'Key')", True),
    ("@contains(json('{\"Key\": 1}'), 'key')", False),
    ("@contains('Hello', 'hello')", False),
    ("@contains('a1', 1)", True),
    ("@empty(createArray())", True),
    ("@empty(json('{}'))", True),
    ("@empty(null)", True),
    ("@first(createArray())", None),
    ("@first('')", None),
    ("@last(null)", None),
    ("@join(createArray(1, null, true, 'x'), '-')", "1--True-x"),
    ("@skip('abc', 1)", "bc"),
    ("@skip(createArray(1, 2), 5)", []),
    ("@take(createArray(1, 2), 0)", []),
    ("@union(json('{\"a\": 1, \"b\": 2}'), json('{\"b\": 3, \"c\": 4}'))", {"a": 1, "b": 3, "c": 4}),
    ("@intersection(json('{\"a\": 1, \"b\": 2}'), json('{\"b\": 2, \"a\": 5}'))", {"b": 2}),
    ("@union(createArray(createArray(1), createArray(1)), createArray(json('{}'), json('{}')))", [[1], {}]),
    ("@intersection(createArray(1, 1, 2), createArray(1))", [1]),
    ("@union(createArray(1, 1))", [1]),
])
def test_collection_functions(text: str, expected: Any) -> None:
    assert evaluate(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("@length(json('{}'))", "The function 'length' expects its parameter to be an array or a string. The provided "
                            "value is of type 'Object'."),
    ("@length(null)", "The function 'length' expects its parameter to be an array or a string. The provided value is "
                      "of type 'Null'."),
    ("@contains(1, 1)", "The function 'contains' expects its first parameter to be a string, an array or an object."),
    ("@empty(1)", "The function 'empty' expects its parameter to be a string, an array or an object."),
    ("@first(1)", "The function 'first' expects its parameter to be an array or a string."),
    ("@join('abc', ',')", "The function 'join' expects its first parameter to be an array."),
    ("@skip(createArray(1), -1)", "The function 'skip' expects its second parameter to be a non-negative integer."),
    ("@take(createArray(1), '1')", "The function 'take' expects its second parameter to be an integer."),
    ("@union(createArray(1), json('{}'))", "The function 'union' expects its parameters to be all arrays or all "
                                           "objects. The provided values are of type 'Array' and 'Object'."),
    ("@intersection('a', 'b')", "The function 'intersection' expects its parameters to be all arrays or all objects."),
])
def test_collection_function_errors(text: str, message: str) -> None:
    assert error_of(text).startswith(message)
