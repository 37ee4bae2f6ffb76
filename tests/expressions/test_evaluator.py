from __future__ import annotations

import time
from typing import Any

import pytest

from pgfactory.errors import ExpressionError
from pgfactory.expressions import ExpressionContext, evaluate_expression, evaluate_tree, evaluate_value
from pgfactory.models.values import Expression

CONTEXT = {
    "parameters": {"myNumber": 42, "myString": "foo", "firstName": "Ada", "lastName": "Lovelace", "field": "b"},
    "activities": {"Lookup": {"output": {"count": 2, "value": [{"id": 1, "Name": "a"}, {"id": 2, "Name": "b"}],
                                         "firstRow": {"CamelCase": "c", "camelcase": "lower", "nothing": None}}}},
    "variables": {"flag": True, "obj": {"a": {"b": 2}}},
}


def evaluate(text: str, context: dict[str, Any] | None = None) -> Any:
    return evaluate_expression(text, CONTEXT if context is None else context)


def error_of(text: str, context: dict[str, Any] | None = None) -> ExpressionError:
    with pytest.raises(ExpressionError) as raised:
        evaluate(text, context)
    return raised.value


# ADF's documented table: expressions keep their type, interpolation makes strings.
@pytest.mark.parametrize(("text", "expected"), [
    ("parameters", "parameters"),
    ("parameters[1]", "parameters[1]"),
    ("@@", "@"),
    (" @", " @"),
    ("@pipeline().parameters.myString", "foo"),
    ("@{pipeline().parameters.myString}", "foo"),
    ("@pipeline().parameters.myNumber", 42),
    ("@{pipeline().parameters.myNumber}", "42"),
    ("Answer is: @{pipeline().parameters.myNumber}", "Answer is: 42"),
    ("@concat('Answer is: ', string(pipeline().parameters.myNumber))", "Answer is: 42"),
    ("Answer is: @@{pipeline().parameters.myNumber}", "Answer is: @{pipeline().parameters.myNumber}"),
    ("First Name: @{pipeline().parameters.firstName} Last Name: @{pipeline().parameters.lastName}",
     "First Name: Ada Last Name: Lovelace"),
    ("@concat('Baba', '''s ', 'book store')", "Baba's book store"),
])
def test_documented_evaluation_rules(text: str, expected: Any) -> None:
    assert evaluate(text) == expected


def test_the_dynamic_content_editor_example() -> None:
    text = '{ \n  "type": "@{if(equals(1, 2), \'Blob\', \'Table\' )}",\n  "name": "@{toUpper(\'myData\')}"\n}'
    assert evaluate(text) == '{ \n  "type": "Table",\n  "name": "MYDATA"\n}'


@pytest.mark.parametrize(("text", "expected"), [
    ("@{true}", "True"), ("@{false}", "False"), ("@{null}", ""), ("@{3e1}", "30"), ("@{-01.0}", "-1"),
    ("@{0.5}", "0.5"), ("@{createArray(1, 'a', true)}", '[1,"a",true]'),
    ("@{json('{\"a\": {\"b\": [1, 2.5]}}')}", '{"a":{"b":[1,2.5]}}'), ("@{'é'}", "é"),
])
def test_interpolation_writes_values_as_adf_does(text: str, expected: str) -> None:
    assert evaluate(text) == expected


def test_several_interpolations_and_literal_text() -> None:
    assert evaluate("@{'h'}@{'e'}@{'l'}@{'l'}@{'o'} @{add(1, 1)}") == "hello 2"


@pytest.mark.parametrize(("text", "expected"), [
    ("@activity('Lookup').output.value[1].id", 2),
    ("@activity('Lookup').output['value'][0]['Name']", "a"),
    ("@activity('Lookup').output.VALUE[0].name", "a"),  # properties match without case
    ("@activity('Lookup').output.firstRow.camelcase", "lower"),  # the exact name wins
    ("@activity('Lookup').output.firstRow.CAMELCASE", "c"),  # else the first that matches
    ("@activity('Lookup').output.value?[pipeline().parameters.myNumber]?.id", None),
    ("@activity('Lookup').output.firstRow?.missing", None),
    ("@activity('Lookup').output.firstRow?['missing']", None),
    ("@activity('Lookup').output.firstRow.nothing?.deeper", None),
    ("@activity('Lookup').output.value?[5]", None),
    ("@variables('obj')['a'][pipeline().parameters.field]", 2),
    ("@json('[[1, 2], [3]]')[0][1]", 2),
])
def test_member_access_and_indexing(text: str, expected: Any) -> None:
    assert evaluate(text) == expected


def test_a_missing_property_lists_the_available_ones() -> None:
    text = "@activity('Lookup').output.firstRow.x"
    error = error_of(text)
    assert error.message == ("The expression 'activity('Lookup').output.firstRow.x' cannot be evaluated because "
                             "property 'x' doesn't exist, available properties are 'CamelCase, camelcase, nothing'.")
    assert error.position == text.index("x")
    assert error.expression == text


def test_property_selection_on_a_string_fails_with_its_type() -> None:
    error = error_of("@pipeline().parameters.myString.length")
    assert error.message.endswith("because property 'length' cannot be selected. Property selection is not "
                                  "supported on values of type 'String'.")


def test_property_selection_on_null_fails_without_the_null_safe_operator() -> None:
    error = error_of("@activity('Lookup').output.firstRow.nothing.deeper")
    assert "Property selection is not supported on values of type 'Null'" in error.message


def test_an_index_out_of_bounds_names_the_bounds() -> None:
    text = "pre @{activity('Lookup').output.value[5]} post"
    error = error_of(text)
    assert error.message == ("The expression 'activity('Lookup').output.value[5]' cannot be evaluated because array "
                             "index '5' is outside bounds (0, 1) of array.")
    assert error.position == text.index("[5]")


def test_arrays_need_integer_indexes() -> None:
    error = error_of("@activity('Lookup').output.value['0']")
    assert "Array elements can only be selected using an integer index." in error.message
    assert "Object properties can only be selected by a string name" in error_of(
        "@activity('Lookup').output.firstRow[0]").message


def test_function_errors_get_the_position_of_the_failing_call() -> None:
    text = "@concat('a', substring('abc', 2, 5))"
    error = error_of(text)
    assert error.position == text.index("substring")
    assert error.expression == text
    assert error.message.startswith("The function 'substring' parameters are out of range")


def test_an_unknown_function_is_reported_with_close_names() -> None:
    text = "@{toUper('x')}"
    error = error_of(text)
    assert error.message == "The template function 'toUper' is not defined or not valid. Did you mean 'toUpper'?"
    assert error.position == 2


def test_function_names_match_without_case() -> None:
    assert evaluate("@ADD(INT('123'), int('456'))") == 579
    assert evaluate("@toupper('a')") == "A"


def test_wrong_argument_counts_are_reported() -> None:
    error = error_of("@add(1)")
    assert error.message == "The function 'add' expects 2 parameters. The function was invoked with '1' parameter(s)."
    assert error_of("@pipeline(1)").message.startswith("The function 'pipeline' expects no parameters.")
    assert error_of("@toLower('a', 'b')").message.startswith("The function 'toLower' expects one parameter.")
    assert error_of("@guid('N', 1)").message.startswith("The function 'guid' expects 0 to 1 parameters.")
    assert error_of("@concat()").message.startswith("The function 'concat' expects at least one parameter.")


def test_if_and_or_evaluate_only_what_they_need() -> None:
    assert evaluate("@if(true, 1, nope())") == 1
    assert evaluate("@if(false, nope(), 2)") == 2
    assert evaluate("@and(false, int('x'))") is False
    assert evaluate("@or(true, variables('undeclared'))") is True
    assert "'nope' is not defined" in error_of("@and(true, nope())").message


def test_errors_carry_the_context_location() -> None:
    context = ExpressionContext(resource="Pipe", property_path="activities[0].typeProperties.query")
    with pytest.raises(ExpressionError) as raised:
        evaluate_value("@add(1, 'x')", context)
    assert raised.value.resource == "Pipe"
    assert raised.value.property_path == "activities[0].typeProperties.query"
    assert raised.value.message.startswith("Pipe: activities[0].typeProperties.query: The function 'add'")
    with pytest.raises(ExpressionError) as syntax:
        evaluate_value("@add(1,", context)
    assert syntax.value.resource == "Pipe" and syntax.value.position == 7


def test_expression_objects_evaluate_their_value() -> None:
    context = ExpressionContext(parameters={"n": 3})
    assert evaluate_value({"value": "@pipeline().parameters.n", "type": "Expression"}, context) == 3
    assert evaluate_value(Expression(type="Expression", value="n=@{pipeline().parameters.n}"), context) == "n=3"
    assert evaluate_value({"value": "plain", "type": "Expression"}, context) == "plain"
    assert evaluate_value(5, context) == 5


def test_evaluate_tree_walks_objects_and_arrays() -> None:
    context = ExpressionContext(parameters={"t": "orders"})
    tree = {"query": "SELECT * FROM @{pipeline().parameters.t}", "n": [1, "@add(1, 1)"],
            "e": {"value": "@toUpper(pipeline().parameters.t)", "type": "Expression"}, "raw": "@@x"}
    assert evaluate_tree(tree, context) == {"query": "SELECT * FROM orders", "n": [1, 2], "e": "ORDERS", "raw": "@x"}


def test_a_cached_activity_expression_evaluates_in_microseconds() -> None:
    context = ExpressionContext.from_json(CONTEXT)
    text = "@activity('Lookup').output.value"
    evaluate_value(text, context)
    rounds = 2000
    started = time.perf_counter()
    for _ in range(rounds):
        evaluate_value(text, context)
    per_call = (time.perf_counter() - started) / rounds
    assert per_call < 50e-6, f"{per_call * 1e6:.1f} µs per evaluation"
