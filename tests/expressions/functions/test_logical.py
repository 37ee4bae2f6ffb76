from __future__ import annotations

from typing import Any

import pytest

from tests.expressions.functions.helpers import error_of, evaluate


@pytest.mark.parametrize(("text", "expected"), [
    # ADF's documented examples
    ("@and(true, true)", True), ("@and(false, true)", False), ("@and(false, false)", False),
    ("@and(equals(1, 1), equals(2, 2))", True), ("@and(equals(1, 1), equals(1, 2))", False),
    ("@and(equals(1, 2), equals(1, 3))", False),
    ("@equals(true, 1)", True), ("@equals('abc', 'abcd')", False),
    ("@greater(10, 5)", True), ("@greater('apple', 'banana')", False),
    ("@greaterOrEquals(5, 5)", True), ("@greaterOrEquals('apple', 'banana')", False),
    ("@if(equals(1, 1), 'yes', 'no')", "yes"),
    ("@less(5, 10)", True), ("@less('banana', 'apple')", False),
    ("@lessOrEquals(10, 10)", True), ("@lessOrEquals('apply', 'apple')", False),
    ("@not(false)", True), ("@not(true)", False), ("@not(equals(1, 2))", True), ("@not(equals(1, 1))", False),
    ("@or(true, false)", True), ("@or(false, false)", False),
    ("@or(equals(1, 1), equals(1, 2))", True), ("@or(equals(1, 2), equals(1, 3))", False),
    # more
    ("@and(true, true, true, false)", False), ("@or(false, false, true)", True), ("@and(true)", True),
    ("@and('true', 'TRUE')", True), ("@not('false')", True),
    ("@equals(1, 1.0)", True), ("@equals('1', 1)", False), ("@equals(null, null)", True),
    ("@equals('a', 'A')", False), ("@equals(createArray(1, 2), createArray(1, 2))", True),
    ("@equals(createArray(1, 2), createArray(2, 1))", False),
    ("@equals(json('{\"a\": 1, \"b\": [1]}'), json('{\"b\": [1], \"a\": 1}'))", True),
    ("@greater(2.5, 2)", True), ("@less(-1, 0)", True), ("@greater('b', 'B')", True),
    ("@if('true', 1, 2)", 1), ("@if(false, 1, null)", None),
])
def test_logical_functions(text: str, expected: Any) -> None:
    assert evaluate(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("@and(true, 1)", "The function 'and' expects its second parameter to be a boolean. The provided value is of type "
                      "'Integer'."),
    ("@not('yes')", "The function 'not' expects its parameter to be a boolean. The provided value is of type 'String'."),
    ("@if(null, 1, 2)", "The function 'if' expects its first parameter to be a boolean."),
    ("@greater('10', 9)", "The function 'greater' expects its parameters to be both numbers or both strings. The "
                          "provided values are of type 'String' and 'Integer'."),
    ("@less(true, false)", "The function 'less' expects its parameters to be both numbers or both strings."),
    ("@lessOrEquals(null, 1)", "The function 'lessOrEquals' expects its parameters to be both numbers or both strings."),
])
def test_logical_function_errors(text: str, message: str) -> None:
    assert error_of(text).startswith(message)
