from __future__ import annotations

import pytest

from pgfactory.errors import ExpressionError
from pgfactory.expressions import ActivityState, ExpressionContext, evaluate_expression, evaluate_value

RUN = ExpressionContext(
    parameters={"table": "orders", "limit": 10},
    global_parameters={"env": "dev"},
    system={"DataFactory": "factory1", "Pipeline": "Load", "RunId": "run-1", "TriggerType": "Manual",
            "TriggerName": "Manual", "TriggerTime": "2024-05-01T10:00:00.0000000Z", "GroupId": "group-1"},
    variables={"names": ["a"], "Counter": "3"},
    activities={"Lookup": ActivityState(output={"firstRow": {"n": 1}}),
                "Broken": ActivityState(output=None, status="Failed", error={"errorCode": "2100", "message": "boom"})},
    item={"id": 7},
)


@pytest.mark.parametrize(("text", "expected"), [
    ("@pipeline().DataFactory", "factory1"),
    ("@pipeline().Pipeline", "Load"),
    ("@pipeline().RunId", "run-1"),
    ("@pipeline().runid", "run-1"),
    ("@pipeline().TriggerType", "Manual"),
    ("@pipeline().TriggerName", "Manual"),
    ("@pipeline().TriggerTime", "2024-05-01T10:00:00.0000000Z"),
    ("@pipeline().GroupId", "group-1"),
    ("@pipeline()?.TriggeredByPipelineName", None),
    ("@pipeline().parameters.table", "orders"),
    ("@pipeline().parameters['limit']", 10),
    ("@pipeline().globalParameters.env", "dev"),
    ("@variables('names')", ["a"]),
    ("@variables('counter')", "3"),
    ("@activity('Lookup').output.firstRow.n", 1),
    ("@activity('Lookup').status", "Succeeded"),
    ("@activity('Broken').Status", "Failed"),
    ("@activity('Broken').error.message", "boom"),
    ("@activity('Lookup').error", None),
    ("@item().id", 7),
    ("@{item()}", '{"id":7}'),
])
def test_scope_functions_read_the_context(text: str, expected: object) -> None:
    assert evaluate_value(text, RUN) == expected


def error_of(text: str, context: ExpressionContext = RUN) -> ExpressionError:
    with pytest.raises(ExpressionError) as raised:
        evaluate_value(text, context)
    return raised.value


def test_an_unknown_activity_fails_with_the_ones_that_can_be_referenced() -> None:
    error = error_of("@activity('Nope').output")
    assert error.message == ("The output of activity 'Nope' can't be referenced since it is either not an ancestor to "
                             "the current activity or does not exist. Activities that can be referenced here: "
                             "'Lookup, Broken'.")
    assert error.position == 1


def test_an_undeclared_variable_fails_with_the_declared_ones() -> None:
    error = error_of("x @{variables('nope')}")
    assert error.message == "The variable 'nope' is not declared in this pipeline. Declared variables: 'names, Counter'."
    assert error.position == 4


def test_a_missing_parameter_lists_the_parameters() -> None:
    assert error_of("@pipeline().parameters.nope").message.endswith(
        "property 'nope' doesn't exist, available properties are 'table, limit'.")


def test_item_fails_outside_foreach_and_filter() -> None:
    error = error_of("@item()", ExpressionContext())
    assert "item() is available only inside a ForEach or a Filter activity" in error.message


def test_item_may_be_null_inside_an_iteration() -> None:
    assert evaluate_value("@item()", ExpressionContext(item=None)) is None


def test_linked_service_and_dataset_parameters() -> None:
    context = ExpressionContext(linked_service_parameters={"DBName": "sales"}, dataset_parameters={"path": "in/"})
    assert evaluate_value("Database=@{linkedService().DBName}", context) == "Database=sales"
    assert evaluate_value("@linkedService().dbname", context) == "sales"
    assert evaluate_value("@dataset().path", context) == "in/"
    assert "available properties are 'DBName'" in error_of("@linkedService().host", context).message


def test_linked_service_and_dataset_fail_outside_their_definitions() -> None:
    assert "only inside a linked service definition" in error_of("@linkedService().x").message
    assert "only inside a dataset definition" in error_of("@dataset().x").message


def test_scope_names_must_be_strings() -> None:
    assert error_of("@variables(1)").message == ("The function 'variables' expects its parameter to be a string. "
                                                 "The provided value is of type 'Integer'.")


def test_evaluate_expression_without_context() -> None:
    assert evaluate_expression("@add(1, 2)") == 3
    with pytest.raises(ExpressionError, match="not declared"):
        evaluate_expression("@variables('x')")
