from __future__ import annotations

import pytest

from pgfactory.expressions.functions import Function, find_function, function_names

SPEC_FUNCTIONS = [
    "concat", "endsWith", "guid", "indexOf", "lastIndexOf", "replace", "split", "startsWith", "substring", "toLower",
    "toUpper", "trim", "contains", "empty", "first", "intersection", "join", "last", "length", "skip", "take",
    "union", "and", "equals", "greater", "greaterOrEquals", "if", "less", "lessOrEquals", "not", "or", "array",
    "base64", "base64ToBinary", "base64ToString", "binary", "bool", "coalesce", "createArray", "dataUri",
    "dataUriToBinary", "dataUriToString", "decodeBase64", "decodeDataUri", "decodeUriComponent",
    "encodeUriComponent", "float", "int", "json", "string", "uriComponent", "uriComponentToBinary",
    "uriComponentToString", "xml", "xpath", "add", "div", "max", "min", "mod", "mul", "rand", "range", "sub",
    "pipeline", "variables", "activity", "item", "linkedService", "dataset",
]


def test_every_function_of_the_spec_is_registered_under_its_adf_name() -> None:
    names = set(function_names())
    assert [name for name in SPEC_FUNCTIONS if name not in names] == []


@pytest.mark.parametrize("spelling", ["toUpper", "toupper", "TOUPPER"])
def test_functions_are_found_without_regard_to_case(spelling: str) -> None:
    function = find_function(spelling)
    assert function is not None and function.name == "toUpper"


def test_unknown_names_are_not_found() -> None:
    assert find_function("nope") is None


@pytest.mark.parametrize(("name", "low", "high", "lazy", "takes_context"), [
    ("add", 2, 2, False, False), ("guid", 0, 1, False, False), ("concat", 1, None, False, False),
    ("substring", 2, 3, False, False), ("createArray", 0, None, False, False), ("if", 3, 3, True, False),
    ("and", 1, None, True, False), ("activity", 1, 1, False, True), ("pipeline", 0, 0, False, True),
])
def test_arity_comes_from_the_signature(name: str, low: int, high: int | None, lazy: bool, takes_context: bool) -> None:
    function = find_function(name)
    assert isinstance(function, Function)
    assert (function.min_arguments, function.max_arguments, function.lazy, function.takes_context) == (
        low, high, lazy, takes_context)


def test_arity_problems_read_like_adf() -> None:
    add, concat, guid = find_function("add"), find_function("concat"), find_function("guid")
    assert add is not None and concat is not None and guid is not None
    assert add.arity_problem(2) is None
    assert add.arity_problem(3) == "The function 'add' expects 2 parameters. The function was invoked with '3' parameter(s)."
    assert concat.arity_problem(0) == ("The function 'concat' expects at least one parameter. The function was invoked "
                                       "with '0' parameter(s).")
    assert guid.arity_problem(2) == ("The function 'guid' expects 0 to 1 parameters. The function was invoked with '2' "
                                     "parameter(s).")
