from __future__ import annotations

import pytest

from pgfactory.errors import DefinitionError
from pgfactory.expressions import NO_ITEM, ActivityState, ExpressionContext, evaluate_expression


def test_from_json_reads_every_part() -> None:
    context = ExpressionContext.from_json({
        "parameters": {"p": 1}, "globalParameters": {"g": 2}, "variables": {"v": 3},
        "activities": {"A": {"output": {"x": 1}, "Status": "Failed", "error": {"message": "m"}}},
        "item": {"i": 4}, "system": {"runid": "r", "Custom": "c"}, "TriggerTime": "t",
        "linkedService": {"l": 5}, "dataset": {"d": 6},
    })
    assert context.parameters == {"p": 1}
    assert context.global_parameters == {"g": 2}
    assert context.variables == {"v": 3}
    assert context.activities == {"A": ActivityState(output={"x": 1}, status="Failed", error={"message": "m"})}
    assert context.item == {"i": 4}
    assert context.system == {"RunId": "r", "Custom": "c", "TriggerTime": "t"}
    assert context.linked_service_parameters == {"l": 5}
    assert context.dataset_parameters == {"d": 6}


def test_from_json_defaults() -> None:
    context = ExpressionContext.from_json({"activities": {"A": {"output": 1}}})
    assert context.activities["A"].status == "Succeeded"
    assert context.item is NO_ITEM
    assert context.linked_service_parameters is None
    assert ExpressionContext.from_json({"item": None}).item is None


@pytest.mark.parametrize(("data", "message"), [
    ({"params": {}}, "unknown expression context key(s): params; known keys: parameters, globalParameters"),
    ({"parameters": [1]}, "expression context key 'parameters' must hold a JSON object, not list"),
    ({"activities": {"A": {"outputs": 1}}}, "activity 'A' in the expression context has an unknown key 'outputs'"),
    ({"activities": {"A": 1}}, "'activities.A' must hold a JSON object"),
])
def test_from_json_refuses_what_it_does_not_know(data: dict[str, object], message: str) -> None:
    with pytest.raises(DefinitionError, match=None) as raised:
        ExpressionContext.from_json(data)
    assert message in raised.value.message


def test_a_plain_mapping_is_a_context_for_evaluate_expression() -> None:
    data = {"RunId": "abc", "activities": {"L": {"output": {"value": [1, 2]}}}}
    assert evaluate_expression("@{pipeline().RunId}/@{length(activity('L').output.value)}", data) == "abc/2"
