from __future__ import annotations

import re
from typing import Any

import pytest

from tests.expressions.functions.helpers import error_of, evaluate


@pytest.mark.parametrize(("text", "expected"), [
    # ADF's documented examples
    ("@concat('Hello', 'World')", "HelloWorld"),
    ("@endsWith('hello world', 'world')", True),
    ("@endsWith('hello world', 'universe')", False),
    ("@indexOf('hello world', 'world')", 6),
    ("@lastIndexOf('hello world', 'world')", 6),
    ("@replace('the old string', 'old', 'new')", "the new string"),
    ("@split('a_b_c', '_')", ["a", "b", "c"]),
    ("@startsWith('hello world', 'hello')", True),
    ("@startsWith('hello world', 'greetings')", False),
    ("@substring('hello world', 6, 5)", "world"),
    ("@toLower('Hello World')", "hello world"),
    ("@toUpper('Hello World')", "HELLO WORLD"),
    ("@trim(' Hello World  ')", "Hello World"),
    # case rules and edges
    ("@endsWith('hello WORLD', 'world')", True),
    ("@startsWith('Hello', 'hE')", True),
    ("@startsWith('abc', '')", True),
    ("@indexOf('Hello World', 'WORLD')", 6),
    ("@indexOf('abc', 'x')", -1),
    ("@indexOf('abc', '')", 0),
    ("@lastIndexOf('banana', 'AN')", 3),
    ("@lastIndexOf('aaa', 'aa')", 1),
    ("@lastIndexOf('abc', 'x')", -1),
    ("@replace('aAa', 'a', 'b')", "bAb"),
    ("@split('a,,b', ',')", ["a", "", "b"]),
    ("@split('abc', '')", ["abc"]),
    ("@split('a--b', '--')", ["a", "b"]),
    ("@substring('hello', 1)", "ello"),
    ("@substring('hello', 5, 0)", ""),
    ("@concat('a', 1, true, null, 2.5)", "a1True2.5"),
    ("@concat(createArray(1), createArray(2, 3))", [1, 2, 3]),
    ("@trim('\t x \n')", "x"),
])
def test_string_functions(text: str, expected: Any) -> None:
    assert evaluate(text) == expected


@pytest.mark.parametrize(("specifier", "pattern"), [
    ("", r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
    ("'D'", r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    ("'N'", r"[0-9a-f]{32}"),
    ("'n'", r"[0-9a-f]{32}"),
    ("'B'", r"\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}"),
    ("'P'", r"\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)"),
    ("'X'", r"\{0x[0-9a-f]{8},0x[0-9a-f]{4},0x[0-9a-f]{4},\{(0x[0-9a-f]{2},){7}0x[0-9a-f]{2}\}\}"),
])
def test_guid_formats(specifier: str, pattern: str) -> None:
    assert re.fullmatch(pattern, evaluate(f"@guid({specifier})"))


def test_guids_are_new_each_time() -> None:
    assert evaluate("@guid()") != evaluate("@guid()")


@pytest.mark.parametrize(("text", "message"), [
    ("@toLower(1)", "The function 'toLower' expects its parameter to be a string. The provided value is of type 'Integer'."),
    ("@trim(null)", "The function 'trim' expects its parameter to be a string. The provided value is of type 'Null'."),
    ("@startsWith('a', 1)", "The function 'startsWith' expects its second parameter to be a string. The provided "
                            "value is of type 'Integer'."),
    ("@indexOf(createArray('a'), 'a')", "The function 'indexOf' expects its first parameter to be a string. The "
                                        "provided value is of type 'Array'."),
    ("@substring('abc', 1, 5)", "The function 'substring' parameters are out of range"),
    ("@substring('abc', -1, 1)", "The function 'substring' parameters are out of range"),
    ("@substring('abc', '1', 1)", "The function 'substring' expects its second parameter to be an integer. The "
                                  "provided value is of type 'String'."),
    ("@replace('abc', '', 'x')", "The function 'replace' expects its second parameter (the text to replace) to be a "
                                 "non-empty string."),
    ("@split(json('{}'), ',')", "The function 'split' expects its first parameter to be a string. The provided value "
                                "is of type 'Object'."),
    ("@guid('Q')", "The function 'guid' expects its parameter to be one of the formats 'N', 'D', 'B', 'P' or 'X'."),
])
def test_string_function_errors(text: str, message: str) -> None:
    assert error_of(text).startswith(message)
