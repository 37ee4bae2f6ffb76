from __future__ import annotations

from typing import Any

import pytest

from tests.expressions.functions.helpers import error_of, evaluate

HELLO = {"$content-type": "application/octet-stream", "$content": "aGVsbG8="}


@pytest.mark.parametrize(("text", "expected"), [
    # ADF's documented examples (binary results are ADF's content objects)
    ("@array('hello')", ["hello"]),
    ("@base64('hello')", "aGVsbG8="),
    ("@base64ToBinary('aGVsbG8=')", HELLO),
    ("@base64ToString('aGVsbG8=')", "hello"),
    ("@binary('hello')", HELLO),
    ("@bool(1)", True), ("@bool(0)", False),
    ("@coalesce(null, true, false)", True), ("@coalesce(null, 'hello', 'world')", "hello"),
    ("@coalesce(null, null, null)", None),
    ("@createArray('h', 'e', 'l', 'l', 'o')", ["h", "e", "l", "l", "o"]),
    ("@dataUri('hello')", "data:text/plain;charset=utf-8;base64,aGVsbG8="),
    ("@dataUriToBinary('data:text/plain;charset=utf-8;base64,aGVsbG8=')",
     {"$content-type": "text/plain;charset=utf-8", "$content": "aGVsbG8="}),
    ("@dataUriToString('data:text/plain;charset=utf-8;base64,aGVsbG8=')", "hello"),
    ("@decodeBase64('aGVsbG8=')", "hello"),
    ("@decodeDataUri('data:text/plain;charset=utf-8;base64,aGVsbG8=')",
     {"$content-type": "text/plain;charset=utf-8", "$content": "aGVsbG8="}),
    ("@decodeUriComponent('http%3A%2F%2Fcontoso.com')", "http://contoso.com"),
    ("@encodeUriComponent('https://contoso.com')", "https%3A%2F%2Fcontoso.com"),
    ("@float('10.333')", 10.333),
    ("@int('10')", 10),
    ("@json('[1, 2, 3]')", [1, 2, 3]),
    ("@json('{\"fullName\": \"Sophia Owen\"}')", {"fullName": "Sophia Owen"}),
    ("@string(10)", "10"),
    ("@string(json('{ \"name\": \"Sophie Owen\" }'))", '{"name":"Sophie Owen"}'),
    ("@uriComponent('https://contoso.com')", "https%3A%2F%2Fcontoso.com"),
    ("@uriComponentToBinary('http%3A%2F%2Fcontoso.com')",
     {"$content-type": "application/octet-stream", "$content": "aHR0cDovL2NvbnRvc28uY29t"}),
    ("@uriComponentToString('http%3A%2F%2Fcontoso.com')", "http://contoso.com"),
    # more
    ("@createArray()", []),
    ("@coalesce('', 'x')", ""),
    ("@base64(binary('é'))", "w6k="),
    ("@base64ToString('w6k=')", "é"),
    ("@base64ToString(' aGVs\nbG8= ')", "hello"),
    ("@dataUri(base64ToBinary('aGk='))", "data:application/octet-stream;base64,aGk="),
    ("@dataUriToString('data:,a%20b')", "a b"),
    ("@dataUriToBinary('data:text/plain;base64,aGk=')", {"$content-type": "text/plain", "$content": "aGk="}),
    ("@uriComponent('a b/é~_.-')", "a%20b%2F%C3%A9~_.-"),
    ("@uriComponentToString(uriComponent('x=1&y=2'))", "x=1&y=2"),
    ("@uriComponentToString(replace(uriComponent('Contoso-\nCorporation'), '%0A', ''))", "Contoso-Corporation"),
    ("@bool('True')", True), ("@bool(' false ')", False), ("@bool(2.5)", True), ("@bool(true)", True),
    ("@int(' -42 ')", -42), ("@int(3.0)", 3), ("@int(true)", 1), ("@int(7)", 7),
    ("@float('1e3')", 1000.0), ("@float(2)", 2.0), ("@float('-.5')", -0.5),
    ("@json('null')", None), ("@json(null)", {}), ("@json(createArray(1))", [1]),
    ("@json('{\"a\": 1, \"a\": 2}')", {"a": 2}),
    ("@string(true)", "True"), ("@string(null)", ""), ("@string(1.0)", "1"), ("@string('x')", "x"),
    ("@string(binary('text'))", "text"),
])
def test_conversion_functions(text: str, expected: Any) -> None:
    result = evaluate(text)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(("text", "message"), [
    ("@int('1.5')", "The function 'int' was invoked with a parameter that is not valid. The value cannot be converted "
                    "to the target type."),
    ("@int(2.9)", "The function 'int' was invoked with a parameter that is not valid."),
    ("@int('1_000')", "The function 'int' was invoked with a parameter that is not valid."),
    ("@int(null)", "The function 'int' was invoked with a parameter that is not valid."),
    ("@float('abc')", "The function 'float' was invoked with a parameter that is not valid."),
    ("@float('nan')", "The function 'float' was invoked with a parameter that is not valid."),
    ("@bool('yes')", "The function 'bool' was invoked with a parameter that is not valid."),
    ("@base64ToString('not base64!')", "The function 'base64ToString' was invoked with a parameter that is not valid. "
                                       "The value cannot be decoded from base64 representation."),
    ("@base64ToString(1)", "The function 'base64ToString' expects its parameter to be a string."),
    ("@dataUriToString('hello')", "The function 'dataUriToString' was invoked with a parameter that is not valid. "
                                  "The value is not a data URI"),
    ("@json('{oops')", "The function 'json' parameter is not valid. The provided value '{oops' cannot be parsed: "),
    ("@json('NaN')", "The function 'json' parameter is not valid."),
])
def test_conversion_function_errors(text: str, message: str) -> None:
    assert error_of(text).startswith(message)
