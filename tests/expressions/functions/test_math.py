from __future__ import annotations

from typing import Any

import pytest

from tests.expressions.functions.helpers import error_of, evaluate


@pytest.mark.parametrize(("text", "expected"), [
    # ADF's documented examples
    ("@add(1, 1.5)", 2.5), ("@div(10, 5)", 2), ("@div(11, 5)", 2), ("@max(1, 2, 3)", 3),
    ("@max(createArray(1, 2, 3))", 3), ("@min(1, 2, 3)", 1), ("@min(createArray(1, 2, 3))", 1), ("@mod(3, 2)", 1),
    ("@mul(1, 2)", 2), ("@mul(1.5, 2)", 3.0), ("@range(1, 4)", [1, 2, 3, 4]),
    # integer and float rules
    ("@add(1, 2)", 3), ("@sub(5, 7)", -2), ("@div(-7, 2)", -3), ("@div(7, -2)", -3), ("@div(7.5, 2)", 3.75),
    ("@mod(-7, 2)", -1), ("@mod(7, -2)", 1), ("@mod(7.5, 2)", 1.5), ("@max(1, 2.5)", 2.5), ("@min(-1, -1.5)", -1.5),
    ("@range(0, 0)", []), ("@range(-2, 3)", [-2, -1, 0]),
])
def test_math_functions(text: str, expected: Any) -> None:
    result = evaluate(text)
    assert result == expected
    assert type(result) is type(expected)


def test_sub_of_the_documented_floats() -> None:
    assert evaluate("@sub(10.3, .3)") == pytest.approx(10)


def test_rand_stays_in_its_range() -> None:
    assert {evaluate("@rand(1, 5)") for _ in range(200)} == {1, 2, 3, 4}
    assert evaluate("@rand(3, 4)") == 3


@pytest.mark.parametrize(("text", "message"), [
    ("@add('1', 2)", "The function 'add' expects its first parameter to be an integer or a decimal number. The "
                     "provided value is of type 'String'."),
    ("@mul(2, true)", "The function 'mul' expects its second parameter to be an integer or a decimal number. The "
                      "provided value is of type 'Boolean'."),
    ("@div(1, 0)", "The function 'div' cannot divide by zero"),
    ("@mod(1, 0.0)", "The function 'mod' cannot divide by zero"),
    ("@max(createArray())", "The function 'max' expects a non-empty array of numbers."),
    ("@min(1, 'a')", "The function 'min' expects integers or decimal numbers. Value 2 is of type 'String'."),
    ("@rand(5, 5)", "The function 'rand' expects its first parameter (5) to be less than its second parameter (5)."),
    ("@rand(1.5, 5)", "The function 'rand' expects its first parameter to be an integer."),
    ("@range(1, -1)", "The function 'range' expects its second parameter to be a non-negative integer."),
    ("@range(0, 100001)", "The function 'range' expects its second parameter (the count) to be at most 100000."),
])
def test_math_function_errors(text: str, message: str) -> None:
    assert error_of(text).startswith(message)
